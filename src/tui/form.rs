//! Parameter forms: what a person fills in before a ceremony starts.

/// Which action a form starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKind {
    Dkg,
    Deal,
    Follow,
    Definition,
    Vote,
    Transaction,
    Check,
}

impl FormKind {
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Dkg => "Start or join a key generation (DKG)",
            FormKind::Deal => "Deal keys with a trusted dealer",
            FormKind::Follow => "Follow a signing ceremony",
            FormKind::Definition => "Coordinate a validator definition",
            FormKind::Vote => "Coordinate a validator vote",
            FormKind::Transaction => "Coordinate a transaction",
            FormKind::Check => "Check a key (every participant signs a harmless test)",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    /// Typed but never shown: passphrases.
    Secret,
    /// One of these values, cycled with the arrow keys.
    Choice(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    pub value: String,
}

impl Field {
    fn text(label: &'static str, hint: &'static str, value: &str) -> Self {
        Self {
            label,
            hint,
            kind: FieldKind::Text,
            value: value.into(),
        }
    }
    fn number(label: &'static str, hint: &'static str, value: &str) -> Self {
        Self {
            label,
            hint,
            kind: FieldKind::Number,
            value: value.into(),
        }
    }
    fn secret(label: &'static str, hint: &'static str) -> Self {
        Self {
            label,
            hint,
            kind: FieldKind::Secret,
            value: String::new(),
        }
    }
    fn choice(label: &'static str, hint: &'static str, options: Vec<String>) -> Self {
        Self {
            label,
            hint,
            value: options.first().cloned().unwrap_or_default(),
            kind: FieldKind::Choice(options),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<String>,
    /// Slow work (unlocking a key, dealing) is under way.
    pub busy: bool,
}

impl Form {
    /// A form for `kind`; `keys` are the stored key names to choose among.
    pub fn new(kind: FormKind, keys: &[String]) -> Self {
        let key_choice = |hint| Field::choice("Key", hint, keys.to_vec());
        let unlock = || Field::secret("Passphrase", "if the key is encrypted");
        let new_secret = || {
            [
                Field::choice(
                    "Encrypt",
                    "no: stored in the clear",
                    vec!["yes".into(), "no".into()],
                ),
                Field::secret("Passphrase", "seals the share at rest"),
                Field::secret("Repeat", "the same passphrase again"),
            ]
        };
        let mut fields = match kind {
            FormKind::Dkg => vec![
                Field::number("Threshold t", "signers needed", "2"),
                Field::number("Participants n", "everyone taking part", "3"),
                Field::text("Name", "what to store the key as", "identity"),
            ],
            FormKind::Deal => vec![
                Field::number("Threshold t", "signers needed", "2"),
                Field::number("Participants n", "shares to make", "3"),
                Field::text("Folder", "where the key files go", "hoarfrost-keys"),
            ],
            FormKind::Follow => {
                let mut options = vec!["automatic".to_string()];
                options.extend(keys.iter().cloned());
                vec![Field::choice(
                    "Key",
                    "automatic: the key the request needs",
                    options,
                )]
            }
            FormKind::Definition => vec![
                key_choice("the validator's identity key"),
                Field::text(
                    "Definition file",
                    "the TOML pcli's template writes",
                    "validator.toml",
                ),
                Field::number("Signers", "blank: the threshold", ""),
            ],
            FormKind::Vote => vec![
                key_choice("the validator's governance key"),
                Field::number("Proposal", "the proposal number", ""),
                Field::choice(
                    "Vote",
                    "",
                    vec!["yes".into(), "no".into(), "abstain".into()],
                ),
                Field::text("Reason", "at most 1024 bytes", ""),
                Field::text("Validator", "identity key, if held apart", ""),
                Field::number("Signers", "blank: the threshold", ""),
            ],
            FormKind::Transaction => vec![
                key_choice("the key that owns the notes"),
                Field::text("Plan file", "TransactionPlan as proto JSON", "plan.json"),
                Field::number("Signers", "blank: the threshold", ""),
            ],
            FormKind::Check => vec![key_choice("the key to check")],
        };
        match kind {
            FormKind::Dkg | FormKind::Deal => fields.extend(new_secret()),
            _ => fields.push(unlock()),
        }
        Self {
            kind,
            fields,
            focus: 0,
            error: None,
            busy: false,
        }
    }

    pub fn value(&self, label: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| match f.kind {
                // Passphrases are taken exactly as typed.
                FieldKind::Secret => f.value.as_str(),
                _ => f.value.trim(),
            })
            .unwrap_or("")
    }

    /// The passphrase to seal a new key with: None when "Encrypt" is no.
    pub fn new_passphrase(&self) -> Result<Option<String>, String> {
        if self.value("Encrypt") == "no" {
            return Ok(None);
        }
        let p = self.value("Passphrase");
        if p.is_empty() {
            return Err("Passphrase: required to encrypt the share (or set Encrypt to no)".into());
        }
        if p != self.value("Repeat") {
            return Err("Repeat: the passphrases differ".into());
        }
        Ok(Some(p.to_string()))
    }

    /// Forgets every passphrase typed into the form.
    pub fn clear_secrets(&mut self) {
        for f in &mut self.fields {
            if f.kind == FieldKind::Secret {
                zeroize::Zeroize::zeroize(&mut f.value);
            }
        }
    }

    /// A number field's value; blank gives None.
    pub fn number(&self, label: &str) -> Result<Option<u64>, String> {
        let text = self.value(label);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| format!("{label}: {text:?} is not a number"))
    }

    pub fn required_number(&self, label: &str) -> Result<u64, String> {
        self.number(label)?
            .ok_or_else(|| format!("{label}: required"))
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn previous(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    /// Types a character into the focused field (digits only for numbers).
    pub fn type_char(&mut self, c: char) {
        let field = &mut self.fields[self.focus];
        match field.kind {
            FieldKind::Text | FieldKind::Secret => field.value.push(c),
            FieldKind::Number if c.is_ascii_digit() => field.value.push(c),
            _ => {}
        }
        self.error = None;
    }

    pub fn backspace(&mut self) {
        let field = &mut self.fields[self.focus];
        if !matches!(field.kind, FieldKind::Choice(_)) {
            field.value.pop();
        }
    }

    /// Pastes text into a text field (paths are often pasted).
    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.type_char(c);
        }
    }

    /// Cycles a choice field.
    pub fn cycle(&mut self, forward: bool) {
        let field = &mut self.fields[self.focus];
        if let FieldKind::Choice(options) = &field.kind {
            if options.is_empty() {
                return;
            }
            let at = options.iter().position(|o| o == &field.value).unwrap_or(0);
            let next = if forward {
                (at + 1) % options.len()
            } else {
                (at + options.len() - 1) % options.len()
            };
            field.value = options[next].clone();
        }
    }
}

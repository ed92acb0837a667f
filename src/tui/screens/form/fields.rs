//! The forms' fields, identified by an enum: which fields each form has, their labels and
//! hints, and how a ceremony asked for on the command line fills them in.

use zeroize::Zeroizing;

use crate::spec::{KeyChoice, RequestSpec, Spec};

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
    /// A refresh of a key's shares, started or joined.
    Refresh,
    /// A repair helper, started or joined.
    Help,
    /// A repair's newcomer.
    Newcomer,
    /// A member who did not help in a repair, admitting its newcomer.
    Admit,
}

impl FormKind {
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Dkg => "Start or join a key generation (DKG)",
            FormKind::Deal => "Deal keys with a trusted dealer",
            FormKind::Follow => "Follow a signing ceremony",
            FormKind::Definition => RequestSpec::Definition {
                file: Default::default(),
            }
            .title(),
            FormKind::Vote => "Coordinate a validator vote",
            FormKind::Transaction => "Coordinate a transaction",
            FormKind::Check => RequestSpec::Check.title(),
            FormKind::Refresh => "Refresh a key's shares",
            FormKind::Help => "Help enrol a newcomer",
            FormKind::Newcomer => "Join a key as the newcomer",
            FormKind::Admit => "Admit a repair's newcomer",
        }
    }

    /// One line on what happens next.
    pub fn about(self) -> &'static str {
        match self {
            FormKind::Dkg => "Everyone starts with the same t and n. Nothing is stored until the key is finished.",
            FormKind::Deal => "One machine sees the whole key for a moment, then each participant keeps its own file.",
            FormKind::Follow => "The coordinator's request is shown in words before anything is signed.",
            FormKind::Definition => "The definition is the TOML pcli's template writes (Ctrl-T writes one here).",
            FormKind::Vote => "Signed by the governance key, on behalf of the validator.",
            FormKind::Transaction => "The plan is a TransactionPlan in proto JSON.",
            FormKind::Check => "A harmless test signature that proves the key works.",
            FormKind::Refresh => "Every member who stays gets a new share of the same key; the threshold stays. One member starts, the others join.",
            FormKind::Help => "Give a newcomer a share of the key (no helper learns it). Confirm its fingerprint with the newcomer first.",
            FormKind::Newcomer => "Ask at least t members for a share of a key. You need its public group description (hoarfrost keys export-group).",
            FormKind::Admit => "For a member who did not help: paste the repair's messages, confirm the newcomer's fingerprint, and your key includes it (your share stays).",
        }
    }

    /// Whether the form makes a new key (and asks how to seal it).
    pub fn makes_keys(self) -> bool {
        matches!(self, FormKind::Dkg | FormKind::Deal | FormKind::Newcomer)
    }

    /// Whether the form is a member's part in a refresh or a repair, whose new share replaces
    /// the key's (sealed again under the passphrase that opens it).
    pub fn replaces_share(self) -> bool {
        matches!(self, FormKind::Refresh | FormKind::Help | FormKind::Admit)
    }

    pub fn of_request(request: &RequestSpec) -> Self {
        match request {
            RequestSpec::Definition { .. } => FormKind::Definition,
            RequestSpec::Vote { .. } => FormKind::Vote,
            RequestSpec::Transaction { .. } => FormKind::Transaction,
            RequestSpec::Check => FormKind::Check,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldId {
    Threshold,
    Participants,
    Name,
    Folder,
    Key,
    KeyFile,
    DefinitionFile,
    PlanFile,
    Proposal,
    Vote,
    Reason,
    Validator,
    Signers,
    Encrypt,
    Passphrase,
    Repeat,
    /// Whether this member starts the refresh or repair, or joins another member's.
    Starts,
    /// The members a refresh removes, or a repair goes without.
    Members,
    /// A public group description: the newcomer's, or one to replace as well.
    GroupFile,
}

/// How a field is edited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Digits only.
    Number,
    /// Typed but never shown.
    Secret,
    /// Chosen with ← and →.
    Choice,
    /// The chosen key's members, each marked or not (Space), ← and → move among them.
    Members,
}

impl FieldKind {
    /// Whether the field's value is typed (and Backspace and Ctrl-U edit it).
    pub fn is_typed(self) -> bool {
        matches!(
            self,
            FieldKind::Text | FieldKind::Number | FieldKind::Secret
        )
    }
}

impl FieldId {
    pub fn label(self) -> &'static str {
        match self {
            FieldId::Threshold => "Threshold t",
            FieldId::Participants => "Participants n",
            FieldId::Name => "Name",
            FieldId::Folder => "Folder",
            FieldId::Key => "Key",
            FieldId::KeyFile => "Key file",
            FieldId::DefinitionFile => "Definition file",
            FieldId::PlanFile => "Plan file",
            FieldId::Proposal => "Proposal",
            FieldId::Vote => "Vote",
            FieldId::Reason => "Reason",
            FieldId::Validator => "Validator",
            FieldId::Signers => "Signers",
            FieldId::Encrypt => "Encrypt",
            FieldId::Passphrase => "Passphrase",
            FieldId::Repeat => "Repeat",
            FieldId::Starts => "You",
            FieldId::Members => "Remove",
            FieldId::GroupFile => "Group file",
        }
    }

    /// The label as a form of `kind` shows it.
    pub fn label_in(self, kind: FormKind) -> &'static str {
        match (self, kind) {
            (FieldId::Members, FormKind::Help) => "Not helping",
            (id, _) => id.label(),
        }
    }

    pub fn kind(self) -> FieldKind {
        match self {
            FieldId::Threshold | FieldId::Participants | FieldId::Proposal | FieldId::Signers => {
                FieldKind::Number
            }
            FieldId::Key | FieldId::Vote | FieldId::Encrypt | FieldId::Starts => FieldKind::Choice,
            FieldId::Members => FieldKind::Members,
            FieldId::Passphrase | FieldId::Repeat => FieldKind::Secret,
            _ => FieldKind::Text,
        }
    }

    pub fn hint(self, kind: FormKind) -> &'static str {
        match (self, kind) {
            (FieldId::Threshold, _) => "signers needed",
            (FieldId::Participants, FormKind::Deal) => "shares to make",
            (FieldId::Participants, _) => "everyone taking part",
            (FieldId::Name, _) => "what to store the key as",
            (FieldId::Folder, _) => "where the key files go",
            (FieldId::Key, FormKind::Follow) => "automatic: the key the request needs",
            (FieldId::Key, FormKind::Definition) => "automatic: the definition's identity key",
            (FieldId::Key, FormKind::Vote) => "automatic: \"governance\", or the only key",
            (FieldId::Key, FormKind::Transaction) => "automatic: the key that owns the notes",
            (FieldId::Key, k) if k.replaces_share() => "the key you hold a share of",
            (FieldId::Key, _) => "automatic: the only key",
            (FieldId::KeyFile, _) => "a hoarfrost key file or pcli config",
            (FieldId::DefinitionFile, _) => "the validator definition TOML",
            (FieldId::PlanFile, _) => "TransactionPlan as proto JSON",
            (FieldId::Proposal, _) => "the proposal number",
            (FieldId::Vote, _) => "",
            (FieldId::Reason, _) => "at most 1024 bytes",
            (FieldId::Validator, _) => "identity key, if held apart",
            (FieldId::Signers, FormKind::Check) => "blank: everyone",
            (FieldId::Signers, _) => "blank: the threshold",
            (FieldId::Encrypt, _) => "no: stored in the clear",
            (FieldId::Passphrase, k) if k.makes_keys() => "seals the share at rest",
            (FieldId::Passphrase, FormKind::Admit) => "opens the key, seals it again",
            (FieldId::Passphrase, k) if k.replaces_share() => "opens the key, seals the new share",
            (FieldId::Starts, _) => "",
            (FieldId::Members, FormKind::Help) => "mark the lost member",
            (FieldId::Members, _) => "Space marks, \u{2190}\u{2192} move",
            (FieldId::GroupFile, FormKind::Newcomer) => "from hoarfrost keys export-group",
            (FieldId::GroupFile, _) => "optional: a group.toml to update",
            (FieldId::Passphrase, _) => "if the key is encrypted",
            (FieldId::Repeat, _) => "the same passphrase again",
        }
    }

    /// The fields of a form, in order.
    pub fn of(kind: FormKind) -> Vec<FieldId> {
        use FieldId::*;
        // A new key: its parameters, then how it is sealed. An existing key: which one and
        // its passphrase, then what to sign.
        let rest = match kind {
            FormKind::Dkg => {
                return vec![Threshold, Participants, Name, Encrypt, Passphrase, Repeat]
            }
            FormKind::Deal => {
                return vec![Threshold, Participants, Folder, Encrypt, Passphrase, Repeat]
            }
            FormKind::Follow => vec![],
            FormKind::Definition => vec![DefinitionFile, Signers],
            FormKind::Vote => vec![Proposal, Vote, Reason, Validator, Signers],
            FormKind::Transaction => vec![PlanFile, Signers],
            FormKind::Check => vec![Signers],
            FormKind::Refresh | FormKind::Help => vec![Starts, Members, GroupFile],
            FormKind::Admit => vec![GroupFile],
            FormKind::Newcomer => {
                return vec![GroupFile, Name, Encrypt, Passphrase, Repeat];
            }
        };
        [Key, KeyFile, Passphrase].into_iter().chain(rest).collect()
    }
}

/// The Key field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPick {
    Auto,
    Name(String),
    /// The path is the Key file field.
    File,
}

pub const VOTES: [&str; 3] = ["yes", "no", "abstain"];

/// A form's values, by field. No Debug: it holds passphrases.
#[derive(Clone, Default)]
pub struct Values {
    texts: Vec<(FieldId, Zeroizing<String>)>,
    pub pick: Option<KeyPick>,
    pub encrypt: bool,
    pub vote: usize,
    /// This member starts the refresh or repair (rather than joining).
    pub starts: bool,
    /// The participant ids marked in the Members field.
    pub members: Vec<String>,
}

impl Values {
    pub fn new(encrypt: bool) -> Self {
        Self {
            encrypt,
            ..Self::default()
        }
    }

    pub fn text(&self, id: FieldId) -> &str {
        self.texts
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, t)| t.as_str())
            .unwrap_or("")
    }

    pub fn text_mut(&mut self, id: FieldId) -> &mut String {
        if let Some(i) = self.texts.iter().position(|(f, _)| *f == id) {
            return &mut self.texts[i].1;
        }
        self.texts.push((id, Zeroizing::new(String::new())));
        &mut self.texts.last_mut().expect("just pushed").1
    }

    pub fn set(&mut self, id: FieldId, value: impl Into<String>) {
        *self.text_mut(id) = value.into();
    }

    pub fn pick(&self) -> KeyPick {
        self.pick.clone().unwrap_or(KeyPick::Auto)
    }

    /// The values a ceremony asked for on the command line fills in.
    pub fn from_spec(spec: &Spec, encrypt: bool) -> (FormKind, Values) {
        let mut v = Values::new(encrypt);
        let key = |v: &mut Values, choice: &KeyChoice| match choice {
            KeyChoice::Auto => v.pick = Some(KeyPick::Auto),
            KeyChoice::Name(name) => v.pick = Some(KeyPick::Name(name.clone())),
            KeyChoice::File(path) => {
                v.pick = Some(KeyPick::File);
                v.set(FieldId::KeyFile, path.display().to_string());
            }
        };
        // A key generation and dealing both start from t-of-n.
        if let Spec::Dkg {
            threshold,
            participants,
            ..
        }
        | Spec::Deal {
            threshold,
            participants,
            ..
        } = spec
        {
            v.set(FieldId::Threshold, threshold.to_string());
            v.set(FieldId::Participants, participants.to_string());
        }
        let kind = match spec {
            Spec::Dkg { name, .. } => {
                v.set(FieldId::Name, name.clone());
                FormKind::Dkg
            }
            Spec::Deal { folder, .. } => {
                v.set(FieldId::Folder, folder.display().to_string());
                FormKind::Deal
            }
            Spec::Follow { key: choice } => {
                key(&mut v, choice);
                FormKind::Follow
            }
            Spec::Sign {
                key: choice,
                signers,
                request,
            } => {
                key(&mut v, choice);
                if let Some(n) = signers {
                    v.set(FieldId::Signers, n.to_string());
                }
                match request {
                    RequestSpec::Definition { file } => {
                        v.set(FieldId::DefinitionFile, file.display().to_string())
                    }
                    RequestSpec::Transaction { plan } => {
                        v.set(FieldId::PlanFile, plan.display().to_string())
                    }
                    RequestSpec::Vote {
                        proposal,
                        vote,
                        reason,
                        validator,
                    } => {
                        v.set(FieldId::Proposal, proposal.to_string());
                        v.vote = VOTES
                            .iter()
                            .position(|name| *name == vote.to_string())
                            .unwrap_or(0);
                        v.set(FieldId::Reason, reason.clone());
                        if let Some(id) = validator {
                            v.set(FieldId::Validator, id.to_string());
                        }
                    }
                    RequestSpec::Check => {}
                }
                FormKind::of_request(request)
            }
            Spec::Refresh {
                key: choice,
                start,
                remove: ids,
                group,
            }
            | Spec::Help {
                key: choice,
                start,
                without: ids,
                group,
            } => {
                key(&mut v, choice);
                v.starts = *start || !ids.is_empty();
                v.members = ids.clone();
                if let Some(group) = group {
                    v.set(FieldId::GroupFile, group.display().to_string());
                }
                match spec {
                    Spec::Refresh { .. } => FormKind::Refresh,
                    _ => FormKind::Help,
                }
            }
            Spec::Admit { key: choice, group } => {
                key(&mut v, choice);
                if let Some(group) = group {
                    v.set(FieldId::GroupFile, group.display().to_string());
                }
                FormKind::Admit
            }
            Spec::Newcomer { group, name } => {
                v.set(FieldId::GroupFile, group.display().to_string());
                v.set(FieldId::Name, name.clone());
                FormKind::Newcomer
            }
        };
        (kind, v)
    }
}

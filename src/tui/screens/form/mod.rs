//! The forms: what a person fills in before a ceremony starts. Fields are typed
//! ([`FieldId`]); every field is checked at once and its error shown beside it; the values
//! (the passphrase too) stay while the person fixes them and after a ceremony is abandoned,
//! since the form stays below the ceremony's screen.

mod draw;
mod fields;
mod members;
mod validate;

pub use fields::{FieldId, FieldKind, FormKind, KeyPick, Values, VOTES};
pub use members::Roster;
pub use validate::{validate, FieldErrors, FormOutput};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::Frame;

use super::ceremony::{Ceremony, Role, Setup};
use super::notice::Notice;
use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::cli::ceremonies::StartInput;
use crate::spec::{KeyChoice, Spec};
use crate::tui::effects::{Effect, JobResult, Work};
use crate::tui::keymap::{self, char, ctrl, hidden, key, Binding, Help};
use crate::tui::Start;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Next,
    Previous,
    Left,
    Right,
    Submit,
    Back,
    Erase,
    Clear,
    Template,
    /// Marks or unmarks the member under the cursor.
    Mark,
}

pub struct Form {
    id: ScreenId,
    pub kind: FormKind,
    fields: Vec<FieldId>,
    pub values: Values,
    focus: usize,
    errors: FieldErrors,
    /// An error that concerns no single field.
    error: Option<String>,
    /// What finished (a template written).
    note: Option<String>,
    /// Work under way: what it is.
    busy: Option<&'static str>,
    /// The member under the cursor in the Members field.
    member_at: usize,
    /// A key file's members, read off the UI thread (by path).
    file_roster: Option<members::FileRoster>,
    /// The key file whose members are being read.
    reading: Option<String>,
}

/// The group description a newcomer most likely means: the one `group-NAME.toml` (what the keys
/// screen exports) or `group.toml` in the folder, else `group.toml`.
fn proposed_group_file(folder: &std::path::Path) -> String {
    let found: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with("group") && n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    match found.as_slice() {
        [one] if folder != std::path::Path::new(".") => folder.join(one).display().to_string(),
        [one] => one.clone(),
        _ => "group.toml".into(),
    }
}

impl Form {
    /// An empty form of `kind`, with the usual defaults.
    pub fn new(kind: FormKind, ctx: &mut Ctx) -> Self {
        let mut values = Values::new(true);
        values.set(FieldId::Threshold, "2");
        values.set(FieldId::Participants, "3");
        let free = ["identity", "governance"]
            .into_iter()
            .find(|n| ctx.key(n).is_none())
            .unwrap_or("");
        values.set(FieldId::Name, free);
        values.set(FieldId::Folder, "hoarfrost-keys");
        values.set(FieldId::DefinitionFile, "validator.toml");
        values.set(FieldId::PlanFile, "plan.json");
        if kind == FormKind::Vote && ctx.key("governance").is_some() {
            values.pick = Some(KeyPick::Name("governance".into()));
        }
        if kind.replaces_share() {
            // A member's own key: the first that holds a share.
            values.pick = ctx
                .keys
                .iter()
                .find(|(_, k)| k.material.has_share())
                .map(|(n, _)| KeyPick::Name(n.clone()));
        }
        let group_file = if kind == FormKind::Newcomer {
            proposed_group_file(&ctx.save_dir)
        } else {
            String::new()
        };
        values.set(FieldId::GroupFile, &group_file);
        Self::with(kind, values, ctx)
    }

    /// The form of a ceremony asked for on the command line, filled in from it; the focus is
    /// on the first field still to fill.
    pub fn from_start(start: &Start, ctx: &mut Ctx) -> Self {
        let (kind, values) = Values::from_spec(&start.spec, start.encrypt);
        Self::with(kind, values, ctx)
    }

    fn with(kind: FormKind, values: Values, ctx: &mut Ctx) -> Self {
        let mut form = Self {
            id: ctx.new_id(),
            kind,
            fields: FieldId::of(kind),
            values,
            focus: 0,
            errors: vec![],
            error: None,
            note: None,
            busy: None,
            member_at: 0,
            file_roster: None,
            reading: None,
        };
        // The first field to fill: one in error, else an empty passphrase (a ceremony asked
        // for on the command line then needs only it), else the first.
        match validate(kind, &form.visible(), &form.values, ctx, &form.roster(ctx)) {
            Err(errors) => form.focus_first(&errors),
            Ok(_) => {
                if let Some(i) = form
                    .visible()
                    .iter()
                    .position(|f| *f == FieldId::Passphrase && form.values.text(*f).is_empty())
                {
                    form.focus = i;
                }
            }
        }
        form
    }

    /// The fields shown now: the key file only when a key file is chosen, the passphrases of a
    /// new key only when it is encrypted.
    pub fn visible(&self) -> Vec<FieldId> {
        self.fields
            .iter()
            .copied()
            .filter(|f| match f {
                FieldId::KeyFile => self.values.pick() == KeyPick::File,
                FieldId::Passphrase | FieldId::Repeat if self.kind.makes_keys() => {
                    self.values.encrypt
                }
                FieldId::Members => self.values.starts,
                _ => true,
            })
            .collect()
    }

    /// Focuses the first field, in the form's order, that has an error.
    fn focus_first(&mut self, errors: &FieldErrors) {
        if let Some(i) = self
            .visible()
            .iter()
            .position(|f| errors.iter().any(|(e, _)| e == f))
        {
            self.focus = i;
        }
    }

    pub fn focused(&self) -> FieldId {
        let visible = self.visible();
        visible[self.focus.min(visible.len() - 1)]
    }

    pub fn errors(&self) -> &FieldErrors {
        &self.errors
    }

    /// The member under the cursor in the Members field.
    pub fn member_at(&self) -> usize {
        self.member_at
    }

    /// The chosen key's members (a refresh or repair form), or why they are not listed.
    pub fn roster(&self, ctx: &Ctx) -> Result<Roster, String> {
        members::roster(&self.values, ctx, self.file_roster.as_ref())
    }

    /// Reads a chosen key file's members once the focus has left its path.
    fn read_key_file(&mut self) -> Vec<Effect> {
        let path = self.values.text(FieldId::KeyFile).trim().to_string();
        let wanted = self.kind.replaces_share()
            && self.values.pick() == KeyPick::File
            && !path.is_empty()
            && self.focused() != FieldId::KeyFile
            && self.reading.as_deref() != Some(path.as_str())
            && self.file_roster.as_ref().map(|(p, _)| p.as_str()) != Some(path.as_str());
        if !wanted {
            return vec![];
        }
        self.reading = Some(path.clone());
        vec![Effect::work(self.id, Work::ReadRoster(path.into()))]
    }

    fn bindings(&self) -> Vec<Binding<Action>> {
        let mut list = vec![
            key(KeyCode::Tab, "Tab", "next", Action::Next),
            hidden(KeyCode::Down, Action::Next),
            hidden(KeyCode::BackTab, Action::Previous),
            hidden(KeyCode::Up, Action::Previous),
        ];
        match self.focused().kind() {
            FieldKind::Choice => {
                list.push(key(
                    KeyCode::Left,
                    "\u{2190}\u{2192}",
                    "choose",
                    Action::Left,
                ));
                list.push(hidden(KeyCode::Right, Action::Right));
            }
            FieldKind::Members => {
                list.push(key(KeyCode::Left, "\u{2190}\u{2192}", "move", Action::Left));
                list.push(hidden(KeyCode::Right, Action::Right));
                list.push(char(' ', "Space", "mark", Action::Mark));
            }
            _ => {}
        }
        list.push(key(KeyCode::Enter, "Enter", "start", Action::Submit));
        list.push(hidden(KeyCode::Backspace, Action::Erase));
        // Ctrl-U is left out of the help bar, which has no room for it beside Ctrl-T.
        list.push(ctrl('u', "", "", Action::Clear));
        if self.kind == FormKind::Definition {
            list.push(ctrl('t', "Ctrl-T", "template", Action::Template));
        }
        list.push(key(KeyCode::Esc, "Esc", "back", Action::Back));
        list
    }

    /// The Key field's choices: automatic, each stored key, a key file.
    fn picks(&self, ctx: &Ctx) -> Vec<KeyPick> {
        let mut picks = vec![KeyPick::Auto];
        picks.extend(ctx.keys.iter().map(|(n, _)| KeyPick::Name(n.clone())));
        if let KeyPick::Name(n) = self.values.pick() {
            // A name given on the command line stays choosable (and is refused by name).
            if ctx.key(&n).is_none() {
                picks.push(KeyPick::Name(n));
            }
        }
        picks.push(KeyPick::File);
        picks
    }

    fn cycle(&mut self, forward: bool, ctx: &Ctx) {
        let step = |at: usize, len: usize| {
            if forward {
                (at + 1) % len
            } else {
                (at + len - 1) % len
            }
        };
        match self.focused() {
            FieldId::Key => {
                let picks = self.picks(ctx);
                let at = picks
                    .iter()
                    .position(|p| *p == self.values.pick())
                    .unwrap_or(0);
                self.values.pick = Some(picks[step(at, picks.len())].clone());
                // Members marked were another key's.
                self.values.members.clear();
            }
            FieldId::Vote => self.values.vote = step(self.values.vote, VOTES.len()),
            FieldId::Encrypt => self.values.encrypt = !self.values.encrypt,
            FieldId::Starts => self.values.starts = !self.values.starts,
            FieldId::Members => {
                if let Ok(roster) = self.roster(ctx) {
                    let count = roster.members.len().max(1);
                    self.member_at = step(self.member_at.min(count - 1), count);
                }
            }
            _ => {}
        }
    }

    fn type_char(&mut self, c: char) {
        let id = self.focused();
        match id.kind() {
            FieldKind::Number if !c.is_ascii_digit() => {}
            FieldKind::Choice | FieldKind::Members => {}
            _ => self.values.text_mut(id).push(c),
        }
    }

    fn submit(&mut self, ctx: &mut Ctx) -> Reply {
        self.note = None;
        self.error = None;
        match validate(
            self.kind,
            &self.visible(),
            &self.values,
            ctx,
            &self.roster(ctx),
        ) {
            Err(errors) => {
                self.focus_first(&errors);
                self.errors = errors;
                Reply::none()
            }
            Ok(FormOutput { spec, passphrase }) => {
                self.errors.clear();
                let work = match spec {
                    Spec::Deal {
                        threshold,
                        participants,
                        folder,
                    } => {
                        self.busy = Some("dealing (sealing the shares takes a few seconds)");
                        Work::Deal {
                            threshold,
                            participants,
                            folder,
                            passphrase,
                            kdf: ctx.kdf,
                            seed: ctx.seed(),
                        }
                    }
                    spec => {
                        self.busy = Some("starting (opening an encrypted key takes a few seconds)");
                        Work::Start {
                            store: ctx.store.clone(),
                            spec: Box::new(spec),
                            passphrase,
                            seed: ctx.seed(),
                            now: (ctx.clock)(),
                        }
                    }
                };
                Reply::effect(Effect::work(self.id, work))
            }
        }
    }

    /// Ctrl-T: a definition template for the chosen key, written to the file field's path.
    fn template(&mut self, ctx: &mut Ctx) -> Reply {
        self.note = None;
        let key = match self.values.pick() {
            KeyPick::Name(n) => KeyChoice::Name(n),
            KeyPick::File => KeyChoice::File(self.values.text(FieldId::KeyFile).trim().into()),
            KeyPick::Auto => KeyChoice::Auto,
        };
        if key == KeyChoice::Auto && ctx.keys.len() > 1 {
            self.errors = vec![(
                FieldId::Key,
                format!(
                    "several keys in {}: choose the identity key with \u{2190} \u{2192}",
                    ctx.store_label()
                ),
            )];
            return Reply::none();
        }
        let file = self.values.text(FieldId::DefinitionFile).trim().to_string();
        if file.is_empty() {
            self.errors = vec![(
                FieldId::DefinitionFile,
                "required: where to write the template".into(),
            )];
            return Reply::none();
        }
        self.busy = Some("writing the template");
        Reply::effect(Effect::work(
            self.id,
            Work::Template {
                store: ctx.store.clone(),
                key,
                file: file.into(),
                seed: ctx.seed(),
            },
        ))
    }

    /// The field a failure to start concerns.
    fn field_of(&self, input: StartInput) -> Option<FieldId> {
        let visible = self.visible();
        let candidates: &[FieldId] = match input {
            StartInput::Key => &[FieldId::KeyFile, FieldId::Key, FieldId::Name],
            StartInput::File => &[
                FieldId::DefinitionFile,
                FieldId::PlanFile,
                FieldId::GroupFile,
            ],
            StartInput::Passphrase => &[FieldId::Passphrase],
            StartInput::Members => &[FieldId::Members, FieldId::Key],
            StartInput::Name => &[FieldId::Name],
            StartInput::Other => &[],
        };
        candidates.iter().copied().find(|f| visible.contains(f))
    }
}

impl Screen for Form {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        self.kind.title().into()
    }

    fn help(&self, _ctx: &Ctx) -> Vec<Help> {
        keymap::help(&self.bindings())
    }

    fn key(&mut self, event: KeyEvent, ctx: &mut Ctx) -> Reply {
        let action = keymap::dispatch(&self.bindings(), &event);
        if self.busy.is_some() {
            // Leaving drops the result of what is under way.
            return match action {
                Some(Action::Back) => Reply::nav(Nav::Pop),
                _ => Reply::none(),
            };
        }
        let count = self.visible().len();
        // An error is about what the field held: editing it takes the error away until the
        // next check (Enter).
        let edits = matches!(
            action,
            Some(Action::Left | Action::Right | Action::Erase | Action::Clear) | None
        );
        if edits {
            let id = self.focused();
            self.errors.retain(|(field, _)| *field != id);
        }
        match action {
            Some(Action::Next) => self.focus = (self.focus + 1) % count,
            Some(Action::Previous) => self.focus = (self.focus + count - 1) % count,
            Some(Action::Left) => self.cycle(false, ctx),
            Some(Action::Right) => self.cycle(true, ctx),
            Some(Action::Submit) => return self.submit(ctx),
            Some(Action::Back) => return Reply::nav(Nav::Pop),
            Some(Action::Erase) => {
                let id = self.focused();
                if id.kind().is_typed() {
                    self.values.text_mut(id).pop();
                }
            }
            Some(Action::Clear) => {
                let id = self.focused();
                if id.kind().is_typed() {
                    zeroize::Zeroize::zeroize(self.values.text_mut(id));
                }
            }
            Some(Action::Template) => return self.template(ctx),
            Some(Action::Mark) => {
                if let Ok(roster) = self.roster(ctx) {
                    if let Some(fp) = roster.members.get(self.member_at) {
                        members::toggle(&mut self.values, fp);
                    }
                }
            }
            None => {
                if let Some(c) = keymap::typed(&event) {
                    self.type_char(c);
                }
            }
        }
        self.focus = self.focus.min(self.visible().len() - 1);
        Reply::effects(self.read_key_file())
    }

    fn paste(&mut self, text: String, _ctx: &mut Ctx) -> Reply {
        let id = self.focused();
        self.errors.retain(|(field, _)| *field != id);
        // Paths are often pasted into a form.
        for c in text.trim().chars().filter(|c| !c.is_control()) {
            self.type_char(c);
        }
        Reply::none()
    }

    fn job(&mut self, result: JobResult, ctx: &mut Ctx) -> Reply {
        if let JobResult::Roster { path, roster } = result {
            if self.reading.as_deref() == Some(path.as_str()) {
                self.reading = None;
            }
            self.file_roster = Some((path, roster));
            return Reply::none();
        }
        self.busy = None;
        match result {
            JobResult::Started(Ok(started)) => {
                let passphrase =
                    || zeroize::Zeroizing::new(self.values.text(FieldId::Passphrase).to_string());
                let setup = Setup {
                    role: match self.kind {
                        FormKind::Dkg => Role::Dkg,
                        FormKind::Follow => Role::Follower,
                        FormKind::Refresh => Role::Refresh,
                        FormKind::Help => Role::Helper,
                        FormKind::Newcomer => Role::Newcomer,
                        FormKind::Admit => Role::Admit,
                        _ => Role::Coordinator,
                    },
                    seal: (self.kind.makes_keys() && self.values.encrypt).then(passphrase),
                    passphrase: (self.kind == FormKind::Follow)
                        .then(passphrase)
                        .filter(|p| !p.is_empty()),
                    starts: self.values.starts,
                    left_out: if self.values.starts {
                        self.values.members.clone()
                    } else {
                        vec![]
                    },
                };
                let (ceremony, effects) = Ceremony::new(ctx, *started, setup);
                Reply {
                    effects,
                    nav: Nav::Push(Box::new(ceremony)),
                }
            }
            JobResult::Started(Err(failure)) => {
                match self.field_of(failure.input) {
                    Some(field) => {
                        if let Some(i) = self.visible().iter().position(|f| *f == field) {
                            self.focus = i;
                        }
                        self.errors = vec![(field, failure.message.clone())];
                    }
                    None => self.error = Some(failure.message.clone()),
                }
                Reply::effect(Effect::Log(format!(
                    "{} did not start: {}",
                    self.kind.title(),
                    failure.message
                )))
            }
            JobResult::Dealt(result) => {
                let (title, lines, ok) = match result {
                    Ok(lines) => ("Keys dealt", lines, true),
                    Err(e) => ("Dealing failed", vec![e], false),
                };
                Reply::push(Notice::new(ctx.new_id(), title, lines, ok)).with(Effect::LoadKeys)
            }
            JobResult::TemplateWritten(Ok(done)) => {
                self.errors.clear();
                self.note = Some(format!("{done}: edit it, then press Enter"));
                Reply::none()
            }
            JobResult::TemplateWritten(Err(e)) => {
                self.errors = vec![(FieldId::DefinitionFile, e)];
                Reply::none()
            }
            _ => Reply::none(),
        }
    }

    fn revealed(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::effect(Effect::LoadKeys)
    }

    fn tick(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::effects(self.read_key_file())
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        draw::draw(self, frame, area, ctx);
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

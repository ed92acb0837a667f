//! The model and its `update`: every change of the TUI's state is a pure function of the
//! current state and one message; anything touching the world is returned as an effect.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::form::{Form, FormKind};
use super::keymap::{self, Action, Context};
use crate::check::check_request;
use crate::definition::{parse_definition_toml, parse_vote, vote_body};
use crate::keyfile::{KeyMaterial, StoredKey};
use crate::request::SigningRequest;
use crate::sealed::KdfParams;
use crate::session::{Feedback, GuardOpener, Outcome, Session, SessionView, Stage};
use zeroize::Zeroizing;

/// The smallest terminal the TUI lays out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The home screen's actions, in menu order: (hotkey, label, form).
pub const ACTIONS: [(char, &str, FormKind); 7] = [
    ('g', "Start or join a key generation (DKG)", FormKind::Dkg),
    ('d', "Deal keys with a trusted dealer", FormKind::Deal),
    ('f', "Follow a signing ceremony", FormKind::Follow),
    (
        'v',
        "Coordinate a validator definition",
        FormKind::Definition,
    ),
    ('o', "Coordinate a validator vote", FormKind::Vote),
    ('t', "Coordinate a transaction", FormKind::Transaction),
    ('c', "Check a key", FormKind::Check),
];

/// A file a form asked for, and what it is for.
#[derive(Clone, Debug)]
pub enum FilePurpose {
    Definition {
        key: String,
        signers: Option<usize>,
        file: String,
    },
    Plan {
        key: String,
        signers: Option<usize>,
    },
}

pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Tick,
    KeysLoaded(Vec<(String, Result<StoredKey, String>)>),
    FileLoaded {
        purpose: FilePurpose,
        result: Result<String, String>,
    },
    Finished(Box<Session>),
    Saved {
        what: String,
        result: Result<String, String>,
    },
    Dealt(Result<Vec<String>, String>),
    /// An image given as input held no readable code.
    ImageFailed(String),
    /// Sealed keys opened (or not) for the action of `form`.
    Unlocked {
        form: Box<Form>,
        unlocked: Vec<(String, StoredKey)>,
        errors: Vec<String>,
        strict: bool,
    },
}

pub enum Effect {
    Quit,
    LoadKeys,
    ReadFile {
        path: String,
        purpose: FilePurpose,
    },
    /// Slow work, run off the UI thread; its message comes back when done.
    Compute(Box<dyn FnOnce() -> Msg + Send>),
    /// Copy to the clipboard with OSC 52 (never used for secrets).
    Clipboard(String),
    SaveText {
        path: PathBuf,
        text: String,
        what: String,
    },
    /// Store a key, sealing it first (slowly) if a passphrase is given.
    StoreKey {
        name: String,
        key: Box<StoredKey>,
        passphrase: Option<Zeroizing<String>>,
        kdf: KdfParams,
    },
    Deal {
        threshold: u16,
        participants: u16,
        folder: String,
        passphrase: Option<Zeroizing<String>>,
        kdf: KdfParams,
    },
    /// Read the QR codes in an image file (a photo or screenshot); they come back as a paste.
    DecodeImage(PathBuf),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Input,
    Message,
}

/// The outgoing message (or result) as QR codes: one, or an endless animated stream.
pub struct QrView {
    pub parts: crate::transport::ur::UrParts,
    pub version: u8,
    pub index: usize,
    /// Frames per second: 1, 2, 4 or 8.
    pub fps: u8,
    pub paused: bool,
    pub label: String,
    /// The text of the code shown now (parts are generated as the animation reaches them).
    frame: String,
    /// Its modules, computed once per frame here so drawing stays cheap.
    modules: Result<crate::transport::qr::Modules, String>,
}

impl QrView {
    fn new(mut parts: crate::transport::ur::UrParts, version: u8, label: String) -> Self {
        let frame = parts.part(0).to_string();
        Self {
            modules: crate::transport::qr::modules(&frame, version),
            parts,
            version,
            index: 0,
            fps: 4,
            paused: false,
            label,
            frame,
        }
    }

    pub fn modules(&self) -> Result<&crate::transport::qr::Modules, &str> {
        self.modules.as_ref().map_err(String::as_str)
    }

    pub fn total(&self) -> usize {
        self.parts.fragment_count()
    }

    pub fn current(&self) -> &str {
        &self.frame
    }

    /// Moves to the next part; multi-part streams go on past the fragment count with
    /// fountain parts, so a missed frame is soon covered.
    fn advance(&mut self) {
        if self.total() > 1 {
            self.index += 1;
            self.frame = self.parts.part(self.index).to_string();
            self.modules = crate::transport::qr::modules(&self.frame, self.version);
        }
    }
}

pub struct Ceremony {
    /// None while the session computes off the UI thread.
    pub session: Option<Session>,
    pub view: SessionView,
    pub input: String,
    pub feedback: Vec<Feedback>,
    pub focus: Focus,
    pub scroll: u16,
    pub notice: Option<String>,
    /// Esc pressed once: a second press abandons the ceremony.
    pub leaving: bool,
    /// The passphrase a key generation's share will be sealed with.
    seal_with: Option<Zeroizing<String>>,
    /// Shown as QR codes instead of text.
    pub qr: Option<QrView>,
}

impl Ceremony {
    fn new(session: Session) -> Self {
        Self {
            view: session.view(),
            session: Some(session),
            input: String::new(),
            feedback: vec![],
            focus: Focus::Input,
            scroll: 0,
            notice: None,
            leaving: false,
            seal_with: None,
            qr: None,
        }
    }

    pub fn working(&self) -> bool {
        self.session.is_none()
    }

    fn refresh(&mut self) {
        if let Some(s) = &self.session {
            self.view = s.view();
        }
    }
}

pub enum Screen {
    Home,
    Form(Form),
    Ceremony(Box<Ceremony>),
    Notice { title: String, lines: Vec<String> },
}

pub struct App {
    pub screen: Screen,
    pub keys: Vec<(String, StoredKey)>,
    pub broken_keys: Vec<(String, String)>,
    pub home: String,
    pub selected: usize,
    pub width: u16,
    pub height: u16,
    pub no_color: bool,
    pub tick: u64,
    pub status: Option<String>,
    pub quit: bool,
    /// Argon2id parameters for sealing new keys.
    pub kdf: KdfParams,
    /// Shares opened for the current action; forgotten on the way home.
    unlocked: Vec<(String, StoredKey)>,
    /// Opens a key's signing journal (in the store folder by default).
    pub guards: GuardOpener,
    rng: ChaCha20Rng,
}

impl App {
    pub fn new(home: String, no_color: bool, seed: [u8; 32], kdf: KdfParams) -> Self {
        let guards = journal_in(PathBuf::from(&home));
        Self {
            screen: Screen::Home,
            keys: vec![],
            broken_keys: vec![],
            home,
            selected: 0,
            width: MIN_WIDTH,
            height: MIN_HEIGHT,
            no_color,
            tick: 0,
            status: None,
            quit: false,
            kdf,
            unlocked: vec![],
            guards,
            rng: ChaCha20Rng::from_seed(seed),
        }
    }

    pub fn key_names(&self) -> Vec<String> {
        self.keys.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Where the keyboard is now.
    pub fn context(&self) -> Context {
        match &self.screen {
            Screen::Home => Context::Home,
            Screen::Form(_) => Context::Form,
            Screen::Notice { .. } => Context::Notice,
            Screen::Ceremony(c) if c.qr.is_some() => Context::Qr,
            Screen::Ceremony(c) => match (&c.view.stage, c.focus) {
                (Stage::Review, _) => Context::Review,
                (Stage::Done(_) | Stage::Declined | Stage::Failed(_), _) => Context::Result,
                (_, Focus::Input) => Context::Input,
                (_, Focus::Message) => Context::Message,
            },
        }
    }

    fn fork_rng(&mut self) -> ChaCha20Rng {
        let mut seed = [0u8; 32];
        rand_chacha::rand_core::RngCore::fill_bytes(&mut self.rng, &mut seed);
        ChaCha20Rng::from_seed(seed)
    }

    fn open_form(&mut self, kind: FormKind) {
        self.status = None;
        let mut names = self.key_names();
        if matches!(
            kind,
            FormKind::Definition | FormKind::Vote | FormKind::Transaction | FormKind::Check
        ) && names.is_empty()
        {
            self.status =
                Some("no keys yet: start a key generation (g) or deal keys (d) first".into());
            return;
        }
        if kind == FormKind::Vote {
            // A vote is usually signed by the key named "governance".
            if let Some(i) = names.iter().position(|n| n == "governance") {
                names.swap(0, i);
            }
        }
        self.screen = Screen::Form(Form::new(kind, &names));
    }

    /// Opens a form with some fields filled in (from the command line). Values a choice field
    /// does not offer are ignored, as are unknown labels.
    pub fn open_prefilled(&mut self, kind: FormKind, values: &[(&str, String)]) {
        self.open_form(kind);
        if let Screen::Form(form) = &mut self.screen {
            for (label, value) in values {
                if let Some(field) = form.fields.iter_mut().find(|f| f.label == *label) {
                    let allowed = match &field.kind {
                        super::form::FieldKind::Choice(options) => options.contains(value),
                        _ => true,
                    };
                    if allowed {
                        field.value = value.clone();
                    }
                }
            }
        }
    }

    /// A key by name, opened if it was unlocked for the current action.
    fn stored(&self, name: &str) -> Option<&StoredKey> {
        self.unlocked
            .iter()
            .chain(&self.keys)
            .find(|(n, _)| n == name)
            .map(|(_, k)| k)
    }

    /// Every key, opened ones in place of their sealed files.
    fn keys_for_session(&self) -> Vec<(String, StoredKey)> {
        self.keys
            .iter()
            .map(|(n, k)| (n.clone(), self.stored(n).unwrap_or(k).clone()))
            .collect()
    }

    fn go_home(&mut self) {
        self.screen = Screen::Home;
        self.unlocked.clear();
    }
}

/// The journals of the keys in the store folder `home`.
pub fn journal_in(home: PathBuf) -> GuardOpener {
    std::sync::Arc::new(move |name: &str, group: &crate::keys::GroupKey| {
        crate::journal::JournalGuard::open(&crate::journal::path_for_name(&home, name), group)
            .map(|g| Box::new(g) as Box<dyn crate::session::SignGuard>)
            .map_err(|e| format!("{e:#}"))
    })
}

/// Applies one message to the model and returns the effects to run.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(event) if event.kind == KeyEventKind::Press => on_key(app, event),
        Msg::Key(_) => vec![],
        Msg::Paste(text) => on_paste(app, &text),
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            vec![]
        }
        Msg::Tick => {
            app.tick = app.tick.wrapping_add(1);
            // Ticks come 8 times a second; a code at f frames a second moves every 8/f ticks.
            if let Screen::Ceremony(c) = &mut app.screen {
                if let Some(qr) = &mut c.qr {
                    if !qr.paused
                        && qr.total() > 1
                        && app.tick.is_multiple_of(u64::from(8 / qr.fps.max(1)))
                    {
                        qr.advance();
                    }
                }
            }
            vec![]
        }
        Msg::ImageFailed(e) => {
            if let Screen::Ceremony(c) = &mut app.screen {
                c.feedback.push(Feedback { ok: false, text: e });
            }
            vec![]
        }
        Msg::KeysLoaded(keys) => {
            app.keys.clear();
            app.broken_keys.clear();
            for (name, key) in keys {
                match key {
                    Ok(k) => app.keys.push((name, k)),
                    Err(e) => app.broken_keys.push((name, e)),
                }
            }
            vec![]
        }
        Msg::FileLoaded { purpose, result } => on_file(app, purpose, result),
        Msg::Finished(session) => on_finished(app, *session),
        Msg::Saved { what, result } => {
            let text = match result {
                Ok(path) => format!("{what} saved to {path}"),
                Err(e) => format!("could not save {what}: {e}"),
            };
            match &mut app.screen {
                Screen::Ceremony(c) => c.notice = Some(text),
                _ => app.status = Some(text),
            }
            vec![Effect::LoadKeys]
        }
        Msg::Unlocked {
            form,
            unlocked,
            errors,
            strict,
        } => {
            app.unlocked.extend(unlocked);
            let mut form = *form;
            form.busy = false;
            if strict && !errors.is_empty() {
                form.error = Some(errors.join("; "));
                app.screen = Screen::Form(form);
                return vec![];
            }
            app.screen = Screen::Form(form.clone());
            start_or_explain(app, &form)
        }
        Msg::Dealt(result) => {
            app.screen = match result {
                Ok(lines) => Screen::Notice {
                    title: "Keys dealt".into(),
                    lines,
                },
                Err(e) => Screen::Notice {
                    title: "Dealing failed".into(),
                    lines: vec![e],
                },
            };
            vec![Effect::LoadKeys]
        }
    }
}

fn on_key(app: &mut App, event: KeyEvent) -> Vec<Effect> {
    let context = app.context();
    let action = keymap::action(context, &event);
    if action == Some(Action::Quit) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    match &mut app.screen {
        Screen::Home => on_home_key(app, action),
        Screen::Form(form) => {
            match action {
                Some(Action::NextField) => form.next(),
                Some(Action::PreviousField) => form.previous(),
                Some(Action::ChoiceLeft) => form.cycle(false),
                Some(Action::ChoiceRight) => form.cycle(true),
                Some(Action::Back) => app.go_home(),
                Some(Action::Submit) => return submit_form(app),
                _ => match event.code {
                    KeyCode::Char(c) if !event.modifiers.contains(KeyModifiers::CONTROL) => {
                        form.type_char(c)
                    }
                    KeyCode::Backspace => form.backspace(),
                    _ => {}
                },
            }
            vec![]
        }
        Screen::Notice { .. } => {
            if action == Some(Action::Back) {
                app.go_home();
            }
            vec![]
        }
        Screen::Ceremony(_) => on_ceremony_key(app, context, action, event),
    }
}

fn on_home_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    match action {
        Some(Action::Up) => app.selected = (app.selected + ACTIONS.len() - 1) % ACTIONS.len(),
        Some(Action::Down) => app.selected = (app.selected + 1) % ACTIONS.len(),
        Some(Action::Select) => app.open_form(ACTIONS[app.selected].2),
        Some(Action::Hotkey(c)) => {
            if let Some(i) = ACTIONS.iter().position(|a| a.0 == c) {
                app.selected = i;
                app.open_form(ACTIONS[i].2);
            }
        }
        _ => {}
    }
    vec![]
}

fn on_ceremony_key(
    app: &mut App,
    context: Context,
    action: Option<Action>,
    event: KeyEvent,
) -> Vec<Effect> {
    let mut rng = app.fork_rng();
    let (width, height) = (app.width, app.height);
    let Screen::Ceremony(c) = &mut app.screen else {
        return vec![];
    };
    if action != Some(Action::Back) {
        c.leaving = false;
    }
    match action {
        Some(Action::Back) => {
            let finished = matches!(
                c.view.stage,
                Stage::Done(_) | Stage::Declined | Stage::Failed(_)
            );
            if finished || c.leaving {
                app.go_home();
            } else {
                c.leaving = true;
                c.notice = Some("Press Esc again to abandon this ceremony.".into());
            }
            vec![]
        }
        Some(Action::SwitchFocus) => {
            c.focus = match c.focus {
                Focus::Input => Focus::Message,
                Focus::Message => Focus::Input,
            };
            vec![]
        }
        Some(Action::Up) => {
            c.scroll = c.scroll.saturating_sub(1);
            vec![]
        }
        Some(Action::Down) => {
            c.scroll = c.scroll.saturating_add(1);
            vec![]
        }
        Some(Action::ClearInput) => {
            c.input.clear();
            vec![]
        }
        Some(Action::Submit) => {
            // Enter submits what was typed (or kept from a refused paste); a path to a PNG or
            // JPEG file is read for QR codes.
            let text = std::mem::take(&mut c.input);
            let trimmed = text.trim();
            let lower = trimmed.to_ascii_lowercase();
            if [".png", ".jpg", ".jpeg"].iter().any(|e| lower.ends_with(e))
                && !trimmed.contains('{')
            {
                c.notice = Some(format!("reading QR codes in {trimmed}..."));
                return vec![Effect::DecodeImage(PathBuf::from(trimmed))];
            }
            process(c, &text, &mut rng)
        }
        Some(Action::ShowQr) => {
            if c.qr.is_some() {
                c.qr = None;
            } else {
                match qr_view(c, context, width, height) {
                    Ok(view) => c.qr = Some(view),
                    Err(e) => c.notice = Some(e),
                }
            }
            vec![]
        }
        Some(Action::ShowBundle) => {
            match bundle_view(c, width, height) {
                Ok(view) => c.qr = Some(view),
                Err(e) => c.notice = Some(e),
            }
            vec![]
        }
        Some(Action::Faster | Action::Slower | Action::Pause | Action::Step) => {
            if let Some(qr) = &mut c.qr {
                match action {
                    Some(Action::Faster) => qr.fps = (qr.fps * 2).min(8),
                    Some(Action::Slower) => qr.fps = (qr.fps / 2).max(1),
                    Some(Action::Pause) => qr.paused = !qr.paused,
                    _ => {
                        qr.paused = true;
                        qr.advance();
                    }
                }
            }
            vec![]
        }
        Some(Action::Copy) => match copy_text(c, context) {
            Some((_, text)) => {
                c.notice = Some("copied to the clipboard (OSC 52)".into());
                vec![Effect::Clipboard(text)]
            }
            None => vec![],
        },
        Some(Action::Save) => match copy_text(c, context) {
            Some((what, text)) => {
                // Named by kind and by this participant, so several participants can share a
                // folder (or a USB stick) without overwriting each other's messages.
                let me = c
                    .view
                    .participants
                    .iter()
                    .find(|(_, m)| *m == crate::session::Mark::You)
                    .map(|(fp, _)| format!("-{fp}"))
                    .unwrap_or_default();
                let path = PathBuf::from(format!(
                    "hoarfrost-{}{me}.txt",
                    what.to_ascii_lowercase().replace(' ', "-")
                ));
                vec![Effect::SaveText { path, text, what }]
            }
            None => vec![],
        },
        Some(Action::Approve) => {
            if let Some(s) = &mut c.session {
                let feedback = s.approve(&mut rng);
                c.feedback.extend(feedback);
                c.focus = Focus::Message;
                c.scroll = 0;
                c.refresh();
            }
            vec![]
        }
        Some(Action::Decline) => {
            if let Some(s) = &mut c.session {
                s.decline();
                c.feedback.push(Feedback {
                    ok: true,
                    text: "declined: nothing was signed".into(),
                });
                c.refresh();
            }
            vec![]
        }
        _ if context == Context::Input => {
            match event.code {
                KeyCode::Char(ch) if !event.modifiers.contains(KeyModifiers::CONTROL) => {
                    c.input.push(ch)
                }
                KeyCode::Backspace => {
                    c.input.pop();
                }
                _ => {}
            }
            vec![]
        }
        _ => vec![],
    }
}

/// Columns the QR screen keeps for its side panel.
pub const QR_PANEL: u16 = 32;

/// Plans the QR codes of what `c` would copy: the outgoing message, or a signature.
fn qr_view(c: &Ceremony, context: Context, width: u16, height: u16) -> Result<QrView, String> {
    use crate::transport::{qr, AnyMessage};
    let (what, text) = copy_text(c, context).ok_or("nothing to show")?;
    let max = qr::version_for(width.saturating_sub(QR_PANEL), height)
        .ok_or("the terminal is too small for a QR code")?;
    let (version, parts) = match AnyMessage::from_json(&text) {
        Ok(message) => qr::plan_payload(
            &message.to_proto_bytes(),
            crate::transport::ur::ur_type(message.kind()),
            max,
        ),
        // A signature or key is shown as its text, which fits one code.
        Err(_) => (max, crate::transport::ur::UrParts::text(&text)),
    };
    Ok(QrView::new(parts, version, what))
}

/// This round's messages (own and accepted) as one bundle, so others scan one stream.
fn bundle_view(c: &Ceremony, width: u16, height: u16) -> Result<QrView, String> {
    use crate::transport::{bundle, qr, AnyMessage};
    let messages = c
        .view
        .relay
        .iter()
        .map(|m| AnyMessage::from_json(m).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    if messages.len() < 2 {
        return Err(
            "nothing to bundle yet: a bundle relays a key generation round's messages".into(),
        );
    }
    let max = qr::version_for(width.saturating_sub(QR_PANEL), height)
        .ok_or("the terminal is too small for a QR code")?;
    let (version, parts) =
        qr::plan_payload(&bundle(&messages), crate::transport::ur::BUNDLE_TYPE, max);
    Ok(QrView::new(
        parts,
        version,
        format!("bundle of {} messages", messages.len()),
    ))
}

/// What `c` copies or `s` saves: the outgoing message, or the result.
fn copy_text(c: &Ceremony, context: Context) -> Option<(String, String)> {
    match (&c.view.stage, context) {
        (Stage::Done(Outcome::Signed { text, .. }), Context::Result) => {
            Some(("signature".into(), text.clone()))
        }
        (Stage::Done(Outcome::Generated { output, .. }), Context::Result) => Some((
            "identity key".into(),
            output.share.group().identity_key().to_string(),
        )),
        _ => c
            .view
            .outgoing
            .as_ref()
            .map(|o| (o.kind.name().to_string(), o.json.clone())),
    }
}

fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    let mut rng = app.fork_rng();
    match &mut app.screen {
        Screen::Form(form) => {
            form.paste(text);
            vec![]
        }
        Screen::Ceremony(c) if c.session.is_some() => process(c, text, &mut rng),
        _ => vec![],
    }
}

/// Feeds text to the session. Refused text stays in the input area: nothing is lost.
fn process(c: &mut Ceremony, text: &str, rng: &mut ChaCha20Rng) -> Vec<Effect> {
    let Some(session) = &mut c.session else {
        c.input = text.to_string();
        return vec![];
    };
    let pieces = crate::paste::split(text);
    // What was refused before stays; what is refused now joins it.
    let mut kept: Vec<String> = Some(std::mem::take(&mut c.input))
        .filter(|t| !t.trim().is_empty())
        .into_iter()
        .collect();
    for piece in pieces {
        let raw = match &piece {
            crate::paste::Piece::Message(m) | crate::paste::Piece::Garbage(m) => m.clone(),
        };
        let feedback = session.paste(&raw, rng);
        if feedback.iter().any(|f| !f.ok) {
            kept.push(raw);
        }
        c.feedback.extend(feedback);
    }
    c.input = kept.join("\n");
    c.notice = None;
    c.refresh();
    if matches!(c.view.stage, Stage::ReadyToFinish) {
        return start_finish(c, rng);
    }
    if matches!(c.view.stage, Stage::Review) {
        c.scroll = 0;
    }
    vec![]
}

/// Moves the session off the UI thread for its last, possibly slow, step.
fn start_finish(c: &mut Ceremony, _rng: &mut ChaCha20Rng) -> Vec<Effect> {
    let Some(mut session) = c.session.take() else {
        return vec![];
    };
    c.notice = Some("working...".into());
    vec![Effect::Compute(Box::new(move || {
        session.finish();
        Msg::Finished(Box::new(session))
    }))]
}

fn on_finished(app: &mut App, session: Session) -> Vec<Effect> {
    let Screen::Ceremony(c) = &mut app.screen else {
        return vec![];
    };
    c.session = Some(session);
    c.notice = None;
    c.scroll = 0;
    c.refresh();
    match &c.view.stage {
        Stage::Done(Outcome::Generated { name, output }) => {
            c.notice = Some(match &c.seal_with {
                Some(_) => "encrypting and storing the key...".into(),
                None => "storing the key (unencrypted)...".into(),
            });
            vec![Effect::StoreKey {
                name: name.clone(),
                key: Box::new(StoredKey {
                    name: Some(name.clone()),
                    material: KeyMaterial::Share(output.share.clone()),
                    transcript_fingerprint: Some(output.transcript_fingerprint.clone()),
                }),
                passphrase: c.seal_with.take(),
                kdf: app.kdf,
            }]
        }
        _ => vec![],
    }
}

fn submit_form(app: &mut App) -> Vec<Effect> {
    let Screen::Form(form) = &app.screen else {
        return vec![];
    };
    if form.busy {
        return vec![];
    }
    let form = form.clone();
    match unlock_first(app, &form) {
        Ok(Some(effect)) => {
            if let Screen::Form(f) = &mut app.screen {
                f.busy = true;
                f.error = None;
                f.clear_secrets();
            }
            return vec![effect];
        }
        Ok(None) => {}
        Err(e) => {
            if let Screen::Form(f) = &mut app.screen {
                f.error = Some(e);
            }
            return vec![];
        }
    }
    start_or_explain(app, &form)
}

/// Starts what the form asks for, or shows on the form why it cannot.
fn start_or_explain(app: &mut App, form: &Form) -> Vec<Effect> {
    match start(app, form) {
        Ok(effects) => effects,
        Err(e) => {
            if let Screen::Form(f) = &mut app.screen {
                f.error = Some(e);
            }
            vec![]
        }
    }
}

/// The sealed keys an action needs opened, opened off the UI thread (Argon2id is slow).
fn unlock_first(app: &App, form: &Form) -> Result<Option<Effect>, String> {
    let automatic = form.kind == FormKind::Follow && form.value("Key") == "automatic";
    let wanted: Vec<&(String, StoredKey)> = match form.kind {
        FormKind::Dkg | FormKind::Deal => return Ok(None),
        _ if automatic => app.keys.iter().collect(),
        _ => app
            .keys
            .iter()
            .filter(|(n, _)| n == form.value("Key"))
            .collect(),
    };
    let sealed: Vec<(String, StoredKey)> = wanted
        .into_iter()
        .filter(|(n, k)| k.material.is_sealed() && !app.unlocked.iter().any(|(u, _)| u == n))
        .cloned()
        .collect();
    if sealed.is_empty() {
        return Ok(None);
    }
    let passphrase = Zeroizing::new(form.value("Passphrase").to_string());
    if passphrase.is_empty() {
        return Err(format!(
            "Passphrase: key {} is encrypted",
            sealed
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut pending = form.clone();
    pending.clear_secrets();
    let form = Box::new(pending);
    Ok(Some(Effect::Compute(Box::new(move || {
        let mut unlocked = Vec::new();
        let mut errors = Vec::new();
        for (name, key) in sealed {
            match key.material.unlock(Some(passphrase.as_bytes())) {
                Ok(Some(share)) => unlocked.push((
                    name,
                    StoredKey {
                        material: KeyMaterial::Share(share),
                        ..key
                    },
                )),
                Ok(None) => {}
                Err(e) => errors.push(format!("key {name}: {e}")),
            }
        }
        Msg::Unlocked {
            form,
            unlocked,
            errors,
            // Following automatically tries every key; only the one needed must open.
            strict: !automatic,
        }
    }))))
}

fn small(label: &str, value: u64) -> Result<u16, String> {
    u16::try_from(value).map_err(|_| format!("{label}: {value} is too large"))
}

fn signers(form: &Form) -> Result<Option<usize>, String> {
    Ok(form.number("Signers")?.map(|n| n as usize))
}

/// Starts what a filled-in form asks for.
fn start(app: &mut App, form: &Form) -> Result<Vec<Effect>, String> {
    let mut rng = app.fork_rng();
    let key_name = form.value("Key").to_string();
    match form.kind {
        FormKind::Dkg => {
            let t = small("Threshold t", form.required_number("Threshold t")?)?;
            let n = small("Participants n", form.required_number("Participants n")?)?;
            let name = form.value("Name").to_string();
            crate::store::check_name(&name).map_err(|e| e.to_string())?;
            if app.stored(&name).is_some() {
                return Err(format!("a key named {name:?} already exists"));
            }
            let passphrase = form.new_passphrase()?;
            let session = Session::dkg(t, n, &name, &mut rng).map_err(|e| e.to_string())?;
            let mut ceremony = Ceremony::new(session);
            ceremony.seal_with = passphrase.map(Zeroizing::new);
            app.screen = Screen::Ceremony(Box::new(ceremony));
            Ok(vec![])
        }
        FormKind::Deal => {
            let t = small("Threshold t", form.required_number("Threshold t")?)?;
            let n = small("Participants n", form.required_number("Participants n")?)?;
            let folder = form.value("Folder").to_string();
            if folder.is_empty() {
                return Err("Folder: required".into());
            }
            let passphrase = form.new_passphrase()?.map(Zeroizing::new);
            if let Screen::Form(f) = &mut app.screen {
                f.busy = true;
                f.clear_secrets();
            }
            Ok(vec![Effect::Deal {
                threshold: t,
                participants: n,
                folder,
                passphrase,
                kdf: app.kdf,
            }])
        }
        FormKind::Follow => {
            let chosen = if key_name == "automatic" {
                None
            } else {
                let key = app.stored(&key_name).ok_or("unknown key")?;
                let share = key
                    .material
                    .share()
                    .ok_or(format!("{key_name} holds no share: a follower needs one"))?;
                Some((key_name.clone(), share.clone()))
            };
            let session = Session::follow(app.keys_for_session(), chosen, app.guards.clone());
            app.screen = Screen::Ceremony(Box::new(Ceremony::new(session)));
            Ok(vec![])
        }
        FormKind::Definition => {
            let file = form.value("Definition file").to_string();
            Ok(vec![Effect::ReadFile {
                path: file.clone(),
                purpose: FilePurpose::Definition {
                    key: key_name,
                    signers: signers(form)?,
                    file,
                },
            }])
        }
        FormKind::Transaction => Ok(vec![Effect::ReadFile {
            path: form.value("Plan file").to_string(),
            purpose: FilePurpose::Plan {
                key: key_name,
                signers: signers(form)?,
            },
        }]),
        FormKind::Vote => {
            let key = app.stored(&key_name).ok_or("unknown key")?.clone();
            let proposal = form.required_number("Proposal")?;
            let vote = parse_vote(form.value("Vote")).map_err(|e| e.to_string())?;
            let identity = match form.value("Validator") {
                "" => None,
                text => Some(
                    text.parse()
                        .map_err(|e| format!("Validator: not an identity key: {e}"))?,
                ),
            };
            let body = vote_body(
                key.material.group(),
                identity,
                proposal,
                vote,
                form.value("Reason"),
            )
            .map_err(|e| e.to_string())?;
            start_coordinator(
                app,
                &key_name,
                &key,
                SigningRequest::ValidatorVote(body),
                signers(form)?,
                None,
            )
        }
        FormKind::Check => {
            let key = app.stored(&key_name).ok_or("unknown key")?.clone();
            let request = check_request(&mut rng, key.material.group());
            let all = key.material.group().participant_count();
            start_coordinator(app, &key_name, &key, request, Some(all), None)
        }
    }
}

fn start_coordinator(
    app: &mut App,
    label: &str,
    key: &StoredKey,
    request: SigningRequest,
    signers: Option<usize>,
    definition_file: Option<String>,
) -> Result<Vec<Effect>, String> {
    let mut rng = app.fork_rng();
    let session = Session::coordinate(
        label,
        key,
        request,
        signers,
        definition_file,
        &app.guards,
        &mut rng,
    )
    .map_err(|e| e.to_string())?;
    let mut ceremony = Ceremony::new(session);
    ceremony.focus = Focus::Message;
    let effects = if matches!(ceremony.view.stage, Stage::ReadyToFinish) {
        start_finish(&mut ceremony, &mut rng)
    } else {
        vec![]
    };
    app.screen = Screen::Ceremony(Box::new(ceremony));
    Ok(effects)
}

fn on_file(app: &mut App, purpose: FilePurpose, result: Result<String, String>) -> Vec<Effect> {
    let outcome = (|| -> Result<Vec<Effect>, String> {
        let text = result?;
        match purpose {
            FilePurpose::Definition { key, signers, file } => {
                let stored = app.stored(&key).ok_or("unknown key")?.clone();
                let validator = parse_definition_toml(&text).map_err(|e| e.to_string())?;
                let name = std::path::Path::new(&file)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                start_coordinator(
                    app,
                    &key,
                    &stored,
                    SigningRequest::ValidatorDefinition(validator),
                    signers,
                    name,
                )
            }
            FilePurpose::Plan { key, signers } => {
                let stored = app.stored(&key).ok_or("unknown key")?.clone();
                let plan = crate::validate::plan_from_json(&text)
                    .map_err(|e| format!("not a usable TransactionPlan: {e}"))?;
                start_coordinator(
                    app,
                    &key,
                    &stored,
                    SigningRequest::Transaction(plan),
                    signers,
                    None,
                )
            }
        }
    })();
    match outcome {
        Ok(effects) => effects,
        Err(e) => {
            if let Screen::Form(f) = &mut app.screen {
                f.error = Some(e);
            }
            vec![]
        }
    }
}

//! A ceremony under way: where it stands, the messages this participant produced (every one
//! stays reachable: `←` `→` choose, `c` copies, `s` saves, `q` shows QR codes), the stage's own
//! question (the fingerprint, the review, the passphrase) and a log of what became of every
//! paste. The same key does the same thing whatever the stage: pastes go to the session from
//! anywhere, `i` opens a one-line input, `Esc` twice leaves.
//!
//! Every step of the session runs off the UI thread: the session is handed to the work and
//! comes back with what the step said; steps asked for meanwhile wait in order.

mod bindings;
mod draw;
mod input;
mod items;
mod log;

pub use input::{Input, Purpose};
pub use items::{file_name, items, Item, Layout};
pub use log::{Entry, Log};

use std::collections::VecDeque;
use std::sync::Arc;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;
use zeroize::Zeroizing;

use super::qr::QrScreen;
use super::result::Storing;
use super::review::{self, ReviewAction};
use super::scan::ScanScreen;
use super::{Ctx, Nav, Reply, Screen, ScreenId};
use crate::session::{Feedback, Outcome, Session, SessionView, Stage};
use crate::tui::effects::{Effect, JobResult, Replacing, SessionReturn, Started, Step, Work};
use crate::tui::keymap::{self, Help};

/// Which part this participant plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Dkg,
    Coordinator,
    Follower,
    /// A member in a refresh of a key's shares.
    Refresh,
    /// A member helping a newcomer in a repair.
    Helper,
    /// A repair's newcomer.
    Newcomer,
    /// A member who did not help, admitting a repair's newcomer.
    Admit,
}

/// What a ceremony takes from its form.
pub struct Setup {
    pub role: Role,
    /// The passphrase a key generation's share is sealed with (None: stored in the clear).
    pub seal: Option<Zeroizing<String>>,
    /// A follower's passphrase typed into the form: tried first when the request needs an
    /// encrypted key.
    pub passphrase: Option<Zeroizing<String>>,
    /// Whether this member starts the refresh or repair (rather than joining another's).
    pub starts: bool,
    /// The members a refresh this participant started removes, or a repair it started goes
    /// without (participant ids).
    pub left_out: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Copy,
    Save,
    Qr,
    Bundle,
    Previous,
    Next,
    Up,
    Down,
    LogBack,
    LogForward,
    Type,
    Leave,
    Confirm,
    Stop,
    Review(ReviewAction),
    Submit,
    Close,
    Erase,
    Clear,
    Scan,
}

pub struct Ceremony {
    id: ScreenId,
    /// None while a step runs, and once the ceremony is over (so its key's lock is released).
    session: Option<Session>,
    busy: bool,
    ended: bool,
    queue: VecDeque<Step>,
    view: SessionView,
    log: Log,
    input: Option<Input>,
    /// The item shown (see [`items`]).
    chosen: usize,
    /// How many messages had been produced when the view was last read.
    seen: usize,
    /// Lines the main panel is scrolled down.
    scroll: usize,
    leaving: bool,
    /// A passing note (copied, saved, press Esc again).
    notice: Option<String>,
    setup: Setup,
    tried_passphrase: bool,
    storing: Storing,
    /// A member's key whose share the outcome replaces.
    replacing: Option<Arc<Replacing>>,
}

impl Ceremony {
    /// The ceremony screen of a started session, and the effects that go with it (the log
    /// line, a first slow step).
    pub fn new(ctx: &mut Ctx, started: Started, setup: Setup) -> (Self, Vec<Effect>) {
        let Started {
            session,
            intro,
            feedback,
            replacing,
        } = started;
        let view = session.view();
        let mut ceremony = Self {
            id: ctx.new_id(),
            session: Some(session),
            busy: false,
            ended: false,
            queue: VecDeque::new(),
            seen: view.sent.len(),
            view,
            log: Log::default(),
            input: None,
            chosen: 0,
            scroll: 0,
            leaving: false,
            notice: None,
            setup,
            tried_passphrase: false,
            storing: Storing::NotYet,
            replacing,
        };
        ceremony.chosen = items::default_item(&ceremony.view, &ceremony.items());
        ceremony.log.push(true, intro);
        let mut effects = vec![Effect::Log(format!("started: {}", ceremony.view.title))];
        effects.extend(ceremony.absorb(&feedback));
        effects.extend(ceremony.after_step(ctx));
        (ceremony, effects)
    }

    pub fn view(&self) -> &SessionView {
        &self.view
    }

    pub fn log(&self) -> &Log {
        &self.log
    }

    pub fn input(&self) -> Option<&Input> {
        self.input.as_ref()
    }

    /// Whether a step is running off the UI thread.
    pub fn busy(&self) -> bool {
        self.busy
    }

    pub fn items(&self) -> Vec<Item> {
        items(&self.view)
    }

    pub fn chosen(&self) -> Option<Item> {
        self.items().into_iter().nth(self.chosen)
    }

    pub fn storing(&self) -> &Storing {
        &self.storing
    }

    /// Logs what a step said; errors also go to `hoarfrost.log`.
    fn absorb(&mut self, feedback: &[Feedback]) -> Vec<Effect> {
        let mut effects = Vec::new();
        for f in feedback {
            self.log.push(f.ok, f.text.clone());
            if !f.ok {
                effects.push(Effect::Log(format!("{}: {}", self.view.title, f.text)));
            }
        }
        effects
    }

    /// Asks for a step; it runs when the session is free.
    fn step(&mut self, step: Step) -> Vec<Effect> {
        if self.ended {
            // A relay pasted once more after the end is no mistake: nothing more is needed.
            self.log.push(
                true,
                "the ceremony is over here: nothing more is needed, and nothing was taken",
            );
            return vec![];
        }
        self.queue.push_back(step);
        self.next_step()
    }

    fn next_step(&mut self) -> Vec<Effect> {
        if self.busy || self.session.is_none() {
            return vec![];
        }
        let Some(step) = self.queue.pop_front() else {
            return vec![];
        };
        let session = self.session.take().expect("checked above");
        self.busy = true;
        vec![Effect::work(
            self.id,
            Work::Session {
                session: Box::new(session),
                step,
            },
        )]
    }

    /// After the session changed (its view is in `self.view`): show what is new and do what
    /// its stage asks.
    fn after_step(&mut self, ctx: &mut Ctx) -> Vec<Effect> {
        let items = self.items();
        if self.view.sent.len() > self.seen {
            // A new message: it is what to send now.
            self.seen = self.view.sent.len();
            self.chosen = items::default_item(&self.view, &items);
            self.scroll = 0;
        }
        let mut effects = Vec::new();
        match self.view.stage.clone() {
            Stage::Compute => self.queue.push_front(Step::Compute),
            Stage::Passphrase { key } => match self.setup.passphrase.clone() {
                Some(p) if !self.tried_passphrase => {
                    self.tried_passphrase = true;
                    self.log.push(
                        true,
                        format!("opening key {key} with the passphrase typed in the form"),
                    );
                    self.queue.push_front(Step::Passphrase(p));
                }
                _ => {
                    if self.input.is_none() {
                        self.input = Some(Input::new(Purpose::Passphrase { key }));
                    }
                }
            },
            Stage::Review if self.queue.is_empty() => self.scroll = 0,
            Stage::Done(_) | Stage::Declined | Stage::Failed(_) => effects.extend(self.end(ctx)),
            _ => {}
        }
        self.chosen = self.chosen.min(self.items().len().saturating_sub(1));
        effects.extend(self.next_step());
        effects
    }

    /// The ceremony is over here: the session goes (and with it the key's lock), the result
    /// stays on screen; a new key is stored.
    fn end(&mut self, ctx: &mut Ctx) -> Vec<Effect> {
        self.ended = true;
        self.session = None;
        self.queue.clear();
        self.input = None;
        self.scroll = 0;
        self.chosen = items::default_item(&self.view, &self.items());
        let how = match &self.view.stage {
            Stage::Done(_) => "finished".to_string(),
            Stage::Declined => "declined".to_string(),
            Stage::Failed(e) => format!("failed: {e}"),
            _ => String::new(),
        };
        let mut effects = vec![Effect::Log(format!("ended: {}: {how}", self.view.title))];
        let Stage::Done(outcome) = &self.view.stage else {
            return effects;
        };
        let work = match (outcome, &self.replacing) {
            (Outcome::Generated { name, .. }, _) => {
                let name = name.clone();
                effects.extend(self.store(ctx, name));
                return effects;
            }
            (Outcome::Refreshed { .. } | Outcome::Helped { .. }, Some(replacing)) => {
                Work::Replace {
                    replacing: replacing.clone(),
                    outcome: Box::new(outcome.clone()),
                }
            }
            (Outcome::Enrolled { name, share }, _) => Work::StoreEnrolled {
                store: ctx.store.clone(),
                name: name.clone(),
                share: share.clone(),
                passphrase: self.setup.seal.clone(),
                kdf: ctx.kdf,
            },
            _ => return effects,
        };
        self.storing = Storing::Busy;
        effects.push(Effect::work(self.id, work));
        effects
    }

    /// Stores the ceremony's new share as a new key `name`: a key generation's, or a refreshed
    /// share whose key file could not be replaced (sealed under the passphrase that opened it).
    fn store(&mut self, ctx: &mut Ctx, name: String) -> Vec<Effect> {
        let (share, transcript, passphrase) = match &self.view.stage {
            Stage::Done(Outcome::Generated { output, .. }) => (
                output.share.clone(),
                Some(output.transcript_fingerprint.clone()),
                self.setup.seal.clone(),
            ),
            Stage::Done(
                Outcome::Refreshed { share, .. }
                | Outcome::Helped { share, .. }
                | Outcome::Enrolled { share, .. },
            ) => (
                share.as_ref().clone(),
                None,
                match &self.replacing {
                    Some(r) => r.opened.passphrase.clone(),
                    None => self.setup.seal.clone(),
                },
            ),
            _ => return vec![],
        };
        self.storing = Storing::Busy;
        vec![Effect::work(
            self.id,
            Work::StoreKey {
                store: ctx.store.clone(),
                name,
                share: Box::new(share),
                transcript,
                passphrase,
                kdf: ctx.kdf,
            },
        )]
    }

    /// Storing the new share ended as `storing` says: the log and the activity log say so in
    /// `log`, and the keys are read again (the new key is among them now, or not).
    fn storing_ended(&mut self, storing: Storing, log: String) -> Reply {
        self.log
            .push(!matches!(storing, Storing::Failed(_)), log.clone());
        self.storing = storing;
        Reply::effects(vec![Effect::LoadKeys, Effect::Log(log)])
    }

    fn returned(&mut self, back: SessionReturn, ctx: &mut Ctx) -> Vec<Effect> {
        self.busy = false;
        self.session = Some(back.session);
        self.view = back.view;
        let mut effects = Vec::new();
        for outcome in &back.outcomes {
            effects.extend(self.absorb(&outcome.feedback));
        }
        effects.extend(self.absorb(&back.feedback));
        effects.extend(self.after_step(ctx));
        effects
    }

    fn act(&mut self, action: Action, ctx: &mut Ctx) -> Reply {
        if action != Action::Leave {
            self.leaving = false;
        }
        let items = self.items();
        let item = items.get(self.chosen).cloned();
        match action {
            Action::Leave if self.leaving => {
                return Reply::nav(if self.ended { Nav::Home } else { Nav::Pop });
            }
            Action::Leave => {
                self.leaving = true;
                self.notice = Some(if self.ended {
                    "Esc again leaves (the others may still need your last message)".into()
                } else {
                    "Esc again abandons this ceremony (back to its form)".into()
                });
            }
            Action::Copy => {
                if let Some(item) = item {
                    self.notice = Some(
                        "sent to the terminal's clipboard (OSC 52; some terminals ignore it)"
                            .into(),
                    );
                    return Reply::effect(Effect::Clipboard(item.text));
                }
            }
            Action::Save => {
                if let Some(item) = item {
                    let path = ctx.save_dir.join(file_name(&self.view, &item));
                    self.notice = Some(format!("saving the {}...", item.what));
                    return Reply::effect(Effect::work(
                        self.id,
                        Work::Save {
                            path,
                            text: item.text,
                        },
                    ));
                }
            }
            Action::Qr => {
                if let Some(item) = item {
                    let label = match &item.message {
                        Some(m) => m.kind().name().to_string(),
                        None => item.what.replace('-', " "),
                    };
                    return QrScreen::open(ctx, &label, item.message, &item.text);
                }
            }
            Action::Bundle => return QrScreen::bundle(ctx, &self.view.relay),
            Action::Scan => return ScanScreen::open(ctx, &self.view.title),
            Action::Previous | Action::Next if !items.is_empty() => {
                let n = items.len();
                self.chosen = if action == Action::Next {
                    (self.chosen + 1) % n
                } else {
                    (self.chosen + n - 1) % n
                };
                self.scroll = 0;
            }
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll = (self.scroll + 1).min(self.max_scroll(ctx)),
            Action::LogBack | Action::LogForward => {
                let (width, height) = self.log_size(ctx);
                let page = height.max(1) as isize;
                let by = if action == Action::LogBack {
                    page
                } else {
                    -page
                };
                self.log.scroll(by, width, height);
            }
            Action::Type => {
                self.input = Some(Input::new(match (&self.view.stage, &self.storing) {
                    (_, Storing::Failed(_)) => Purpose::StoreAs,
                    (Stage::Passphrase { key }, _) => Purpose::Passphrase { key: key.clone() },
                    _ => Purpose::Message,
                }));
            }
            Action::Confirm => {
                self.log.push(true, "you confirmed the fingerprint");
                return Reply::effects(self.step(Step::Confirm));
            }
            Action::Stop => return Reply::effects(self.step(Step::Decline)),
            Action::Review(ReviewAction::Approve) => {
                return Reply::effects(self.step(Step::Approve))
            }
            Action::Review(ReviewAction::Decline) => {
                return Reply::effects(self.step(Step::Decline))
            }
            Action::Submit => return Reply::effects(self.submit(ctx)),
            Action::Close => self.input = None,
            Action::Erase => {
                if let Some(input) = &mut self.input {
                    input.erase();
                }
            }
            Action::Clear => {
                if let Some(input) = &mut self.input {
                    input.clear();
                }
            }
            Action::Previous | Action::Next => {}
        }
        Reply::none()
    }

    /// Enter in the one-line input.
    fn submit(&mut self, ctx: &mut Ctx) -> Vec<Effect> {
        let Some(input) = self.input.take() else {
            return vec![];
        };
        match input.purpose.clone() {
            Purpose::Passphrase { .. } => self.step(Step::Passphrase(input.into_text())),
            Purpose::StoreAs => {
                let name = input.into_text().trim().to_string();
                self.store(ctx, name)
            }
            Purpose::Message => {
                let text = input.into_text();
                match input::image_path(&text) {
                    Some(path) => {
                        self.log
                            .push(true, format!("reading QR codes in {}", path.display()));
                        vec![Effect::work(self.id, Work::ReadImage(path))]
                    }
                    None if text.trim().is_empty() => vec![],
                    None => self.step(Step::Paste(text.to_string())),
                }
            }
        }
    }
}

impl Screen for Ceremony {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn title(&self, _ctx: &Ctx) -> String {
        self.view.title.clone()
    }

    fn help(&self, _ctx: &Ctx) -> Vec<Help> {
        keymap::help(&self.bindings())
    }

    fn key(&mut self, event: KeyEvent, ctx: &mut Ctx) -> Reply {
        if let Some(action) = keymap::dispatch(&self.bindings(), &event) {
            return self.act(action, ctx);
        }
        if let (Some(input), Some(c)) = (&mut self.input, keymap::typed(&event)) {
            input.push(c);
        }
        Reply::none()
    }

    /// A paste goes to the session (or into the open input: a passphrase, a path).
    fn paste(&mut self, text: String, _ctx: &mut Ctx) -> Reply {
        if let Some(input) = &mut self.input {
            input.paste(&text);
            return Reply::none();
        }
        self.notice = None;
        Reply::effects(self.step(Step::Paste(text)))
    }

    fn job(&mut self, result: JobResult, ctx: &mut Ctx) -> Reply {
        match result {
            JobResult::Session(back) => Reply::effects(self.returned(*back, ctx)),
            JobResult::Saved(result) => {
                // In the log too: the notice goes with the next paste.
                let (ok, text) = match result {
                    Ok(path) => (true, format!("saved to {path}")),
                    Err(e) => (false, format!("could not save: {e}")),
                };
                self.log.push(ok, text.clone());
                self.notice = Some(text);
                Reply::none()
            }
            JobResult::Image(Ok(text)) => Reply::effects(self.step(Step::Paste(text))),
            JobResult::Image(Err(e)) => {
                self.log.push(false, e.clone());
                Reply::effect(Effect::Log(e))
            }
            JobResult::Stored(Ok(path)) => {
                let log = format!("stored the new key in {path}");
                self.storing_ended(Storing::Stored(path), log)
            }
            JobResult::Stored(Err(e)) => {
                let log = format!("the new key was not stored: {e}");
                self.storing_ended(Storing::Failed(e), log)
            }
            JobResult::Finished(Ok(lines)) => {
                let log = lines.first().cloned().unwrap_or_default();
                self.storing_ended(Storing::Done(lines), log)
            }
            JobResult::Finished(Err(e)) => {
                let log = format!("the new share was NOT stored: {e}");
                self.storing_ended(Storing::Failed(e), log)
            }
            _ => Reply::none(),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        draw::draw(self, frame, area, ctx);
    }

    fn ceremony_under_way(&self) -> bool {
        !self.ended
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

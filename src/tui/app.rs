//! The model and its `update`, Elm style. The model is a stack of screens (home at the bottom)
//! and what they share; `update` only routes: a message goes to the screen on top (or, for the
//! result of blocking work, to the screen that asked), and the screen's reply is carried out:
//! screens opened or closed, effects handed back to the runtime.
//!
//! `update` does no I/O. Everything that touches files or the terminal, and every step of a
//! session (which may consult or write the key's journal through its guard before a share
//! leaves), goes out as an [`Effect`].

use crate::store::Store;

use ratatui::layout::{Constraint, Layout};
use ratatui::Frame;

pub use super::effects::{Effect, JobResult, Work};
use super::keymap;
use super::screens::form::Form;
use super::screens::home::HomeScreen;
use super::screens::{Ctx, Nav, Reply, Screen, ScreenId};
use super::theme;
use super::{Start, MIN_HEIGHT, MIN_WIDTH};
use crate::keyfile::StoredKey;
use crate::sealed::KdfParams;

/// Everything that happens to the TUI.
pub enum Msg {
    Key(crossterm::event::KeyEvent),
    /// A bracketed paste.
    Paste(String),
    Resize(u16, u16),
    /// Eight a second.
    Tick,
    KeysLoaded(Vec<(String, Result<StoredKey, String>)>),
    /// Blocking work finished for a screen.
    Job(ScreenId, JobResult),
}

/// How the person left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// Ctrl-C in the middle of a ceremony: the process exits with status 130.
    Interrupted,
}

pub struct App {
    stack: Vec<Box<dyn Screen>>,
    pub ctx: Ctx,
    exit: Option<Exit>,
}

impl App {
    /// The TUI on the home screen of the store at `home`. The n-th ceremony started gets its
    /// randomness from the n-th 32 bytes of `ChaCha20Rng::from_seed(seed)` as its own seed, so
    /// a test can give line mode the same.
    pub fn new(store: Store, no_color: bool, seed: [u8; 32], kdf: KdfParams) -> Self {
        let mut ctx = Ctx::new(store, no_color, seed, kdf);
        let home_screen = HomeScreen::new(ctx.new_id());
        Self {
            stack: vec![Box::new(home_screen)],
            ctx,
            exit: None,
        }
    }

    /// Opens the form of a ceremony asked for on the command line, filled in from it.
    pub fn open(&mut self, start: &Start) {
        let form = Form::from_start(start, &mut self.ctx);
        self.stack.push(Box::new(form));
    }

    pub fn top(&self) -> &dyn Screen {
        self.stack
            .last()
            .expect("the home screen is never closed")
            .as_ref()
    }

    /// The screens, bottom first.
    pub fn screens(&self) -> impl Iterator<Item = &dyn Screen> {
        self.stack.iter().map(|s| s.as_ref())
    }

    /// Set once the person quits.
    pub fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn too_small(&self) -> bool {
        self.ctx.width < MIN_WIDTH || self.ctx.height < MIN_HEIGHT
    }

    fn apply(&mut self, at: usize, reply: Reply) -> Vec<Effect> {
        let mut effects = reply.effects;
        // Only the screen on top moves the person elsewhere.
        if at + 1 != self.stack.len() {
            return effects;
        }
        match reply.nav {
            Nav::Stay => {}
            Nav::Push(screen) => self.stack.push(screen),
            Nav::Pop if self.stack.len() > 1 => {
                self.stack.pop();
                effects.extend(self.reveal());
            }
            Nav::Pop => {}
            Nav::PopAndPaste(text) if self.stack.len() > 1 => {
                self.stack.pop();
                effects.extend(self.reveal());
                let below = self.stack.len() - 1;
                let reply = self.stack[below].paste(text, &mut self.ctx);
                effects.extend(self.apply(below, reply));
            }
            Nav::PopAndPaste(_) => {}
            Nav::Home => {
                self.stack.truncate(1);
                effects.extend(self.reveal());
            }
            Nav::Quit => self.exit = Some(Exit::Quit),
        }
        effects
    }

    fn reveal(&mut self) -> Vec<Effect> {
        let at = self.stack.len() - 1;
        let reply = self.stack[at].revealed(&mut self.ctx);
        self.apply(at, reply)
    }
}

/// Applies one message and returns the effects for the runtime to carry out.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let top = app.stack.len() - 1;
    match msg {
        Msg::Key(event) if keymap::is_interrupt(&event) => {
            let under_way = app.stack.iter().any(|s| s.ceremony_under_way());
            app.exit = Some(if under_way {
                Exit::Interrupted
            } else {
                Exit::Quit
            });
            vec![]
        }
        Msg::Key(event) => {
            if event.kind != crossterm::event::KeyEventKind::Press || app.too_small() {
                return vec![];
            }
            let reply = app.stack[top].key(event, &mut app.ctx);
            app.apply(top, reply)
        }
        Msg::Paste(text) => {
            let reply = app.stack[top].paste(text, &mut app.ctx);
            app.apply(top, reply)
        }
        Msg::Resize(width, height) => {
            app.ctx.width = width;
            app.ctx.height = height;
            let reply = app.stack[top].resized(&mut app.ctx);
            app.apply(top, reply)
        }
        Msg::Tick => {
            app.ctx.tick = app.ctx.tick.wrapping_add(1);
            let reply = app.stack[top].tick(&mut app.ctx);
            app.apply(top, reply)
        }
        Msg::KeysLoaded(keys) => {
            app.ctx.keys.clear();
            app.ctx.broken.clear();
            for (name, key) in keys {
                match key {
                    Ok(k) => app.ctx.keys.push((name, k)),
                    Err(e) => app.ctx.broken.push((name, e)),
                }
            }
            vec![]
        }
        Msg::Job(id, result) => match app.stack.iter().position(|s| s.id() == id) {
            Some(at) => {
                let reply = app.stack[at].job(result, &mut app.ctx);
                app.apply(at, reply)
            }
            None => orphan(app, result),
        },
    }
}

/// The result of work whose screen the person has left: a stored key still matters.
fn orphan(app: &mut App, result: JobResult) -> Vec<Effect> {
    match result {
        JobResult::Stored(Ok(path)) => {
            app.ctx.status = Some(format!("the new key was stored in {path}"));
            vec![Effect::LoadKeys]
        }
        JobResult::Stored(Err(e)) => {
            app.ctx.status = Some(format!("the new key was NOT stored: {e}"));
            vec![Effect::Log(format!("storing a new key failed: {e}"))]
        }
        _ => vec![],
    }
}

/// Draws the screen on top: the title bar, its body and its help bar.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        theme::too_small(frame, area);
        return;
    }
    let screen = app.top();
    if screen.full_screen() {
        screen.draw(frame, area, &app.ctx);
        return;
    }
    let [title, body, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let palette = app.ctx.palette;
    theme::title_bar(frame, title, &screen.title(&app.ctx), &palette);
    screen.draw(frame, body, &app.ctx);
    theme::help_bar(frame, help, &screen.help(&app.ctx), &palette);
}

/// Runs effects at once, as the runtime would off the UI thread, feeding their results back
/// until none is left; returns the effects that concern the terminal (clipboard, log). For
/// tests, benchmarks and examples.
pub fn settle(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    let mut pending: std::collections::VecDeque<Effect> = effects.into();
    let mut left = Vec::new();
    while let Some(effect) = pending.pop_front() {
        match effect {
            Effect::Work { screen, work } => {
                pending.extend(update(app, Msg::Job(screen, work.perform())));
            }
            Effect::LoadKeys => {
                let keys = super::effects::load_keys(&app.ctx.store);
                pending.extend(update(app, Msg::KeysLoaded(keys)));
            }
            other => left.push(other),
        }
    }
    left
}

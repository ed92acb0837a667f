//! The screens. Each owns its state, its key handling, its help-bar entries (from the same
//! binding list that dispatches its keys) and its drawing; [`super::app`] only routes to the
//! screen on top of the stack and carries out what it asks for.

pub mod ceremony;
pub mod form;
pub mod home;
pub mod keys;
pub mod menu;
pub mod notice;
pub mod qr;
pub mod replace;
pub mod result;
pub mod review;
pub mod scan;

use std::path::PathBuf;
use std::sync::Arc;

use crate::store::Store;

use crossterm::event::KeyEvent;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::effects::{Effect, JobResult};
use super::keymap::Help;
use super::theme::Palette;
use crate::keyfile::StoredKey;
use crate::sealed::KdfParams;
use crate::transport::scan::{Cameras, SystemCameras};

/// Names a screen instance, so the result of its blocking work finds it (or, if the person
/// left it meanwhile, is dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScreenId(pub u64);

/// What every screen reads: the store, its keys, the terminal and the palette.
pub struct Ctx {
    /// The key store (and the state folder its journals live in).
    pub store: Store,
    /// The keys in the store that load, and those that do not (with why).
    pub keys: Vec<(String, StoredKey)>,
    pub broken: Vec<(String, String)>,
    pub width: u16,
    pub height: u16,
    pub palette: Palette,
    /// Eight ticks a second.
    pub tick: u64,
    /// Argon2id parameters for sealing new shares.
    pub kdf: KdfParams,
    /// A line for the home screen: what finished while the person was elsewhere.
    pub status: Option<String>,
    /// Where `s` saves messages: the working folder (tests choose another).
    pub save_dir: PathBuf,
    /// Now, in unix seconds: a refresh's date (tests fix it).
    pub clock: fn() -> u64,
    /// Where the scan view finds cameras: this machine's (tests give stand-ins).
    pub cameras: Arc<dyn Cameras>,
    /// The camera the person chose last in the scan view (its index), chosen again next time.
    pub camera: Option<String>,
    rng: ChaCha20Rng,
    next_id: u64,
}

impl Ctx {
    pub fn new(store: Store, no_color: bool, seed: [u8; 32], kdf: KdfParams) -> Self {
        Self {
            store,
            keys: vec![],
            broken: vec![],
            width: super::MIN_WIDTH,
            height: super::MIN_HEIGHT,
            palette: Palette { no_color },
            tick: 0,
            kdf,
            status: None,
            save_dir: PathBuf::from("."),
            clock: crate::cli::custody_cmd::now,
            cameras: Arc::new(SystemCameras),
            camera: None,
            rng: ChaCha20Rng::from_seed(seed),
            next_id: 0,
        }
    }

    /// The next 32 bytes of the app's seeded stream: each ceremony's randomness comes from
    /// its own seed, drawn here in the order ceremonies start.
    pub fn seed(&mut self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        seed
    }

    pub fn new_id(&mut self) -> ScreenId {
        self.next_id += 1;
        ScreenId(self.next_id)
    }

    /// The store folder as people read it.
    pub fn store_label(&self) -> String {
        self.store.home().display().to_string()
    }

    pub fn key(&self, name: &str) -> Option<&StoredKey> {
        self.keys.iter().find(|(n, _)| n == name).map(|(_, k)| k)
    }
}

/// Where to go after a screen handled something.
pub enum Nav {
    Stay,
    /// Open a screen on top of this one.
    Push(Box<dyn Screen>),
    /// Back to the screen below.
    Pop,
    /// Back to the screen below, which takes `text` as a bracketed paste (a scanned message).
    PopAndPaste(String),
    /// Back to the home screen.
    Home,
    Quit,
}

/// What a screen asks for: work to run and where to go.
pub struct Reply {
    pub effects: Vec<Effect>,
    pub nav: Nav,
}

impl Reply {
    pub fn none() -> Self {
        Self {
            effects: vec![],
            nav: Nav::Stay,
        }
    }
    pub fn effect(effect: Effect) -> Self {
        Self {
            effects: vec![effect],
            nav: Nav::Stay,
        }
    }
    pub fn effects(effects: Vec<Effect>) -> Self {
        Self {
            effects,
            nav: Nav::Stay,
        }
    }
    pub fn nav(nav: Nav) -> Self {
        Self {
            effects: vec![],
            nav,
        }
    }
    pub fn push(screen: impl Screen + 'static) -> Self {
        Self::nav(Nav::Push(Box::new(screen)))
    }
    pub fn with(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }
}

/// A screen: its state, keys, help and drawing.
pub trait Screen: std::any::Any {
    fn id(&self) -> ScreenId;
    /// The title bar's text.
    fn title(&self, ctx: &Ctx) -> String;
    /// The help bar: the labelled entries of the binding list that `key` dispatches with.
    fn help(&self, ctx: &Ctx) -> Vec<Help>;
    fn key(&mut self, event: KeyEvent, ctx: &mut Ctx) -> Reply;
    /// A bracketed paste.
    fn paste(&mut self, _text: String, _ctx: &mut Ctx) -> Reply {
        Reply::none()
    }
    /// The result of blocking work this screen asked for.
    fn job(&mut self, _result: JobResult, _ctx: &mut Ctx) -> Reply {
        Reply::none()
    }
    fn tick(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::none()
    }
    /// The terminal changed size (the new size is in `ctx`).
    fn resized(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::none()
    }
    /// The screen above this one closed.
    fn revealed(&mut self, _ctx: &mut Ctx) -> Reply {
        Reply::none()
    }
    /// Draws the body (between the title and help bars, or the whole terminal when
    /// [`Screen::full_screen`]).
    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx);
    /// Whether the screen draws the whole terminal itself.
    fn full_screen(&self) -> bool {
        false
    }
    /// Whether a ceremony is under way on this screen (Ctrl-C then exits with status 130).
    fn ceremony_under_way(&self) -> bool {
        false
    }
    /// For tests and benchmarks that look inside a screen.
    fn as_any(&self) -> &dyn std::any::Any;
}

//! Driving the TUI's update loop in a test: a store and a save folder in a temporary
//! directory, keys and pastes in, the work run at once, the screens rendered.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoarfrost::keyfile::{KeyMaterial, StoredKey};
use hoarfrost::keys::KeyShare;
use hoarfrost::sealed::KdfParams;
use hoarfrost::store::Store;
use hoarfrost::tui::app::{draw, settle, update, App, Effect, Msg};
use hoarfrost::tui::screens::ceremony::Ceremony;
use hoarfrost::tui::screens::form::{FieldId, Form};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn light() -> KdfParams {
    KdfParams::with_memory_mib(64).unwrap()
}

pub fn stored(share: &KeyShare, fingerprint: Option<&str>) -> StoredKey {
    StoredKey {
        name: None,
        material: KeyMaterial::Share(share.clone()),
        transcript_fingerprint: fingerprint.map(str::to_string),
    }
}

/// The same key sealed under [`PASSPHRASE`].
pub fn sealed(share: &KeyShare) -> StoredKey {
    StoredKey {
        material: KeyMaterial::Share(share.clone())
            .seal(PASSPHRASE.as_bytes(), light(), &mut rand_core::OsRng)
            .unwrap(),
        ..stored(share, None)
    }
}

pub struct Tui {
    pub app: App,
    pub dir: tempfile::TempDir,
    /// What the runtime would have done with the terminal: clipboard and log lines.
    pub terminal_effects: Vec<Effect>,
}

impl Tui {
    /// A TUI on an empty store, its randomness from `seed`.
    pub fn new(seed: [u8; 32]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        // Journals in the test's own state folder: never the user's, never another test's.
        let store = Store::open(Some(&dir.path().join("home")))
            .unwrap()
            .with_state(dir.path().join("state"));
        let mut app = App::new(store, false, seed, light());
        app.ctx.save_dir = dir.path().join("out");
        // Refreshes dated alike on every run, so their screens can be compared.
        app.ctx.clock = || 1_800_000_000;
        let mut tui = Self {
            app,
            dir,
            terminal_effects: vec![],
        };
        tui.send(Msg::Resize(80, 24));
        tui
    }

    /// A TUI whose store holds `keys`.
    pub fn with_keys(seed: [u8; 32], keys: &[(&str, StoredKey)]) -> Self {
        let mut tui = Self::new(seed);
        let store = tui.store();
        for (name, key) in keys {
            store.save(name, key).unwrap();
        }
        tui.send_effects(vec![Effect::LoadKeys]);
        tui
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub fn store(&self) -> Store {
        self.app.ctx.store.clone()
    }

    pub fn send(&mut self, msg: Msg) {
        let effects = update(&mut self.app, msg);
        self.send_effects(effects);
    }

    pub fn send_effects(&mut self, effects: Vec<Effect>) {
        let left = settle(&mut self.app, effects);
        self.terminal_effects.extend(left);
    }

    pub fn press(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    /// Types each character as a key press.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    pub fn paste(&mut self, text: &str) {
        self.send(Msg::Paste(text.to_string()));
    }

    pub fn ceremony(&self) -> &Ceremony {
        self.app
            .screens()
            .filter_map(|s| s.as_any().downcast_ref::<Ceremony>())
            .last()
            .expect("a ceremony screen")
    }

    pub fn form(&self) -> &Form {
        self.app
            .screens()
            .filter_map(|s| s.as_any().downcast_ref::<Form>())
            .last()
            .expect("a form")
    }

    /// Whether the form shows an error at `field` that contains `needle`; the form's errors
    /// otherwise, to report.
    pub fn form_error(&self, field: FieldId, needle: &str) -> Result<(), String> {
        let errors = self.form().errors();
        if errors
            .iter()
            .any(|(f, e)| *f == field && e.contains(needle))
        {
            Ok(())
        } else {
            Err(format!("no {field:?} error with {needle:?} in {errors:?}"))
        }
    }

    pub fn top_is<T: 'static>(&self) -> bool {
        self.app.top().as_any().is::<T>()
    }

    /// The screen as text at the current size, the temporary folder's path replaced by a
    /// fixed one of the same width (so boxes stay aligned).
    pub fn screen(&self) -> String {
        let (width, height) = (self.app.ctx.width, self.app.ctx.height);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| draw(f, &self.app)).unwrap();
        mask(&terminal.backend().to_string(), self.dir.path())
    }

    /// The screen as text at another size (the app is resized, then back).
    pub fn render(&mut self, width: u16, height: u16) -> String {
        let before = (self.app.ctx.width, self.app.ctx.height);
        self.send(Msg::Resize(width, height));
        let text = self.screen();
        self.send(Msg::Resize(before.0, before.1));
        text
    }

    /// The log lines of the ceremony on screen.
    pub fn log(&self) -> Vec<String> {
        self.ceremony()
            .log()
            .entries()
            .iter()
            .map(|e| e.shown())
            .collect()
    }

    /// The newest outgoing message's JSON.
    pub fn outgoing(&self) -> String {
        self.ceremony()
            .view()
            .outgoing()
            .expect("a message to send")
            .json
            .clone()
    }
}

/// A TUI on a key generation's round-1 screen (2-of-3, sealed under "pw"), and the other two
/// participants' sessions.
pub fn dkg(seed: u8) -> (Tui, Vec<hoarfrost::session::Session>) {
    let mut t = Tui::new([seed; 32]);
    t.type_text("g");
    t.type_text("pw");
    t.press(KeyCode::Tab);
    t.type_text("pw");
    t.press(KeyCode::Enter);
    let mut r = super::rng(u64::from(seed));
    let peers = (0..2)
        .map(|i| hoarfrost::session::Session::dkg(2, 3, &format!("p{i}"), &mut r).unwrap())
        .collect();
    (t, peers)
}

/// Replaces `dir` in `text` with a fixed path of the same width.
pub fn mask(text: &str, dir: &Path) -> String {
    let dir = dir.display().to_string();
    let fixed = "/tmp/t";
    let padded = format!(
        "{fixed}{}",
        "_".repeat(dir.chars().count().saturating_sub(fixed.len()))
    );
    text.replace(&dir, &padded)
}

/// Snapshots a screen at 80x24 and 160x48.
#[macro_export]
macro_rules! snap {
    ($name:expr, $tui:expr) => {
        insta::assert_snapshot!(format!("{}_80x24", $name), $tui.render(80, 24));
        insta::assert_snapshot!(format!("{}_160x48", $name), $tui.render(160, 48));
    };
}

/// Pixels of a screen of `cols` x `rows` cells where each cell is two module rows: `dark`
/// says whether a cell's top and bottom halves are dark. `scale` pixels a module.
pub fn paint(
    cols: usize,
    rows: usize,
    scale: usize,
    dark: impl Fn(usize, usize) -> (bool, bool),
) -> (usize, usize, Vec<u8>) {
    let (w, h) = (cols * scale, rows * 2 * scale);
    let mut px = vec![255u8; w * h];
    for y in 0..rows {
        for x in 0..cols {
            let (top, bottom) = dark(x, y);
            for (row, on) in [(2 * y, top), (2 * y + 1, bottom)] {
                if on {
                    for dy in 0..scale {
                        let line = (row * scale + dy) * w;
                        px[line + x * scale..line + (x + 1) * scale].fill(0);
                    }
                }
            }
        }
    }
    (w, h, px)
}

/// Checks a vote signature in pcli's form (what the TUI shows) under `share`'s group key.
pub fn verify_vote_signature(
    text: &str,
    share: &KeyShare,
    body: &penumbra_sdk_governance::ValidatorVoteBody,
) {
    use penumbra_sdk_proto::Message;
    let sig = super::process::decode_signature(text.trim());
    let bytes =
        penumbra_sdk_proto::core::component::governance::v1::ValidatorVoteBody::from(body.clone())
            .encode_to_vec();
    share
        .group()
        .fvk()
        .spend_verification_key()
        .verify(&bytes, &sig)
        .unwrap();
}

/// The request of a vote on `proposal` by `shares[0]`'s key, as its coordinator sends it.
pub fn vote_round1(shares: &[KeyShare], proposal: u64) -> hoarfrost::messages::CoordinatorRound1 {
    hoarfrost::signing::Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        super::vote_request(&shares[0], proposal),
        None,
    )
    .unwrap()
    .1
}

/// Yesterday's reply: `shares[1]`'s FollowerRound1 to another request of the same key.
pub fn stale_reply(shares: &[KeyShare]) -> String {
    use hoarfrost::messages::Codec;
    hoarfrost::signing::Follower::new(shares[1].clone(), vote_round1(shares, 7))
        .unwrap()
        .approve(&mut super::rng(1))
        .unwrap()
        .to_json()
}

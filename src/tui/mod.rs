//! The terminal UI: a front end over the same ceremony sessions as the line mode.
//!
//! Elm architecture with screens as components: [`app`] holds the model (a stack of
//! [`screens`]) and only routes messages to them; each screen owns its state, keys, help bar
//! and drawing; [`effects`] is the work they ask for, run off the UI thread by the runtime.
//!
//! - `app.rs`: the model, `update` (routing only), `draw`, and `settle` for tests;
//! - `effects.rs`: effects and the blocking work (starting sessions exactly as line mode
//!   does, session steps, storing and dealing keys, files, QR frames);
//! - `keymap.rs`: bindings that both dispatch keys and write the help bar;
//! - `theme.rs`: palette (`NO_COLOR`), title and help bars, wrapping that pastes back;
//! - `screens/`: home, keys, form, ceremony (with its review and result panels), qr, notice;
//! - `runtime.rs`: the terminal, the event loop, the effects.

pub mod app;
pub mod effects;
pub mod keymap;
mod runtime;
pub mod screens;
pub mod theme;

use crate::sealed::KdfParams;
use crate::spec::Spec;
use crate::store::Store;

/// The smallest terminal the TUI lays out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Columns the QR screen keeps for its side panel (the code gets the rest).
pub const QR_PANEL: u16 = 32;

/// What the TUI opens on when a ceremony command starts it: that ceremony's form, filled in.
#[derive(Clone, Debug)]
pub struct Start {
    pub spec: Spec,
    /// Whether a new key's share is to be sealed under a passphrase.
    pub encrypt: bool,
}

/// Whether the TUI can run here: stdin and stdout are terminals.
pub fn available() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Runs the TUI until the person quits. Ctrl-C in the middle of a ceremony restores the
/// terminal and exits the process with status 130.
pub fn run(store: Store, start: Option<Start>, kdf: KdfParams) -> anyhow::Result<()> {
    runtime::run(store, start, kdf)
}

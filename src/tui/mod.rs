//! The terminal UI. Being rebuilt on the ceremony sessions (see the git history for the
//! previous version); until then the line mode (`--no-tui`) runs every ceremony.

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

/// Runs the TUI until the person quits.
pub fn run(_store: Store, _start: Option<Start>, _kdf: KdfParams) -> anyhow::Result<()> {
    anyhow::bail!("the terminal UI is being rebuilt: use the line mode (--no-tui)")
}

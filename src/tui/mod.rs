//! The terminal UI: a thin front end over the same sessions and engines as the line mode.
//!
//! Elm architecture: [`app::App`] is the model, [`app::update`] the only way it changes,
//! [`view::draw`] a pure rendering of it. This module is the runtime: it owns the terminal, turns
//! terminal events into messages, and carries out the effects `update` returns. Slow work runs
//! on tokio's blocking pool so rendering never waits for it.

pub mod app;
pub mod form;
pub mod keymap;
pub mod view;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyEventKind,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::ExecutableCommand;
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use self::app::{update, App, Effect, Msg};
use crate::fsutil::{write_atomic, Overwrite};
use crate::store::Store;

/// Puts the terminal back as it was: on exit, on error and on panic.
fn restore_terminal() {
    let mut out = std::io::stdout();
    let _ = out.execute(DisableBracketedPaste);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
    let _ = disable_raw_mode();
}

/// Appends a line to the log file in the store folder: the screen is never used for logs.
fn log(store: &Store, line: &str) {
    let path = store.home().join("hoarfrost.log");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{line}");
    }
}

/// A form to open at start, with values from the command line.
pub type Start = (form::FormKind, Vec<(&'static str, String)>);

/// Whether the TUI can run here: stdin and stdout are terminals.
pub fn available() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Runs the TUI until the person quits.
pub fn run(
    store: Store,
    start: Option<Start>,
    kdf: crate::sealed::KdfParams,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        available(),
        "the terminal UI needs a terminal; for scripts use the line mode (--no-tui), see --help"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    install_panic_hook(store.home().join("hoarfrost.log"));
    let terminal = TerminalGuard::enter()?;
    let result = runtime.block_on(event_loop(&store, start, kdf));
    drop(terminal);
    result
}

/// Whether the terminal is in the UI's state (raw mode, alternate screen).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The terminal in the UI's state; dropping it (on return, on an error, while unwinding) puts
/// it back, so no path out of [`run`] leaves a raw terminal behind.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> anyhow::Result<Self> {
        // Made first: if a step below fails, dropping it undoes the steps before.
        let guard = TerminalGuard;
        ACTIVE.store(true, Ordering::SeqCst);
        enable_raw_mode()?;
        let mut stdout = std::io::stdout();
        stdout.execute(EnterAlternateScreen)?;
        stdout.execute(EnableBracketedPaste)?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ACTIVE.store(false, Ordering::SeqCst);
        restore_terminal();
    }
}

/// A panic while the UI runs is a bug: the terminal is restored, the panic logged and printed
/// on the restored screen, and the program ends (a panic on a worker thread would otherwise
/// leave a UI running on a terminal that is no longer its own). Panics contained at the decode
/// boundary ([`crate::contain`]) are refusals of a message: this hook leaves them alone.
fn install_panic_hook(log: PathBuf) {
    crate::contain::install_quiet_hook();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::contain::is_containing() || !ACTIVE.swap(false, Ordering::SeqCst) {
            return previous(info);
        }
        restore_terminal();
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
        {
            let _ = writeln!(f, "panic: {info}");
        }
        previous(info);
        std::process::exit(101);
    }));
}

async fn event_loop(
    store: &Store,
    start: Option<Start>,
    kdf: crate::sealed::KdfParams,
) -> anyhow::Result<()> {
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let events = tx.clone();
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        // Eight ticks a second: QR animation runs at 1, 2, 4 or 8 frames a second.
        let mut ticks = tokio::time::interval(Duration::from_millis(125));
        loop {
            let msg = tokio::select! {
                event = stream.next() => match event {
                    Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                    Some(Ok(Event::Paste(text))) => Msg::Paste(text),
                    Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                    Some(Ok(_)) => continue,
                    _ => break,
                },
                _ = ticks.tick() => Msg::Tick,
            };
            if events.send(msg).is_err() {
                break;
            }
        }
    });
    let mut seed = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut app = App::new(store.home().display().to_string(), no_color, seed, kdf);
    let size = terminal.size()?;
    let mut pending = update(&mut app, Msg::Resize(size.width, size.height));
    // Keys first, so a form opened from the command line can offer them.
    update(&mut app, Msg::KeysLoaded(load_keys(store)));
    if let Some((kind, values)) = start {
        app.open_prefilled(kind, &values);
    }
    loop {
        for effect in pending.drain(..) {
            execute(effect, store, &tx);
        }
        if app.quit {
            break;
        }
        // Synchronized update: a camera or eye never sees half a frame.
        terminal
            .backend_mut()
            .execute(crossterm::terminal::BeginSynchronizedUpdate)?;
        terminal.draw(|frame| view::draw(frame, &app))?;
        terminal
            .backend_mut()
            .execute(crossterm::terminal::EndSynchronizedUpdate)?;
        let Some(msg) = rx.recv().await else { break };
        pending = update(&mut app, msg);
    }
    Ok(())
}

/// Carries out one effect; results come back to `update` as messages.
fn execute(effect: Effect, store: &Store, tx: &mpsc::UnboundedSender<Msg>) {
    let send = |msg| {
        let _ = tx.send(msg);
    };
    match effect {
        Effect::Quit => {}
        Effect::LoadKeys => send(Msg::KeysLoaded(load_keys(store))),
        Effect::ReadFile { path, purpose } => {
            let result = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"));
            send(Msg::FileLoaded { purpose, result });
        }
        Effect::Compute(job) => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(job());
            });
        }
        Effect::Clipboard(text) => {
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            let mut out = std::io::stdout();
            let _ = write!(out, "\x1b]52;c;{encoded}\x07");
            let _ = out.flush();
        }
        Effect::SaveText { path, text, what } => {
            let result = write_atomic(&path, text.as_bytes(), Overwrite::WithBackup)
                .map(|()| absolute(&path))
                .map_err(|e| e.to_string());
            if let Err(e) = &result {
                log(store, &format!("saving {what}: {e}"));
            }
            send(Msg::Saved { what, result });
        }
        Effect::StoreKey {
            name,
            key,
            passphrase,
            kdf,
        } => {
            // Sealing runs Argon2id: off the UI thread.
            let tx = tx.clone();
            let home = store.home().to_path_buf();
            tokio::task::spawn_blocking(move || {
                let result = (|| -> anyhow::Result<String> {
                    let store = Store::open(Some(&home))?;
                    let mut key = *key;
                    if let Some(p) = &passphrase {
                        key.material =
                            key.material
                                .seal(p.as_bytes(), kdf, &mut rand_core::OsRng)?;
                    }
                    Ok(store.save(&name, &key)?.display().to_string())
                })()
                .map_err(|e| format!("{e:#}"));
                let _ = tx.send(Msg::Saved {
                    what: format!("key \"{name}\""),
                    result,
                });
            });
        }
        Effect::DecodeImage(path) => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let msg = std::fs::read(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))
                    .and_then(|bytes| crate::transport::qr::decode_image(&bytes))
                    .map(|texts| Msg::Paste(texts.join("\n")))
                    .unwrap_or_else(|e| Msg::ImageFailed(format!("{}: {e}", path.display())));
                let _ = tx.send(msg);
            });
        }
        Effect::Deal {
            threshold,
            participants,
            folder,
            passphrase,
            kdf,
        } => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let protect = |m: crate::keyfile::KeyMaterial| -> anyhow::Result<_> {
                    Ok(match &passphrase {
                        Some(p) => m.seal(p.as_bytes(), kdf, &mut rand_core::OsRng)?,
                        None => m,
                    })
                };
                let result = crate::store::deal_to_folder(
                    threshold,
                    participants,
                    Path::new(&folder),
                    &protect,
                )
                .map_err(|e| format!("{e:#}"));
                let _ = tx.send(Msg::Dealt(result));
            });
        }
    }
}

fn load_keys(store: &Store) -> Vec<(String, Result<crate::keyfile::StoredKey, String>)> {
    store
        .all()
        .unwrap_or_default()
        .into_iter()
        .map(|(n, k)| (n, k.map_err(|e| format!("{e:#}"))))
        .collect()
}

fn absolute(path: &Path) -> String {
    std::env::current_dir()
        .map(|d| d.join(path))
        .unwrap_or_else(|_| PathBuf::from(path))
        .display()
        .to_string()
}

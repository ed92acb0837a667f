//! The runtime: owns the terminal, turns terminal events into messages, draws, and carries
//! out the effects `update` returns. Blocking work runs on tokio's blocking pool, so no key
//! press waits for cryptography, key derivation or files.

use std::io::Write;
use std::path::Path;
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

use super::app::{draw, update, App, Effect, Exit, Msg};
use super::effects::load_keys;
use super::Start;
use crate::sealed::KdfParams;
use crate::store::Store;

/// Puts the terminal back as it was: on exit, on error and on panic.
fn restore_terminal() {
    let mut out = std::io::stdout();
    let _ = out.execute(DisableBracketedPaste);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
    let _ = disable_raw_mode();
}

/// Appends a line to `hoarfrost.log` in the store folder, dated. The screen is never used for
/// logs, and nothing secret is ever given to this.
fn log(home: &Path, line: &str) {
    let _ = std::fs::create_dir_all(home);
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(home.join("hoarfrost.log"))
    {
        let _ = writeln!(file, "{} {line}", crate::journal::now());
    }
}

pub fn run(store: Store, start: Option<Start>, kdf: KdfParams) -> anyhow::Result<()> {
    anyhow::ensure!(
        super::available(),
        "the terminal UI needs a terminal; for scripts use the line mode (--no-tui), see --help"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // A panic contained at the decoding edge becomes a refusal and must not touch the screen;
    // any other restores the terminal first, so the message is readable and the shell usable.
    crate::contain::install_quiet_hook();
    let hook = std::panic::take_hook();
    let home = store.home().to_path_buf();
    let panic_home = home.clone();
    std::panic::set_hook(Box::new(move |info| {
        if crate::contain::is_containing() {
            return hook(info);
        }
        restore_terminal();
        log(&panic_home, &format!("panic: {info}"));
        hook(info);
    }));
    // crossterm drops every colour when NO_COLOR is set, which would blank the QR codes'
    // explicit black and white; the rest of the UI honours NO_COLOR by itself.
    crossterm::style::force_color_output(true);
    enable_raw_mode()?;
    let mut stdout = std::io::stdout();
    stdout.execute(EnterAlternateScreen)?;
    stdout.execute(EnableBracketedPaste)?;
    let result = runtime.block_on(event_loop(&store, start, kdf));
    restore_terminal();
    // Work still running (a key derivation) is not waited for.
    runtime.shutdown_background();
    match result? {
        Exit::Quit => Ok(()),
        Exit::Interrupted => {
            log(&home, "interrupted (Ctrl-C) in the middle of a ceremony");
            eprintln!("interrupted: the ceremony was abandoned");
            std::process::exit(130)
        }
    }
}

async fn event_loop(store: &Store, start: Option<Start>, kdf: KdfParams) -> anyhow::Result<Exit> {
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
    let mut app = App::new(store.clone(), no_color, seed, kdf);
    let size = terminal.size()?;
    let mut pending = update(&mut app, Msg::Resize(size.width, size.height));
    // The keys first, so a form opened from the command line can offer them.
    pending.extend(update(&mut app, Msg::KeysLoaded(load_keys(store))));
    if let Some(start) = start {
        app.open(&start);
    }
    loop {
        for effect in pending.drain(..) {
            execute(effect, store, &tx);
        }
        if let Some(exit) = app.exit() {
            return Ok(exit);
        }
        // Synchronized update: a camera or an eye never sees half a frame.
        terminal
            .backend_mut()
            .execute(crossterm::terminal::BeginSynchronizedUpdate)?;
        terminal.draw(|frame| draw(frame, &app))?;
        terminal
            .backend_mut()
            .execute(crossterm::terminal::EndSynchronizedUpdate)?;
        let Some(msg) = rx.recv().await else {
            return Ok(Exit::Quit);
        };
        pending = update(&mut app, msg);
    }
}

/// Carries out one effect; results come back to `update` as messages.
fn execute(effect: Effect, store: &Store, tx: &mpsc::UnboundedSender<Msg>) {
    match effect {
        Effect::Work { screen, work } => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::Job(screen, work.perform()));
            });
        }
        Effect::LoadKeys => {
            let tx = tx.clone();
            let store = store.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::KeysLoaded(load_keys(&store)));
            });
        }
        Effect::Clipboard(text) => {
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            let mut out = std::io::stdout();
            let _ = write!(out, "\x1b]52;c;{encoded}\x07");
            let _ = out.flush();
        }
        Effect::Log(line) => log(store.home(), &line),
    }
}

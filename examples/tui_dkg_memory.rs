//! Peak memory of one participant's TUI through a whole 5-of-7 key generation (the other six
//! run the engine directly), every screen drawn at 80x24 and every piece of work run as the
//! runtime would. Prints VmHWM from /proc.
//! Run: cargo run --release --example tui_dkg_memory

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoarfrost::dkg::{Dkg, DkgRound1, DkgRound2};
use hoarfrost::messages::Codec;
use hoarfrost::tui::app::{draw, settle, update, App, Msg};
use hoarfrost::tui::screens::ceremony::Ceremony;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn run(app: &mut App, msg: Msg, terminal: &mut Terminal<TestBackend>) {
    let effects = update(app, msg);
    settle(app, effects);
    terminal.draw(|f| draw(f, app)).unwrap();
}

/// The newest message the TUI's ceremony shows to send.
fn outgoing(app: &App) -> String {
    let c = app
        .top()
        .as_any()
        .downcast_ref::<Ceremony>()
        .expect("in the ceremony");
    c.view().outgoing().unwrap().json.clone()
}

fn main() {
    let before = peak_kib();
    let dir = tempfile::tempdir().unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let store = hoarfrost::store::Store::open(Some(dir.path()))
        .expect("a store")
        .with_state(dir.path().join("state"));
    let mut app = App::new(
        store,
        false,
        [5; 32],
        hoarfrost::sealed::KdfParams::with_memory_mib(64).unwrap(),
    );
    let key = |c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    // A 5-of-7 key generation, unencrypted (no Argon2 in the measurement): from the
    // passphrase field, Encrypt no, then n and t.
    let keys = [
        KeyCode::Char('g'),
        KeyCode::Up,
        KeyCode::Left,
        KeyCode::Up,
        KeyCode::Up,
        KeyCode::Backspace,
        KeyCode::Char('7'),
        KeyCode::Up,
        KeyCode::Backspace,
        KeyCode::Char('5'),
        KeyCode::Enter,
    ];
    for c in keys {
        run(&mut app, key(c), &mut terminal);
    }
    let mine = outgoing(&app);
    let mut r = ChaCha20Rng::seed_from_u64(3);
    let mut peers: Vec<(Dkg, DkgRound1)> =
        (0..6).map(|_| Dkg::new(5, 7, &mut r).unwrap()).collect();
    let round1: Vec<String> = peers.iter().map(|(_, m)| m.to_json()).collect();
    for (i, (d, _)) in peers.iter_mut().enumerate() {
        d.accept_round1(DkgRound1::from_json(&mine).unwrap())
            .unwrap();
        for (j, m) in round1.iter().enumerate() {
            if i != j {
                d.accept_round1(DkgRound1::from_json(m).unwrap()).unwrap();
            }
        }
    }
    run(&mut app, Msg::Paste(round1.join("\n")), &mut terminal);
    run(&mut app, key(KeyCode::Char('y')), &mut terminal);
    let mine2 = outgoing(&app);
    let round2: Vec<String> = peers
        .iter_mut()
        .map(|(d, _)| d.start_round2(&mut r).unwrap().to_json())
        .collect();
    for (i, (d, _)) in peers.iter_mut().enumerate() {
        d.accept_round2(DkgRound2::from_json(&mine2).unwrap())
            .unwrap();
        for (j, m) in round2.iter().enumerate() {
            if i != j {
                d.accept_round2(DkgRound2::from_json(m).unwrap()).unwrap();
            }
        }
    }
    run(&mut app, Msg::Paste(round2.join("\n")), &mut terminal);
    let c = app.top().as_any().downcast_ref::<Ceremony>().unwrap();
    assert!(
        matches!(c.view().stage, hoarfrost::session::Stage::Done(_)),
        "the key generation did not finish"
    );
    println!(
        "peak memory (VmHWM): {} KiB at start, {} KiB after a 5-of-7 DKG in the TUI",
        before,
        peak_kib()
    );
}

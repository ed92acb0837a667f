//! Peak memory of one participant's TUI through a whole 5-of-7 key generation (the other six
//! run the engine directly), every screen drawn at 80x24. Prints VmHWM from /proc.
//! Run: cargo run --release --example tui_dkg_memory

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoarfrost::dkg::{Dkg, DkgRound1, DkgRound2};
use hoarfrost::tui::app::{update, App, Effect, Msg, Screen};
use hoarfrost::tui::view;
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
    let mut effects = update(app, msg);
    while let Some(effect) = effects.pop() {
        if let Effect::Compute(job) = effect {
            effects.extend(update(app, job()));
        }
    }
    terminal.draw(|f| view::draw(f, app)).unwrap();
}

fn main() {
    let before = peak_kib();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut app = App::new(
        "/tmp/hoarfrost-memory".into(),
        false,
        [5; 32],
        hoarfrost::sealed::KdfParams::with_memory_mib(64).unwrap(),
    );
    let key = |c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    // A 5-of-7 key generation, unencrypted (no Argon2 in the measurement).
    let keys = [
        KeyCode::Char('g'),
        KeyCode::Backspace,
        KeyCode::Char('5'),
        KeyCode::Tab,
        KeyCode::Backspace,
        KeyCode::Char('7'),
        KeyCode::Tab,
        KeyCode::Tab,
        KeyCode::Right,
        KeyCode::Enter,
    ];
    for c in keys {
        run(&mut app, key(c), &mut terminal);
    }
    let Screen::Ceremony(c) = &app.screen else {
        panic!("not in the ceremony")
    };
    let mine = c.view.outgoing.as_ref().unwrap().json.clone();
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
    let Screen::Ceremony(c) = &app.screen else {
        panic!()
    };
    let mine2 = c.view.outgoing.as_ref().unwrap().json.clone();
    let round2: Vec<String> = peers
        .iter_mut()
        .map(|(d, _)| d.start_round2(&mut r).unwrap().to_json())
        .collect();
    for (i, (d, _)) in peers.iter_mut().enumerate() {
        d.accept_round2(DkgRound2::from_json(&mine2).unwrap(), &mut r)
            .unwrap();
        for (j, m) in round2.iter().enumerate() {
            if i != j {
                d.accept_round2(DkgRound2::from_json(m).unwrap(), &mut r)
                    .unwrap();
            }
        }
    }
    run(&mut app, Msg::Paste(round2.join("\n")), &mut terminal);
    let Screen::Ceremony(c) = &app.screen else {
        panic!()
    };
    assert!(
        matches!(c.view.stage, hoarfrost::session::Stage::Done(_)),
        "the key generation did not finish"
    );
    println!(
        "peak memory (VmHWM): {} KiB at start, {} KiB after a 5-of-7 DKG in the TUI",
        before,
        peak_kib()
    );
}

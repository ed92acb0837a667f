//! Interface: the time to render each screen (with and without an animated QR code) at 80x24
//! and 200x60, and to accept a 20 KB paste of several messages.
//! Run: cargo bench --bench interface

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoarfrost::dkg::Dkg;
use hoarfrost::keyfile::{KeyMaterial, StoredKey};
use hoarfrost::tui::app::{update, App, Msg};
use hoarfrost::tui::view;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn app() -> App {
    let mut app = App::new(
        "/tmp/hoarfrost-bench".into(),
        false,
        [9; 32],
        hoarfrost::sealed::KdfParams::with_memory_mib(64).unwrap(),
    );
    let mut r = ChaCha20Rng::seed_from_u64(1);
    let shares = hoarfrost::keys::deal(&mut r, 2, 3).unwrap();
    update(
        &mut app,
        Msg::KeysLoaded(vec![(
            "identity".into(),
            Ok(StoredKey {
                name: None,
                material: KeyMaterial::Share(shares[0].clone()),
                transcript_fingerprint: None,
            }),
        )]),
    );
    app
}

fn key(app: &mut App, code: KeyCode) {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Replaces the focused field's text.
fn type_into(app: &mut App, text: &str) {
    for _ in 0..12 {
        key(app, KeyCode::Backspace);
    }
    for ch in text.chars() {
        key(app, KeyCode::Char(ch));
    }
}

/// An app in a 2-of-3 key generation, round 1 shown.
fn in_dkg() -> App {
    let mut app = app();
    key(&mut app, KeyCode::Char('g'));
    for _ in 0..2 {
        key(&mut app, KeyCode::Tab);
    }
    for _ in 0..8 {
        key(&mut app, KeyCode::Backspace);
    }
    for c in "bench".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Enter);
    app
}

fn render(c: &mut Criterion) {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut home = app();
        update(&mut home, Msg::Resize(w, h));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        c.bench_function(&format!("render_home_{w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| view::draw(f, &home)).unwrap();
            })
        });
        let mut dkg = in_dkg();
        update(&mut dkg, Msg::Resize(w, h));
        c.bench_function(&format!("render_ceremony_{w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| view::draw(f, &dkg)).unwrap();
            })
        });
        key(&mut dkg, KeyCode::Tab);
        key(&mut dkg, KeyCode::Char('q'));
        c.bench_function(&format!("render_qr_frame_{w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| view::draw(f, &dkg)).unwrap();
            })
        });
        // The next animated frame: the update that encodes the next part as a QR code, then
        // its drawing (at most 8 times a second).
        c.bench_function(&format!("next_animated_qr_frame_{w}x{h}"), |b| {
            b.iter(|| {
                key(&mut dkg, KeyCode::Char('n'));
                terminal.draw(|f| view::draw(f, &dkg)).unwrap();
            })
        });
    }
}

/// A paste of about 20 KB: many DKG round-1 messages of a large ceremony, all processed.
fn paste(c: &mut Criterion) {
    let mut r = ChaCha20Rng::seed_from_u64(2);
    let n = 40u16;
    let messages: Vec<String> = (0..n - 1)
        .map(|_| Dkg::new(27, n, &mut r).unwrap().1.to_json())
        .collect();
    let text = messages.join("\n");
    assert!(text.len() >= 20_000, "{}", text.len());
    c.bench_function("accept_20kb_paste", |b| {
        b.iter_batched(
            || {
                // A 27-of-40 key generation named "bench", unencrypted.
                let mut app = app();
                key(&mut app, KeyCode::Char('g'));
                type_into(&mut app, "27");
                key(&mut app, KeyCode::Tab);
                type_into(&mut app, &n.to_string());
                key(&mut app, KeyCode::Tab);
                type_into(&mut app, "bench");
                key(&mut app, KeyCode::Tab);
                key(&mut app, KeyCode::Right);
                key(&mut app, KeyCode::Enter);
                assert!(matches!(
                    app.screen,
                    hoarfrost::tui::app::Screen::Ceremony(_)
                ));
                app
            },
            |mut app| {
                update(&mut app, Msg::Paste(text.clone()));
                let hoarfrost::tui::app::Screen::Ceremony(c) = &app.screen else {
                    panic!()
                };
                // Every message accepted, round 1 complete and round 2 under way.
                assert!(c.feedback.iter().all(|f| f.ok) && c.view.round == 2);
            },
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, render, paste);
criterion_main!(benches);

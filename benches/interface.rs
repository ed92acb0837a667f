//! Interface: the time to draw each screen (with and without an animated QR code) at 80x24 and
//! 200x60; what a key press costs on the UI thread while the next QR frame and a large paste
//! are worked on off it; and that off-thread work itself.
//! Run: cargo bench --bench interface

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoarfrost::dkg::Dkg;
use hoarfrost::keyfile::{KeyMaterial, StoredKey};
use hoarfrost::store::Store;
use hoarfrost::tui::app::{draw, settle, update, App, Effect, Msg};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// A TUI on a store (in a temporary folder) holding one key.
fn app(dir: &tempfile::TempDir) -> App {
    let mut r = ChaCha20Rng::seed_from_u64(1);
    let shares = hoarfrost::keys::deal(&mut r, 2, 3).unwrap();
    let store = Store::open(Some(dir.path())).unwrap();
    // Several apps share the folder: the key is stored once.
    let _ = store.save(
        "identity",
        &StoredKey {
            name: None,
            material: KeyMaterial::Share(shares[0].clone()),
            transcript_fingerprint: None,
        },
    );
    let store = hoarfrost::store::Store::open(Some(dir.path()))
        .expect("a store")
        .with_state(dir.path().join("state"));
    let mut app = App::new(
        store,
        false,
        [9; 32],
        hoarfrost::sealed::KdfParams::with_memory_mib(64).unwrap(),
    );
    settle(&mut app, vec![Effect::LoadKeys]);
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    );
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// An app in a t-of-n key generation (unencrypted), round 1 shown.
fn in_dkg(dir: &tempfile::TempDir, t: u16, n: u16) -> App {
    let mut app = app(dir);
    key(&mut app, KeyCode::Char('g'));
    // From the passphrase: Encrypt no, then the name, n and t.
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Up);
    ctrl(&mut app, 'u');
    type_text(&mut app, "bench");
    key(&mut app, KeyCode::Up);
    ctrl(&mut app, 'u');
    type_text(&mut app, &n.to_string());
    key(&mut app, KeyCode::Up);
    ctrl(&mut app, 'u');
    type_text(&mut app, &t.to_string());
    let effects = key(&mut app, KeyCode::Enter);
    settle(&mut app, effects);
    assert!(app.top().title(&app.ctx).starts_with("Key generation"));
    app
}

fn render(c: &mut Criterion) {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let dir = tempfile::tempdir().unwrap();
        let mut home = app(&dir);
        update(&mut home, Msg::Resize(w, h));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        c.bench_function(&format!("render_home_{w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| draw(f, &home)).unwrap();
            })
        });
        let mut dkg = in_dkg(&dir, 2, 3);
        update(&mut dkg, Msg::Resize(w, h));
        c.bench_function(&format!("render_ceremony_{w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| draw(f, &dkg)).unwrap();
            })
        });
        let effects = key(&mut dkg, KeyCode::Char('q'));
        settle(&mut dkg, effects);
        c.bench_function(&format!("render_qr_frame_{w}x{h}"), |b| {
            b.iter(|| {
                terminal.draw(|f| draw(f, &dkg)).unwrap();
            })
        });
        // The next animated frame on the UI thread: the frame encoded ahead of time is shown
        // (update) and drawn; the encoding of the one after it goes out as work, done here
        // outside the timing, as the blocking pool does it meanwhile.
        let mut pending: Vec<Effect> = vec![];
        c.bench_function(&format!("next_animated_qr_frame_{w}x{h}"), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    settle(&mut dkg, std::mem::take(&mut pending));
                    let start = Instant::now();
                    pending = key(&mut dkg, KeyCode::Char('n'));
                    terminal.draw(|f| draw(f, &dkg)).unwrap();
                    spent += start.elapsed();
                }
                spent
            })
        });
        // That encoding itself, off the UI thread.
        settle(&mut dkg, std::mem::take(&mut pending));
        c.bench_function(&format!("encode_next_qr_frame_off_thread_{w}x{h}"), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let effects = key(&mut dkg, KeyCode::Char('n'));
                    for effect in effects {
                        if let Effect::Work { screen, work } = effect {
                            let start = Instant::now();
                            let result = work.perform();
                            spent += start.elapsed();
                            update(&mut dkg, Msg::Job(screen, result));
                        }
                    }
                }
                spent
            })
        });
    }
}

/// A paste of about 20 KB: the round-1 messages of a 27-of-40 key generation.
fn paste(c: &mut Criterion) {
    let mut r = ChaCha20Rng::seed_from_u64(2);
    let n = 40u16;
    let messages: Vec<String> = (0..n - 1)
        .map(|_| hoarfrost::messages::Codec::to_json(&Dkg::new(27, n, &mut r).unwrap().1))
        .collect();
    let text = messages.join("\n");
    assert!(text.len() >= 20_000, "{}", text.len());
    let dir = tempfile::tempdir().unwrap();
    // On the UI thread: the paste handed to the session's work, then a key press meanwhile.
    c.bench_function("accept_20kb_paste_ui_thread", |b| {
        b.iter_batched(
            || in_dkg(&dir, 27, n),
            |mut app| {
                let effects = update(&mut app, Msg::Paste(text.clone()));
                assert!(matches!(effects.as_slice(), [Effect::Work { .. }]));
                key(&mut app, KeyCode::Char('c'));
                (app, effects)
            },
            criterion::BatchSize::SmallInput,
        )
    });
    // Back on the UI thread: the session's return (39 log lines, the fingerprint to confirm).
    c.bench_function("accept_20kb_paste_result_ui_thread", |b| {
        b.iter_batched(
            || {
                let mut app = in_dkg(&dir, 27, n);
                let mut effects = update(&mut app, Msg::Paste(text.clone()));
                let Some(Effect::Work { screen, work }) = effects.pop() else {
                    panic!("the paste goes out as work")
                };
                let result = work.perform();
                (app, screen, result)
            },
            |(mut app, screen, result)| {
                let effects = update(&mut app, Msg::Job(screen, result));
                (app, effects)
            },
            criterion::BatchSize::SmallInput,
        )
    });
    // Off the UI thread: the session takes the 39 messages and, round 1 complete, shows the
    // fingerprint.
    let mut group = c.benchmark_group("paste_work");
    group.sample_size(10);
    group.bench_function("accept_20kb_paste_off_thread", |b| {
        b.iter_batched(
            || {
                let mut app = in_dkg(&dir, 27, n);
                let effects = update(&mut app, Msg::Paste(text.clone()));
                (app, effects)
            },
            |(mut app, effects)| {
                settle(&mut app, effects);
                assert!(app.top().help(&app.ctx).iter().any(|(k, _)| *k == "y"));
                app
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, render, paste);
criterion_main!(benches);

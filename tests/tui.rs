//! The TUI's update function as pure state transitions, and snapshots of every screen at 80x24
//! and 160x48 (ratatui's TestBackend, insta).

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoarfrost::dkg::Dkg;
use hoarfrost::keyfile::{KeyMaterial, StoredKey};
use hoarfrost::signing::Follower;
use hoarfrost::tui::app::{update, App, Effect, Msg, Screen};
use hoarfrost::tui::view;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

/// Snapshots a screen at both sizes.
fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), render(app, 160, 48));
}

fn light() -> hoarfrost::sealed::KdfParams {
    hoarfrost::sealed::KdfParams::with_memory_mib(64).unwrap()
}

/// Journals kept in memory (shared by every key of the app), so tests write no files.
struct MemoryGuard(std::sync::Arc<std::sync::Mutex<hoarfrost::journal::Journal>>);

impl hoarfrost::session::SignGuard for MemoryGuard {
    fn check(
        &self,
        request: &hoarfrost::request::SigningRequest,
        bytes: &[u8],
    ) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .check(request, bytes)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    fn record(
        &mut self,
        request: &hoarfrost::request::SigningRequest,
        bytes: &[u8],
    ) -> Result<(), String> {
        let mut j = self.0.lock().unwrap();
        j.check(request, bytes).map_err(|e| e.to_string())?;
        j.record(request, bytes, "2026-11-21T08:00:00Z");
        Ok(())
    }
}

fn memory_guards() -> hoarfrost::session::GuardOpener {
    let journal: std::sync::Arc<
        std::sync::Mutex<Option<std::sync::Arc<std::sync::Mutex<hoarfrost::journal::Journal>>>>,
    > = Default::default();
    std::sync::Arc::new(move |_name: &str, group: &hoarfrost::keys::GroupKey| {
        let mut slot = journal.lock().unwrap();
        let shared = slot
            .get_or_insert_with(|| {
                std::sync::Arc::new(std::sync::Mutex::new(hoarfrost::journal::Journal::new(
                    group,
                )))
            })
            .clone();
        Ok(Box::new(MemoryGuard(shared)) as Box<dyn hoarfrost::session::SignGuard>)
    })
}

fn new_app() -> App {
    let mut app = App::new(
        "/home/ada/.local/share/hoarfrost".into(),
        false,
        [7; 32],
        light(),
    );
    app.guards = memory_guards();
    app
}

fn stored(share: hoarfrost::keys::KeyShare, fingerprint: Option<&str>) -> StoredKey {
    StoredKey {
        name: None,
        material: KeyMaterial::Share(share),
        transcript_fingerprint: fingerprint.map(str::to_string),
    }
}

fn app_with_keys() -> (
    App,
    Vec<hoarfrost::keys::KeyShare>,
    Vec<hoarfrost::keys::KeyShare>,
) {
    let identity = dealt(2, 3, 11);
    let governance = dealt(2, 3, 12);
    let mut app = new_app();
    update(
        &mut app,
        Msg::KeysLoaded(vec![
            (
                "governance".into(),
                Ok(stored(
                    governance[0].clone(),
                    Some("QT97-2Z0T-H1ZD-33QN-XPPV"),
                )),
            ),
            ("identity".into(), Ok(stored(identity[0].clone(), None))),
        ]),
    );
    (app, identity, governance)
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn chars(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Runs effects the way the runtime would, for the ones a test can run in memory.
fn run_effects(app: &mut App, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Compute(job) => {
                let msg = job();
                let more = update(app, msg);
                run_effects(app, more);
            }
            Effect::StoreKey { name, .. } => {
                update(
                    app,
                    Msg::Saved {
                        what: format!("key \"{name}\""),
                        result: Ok(format!("/home/ada/.local/share/hoarfrost/keys/{name}.toml")),
                    },
                );
            }
            _ => {}
        }
    }
}

fn ceremony_text(app: &App) -> String {
    match &app.screen {
        Screen::Ceremony(c) => c.view.outgoing.as_ref().unwrap().json.clone(),
        _ => panic!("not in a ceremony"),
    }
}

#[test]
fn home_screens() {
    snap("home_empty", &new_app());
    let (mut app, _, _) = app_with_keys();
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    snap("home_keys", &app);
    let mut tiny = new_app();
    update(&mut tiny, Msg::Resize(60, 20));
    insta::assert_snapshot!("too_small_60x20", render(&tiny, 60, 20));
}

#[test]
fn every_form() {
    for (hotkey, name) in [
        ('g', "form_dkg"),
        ('d', "form_deal"),
        ('f', "form_follow"),
        ('v', "form_definition"),
        ('o', "form_vote"),
        ('t', "form_transaction"),
        ('c', "form_check"),
    ] {
        let (mut app, _, _) = app_with_keys();
        key(&mut app, KeyCode::Char(hotkey));
        assert!(matches!(app.screen, Screen::Form(_)), "{name}");
        snap(name, &app);
        key(&mut app, KeyCode::Esc);
        assert!(matches!(app.screen, Screen::Home));
    }
}

#[test]
fn form_refusals_keep_the_form() {
    let (mut app, _, _) = app_with_keys();
    key(&mut app, KeyCode::Char('g'));
    // The default name "identity" is taken.
    key(&mut app, KeyCode::Enter);
    let Screen::Form(form) = &app.screen else {
        panic!()
    };
    assert!(form.error.as_deref().unwrap().contains("already exists"));
    snap("form_dkg_error", &app);
    // Coordinating without keys is refused on the home screen.
    let mut empty = new_app();
    key(&mut empty, KeyCode::Char('v'));
    assert!(matches!(empty.screen, Screen::Home));
    assert!(empty.status.as_deref().unwrap().contains("no keys yet"));
}

#[test]
fn dkg_through_the_tui() {
    let (mut app, _, _) = app_with_keys();
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    for _ in 0..8 {
        key(&mut app, KeyCode::Backspace);
    }
    chars(&mut app, "cold");
    // Encryption is on by default: a passphrase is required, twice, the same.
    key(&mut app, KeyCode::Enter);
    let Screen::Form(form) = &app.screen else {
        panic!()
    };
    assert!(form
        .error
        .as_deref()
        .unwrap()
        .contains("Passphrase: required"));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    chars(&mut app, "frost bite");
    key(&mut app, KeyCode::Tab);
    chars(&mut app, "frost bit");
    key(&mut app, KeyCode::Enter);
    let Screen::Form(form) = &app.screen else {
        panic!()
    };
    assert!(form.error.as_deref().unwrap().contains("differ"));
    snap("form_dkg_passphrase", &app);
    chars(&mut app, "e");
    key(&mut app, KeyCode::Enter);
    snap("dkg_round1", &app);
    let mine = ceremony_text(&app);
    let mut r = rng(5);
    let mut others: Vec<Dkg> = Vec::new();
    let mut round1 = vec![mine];
    for _ in 0..2 {
        let (d, m) = Dkg::new(2, 3, &mut r).unwrap();
        others.push(d);
        round1.push(m.to_json());
    }
    // Garbage and one's own message, pasted with one good message, change nothing else.
    update(
        &mut app,
        Msg::Paste(format!("hello\n{}\n{}", round1[0], round1[1])),
    );
    snap("dkg_round1_feedback", &app);
    update(&mut app, Msg::Paste(round1[2].clone()));
    snap("dkg_round2", &app);
    let mine2 = ceremony_text(&app);
    for (i, d) in others.iter_mut().enumerate() {
        for (j, m) in round1.iter().enumerate() {
            if j != i + 1 {
                d.accept_round1(hoarfrost::dkg::DkgRound1::from_json(m).unwrap())
                    .unwrap();
            }
        }
    }
    let round2: Vec<String> = others
        .iter_mut()
        .map(|d| d.start_round2(&mut r).unwrap().to_json())
        .collect();
    let effects = update(
        &mut app,
        Msg::Paste(format!("{}\n\n{}", round2[0], round2[1])),
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::Compute(_))));
    // The finished key is stored sealed under the passphrase typed in the form.
    let mut stored_with = None;
    for effect in effects {
        if let Effect::Compute(job) = effect {
            let more = update(&mut app, job());
            for e in &more {
                if let Effect::StoreKey { passphrase, .. } = e {
                    stored_with = passphrase.as_ref().map(|p| p.to_string());
                }
            }
            run_effects(&mut app, more);
        }
    }
    assert_eq!(stored_with.as_deref(), Some("frost bite"));
    snap("dkg_done", &app);
    // The other two finish with the same key.
    let mut identities = Vec::new();
    for (i, d) in others.iter_mut().enumerate() {
        d.accept_round2(
            hoarfrost::dkg::DkgRound2::from_json(&mine2).unwrap(),
            &mut r,
        )
        .unwrap();
        d.accept_round2(
            hoarfrost::dkg::DkgRound2::from_json(&round2[1 - i]).unwrap(),
            &mut r,
        )
        .unwrap();
        identities.push(d.finish().unwrap().share.group().identity_key());
    }
    let Screen::Ceremony(c) = &app.screen else {
        panic!()
    };
    let hoarfrost::session::Stage::Done(hoarfrost::session::Outcome::Generated { output, .. }) =
        &c.view.stage
    else {
        panic!()
    };
    assert_eq!(identities[0], output.share.group().identity_key());
    assert_eq!(identities[1], output.share.group().identity_key());
}

#[test]
fn coordinating_a_vote_through_the_tui() {
    let (mut app, _, governance) = app_with_keys();
    key(&mut app, KeyCode::Char('o'));
    key(&mut app, KeyCode::Tab);
    chars(&mut app, "42");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right); // no
    key(&mut app, KeyCode::Tab);
    chars(&mut app, "not yet");
    key(&mut app, KeyCode::Enter);
    snap("coordinator_round1", &app);
    // The same message as QR codes, then back to the text.
    key(&mut app, KeyCode::Char('q'));
    snap("coordinator_round1_qr", &app);
    key(&mut app, KeyCode::Char('t'));
    let round1 = hoarfrost::messages::CoordinatorRound1::from_json(&ceremony_text(&app)).unwrap();
    let mut follower = Follower::new(governance[1].clone(), round1).unwrap();
    let mut r = rng(9);
    let reply = follower.approve(&mut r).unwrap().to_json();
    update(&mut app, Msg::Paste(reply.clone()));
    snap("coordinator_round2", &app);
    // A replay of round 1 is refused by name.
    update(&mut app, Msg::Paste(reply));
    let round2 = hoarfrost::messages::CoordinatorRound2::from_json(&ceremony_text(&app)).unwrap();
    let share = follower.sign(round2).unwrap().to_json();
    let effects = update(&mut app, Msg::Paste(share));
    run_effects(&mut app, effects);
    snap("coordinator_done", &app);
    let effects = key(&mut app, KeyCode::Char('c'));
    assert!(matches!(&effects[..], [Effect::Clipboard(sig)] if sig.len() == 88));
}

#[test]
fn following_through_the_tui() {
    let (mut app, identity, _) = app_with_keys();
    // The coordinator is participant 2 of the identity key.
    let mut r = rng(3);
    let request = definition_request(&identity[1], 7);
    let (mut coordinator, round1) = hoarfrost::signing::Coordinator::new(
        identity[1].group().clone(),
        Some(identity[1].clone()),
        request,
        &mut r,
    )
    .unwrap();
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::Enter);
    snap("follower_waiting", &app);
    update(&mut app, Msg::Paste(round1.to_json()));
    snap("follower_review", &app);
    key(&mut app, KeyCode::Char('a'));
    snap("follower_committed", &app);
    let reply = hoarfrost::messages::FollowerRound1::from_json(&ceremony_text(&app)).unwrap();
    coordinator.accept_round1(reply).unwrap();
    let round2 = coordinator.start_round2().unwrap();
    update(&mut app, Msg::Paste(round2.to_json()));
    snap("follower_done", &app);
    let share = hoarfrost::messages::FollowerRound2::from_json(&ceremony_text(&app)).unwrap();
    coordinator.accept_round2(share).unwrap();
    assert!(coordinator.aggregate().is_ok());
}

/// A transaction's review as a follower sees it: the summary first, strangers marked.
#[test]
fn reviewing_a_transaction_through_the_tui() {
    let (mut app, identity, _) = app_with_keys();
    let fvk = identity[1].group().fvk();
    let stranger = plans::address(dealt(2, 2, 2)[0].group().fvk(), 0);
    let plan = plans::spend_output_and_swap(&mut rng(5), &plans::address(fvk, 0), &stranger);
    let (_, round1) = hoarfrost::signing::Coordinator::new(
        identity[1].group().clone(),
        Some(identity[1].clone()),
        hoarfrost::request::SigningRequest::Transaction(plan),
        &mut rng(6),
    )
    .unwrap();
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::Enter);
    update(&mut app, Msg::Paste(round1.to_json()));
    snap("follower_review_transaction", &app);
}

#[test]
fn declining_signs_nothing() {
    let (mut app, identity, _) = app_with_keys();
    let mut r = rng(4);
    let (_, round1) = hoarfrost::signing::Coordinator::new(
        identity[1].group().clone(),
        Some(identity[1].clone()),
        definition_request(&identity[1], 1),
        &mut r,
    )
    .unwrap();
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::Enter);
    update(&mut app, Msg::Paste(round1.to_json()));
    key(&mut app, KeyCode::Char('d'));
    snap("follower_declined", &app);
    let Screen::Ceremony(c) = &app.screen else {
        panic!()
    };
    assert!(c.view.outgoing.is_none(), "a decliner has nothing to send");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Home));
}

#[test]
fn notices_and_leaving() {
    let (mut app, _, _) = app_with_keys();
    update(
        &mut app,
        Msg::Dealt(Ok(vec![
            "wrote hoarfrost-keys/participant-1.toml (participant 1a2b3c4d)".into(),
        ])),
    );
    snap("notice_dealt", &app);
    key(&mut app, KeyCode::Enter);
    // Esc once warns, twice leaves a running ceremony.
    key(&mut app, KeyCode::Char('f'));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Ceremony(_)));
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Home));
    // Ctrl-C quits from anywhere.
    let effects = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(app.quit && matches!(&effects[..], [Effect::Quit]));
}

#[test]
fn no_color_uses_no_colours() {
    let mut app = App::new("/h".into(), true, [1; 32], light());
    app.guards = memory_guards();
    update(&mut app, Msg::KeysLoaded(vec![]));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    for cell in terminal.backend().buffer().content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn command_line_values_prefill_a_form() {
    let (mut app, _, _) = app_with_keys();
    app.open_prefilled(
        hoarfrost::tui::form::FormKind::Vote,
        &[
            ("Key", "identity".into()),
            ("Proposal", "7".into()),
            ("Vote", "abstain".into()),
            ("Vote", "maybe".into()),
        ],
    );
    let Screen::Form(form) = &app.screen else {
        panic!()
    };
    assert_eq!(form.value("Key"), "identity");
    assert_eq!(form.value("Proposal"), "7");
    assert_eq!(
        form.value("Vote"),
        "abstain",
        "a value the choice does not offer is ignored"
    );
}

#[test]
fn an_encrypted_key_is_unlocked_off_the_ui_thread() {
    let shares = dealt(2, 3, 21);
    let sealed = KeyMaterial::Share(shares[0].clone())
        .seal(b"open sesame", light(), &mut rand_core::OsRng)
        .unwrap();
    let mut app = new_app();
    update(
        &mut app,
        Msg::KeysLoaded(vec![(
            "identity".into(),
            Ok(StoredKey {
                name: None,
                material: sealed,
                transcript_fingerprint: None,
            }),
        )]),
    );
    key(&mut app, KeyCode::Char('c'));
    // Without the passphrase: refused, with the reason.
    key(&mut app, KeyCode::Enter);
    let Screen::Form(form) = &app.screen else {
        panic!()
    };
    assert!(form.error.as_deref().unwrap().contains("is encrypted"));
    key(&mut app, KeyCode::Tab);
    chars(&mut app, "open sesam");
    let effects = key(&mut app, KeyCode::Enter);
    let Screen::Form(form) = &app.screen else {
        panic!()
    };
    assert!(form.busy && form.fields.iter().all(|f| !f.value.contains("sesam")));
    snap("form_unlocking", &app);
    let [Effect::Compute(job)] = <[Effect; 1]>::try_from(effects).ok().unwrap() else {
        panic!()
    };
    update(&mut app, job());
    let Screen::Form(form) = &app.screen else {
        panic!()
    };
    assert!(
        form.error.as_deref().unwrap().contains("wrong passphrase"),
        "{:?}",
        form.error
    );
    // The focus stays on the (emptied) passphrase; the right one opens the key.
    chars(&mut app, "open sesame");
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Compute(job)] = <[Effect; 1]>::try_from(effects).ok().unwrap() else {
        panic!()
    };
    update(&mut app, job());
    assert!(matches!(app.screen, Screen::Ceremony(_)));
    // Going home forgets the opened share.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Home));
}

#[test]
fn the_tui_follower_refuses_a_conflicting_definition() {
    let (mut app, identity, _) = app_with_keys();
    let follow_once = |app: &mut App, request: hoarfrost::request::SigningRequest, seed: u64| {
        let mut r = rng(seed);
        let (mut coordinator, round1) = hoarfrost::signing::Coordinator::new(
            identity[1].group().clone(),
            Some(identity[1].clone()),
            request,
            &mut r,
        )
        .unwrap();
        key(app, KeyCode::Char('f'));
        key(app, KeyCode::Enter);
        update(app, Msg::Paste(round1.to_json()));
        if !matches!(&app.screen, Screen::Ceremony(c) if matches!(c.view.stage, hoarfrost::session::Stage::Review))
        {
            return;
        }
        key(app, KeyCode::Char('a'));
        let reply = hoarfrost::messages::FollowerRound1::from_json(&ceremony_text(app)).unwrap();
        coordinator.accept_round1(reply).unwrap();
        update(
            app,
            Msg::Paste(coordinator.start_round2().unwrap().to_json()),
        );
    };
    follow_once(&mut app, definition_request(&identity[1], 7), 1);
    let Screen::Ceremony(c) = &app.screen else {
        panic!()
    };
    assert!(matches!(c.view.stage, hoarfrost::session::Stage::Done(_)));
    key(&mut app, KeyCode::Enter);
    // A different definition #7 (another consensus key): refused before review.
    let other = {
        let template =
            hoarfrost::definition::definition_template(&mut rng(1234), identity[1].group(), None)
                .unwrap();
        let edited = template.replace("sequence_number = 0", "sequence_number = 7");
        hoarfrost::request::SigningRequest::ValidatorDefinition(
            hoarfrost::definition::parse_definition_toml(&edited).unwrap(),
        )
    };
    follow_once(&mut app, other, 2);
    let Screen::Ceremony(c) = &app.screen else {
        panic!()
    };
    let hoarfrost::session::Stage::Failed(why) = &c.view.stage else {
        panic!("not refused")
    };
    assert!(
        why.contains("different validator definition #7 was signed at 2026-11-21T08:00:00Z"),
        "{why}"
    );
    snap("follower_refused", &app);
}

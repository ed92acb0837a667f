//! The TUI's `update` as state transitions, driven as a person would: keys, pastes, the
//! blocking work run at once. What issue 12 asks of the screens is checked here; the real
//! binary in pseudo-terminals is `tests/tui_pty.rs`, the screens' pictures `tui_screens.rs`.

mod common;

use common::tui::*;
use common::*;
use crossterm::event::KeyCode;
use hoarfrost::messages::{AnyMessage, Codec, CoordinatorRound1, CoordinatorRound2};
use hoarfrost::session::{Outcome, Session, Stage};
use hoarfrost::signing::Follower;
use hoarfrost::spec::{KeyChoice, RequestSpec, Spec};
use hoarfrost::tui::app::{Effect, Exit, Msg};
use hoarfrost::tui::screens::ceremony::{Ceremony, Purpose};
use hoarfrost::tui::screens::form::{FieldId, Form};
use hoarfrost::tui::screens::home::HomeScreen;
use hoarfrost::tui::screens::Screen;
use hoarfrost::tui::Start;

/// A DKG started from the home screen with the default 2-of-3 "identity", sealed.
fn dkg_started(seed: u8) -> Tui {
    let mut t = Tui::new([seed; 32]);
    t.type_text("g");
    assert_eq!(
        t.form().focused(),
        FieldId::Passphrase,
        "the first field to fill"
    );
    t.type_text("pw");
    t.press(KeyCode::Tab);
    t.type_text("pw");
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Ceremony>(), "{}", t.screen());
    t
}

fn peers(seed: u64) -> Vec<Session> {
    let mut r = rng(seed);
    (0..2)
        .map(|i| Session::dkg(2, 3, &format!("peer{i}"), &mut r).unwrap())
        .collect()
}

fn out(s: &Session) -> String {
    s.view().outgoing().unwrap().json.clone()
}

#[test]
fn a_dkg_pasted_before_sending_keeps_every_message_reachable_and_finishes() {
    let mut t = dkg_started(1);
    let mine1 = t.outgoing();
    let mut peers = peers(1);
    let theirs1: Vec<String> = peers.iter().map(out).collect();
    // The others' round 1 arrives before this participant sent anything.
    t.paste(&theirs1.join("\n"));
    assert!(matches!(t.ceremony().view().stage, Stage::Confirm { .. }));
    let chosen = t.ceremony().chosen().unwrap();
    assert_eq!(
        chosen.text, mine1,
        "the own round-1 message is still offered"
    );
    assert!(t.screen().contains(" y "), "{}", t.screen());
    // The peers get everyone's round 1, confirm, and send round 2 first.
    peers[0].paste(&format!("{mine1}\n{}", theirs1[1]));
    peers[1].paste(&format!("{mine1}\n{}", theirs1[0]));
    for p in &mut peers {
        p.confirm();
    }
    let theirs2: Vec<String> = peers.iter().map(out).collect();
    // Their round 2 comes before this participant confirmed: kept, not lost.
    t.paste(&theirs2.join("\n"));
    assert!(
        t.log().iter().any(|l| l.contains("kept the DKGRound2")),
        "{:?}",
        t.log()
    );
    t.type_text("y");
    let c = t.ceremony();
    assert!(matches!(
        c.view().stage,
        Stage::Done(Outcome::Generated { .. })
    ));
    assert!(!c.ceremony_under_way());
    // Both own messages stay reachable; the round-2 one is offered, the others need it.
    let items = c.items();
    assert_eq!(items[0].text, mine1);
    let mine2 = c.view().sent[1].json.clone();
    assert_eq!(c.chosen().unwrap().text, mine2);
    assert!(
        t.screen().contains("the others may still need it"),
        "{}",
        t.screen()
    );
    // The key was stored sealed, under its name, only now.
    let key = t.store().load("identity").unwrap();
    assert!(key.material.is_sealed());
    // A copy of the relay pasted again now is not an error: nothing more is needed.
    t.paste(&theirs2.join("\n"));
    let last = t.ceremony().log().entries().last().unwrap().clone();
    assert!(
        last.ok && last.text.contains("the ceremony is over here"),
        "{last:?}"
    );
    for (i, p) in peers.iter_mut().enumerate() {
        p.paste(&format!("{mine2}\n{}", theirs2[1 - i]));
        p.compute();
    }
    for p in &peers {
        let Stage::Done(Outcome::Generated { output, .. }) = p.stage() else {
            panic!("a peer did not finish")
        };
        assert!(output.share.group() == key.material.group());
    }
}

#[test]
fn a_stale_follower_round1_is_replaced_and_the_ceremony_completes() {
    let shares = dealt(2, 3, 31);
    let mut t = Tui::with_keys([2; 32], &[("governance", stored(&shares[0], None))]);
    t.type_text("o");
    assert_eq!(t.form().focused(), FieldId::Proposal);
    t.type_text("42");
    t.press(KeyCode::Enter);
    let round1 = CoordinatorRound1::from_json(&t.outgoing()).unwrap();
    let stale = stale_reply(&shares);
    t.paste(&stale);
    assert_eq!(
        t.ceremony().view().sent.len(),
        2,
        "a round-2 package went out"
    );
    let mut follower = Follower::new(shares[1].clone(), round1.clone()).unwrap();
    let real = follower.approve(&mut rng(2)).unwrap();
    t.paste(&real.to_json());
    let c = t.ceremony();
    assert_eq!(
        c.view().sent.len(),
        3,
        "a new package replaces the stale one"
    );
    let items = c.items();
    assert!(items[1].replaced && items[1].title.contains("do not send"));
    let chosen = c.chosen().unwrap();
    assert!(chosen.title.contains("NEW"), "{}", chosen.title);
    assert!(c.log().entries().iter().any(|e| e.text.contains("rebuilt")));
    // Both packages save under different names that carry the ceremony id.
    let id = c.view().ceremony_id.clone();
    t.type_text("s");
    t.press(KeyCode::Left);
    t.type_text("s");
    let mut names: Vec<String> = std::fs::read_dir(t.out())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.contains(&id)), "{names:?}");
    let round2 = CoordinatorRound2::from_json(&t.outgoing()).unwrap();
    let reply = follower.sign(round2).unwrap();
    t.paste(&reply.to_json());
    let view = t.ceremony().view().clone();
    let Stage::Done(Outcome::Signed { text, command, .. }) = &view.stage else {
        panic!("not signed: {:?}", t.log())
    };
    assert!(command.as_deref().unwrap().ends_with(text.as_str()));
    // The signature verifies under the key.
    let hoarfrost::request::SigningRequest::ValidatorVote(body) = &round1.request else {
        unreachable!("a vote")
    };
    verify_vote_signature(text, &shares[0], body);
}

#[test]
fn a_form_shows_every_error_at_once_and_keeps_every_value() {
    let mut t = Tui::new([3; 32]);
    t.type_text("g");
    // Threshold 9 of 3, a bad name, passphrases that differ.
    t.press(KeyCode::BackTab);
    t.press(KeyCode::BackTab);
    t.press(KeyCode::BackTab);
    t.press(KeyCode::BackTab);
    assert_eq!(t.form().focused(), FieldId::Threshold);
    t.press(KeyCode::Backspace);
    t.type_text("9");
    t.press(KeyCode::Tab);
    t.press(KeyCode::Tab);
    t.ctrl('u');
    t.type_text("bad name");
    t.press(KeyCode::Tab);
    t.press(KeyCode::Tab);
    t.type_text("one");
    t.press(KeyCode::Tab);
    t.type_text("two");
    t.press(KeyCode::Enter);
    let form = t.form();
    let fields: Vec<FieldId> = form.errors().iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, [FieldId::Threshold, FieldId::Repeat, FieldId::Name]);
    assert_eq!(
        form.focused(),
        FieldId::Threshold,
        "the first error is focused"
    );
    assert_eq!(form.values.text(FieldId::Passphrase), "one");
    assert_eq!(form.values.text(FieldId::Name), "bad name");
    assert!(t.top_is::<Form>());
    // Fixing a field takes its error away; the others stay until the next check.
    t.press(KeyCode::Backspace);
    t.type_text("2");
    let fields: Vec<FieldId> = t.form().errors().iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, [FieldId::Repeat, FieldId::Name]);
}

#[test]
fn an_abandoned_ceremony_returns_to_its_filled_form() {
    let mut t = dkg_started(4);
    t.press(KeyCode::Esc);
    assert!(t.top_is::<Ceremony>(), "one Esc only warns");
    assert!(t.screen().contains("Esc again"));
    t.press(KeyCode::Esc);
    assert!(t.top_is::<Form>());
    assert_eq!(t.form().values.text(FieldId::Passphrase), "pw");
    assert_eq!(t.form().values.text(FieldId::Repeat), "pw");
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Ceremony>(), "the same form starts again");
}

#[test]
fn following_without_a_share_is_refused_at_the_form_naming_the_store() {
    let mut t = Tui::new([5; 32]);
    t.type_text("f");
    t.press(KeyCode::Enter);
    let errors = t.form().errors().clone();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, FieldId::Key);
    assert!(
        errors[0].1.contains(&t.home().display().to_string()),
        "{errors:?}"
    );
    // Public key data only is no better.
    let shares = dealt(2, 3, 5);
    let public = hoarfrost::keyfile::StoredKey {
        material: hoarfrost::keyfile::KeyMaterial::Public(shares[0].group().clone()),
        ..stored(&shares[0], None)
    };
    let mut t = Tui::with_keys([5; 32], &[("group", public)]);
    t.type_text("f");
    t.press(KeyCode::Enter);
    assert!(t.form().errors()[0].1.contains("no key with a share"));
}

#[test]
fn the_passphrase_is_asked_when_the_request_arrives_and_again_when_wrong() {
    let shares = dealt(2, 3, 6);
    let mut t = Tui::with_keys([6; 32], &[("governance", sealed(&shares[1]))]);
    t.type_text("f");
    t.press(KeyCode::Enter);
    t.paste(&vote_round1(&shares, 3).to_json());
    let input = t.ceremony().input().expect("the passphrase input opens");
    assert!(matches!(&input.purpose, Purpose::Passphrase { key } if key == "governance"));
    t.type_text("hunter2");
    assert!(
        !t.screen().contains("hunter2"),
        "a passphrase is never shown"
    );
    t.press(KeyCode::Enter);
    assert!(
        t.log().iter().any(|l| l.contains("wrong passphrase")),
        "{:?}",
        t.log()
    );
    assert!(t.ceremony().input().is_some(), "asked again");
    t.type_text(PASSPHRASE);
    t.press(KeyCode::Enter);
    assert!(matches!(t.ceremony().view().stage, Stage::Review));
    // The review scrolls, and stops at its end.
    for _ in 0..200 {
        t.press(KeyCode::Down);
    }
    assert!(t.screen().contains("approve and sign"), "{}", t.screen());
    t.type_text("a");
    assert_eq!(t.ceremony().view().sent.len(), 1);
}

#[test]
fn a_passphrase_typed_into_the_follow_form_is_tried_first() {
    let shares = dealt(2, 3, 7);
    let mut t = Tui::with_keys([7; 32], &[("governance", sealed(&shares[1]))]);
    t.type_text("f");
    assert_eq!(t.form().focused(), FieldId::Passphrase);
    t.type_text(PASSPHRASE);
    t.press(KeyCode::Enter);
    t.paste(&vote_round1(&shares, 3).to_json());
    assert!(
        matches!(t.ceremony().view().stage, Stage::Review),
        "{:?}",
        t.log()
    );
    assert!(t.ceremony().input().is_none());
}

#[test]
fn key_files_from_the_command_line_fill_the_form_and_are_used() {
    let shares = dealt(2, 3, 8);
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("p1.toml");
    hoarfrost::store::write_key_file(&path, &sealed(&shares[0])).unwrap();
    let mut t = Tui::new([8; 32]);
    t.app.open(&Start {
        spec: Spec::Sign {
            key: KeyChoice::File(path.clone()),
            signers: None,
            request: RequestSpec::Vote {
                proposal: 5,
                vote: "no".parse().unwrap(),
                reason: "why not".into(),
                validator: None,
            },
        },
        encrypt: true,
    });
    let form = t.form();
    assert_eq!(
        form.values.text(FieldId::KeyFile),
        path.display().to_string()
    );
    assert_eq!(form.values.text(FieldId::Reason), "why not");
    assert_eq!(
        form.focused(),
        FieldId::Passphrase,
        "all but the passphrase is given"
    );
    // Without the passphrase the key does not open: the error is at the passphrase.
    t.press(KeyCode::Enter);
    assert_eq!(
        t.form().errors()[0].0,
        FieldId::Passphrase,
        "{:?}",
        t.form().errors()
    );
    while t.form().focused() != FieldId::Passphrase {
        t.press(KeyCode::Tab);
    }
    t.type_text(PASSPHRASE);
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Ceremony>(), "{:?}", t.form().errors());
    assert!(t.ceremony().view().title.contains("p1.toml"));
    // Following with a key file too.
    let path2 = files.path().join("p2.toml");
    hoarfrost::store::write_key_file(&path2, &stored(&shares[1], None)).unwrap();
    let mut f = Tui::new([9; 32]);
    f.app.open(&Start {
        spec: Spec::Follow {
            key: KeyChoice::File(path2),
        },
        encrypt: true,
    });
    f.press(KeyCode::Enter);
    f.paste(&t.outgoing());
    assert!(
        matches!(f.ceremony().view().stage, Stage::Review),
        "{:?}",
        f.log()
    );
}

/// Opens the definition form and types a file path (not yet written) into its file field.
fn definition_form(t: &mut Tui) -> std::path::PathBuf {
    t.type_text("v");
    let file = t.out().join("validator.toml");
    while t.form().focused() != FieldId::DefinitionFile {
        t.press(KeyCode::Tab);
    }
    t.ctrl('u');
    t.type_text(&file.display().to_string());
    file
}

#[test]
fn the_definition_form_writes_the_template_for_the_chosen_key() {
    let shares = dealt(2, 3, 10);
    let mut t = Tui::with_keys([10; 32], &[("identity", stored(&shares[0], None))]);
    let file = definition_form(&mut t);
    t.ctrl('t');
    let text = std::fs::read_to_string(&file).unwrap();
    let validator = hoarfrost::definition::parse_definition_toml(&text).unwrap();
    assert_eq!(validator.identity_key, shares[0].group().identity_key());
    assert!(
        t.screen().contains("wrote a definition template"),
        "{}",
        t.screen()
    );
    // Never over an existing file.
    t.ctrl('t');
    assert!(t.form().errors()[0].1.contains("already exists"));
    t.press(KeyCode::Enter);
    assert!(t.top_is::<Ceremony>(), "{:?}", t.form().errors());
}

#[test]
fn keys_are_ignored_while_the_terminal_is_too_small() {
    let mut t = dkg_started(11);
    t.send(Msg::Resize(60, 20));
    assert!(t.screen().contains("Terminal too small"));
    t.press(KeyCode::Esc);
    t.press(KeyCode::Esc);
    t.send(Msg::Resize(80, 24));
    assert!(
        t.top_is::<Ceremony>(),
        "a double Esc while too small abandoned nothing"
    );
}

#[test]
fn ctrl_c_in_a_ceremony_interrupts_and_elsewhere_quits() {
    let mut t = dkg_started(12);
    t.ctrl('c');
    assert_eq!(t.app.exit(), Some(Exit::Interrupted));
    let mut t = Tui::new([12; 32]);
    t.ctrl('c');
    assert_eq!(t.app.exit(), Some(Exit::Quit));
}

#[test]
fn typed_text_that_is_not_a_message_is_never_echoed() {
    let mut t = dkg_started(13);
    t.type_text("i");
    t.type_text("correct horse");
    t.press(KeyCode::Enter);
    t.paste("battery staple");
    let log = t.log().join("\n");
    assert!(log.contains("not a ceremony message"), "{log}");
    assert!(!log.contains("horse") && !log.contains("staple"), "{log}");
    let logged: Vec<&Effect> = t.terminal_effects.iter().collect();
    assert!(logged.iter().all(|e| match e {
        Effect::Log(l) => !l.contains("horse") && !l.contains("staple"),
        _ => true,
    }));
}

#[test]
fn copying_says_where_the_text_went() {
    let mut t = dkg_started(14);
    t.type_text("c");
    let json = t.outgoing();
    assert!(t
        .terminal_effects
        .iter()
        .any(|e| matches!(e, Effect::Clipboard(text) if *text == json)));
    assert!(t
        .screen()
        .contains("sent to the terminal's clipboard (OSC 52; some terminals ignore it)"));
}

/// The saved file's name stays in the log after the notice gives way to the next paste.
#[test]
fn saving_says_where_the_file_went_and_the_log_keeps_it() {
    let mut t = dkg_started(15);
    t.type_text("s");
    let json = t.outgoing();
    let saved: Vec<_> = std::fs::read_dir(t.out())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(std::fs::read_to_string(&saved[0]).unwrap().trim(), json);
    let name = saved[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("hoarfrost-dkground1-"), "{name}");
    t.paste("not a message");
    assert!(
        t.log()
            .iter()
            .any(|l| l.contains("saved to") && l.contains(&name)),
        "{:?}",
        t.log()
    );
}

#[test]
fn the_key_is_unlocked_once_the_ceremony_is_over() {
    let shares = dealt(2, 3, 15);
    let mut t = Tui::with_keys([15; 32], &[("governance", stored(&shares[0], None))]);
    t.type_text("o");
    t.type_text("9");
    t.press(KeyCode::Enter);
    let store = t.store();
    let key = store.load("governance").unwrap();
    let lock = || {
        hoarfrost::journal::open_for_key(
            &store.journal_folder(),
            &hoarfrost::journal::Origin::Elsewhere,
            "governance",
            &key,
        )
    };
    assert!(lock().is_err(), "locked while the ceremony runs");
    let mut follower = Follower::new(
        shares[1].clone(),
        CoordinatorRound1::from_json(&t.outgoing()).unwrap(),
    )
    .unwrap();
    t.paste(&follower.approve(&mut rng(1)).unwrap().to_json());
    let round2 = CoordinatorRound2::from_json(&t.outgoing()).unwrap();
    t.paste(&follower.sign(round2).unwrap().to_json());
    assert!(matches!(t.ceremony().view().stage, Stage::Done(_)));
    lock().expect("the result screen holds no lock");
    // Who signed is marked.
    let marks = &t.ceremony().view().participants;
    assert_eq!(
        marks
            .iter()
            .filter(|(_, m)| *m != hoarfrost::session::Mark::Waiting)
            .count(),
        2
    );
}

#[test]
fn keys_are_renamed_and_deleted_only_on_purpose() {
    let shares = dealt(2, 3, 16);
    let mut t = Tui::with_keys([16; 32], &[("gov", stored(&shares[0], None))]);
    t.type_text("k");
    t.type_text("r");
    t.type_text("governance");
    t.press(KeyCode::Enter);
    assert_eq!(t.store().names().unwrap(), ["governance"]);
    t.type_text("x");
    t.type_text("gov");
    t.press(KeyCode::Enter);
    assert_eq!(
        t.store().names().unwrap(),
        ["governance"],
        "a wrong name deletes nothing"
    );
    t.type_text("x");
    t.type_text("governance");
    t.press(KeyCode::Enter);
    assert!(t.store().names().unwrap().is_empty());
    t.press(KeyCode::Esc);
    assert!(t.top_is::<HomeScreen>());
}

#[test]
fn every_help_bar_fits_80_columns() {
    use hoarfrost::tui::theme::help_width;
    let mut states: Vec<Tui> = Vec::new();
    let mut t = dkg_started(17);
    states.push(Tui::new([0; 32]));
    let mut peers = peers(17);
    let theirs: Vec<String> = peers.iter().map(out).collect();
    t.paste(&theirs.join("\n"));
    let width = |t: &Tui| help_width(&t.app.top().help(&t.app.ctx));
    assert!(width(&t) <= 80, "confirm: {}", width(&t));
    t.type_text("y");
    assert!(width(&t) <= 80, "round 2: {}", width(&t));
    for p in &mut peers {
        p.paste(&format!(
            "{}\n{}",
            t.ceremony().view().sent[0].json,
            theirs.join("\n")
        ));
        p.confirm();
    }
    t.paste(&peers.iter().map(out).collect::<Vec<_>>().join("\n"));
    assert!(width(&t) <= 80, "done: {}", width(&t));
    t.type_text("i");
    assert!(width(&t) <= 80, "input: {}", width(&t));
    for kind in ["g", "d", "f", "v", "o", "t", "c", "k"] {
        let mut t = Tui::new([0; 32]);
        t.type_text(kind);
        assert!(width(&t) <= 80, "{kind}: {}", width(&t));
    }
    let _ = states;
}

#[test]
fn a_message_and_a_picture_path_can_be_typed() {
    let mut t = dkg_started(18);
    let peers = peers(18);
    t.type_text("i");
    t.type_text(&out(&peers[0]));
    t.press(KeyCode::Enter);
    assert!(
        t.log().iter().any(|l| l.starts_with("accepted DKGRound1")),
        "{:?}",
        t.log()
    );
    // A picture of a code: the other peer's message as a PNG.
    let message = AnyMessage::from_json(&out(&peers[1])).unwrap();
    let payload = message.to_payload();
    let mut single =
        hoarfrost::transport::ur::UrParts::new(&payload.bytes, &payload.ur_type, usize::MAX)
            .unwrap();
    let modules = hoarfrost::transport::qr::modules(single.part(0), 1).unwrap();
    let png = t.out().join("code.png");
    std::fs::write(&png, hoarfrost::transport::qr::to_png(&modules, 4)).unwrap();
    t.type_text("i");
    t.type_text(&png.display().to_string());
    t.press(KeyCode::Enter);
    assert!(
        matches!(t.ceremony().view().stage, Stage::Confirm { .. }),
        "{:?}",
        t.log()
    );
}

/// The QR screen's cells as pixels: dark where a half block's colour is true black.
fn rasterise(buf: &ratatui::buffer::Buffer, scale: usize) -> (usize, usize, Vec<u8>) {
    use ratatui::style::Color;
    let black = Color::Rgb(0, 0, 0);
    paint(
        buf.area.width as usize,
        buf.area.height as usize,
        scale,
        |x, y| {
            let cell = &buf[(x as u16, y as u16)];
            if cell.symbol() == "\u{2580}" {
                (cell.fg == black, cell.bg == black)
            } else {
                (false, false)
            }
        },
    )
}

/// Reads every frame of the QR screen on top until the message is whole.
fn scan_qr(t: &mut Tui) -> Vec<AnyMessage> {
    use hoarfrost::transport::qr::decode_greyscale;
    use hoarfrost::transport::ur::Received;
    use hoarfrost::tui::screens::qr::QrScreen;
    let (w, h) = (t.app.ctx.width, t.app.ctx.height);
    let mut collector = hoarfrost::transport::ur_collector();
    for _ in 0..60 {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| hoarfrost::tui::app::draw(f, &t.app))
            .unwrap();
        let (pw, ph, px) = rasterise(terminal.backend().buffer(), 4);
        let found = decode_greyscale(pw, ph, |x, y| px[y * pw + x]);
        assert_eq!(found.len(), 1, "{w}x{h}: one readable code per frame");
        if let Received::Complete(payloads) = collector.receive(&found[0]).unwrap() {
            return payloads
                .iter()
                .map(|p| AnyMessage::from_ur(&p.ur_type, &p.bytes).unwrap())
                .collect();
        }
        assert!(t.top_is::<QrScreen>());
        t.type_text("n");
    }
    panic!("{w}x{h}: the code never completed");
}

#[test]
fn the_qr_screen_scans_at_80x24_and_120x40_and_after_a_resize() {
    use hoarfrost::tui::screens::qr::QrScreen;
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut t = dkg_started(20);
        t.send(Msg::Resize(w, h));
        let json = t.outgoing();
        t.type_text("q");
        let qr = t.app.top().as_any().downcast_ref::<QrScreen>().unwrap();
        assert_eq!(qr.quiet(), 4, "{w}x{h}: a quiet zone of 4 modules fits");
        let back = scan_qr(&mut t);
        assert_eq!(back[0].to_json(), json, "{w}x{h}");
    }
    // Shrunk from 160x48 to 80x24, the code is planned again at a version that fits.
    let mut t = dkg_started(21);
    t.send(Msg::Resize(160, 48));
    let json = t.outgoing();
    t.type_text("q");
    let before = t
        .app
        .top()
        .as_any()
        .downcast_ref::<QrScreen>()
        .unwrap()
        .version();
    t.send(Msg::Resize(80, 24));
    let qr = t.app.top().as_any().downcast_ref::<QrScreen>().unwrap();
    assert!(qr.version() < before, "{before:?} -> {:?}", qr.version());
    assert!(t
        .screen()
        .contains(&format!("version {}", qr.version().unwrap())));
    assert_eq!(scan_qr(&mut t)[0].to_json(), json);
    // No colour for the rest of the UI, but the code keeps its black and white.
    let mut t = dkg_started(22);
    t.app.ctx.palette.no_color = true;
    let json = t.outgoing();
    t.type_text("q");
    assert_eq!(scan_qr(&mut t)[0].to_json(), json);
}

#[test]
fn a_key_check_waits_for_everyone_and_says_the_key_works() {
    let shares = dealt(2, 3, 23);
    let mut t = Tui::with_keys([23; 32], &[("identity", stored(&shares[0], None))]);
    t.type_text("c");
    t.press(KeyCode::Enter);
    let round1 = CoordinatorRound1::from_json(&t.outgoing()).unwrap();
    let mut followers: Vec<Follower> = shares[1..]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    for (i, f) in followers.iter_mut().enumerate() {
        t.paste(&f.approve(&mut rng(i as u64)).unwrap().to_json());
    }
    let round2 = CoordinatorRound2::from_json(&t.outgoing()).unwrap();
    for f in &mut followers {
        t.paste(&f.sign(round2.clone()).unwrap().to_json());
    }
    assert!(
        matches!(
            t.ceremony().view().stage,
            Stage::Done(Outcome::Checked { signers: 3 })
        ),
        "{:?}",
        t.log()
    );
    assert!(t.screen().contains("Key check passed"), "{}", t.screen());
}

#[test]
fn with_several_keys_the_form_asks_to_choose_one_before_anything_starts() {
    let identity = dealt(2, 3, 13);
    let governance = dealt(2, 3, 14);
    let keys = [
        ("governance", stored(&governance[0], None)),
        ("identity", stored(&identity[0], None)),
    ];
    // A key check: "automatic" cannot choose between two keys.
    let mut t = Tui::with_keys([13; 32], &keys);
    t.type_text("c");
    t.press(KeyCode::Enter);
    let errors = t.form().errors().clone();
    assert!(
        errors.iter().any(|(f, e)| *f == FieldId::Key
            && e.contains("several keys")
            && !e.contains("--name")),
        "{errors:?}"
    );
    // A template: the same, at the key field; then, with a key chosen, it is written and the
    // error goes.
    let mut t = Tui::with_keys([14; 32], &keys);
    let file = definition_form(&mut t);
    t.ctrl('t');
    assert_eq!(
        t.form().errors()[0].0,
        FieldId::Key,
        "{:?}",
        t.form().errors()
    );
    while t.form().focused() != FieldId::Key {
        t.press(KeyCode::BackTab);
    }
    t.press(KeyCode::Right);
    t.ctrl('t');
    assert!(t.form().errors().is_empty(), "{:?}", t.form().errors());
    assert!(file.exists());
}

//! Airgapped transport: every message kind through UR parts and QR codes and back, lost
//! frames, refused parts, images, and the TUI's QR screen read back with a QR decoder.

mod common;

use common::*;
use hoarfrost::dkg::Dkg;
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::qr::{self, decode_greyscale, modules, plan_payload, to_png};
use hoarfrost::transport::ur::{ur_type, Received, UrCollector, UrParts, BUNDLE_TYPE};
use hoarfrost::transport::{bundle, AnyMessage};

/// One message of every kind, from real ceremonies.
fn all_kinds() -> Vec<AnyMessage> {
    let shares = dealt(2, 3, 3);
    let mut r = rng(4);
    let (mut c, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        hoarfrost::request::SigningRequest::Transaction(
            serde_json::from_str(include_str!("data/plan.json")).unwrap(),
        ),
        &mut r,
    )
    .unwrap();
    let mut f = Follower::new(shares[1].clone(), round1.clone()).unwrap();
    let f1 = f.approve(&mut r).unwrap();
    c.accept_round1(f1.clone()).unwrap();
    let c2 = c.start_round2().unwrap();
    let f2 = f.sign(c2.clone()).unwrap();
    let mut dkgs: Vec<(Dkg, hoarfrost::dkg::DkgRound1)> =
        (0..3).map(|_| Dkg::new(2, 3, &mut r).unwrap()).collect();
    let others: Vec<_> = dkgs[1..].iter().map(|(_, m)| m.clone()).collect();
    for m in others {
        dkgs[0].0.accept_round1(m).unwrap();
    }
    let d2 = dkgs[0].0.start_round2(&mut r).unwrap();
    vec![
        AnyMessage::CoordinatorRound1(round1),
        AnyMessage::FollowerRound1(f1),
        AnyMessage::CoordinatorRound2(c2),
        AnyMessage::FollowerRound2(f2),
        AnyMessage::DkgRound1(dkgs[0].1.clone()),
        AnyMessage::DkgRound2(d2),
    ]
}

fn collect(parts: impl IntoIterator<Item = String>) -> Vec<AnyMessage> {
    let mut c = UrCollector::default();
    for p in parts {
        if let Received::Complete(m) = c.receive(&p).unwrap() {
            return m;
        }
    }
    panic!("never completed");
}

#[test]
fn every_kind_round_trips_as_single_and_multi_part() {
    for m in all_kinds() {
        let json = m.to_json();
        // Proto is much smaller than JSON.
        assert!(
            m.to_proto_bytes().len() * 3 < json.len() * 2,
            "{}",
            m.kind()
        );
        let mut single = UrParts::for_message(&m, usize::MAX);
        assert_eq!(single.fragment_count(), 1);
        let back = collect([single.part(0).to_string()]);
        assert_eq!(back[0].to_json(), json);
        let mut multi = UrParts::for_message(&m, 30);
        let n = multi.fragment_count();
        assert!(n > 1);
        // Any case, any order, duplicates ignored.
        let mut parts: Vec<String> = (0..n).map(|i| multi.part(i).to_string()).collect();
        parts.reverse();
        parts.insert(1, parts[0].to_ascii_lowercase());
        assert_eq!(collect(parts)[0].to_json(), json);
    }
}

#[test]
fn a_third_of_the_frames_lost() {
    for m in all_kinds() {
        let mut parts = UrParts::for_message(&m, 40);
        let n = parts.fragment_count();
        let kept: Vec<String> = (0..4 * n)
            .filter(|i| i % 3 != 1)
            .map(|i| parts.part(i).to_string())
            .collect();
        assert_eq!(collect(kept)[0].to_json(), m.to_json(), "{}", m.kind());
    }
}

#[test]
fn refused_parts_keep_what_was_collected() {
    let kinds = all_kinds();
    let mut a = UrParts::for_message(&kinds[0], 40);
    let mut b = UrParts::for_message(&kinds[2], 40);
    let mut c = UrCollector::default();
    assert!(
        matches!(c.receive(a.part(0)).unwrap(), Received::Progress { have: _, total } if total == a.fragment_count())
    );
    // A part of another message.
    let e = c.receive(b.part(0)).unwrap_err();
    assert!(e.contains("pcli-c2") && e.contains("pcli-c1"), "{e}");
    // A corrupted part (a changed byteword breaks its checksum).
    let good = a.part(1).to_string();
    let mut bad = good.clone().into_bytes();
    let at = bad.len() - 10;
    bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
    let e = c.receive(&String::from_utf8(bad).unwrap()).unwrap_err();
    assert!(e.contains("corrupted"), "{e}");
    // An unexpected type.
    let e = c.receive("ur:crypto-psbt/1-2/lpadaobdhd").unwrap_err();
    assert!(e.contains("not a ceremony message"), "{e}");
    assert!(c.receive("hello").is_err());
    // A duplicate is ignored; the collected parts were kept and the message completes.
    assert!(matches!(c.receive(a.part(0)).unwrap(), Received::Duplicate));
    let n = a.fragment_count();
    let mut done = None;
    for i in 1..3 * n {
        if let Received::Complete(m) = c.receive(a.part(i)).unwrap() {
            done = Some(m);
            break;
        }
    }
    assert_eq!(done.unwrap()[0].to_json(), kinds[0].to_json());
}

#[test]
fn bundles_carry_a_whole_round() {
    let kinds = all_kinds();
    let payload = bundle(&kinds);
    let mut parts = UrParts::new(&payload, BUNDLE_TYPE, 60);
    let back = collect((0..3 * parts.fragment_count()).map(|i| parts.part(i).to_string()));
    assert_eq!(back.len(), kinds.len());
    for (a, b) in back.iter().zip(&kinds) {
        assert_eq!(a.to_json(), b.to_json());
    }
    assert!(hoarfrost::transport::unbundle(&payload[..payload.len() - 3]).is_err());
}

#[test]
fn qr_frames_decode_from_png() {
    for m in all_kinds() {
        let (version, mut parts) = plan_payload(&m.to_proto_bytes(), ur_type(m.kind()), 12);
        assert!(version <= 12);
        let n = parts.fragment_count();
        let texts: Vec<String> = (0..n)
            .map(|i| {
                let text = parts.part(i).to_string();
                assert!(
                    text.len() <= qr::capacity(version),
                    "{} part {i} is {} chars",
                    m.kind(),
                    text.len()
                );
                let png = to_png(&modules(&text, version).unwrap(), 3);
                let decoded = qr::decode_image(&png).unwrap();
                assert_eq!(decoded, vec![text.clone()]);
                decoded.into_iter().next().unwrap()
            })
            .collect();
        assert_eq!(collect(texts)[0].to_json(), m.to_json());
    }
}

/// Rasterises a ratatui buffer of half-block cells: each cell is two pixels high (top = the
/// foreground colour, bottom = the background), scaled up.
fn rasterise(buf: &ratatui::buffer::Buffer, scale: usize) -> (usize, usize, Vec<u8>) {
    use ratatui::style::Color;
    let (w, h) = (buf.area.width as usize, buf.area.height as usize * 2);
    let mut px = vec![255u8; w * scale * h * scale];
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            let (top, bottom) = if cell.symbol() == "\u{2580}" {
                (cell.fg == Color::Black, cell.bg == Color::Black)
            } else {
                (false, false)
            };
            for (row, dark) in [(2 * y as usize, top), (2 * y as usize + 1, bottom)] {
                if dark {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            px[(row * scale + dy) * w * scale + x as usize * scale + dx] = 0;
                        }
                    }
                }
            }
        }
    }
    (w * scale, h * scale, px)
}

#[test]
fn the_tui_qr_screen_scans_at_80x24_and_120x40() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use hoarfrost::tui::app::{update, App, Msg, Screen};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut app = App::new(
            "/h".into(),
            false,
            [3; 32],
            hoarfrost::sealed::KdfParams::with_memory_mib(64).unwrap(),
        );
        update(&mut app, Msg::Resize(w, h));
        // A key generation: its round-1 message on screen, then as QR codes.
        let key =
            |app: &mut App, code| update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        key(&mut app, KeyCode::Char('g'));
        for _ in 0..3 {
            key(&mut app, KeyCode::Tab);
        }
        key(&mut app, KeyCode::Right); // Encrypt: no
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::Char('q'));
        let Screen::Ceremony(c) = &app.screen else {
            panic!()
        };
        let json = c.view.outgoing.as_ref().unwrap().json.clone();
        let total = c.qr.as_ref().unwrap().total();
        let mut texts = Vec::new();
        for _ in 0..total + 2 {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|f| hoarfrost::tui::view::draw(f, &app))
                .unwrap();
            let (pw, ph, px) = rasterise(terminal.backend().buffer(), 4);
            let found = decode_greyscale(pw, ph, |x, y| px[y * pw + x]);
            assert_eq!(found.len(), 1, "{w}x{h}: one readable code per frame");
            texts.push(found[0].clone());
            key(&mut app, KeyCode::Char('n'));
        }
        let back = collect(texts);
        assert_eq!(back[0].to_json(), json, "{w}x{h}");
    }
}

#[test]
fn the_paste_area_takes_ur_parts_and_json_mixed() {
    use hoarfrost::session::Session;
    let shares = dealt(2, 3, 8);
    let mut r = rng(8);
    let (_, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        definition_request(&shares[0], 1),
        &mut r,
    )
    .unwrap();
    let stored = hoarfrost::keyfile::StoredKey {
        name: None,
        material: hoarfrost::keyfile::KeyMaterial::Share(shares[1].clone()),
        transcript_fingerprint: None,
    };
    let opener: hoarfrost::session::GuardOpener =
        std::sync::Arc::new(|_: &str, share: &hoarfrost::keys::KeyShare| {
            let dir = tempfile::tempdir().unwrap().keep();
            hoarfrost::journal::JournalGuard::open_in(
                &dir,
                hoarfrost::journal::ShareId::of_share(share),
                share.group(),
                &hoarfrost::journal::Origin::Elsewhere,
            )
            .map(|g| Box::new(g) as Box<dyn hoarfrost::session::SignGuard>)
            .map_err(|e| e.to_string())
        });
    let mut session = Session::follow(vec![("identity".into(), stored)], None, opener);
    let mut parts = UrParts::for_message(&AnyMessage::CoordinatorRound1(round1), 40);
    let n = parts.fragment_count();
    // The first parts on one line, lowercase, with noise lines around them.
    let first: Vec<String> = (0..n - 1)
        .map(|i| parts.part(i).to_ascii_lowercase())
        .collect();
    let feedback = session.paste(&format!("{}\nnot a message\n", first.join(" ")), &mut r);
    assert!(
        feedback
            .iter()
            .any(|f| f.ok && f.text.contains(&format!("of {n} parts"))),
        "{feedback:?}"
    );
    assert!(feedback
        .iter()
        .any(|f| !f.ok && f.text.contains("not a ceremony message")));
    assert!(session.ur_progress().is_some());
    // Fountain parts from the later stream complete it.
    let mut all = Vec::new();
    for i in n + 2..4 * n {
        all.extend(session.paste(parts.part(i), &mut r));
        if matches!(session.stage(), hoarfrost::session::Stage::Review) {
            break;
        }
    }
    assert!(
        all.iter().any(|f| f.text.contains("request received")),
        "{all:?}"
    );
    assert!(matches!(session.stage(), hoarfrost::session::Stage::Review));
}

#[test]
fn encode_and_decode_bridge_the_airgap_on_the_command_line() {
    use common::process::{run, run_with_input};
    let dir = tempfile::tempdir().unwrap();
    let kinds = all_kinds();
    let input: String = kinds.iter().map(|m| m.to_json() + "\n").collect();
    // Every message as QR frames (PNG), then read back from the images alone.
    for bundle in [false, true] {
        let out = dir.path().join(if bundle { "bundle" } else { "each" });
        let mut args = vec!["encode", "--out", out.to_str().unwrap()];
        if bundle {
            args.push("--bundle");
        }
        let result = run_with_input(&args, &input);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        let stdout = String::from_utf8(result.stdout).unwrap();
        assert!(stdout.lines().all(|l| l.starts_with("UR:")), "{stdout}");
        let mut frames: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .collect();
        frames.sort();
        // Drop every third frame: the fountain parts cover them.
        let kept: Vec<&str> = frames
            .iter()
            .enumerate()
            .filter(|(i, _)| bundle || i % 3 != 2 || frames.len() < 3)
            .map(|(_, f)| f.as_str())
            .collect();
        let mut args = vec!["decode"];
        args.extend(kept);
        let decoded = run(&args);
        assert!(
            decoded.status.success(),
            "{}",
            String::from_utf8_lossy(&decoded.stderr)
        );
        // Frames are read in file-name order, so messages come back sorted by kind.
        let mut lines: Vec<String> = String::from_utf8(decoded.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let mut expected: Vec<String> = kinds.iter().map(|m| m.to_json()).collect();
        lines.sort();
        expected.sort();
        assert_eq!(lines, expected, "bundle: {bundle}");
    }
    // Too few frames: it says how many parts it has.
    let each = dir.path().join("each");
    let mut frames: Vec<String> = std::fs::read_dir(&each)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.contains("coordinatorround1"))
        .collect();
    frames.sort();
    let decoded = run(&["decode", &frames[0]]);
    assert!(!decoded.status.success());
    assert!(String::from_utf8_lossy(&decoded.stderr).contains("parts of a message"));
}

#[test]
fn a_relays_bundle_completes_a_dkg_round_for_everyone() {
    use hoarfrost::session::{Session, Stage};
    let mut r = rng(12);
    let mut sessions: Vec<Session> = (0..3)
        .map(|i| Session::dkg(2, 3, &format!("k{i}"), &mut r).unwrap())
        .collect();
    // The relay (participant 0) gathers everyone's round-1 messages and shows one bundle.
    let round1: Vec<String> = sessions
        .iter()
        .map(|s| s.view().outgoing.unwrap().json)
        .collect();
    sessions[0].paste(&format!("{}\n{}", round1[1], round1[2]), &mut r);
    let relay = sessions[0].view().relay;
    // Its own and the two accepted round-1 messages, and its own round-2 message.
    assert_eq!(relay.len(), 4);
    let messages: Vec<AnyMessage> = relay
        .iter()
        .map(|m| AnyMessage::from_json(m).unwrap())
        .collect();
    let mut parts = UrParts::new(&bundle(&messages), BUNDLE_TYPE, 80);
    let frames: Vec<String> = (0..3 * parts.fragment_count())
        .map(|i| parts.part(i).to_string())
        .collect();
    for s in &mut sessions[1..] {
        let mut feedback = Vec::new();
        for f in &frames {
            feedback.extend(s.paste(f, &mut r));
            if s.view().round == 2 {
                break;
            }
        }
        assert!(feedback.iter().all(|f| f.ok), "{feedback:?}");
        assert!(feedback
            .iter()
            .any(|f| f.text.contains("skipped a message already held")));
        assert_eq!(s.view().round, 2);
    }
    // Round 2 the same way: everyone finishes with the same key.
    let round2: Vec<String> = sessions
        .iter()
        .map(|s| s.view().outgoing.unwrap().json)
        .collect();
    for (i, s) in sessions.iter_mut().enumerate() {
        let others: Vec<&str> = (0..3)
            .filter(|j| *j != i)
            .map(|j| round2[j].as_str())
            .collect();
        s.paste(&others.join("\n"), &mut r);
        assert!(matches!(s.stage(), Stage::ReadyToFinish));
        s.finish();
    }
}

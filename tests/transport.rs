//! Airgapped transport: every message kind through UR parts and QR codes and back, lost
//! frames, refused parts, images, and the TUI's QR screen read back with a QR decoder.

mod common;

use common::*;
use hoarfrost::dkg::Dkg;
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::qr::{self, decode_greyscale, modules, plan_payload, to_png};
use hoarfrost::transport::ur::{Payload, Received, UrCollector, UrParts, BUNDLE_TYPE};
use hoarfrost::transport::{ur_collector, ur_type, AnyMessage};
use rand_chacha::rand_core::RngCore;

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

/// A message's parts, at most `max_fragment` bytes of it each.
fn parts_of(m: &AnyMessage, max_fragment: usize) -> UrParts {
    UrParts::new(&m.to_proto_bytes(), ur_type(m.kind()), max_fragment).unwrap()
}

fn payloads(messages: &[AnyMessage]) -> Vec<Payload> {
    messages.iter().map(AnyMessage::to_payload).collect()
}

fn collect(parts: impl IntoIterator<Item = String>) -> Vec<AnyMessage> {
    let mut c = ur_collector();
    for p in parts {
        if let Received::Complete(payloads) = c.receive(&p).unwrap() {
            return payloads
                .iter()
                .map(|p| AnyMessage::from_payload(p).unwrap())
                .collect();
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
        let mut single = parts_of(&m, usize::MAX);
        assert_eq!(single.fragment_count(), 1);
        let back = collect([single.part(0).to_string()]);
        assert_eq!(back[0].to_json(), json);
        let mut multi = parts_of(&m, 30);
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
        let mut parts = parts_of(&m, 40);
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
    let mut a = parts_of(&kinds[0], 40);
    let mut b = parts_of(&kinds[2], 40);
    let mut c = ur_collector();
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
    assert!(e.contains("checksum is wrong") && e.contains("kept"), "{e}");
    // An unexpected type.
    let e = c.receive("ur:crypto-psbt/1-2/lpadaobdhd").unwrap_err();
    assert!(e.contains("\"crypto-psbt\" is not taken here"), "{e}");
    assert!(c.receive("hello").is_err());
    // A duplicate is ignored; the collected parts were kept and the message completes.
    assert!(matches!(c.receive(a.part(0)).unwrap(), Received::Duplicate));
    let n = a.fragment_count();
    let mut done = None;
    for i in 1..3 * n {
        if let Received::Complete(p) = c.receive(a.part(i)).unwrap() {
            done = Some(p);
            break;
        }
    }
    assert_eq!(done.unwrap(), vec![kinds[0].to_payload()]);
}

#[test]
fn bundles_carry_a_whole_round() {
    let kinds = all_kinds();
    let mut parts = UrParts::bundle(&payloads(&kinds), 60).unwrap();
    assert!(parts
        .part(0)
        .starts_with(&format!("UR:{}/1-", BUNDLE_TYPE.to_ascii_uppercase())));
    let back = collect((0..3 * parts.fragment_count()).map(|i| parts.part(i).to_string()));
    assert_eq!(back.len(), kinds.len());
    for (a, b) in back.iter().zip(&kinds) {
        assert_eq!(a.to_json(), b.to_json());
    }
}

#[test]
fn qr_frames_decode_from_png() {
    for m in all_kinds() {
        let (version, mut parts) =
            plan_payload(&m.to_proto_bytes(), ur_type(m.kind()), 12).unwrap();
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
        std::sync::Arc::new(|_: &str, g: &hoarfrost::keys::GroupKey| {
            let dir = tempfile::tempdir().unwrap().keep();
            hoarfrost::journal::JournalGuard::open(&dir.join("j.json"), g)
                .map(|g| Box::new(g) as Box<dyn hoarfrost::session::SignGuard>)
                .map_err(|e| e.to_string())
        });
    let mut session = Session::follow(vec![("identity".into(), stored)], None, opener);
    let mut parts = parts_of(&AnyMessage::CoordinatorRound1(round1), 40);
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
    let progress = session.ur_progress();
    assert!(progress.is_some());
    // The part that made the old decoder allocate 34 GB: one line of error, nothing lost.
    let attack = &reference().hostile.parts[0];
    let feedback = session.paste(&attack.part, &mut r);
    assert!(
        matches!(&feedback[..], [f] if !f.ok && f.text.contains(&attack.refusal)),
        "{feedback:?}"
    );
    assert_eq!(session.ur_progress(), progress);
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
    use common::process::{run, BIN};
    use std::io::Write;
    use std::process::{Command, Stdio};
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
        let mut child = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let result = child.wait_with_output().unwrap();
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
        let stderr = String::from_utf8_lossy(&decoded.stderr);
        assert!(decoded.status.success(), "{stderr}");
        // One line per message, when it is complete; none per part.
        let messages = if bundle { 1 } else { kinds.len() };
        assert_eq!(stderr.lines().count(), messages, "{stderr}");
        assert!(
            stderr
                .lines()
                .all(|l| l.contains(": collected ") && l.contains(" parts of ")),
            "{stderr}"
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
    let mut parts = UrParts::bundle(&payloads(&messages), 80).unwrap();
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

/// Vectors made with Blockchain Commons' reference implementation (tests/data/ur/generate.js).
#[derive(serde::Deserialize)]
struct ReferenceVectors {
    vectors: Vec<ReferenceVector>,
    hostile: HostileParts,
}

#[derive(serde::Deserialize)]
struct ReferenceVector {
    name: String,
    max_fragment_length: usize,
    fragment_count: usize,
    parts: Vec<String>,
    /// The fragments each part mixes, as the reference chooses them.
    indexes: Vec<Vec<usize>>,
}

/// How many parts of `order` (indexes into `v.parts`) come before the received parts have
/// full rank over GF(2), computed here independently of the collector.
fn parts_to_full_rank(v: &ReferenceVector, order: &[usize]) -> Option<usize> {
    let n = v.fragment_count;
    let mut pivots: Vec<Option<Vec<bool>>> = vec![None; n];
    let mut rank = 0;
    for (taken, &i) in order.iter().enumerate() {
        let mut row = vec![false; n];
        for &f in &v.indexes[i] {
            row[f] = true;
        }
        while let Some(lead) = row.iter().position(|b| *b) {
            match &pivots[lead] {
                Some(pivot) => row.iter_mut().zip(pivot).for_each(|(r, p)| *r ^= p),
                None => {
                    pivots[lead] = Some(row);
                    rank += 1;
                    break;
                }
            }
        }
        if rank == n {
            return Some(taken + 1);
        }
    }
    None
}

#[derive(serde::Deserialize)]
struct HostileParts {
    target: String,
    parts: Vec<HostilePart>,
}

#[derive(serde::Deserialize)]
struct HostilePart {
    name: String,
    refusal: String,
    part: String,
}

fn reference() -> ReferenceVectors {
    serde_json::from_str(include_str!("data/ur/vectors.json")).unwrap()
}

/// Takes the types the reference vectors use.
fn reference_collector() -> UrCollector {
    UrCollector::new(["pcli-dkg1", "pcli-dkg2", "bytes"])
}

/// Feeds parts until the message completes; None if it never does.
fn complete<'a>(
    c: &mut UrCollector,
    parts: impl IntoIterator<Item = &'a String>,
) -> Option<Vec<Payload>> {
    for p in parts {
        if let Received::Complete(payloads) = c.receive(p).unwrap() {
            return Some(payloads);
        }
    }
    None
}

#[test]
fn the_reference_encoders_parts_decode_shuffled_and_with_parts_lost() {
    let vectors = reference().vectors;
    assert!(vectors.len() > 40);
    for v in &vectors {
        let whole = complete(&mut reference_collector(), &v.parts)
            .unwrap_or_else(|| panic!("{}: the parts in order never completed", v.name));
        if v.fragment_count == 1 {
            continue;
        }
        let mut completed = 0;
        for seed in 0..8 {
            // Shuffled, then about 30% dropped.
            let mut r = rng(seed);
            let mut order: Vec<usize> = (0..v.parts.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, r.next_u32() as usize % (i + 1));
            }
            order.retain(|_| r.next_u32() % 10 >= 3);
            // It completes with the very part that brings the parts to full rank.
            let needed = parts_to_full_rank(v, &order);
            let mut c = reference_collector();
            let got = order.iter().position(
                |&i| matches!(c.receive(&v.parts[i]).unwrap(), Received::Complete(p) if p == whole),
            );
            assert_eq!(got.map(|at| at + 1), needed, "{} seed {seed}", v.name);
            completed += usize::from(got.is_some());
        }
        assert!(completed >= 6, "{}: {completed} of 8", v.name);
    }
}

#[test]
fn our_parts_are_the_reference_encoders_parts() {
    for v in reference().vectors {
        let payloads = complete(&mut reference_collector(), &v.parts).unwrap();
        let mut ours = match v.name.starts_with("bundle") {
            true => UrParts::bundle(&payloads, v.max_fragment_length).unwrap(),
            false => UrParts::new(
                &payloads[0].bytes,
                &payloads[0].ur_type,
                v.max_fragment_length,
            )
            .unwrap(),
        };
        assert_eq!(ours.fragment_count(), v.fragment_count, "{}", v.name);
        for (i, theirs) in v.parts.iter().enumerate() {
            let part = ours.seq_part(i as u32 + 1);
            // Ours are uppercase for QR codes' alphanumeric mode; otherwise identical.
            assert_eq!(part, part.to_ascii_uppercase());
            assert_eq!(&part.to_ascii_lowercase(), theirs, "{} part {i}", v.name);
        }
        // The stream shows reference parts in its own order: each is the part of its number.
        for i in 0..3 * v.fragment_count {
            let shown = ours.part(i).to_string();
            let seq: u32 = match shown.split('/').nth(1).and_then(|s| s.split_once('-')) {
                Some((seq, _)) => seq.parse().unwrap(),
                None => 1,
            };
            assert_eq!(shown, ours.seq_part(seq), "{} index {i}", v.name);
            if let Some(theirs) = v.parts.get(seq as usize - 1) {
                assert_eq!(&shown.to_ascii_lowercase(), theirs, "{} index {i}", v.name);
            }
        }
    }
}

#[test]
fn hostile_parts_are_refused_in_one_line_and_the_parts_collected_are_kept() {
    let ReferenceVectors { vectors, hostile } = reference();
    let target = vectors.iter().find(|v| v.name == hostile.target).unwrap();
    let n = target.fragment_count;
    let mut c = reference_collector();
    assert!(matches!(
        c.receive(&target.parts[0]).unwrap(),
        Received::Progress { have: 1, total } if total == n
    ));
    assert!(hostile.parts.len() >= 11);
    for h in &hostile.parts {
        let e = c.receive(&h.part).unwrap_err();
        assert!(e.contains(&h.refusal), "{}: {e}", h.name);
        assert!(
            e.contains(&format!("the 1 of {n} parts collected are kept")),
            "{}: {e}",
            h.name
        );
        assert!(!e.contains('\n') && e.len() < 200, "{}: {e}", h.name);
        assert_eq!(c.progress(), Some((1, n)), "{}", h.name);
    }
    let rest = complete(&mut c, &target.parts[1..]).unwrap();
    assert_eq!(
        rest,
        complete(&mut reference_collector(), &target.parts).unwrap()
    );
}

#[test]
fn decode_refuses_hostile_parts_and_still_reads_the_message() {
    use common::process::run;
    let dir = tempfile::tempdir().unwrap();
    let message = all_kinds().remove(4);
    let mut parts = parts_of(&message, 40);
    let attacks: Vec<HostilePart> = reference().hostile.parts.into_iter().take(3).collect();
    let mut text: Vec<String> = attacks.iter().map(|a| a.part.clone()).collect();
    text.extend((0..3 * parts.fragment_count()).map(|i| parts.part(i).to_string()));
    let file = dir.path().join("parts.txt");
    std::fs::write(&file, text.join("\n")).unwrap();
    let out = run(&["decode", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        message.to_json()
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), attacks.len() + 1, "{stderr}");
    for (line, attack) in lines.iter().zip(&attacks) {
        assert!(
            line.starts_with("error: ") && line.contains(&attack.refusal),
            "{line}"
        );
    }
    assert!(
        lines[attacks.len()].starts_with("pcli-dkg1: collected "),
        "{stderr}"
    );
}

//! Airgapped transport: every message kind through UR parts and QR codes and back, lost
//! frames, refused and hostile parts, images, the command-line bridges, and interoperability
//! with Blockchain Commons' reference implementation.

mod common;

use common::*;
use hoarfrost::dkg::Dkg;
use hoarfrost::messages::AnyMessage;
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::qr::{self, modules, plan_payload, to_png};
use hoarfrost::transport::ur::{Payload, Received, UrCollector, UrParts, BUNDLE_TYPE};
use hoarfrost::transport::ur_collector;
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
        None,
    )
    .unwrap();
    let mut f = Follower::new(shares[1].clone(), round1.clone()).unwrap();
    let f1 = f.approve(&mut r).unwrap();
    c.accept_round1(f1.clone()).unwrap();
    let c2 = c.start_round2(&mut r).unwrap();
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
    UrParts::new(&m.to_bytes(), m.kind().ur_type(), max_fragment).unwrap()
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
                .map(|p| AnyMessage::from_ur(&p.ur_type, &p.bytes).unwrap())
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
        assert!(m.to_bytes().len() * 3 < json.len() * 2, "{}", m.kind());
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
        let (version, mut parts) = plan_payload(&m.to_bytes(), m.kind().ur_type(), 12).unwrap();
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
        lines[attacks.len()].starts_with("DKGRound1: collected "),
        "{stderr}"
    );
}

#[test]
fn a_pasted_hostile_part_is_refused_and_the_collected_parts_are_kept() {
    use hoarfrost::intake::{Intake, Piece};
    let message = all_kinds().remove(0);
    let mut parts = parts_of(&message, 40);
    let mut intake = Intake::default();
    intake.paste(parts.part(0));
    let progress = intake.ur_progress();
    assert!(progress.is_some());
    // The part that made the old decoder allocate 34 GB, and the one that made it spin.
    for attack in reference().hostile.parts.iter().take(3) {
        let pieces = intake.paste(&attack.part);
        assert!(
            matches!(&pieces[..], [Piece::Refused { reason, .. }] if reason.contains(&attack.refusal)),
            "{}: {pieces:?}",
            attack.name
        );
        assert_eq!(intake.ur_progress(), progress);
    }
    let done =
        (1..4 * parts.fragment_count()).find_map(|i| match intake.paste(parts.part(i)).pop() {
            Some(Piece::Messages { messages, .. }) => Some(messages),
            _ => None,
        });
    assert_eq!(done.unwrap()[0].to_json(), message.to_json());
}

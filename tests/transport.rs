//! Airgapped transport: every message kind through UR parts and QR codes and back, lost
//! frames, refused parts, images, and the command-line bridges.

mod common;

use common::*;
use hoarfrost::dkg::Dkg;
use hoarfrost::messages::AnyMessage;
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::bundle;
use hoarfrost::transport::qr::{self, modules, plan_payload, to_png};
use hoarfrost::transport::ur::{Received, UrCollector, UrParts, BUNDLE_TYPE};

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
        assert!(m.to_bytes().len() * 3 < json.len() * 2, "{}", m.kind());
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
        let (version, mut parts) = plan_payload(&m.to_bytes(), m.kind().ur_type(), 12);
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

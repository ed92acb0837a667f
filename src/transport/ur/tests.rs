//! The encoder's part order and the collector's handling of whole streams. (Interoperability
//! with the reference implementation and hostile parts: tests/transport.rs.)

use super::fountain::Encoder;
use super::part::Part;
use super::*;

fn message(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

fn seq_of(part: &str) -> u32 {
    let seq = part.split('/').nth(1).unwrap().split_once('-').unwrap().0;
    seq.parse().unwrap()
}

fn collector() -> UrCollector {
    UrCollector::new(["pcli-c1", "pcli-f1"])
}

/// A part with the given fields, as text.
fn part_text(part: &Part) -> String {
    format!(
        "ur:pcli-c1/{}-{}/{}",
        part.seq,
        part.count,
        bytewords::encode(&part.to_cbor())
    )
}

#[test]
fn streams_cycle_through_fragments_then_dense_mixes() {
    // 2, 3, 4 and 13 fragments: mixes of at least 1, 2, 2 and 7.
    for (len, max_fragment, min_degree) in [(40, 30, 1), (50, 20, 2), (70, 20, 2), (500, 40, 7)] {
        let mut parts = UrParts::new(&message(len), "pcli-c1", max_fragment).unwrap();
        let n = parts.fragment_count();
        let seqs: Vec<u32> = (0..6 * n).map(|i| seq_of(parts.part(i))).collect();
        for cycle in 0..3 {
            let fragments = &seqs[2 * n * cycle..2 * n * cycle + n];
            assert_eq!(fragments, (1..=n as u32).collect::<Vec<_>>());
        }
        let mixes: Vec<u32> = (0..3)
            .flat_map(|cycle| seqs[2 * n * cycle + n..2 * n * (cycle + 1)].to_vec())
            .collect();
        // New mixes every cycle, dense enough, and no two of a cycle mixing the same fragments.
        assert!(mixes.windows(2).all(|w| w[0] < w[1]), "{mixes:?}");
        assert!(mixes[0] > n as u32);
        let chooser = fountain::Chooser::new(n, crc32fast::hash(&message_cbor(len)));
        assert!(
            mixes.iter().all(|s| chooser.degree(*s) >= min_degree),
            "{n}: {mixes:?}"
        );
        for cycle in mixes.chunks(n) {
            let mut sets: Vec<Vec<usize>> = cycle
                .iter()
                .map(|s| {
                    let mut out = Vec::new();
                    chooser.choose(*s, &mut out);
                    out.sort();
                    out
                })
                .collect();
            sets.sort();
            sets.dedup();
            assert_eq!(sets.len(), n, "{n}: {mixes:?}");
        }
        // Any index, in any order, gives the same part.
        let again: Vec<u32> = (0..6 * n).rev().map(|i| seq_of(parts.part(i))).collect();
        assert_eq!(again.into_iter().rev().collect::<Vec<_>>(), seqs);
    }
}

fn message_cbor(len: usize) -> Vec<u8> {
    UrMessage::single(&Payload::new("pcli-c1", &message(len)))
        .unwrap()
        .cbor()
        .to_vec()
}

#[test]
fn large_messages_get_wider_fragments_within_the_bound() {
    let len = 10 * MAX_FRAGMENTS + 1;
    let mut parts = UrParts::new(&message(len), "pcli-c1", 10).unwrap();
    let n = parts.fragment_count();
    assert!((MAX_FRAGMENTS / 2..=MAX_FRAGMENTS).contains(&n), "{n}");
    let mut c = collector();
    let done = (0..n).find_map(|i| match c.receive(parts.part(i)).unwrap() {
        Received::Complete(p) => Some(p),
        _ => None,
    });
    assert_eq!(done, Some(vec![Payload::new("pcli-c1", &message(len))]));
    assert_eq!(c.completed_parts(), Some((n, n)));
}

#[test]
fn duplicates_redundant_parts_and_finished_messages_are_ignored() {
    let mut parts = UrParts::new(&message(100), "pcli-c1", 30).unwrap();
    let n = parts.fragment_count();
    let mut c = collector();
    let first = parts.part(0).to_string();
    assert!(matches!(
        c.receive(&first).unwrap(),
        Received::Progress { have: 1, total } if total == n
    ));
    // Exactly the same part, and in lowercase with spaces around it.
    assert!(matches!(c.receive(&first).unwrap(), Received::Duplicate));
    let lower = format!("  {}\n", first.to_ascii_lowercase());
    assert!(matches!(c.receive(&lower).unwrap(), Received::Duplicate));
    let mut done = None;
    for i in 1..2 * n {
        if let Received::Complete(p) = c.receive(parts.part(i)).unwrap() {
            done = Some(p);
            break;
        }
    }
    assert_eq!(done.unwrap()[0].bytes, message(100));
    assert_eq!(c.progress(), None);
    // The stream goes on: its later parts are of a finished message.
    assert!(matches!(
        c.receive(parts.part(2 * n + 1)).unwrap(),
        Received::Duplicate
    ));
    // A single-part UR completes at once.
    let mut single = UrParts::new(&[1, 2, 3], "pcli-f1", 100).unwrap();
    assert_eq!(single.fragment_count(), 1);
    assert!(matches!(
        c.receive(single.part(0)).unwrap(),
        Received::Complete(p) if p == vec![Payload::new("pcli-f1", &[1, 2, 3])]
    ));
    assert_eq!(c.completed_parts(), Some((1, 1)));
}

#[test]
fn a_rebuilt_message_that_fails_its_checksum_is_dropped() {
    let cbor = message_cbor(100);
    let mut encoder = Encoder::new(&cbor, 30);
    let n = encoder.fragment_count() as u32;
    let mut c = collector();
    for seq in 1..n {
        c.receive(&part_text(&encoder.part(seq))).unwrap();
    }
    let mut forged = encoder.part(n);
    forged.fragment[0] ^= 1;
    let e = c.receive(&part_text(&forged)).unwrap_err();
    assert!(
        e.contains("fails its checksum") && e.contains("again"),
        "{e}"
    );
    assert_eq!(c.progress(), None);
    // Scanned again, it completes.
    let done = (1..=n).find_map(|seq| match c.receive(&part_text(&encoder.part(seq))) {
        Ok(Received::Complete(p)) => Some(p),
        _ => None,
    });
    assert_eq!(done.unwrap()[0].bytes, message(100));
}

#[test]
fn malformed_texts_are_refused_by_name() {
    let mut c = collector();
    let refused = |c: &mut UrCollector, text: &str| c.receive(text).unwrap_err();
    assert!(refused(&mut c, "hello").contains("not a UR part"));
    assert!(refused(&mut c, "ur:pcli-c1/1-2/ab/cd").contains("path components"));
    assert!(refused(&mut c, "ur:pcli_c1/abcd").contains("not a UR type"));
    assert!(refused(&mut c, "ur:pcli-c2/abcd").contains("not taken here"));
    assert!(refused(&mut c, "ur:pcli-c1/1-x/abcd").contains("<number>-<number>"));
    assert!(refused(&mut c, "ur:pcli-c1/1-99999999999/abcd").contains("<number>-<number>"));
    let huge = format!("ur:pcli-c1/1-2/{}", "ae".repeat(MAX_MESSAGE_BYTES + 100));
    assert!(refused(&mut c, &huge).contains("more than a message"));
    // A bundle holding a type this collector does not take.
    let mut bundle = UrParts::bundle(&[Payload::new("pcli-c2", &[1])], 100).unwrap();
    let e = refused(&mut c, bundle.part(0));
    assert!(e.contains("entry 1") && e.contains("pcli-c2"), "{e}");
    // A single-part UR whose CBOR is not a byte string.
    let not_bytes = format!("ur:pcli-c1/{}", bytewords::encode(&[0x01]));
    assert!(refused(&mut c, &not_bytes).contains("not a CBOR byte string"));
}

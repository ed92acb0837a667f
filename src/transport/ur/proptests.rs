//! Property tests: parts with any fields (well-formed bytewords and CBOR, so every check is
//! reached), and real parts mutated, never panic, never make the collector hang or lose the
//! message it collects. Cases: PROPTEST_CASES (256 by default).

use proptest::prelude::*;

use super::cbor;
use super::*;

/// A real message in 7 fragments, whose collection is under way when the hostile part comes.
fn real() -> (UrParts, Vec<u8>) {
    let payload: Vec<u8> = (0..200u32).map(|i| (i * 13) as u8).collect();
    (UrParts::new(&payload, "pcli-c1", 30).unwrap(), payload)
}

/// Feeds `hostile` after two real parts; the real stream must still complete (scanned again
/// if the hostile part poisoned the message and it was dropped).
fn survives(hostile: &str) -> Result<(), TestCaseError> {
    let (mut parts, payload) = real();
    let n = parts.fragment_count();
    let mut c = UrCollector::new(["pcli-c1", "pcli-f1"]);
    c.receive(parts.part(0)).unwrap();
    c.receive(parts.part(1)).unwrap();
    let before = c.progress();
    match c.receive(hostile) {
        Err(e) => {
            prop_assert!(!e.contains('\n') && e.len() < 400, "{}", e);
            // Refused: nothing lost, unless the message was dropped as poisoned.
            prop_assert!(c.progress() == before || e.contains("dropped"), "{}", e);
        }
        Ok(Received::Complete(_)) | Ok(Received::Duplicate) => {}
        Ok(Received::Progress { have, total }) => prop_assert!(have <= total),
    }
    for i in 0..8 * n {
        if let Ok(Received::Complete(p)) = c.receive(parts.part(i)) {
            if p == vec![Payload::new("pcli-c1", &payload)] {
                return Ok(());
            }
        }
    }
    Err(TestCaseError::fail("the real message never completed"))
}

fn part_text(ur_type: &str, header: (u64, u64), fields: &[u64], fragment: &[u8]) -> String {
    let mut body = Vec::new();
    cbor::write_array(&mut body, fields.len() + 1);
    for f in fields {
        cbor::write_uint(&mut body, *f);
    }
    cbor::write_bytes(&mut body, fragment);
    format!(
        "ur:{ur_type}/{}-{}/{}",
        header.0,
        header.1,
        bytewords::encode(&body)
    )
}

fn field() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..10,
        0u64..300,
        Just(u64::from(u32::MAX)),
        Just(MAX_FRAGMENTS as u64 + 1),
        Just(MAX_MESSAGE_BYTES as u64 + 1),
        any::<u64>(),
    ]
}

proptest! {
    #[test]
    fn parts_with_any_fields_are_handled(
        seq in field(),
        count in prop_oneof![Just(7u64), field()],
        message_len in prop_oneof![Just(202u64), field()],
        checksum in prop_oneof![Just(0u64), any::<u32>().prop_map(u64::from)],
        fragment in prop_oneof![
            prop::collection::vec(any::<u8>(), 29),
            prop::collection::vec(any::<u8>(), 0..80),
        ],
        header_matches in any::<bool>(),
        real_checksum in any::<bool>(),
        (header_seq, header_count) in (field(), field()),
    ) {
        let (mut parts, _) = real();
        // The real message's checksum, read from its first part, so shape checks are reached.
        let first = part::Part::from_cbor(
            &bytewords::decode(parts.part(0).to_ascii_lowercase().rsplit('/').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        let checksum = if real_checksum { u64::from(first.checksum) } else { checksum };
        let header = if header_matches { (seq, count) } else { (header_seq, header_count) };
        let fields = [seq, count, message_len, checksum];
        survives(&part_text("pcli-c1", header, &fields, &fragment))?;
    }

    #[test]
    fn mutated_real_parts_are_handled(
        index in 0usize..30,
        at in any::<prop::sample::Index>(),
        len in 0usize..12,
        insert in "[a-z0-9/:-]{0,12}",
    ) {
        let (mut parts, _) = real();
        let original = parts.part(index).to_ascii_lowercase();
        let start = at.index(original.len());
        let end = (start + len).min(original.len());
        let mut mutated = original.clone();
        mutated.replace_range(start..end, &insert);
        survives(&mutated)?;
    }

    #[test]
    fn random_text_is_handled(text in "(ur:|UR:)?[a-z0-9/:-]{0,120}|.{0,200}") {
        survives(&text)?;
    }
}

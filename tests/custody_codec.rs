//! Refresh and repair messages in the one codec: the JSON's shape (its envelope), the pinned
//! wire format, round trips of every kind, every malformed field refused by name, and decoders
//! that never panic.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::custody_samples;
use hoarfrost::custody::proto as pb;
use hoarfrost::messages::{AnyMessage, Codec, DecodeError, MessageKind};
use hoarfrost::refresh::{RefreshRound1, RefreshRound2};
use hoarfrost::repair::RepairRequest;
use proptest::prelude::*;

/// One message of every kind (see [`custody_samples`]).
fn samples() -> Vec<AnyMessage> {
    custody_samples(5)
}

/// The same message: the same kind and the same proto bytes (which the signature covers).
fn same(a: &AnyMessage, b: &AnyMessage) -> bool {
    a.kind() == b.kind() && a.to_bytes() == b.to_bytes()
}

/// The refresh and repair kinds, in the table's order.
fn custody_kinds() -> Vec<MessageKind> {
    MessageKind::ALL
        .iter()
        .copied()
        .filter(|k| k.envelope().is_some())
        .collect()
}

#[test]
fn every_kind_round_trips_through_json_and_proto_bytes() {
    let samples = samples();
    let kinds: Vec<_> = samples.iter().map(|m| m.kind()).collect();
    assert_eq!(kinds, custody_kinds());
    for m in &samples {
        assert!(same(&AnyMessage::from_json(&m.to_json()).unwrap(), m));
        assert!(same(
            &AnyMessage::from_bytes(m.kind(), &m.to_bytes()).unwrap(),
            m
        ));
        assert!(same(
            &AnyMessage::from_ur(m.kind().ur_type(), &m.to_bytes()).unwrap(),
            m
        ));
        assert!(m.kind().ur_type().starts_with("hoarfrost-"));
        assert!(m.to_bytes().len() < m.to_json().len());
        assert!(m.sender_key().is_some());
    }
    let AnyMessage::RefreshRound1(r1) = &samples[0] else {
        unreachable!()
    };
    assert_eq!(&RefreshRound1::from_json(&r1.to_json()).unwrap(), r1);
    let e = RefreshRound2::from_json(&r1.to_json()).unwrap_err();
    assert_eq!(e.to_string(), "expected RefreshRound2 (a refresh round-2 message (encrypted shares)), but this is RefreshRound1 (a refresh round-1 message)");
    assert!(matches!(
        RepairRequest::from_bytes(&[0xff, 0xff]),
        Err(DecodeError::Field { field, .. }) if field == "proto"
    ));
}

/// The wire format is pinned: the seeded samples encode, as proto bytes and as JSON, to exactly
/// what they encoded to when these messages had a codec of their own (before they joined the
/// one message table), so a change to a tag, a field or a name shows here.
#[test]
fn the_wire_format_is_pinned() {
    let mut state = blake2b_simd::Params::new().hash_length(16).to_state();
    for m in samples() {
        state.update(&m.to_bytes());
        state.update(m.to_json().as_bytes());
    }
    assert_eq!(
        hex::encode(state.finalize().as_bytes()),
        "860c8b278c2445c9f08cc0547dbe0011",
        "the wire format of refresh and repair messages changed"
    );
}

#[test]
fn json_is_compact_camel_case_with_padded_base64_and_string_integers() {
    let m = &samples()[0];
    let text = m.to_json();
    assert!(!text.contains('\n') && !text.contains(": "));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let body = &value["refreshRound1"];
    assert_eq!(body["inner"]["session"]["started"], "1800000000");
    let sig = body["sig"].as_str().unwrap();
    assert_eq!(STANDARD.decode(sig).unwrap().len(), 64);
    assert!(
        sig.ends_with("=="),
        "64 bytes take two padding characters: {sig}"
    );
    fn no_snake(v: &serde_json::Value) {
        if let Some(o) = v.as_object() {
            for (k, v) in o {
                assert!(!k.contains('_'), "{k}");
                no_snake(v);
            }
        }
    }
    no_snake(&value);
    // Generation 0 leaves out its zeros, as proto3 JSON does.
    assert!(body["inner"]["session"]["group"]
        .get("generation")
        .is_none());
    // snake_case names and URL-safe unpadded base64 are read too.
    let lenient = text.replace("refreshRound1", "refresh_round1").replace(
        sig,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(STANDARD.decode(sig).unwrap()),
    );
    assert!(same(&AnyMessage::from_json(&lenient).unwrap(), m));
}

/// The proto of a sample, changed by `tamper`, decoded again.
fn decode_tampered<P: prost::Message + Default>(
    m: &AnyMessage,
    tamper: impl FnOnce(&mut P),
) -> DecodeError {
    let mut proto = P::decode(m.to_bytes().as_slice()).unwrap();
    tamper(&mut proto);
    AnyMessage::from_bytes(m.kind(), &proto.encode_to_vec()).unwrap_err()
}

fn assert_names(e: DecodeError, needles: &[&str]) {
    let text = e.to_string();
    for n in needles {
        assert!(text.contains(n), "{n:?} not in {text:?}");
    }
}

#[test]
fn malformed_fields_are_refused_by_name() {
    let s = samples();
    let identity = vec![0u8; 32];
    let not_a_point = vec![0xffu8; 32];
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            p.sig.pop().map(|_| ()).unwrap()
        }),
        &["RefreshRound1", "sig", "expected 64 bytes, got 63"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| p.vk = vec![1; 31]),
        &["vk", "expected 32 bytes"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| p.inner = None),
        &["inner", "missing"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            p.inner.as_mut().unwrap().commitment[0] = identity.clone()
        }),
        &["inner.commitment[0]", "identity is not allowed"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            p.inner.as_mut().unwrap().commitment.clear()
        }),
        &["inner.commitment", "empty"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            p.inner.as_mut().unwrap().epk = not_a_point.clone()
        }),
        &["inner.epk", "not a valid decaf377 element"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            p.inner
                .as_mut()
                .unwrap()
                .session
                .as_mut()
                .unwrap()
                .members
                .reverse()
        }),
        &["inner.session.members: entries 0 and 1", "ascending order"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            let session = p.inner.as_mut().unwrap().session.as_mut().unwrap();
            session.members.truncate(1);
        }),
        &["at least 2 members"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            let session = p.inner.as_mut().unwrap().session.as_mut().unwrap();
            session.group.as_mut().unwrap().generation = 4;
        }),
        &[
            "inner.session.group.refreshed",
            "generation 4 needs the date",
        ],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| {
            p.inner.as_mut().unwrap().session.as_mut().unwrap().id = vec![0; 16]
        }),
        &["inner.session.id", "expected 32 bytes, got 16"],
    );
    assert_names(
        decode_tampered(&s[0], |p: &mut pb::RefreshRound1| p.sig[0] ^= 1),
        &["signature does not verify"],
    );
    assert_names(
        decode_tampered(&s[1], |p: &mut pb::RefreshRound2| {
            p.inner.as_mut().unwrap().shares[0].ciphertext.push(0)
        }),
        &["inner.shares[0].ciphertext", "expected 80 bytes"],
    );
    assert_names(
        decode_tampered(&s[1], |p: &mut pb::RefreshRound2| {
            let shares = &mut p.inner.as_mut().unwrap().shares;
            shares.push(shares[0].clone());
        }),
        &[
            "inner.shares[1]",
            "second ciphertext for the same recipient",
        ],
    );
    assert_names(
        decode_tampered(&s[1], |p: &mut pb::RefreshRound2| {
            p.inner.as_mut().unwrap().transcript.clear()
        }),
        &["inner.transcript", "expected 32 bytes, got 0"],
    );
    assert_names(
        decode_tampered(&s[2], |p: &mut pb::RepairRequest| {
            p.inner.as_mut().unwrap().group = None
        }),
        &["RepairRequest", "inner.group", "missing"],
    );
    assert_names(
        decode_tampered(&s[3], |p: &mut pb::RepairRound1| {
            let session = p.inner.as_mut().unwrap().session.as_mut().unwrap();
            let newcomer = session.newcomer.as_ref().unwrap().vk.clone();
            session.helpers.push(newcomer);
            session.helpers.sort();
        }),
        &["the newcomer cannot help itself"],
    );
    assert_names(
        decode_tampered(&s[3], |p: &mut pb::RepairRound1| {
            let session = p.inner.as_mut().unwrap().session.as_mut().unwrap();
            session.newcomer.as_mut().unwrap().vk.truncate(3);
        }),
        &[
            "RepairRound1: inner.session.newcomer.vk",
            "expected 32 bytes",
        ],
    );
    assert_names(
        decode_tampered(&s[3], |p: &mut pb::RepairRound1| {
            let session = p.inner.as_mut().unwrap().session.as_mut().unwrap();
            session.newcomer.as_mut().unwrap().sig[5] ^= 1;
        }),
        &[
            "RepairRequest from participant",
            "signature does not verify",
        ],
    );
    assert_names(
        decode_tampered(&s[4], |p: &mut pb::RepairRound2| {
            p.inner.as_mut().unwrap().commitments[1] = not_a_point.clone()
        }),
        &["inner.commitments[1]", "not a valid decaf377 element"],
    );
    assert_names(
        decode_tampered(&s[5], |p: &mut pb::RepairRound3| {
            p.inner.as_mut().unwrap().sigma.truncate(79)
        }),
        &[
            "inner.sigma",
            "expected 80 bytes (an encrypted scalar), got 79",
        ],
    );
}

#[test]
fn malformed_json_is_refused_by_name() {
    let m = &samples()[2];
    let text = m.to_json();
    for (input, needle) in [
        ("", "input is empty"),
        ("{\"refreshRound1\":", "not valid JSON"),
        ("[1,2]", "exactly one of the fields"),
        ("{}", "exactly one of the fields"),
        ("{\"unknownRound\":{}}", "exactly one of the fields"),
        (
            "{\"refreshRound1\":{},\"repairRound1\":{}}",
            "exactly one of the fields refreshRound1, refreshRound2",
        ),
        // An envelope field beside pcli's fields is no envelope: pcli's kind is recognised.
        (
            "{\"plan\":5,\"refreshRound1\":{}}",
            "CoordinatorRound1: JSON",
        ),
        ("{\"repairRequest\":5}", "RepairRequest: JSON"),
    ] {
        let e = AnyMessage::from_json(input).unwrap_err().to_string();
        assert!(e.contains(needle), "{input:?}: {e}");
    }
    let extra = text.replacen("{\"inner\"", "{\"extra\":1,\"inner\"", 1);
    let e = AnyMessage::from_json(&extra).unwrap_err().to_string();
    assert!(
        e.contains("RepairRequest: JSON") && e.contains("unknown field"),
        "{e}"
    );
    let bad_base64 = text.replacen("\"vk\":\"", "\"vk\":\"!!", 1);
    let e = AnyMessage::from_json(&bad_base64).unwrap_err().to_string();
    assert!(e.contains("not base64"), "{e}");
    let e = AnyMessage::from_json(&text.replacen("\"vk\":\"", "\"vk\":\"AAAA", 1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("vk"), "{e}");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for kind in custody_kinds() {
            let _ = AnyMessage::from_bytes(kind, &bytes);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        let _ = AnyMessage::from_json(&text);
    }

    #[test]
    fn altered_messages_never_panic_and_never_change_silently(
        which in 0usize..6,
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let m = &SAMPLES.with(|s| s.clone())[which];
        let mut bytes = m.to_bytes();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Ok(decoded) = AnyMessage::from_bytes(m.kind(), &bytes) {
            // Only an encoding change that keeps every value (none exists for a flipped bit
            // inside a signed field) may decode, and then to the same message.
            prop_assert!(same(&decoded, m));
        }
        let mut text = m.to_json().into_bytes();
        let j = at.index(text.len());
        text[j] ^= 1 << bit;
        if let Ok(text) = String::from_utf8(text) {
            if let Ok(decoded) = AnyMessage::from_json(&text) {
                prop_assert!(same(&decoded, m));
            }
        }
    }
}

proptest! {
    #[test]
    fn spliced_messages_never_panic_and_never_change_silently(
        which in 0usize..6,
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        insert in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let m = &SAMPLES.with(|s| s.clone())[which];
        let mut bytes = m.to_bytes();
        let start = at.index(bytes.len());
        let end = (start + cut).min(bytes.len());
        bytes.splice(start..end, insert.iter().copied());
        if let Ok(decoded) = AnyMessage::from_bytes(m.kind(), &bytes) {
            prop_assert!(same(&decoded, m));
        }
    }
}

thread_local! {
    static SAMPLES: Vec<AnyMessage> = samples();
}

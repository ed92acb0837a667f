//! Property tests: decoders never panic on hostile input, and ceremonies succeed for any
//! threshold, group size and choice of signers.

mod common;

use common::*;
use hoarfrost::dkg::{DkgRound1, DkgRound2};
use hoarfrost::keyfile;
use hoarfrost::messages::{
    AnyMessage, Codec, CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2,
    MessageKind,
};
use hoarfrost::refresh::{RefreshRound1, RefreshRound2};
use hoarfrost::repair::{RepairRequest, RepairRound1, RepairRound2, RepairRound3};
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::ur::UrParts;
use proptest::prelude::*;

/// Every decoder, fed the same text: each must answer Ok or a clear error, never panic.
fn decode_everything(text: &str) {
    let _ = CoordinatorRound1::from_json(text);
    let _ = FollowerRound1::from_json(text);
    let _ = CoordinatorRound2::from_json(text);
    let _ = FollowerRound2::from_json(text);
    let _ = DkgRound1::from_json(text);
    let _ = DkgRound2::from_json(text);
    let _ = RefreshRound1::from_json(text);
    let _ = RefreshRound2::from_json(text);
    let _ = RepairRequest::from_json(text);
    let _ = RepairRound1::from_json(text);
    let _ = RepairRound2::from_json(text);
    let _ = RepairRound3::from_json(text);
    if let Ok(message) = AnyMessage::from_json(text) {
        // Whatever decodes encodes back to JSON that decodes to the same message.
        let again = AnyMessage::from_json(&message.to_json()).unwrap();
        assert_eq!(again.to_bytes(), message.to_bytes());
    }
    let _ = keyfile::decode_any(text);
    let _ = hoarfrost::definition::parse_definition_toml(text);
    let _ = hoarfrost::validate::plan_from_json(text);
    let _ = serde_json::from_str::<hoarfrost::journal::Journal>(text);
    if let Ok(file) = serde_json::from_str::<hoarfrost::journal::interchange::Interchange>(text) {
        let journal = hoarfrost::journal::Journal::new(dealt(2, 2, 1)[0].group());
        let _ = hoarfrost::journal::interchange::import(&journal, &file);
    }
    let _ = hoarfrost::paste::split(text);
    for line in text.lines() {
        let _ = hoarfrost::transport::ur_collector().receive(line);
    }
}

/// Cases per property: 256 in CI; set PROPTEST_CASES for a longer run by hand.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Valid messages of every kind (and other inputs), to mutate: made once, shared by every case.
fn samples() -> &'static [String] {
    static SAMPLES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SAMPLES.get_or_init(make_samples)
}

fn make_samples() -> Vec<String> {
    let shares = dealt(2, 3, 42);
    let mut r = rng(43);
    let (mut c, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        definition_request(&shares[0], 1),
        None,
    )
    .unwrap();
    let mut f = Follower::new(shares[1].clone(), round1.clone()).unwrap();
    let reply1 = f.approve(&mut r).unwrap();
    c.accept_round1(reply1.clone()).unwrap();
    let round2 = c.start_round2(&mut r).unwrap();
    let reply2 = f.sign(round2.clone()).unwrap();
    let (mut dkg, dkg1) = hoarfrost::dkg::Dkg::new(2, 3, &mut r).unwrap();
    for _ in 0..2 {
        let (_, other) = hoarfrost::dkg::Dkg::new(2, 3, &mut r).unwrap();
        dkg.accept_round1(other).unwrap();
    }
    let dkg2 = dkg.start_round2(&mut r).unwrap();
    let mut journal = hoarfrost::journal::Journal::new(shares[0].group());
    let request = definition_request(&shares[0], 3);
    journal.record(
        &request,
        &request.signed_bytes(shares[0].group().fvk()).unwrap(),
        "2026-11-21T00:00:00Z",
    );
    let custody: Vec<String> = custody_samples(44)
        .iter()
        .map(AnyMessage::to_json)
        .collect();
    let mut samples = vec![
        round1.to_json(),
        reply1.to_json(),
        round2.to_json(),
        reply2.to_json(),
        dkg1.to_json(),
        dkg2.to_json(),
        serde_json::to_string(&journal).unwrap(),
        serde_json::to_string(&hoarfrost::journal::interchange::export(&journal)).unwrap(),
        hoarfrost::definition::definition_template(&mut r, shares[0].group(), None).unwrap(),
        include_str!("data/plan.json").to_string(),
        every_action_round1(shares[0].group(), 44),
        hoarfrost::keyfile::encode(&hoarfrost::keyfile::StoredKey {
            name: None,
            material: hoarfrost::keyfile::KeyMaterial::Share(shares[2].clone()),
            transcript_fingerprint: None,
        })
        .to_string(),
        // UR parts: one of a multi-part stream and a single-part UR.
        ur_part(&AnyMessage::CoordinatorRound1(round1.clone()), 40),
        ur_part(&AnyMessage::FollowerRound2(reply2.clone()), usize::MAX),
    ];
    samples.extend(custody);
    samples
}

fn ur_part(m: &AnyMessage, max_fragment: usize) -> String {
    let p = m.to_payload();
    let mut parts = UrParts::new(&p.bytes, &p.ur_type, max_fragment).unwrap();
    parts.part(parts.fragment_count()).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn decoders_survive_random_text(text in ".{0,400}") {
        decode_everything(&text);
    }

    #[test]
    fn decoders_survive_mutations(which in 0..samples().len(), at in any::<prop::sample::Index>(), len in 0usize..40, byte in any::<u8>()) {
        let sample = &samples()[which];
        let mut bytes = sample.clone().into_bytes();
        let start = at.index(bytes.len());
        let end = (start + len).min(bytes.len());
        // Replace a run with one byte, or truncate there.
        bytes.splice(start..end, std::iter::once(byte));
        decode_everything(&String::from_utf8_lossy(&bytes));
        let cut = (0..=start).rev().find(|i| sample.is_char_boundary(*i)).unwrap_or(0);
        decode_everything(&sample[..cut]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    /// Every kind's proto decoder, fed any bytes, and every message with bytes spliced in:
    /// never a panic; and a signed hoarfrost message decodes to the very same message or not
    /// at all (pcli's unsigned request may legitimately become another request).
    #[test]
    fn proto_decoders_survive_any_bytes(
        kind in any::<prop::sample::Index>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
    ) {
        let _ = AnyMessage::from_bytes(MessageKind::ALL[kind.index(MessageKind::ALL.len())], &bytes);
        let message = AnyMessage::from_json(&samples()[which.index(samples().len())]);
        if let Ok(message) = message {
            let mut spliced = message.to_bytes();
            let start = at.index(spliced.len());
            let end = (start + cut).min(spliced.len());
            spliced.splice(start..end, bytes.iter().take(40).copied());
            if let Ok(decoded) = AnyMessage::from_bytes(message.kind(), &spliced) {
                if message.kind().envelope().is_some() {
                    prop_assert_eq!(decoded.to_bytes(), message.to_bytes());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(12), ..ProptestConfig::default() })]

    #[test]
    fn any_threshold_and_any_signer_set_signs(n in 2u16..6, t_offset in 0u16..4, seed in any::<u64>(), pick in any::<prop::sample::Index>()) {
        let t = 2 + t_offset % (n - 1);
        let shares = dealt(t, n, seed);
        let mut r = rng(seed ^ 1);
        // The coordinator is a random participant; it waits for a random number of signers >= t.
        let me = pick.index(usize::from(n));
        let extra = usize::from(seed as u16 % (n - t + 1));
        let signers = usize::from(t) + extra;
        let request = vote_request(&shares[me], seed % 100);
        let (mut c, round1) =
            Coordinator::new(shares[me].group().clone(), Some(shares[me].clone()), request, None).unwrap();
        let mut followers: Vec<Follower> = shares
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != me)
            .take(signers - 1)
            .map(|(_, s)| Follower::new(s.clone(), round1.clone()).unwrap())
            .collect();
        for f in &mut followers {
            c.accept_round1(f.approve(&mut r).unwrap()).unwrap();
        }
        let round2 = c.start_round2(&mut r).unwrap();
        for f in &mut followers {
            c.accept_round2(f.sign(round2.clone()).unwrap()).unwrap();
        }
        prop_assert!(c.aggregate().is_ok());
    }
}

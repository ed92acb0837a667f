//! Shared fixtures for the integration tests.
#![allow(dead_code)]

pub mod photo;
pub mod plans;
pub mod process;
pub mod tui;

use hoarfrost::custody::Ceremony;
use hoarfrost::definition::{definition_template, parse_definition_toml, vote_body};
use hoarfrost::keys::{deal, KeyShare};
use hoarfrost::messages::{
    AnyMessage, Codec, CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2,
};
use hoarfrost::refresh::Refresh;
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower, SigningResult};
use penumbra_sdk_governance::Vote;
use penumbra_sdk_proto::core::component::governance::v1 as governance_pb;
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::Message;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn dealt(t: u16, n: u16, seed: u64) -> Vec<KeyShare> {
    deal(&mut rng(seed), t, n).expect("deal")
}

/// The shares after a refresh by the members at `members` (the others are removed), every
/// message carried as JSON to every member, as one bundle would.
pub fn refreshed(shares: &[KeyShare], members: &[usize], seed: u64) -> Vec<KeyShare> {
    let mut r = rng(seed);
    let vks: Vec<_> = members
        .iter()
        .map(|i| shares[*i].verification_key())
        .collect();
    let (first, invitation) =
        Refresh::start(shares[members[0]].clone(), &vks, 1_800_000_000, &mut r).unwrap();
    let mut engines = vec![first];
    let mut round1 = vec![AnyMessage::RefreshRound1(invitation.clone())];
    for i in &members[1..] {
        let (engine, msg) = Refresh::join(shares[*i].clone(), invitation.clone(), &mut r).unwrap();
        engines.push(engine);
        round1.push(AnyMessage::RefreshRound1(msg));
    }
    let deliver = |engines: &mut Vec<Refresh>, messages: &[AnyMessage]| {
        for engine in engines.iter_mut() {
            for m in messages {
                let m = AnyMessage::from_json(&m.to_json()).unwrap();
                if let Err(e) = engine.accept(m) {
                    assert!(e.skippable(), "{e}");
                }
            }
        }
    };
    deliver(&mut engines, &round1);
    let mut r2 = rng(seed + 1);
    let round2: Vec<_> = engines
        .iter_mut()
        .map(|e| AnyMessage::RefreshRound2(e.start_round2(&mut r2).unwrap()))
        .collect();
    deliver(&mut engines, &round2);
    engines.iter_mut().map(|e| e.finish().unwrap()).collect()
}

/// One message of every refresh and repair kind, from a 2-of-2 refresh and a repair by both
/// members, all drawn from one generator seeded with `seed`.
pub fn custody_samples(seed: u64) -> Vec<AnyMessage> {
    use hoarfrost::repair::{Newcomer, RepairHelper};
    let mut r = rng(seed);
    let shares = deal(&mut r, 2, 2).unwrap();
    let vks: Vec<_> = shares.iter().map(|s| s.verification_key()).collect();
    let (mut a, a1) = Refresh::start(shares[0].clone(), &vks, 1_800_000_000, &mut r).unwrap();
    let (mut b, b1) = Refresh::join(shares[1].clone(), a1.clone(), &mut r).unwrap();
    a.accept_round1(b1).unwrap();
    let a2 = a.start_round2(&mut r).unwrap();
    b.start_round2(&mut r).unwrap();
    let (_, request) = Newcomer::new(shares[0].group().clone(), &mut r).unwrap();
    let (mut h, h1) =
        RepairHelper::start(shares[0].clone(), request.clone(), &vks, &mut r).unwrap();
    let (mut g, g1) = RepairHelper::join(shares[1].clone(), h1.clone(), &mut r).unwrap();
    h.accept_round1(g1).unwrap();
    let h2 = h.start_round2(&mut r).unwrap();
    let g2 = g.start_round2(&mut r).unwrap();
    h.accept_round2(g2).unwrap();
    let h3 = h.start_round3(&mut r).unwrap();
    vec![
        a1.into(),
        a2.into(),
        request.into(),
        h1.into(),
        h2.into(),
        h3.into(),
    ]
}

/// A definition for the dealt key, made from the template as a person would edit it.
pub fn definition_request(share: &KeyShare, sequence: u32) -> SigningRequest {
    let template = definition_template(&mut rng(99), share.group(), None).unwrap();
    let edited = template
        .replace("name = \"\"", "name = \"Hoarfrost Validator\"")
        .replace("website = \"\"", "website = \"https://example.com\"")
        .replace(
            "sequence_number = 0",
            &format!("sequence_number = {sequence}"),
        );
    SigningRequest::ValidatorDefinition(parse_definition_toml(&edited).unwrap())
}

pub fn vote_request(share: &KeyShare, proposal: u64) -> SigningRequest {
    SigningRequest::ValidatorVote(
        vote_body(share.group(), None, proposal, Vote::Yes, "looks good").unwrap(),
    )
}

/// Checks a ceremony's result under decaf377-rdsa against the group key of `share`.
pub fn verify(result: &SigningResult, request: &SigningRequest, share: &KeyShare) {
    let fvk = share.group().fvk();
    let vk = fvk.spend_verification_key();
    match (result, request) {
        (SigningResult::ValidatorDefinition(sig), SigningRequest::ValidatorDefinition(v)) => {
            vk.verify(&stake_pb::Validator::from(v.clone()).encode_to_vec(), sig)
                .unwrap();
        }
        (SigningResult::ValidatorVote(sig), SigningRequest::ValidatorVote(v)) => {
            vk.verify(
                &governance_pb::ValidatorVoteBody::from(v.clone()).encode_to_vec(),
                sig,
            )
            .unwrap();
        }
        (SigningResult::Transaction(auth), SigningRequest::Transaction(plan)) => {
            let hash = plan.effect_hash(fvk).unwrap();
            assert_eq!(auth.effect_hash, Some(hash));
            for (spend, sig) in plan.spend_plans().zip(&auth.spend_auths) {
                vk.randomize(&spend.randomizer)
                    .verify(hash.as_bytes(), sig)
                    .unwrap();
            }
            assert_eq!(auth.spend_auths.len(), plan.spend_plans().count());
        }
        _ => panic!("result does not match the request"),
    }
}

/// A coordinator holding share 0 starts `request`: its state and its `CoordinatorRound1`.
pub fn coordinate(
    shares: &[KeyShare],
    request: SigningRequest,
) -> (Coordinator, CoordinatorRound1) {
    Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        request,
        None,
    )
    .unwrap()
}

/// Runs a ceremony with the coordinator holding share 0 and followers 1..signers, all messages
/// passing through their JSON encoding.
pub fn ceremony(
    shares: &[KeyShare],
    signers: usize,
    request: SigningRequest,
    seed: u64,
) -> SigningResult {
    let mut r = rng(seed);
    let (mut coordinator, round1) = coordinate(shares, request);
    let round1 = CoordinatorRound1::from_json(&round1.to_json()).unwrap();
    let mut followers: Vec<Follower> = shares[1..signers]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    for f in &mut followers {
        let reply = f.approve(&mut r).unwrap();
        coordinator
            .accept_round1(FollowerRound1::from_json(&reply.to_json()).unwrap())
            .unwrap();
    }
    let round2 =
        CoordinatorRound2::from_json(&coordinator.start_round2(&mut r).unwrap().to_json()).unwrap();
    for f in &mut followers {
        let reply = f.sign(round2.clone()).unwrap();
        coordinator
            .accept_round2(FollowerRound2::from_json(&reply.to_json()).unwrap())
            .unwrap();
    }
    assert!(coordinator.ready_to_aggregate());
    coordinator.aggregate().unwrap()
}

/// The feedback texts of a paste's outcomes.
pub fn texts(outcomes: &[hoarfrost::session::PieceOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .flat_map(|o| o.feedback.iter().map(|f| f.text.clone()))
        .collect()
}

/// The JSON of the message a session sends now.
pub fn outgoing(s: &hoarfrost::session::Session) -> String {
    s.view().outgoing().expect("a message to send").json.clone()
}

/// Runs the slow step a session asks for, as a front end would.
pub fn compute(s: &mut hoarfrost::session::Session) {
    if matches!(s.stage(), hoarfrost::session::Stage::Compute) {
        s.compute();
    }
}

/// A coordinator session over `request` with `share` (stored as "identity").
pub fn coordinating(
    share: &KeyShare,
    request: SigningRequest,
    guards: &hoarfrost::session::GuardOpener,
    seed: u64,
) -> hoarfrost::session::Session {
    let key = hoarfrost::keyfile::StoredKey {
        name: None,
        material: hoarfrost::keyfile::KeyMaterial::Share(share.clone()),
        transcript_fingerprint: None,
    };
    let coordination = hoarfrost::session::Coordination {
        label: "identity",
        key: &key,
        request,
        signers: None,
        definition_file: None,
    };
    hoarfrost::session::Session::coordinate(coordination, guards, &mut rng(seed))
        .unwrap()
        .0
}

/// A follower session with `share` (as "identity").
pub fn following(
    share: &KeyShare,
    guards: hoarfrost::session::GuardOpener,
    seed: u64,
) -> hoarfrost::session::Session {
    let chosen = Some(("identity".to_string(), share.clone()));
    hoarfrost::session::Session::follow(vec![], chosen, "/h", guards, &mut rng(seed))
}

/// Journals kept in memory (one per group key), so session tests write no files.
pub struct MemoryGuard(std::sync::Arc<std::sync::Mutex<hoarfrost::journal::Journal>>);

impl hoarfrost::session::SignGuard for MemoryGuard {
    fn check(
        &self,
        request: &SigningRequest,
        bytes: &[u8],
    ) -> Result<hoarfrost::journal::Verdict, hoarfrost::refusal::Refusal> {
        self.0.lock().unwrap().check(request, bytes)
    }
    fn record(
        &mut self,
        request: &SigningRequest,
        bytes: &[u8],
    ) -> Result<(), hoarfrost::refusal::Refusal> {
        let mut j = self.0.lock().unwrap();
        j.check(request, bytes)?;
        j.record(request, bytes, "2026-11-21T08:00:00Z");
        Ok(())
    }
}

/// An opener of in-memory journals shared by every session it opens for the same key.
pub fn memory_guards() -> hoarfrost::session::GuardOpener {
    type Journals = std::collections::HashMap<
        String,
        std::sync::Arc<std::sync::Mutex<hoarfrost::journal::Journal>>,
    >;
    let journals: std::sync::Arc<std::sync::Mutex<Journals>> = Default::default();
    std::sync::Arc::new(move |_label: &str, share: &KeyShare| {
        let group = share.group();
        let shared = journals
            .lock()
            .unwrap()
            .entry(format!("{}/{}", group.identity_key(), share.fingerprint()))
            .or_insert_with(|| {
                std::sync::Arc::new(std::sync::Mutex::new(hoarfrost::journal::Journal::new(
                    group,
                )))
            })
            .clone();
        Ok(Box::new(MemoryGuard(shared)) as Box<dyn hoarfrost::session::SignGuard>)
    })
}

/// One plan with one action of every kind that [`plans::every_variant`] makes but the IBC relay
/// (which is refused outright), with a memo and detection data: every kind of field in one
/// message, for the tests that mutate it. `fvk`'s key owns the notes; a stranger receives.
pub fn every_action_plan(
    fvk: &penumbra_sdk_keys::FullViewingKey,
    seed: u64,
) -> penumbra_sdk_transaction::TransactionPlan {
    use penumbra_sdk_transaction::memo::MemoPlaintext;
    use penumbra_sdk_transaction::plan::{CluePlan, DetectionDataPlan, MemoPlan};
    let mut r = rng(seed);
    let stranger = plans::address(dealt(2, 2, 2)[0].group().fvk(), 0);
    let mut seen = std::collections::HashSet::new();
    let actions = plans::every_variant(&mut r, fvk, &stranger)
        .into_iter()
        .filter(|(name, _)| *name != "IbcAction")
        .flat_map(|(_, plan)| plan.actions)
        .filter(|action| seen.insert(std::mem::discriminant(action)))
        .collect();
    let mut plan = plans::plan(actions);
    let mine = plans::address(fvk, 0);
    plan.memo = Some(MemoPlan::new(
        &mut r,
        MemoPlaintext::new(mine.clone(), "for the hostile tests".into()).unwrap(),
    ));
    plan.detection_data = Some(DetectionDataPlan {
        clue_plans: vec![CluePlan::new(&mut r, stranger, 10u64.try_into().unwrap())],
    });
    plan
}

/// `CoordinatorRound1` carrying [`every_action_plan`], as pcli's JSON.
pub fn every_action_round1(group: &hoarfrost::keys::GroupKey, seed: u64) -> String {
    CoordinatorRound1 {
        request: SigningRequest::Transaction(every_action_plan(group.fvk(), seed)),
    }
    .to_json()
}

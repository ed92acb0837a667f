//! Shared fixtures for the integration tests.
#![allow(dead_code)]

pub mod process;
pub mod tui;

use hoarfrost::definition::{definition_template, parse_definition_toml, vote_body};
use hoarfrost::keys::{deal, KeyShare};
use hoarfrost::messages::{
    Codec, CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2,
};
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

/// Runs a ceremony with the coordinator holding share 0 and followers 1..signers, all messages
/// passing through their JSON encoding.
pub fn ceremony(
    shares: &[KeyShare],
    signers: usize,
    request: SigningRequest,
    seed: u64,
) -> SigningResult {
    let mut r = rng(seed);
    let (mut coordinator, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        request,
        None,
    )
    .unwrap();
    let round1 = CoordinatorRound1::from_json(&round1.to_json()).unwrap();
    let mut followers: Vec<Follower> = shares[1..signers]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    for f in &mut followers {
        let reply = f.approve(&mut r).unwrap();
        coordinator
            .accept_round1(FollowerRound1::from_json(&reply.to_json()).unwrap(), &mut r)
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

/// Journals kept in memory (one per group key), so session tests write no files.
pub struct MemoryGuard(std::sync::Arc<std::sync::Mutex<hoarfrost::journal::Journal>>);

impl hoarfrost::session::SignGuard for MemoryGuard {
    fn check(
        &self,
        request: &SigningRequest,
        bytes: &[u8],
    ) -> Result<hoarfrost::journal::Verdict, hoarfrost::refusal::Refusal> {
        self.0
            .lock()
            .unwrap()
            .check(request, bytes)
            .map_err(|e| hoarfrost::refusal::Refusal::Journal(e.0))
    }
    fn record(
        &mut self,
        request: &SigningRequest,
        bytes: &[u8],
    ) -> Result<(), hoarfrost::refusal::Refusal> {
        let mut j = self.0.lock().unwrap();
        j.check(request, bytes)
            .map_err(|e| hoarfrost::refusal::Refusal::Journal(e.0))?;
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

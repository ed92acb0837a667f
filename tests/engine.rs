mod common;

use common::*;
use hoarfrost::messages::{CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2};
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower, SigningResult};
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::Message;

fn run(t: u16, n: u16, request: SigningRequest, seed: u64) -> (SigningResult, Vec<hoarfrost::keys::KeyShare>) {
    let shares = dealt(t, n, seed);
    let mut r = rng(seed + 1);
    let (mut coordinator, round1) =
        Coordinator::new(shares[0].group().clone(), Some(shares[0].clone()), request, &mut r).unwrap();
    let round1 = CoordinatorRound1::from_json(&round1.to_json()).unwrap();
    let mut followers: Vec<Follower> = shares[1..usize::from(t)]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    for f in &mut followers {
        let reply = f.approve(&mut r).unwrap();
        coordinator.accept_round1(FollowerRound1::from_json(&reply.to_json()).unwrap()).unwrap();
    }
    let round2 = coordinator.start_round2().unwrap();
    let round2 = CoordinatorRound2::from_json(&round2.to_json()).unwrap();
    for f in &mut followers {
        let reply = f.sign(round2.clone()).unwrap();
        coordinator.accept_round2(FollowerRound2::from_json(&reply.to_json()).unwrap()).unwrap();
    }
    (coordinator.aggregate().unwrap(), shares)
}

#[test]
fn definition_signature_verifies_under_decaf377_rdsa() {
    let shares = dealt(2, 3, 1);
    let request = definition_request(&shares[0], 1);
    let SigningRequest::ValidatorDefinition(v) = &request else { unreachable!() };
    let bytes = stake_pb::Validator::from(v.clone()).encode_to_vec();
    let (result, shares) = run(2, 3, request.clone(), 1);
    let SigningResult::ValidatorDefinition(sig) = result else { panic!("wrong result") };
    shares[0].group().fvk().spend_verification_key().verify(&bytes, &sig).unwrap();
}

//! Shared fixtures for the integration tests.
#![allow(dead_code)]

pub mod process;

use hoarfrost::definition::{definition_template, parse_definition_toml, vote_body};
use hoarfrost::keys::{deal, KeyShare};
use hoarfrost::request::SigningRequest;
use penumbra_sdk_governance::Vote;
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

//! The decaf377 ciphersuite: frost-core's generic test battery, and pinned vectors.

use decaf377::Fr;
use frost_core::tests::{
    batch, ciphersuite_generic as generic, coefficient_commitment, refresh, repairable,
    vss_commitment,
};
use hoarfrost::suite::{Decaf377Rdsa, Identifier, KeyPackage, SigningPackage, VerifyingKey};
use rand_core::OsRng;
use serde_json::{json, Value};

type C = Decaf377Rdsa;

#[test]
fn generic_battery() {
    generic::check_zero_key_fails::<C>();
    generic::check_share_generation::<C, _>(OsRng);
    generic::check_share_generation_fails_with_invalid_signers::<C, _>(
        1,
        3,
        frost_core::Error::InvalidMinSigners,
        OsRng,
    );
    generic::check_share_generation_fails_with_invalid_signers::<C, _>(
        4,
        3,
        frost_core::Error::InvalidMinSigners,
        OsRng,
    );
    generic::check_sign_with_dealer::<C, _>(OsRng);
    generic::check_sign_with_dealer_fails_with_invalid_signers::<C, _>(
        3,
        1,
        frost_core::Error::InvalidMaxSigners,
        OsRng,
    );
    generic::check_dkg_part1_fails_with_invalid_signers::<C, _>(
        1,
        3,
        frost_core::Error::InvalidMinSigners,
        OsRng,
    );
    generic::check_sign_with_dkg::<C, _>(OsRng);
    generic::check_sign_with_dealer_and_identifiers::<C, _>(OsRng);
    generic::check_error_culprit::<C>();
    generic::check_identifier_derivation::<C>();
    generic::check_sign_with_missing_identifier::<C, _>(OsRng);
    generic::check_sign_with_incorrect_commitments::<C, _>(OsRng);
}

#[test]
fn refresh_and_repair_battery() {
    refresh::check_refresh_shares_with_dealer::<C, _>(OsRng);
    refresh::check_refresh_shares_with_dealer_serialisation::<C, _>(OsRng);
    refresh::check_refresh_shares_with_dealer_fails_with_invalid_public_key_package::<C, _>(OsRng);
    refresh::check_refresh_shares_with_dkg::<C, _>(OsRng);
    repairable::check_rts::<C, _>(OsRng);
    repairable::check_repair_share_part1::<C, _>(OsRng);
    repairable::check_repair_share_part1_fails_with_invalid_min_signers::<C, _>(OsRng);
    let helpers = repair_helpers();
    repairable::check_repair_share_part2::<C>(&helpers);
    repairable::check_repair_share_part3::<C, _>(OsRng, &helpers);
}

#[test]
fn serialization_and_batch_battery() {
    batch::batch_verify::<C, _>(OsRng);
    batch::bad_batch_verify::<C, _>(OsRng);
    batch::empty_batch_verify::<C, _>(OsRng);
    let helpers = json!({ "elements": { "invalid_element": hex::encode([0xffu8; 32]) } });
    vss_commitment::check_serialize_vss_commitment::<C, _>(OsRng);
    vss_commitment::check_serialize_whole_vss_commitment::<C, _>(OsRng);
    vss_commitment::check_deserialize_vss_commitment::<C, _>(OsRng);
    vss_commitment::check_deserialize_whole_vss_commitment::<C, _>(OsRng);
    vss_commitment::check_deserialize_vss_commitment_error::<C, _>(OsRng, &helpers);
    vss_commitment::check_deserialize_whole_vss_commitment_error::<C, _>(OsRng, &helpers);
    vss_commitment::check_compute_public_key_package::<C, _>(OsRng);
    coefficient_commitment::check_serialization_of_coefficient_commitment::<C, _>(OsRng);
    coefficient_commitment::check_create_coefficient_commitment::<C, _>(OsRng);
    coefficient_commitment::check_create_coefficient_commitment_error::<C>(&helpers);
    coefficient_commitment::check_get_value_of_coefficient_commitment::<C, _>(OsRng);
    // The identity is not a valid element either.
    let identity = json!({ "elements": { "invalid_element": hex::encode([0u8; 32]) } });
    coefficient_commitment::check_create_coefficient_commitment_error::<C>(&identity);
}

/// A scalar derived from a label, so the vectors need no randomness.
fn scalar(label: &str) -> Fr {
    let hash = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(b"hoarfrost-vector")
        .hash(label.as_bytes());
    Fr::from_le_bytes_mod_order(hash.as_bytes())
}

fn scalar_hex(s: Fr) -> String {
    hex::encode(s.to_bytes())
}

fn repair_helpers() -> Value {
    let (a, b, c) = (scalar("delta-1"), scalar("delta-2"), scalar("delta-3"));
    let sigmas: Vec<Fr> = (1..=4).map(|i| scalar(&format!("sigma-{i}"))).collect();
    let sigma_sum = sigmas.iter().fold(Fr::ZERO, |acc, s| acc + *s);
    json!({
        "scalar_generation": {
            "random_scalar_1": scalar_hex(a),
            "random_scalar_2": scalar_hex(b),
            "random_scalar_3": scalar_hex(c),
            "random_scalar_sum": scalar_hex(a + b + c),
        },
        "sigma_generation": {
            "sigma_1": scalar_hex(sigmas[0]),
            "sigma_2": scalar_hex(sigmas[1]),
            "sigma_3": scalar_hex(sigmas[2]),
            "sigma_4": scalar_hex(sigmas[3]),
            "sigma_sum": scalar_hex(sigma_sum),
        }
    })
}

/// Builds 2-of-3 signing vectors in frost's format from fixed inputs: keys from a fixed
/// polynomial, nonces from fixed randomness, participants 1 and 3 signing "test".
fn build_vectors() -> Value {
    use frost_core::keys::{SigningShare, VerifyingShare};
    use frost_core::round1::{Nonce, NonceCommitment, SigningCommitments, SigningNonces};
    use std::collections::BTreeMap;

    let secret = scalar("group-secret");
    let coefficient = scalar("coefficient-1");
    let message = b"test";
    let vk = VerifyingKey::new(decaf377::Element::GENERATOR * secret);
    let share_of = |i: u16| secret + coefficient * Fr::from(u64::from(i));
    let key_package = |i: u16| {
        let share = SigningShare::<C>::new(share_of(i));
        KeyPackage::new(
            Identifier::try_from(i).unwrap(),
            share,
            VerifyingShare::from(share),
            vk,
            2,
        )
    };
    let mut commitments = BTreeMap::new();
    let mut nonces = BTreeMap::new();
    let mut round_one = Vec::new();
    for i in [1u16, 3] {
        let share = SigningShare::<C>::new(share_of(i));
        let nonce = |which: &str| {
            let randomness: [u8; 32] = scalar(&format!("{which}-randomness-{i}")).to_bytes();
            let mut input = randomness.to_vec();
            input.extend(share.serialize());
            (
                randomness,
                Nonce::<C>::from_scalar(<C as frost_core::Ciphersuite>::H3(&input)),
            )
        };
        let (hiding_randomness, hiding) = nonce("hiding");
        let (binding_randomness, binding) = nonce("binding");
        let signing_nonces = SigningNonces::from_nonces(hiding, binding);
        let c = SigningCommitments::new(
            NonceCommitment::from(&hiding),
            NonceCommitment::from(&binding),
        );
        let id = Identifier::try_from(i).unwrap();
        commitments.insert(id, c);
        nonces.insert(id, signing_nonces);
        round_one.push((i, hiding_randomness, binding_randomness, hiding, binding, c));
    }
    let package = SigningPackage::new(commitments.clone(), message);
    let preimages: BTreeMap<_, _> = package
        .binding_factor_preimages(&vk, &[])
        .unwrap()
        .into_iter()
        .collect();
    let binding_factors = frost_core::compute_binding_factor_list(&package, &vk, &[]).unwrap();
    let mut shares = BTreeMap::new();
    for (id, n) in &nonces {
        let i = if *id == Identifier::try_from(1).unwrap() {
            1
        } else {
            3
        };
        shares.insert(
            *id,
            frost_core::round2::sign(&package, n, &key_package(i)).unwrap(),
        );
    }
    let public = frost_core::keys::PublicKeyPackage::new(
        (1..=3u16)
            .map(|i| {
                (
                    Identifier::try_from(i).unwrap(),
                    *key_package(i).verifying_share(),
                )
            })
            .collect(),
        vk,
        Some(2),
    );
    let signature = frost_core::aggregate(&package, &shares, &public).unwrap();
    json!({
        "config": {
            "MAX_PARTICIPANTS": "3", "NUM_PARTICIPANTS": "2", "MIN_PARTICIPANTS": "2",
            "name": "FROST(decaf377, BLAKE2b-512) as decaf377-frost", "group": "decaf377", "hash": "BLAKE2b-512"
        },
        "inputs": {
            "participant_list": [1, 3],
            "group_secret_key": scalar_hex(secret),
            "verifying_key_key": hex::encode(vk.serialize().unwrap()),
            "message": hex::encode(message),
            "share_polynomial_coefficients": [scalar_hex(coefficient)],
            "participant_shares": (1..=3u16).map(|i| json!({
                "identifier": i, "participant_share": scalar_hex(share_of(i))
            })).collect::<Vec<_>>(),
        },
        "round_one_outputs": {
            "outputs": round_one.iter().map(|(i, hr, br, h, b, c)| {
                let id = Identifier::try_from(*i).unwrap();
                json!({
                    "identifier": i,
                    "hiding_nonce_randomness": hex::encode(hr),
                    "binding_nonce_randomness": hex::encode(br),
                    "hiding_nonce": hex::encode(h.serialize()),
                    "binding_nonce": hex::encode(b.serialize()),
                    "hiding_nonce_commitment": hex::encode(c.hiding().serialize().unwrap()),
                    "binding_nonce_commitment": hex::encode(c.binding().serialize().unwrap()),
                    "binding_factor_input": hex::encode(&preimages[&id]),
                    "binding_factor": hex::encode(binding_factors.get(&id).unwrap().serialize()),
                })
            }).collect::<Vec<_>>(),
        },
        "round_two_outputs": {
            "outputs": shares.iter().map(|(id, s)| {
                let i = if *id == Identifier::try_from(1).unwrap() { 1 } else { 3 };
                json!({ "identifier": i, "sig_share": hex::encode(s.serialize()) })
            }).collect::<Vec<_>>(),
        },
        "final_output": { "sig": hex::encode(signature.serialize().unwrap()) }
    })
}

const VECTORS: &str = "tests/data/decaf377-vectors.json";

#[test]
fn pinned_vectors() {
    let built = build_vectors();
    if std::env::var_os("HOARFROST_WRITE_VECTORS").is_some() {
        std::fs::write(
            VECTORS,
            serde_json::to_string_pretty(&built).unwrap() + "\n",
        )
        .unwrap();
    }
    let pinned: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    // Any change to a hash, an encoding or the signing equations changes these bytes.
    assert_eq!(built, pinned, "the decaf377 FROST vectors changed");
    frost_core::tests::vectors::check_sign_with_test_vectors::<C>(&pinned);
    // The vector signature is an ordinary decaf377-rdsa SpendAuth signature.
    let vk_bytes: [u8; 32] = hex::decode(pinned["inputs"]["verifying_key_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let sig_bytes: [u8; 64] = hex::decode(pinned["final_output"]["sig"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let vk =
        decaf377_rdsa::VerificationKey::<decaf377_rdsa::SpendAuth>::try_from(vk_bytes).unwrap();
    vk.verify(b"test", &decaf377_rdsa::Signature::from(sig_bytes))
        .unwrap();
}

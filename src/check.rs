//! The key check: after a key generation, every participant signs a harmless request to prove
//! the key works before anyone relies on it.
//!
//! The request is a transaction plan for a chain that does not exist ("hoarfrost-key-check"):
//! the chain id is part of the effect hash, so the signature is useless on any real chain, and
//! pcli participants can take part too. It spends a zero-value note of the key's own address.

use penumbra_sdk_asset::{Value, STAKING_TOKEN_ASSET_ID};
use penumbra_sdk_fee::Fee;
use penumbra_sdk_shielded_pool::{Note, SpendPlan};
use penumbra_sdk_transaction::{ActionPlan, TransactionParameters, TransactionPlan};
use rand_core::CryptoRngCore;

use crate::keys::GroupKey;
use crate::request::SigningRequest;

/// The chain id of a key check; no real chain has it.
pub const CHECK_CHAIN_ID: &str = "hoarfrost-key-check";

/// A key-check request for `group`.
pub fn check_request(rng: &mut impl CryptoRngCore, group: &GroupKey) -> SigningRequest {
    let address = group.fvk().payment_address(0u32.into()).0;
    let value = Value {
        amount: 0u64.into(),
        asset_id: *STAKING_TOKEN_ASSET_ID,
    };
    let note = Note::generate(&mut *rng, &address, value);
    let spend = SpendPlan::new(rng, note, 0u64.into());
    SigningRequest::Transaction(TransactionPlan {
        actions: vec![ActionPlan::Spend(spend)],
        transaction_parameters: TransactionParameters {
            expiry_height: 1,
            chain_id: CHECK_CHAIN_ID.to_string(),
            fee: Fee::default(),
        },
        detection_data: None,
        memo: None,
    })
}

/// Whether a request is a key check.
pub fn is_check(request: &SigningRequest) -> bool {
    matches!(request, SigningRequest::Transaction(plan)
        if plan.transaction_parameters.chain_id == CHECK_CHAIN_ID)
}

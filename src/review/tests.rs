//! The review's flows against Penumbra's own accounting: for every action of every fixture
//! plan, what the review says moves in and out is exactly the action's balance.

use std::collections::BTreeMap;

use penumbra_sdk_asset::asset;
use penumbra_sdk_keys::keys::{SpendKey, SpendKeyBytes};
use penumbra_sdk_keys::FullViewingKey;
use penumbra_sdk_transaction::ActionPlan;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::summary::Way;
use super::words::Reviewer;
use super::{describe_action, plan_assets};

#[path = "../../tests/common/plans.rs"]
mod plans;

fn fvk(seed: u8) -> FullViewingKey {
    SpendKey::from(SpendKeyBytes([seed; 32]))
        .full_viewing_key()
        .clone()
}

/// Signed net amount per asset: positive into the transaction, negative out of it.
fn net(entries: impl IntoIterator<Item = (asset::Id, i128, u128)>) -> BTreeMap<asset::Id, i128> {
    let mut totals = BTreeMap::new();
    for (id, sign, amount) in entries {
        let amount = i128::try_from(amount).expect("fixture amounts are small");
        *totals.entry(id).or_insert(0) += sign * amount;
    }
    totals.retain(|_, v| *v != 0);
    totals
}

fn review_net(r: &Reviewer, action: &ActionPlan) -> BTreeMap<asset::Id, i128> {
    let review = describe_action(r, action, 0).expect("reviewable");
    net(review.flows.iter().filter(|f| f.in_balance).map(|f| {
        let sign = match f.way {
            Way::FromThisKey | Way::FromElsewhere(_) => 1,
            Way::ToThisKey | Way::To(_) => -1,
        };
        (f.value.asset_id, sign, u128::from(f.value.amount))
    }))
}

fn penumbra_net(action: &ActionPlan) -> BTreeMap<asset::Id, i128> {
    let balance = action.balance();
    net(balance
        .provided()
        .map(|v| (v.asset_id, 1, u128::from(v.amount)))
        .chain(
            balance
                .required()
                .map(|v| (v.asset_id, -1, u128::from(v.amount))),
        ))
}

#[test]
fn every_action_moves_what_penumbra_says_it_moves() {
    let mine = fvk(1);
    let stranger = plans::address(&fvk(2), 0);
    let cases = plans::every_variant(&mut ChaCha20Rng::seed_from_u64(0), &mine, &stranger);
    for (name, plan) in cases {
        if name == "IbcAction" {
            continue;
        }
        let r = Reviewer::new(&mine, plan_assets(&plan));
        for action in &plan.actions {
            assert_eq!(
                review_net(&r, action),
                penumbra_net(action),
                "{name}: {action:?}"
            );
        }
    }
}

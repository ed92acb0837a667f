//! Staking: delegations, undelegations, undelegation claims, validator definitions.

use penumbra_sdk_asset::{Value, STAKING_TOKEN_ASSET_ID};
use penumbra_sdk_num::fixpoint::U128x128;
use penumbra_sdk_stake::validator::Definition;
use penumbra_sdk_stake::{Delegate, Undelegate, UndelegateClaimPlan};

use super::summary::ActionReview;
use super::words::Reviewer;
use super::Unreviewable;

fn validator_lines(label: &str, identity: impl std::fmt::Display) -> [String; 2] {
    [format!("     {label}"), format!("       {identity}")]
}

pub(crate) fn delegate(r: &Reviewer, d: &Delegate, out: &mut ActionReview) {
    let stake = d.unbonded_value();
    let tokens = d.delegation_value();
    out.line(format!("Delegate {}", r.value(&stake)));
    out.lines(validator_lines("to validator", d.validator_identity));
    out.line(format!(
        "     receives {} (epoch {})",
        r.value(&tokens),
        d.epoch_index
    ));
    out.to(
        stake,
        vec![
            "delegated to validator".into(),
            format!("  {}", d.validator_identity),
        ],
    );
    out.given(tokens);
}

pub(crate) fn undelegate(r: &Reviewer, u: &Undelegate, out: &mut ActionReview) {
    let tokens = u.delegation_value();
    let unbonding = u.unbonded_value();
    out.line(format!("Undelegate {}", r.value(&tokens)));
    out.lines(validator_lines("from validator", u.validator_identity));
    out.line(format!(
        "     receives {} (epoch {}, from height {})",
        r.value(&unbonding),
        u.from_epoch.index,
        u.from_epoch.start_height
    ));
    out.to(
        tokens,
        vec![
            "undelegated from validator".into(),
            format!("  {}", u.validator_identity),
        ],
    );
    out.given(unbonding);
}

pub(crate) fn undelegate_claim(
    r: &Reviewer,
    c: &UndelegateClaimPlan,
    out: &mut ActionReview,
) -> Result<(), Unreviewable> {
    let kept = c.penalty.kept_rate();
    let one = U128x128::from(1u64);
    if kept > one {
        return Err(Unreviewable::new(
            "its penalty is negative (it would pay out more than was unbonded)",
        ));
    }
    let claimed = kept
        .apply_to_amount(&c.unbonding_amount)
        .map_err(|_| Unreviewable::new("its penalty cannot be applied to the amount"))?;
    let unbonding = Value {
        amount: c.unbonding_amount,
        asset_id: c.unbonding_token().id(),
    };
    let stake = Value {
        amount: claimed,
        asset_id: *STAKING_TOKEN_ASSET_ID,
    };
    out.line(format!("Claim undelegated {}", r.value(&unbonding)));
    out.lines(validator_lines("from validator", c.validator_identity));
    out.line(format!(
        "     unbonding started at height {}",
        c.unbonding_start_height
    ));
    // The penalty is at most 1 here, so 1 - kept never underflows; f64 is precise enough for a
    // percentage a person reads.
    let penalty = f64::from(one.saturating_sub(&kept)) * 100.0;
    out.line(format!(
        "     penalty {penalty:.4}%: receives {}",
        r.value(&stake)
    ));
    out.to(
        unbonding,
        vec![
            "claimed from unbonding with validator".into(),
            format!("  {}", c.validator_identity),
        ],
    );
    out.given(stake);
    Ok(())
}

pub(crate) fn definition(r: &Reviewer, d: &Definition, out: &mut ActionReview) {
    out.line(format!(
        "Upload validator definition #{} (already signed by the validator)",
        d.validator.sequence_number
    ));
    out.lines(
        super::definition::definition_lines(&d.validator, r)
            .into_iter()
            .skip(1)
            .map(|line| format!("   {line}")),
    );
}

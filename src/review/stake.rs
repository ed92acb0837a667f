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

/// A delegation or an undelegation, as its review reads: `given` leaves this key's control
/// (`ledger` says where to) and `received` comes back; `toward` labels the validator and
/// `when` the epoch.
struct Bonding<'a> {
    headline: &'a str,
    toward: &'a str,
    ledger: &'a str,
    validator: String,
    given: Value,
    received: Value,
    when: String,
}

fn bonding(r: &Reviewer, x: Bonding, out: &mut ActionReview) {
    out.line(format!("{} {}", x.headline, r.value(&x.given)));
    out.lines(validator_lines(x.toward, &x.validator));
    out.line(format!(
        "     receives {} ({})",
        r.value(&x.received),
        x.when
    ));
    out.to(x.given, vec![x.ledger.into(), format!("  {}", x.validator)]);
    out.given(x.received);
}

pub(crate) fn delegate(r: &Reviewer, d: &Delegate, out: &mut ActionReview) {
    let x = Bonding {
        headline: "Delegate",
        toward: "to validator",
        ledger: "delegated to validator",
        validator: d.validator_identity.to_string(),
        given: d.unbonded_value(),
        received: d.delegation_value(),
        when: format!("epoch {}", d.epoch_index),
    };
    bonding(r, x, out);
}

pub(crate) fn undelegate(r: &Reviewer, u: &Undelegate, out: &mut ActionReview) {
    let x = Bonding {
        headline: "Undelegate",
        toward: "from validator",
        ledger: "undelegated from validator",
        validator: u.validator_identity.to_string(),
        given: u.delegation_value(),
        received: u.unbonded_value(),
        when: format!(
            "epoch {}, from height {}",
            u.from_epoch.index, u.from_epoch.start_height
        ),
    };
    bonding(r, x, out);
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

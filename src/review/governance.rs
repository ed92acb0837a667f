//! Governance and the liquidity tournament: proposals, deposits, votes.

use penumbra_sdk_asset::{asset, Value, STAKING_TOKEN_ASSET_ID};
use penumbra_sdk_funding::liquidity_tournament::ActionLiquidityTournamentVotePlan;
use penumbra_sdk_governance::change::EncodedParameter;
use penumbra_sdk_governance::proposal_state::{Outcome, Withdrawn};
use penumbra_sdk_governance::{
    DelegatorVotePlan, ProposalDepositClaim, ProposalNft, ProposalPayload, ProposalSubmit,
    ProposalWithdraw, ValidatorVote, VotingReceiptToken,
};

use super::summary::ActionReview;
use super::words::{text, Reviewer};
use super::Unreviewable;

fn one(nft: ProposalNft) -> Value {
    Value {
        amount: 1u64.into(),
        asset_id: nft.id(),
    }
}

/// The proposal NFTs and voting receipt tokens of proposal `id`, so the review can name them.
pub(crate) fn proposal_tokens(id: u64) -> Vec<asset::Metadata> {
    vec![
        ProposalNft::deposit(id).denom(),
        ProposalNft::unbonding_deposit(id).denom(),
        ProposalNft::passed(id).denom(),
        ProposalNft::failed(id).denom(),
        ProposalNft::slashed(id).denom(),
        VotingReceiptToken::new(id).denom(),
    ]
}

pub(crate) fn submit(
    r: &Reviewer,
    s: &ProposalSubmit,
    depth: usize,
    out: &mut ActionReview,
) -> Result<(), Unreviewable> {
    let p = &s.proposal;
    let deposit = Value {
        amount: s.deposit_amount,
        asset_id: *STAKING_TOKEN_ASSET_ID,
    };
    out.line(format!("Submit proposal #{}: {:?}", p.id, p.title));
    out.line(format!("     description: {:?}", p.description));
    out.line(format!(
        "     deposit: {} (returned unless the proposal is slashed)",
        r.value(&deposit)
    ));
    match &p.payload {
        ProposalPayload::Signaling { commit } => out.line(format!(
            "     kind: signaling (enacts nothing), commit {}",
            commit
                .as_deref()
                .map_or("none".into(), |c| format!("{c:?}"))
        )),
        ProposalPayload::Emergency { halt_chain } => out.line(format!(
            "     kind: emergency; {}",
            if *halt_chain {
                "HALTS THE CHAIN if it passes"
            } else {
                "does not halt the chain"
            }
        )),
        ProposalPayload::ParameterChange(change) => {
            out.line("     kind: parameter change");
            for c in &change.preconditions {
                out.line(parameter("if", c, "is"));
            }
            for c in &change.changes {
                out.line(parameter("sets", c, "to"));
            }
        }
        ProposalPayload::CommunityPoolSpend { transaction_plan } => {
            if depth > 0 {
                return Err(Unreviewable::new(
                    "a community pool spend proposal inside another one is not reviewed",
                ));
            }
            let plan =
                crate::validate::plan_from_bytes(transaction_plan.as_slice()).map_err(|e| {
                    Unreviewable::new(format!(
                        "its community pool spend plan does not decode ({e})"
                    ))
                })?;
            out.line("     kind: community pool spend; if it passes, the pool signs:");
            out.lines(
                super::nested_plan(r.fvk(), &plan, depth + 1)?
                    .into_iter()
                    .map(|line| format!("       {line}")),
            );
        }
        ProposalPayload::UpgradePlan { height } => out.line(format!(
            "     kind: upgrade; the chain halts at height {height} for new software"
        )),
        ProposalPayload::FreezeIbcClient { client_id } => {
            out.line(format!("     kind: freezes IBC client {client_id:?}"))
        }
        ProposalPayload::UnfreezeIbcClient { client_id } => {
            out.line(format!("     kind: unfreezes IBC client {client_id:?}"))
        }
    }
    out.to(
        deposit,
        vec![format!("as the deposit of proposal #{}", p.id)],
    );
    out.given(one(ProposalNft::deposit(p.id)));
    Ok(())
}

/// One parameter of a change, as `       {verb} component.key {joiner} "value"`.
fn parameter(verb: &str, p: &EncodedParameter, joiner: &str) -> String {
    format!(
        "       {verb} {}.{} {joiner} {:?}",
        text(&p.component),
        text(&p.key),
        p.value
    )
}

pub(crate) fn withdraw(w: &ProposalWithdraw, out: &mut ActionReview) {
    out.line(format!("Withdraw proposal #{}", w.proposal));
    out.line(format!("     reason: {:?}", w.reason));
    out.to(
        one(ProposalNft::deposit(w.proposal)),
        vec![format!("to withdraw proposal #{}", w.proposal)],
    );
    out.given(one(ProposalNft::unbonding_deposit(w.proposal)));
}

pub(crate) fn deposit_claim(r: &Reviewer, c: &ProposalDepositClaim, out: &mut ActionReview) {
    let id = c.proposal;
    let deposit = Value {
        amount: c.deposit_amount,
        asset_id: *STAKING_TOKEN_ASSET_ID,
    };
    let withdrawn = |w: &Withdrawn<()>| matches!(w, Withdrawn::WithReason { .. });
    let (outcome, was_withdrawn, claimed) = match &c.outcome {
        Outcome::Passed => ("passed", false, ProposalNft::passed(id)),
        Outcome::Failed { withdrawn: w } => ("failed", withdrawn(w), ProposalNft::failed(id)),
        Outcome::Slashed { withdrawn: w } => ("slashed", withdrawn(w), ProposalNft::slashed(id)),
    };
    out.line(format!(
        "Claim the deposit of proposal #{id} ({outcome}{})",
        if was_withdrawn { ", withdrawn" } else { "" }
    ));
    let held = if was_withdrawn {
        ProposalNft::unbonding_deposit(id)
    } else {
        ProposalNft::deposit(id)
    };
    out.to(
        one(held),
        vec![format!("to claim proposal #{id}'s deposit")],
    );
    out.given(one(claimed));
    if c.outcome.should_be_refunded() {
        out.line(format!("     receives {}", r.value(&deposit)));
        out.given(deposit);
    } else {
        out.line(format!(
            "     the deposit of {} was slashed: nothing comes back",
            r.value(&deposit)
        ));
    }
}

pub(crate) fn delegator_vote(r: &Reviewer, v: &DelegatorVotePlan, out: &mut ActionReview) {
    out.line(format!(
        "Delegator vote {} on proposal #{}",
        v.vote.to_string().to_uppercase(),
        v.proposal
    ));
    out.line(format!(
        "     with the staked note of {}",
        r.value(&v.staked_note.value())
    ));
    out.line(format!(
        "     voting power: {}",
        r.amount(v.unbonded_amount, *STAKING_TOKEN_ASSET_ID)
    ));
    vote_note_owner(r, &v.staked_note.address(), out);
    let receipt = Value {
        amount: v.unbonded_amount,
        asset_id: VotingReceiptToken::new(v.proposal).id(),
    };
    out.line(format!("     receives {}", r.value(&receipt)));
    out.given(receipt);
}

/// The owner of a note that a vote shows (but does not spend).
fn vote_note_owner(r: &Reviewer, owner: &penumbra_sdk_keys::Address, out: &mut ActionReview) {
    out.lines(r.address_lines(5, "note of", owner));
    if !r.is_mine(owner) {
        out.line("     this key cannot vote with that note: the chain will reject the vote");
    }
}

pub(crate) fn validator_vote(v: &ValidatorVote, out: &mut ActionReview) {
    out.line(format!(
        "Validator vote {} on proposal #{} (already signed by the validator)",
        v.body.vote.to_string().to_uppercase(),
        v.body.proposal
    ));
    out.lines(
        super::describe_vote(&v.body)
            .into_iter()
            .skip(1)
            .map(|line| format!("   {line}")),
    );
}

pub(crate) fn liquidity_tournament_vote(
    r: &Reviewer,
    v: &ActionLiquidityTournamentVotePlan,
    out: &mut ActionReview,
) {
    out.line(format!(
        "Liquidity tournament vote for {:?}",
        v.incentivized.denom
    ));
    out.line(format!(
        "     with the staked note of {}",
        r.value(&v.staked_note.value())
    ));
    vote_note_owner(r, &v.staked_note.address(), out);
    out.lines(r.recipient_lines(5, "rewards go to", &v.rewards_recipient));
}

//! The request in words: what a person reads before approving a signature, and the refusal of
//! anything the review cannot show in full.
//!
//! A transaction's review starts with a summary of what leaves the key's control and to whom,
//! then describes every action with its amounts, assets and addresses; every address that
//! receives value (or the right to claim it) is marked as this key's or NOT this key's.

mod auction;
mod definition;
mod dex;
mod governance;
mod shielded;
mod stake;
mod summary;
mod words;

use std::collections::BTreeMap;

use decaf377::Fr;
use penumbra_sdk_asset::asset::{Metadata, REGISTRY};
use penumbra_sdk_dex::lp::position::State;
use penumbra_sdk_keys::FullViewingKey;
use penumbra_sdk_stake::{DelegationToken, UnbondingToken};
use penumbra_sdk_transaction::{ActionPlan, TransactionPlan};

pub use definition::{describe_definition, describe_vote};

use crate::request::SigningRequest;
use summary::{ActionReview, Flow};
use words::Reviewer;

/// Why a request cannot be reviewed, in one line. Such a request is never signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreviewable(String);

impl Unreviewable {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

/// Describes a request line by line. `fvk` marks the addresses that belong to the key. A
/// request the review cannot show in full is refused with the reason.
pub fn describe(
    request: &SigningRequest,
    fvk: &FullViewingKey,
) -> Result<Vec<String>, Unreviewable> {
    match request {
        SigningRequest::ValidatorDefinition(v) => Ok(describe_definition(v, fvk)),
        SigningRequest::ValidatorVote(v) => Ok(describe_vote(v)),
        SigningRequest::Transaction(plan) => describe_plan(plan, fvk),
    }
}

/// Refuses what `describe` refuses: what no one may be asked to sign.
pub fn check(request: &SigningRequest, fvk: &FullViewingKey) -> Result<(), Unreviewable> {
    describe(request, fvk).map(drop)
}

/// A transaction plan in words: the summary, the parameters, then every action.
pub fn describe_plan(
    plan: &TransactionPlan,
    fvk: &FullViewingKey,
) -> Result<Vec<String>, Unreviewable> {
    check_randomizers(plan)?;
    let r = Reviewer::new(fvk, plan_assets(plan));
    let actions = describe_actions(&r, plan, 0)?;
    let flows: Vec<Flow> = actions.iter().flat_map(|a| a.flows.clone()).collect();
    let mut fee = ActionReview::default();
    fee.to(
        plan.transaction_parameters.fee.0,
        vec!["as the transaction fee".into()],
    );
    let summary = summary::summary(&r, &[flows, fee.flows].concat())?;

    let params = &plan.transaction_parameters;
    let mut lines = vec![];
    if params.chain_id == crate::check::CHECK_CHAIN_ID {
        lines.push(
            "KEY CHECK: a test signature that proves the key works. It is for a chain that does \
             not exist, so no chain accepts it, and it moves no funds."
                .to_string(),
        );
    }
    lines.push(match plan.actions.len() {
        1 => "Transaction with 1 action".to_string(),
        n => format!("Transaction with {n} actions"),
    });
    lines.extend(summary);
    lines.push("Details".into());
    lines.extend(parameter_lines(&r, plan));
    let signatures = plan.spend_plans().count()
        + plan.delegator_vote_plans().count()
        + plan.lqt_vote_plans().count();
    lines.push(format!("  Signatures:     {signatures}"));
    lines.push("Actions".into());
    lines.extend(numbered(actions));
    Ok(lines)
}

/// A plan the community pool would sign (in a spend proposal): parameters and actions, without
/// a summary for this key, whose value it is not.
fn nested_plan(
    fvk: &FullViewingKey,
    plan: &TransactionPlan,
    depth: usize,
) -> Result<Vec<String>, Unreviewable> {
    let r = Reviewer::new(fvk, plan_assets(plan));
    let actions = describe_actions(&r, plan, depth)?;
    let mut lines = parameter_lines(&r, plan);
    lines.extend(numbered(actions));
    Ok(lines)
}

fn parameter_lines(r: &Reviewer, plan: &TransactionPlan) -> Vec<String> {
    let params = &plan.transaction_parameters;
    let mut lines = vec![
        format!("  Chain:          {}", words::text(&params.chain_id)),
        format!("  Fee:            {}", r.value(&params.fee.0)),
        format!(
            "  Expiry height:  {}",
            match params.expiry_height {
                0 => "none".to_string(),
                h => h.to_string(),
            }
        ),
    ];
    if let Some(memo) = &plan.memo {
        lines.push(format!("  Memo:           {:?}", memo.plaintext.text()));
        lines.extend(r.address_lines(2, "Memo return address", &memo.plaintext.return_address()));
    }
    lines
}

/// Each action's lines under its number ("  3. Swap ...").
fn numbered(actions: Vec<ActionReview>) -> Vec<String> {
    let mut lines = vec![];
    for (i, action) in actions.into_iter().enumerate() {
        let mut action_lines = action.lines.into_iter();
        if let Some(first) = action_lines.next() {
            lines.push(format!("  {}. {first}", i + 1));
        }
        lines.extend(action_lines);
    }
    lines
}

fn describe_actions(
    r: &Reviewer,
    plan: &TransactionPlan,
    depth: usize,
) -> Result<Vec<ActionReview>, Unreviewable> {
    plan.actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            describe_action(r, action, depth).map_err(|e| {
                Unreviewable::new(format!("action {} ({}): {e}", i + 1, action_name(action)))
            })
        })
        .collect()
}

fn describe_action(
    r: &Reviewer,
    action: &ActionPlan,
    depth: usize,
) -> Result<ActionReview, Unreviewable> {
    let mut out = ActionReview::default();
    match action {
        ActionPlan::Spend(s) => shielded::spend(r, s, &mut out),
        ActionPlan::Output(o) => shielded::output(r, o, &mut out),
        ActionPlan::Ics20Withdrawal(w) => shielded::ics20_withdrawal(r, w, &mut out),
        ActionPlan::CommunityPoolSpend(s) => shielded::pool_spend(r, s, &mut out),
        ActionPlan::CommunityPoolOutput(o) => shielded::pool_output(r, o, &mut out),
        ActionPlan::CommunityPoolDeposit(d) => shielded::pool_deposit(r, d, &mut out),
        ActionPlan::Swap(s) => dex::swap(r, s, &mut out),
        ActionPlan::SwapClaim(c) => dex::swap_claim(r, c, &mut out),
        ActionPlan::PositionOpen(p) => dex::position_open(r, p, &mut out),
        ActionPlan::PositionClose(p) => dex::position_close(p, &mut out),
        ActionPlan::PositionWithdraw(p) => dex::position_withdraw(r, p, &mut out),
        ActionPlan::ActionDutchAuctionSchedule(a) => auction::schedule(r, a, &mut out),
        ActionPlan::ActionDutchAuctionEnd(a) => auction::end(a, &mut out),
        ActionPlan::ActionDutchAuctionWithdraw(a) => auction::withdraw(r, a, &mut out),
        ActionPlan::Delegate(d) => stake::delegate(r, d, &mut out),
        ActionPlan::Undelegate(u) => stake::undelegate(r, u, &mut out),
        ActionPlan::UndelegateClaim(c) => stake::undelegate_claim(r, c, &mut out)?,
        ActionPlan::ValidatorDefinition(d) => stake::definition(r, d, &mut out),
        ActionPlan::ProposalSubmit(s) => governance::submit(r, s, depth, &mut out)?,
        ActionPlan::ProposalWithdraw(w) => governance::withdraw(w, &mut out),
        ActionPlan::ProposalDepositClaim(c) => governance::deposit_claim(r, c, &mut out),
        ActionPlan::DelegatorVote(v) => governance::delegator_vote(r, v, &mut out),
        ActionPlan::ValidatorVote(v) => governance::validator_vote(v, &mut out),
        ActionPlan::ActionLiquidityTournamentVote(v) => {
            governance::liquidity_tournament_vote(r, v, &mut out)
        }
        // Relay messages (client updates, packets, proofs) cannot be shown in words a person
        // can check, and a relayer needs no threshold key.
        ActionPlan::IbcAction(_) => {
            return Err(Unreviewable::new(
                "IBC relay messages cannot be reviewed here; relay them with another key",
            ))
        }
    }
    Ok(out)
}

/// A short name for an action, for refusals.
fn action_name(action: &ActionPlan) -> &'static str {
    match action {
        ActionPlan::Spend(_) => "spend",
        ActionPlan::Output(_) => "output",
        ActionPlan::Delegate(_) => "delegate",
        ActionPlan::Undelegate(_) => "undelegate",
        ActionPlan::UndelegateClaim(_) => "undelegate claim",
        ActionPlan::ValidatorDefinition(_) => "validator definition",
        ActionPlan::Swap(_) => "swap",
        ActionPlan::SwapClaim(_) => "swap claim",
        ActionPlan::IbcAction(_) => "IBC relay",
        ActionPlan::ProposalSubmit(_) => "proposal submit",
        ActionPlan::ProposalWithdraw(_) => "proposal withdraw",
        ActionPlan::DelegatorVote(_) => "delegator vote",
        ActionPlan::ValidatorVote(_) => "validator vote",
        ActionPlan::ProposalDepositClaim(_) => "proposal deposit claim",
        ActionPlan::PositionOpen(_) => "position open",
        ActionPlan::PositionClose(_) => "position close",
        ActionPlan::PositionWithdraw(_) => "position withdraw",
        ActionPlan::CommunityPoolSpend(_) => "community pool spend",
        ActionPlan::CommunityPoolOutput(_) => "community pool output",
        ActionPlan::CommunityPoolDeposit(_) => "community pool deposit",
        ActionPlan::Ics20Withdrawal(_) => "IBC withdrawal",
        ActionPlan::ActionDutchAuctionSchedule(_) => "Dutch auction schedule",
        ActionPlan::ActionDutchAuctionEnd(_) => "Dutch auction end",
        ActionPlan::ActionDutchAuctionWithdraw(_) => "Dutch auction withdraw",
        ActionPlan::ActionLiquidityTournamentVote(_) => "liquidity tournament vote",
    }
}

/// The tokens a plan's actions themselves define, so amounts of them read by name.
fn plan_assets(plan: &TransactionPlan) -> Vec<Metadata> {
    let mut assets = vec![];
    for action in &plan.actions {
        match action {
            ActionPlan::Delegate(d) => {
                assets.push(DelegationToken::new(d.validator_identity).denom())
            }
            ActionPlan::Undelegate(u) => {
                assets.push(u.delegation_token().denom());
                assets.push(u.unbonding_token().denom());
            }
            ActionPlan::UndelegateClaim(c) => assets
                .push(UnbondingToken::new(c.validator_identity, c.unbonding_start_height).denom()),
            ActionPlan::PositionOpen(p) => {
                assets.extend(dex::position_nfts(p.position.id(), &[State::Opened]))
            }
            ActionPlan::PositionClose(p) => assets.extend(dex::position_nfts(
                p.position_id,
                &[State::Opened, State::Closed],
            )),
            ActionPlan::PositionWithdraw(p) => {
                let mut states = vec![
                    State::Closed,
                    State::Withdrawn {
                        sequence: p.sequence,
                    },
                ];
                if let Some(previous) = p.sequence.checked_sub(1) {
                    states.push(State::Withdrawn { sequence: previous });
                }
                assets.extend(dex::position_nfts(p.position_id, &states));
            }
            ActionPlan::ActionDutchAuctionSchedule(a) => {
                assets.extend(auction::auction_nfts(a.description.id(), &[0]))
            }
            ActionPlan::ActionDutchAuctionEnd(a) => {
                assets.extend(auction::auction_nfts(a.auction_id, &[0, 1]))
            }
            ActionPlan::ActionDutchAuctionWithdraw(a) => assets.extend(auction::auction_nfts(
                a.auction_id,
                &[a.seq.saturating_sub(1), a.seq],
            )),
            ActionPlan::ProposalSubmit(s) => {
                assets.extend(governance::proposal_tokens(s.proposal.id))
            }
            ActionPlan::ProposalWithdraw(w) => {
                assets.extend(governance::proposal_tokens(w.proposal))
            }
            ActionPlan::ProposalDepositClaim(c) => {
                assets.extend(governance::proposal_tokens(c.proposal))
            }
            ActionPlan::DelegatorVote(v) => assets.extend(governance::proposal_tokens(v.proposal)),
            ActionPlan::Ics20Withdrawal(w) => assets.push(w.denom.clone()),
            ActionPlan::ActionLiquidityTournamentVote(v) => {
                assets.extend(REGISTRY.parse_denom(&v.incentivized.denom))
            }
            _ => {}
        }
    }
    assets
}

/// Refuses a zero randomizer (the signature would verify under the key's own spend
/// verification key, which then appears on chain) and a randomizer used twice (the two
/// signatures would share a verification key, linking them).
fn check_randomizers(plan: &TransactionPlan) -> Result<(), Unreviewable> {
    let mut seen: BTreeMap<[u8; 32], usize> = BTreeMap::new();
    for (i, action) in plan.actions.iter().enumerate() {
        let randomizer: Fr = match action {
            ActionPlan::Spend(s) => s.randomizer,
            ActionPlan::DelegatorVote(v) => v.randomizer,
            ActionPlan::ActionLiquidityTournamentVote(v) => v.randomizer,
            _ => continue,
        };
        let n = i + 1;
        if randomizer == Fr::from(0u64) {
            return Err(Unreviewable::new(format!(
                "action {n} ({}) has a zero randomizer: it would reveal this key's spend \
                 verification key on chain",
                action_name(action)
            )));
        }
        if let Some(first) = seen.insert(randomizer.to_bytes(), n) {
            return Err(Unreviewable::new(format!(
                "actions {first} and {n} have the same randomizer: their signatures could be \
                 linked"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! Validators, votes and the staking and governance actions of a plan.

use penumbra_sdk_governance::ValidatorVoteBody;
use penumbra_sdk_keys::Address;
use penumbra_sdk_num::fixpoint::U128x128;
use penumbra_sdk_proto::core::component::governance::v1 as gov_pb;
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::core::keys::v1 as keys_pb;
use penumbra_sdk_proto::core::transaction::v1 as tx_pb;
use penumbra_sdk_proto::Message as _;
use penumbra_sdk_stake::validator::Validator;
use penumbra_sdk_stake::Penalty;

use super::{amount, convert, element, exactly, note, required, scalar, usable_address, At, Check};
use crate::definition::MAX_VOTE_REASON_BYTES;

/// The chain's limits on a validator's text fields, in bytes.
const MAX_NAME: usize = 140;
const MAX_WEBSITE: usize = 70;
const MAX_DESCRIPTION: usize = 280;
/// The chain's limit on funding streams, and on their total rate (100%).
const MAX_FUNDING_STREAMS: usize = 8;
const MAX_BPS: u64 = 10_000;

/// A validator definition, as `CoordinatorRound1` carries it or inside a plan's action.
pub(super) fn validator(at: &At, v: stake_pb::Validator) -> Check<Validator> {
    identity_key(&at.field("identityKey"), &v.identity_key)?;
    governance_key(&at.field("governanceKey"), &v.governance_key)?;
    let consensus: [u8; 32] = exactly(&at.field("consensusKey"), &v.consensus_key)?;
    tendermint::PublicKey::from_raw_ed25519(&consensus).ok_or_else(|| {
        at.field("consensusKey")
            .bad("not a valid ed25519 public key")
    })?;
    for (name, text, max) in [
        ("name", &v.name, MAX_NAME),
        ("website", &v.website, MAX_WEBSITE),
        ("description", &v.description, MAX_DESCRIPTION),
    ] {
        if text.len() > max {
            return Err(at.field(name).bad(format!(
                "{} bytes, the chain allows at most {max}",
                text.len()
            )));
        }
    }
    funding_streams(&at.field("fundingStreams"), &v.funding_streams)?;
    convert(at, v)
}

/// (panic: Penumbra adds the rates as u16, which overflows past 65535 bps: a panic in a debug
/// build and, in a release build, a wrapped total that passes its 100% check)
fn funding_streams(at: &At, streams: &[stake_pb::FundingStream]) -> Check {
    use stake_pb::funding_stream::Recipient;
    if streams.len() > MAX_FUNDING_STREAMS {
        return Err(at.bad(format!(
            "{} funding streams, the chain allows at most {MAX_FUNDING_STREAMS}",
            streams.len()
        )));
    }
    let mut total = 0u64;
    for (i, stream) in streams.iter().enumerate() {
        let at = at.index(i);
        let recipient = stream
            .recipient
            .as_ref()
            .ok_or_else(|| at.bad("missing its recipient (toAddress or toCommunityPool)"))?;
        let (at, rate) = match recipient {
            Recipient::ToAddress(to) => {
                let at = at.field("toAddress");
                let parsed: Address = to.address.parse().map_err(|_| {
                    at.field("address")
                        .bad("not a valid Penumbra address (bech32m, penumbra1...)")
                })?;
                usable_address(&at.field("address"), parsed)?;
                (at, to.rate_bps)
            }
            Recipient::ToCommunityPool(to) => (at.field("toCommunityPool"), to.rate_bps),
        };
        if u64::from(rate) > MAX_BPS {
            return Err(at
                .field("rateBps")
                .bad(format!("{rate} bps is more than 100% ({MAX_BPS} bps)")));
        }
        total += u64::from(rate);
    }
    if total > MAX_BPS {
        return Err(at.bad(format!(
            "the rates add up to {total} bps, more than 100% ({MAX_BPS} bps)"
        )));
    }
    Ok(())
}

/// A validator vote's body, as `CoordinatorRound1` carries it or inside a plan's action.
pub(super) fn vote_body(at: &At, v: gov_pb::ValidatorVoteBody) -> Check<ValidatorVoteBody> {
    vote(&at.field("vote"), &v.vote)?;
    identity_key(&at.field("identityKey"), &v.identity_key)?;
    governance_key(&at.field("governanceKey"), &v.governance_key)?;
    let reason = required(&at.field("reason"), &v.reason)?;
    if reason.reason.len() > MAX_VOTE_REASON_BYTES {
        return Err(at.field("reason").bad(format!(
            "{} bytes, the chain allows at most {MAX_VOTE_REASON_BYTES}",
            reason.reason.len()
        )));
    }
    convert(at, v)
}

fn vote(at: &At, v: &Option<gov_pb::Vote>) -> Check {
    use gov_pb::vote::Vote;
    match Vote::try_from(required(at, v)?.vote) {
        Ok(Vote::Yes | Vote::No | Vote::Abstain) => Ok(()),
        _ => Err(at.bad("not yes, no or abstain")),
    }
}

fn identity_key(at: &At, key: &Option<keys_pb::IdentityKey>) -> Check {
    exactly::<32>(&at.field("ik"), &required(at, key)?.ik).map(drop)
}

fn governance_key(at: &At, key: &Option<keys_pb::GovernanceKey>) -> Check {
    element(&at.field("gk"), &required(at, key)?.gk).map(drop)
}

/// The staking and governance actions of a plan.
pub(super) mod actions {
    use super::super::actions::proof_blinding;
    use super::*;

    pub fn validator_definition(at: &At, p: &stake_pb::ValidatorDefinition) -> Check {
        validator(
            &at.field("validator"),
            required(&at.field("validator"), &p.validator)?.clone(),
        )?;
        exactly::<64>(&at.field("authSig"), &p.auth_sig).map(drop)
    }

    pub fn validator_vote(at: &At, p: &gov_pb::ValidatorVote) -> Check {
        vote_body(
            &at.field("body"),
            required(&at.field("body"), &p.body)?.clone(),
        )?;
        let sig = required(&at.field("authSig"), &p.auth_sig)?;
        exactly::<64>(&at.field("authSig").field("inner"), &sig.inner).map(drop)
    }

    pub fn delegator_vote(at: &At, p: &gov_pb::DelegatorVotePlan) -> Check {
        vote(&at.field("vote"), &p.vote)?;
        note(&at.field("stakedNote"), &p.staked_note)?;
        amount(&at.field("unbondedAmount"), &p.unbonded_amount)?;
        scalar(&at.field("randomizer"), &p.randomizer)?;
        proof_blinding(at, &p.proof_blinding_r, &p.proof_blinding_s)
    }

    pub fn proposal_submit(at: &At, p: &gov_pb::ProposalSubmit) -> Check {
        use gov_pb::proposal::Payload;
        let proposal = required(&at.field("proposal"), &p.proposal)?;
        let pat = at.field("proposal");
        match &proposal.payload {
            None => {
                return Err(
                    pat.bad("missing its payload (signaling, emergency, parameterChange...)")
                )
            }
            // The review decodes and shows the plan the pool would sign: it is checked as any
            // plan is (panic: Penumbra's plan conversions, as at the top level).
            Some(Payload::CommunityPoolSpend(spend)) => {
                let at = pat.field("communityPoolSpend").field("transactionPlan");
                if at.depth() > 0 {
                    return Err(
                        at.bad("a community pool spend proposal inside another one is not signed")
                    );
                }
                let any = required(&at, &spend.transaction_plan)?;
                // The plan's proto bytes: its fields are named below `value`.
                let at = at.field("value");
                let nested =
                    tx_pb::TransactionPlan::decode(any.value.as_ref()).map_err(|e| at.bad(e))?;
                super::super::actions::plan(&at.nested_plan(), nested)?;
            }
            Some(_) => {}
        }
        // Penumbra checks the rest (title and description lengths, payload contents).
        convert::<_, penumbra_sdk_governance::Proposal>(&pat, proposal.clone())?;
        amount(&at.field("depositAmount"), &p.deposit_amount).map(drop)
    }

    pub fn proposal_deposit_claim(at: &At, p: &gov_pb::ProposalDepositClaim) -> Check {
        amount(&at.field("depositAmount"), &p.deposit_amount)?;
        let outcome = required(&at.field("outcome"), &p.outcome)?;
        if outcome.outcome.is_none() {
            return Err(at
                .field("outcome")
                .bad("missing the result (passed, failed or slashed)"));
        }
        Ok(())
    }

    pub fn delegate(at: &At, p: &stake_pb::Delegate) -> Check {
        identity_key(&at.field("validatorIdentity"), &p.validator_identity)?;
        amount(&at.field("unbondedAmount"), &p.unbonded_amount)?;
        amount(&at.field("delegationAmount"), &p.delegation_amount).map(drop)
    }

    pub fn undelegate(at: &At, p: &stake_pb::Undelegate) -> Check {
        identity_key(&at.field("validatorIdentity"), &p.validator_identity)?;
        amount(&at.field("unbondedAmount"), &p.unbonded_amount)?;
        amount(&at.field("delegationAmount"), &p.delegation_amount)?;
        required(&at.field("fromEpoch"), &p.from_epoch).map(drop)
    }

    pub fn undelegate_claim(at: &At, p: &stake_pb::UndelegateClaimPlan) -> Check {
        identity_key(&at.field("validatorIdentity"), &p.validator_identity)?;
        penalty(&at.field("penalty"), &p.penalty)?;
        amount(&at.field("unbondingAmount"), &p.unbonding_amount)?;
        scalar(&at.field("balanceBlinding"), &p.balance_blinding)?;
        proof_blinding(at, &p.proof_blinding_r, &p.proof_blinding_s)
    }

    /// The share of the stake a penalty keeps: at most all of it. (panic: the claim's balance
    /// multiplies the amount by it and `expect`s no overflow "because penalty is <= 1")
    fn penalty(at: &At, p: &Option<stake_pb::Penalty>) -> Check {
        let p = required(at, p)?;
        exactly::<32>(&at.field("inner"), &p.inner)?;
        let penalty: Penalty = convert(at, p.clone())?;
        if penalty.kept_rate() > U128x128::from(1u64) {
            return Err(at.bad("keeps more than 100% of the stake"));
        }
        Ok(())
    }
}

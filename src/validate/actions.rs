//! A transaction plan: its parameters, memo, detection data and every kind of action.

use std::collections::BTreeMap;

use penumbra_sdk_asset::asset;
use penumbra_sdk_proto::core::component::auction::v1 as auction_pb;
use penumbra_sdk_proto::core::component::dex::v1 as dex_pb;
use penumbra_sdk_proto::core::component::funding::v1 as funding_pb;
use penumbra_sdk_proto::core::component::governance::v1 as gov_pb;
use penumbra_sdk_proto::core::component::ibc::v1 as ibc_pb;
use penumbra_sdk_proto::core::component::shielded_pool::v1 as sp_pb;
use penumbra_sdk_proto::core::transaction::v1 as tx_pb;
use penumbra_sdk_proto::core::transaction::v1::action_plan::Action;
use penumbra_sdk_transaction::{ActionPlan, TransactionPlan};

use super::stake::actions as staking;
use super::{
    address, amount, asset_id, convert, exactly, fee, field_element, note, plain_text, required,
    scalar, value, At, Check,
};

/// Tendermint's limit on a chain id; the review shows it as it is.
const MAX_CHAIN_ID_BYTES: usize = 50;
/// Bounds on other text the review shows as it is (denominations, foreign addresses).
const MAX_SHOWN_TEXT_BYTES: usize = 512;
/// The most detection precision a clue can have (decaf377-fmd's limit).
const MAX_PRECISION_BITS: u64 = 24;
/// A memo holds 512 bytes: an 80-byte return address and the text.
const MAX_MEMO_TEXT_BYTES: usize = 512 - 80;

pub(super) fn plan(at: &At, plan: tx_pb::TransactionPlan) -> Check<TransactionPlan> {
    let tx_pb::TransactionPlan {
        actions,
        transaction_parameters,
        detection_data,
        memo,
    } = plan;
    let actions = actions
        .into_iter()
        .enumerate()
        .map(|(i, a)| action(&at.field("actions").index(i), a))
        .collect::<Check<Vec<_>>>()?;
    let params_at = at.field("transactionParameters");
    let params = required(&params_at, &transaction_parameters)?;
    plain_text(
        &params_at.field("chainId"),
        &params.chain_id,
        MAX_CHAIN_ID_BYTES,
    )?;
    fee(&params_at.field("fee"), &params.fee)?;
    let detection_data = detection_data
        .map(|d| detection(&at.field("detectionData"), d))
        .transpose()?;
    let memo = memo.map(|m| memo_plan(&at.field("memo"), m)).transpose()?;
    Ok(TransactionPlan {
        actions,
        transaction_parameters: convert(&params_at, params.clone())?,
        detection_data,
        memo,
    })
}

fn detection(
    at: &At,
    d: tx_pb::DetectionDataPlan,
) -> Check<penumbra_sdk_transaction::plan::DetectionDataPlan> {
    for (i, clue) in d.clue_plans.iter().enumerate() {
        let at = at.field("cluePlans").index(i);
        address(&at.field("address"), &clue.address)?;
        exactly::<32>(&at.field("rseed"), &clue.rseed)?;
        if clue.precision_bits > MAX_PRECISION_BITS {
            return Err(at.field("precisionBits").bad(format!(
                "{} bits, at most {MAX_PRECISION_BITS}",
                clue.precision_bits
            )));
        }
    }
    convert(at, d)
}

fn memo_plan(at: &At, m: tx_pb::MemoPlan) -> Check<penumbra_sdk_transaction::plan::MemoPlan> {
    let plaintext = required(&at.field("plaintext"), &m.plaintext)?;
    let pat = at.field("plaintext");
    address(&pat.field("returnAddress"), &plaintext.return_address)?;
    if plaintext.text.len() > MAX_MEMO_TEXT_BYTES {
        return Err(pat.field("text").bad(format!(
            "{} bytes, a memo holds at most {MAX_MEMO_TEXT_BYTES}",
            plaintext.text.len()
        )));
    }
    exactly::<32>(&at.field("key"), &m.key)?;
    convert(at, m)
}

/// One action: its fields are checked, then it is converted, each refusal naming the field.
fn action(at: &At, proto: tx_pb::ActionPlan) -> Check<ActionPlan> {
    let Some(action) = &proto.action else {
        return Err(at.bad("an action plan without an action"));
    };
    let at = &at.field(json_name(action));
    match action {
        Action::Spend(p) => spend(at, p)?,
        Action::Output(p) => output(at, p)?,
        Action::Swap(p) => swap(at, p)?,
        Action::SwapClaim(p) => swap_claim(at, p)?,
        Action::ValidatorDefinition(p) => staking::validator_definition(at, p)?,
        Action::IbcRelayAction(_) => {
            // Relay messages carry foreign light-client data that the review cannot show (it
            // refuses them too, in these words), decoded by a large body of IBC code that is
            // better never reached.
            return Err(
                at.bad("IBC relay messages cannot be reviewed here; relay them with another key")
            );
        }
        Action::ProposalSubmit(p) => staking::proposal_submit(at, p)?,
        Action::ProposalWithdraw(_) => {}
        Action::ValidatorVote(p) => staking::validator_vote(at, p)?,
        Action::DelegatorVote(p) => staking::delegator_vote(at, p)?,
        Action::ProposalDepositClaim(p) => staking::proposal_deposit_claim(at, p)?,
        Action::Ics20Withdrawal(p) => ics20_withdrawal(at, p)?,
        Action::PositionOpen(p) => {
            position(&at.field("position"), &p.position)?;
            let len = p.encrypted_metadata.len();
            if len != 0 && len != 50 {
                return Err(at
                    .field("encryptedMetadata")
                    .bad(format!("expected 0 or 50 bytes, got {len}")));
            }
        }
        Action::PositionOpenPlan(p) => {
            position(&at.field("position"), &p.position)?;
            if let Some(m) = &p.metadata {
                if m.strategy == 0 || m.identifier == 0 {
                    return Err(at
                        .field("metadata")
                        .bad("strategy and identifier must not be zero"));
                }
            }
        }
        Action::PositionClose(p) => position_id(&at.field("positionId"), &p.position_id)?,
        Action::PositionWithdraw(p) => position_withdraw(at, p)?,
        Action::PositionRewardClaim(_) => {
            return Err(at.bad("position reward claims are no longer part of Penumbra"));
        }
        Action::Delegate(p) => staking::delegate(at, p)?,
        Action::Undelegate(p) => staking::undelegate(at, p)?,
        Action::UndelegateClaim(p) => staking::undelegate_claim(at, p)?,
        Action::CommunityPoolSpend(gov_pb::CommunityPoolSpend { value: v })
        | Action::CommunityPoolDeposit(gov_pb::CommunityPoolDeposit { value: v }) => {
            value(&at.field("value"), v).map(drop)?
        }
        Action::CommunityPoolOutput(p) => {
            value(&at.field("value"), &p.value)?;
            address(&at.field("address"), &p.address).map(drop)?
        }
        Action::ActionDutchAuctionSchedule(p) => auction_schedule(at, p)?,
        Action::ActionDutchAuctionEnd(p) => auction_id(&at.field("auctionId"), &p.auction_id)?,
        Action::ActionDutchAuctionWithdraw(p) => auction_withdraw(at, p)?,
        Action::ActionLiquidityTournamentVote(p) => liquidity_tournament_vote(at, p)?,
    }
    convert(at, proto)
}

/// The JSON name of an action, as the refusal names it.
fn json_name(action: &Action) -> &'static str {
    match action {
        Action::Spend(_) => "spend",
        Action::Output(_) => "output",
        Action::Swap(_) => "swap",
        Action::SwapClaim(_) => "swapClaim",
        Action::ValidatorDefinition(_) => "validatorDefinition",
        Action::IbcRelayAction(_) => "ibcRelayAction",
        Action::ProposalSubmit(_) => "proposalSubmit",
        Action::ProposalWithdraw(_) => "proposalWithdraw",
        Action::ValidatorVote(_) => "validatorVote",
        Action::DelegatorVote(_) => "delegatorVote",
        Action::ProposalDepositClaim(_) => "proposalDepositClaim",
        Action::Ics20Withdrawal(_) => "ics20Withdrawal",
        Action::PositionOpen(_) => "positionOpen",
        Action::PositionOpenPlan(_) => "positionOpenPlan",
        Action::PositionClose(_) => "positionClose",
        Action::PositionWithdraw(_) => "positionWithdraw",
        Action::PositionRewardClaim(_) => "positionRewardClaim",
        Action::Delegate(_) => "delegate",
        Action::Undelegate(_) => "undelegate",
        Action::UndelegateClaim(_) => "undelegateClaim",
        Action::CommunityPoolSpend(_) => "communityPoolSpend",
        Action::CommunityPoolOutput(_) => "communityPoolOutput",
        Action::CommunityPoolDeposit(_) => "communityPoolDeposit",
        Action::ActionDutchAuctionSchedule(_) => "actionDutchAuctionSchedule",
        Action::ActionDutchAuctionEnd(_) => "actionDutchAuctionEnd",
        Action::ActionDutchAuctionWithdraw(_) => "actionDutchAuctionWithdraw",
        Action::ActionLiquidityTournamentVote(_) => "actionLiquidityTournamentVote",
    }
}

pub(super) fn proof_blinding(at: &At, r: &[u8], s: &[u8]) -> Check {
    field_element(&at.field("proofBlindingR"), r)?;
    field_element(&at.field("proofBlindingS"), s).map(drop)
}

fn spend(at: &At, p: &sp_pb::SpendPlan) -> Check {
    note(&at.field("note"), &p.note)?;
    scalar(&at.field("randomizer"), &p.randomizer)?;
    scalar(&at.field("valueBlinding"), &p.value_blinding)?;
    proof_blinding(at, &p.proof_blinding_r, &p.proof_blinding_s)
}

fn output(at: &At, p: &sp_pb::OutputPlan) -> Check {
    value(&at.field("value"), &p.value)?;
    address(&at.field("destAddress"), &p.dest_address)?;
    exactly::<32>(&at.field("rseed"), &p.rseed)?;
    scalar(&at.field("valueBlinding"), &p.value_blinding)?;
    proof_blinding(at, &p.proof_blinding_r, &p.proof_blinding_s)
}

fn swap(at: &At, p: &dex_pb::SwapPlan) -> Check {
    swap_plaintext(&at.field("swapPlaintext"), &p.swap_plaintext)?;
    scalar(&at.field("feeBlinding"), &p.fee_blinding)?;
    proof_blinding(at, &p.proof_blinding_r, &p.proof_blinding_s)
}

fn swap_plaintext(at: &At, p: &Option<dex_pb::SwapPlaintext>) -> Check {
    let p = required(at, p)?;
    trading_pair(&at.field("tradingPair"), &p.trading_pair)?;
    amount(&at.field("delta1I"), &p.delta_1_i)?;
    amount(&at.field("delta2I"), &p.delta_2_i)?;
    fee(&at.field("claimFee"), &p.claim_fee)?;
    address(&at.field("claimAddress"), &p.claim_address)?;
    exactly::<32>(&at.field("rseed"), &p.rseed).map(drop)
}

fn swap_claim(at: &At, p: &dex_pb::SwapClaimPlan) -> Check {
    swap_plaintext(&at.field("swapPlaintext"), &p.swap_plaintext)?;
    let data_at = at.field("outputData");
    let data = required(&data_at, &p.output_data)?;
    for (name, field) in [
        ("delta1", &data.delta_1),
        ("delta2", &data.delta_2),
        ("lambda1", &data.lambda_1),
        ("lambda2", &data.lambda_2),
        ("unfilled1", &data.unfilled_1),
        ("unfilled2", &data.unfilled_2),
    ] {
        amount(&data_at.field(name), field)?;
    }
    trading_pair(&data_at.field("tradingPair"), &data.trading_pair)?;
    // A state commitment tree position: epoch, block, commitment (the low 16 bits).
    if data.sct_position_prefix & 0xFFFF != 0 {
        return Err(data_at
            .field("sctPositionPrefix")
            .bad("not the position of a block (its commitment index is not zero)"));
    }
    proof_blinding(at, &p.proof_blinding_r, &p.proof_blinding_s)
}

fn trading_pair(at: &At, p: &Option<dex_pb::TradingPair>) -> Check {
    let p = required(at, p)?;
    asset_id(&at.field("asset1"), &p.asset_1)?;
    asset_id(&at.field("asset2"), &p.asset_2).map(drop)
}

fn position(at: &At, p: &Option<dex_pb::Position>) -> Check {
    let p = required(at, p)?;
    let phi_at = at.field("phi");
    let phi = required(&phi_at, &p.phi)?;
    let component = required(&phi_at.field("component"), &phi.component)?;
    amount(&phi_at.field("component").field("p"), &component.p)?;
    amount(&phi_at.field("component").field("q"), &component.q)?;
    trading_pair(&phi_at.field("pair"), &phi.pair)?;
    exactly::<32>(&at.field("nonce"), &p.nonce)?;
    let state = required(&at.field("state"), &p.state)?;
    use dex_pb::position_state::PositionStateEnum;
    match PositionStateEnum::try_from(state.state) {
        Ok(
            PositionStateEnum::Opened | PositionStateEnum::Closed | PositionStateEnum::Withdrawn,
        ) => {}
        _ => return Err(at.field("state").bad("not opened, closed or withdrawn")),
    }
    reserves(&at.field("reserves"), &p.reserves).map(drop)
}

fn reserves(at: &At, r: &Option<dex_pb::Reserves>) -> Check<(u128, u128)> {
    let r = required(at, r)?;
    let r1 = amount(&at.field("r1"), &r.r1)?;
    let r2 = amount(&at.field("r2"), &r.r2)?;
    Ok((r1.value(), r2.value()))
}

fn position_id(at: &At, id: &Option<dex_pb::PositionId>) -> Check {
    let id = required(at, id)?;
    if !id.inner.is_empty() {
        exactly::<32>(&at.field("inner"), &id.inner)?;
    }
    Ok(())
}

/// (panic: the withdrawal's reserves commitment adds the reserves and rewards, and Penumbra
/// panics when two amounts of one asset add up past 2^128)
fn position_withdraw(at: &At, p: &dex_pb::PositionWithdrawPlan) -> Check {
    let (r1, r2) = reserves(&at.field("reserves"), &p.reserves)?;
    position_id(&at.field("positionId"), &p.position_id)?;
    let pair_at = at.field("pair");
    let pair = required(&pair_at, &p.pair)?;
    let a1 = asset_id(&pair_at.field("asset1"), &pair.asset_1)?;
    let a2 = asset_id(&pair_at.field("asset2"), &pair.asset_2)?;
    let mut values = vec![(a1, r1), (a2, r2)];
    for (i, reward) in p.rewards.iter().enumerate() {
        let v = value(&at.field("rewards").index(i), &Some(reward.clone()))?;
        values.push((v.asset_id, v.amount.value()));
    }
    no_overflow(at, values)
}

/// Amounts of one asset that a balance adds must not exceed 2^128 - 1 together.
fn no_overflow(at: &At, values: Vec<(asset::Id, u128)>) -> Check {
    let mut sums: BTreeMap<asset::Id, u128> = BTreeMap::new();
    for (id, amount) in values {
        let sum = sums.entry(id).or_default();
        *sum = sum.checked_add(amount).ok_or_else(|| {
            at.bad(format!(
                "the amounts of asset {id} add up to more than 2^128 - 1"
            ))
        })?;
    }
    Ok(())
}

fn ics20_withdrawal(at: &At, p: &ibc_pb::Ics20Withdrawal) -> Check {
    amount(&at.field("amount"), &p.amount)?;
    let denom = required(&at.field("denom"), &p.denom)?;
    plain_text(
        &at.field("denom").field("denom"),
        &denom.denom,
        MAX_SHOWN_TEXT_BYTES,
    )?;
    plain_text(
        &at.field("destinationChainAddress"),
        &p.destination_chain_address,
        MAX_SHOWN_TEXT_BYTES,
    )?;
    address(&at.field("returnAddress"), &p.return_address)?;
    required(&at.field("timeoutHeight"), &p.timeout_height)?;
    // IBC identifiers are at most 64 characters; the check keeps a long one out of the error.
    plain_text(&at.field("sourceChannel"), &p.source_channel, 64)
}

fn auction_id(at: &At, id: &Option<auction_pb::AuctionId>) -> Check {
    exactly::<32>(&at.field("inner"), &required(at, id)?.inner).map(drop)
}

fn auction_schedule(at: &At, p: &auction_pb::ActionDutchAuctionSchedule) -> Check {
    let d_at = at.field("description");
    let d = required(&d_at, &p.description)?;
    value(&d_at.field("input"), &d.input)?;
    asset_id(&d_at.field("outputId"), &d.output_id)?;
    amount(&d_at.field("maxOutput"), &d.max_output)?;
    amount(&d_at.field("minOutput"), &d.min_output)?;
    exactly::<32>(&d_at.field("nonce"), &d.nonce).map(drop)
}

/// (panic: the withdrawal's reserves commitment adds input and output, as for positions)
fn auction_withdraw(at: &At, p: &auction_pb::ActionDutchAuctionWithdrawPlan) -> Check {
    auction_id(&at.field("auctionId"), &p.auction_id)?;
    let input = value(&at.field("reservesInput"), &p.reserves_input)?;
    let output = value(&at.field("reservesOutput"), &p.reserves_output)?;
    no_overflow(
        at,
        vec![
            (input.asset_id, input.amount.value()),
            (output.asset_id, output.amount.value()),
        ],
    )
}

fn liquidity_tournament_vote(at: &At, p: &funding_pb::ActionLiquidityTournamentVotePlan) -> Check {
    let denom = required(&at.field("incentivized"), &p.incentivized)?;
    plain_text(
        &at.field("incentivized").field("denom"),
        &denom.denom,
        MAX_SHOWN_TEXT_BYTES,
    )?;
    address(&at.field("rewardsRecipient"), &p.rewards_recipient)?;
    note(&at.field("stakedNote"), &p.staked_note)?;
    scalar(&at.field("randomizer"), &p.randomizer)?;
    proof_blinding(at, &p.proof_blinding_r, &p.proof_blinding_s)
}

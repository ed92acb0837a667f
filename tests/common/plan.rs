//! A transaction plan with every kind of action a plan can hold, valid in every field, for a
//! dealt key: the raw material the hostile-input tests mutate.
#![allow(dead_code)]
// Penumbra still reads the deprecated fields; a plan sets them as pcli does.
#![allow(deprecated)]

use decaf377::{Fq, Fr};
use hoarfrost::keys::GroupKey;
use penumbra_sdk_asset::{asset, Value, STAKING_TOKEN_ASSET_ID};
use penumbra_sdk_keys::Address;
use penumbra_sdk_proto::core::asset::v1 as asset_pb;
use penumbra_sdk_proto::core::component::auction::v1 as auction_pb;
use penumbra_sdk_proto::core::component::dex::v1 as dex_pb;
use penumbra_sdk_proto::core::component::fee::v1 as fee_pb;
use penumbra_sdk_proto::core::component::funding::v1 as funding_pb;
use penumbra_sdk_proto::core::component::governance::v1 as gov_pb;
use penumbra_sdk_proto::core::component::ibc::v1 as ibc_pb;
use penumbra_sdk_proto::core::component::sct::v1 as sct_pb;
use penumbra_sdk_proto::core::component::shielded_pool::v1 as sp_pb;
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::core::keys::v1 as keys_pb;
use penumbra_sdk_proto::core::num::v1 as num_pb;
use penumbra_sdk_proto::core::transaction::v1 as tx_pb;
use penumbra_sdk_proto::core::transaction::v1::action_plan::Action;
use penumbra_sdk_proto::custody::threshold::v1 as threshold_pb;
use penumbra_sdk_shielded_pool::Note;
use rand_chacha::rand_core::RngCore;
use rand_chacha::ChaCha20Rng;

pub fn fr(rng: &mut ChaCha20Rng) -> Vec<u8> {
    Fr::rand(rng).to_bytes().to_vec()
}

pub fn fq(rng: &mut ChaCha20Rng) -> Vec<u8> {
    Fq::rand(rng).to_bytes().to_vec()
}

pub fn random32(rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut bytes = vec![0u8; 32];
    rng.fill_bytes(&mut bytes);
    bytes
}

pub fn amount(v: u128) -> Option<num_pb::Amount> {
    Some(penumbra_sdk_num::Amount::from(v).into())
}

pub fn gm() -> asset::Id {
    asset::REGISTRY.parse_denom("ugm").unwrap().id()
}

pub fn asset_id(id: asset::Id) -> Option<asset_pb::AssetId> {
    Some(id.into())
}

pub fn value(v: u128, id: asset::Id) -> Option<asset_pb::Value> {
    Some(
        Value {
            amount: v.into(),
            asset_id: id,
        }
        .into(),
    )
}

fn address_of(group: &GroupKey, index: u32) -> Address {
    group.fvk().payment_address(index.into()).0
}

pub fn address(group: &GroupKey, index: u32) -> Option<keys_pb::Address> {
    Some(address_of(group, index).into())
}

fn note(group: &GroupKey, rng: &mut ChaCha20Rng, v: u128, id: asset::Id) -> Option<sp_pb::Note> {
    let value = Value {
        amount: v.into(),
        asset_id: id,
    };
    Some(Note::generate(rng, &address_of(group, 0), value).into())
}

fn pair() -> Option<dex_pb::TradingPair> {
    Some(dex_pb::TradingPair {
        asset_1: asset_id(*STAKING_TOKEN_ASSET_ID),
        asset_2: asset_id(gm()),
    })
}

fn swap_plaintext(group: &GroupKey, rng: &mut ChaCha20Rng) -> Option<dex_pb::SwapPlaintext> {
    Some(dex_pb::SwapPlaintext {
        trading_pair: pair(),
        delta_1_i: amount(1_000),
        delta_2_i: amount(0),
        claim_fee: Some(fee_pb::Fee {
            amount: amount(0),
            asset_id: None,
        }),
        claim_address: address(group, 0),
        rseed: random32(rng),
    })
}

fn position(rng: &mut ChaCha20Rng) -> Option<dex_pb::Position> {
    Some(dex_pb::Position {
        phi: Some(dex_pb::TradingFunction {
            component: Some(dex_pb::BareTradingFunction {
                fee: 30,
                p: amount(2),
                q: amount(1),
            }),
            pair: pair(),
        }),
        nonce: random32(rng),
        state: Some(dex_pb::PositionState {
            state: dex_pb::position_state::PositionStateEnum::Opened as i32,
            sequence: 0,
        }),
        reserves: Some(dex_pb::Reserves {
            r1: amount(10),
            r2: amount(20),
        }),
        close_on_fill: false,
    })
}

fn identity(group: &GroupKey) -> Option<keys_pb::IdentityKey> {
    Some(group.identity_key().into())
}

/// Every kind of action, each valid: three of them need a signature (a spend, a delegator vote
/// and a liquidity tournament vote).
pub fn every_action(group: &GroupKey, rng: &mut ChaCha20Rng) -> Vec<Action> {
    let template = hoarfrost::definition::definition_template(rng, group, None).unwrap();
    let validator = hoarfrost::definition::parse_definition_toml(
        &template.replace("name = \"\"", "name = \"In a plan\""),
    )
    .unwrap();
    let vote_body =
        hoarfrost::definition::vote_body(group, None, 9, penumbra_sdk_governance::Vote::No, "no")
            .unwrap();
    let ics20: ibc_pb::Ics20Withdrawal = serde_json::from_value(serde_json::json!({
        "amount": {"lo": "5000"},
        "denom": {"denom": "transfer/channel-0/uosmo"},
        "destinationChainAddress": "osmo1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn7hzdtn",
        "returnAddress": serde_json::to_value(address(group, 1).unwrap()).unwrap(),
        "timeoutHeight": {"revisionNumber": "1", "revisionHeight": "1000"},
        "timeoutTime": "1800000000000000000",
        "sourceChannel": "channel-0",
    }))
    .expect("an Ics20Withdrawal");
    vec![
        Action::Spend(sp_pb::SpendPlan {
            note: note(group, rng, 1_000_000, *STAKING_TOKEN_ASSET_ID),
            position: 7,
            randomizer: fr(rng),
            value_blinding: fr(rng),
            proof_blinding_r: fq(rng),
            proof_blinding_s: fq(rng),
        }),
        Action::Output(sp_pb::OutputPlan {
            value: value(400_000, *STAKING_TOKEN_ASSET_ID),
            dest_address: address(group, 2),
            rseed: random32(rng),
            value_blinding: fr(rng),
            proof_blinding_r: fq(rng),
            proof_blinding_s: fq(rng),
        }),
        Action::Swap(dex_pb::SwapPlan {
            swap_plaintext: swap_plaintext(group, rng),
            fee_blinding: fr(rng),
            proof_blinding_r: fq(rng),
            proof_blinding_s: fq(rng),
        }),
        Action::SwapClaim(dex_pb::SwapClaimPlan {
            swap_plaintext: swap_plaintext(group, rng),
            position: 9,
            output_data: Some(dex_pb::BatchSwapOutputData {
                delta_1: amount(1_000),
                delta_2: amount(0),
                lambda_1: amount(0),
                lambda_2: amount(3_000),
                unfilled_1: amount(0),
                unfilled_2: amount(0),
                height: 100,
                trading_pair: pair(),
                epoch_starting_height: 0,
                sct_position_prefix: 1 << 16,
            }),
            epoch_duration: 100,
            proof_blinding_r: fq(rng),
            proof_blinding_s: fq(rng),
        }),
        Action::ValidatorDefinition(stake_pb::ValidatorDefinition {
            validator: Some(validator.into()),
            auth_sig: vec![7; 64],
        }),
        Action::ProposalSubmit(gov_pb::ProposalSubmit {
            proposal: Some(gov_pb::Proposal {
                id: 3,
                title: "A signal".into(),
                description: "Why not".into(),
                payload: Some(gov_pb::proposal::Payload::Signaling(
                    gov_pb::proposal::Signaling {
                        commit: String::new(),
                    },
                )),
            }),
            deposit_amount: amount(10),
        }),
        Action::ProposalWithdraw(gov_pb::ProposalWithdraw {
            proposal: 3,
            reason: "changed my mind".into(),
        }),
        Action::ValidatorVote(gov_pb::ValidatorVote {
            body: Some(vote_body.into()),
            auth_sig: Some(
                penumbra_sdk_proto::crypto::decaf377_rdsa::v1::SpendAuthSignature {
                    inner: vec![9; 64],
                },
            ),
        }),
        Action::DelegatorVote(gov_pb::DelegatorVotePlan {
            proposal: 3,
            start_position: 1 << 16,
            vote: Some(gov_pb::Vote {
                vote: gov_pb::vote::Vote::Yes as i32,
            }),
            staked_note: note(group, rng, 500, gm()),
            staked_note_position: 11,
            unbonded_amount: amount(500),
            randomizer: fr(rng),
            proof_blinding_r: fq(rng),
            proof_blinding_s: fq(rng),
        }),
        Action::ProposalDepositClaim(gov_pb::ProposalDepositClaim {
            proposal: 3,
            deposit_amount: amount(10),
            outcome: Some(gov_pb::ProposalOutcome {
                outcome: Some(gov_pb::proposal_outcome::Outcome::Passed(
                    gov_pb::proposal_outcome::Passed {},
                )),
            }),
        }),
        Action::Ics20Withdrawal(ics20),
        Action::PositionOpen(dex_pb::PositionOpen {
            position: position(rng),
            encrypted_metadata: vec![],
        }),
        Action::PositionOpenPlan(dex_pb::PositionOpenPlan {
            position: position(rng),
            metadata: Some(dex_pb::PositionMetadata {
                strategy: 1,
                identifier: 2,
            }),
        }),
        Action::PositionClose(dex_pb::PositionClose {
            position_id: Some(dex_pb::PositionId {
                inner: random32(rng),
                alt_bech32m: String::new(),
            }),
        }),
        Action::PositionWithdraw(dex_pb::PositionWithdrawPlan {
            reserves: Some(dex_pb::Reserves {
                r1: amount(10),
                r2: amount(20),
            }),
            position_id: Some(dex_pb::PositionId {
                inner: random32(rng),
                alt_bech32m: String::new(),
            }),
            pair: pair(),
            sequence: 0,
            rewards: vec![value(3, *STAKING_TOKEN_ASSET_ID).unwrap()],
        }),
        Action::Delegate(stake_pb::Delegate {
            validator_identity: identity(group),
            epoch_index: 2,
            unbonded_amount: amount(100),
            delegation_amount: amount(99),
        }),
        Action::Undelegate(stake_pb::Undelegate {
            validator_identity: identity(group),
            start_epoch_index: 0,
            unbonded_amount: amount(100),
            delegation_amount: amount(99),
            from_epoch: Some(sct_pb::Epoch {
                index: 2,
                start_height: 200,
            }),
        }),
        Action::UndelegateClaim(stake_pb::UndelegateClaimPlan {
            validator_identity: identity(group),
            start_epoch_index: 0,
            penalty: Some(penumbra_sdk_stake::Penalty::from_percent(5).into()),
            unbonding_amount: amount(100),
            balance_blinding: fr(rng),
            proof_blinding_r: fq(rng),
            proof_blinding_s: fq(rng),
            unbonding_start_height: 200,
        }),
        Action::CommunityPoolSpend(gov_pb::CommunityPoolSpend {
            value: value(5, gm()),
        }),
        Action::CommunityPoolOutput(gov_pb::CommunityPoolOutput {
            value: value(5, gm()),
            address: address(group, 3),
        }),
        Action::CommunityPoolDeposit(gov_pb::CommunityPoolDeposit {
            value: value(5, *STAKING_TOKEN_ASSET_ID),
        }),
        Action::ActionDutchAuctionSchedule(auction_pb::ActionDutchAuctionSchedule {
            description: Some(auction_pb::DutchAuctionDescription {
                input: value(50, *STAKING_TOKEN_ASSET_ID),
                output_id: asset_id(gm()),
                max_output: amount(100),
                min_output: amount(10),
                start_height: 100,
                end_height: 200,
                step_count: 10,
                nonce: random32(rng),
            }),
        }),
        Action::ActionDutchAuctionEnd(auction_pb::ActionDutchAuctionEnd {
            auction_id: Some(auction_pb::AuctionId {
                inner: random32(rng),
            }),
        }),
        Action::ActionDutchAuctionWithdraw(auction_pb::ActionDutchAuctionWithdrawPlan {
            auction_id: Some(auction_pb::AuctionId {
                inner: random32(rng),
            }),
            seq: 1,
            reserves_input: value(1, *STAKING_TOKEN_ASSET_ID),
            reserves_output: value(2, gm()),
        }),
        Action::ActionLiquidityTournamentVote(funding_pb::ActionLiquidityTournamentVotePlan {
            incentivized: Some(asset_pb::Denom {
                denom: "ugm".into(),
            }),
            rewards_recipient: address(group, 4),
            staked_note: note(group, rng, 700, gm()),
            staked_note_position: 12,
            start_position: 1 << 16,
            randomizer: fr(rng),
            proof_blinding_r: fq(rng),
            proof_blinding_s: fq(rng),
        }),
    ]
}

/// A plan holding every kind of action, with a memo and detection data.
pub fn every_action_plan(group: &GroupKey, seed: u64) -> tx_pb::TransactionPlan {
    let mut rng = crate::common::rng(seed);
    let actions = every_action(group, &mut rng)
        .into_iter()
        .map(|action| tx_pb::ActionPlan {
            action: Some(action),
        })
        .collect();
    tx_pb::TransactionPlan {
        actions,
        transaction_parameters: Some(tx_pb::TransactionParameters {
            expiry_height: 0,
            chain_id: "penumbra-1".into(),
            fee: Some(fee_pb::Fee {
                amount: amount(1_000),
                asset_id: asset_id(*STAKING_TOKEN_ASSET_ID),
            }),
        }),
        detection_data: Some(tx_pb::DetectionDataPlan {
            clue_plans: vec![tx_pb::CluePlan {
                address: address(group, 2),
                rseed: random32(&mut rng),
                precision_bits: 10,
            }],
        }),
        memo: Some(tx_pb::MemoPlan {
            plaintext: Some(tx_pb::MemoPlaintext {
                return_address: address(group, 0),
                text: "for the hostile tests".into(),
            }),
            key: random32(&mut rng),
        }),
    }
}

/// `CoordinatorRound1` carrying [`every_action_plan`], as pcli's JSON.
pub fn every_action_round1(group: &GroupKey, seed: u64) -> String {
    serde_json::to_string(&threshold_pb::CoordinatorRound1 {
        request: Some(threshold_pb::coordinator_round1::Request::Plan(
            every_action_plan(group, seed),
        )),
    })
    .unwrap()
}

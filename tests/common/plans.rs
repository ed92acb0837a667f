//! Transaction plans built with Penumbra's own types: one (or more) for every `ActionPlan`
//! variant, each sending value or a claim on it to a stranger's address where the variant can.
//!
//! Only Penumbra's crates are used here, so the library's unit tests can include this file too.
#![allow(dead_code)]

use decaf377::Fr;
use penumbra_sdk_asset::asset::{self, Denom, REGISTRY};
use penumbra_sdk_asset::{Value, STAKING_TOKEN_ASSET_ID};
use penumbra_sdk_auction::auction::dutch::actions::{
    ActionDutchAuctionEnd, ActionDutchAuctionSchedule, ActionDutchAuctionWithdrawPlan,
};
use penumbra_sdk_auction::auction::dutch::DutchAuctionDescription;
use penumbra_sdk_auction::auction::AuctionNft;
use penumbra_sdk_community_pool::{CommunityPoolDeposit, CommunityPoolOutput, CommunityPoolSpend};
use penumbra_sdk_dex::lp::plan::{PositionOpenPlan, PositionWithdrawPlan};
use penumbra_sdk_dex::lp::position::{Position, State};
use penumbra_sdk_dex::lp::{LpNft, Reserves};
use penumbra_sdk_dex::swap::{SwapPlaintext, SwapPlan};
use penumbra_sdk_dex::swap_claim::SwapClaimPlan;
use penumbra_sdk_dex::{BatchSwapOutputData, DirectedTradingPair, PositionClose, TradingPair};
use penumbra_sdk_fee::Fee;
use penumbra_sdk_funding::liquidity_tournament::ActionLiquidityTournamentVotePlan;
use penumbra_sdk_governance::proposal_state::{Outcome, Withdrawn};
use penumbra_sdk_governance::{
    DelegatorVotePlan, Proposal, ProposalDepositClaim, ProposalNft, ProposalPayload,
    ProposalSubmit, ProposalWithdraw, ValidatorVote, ValidatorVoteBody, ValidatorVoteReason, Vote,
};
use penumbra_sdk_keys::{Address, FullViewingKey};
use penumbra_sdk_num::Amount;
use penumbra_sdk_proto::DomainType;
use penumbra_sdk_sct::epoch::Epoch;
use penumbra_sdk_shielded_pool::{Ics20Withdrawal, Note, OutputPlan, SpendPlan};
use penumbra_sdk_stake::validator::{Definition, Validator};
use penumbra_sdk_stake::{
    Delegate, DelegationToken, FundingStream, FundingStreams, GovernanceKey, IdentityKey, Penalty,
    UnbondingToken, Undelegate, UndelegateClaimPlan,
};
use penumbra_sdk_transaction::{ActionPlan, TransactionParameters, TransactionPlan};
use rand_core::{CryptoRng, RngCore};

/// One unit of a six-decimal asset ("1 penumbra" is 1_000_000 upenumbra).
pub const UNIT: u64 = 1_000_000;

pub fn gm() -> asset::Id {
    REGISTRY.parse_denom("ugm").expect("gm is known").id()
}

pub fn penumbra() -> asset::Id {
    *STAKING_TOKEN_ASSET_ID
}

pub fn value(units: u64, asset_id: asset::Id) -> Value {
    Value {
        amount: (units * UNIT).into(),
        asset_id,
    }
}

pub fn one(asset_id: asset::Id) -> Value {
    Value {
        amount: 1u64.into(),
        asset_id,
    }
}

pub fn address(fvk: &FullViewingKey, account: u32) -> Address {
    fvk.payment_address(account.into()).0
}

pub fn spend<R: RngCore + CryptoRng>(rng: &mut R, owner: &Address, value: Value) -> ActionPlan {
    let note = Note::generate(rng, owner, value);
    ActionPlan::Spend(SpendPlan::new(rng, note, 0u64.into()))
}

pub fn output<R: RngCore + CryptoRng>(rng: &mut R, to: &Address, value: Value) -> ActionPlan {
    ActionPlan::Output(OutputPlan::new(rng, value, to.clone()))
}

pub fn plan(actions: Vec<ActionPlan>) -> TransactionPlan {
    TransactionPlan {
        actions,
        transaction_parameters: TransactionParameters {
            expiry_height: 0,
            chain_id: "penumbra-1".into(),
            fee: Fee(Value {
                amount: Amount::zero(),
                asset_id: penumbra(),
            }),
        },
        detection_data: None,
        memo: None,
    }
}

/// A validator identity (any decaf377 verification key will do).
pub fn validator(fvk: &FullViewingKey) -> IdentityKey {
    IdentityKey((*fvk.spend_verification_key()).into())
}

/// Spend 100 penumbra of `mine`, send 40 to `stranger`, 59.9 back as change, 0.1 as the fee.
pub fn pay_a_stranger<R: RngCore + CryptoRng>(
    rng: &mut R,
    mine: &Address,
    stranger: &Address,
) -> TransactionPlan {
    let mut p = plan(vec![
        spend(rng, mine, value(100, penumbra())),
        output(rng, stranger, value(40, penumbra())),
        output(
            rng,
            mine,
            Value {
                amount: (59_900_000u64).into(),
                asset_id: penumbra(),
            },
        ),
    ]);
    p.transaction_parameters.fee = Fee(Value {
        amount: 100_000u64.into(),
        asset_id: penumbra(),
    });
    p
}

/// The README's example: 100 penumbra of `mine` pay 40 to `stranger`, put 10 into a swap whose
/// outputs `stranger` claims, 49.9 come back as change and 0.1 is the fee.
pub fn spend_output_and_swap<R: RngCore + CryptoRng>(
    rng: &mut R,
    mine: &Address,
    stranger: &Address,
) -> TransactionPlan {
    let mut p = plan(vec![
        spend(rng, mine, value(100, penumbra())),
        output(rng, stranger, value(40, penumbra())),
        ActionPlan::Swap(swap_plan(rng, stranger)),
        output(
            rng,
            mine,
            Value {
                amount: 49_900_000u64.into(),
                asset_id: penumbra(),
            },
        ),
    ]);
    p.transaction_parameters.fee = Fee(Value {
        amount: 100_000u64.into(),
        asset_id: penumbra(),
    });
    p
}

/// A swap of 10 penumbra for gm whose outputs `claimer` may claim.
pub fn swap_plan<R: RngCore + CryptoRng>(rng: &mut R, claimer: &Address) -> SwapPlan {
    let pair = TradingPair::new(penumbra(), gm());
    let ten = Amount::from(10 * UNIT);
    let (delta_1, delta_2) = if pair.asset_1() == penumbra() {
        (ten, Amount::zero())
    } else {
        (Amount::zero(), ten)
    };
    let plaintext = SwapPlaintext::new(
        rng,
        pair,
        delta_1,
        delta_2,
        Fee(Value {
            amount: Amount::zero(),
            asset_id: penumbra(),
        }),
        claimer.clone(),
    );
    SwapPlan::new(rng, plaintext)
}

/// The attack: 10 penumbra of this key into a swap whose outputs a stranger claims.
pub fn swap_to_a_stranger<R: RngCore + CryptoRng>(
    rng: &mut R,
    mine: &Address,
    stranger: &Address,
) -> TransactionPlan {
    plan(vec![
        spend(rng, mine, value(10, penumbra())),
        ActionPlan::Swap(swap_plan(rng, stranger)),
    ])
}

/// The claim of `swap_plan`'s swap: the batch turned the 10 penumbra into 20 gm.
pub fn swap_claim_plan<R: RngCore + CryptoRng>(rng: &mut R, claimer: &Address) -> SwapClaimPlan {
    let swap = swap_plan(rng, claimer);
    let pair = swap.swap_plaintext.trading_pair;
    let (ten, twenty) = (Amount::from(10 * UNIT), Amount::from(20 * UNIT));
    let penumbra_first = pair.asset_1() == penumbra();
    let output_data = BatchSwapOutputData {
        delta_1: if penumbra_first { ten } else { Amount::zero() },
        delta_2: if penumbra_first { Amount::zero() } else { ten },
        lambda_1: if penumbra_first {
            Amount::zero()
        } else {
            twenty
        },
        lambda_2: if penumbra_first {
            twenty
        } else {
            Amount::zero()
        },
        unfilled_1: Amount::zero(),
        unfilled_2: Amount::zero(),
        height: 1234,
        trading_pair: pair,
        sct_position_prefix: 0u64.into(),
    };
    SwapClaimPlan {
        swap_plaintext: swap.swap_plaintext,
        position: 0u64.into(),
        output_data,
        epoch_duration: 100,
        proof_blinding_r: 1u64.into(),
        proof_blinding_s: 2u64.into(),
    }
}

pub fn position(rng: &mut (impl RngCore + CryptoRng)) -> Position {
    // 10 gm and 5 penumbra at 1 gm = 2 penumbra, 30 bps fee.
    Position::new(
        rng,
        DirectedTradingPair::new(gm(), penumbra()),
        30,
        (2 * UNIT).into(),
        UNIT.into(),
        Reserves {
            r1: (10 * UNIT).into(),
            r2: (5 * UNIT).into(),
        },
    )
}

pub fn auction_description() -> DutchAuctionDescription {
    DutchAuctionDescription {
        input: value(100, penumbra()),
        output_id: gm(),
        max_output: (200 * UNIT).into(),
        min_output: (150 * UNIT).into(),
        start_height: 1000,
        end_height: 2000,
        step_count: 100,
        nonce: [7; 32],
    }
}

pub fn validator_definition(identity: IdentityKey, funding_to: &Address) -> Validator {
    Validator {
        identity_key: identity,
        governance_key: GovernanceKey(identity.0.try_into().expect("a valid key")),
        consensus_key: tendermint::PublicKey::from_raw_ed25519(&[3; 32]).expect("ed25519"),
        name: "Stranger Validator".into(),
        website: String::new(),
        description: String::new(),
        enabled: true,
        funding_streams: FundingStreams::try_from(vec![FundingStream::ToAddress {
            address: funding_to.clone(),
            rate_bps: 100,
        }])
        .expect("one stream"),
        sequence_number: 1,
    }
}

pub fn ics20_withdrawal(to_chain: &str, return_address: &Address) -> Ics20Withdrawal {
    // Built from its proto JSON, as a plan arrives: the height type lives in ibc-types.
    let return_address = penumbra_sdk_proto::core::keys::v1::Address::from(return_address.clone());
    serde_json::from_value(serde_json::json!({
        "amount": {"lo": (10 * UNIT).to_string()},
        "denom": {"denom": "ugm"},
        "destinationChainAddress": to_chain,
        "returnAddress": serde_json::to_value(return_address).expect("an address"),
        "timeoutHeight": {"revisionNumber": "1", "revisionHeight": "5000"},
        "timeoutTime": "1800000000000000000",
        "sourceChannel": "channel-0",
    }))
    .expect("a valid withdrawal")
}

/// A plan for every `ActionPlan` variant (named by the variant), sending value or a claim to
/// `stranger` where the variant can. Own notes and change belong to `fvk`'s account 0.
pub fn every_variant<R: RngCore + CryptoRng>(
    rng: &mut R,
    fvk: &FullViewingKey,
    stranger: &Address,
) -> Vec<(&'static str, TransactionPlan)> {
    let mine = address(fvk, 0);
    let v = validator(fvk);
    let delegation = DelegationToken::new(v).id();
    let unbonding = UnbondingToken::new(v, 100).id();
    let position = position(rng);
    let id = position.id();
    let description = auction_description();
    let auction = description.id();
    let proposal_nft = |nft: ProposalNft| one(nft.id());
    let pool_plan = plan(vec![
        ActionPlan::CommunityPoolSpend(CommunityPoolSpend {
            value: value(50, penumbra()),
        }),
        ActionPlan::CommunityPoolOutput(CommunityPoolOutput {
            value: value(50, penumbra()),
            address: stranger.clone(),
        }),
    ]);
    let staked_note = Note::generate(rng, &mine, value(100, delegation));
    vec![
        (
            "Spend",
            plan(vec![
                spend(rng, stranger, value(5, penumbra())),
                output(rng, &mine, value(5, penumbra())),
            ]),
        ),
        ("Output", pay_a_stranger(rng, &mine, stranger)),
        (
            "Delegate",
            plan(vec![
                spend(rng, &mine, value(100, penumbra())),
                ActionPlan::Delegate(Delegate {
                    validator_identity: v,
                    epoch_index: 1,
                    unbonded_amount: (100 * UNIT).into(),
                    delegation_amount: (95 * UNIT).into(),
                }),
                output(rng, stranger, value(95, delegation)),
            ]),
        ),
        (
            "Undelegate",
            plan(vec![
                spend(rng, &mine, value(95, delegation)),
                ActionPlan::Undelegate(Undelegate {
                    validator_identity: v,
                    from_epoch: Epoch {
                        index: 2,
                        start_height: 100,
                    },
                    unbonded_amount: (100 * UNIT).into(),
                    delegation_amount: (95 * UNIT).into(),
                }),
                output(rng, stranger, value(100, unbonding)),
            ]),
        ),
        (
            "UndelegateClaim",
            plan(vec![
                spend(rng, &mine, value(100, unbonding)),
                ActionPlan::UndelegateClaim(UndelegateClaimPlan {
                    validator_identity: v,
                    penalty: Penalty::from_percent(1),
                    unbonding_amount: (100 * UNIT).into(),
                    balance_blinding: Fr::from(5u64),
                    proof_blinding_r: 6u64.into(),
                    proof_blinding_s: 7u64.into(),
                    unbonding_start_height: 100,
                }),
                output(rng, stranger, value(99, penumbra())),
            ]),
        ),
        (
            "ValidatorDefinition",
            plan(vec![ActionPlan::ValidatorDefinition(Definition {
                validator: validator_definition(v, stranger),
                auth_sig: [0u8; 64].into(),
            })]),
        ),
        ("Swap", swap_to_a_stranger(rng, &mine, stranger)),
        (
            "SwapClaim",
            plan(vec![ActionPlan::SwapClaim(swap_claim_plan(rng, stranger))]),
        ),
        (
            "IbcAction",
            plan(vec![serde_json::from_value(serde_json::json!({
                "ibcRelayAction": {"rawAction": {"typeUrl": "/ibc.lightclients.wasm.v1.MsgStoreCode", "value": ""}}
            }))
            .expect("an IBC relay action")]),
        ),
        (
            "ProposalSubmit",
            plan(vec![
                spend(rng, &mine, value(100, penumbra())),
                ActionPlan::ProposalSubmit(ProposalSubmit {
                    proposal: Proposal {
                        id: 7,
                        title: "Pay the stranger".into(),
                        description: "From the pool".into(),
                        payload: ProposalPayload::CommunityPoolSpend {
                            transaction_plan: pool_plan.encode_to_vec(),
                        },
                    },
                    deposit_amount: (100 * UNIT).into(),
                }),
                output(rng, stranger, proposal_nft(ProposalNft::deposit(7))),
            ]),
        ),
        (
            "ProposalWithdraw",
            plan(vec![
                spend(rng, &mine, proposal_nft(ProposalNft::deposit(7))),
                ActionPlan::ProposalWithdraw(ProposalWithdraw {
                    proposal: 7,
                    reason: "changed my mind".into(),
                }),
                output(rng, stranger, proposal_nft(ProposalNft::unbonding_deposit(7))),
            ]),
        ),
        (
            "DelegatorVote",
            plan(vec![
                ActionPlan::DelegatorVote(DelegatorVotePlan::new(
                    rng,
                    7,
                    0u64.into(),
                    Vote::Yes,
                    staked_note.clone(),
                    0u64.into(),
                    (100 * UNIT).into(),
                )),
                output(
                    rng,
                    stranger,
                    Value {
                        amount: (100 * UNIT).into(),
                        asset_id: penumbra_sdk_governance::VotingReceiptToken::new(7).id(),
                    },
                ),
            ]),
        ),
        (
            "ValidatorVote",
            plan(vec![ActionPlan::ValidatorVote(ValidatorVote {
                body: ValidatorVoteBody {
                    proposal: 7,
                    vote: Vote::No,
                    identity_key: v,
                    governance_key: GovernanceKey(v.0.try_into().expect("a valid key")),
                    reason: ValidatorVoteReason("too generous".into()),
                },
                auth_sig: [0u8; 64].into(),
            })]),
        ),
        (
            "ProposalDepositClaim",
            plan(vec![
                spend(rng, &mine, proposal_nft(ProposalNft::deposit(7))),
                ActionPlan::ProposalDepositClaim(ProposalDepositClaim {
                    proposal: 7,
                    deposit_amount: (100 * UNIT).into(),
                    outcome: Outcome::Failed {
                        withdrawn: Withdrawn::No,
                    },
                }),
                output(rng, stranger, value(100, penumbra())),
                output(rng, &mine, proposal_nft(ProposalNft::failed(7))),
            ]),
        ),
        (
            "PositionOpen",
            plan(vec![
                spend(rng, &mine, value(10, gm())),
                spend(rng, &mine, value(5, penumbra())),
                ActionPlan::PositionOpen(PositionOpenPlan {
                    position: position.clone(),
                    metadata: None,
                }),
                output(rng, stranger, one(LpNft::new(id, State::Opened).asset_id())),
            ]),
        ),
        (
            "PositionClose",
            plan(vec![
                spend(rng, &mine, one(LpNft::new(id, State::Opened).asset_id())),
                ActionPlan::PositionClose(PositionClose { position_id: id }),
                output(rng, stranger, one(LpNft::new(id, State::Closed).asset_id())),
            ]),
        ),
        (
            "PositionWithdraw",
            plan(vec![
                spend(rng, &mine, one(LpNft::new(id, State::Closed).asset_id())),
                ActionPlan::PositionWithdraw(PositionWithdrawPlan {
                    reserves: position.reserves.clone(),
                    position_id: id,
                    pair: position.phi.pair,
                    sequence: 0,
                    rewards: vec![],
                }),
                output(rng, stranger, position.reserves_1()),
                output(rng, stranger, position.reserves_2()),
                output(
                    rng,
                    &mine,
                    one(LpNft::new(id, State::Withdrawn { sequence: 0 }).asset_id()),
                ),
            ]),
        ),
        ("CommunityPoolSpend", pool_plan.clone()),
        ("CommunityPoolOutput", pool_plan),
        (
            "CommunityPoolDeposit",
            plan(vec![
                spend(rng, &mine, value(100, penumbra())),
                ActionPlan::CommunityPoolDeposit(CommunityPoolDeposit {
                    value: value(30, penumbra()),
                }),
                output(rng, stranger, value(70, penumbra())),
            ]),
        ),
        (
            "Ics20Withdrawal",
            plan(vec![
                spend(rng, &mine, value(10, gm())),
                ActionPlan::Ics20Withdrawal(ics20_withdrawal("osmo1receiver", stranger)),
            ]),
        ),
        (
            "ActionDutchAuctionSchedule",
            plan(vec![
                spend(rng, &mine, value(100, penumbra())),
                ActionPlan::ActionDutchAuctionSchedule(ActionDutchAuctionSchedule {
                    description,
                }),
                output(rng, stranger, one(AuctionNft::new(auction, 0).asset_id())),
            ]),
        ),
        (
            "ActionDutchAuctionEnd",
            plan(vec![
                spend(rng, &mine, one(AuctionNft::new(auction, 0).asset_id())),
                ActionPlan::ActionDutchAuctionEnd(ActionDutchAuctionEnd {
                    auction_id: auction,
                }),
                output(rng, stranger, one(AuctionNft::new(auction, 1).asset_id())),
            ]),
        ),
        (
            "ActionDutchAuctionWithdraw",
            plan(vec![
                spend(rng, &mine, one(AuctionNft::new(auction, 1).asset_id())),
                ActionPlan::ActionDutchAuctionWithdraw(ActionDutchAuctionWithdrawPlan {
                    auction_id: auction,
                    seq: 2,
                    reserves_input: value(10, penumbra()),
                    reserves_output: value(170, gm()),
                }),
                output(rng, stranger, value(170, gm())),
                output(rng, &mine, value(10, penumbra())),
                output(rng, &mine, one(AuctionNft::new(auction, 2).asset_id())),
            ]),
        ),
        (
            "ActionLiquidityTournamentVote",
            plan(vec![ActionPlan::ActionLiquidityTournamentVote(
                ActionLiquidityTournamentVotePlan::new(
                    rng,
                    Denom {
                        denom: "ugm".into(),
                    },
                    stranger.clone(),
                    staked_note,
                    0u64.into(),
                    0u64.into(),
                ),
            )]),
        ),
    ]
}

/// The plan `every_variant` makes for the variant `name`.
pub fn variant<R: RngCore + CryptoRng>(
    name: &str,
    rng: &mut R,
    fvk: &FullViewingKey,
    stranger: &Address,
) -> TransactionPlan {
    every_variant(rng, fvk, stranger)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, plan)| plan)
        .unwrap_or_else(|| panic!("no variant {name}"))
}

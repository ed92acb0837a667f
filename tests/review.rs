//! The follower's review: every action in full, strangers named, the unreviewable refused.

mod common;

use common::plans::{self, UNIT};
use common::process::{deal, key, plan_file, run, temp, Process};
use decaf377::Fr;
use hoarfrost::keys::KeyShare;
use hoarfrost::messages::CoordinatorRound1;
use hoarfrost::refusal::Refusal;
use hoarfrost::request::SigningRequest;
use hoarfrost::review::describe;
use hoarfrost::signing::{Coordinator, Follower};
use penumbra_sdk_asset::asset::Metadata;
use penumbra_sdk_auction::auction::AuctionNft;
use penumbra_sdk_dex::lp::position::State;
use penumbra_sdk_dex::lp::LpNft;
use penumbra_sdk_governance::{ProposalNft, VotingReceiptToken};
use penumbra_sdk_keys::{Address, FullViewingKey};
use penumbra_sdk_stake::{DelegationToken, UnbondingToken};
use penumbra_sdk_transaction::{ActionPlan, TransactionPlan};
use proptest::prelude::*;

struct Setup {
    shares: Vec<KeyShare>,
    stranger: Address,
}

impl Setup {
    fn new() -> Self {
        Self {
            shares: common::dealt(2, 3, 1),
            stranger: plans::address(common::dealt(2, 2, 2)[0].group().fvk(), 0),
        }
    }

    fn fvk(&self) -> &FullViewingKey {
        self.shares[1].group().fvk()
    }

    fn mine(&self) -> Address {
        plans::address(self.fvk(), 0)
    }

    fn review(&self, plan: &TransactionPlan) -> Vec<String> {
        describe(&SigningRequest::Transaction(plan.clone()), self.fvk()).expect("reviewable")
    }

    fn follow(&self, plan: TransactionPlan) -> Result<Follower, Refusal> {
        Follower::new(
            self.shares[1].clone(),
            CoordinatorRound1 {
                request: SigningRequest::Transaction(plan),
            },
        )
    }

    fn coordinate(&self, plan: TransactionPlan) -> Result<(), Refusal> {
        Coordinator::new(
            self.shares[0].group().clone(),
            Some(self.shares[0].clone()),
            SigningRequest::Transaction(plan),
            None,
        )
        .map(drop)
    }
}

/// Whether a line containing `first` is directly followed by one containing `second`.
fn shows(lines: &[String], first: &str, second: &str) -> bool {
    lines
        .windows(2)
        .any(|w| w[0].contains(first) && w[1].contains(second))
}

fn has(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

fn unit(metadata: Metadata) -> String {
    metadata.default_unit().to_string()
}

/// The attack that opened issue 10: this key's 10 penumbra go into a swap whose outputs a
/// stranger claims. The old review showed the bare line "2. Swap" and the follower signed.
#[test]
fn a_swap_whose_outputs_a_stranger_claims_is_flagged() {
    let s = Setup::new();
    let plan = plans::swap_to_a_stranger(&mut common::rng(3), &s.mine(), &s.stranger);
    let follower = s.follow(plan).expect("a swap is reviewable");
    let lines = describe(follower.request(), s.fvk()).unwrap();
    let stranger = s.stranger.to_string();
    assert!(
        shows(
            &lines,
            "ATTENTION: 1 address NOT this key's gets value or a claim on it:",
            &stranger
        ),
        "{lines:#?}"
    );
    assert!(
        shows(
            &lines,
            "10 penumbra into a swap whose outputs go to (NOT this key's):",
            &stranger
        ),
        "{lines:#?}"
    );
    assert!(has(&lines, "2. Swap 10 penumbra for gm"), "{lines:#?}");
    assert!(
        shows(&lines, "outputs claimable by (NOT this key's):", &stranger),
        "{lines:#?}"
    );
}

/// What each variant's review must show about the stranger: pairs of consecutive lines.
fn expected(name: &str, fvk: &FullViewingKey, stranger: &str) -> Vec<(String, String)> {
    let v = plans::validator(fvk);
    let to_stranger = |what: String| (format!("{what} to (NOT this key's):"), stranger.to_string());
    let position = plans::position(&mut common::rng(0));
    let id = position.id();
    let auction = plans::auction_description().id();
    match name {
        "Spend" => vec![
            (
                "Spend 5 penumbra".into(),
                "from a note of (NOT this key's):".into(),
            ),
            ("from a note of (NOT this key's):".into(), stranger.into()),
        ],
        "Output" => vec![to_stranger("40 penumbra".into())],
        "Delegate" => vec![
            to_stranger(format!("95 {}", unit(DelegationToken::new(v).denom()))),
            ("100 penumbra delegated to validator".into(), v.to_string()),
        ],
        "Undelegate" => vec![to_stranger(format!(
            "100 {}",
            unit(UnbondingToken::new(v, 100).denom())
        ))],
        "UndelegateClaim" => vec![
            to_stranger("99 penumbra".into()),
            ("penalty 1.0000%: receives 99 penumbra".into(), "".into()),
        ],
        "ValidatorDefinition" => vec![(
            "1. 100 bps (1.00%) to (NOT this key's):".into(),
            stranger.into(),
        )],
        "Swap" => vec![
            (
                "10 penumbra into a swap whose outputs go to (NOT this key's):".into(),
                stranger.into(),
            ),
            (
                "outputs claimable by (NOT this key's):".into(),
                stranger.into(),
            ),
        ],
        "SwapClaim" => vec![
            to_stranger("20 gm".into()),
            ("receives".into(), "to (NOT this key's):".into()),
        ],
        "ProposalSubmit" => vec![
            to_stranger(format!("1 {}", unit(ProposalNft::deposit(7).denom()))),
            (
                "100 penumbra as the deposit of proposal #7".into(),
                "".into(),
            ),
            (
                "Community pool output of 50 penumbra".into(),
                "to (NOT this key's):".into(),
            ),
        ],
        "ProposalWithdraw" => vec![to_stranger(format!(
            "1 {}",
            unit(ProposalNft::unbonding_deposit(7).denom())
        ))],
        "DelegatorVote" => vec![
            to_stranger(format!("100 {}", unit(VotingReceiptToken::new(7).denom()))),
            ("Delegator vote YES on proposal #7".into(), "".into()),
        ],
        "ValidatorVote" => vec![
            ("Validator vote NO on proposal #7".into(), "".into()),
            ("Reason:         \"too generous\"".into(), v.to_string()),
        ],
        "ProposalDepositClaim" => vec![
            to_stranger("100 penumbra".into()),
            (
                "Claim the deposit of proposal #7 (failed)".into(),
                "receives 100 penumbra".into(),
            ),
        ],
        "PositionOpen" => vec![
            to_stranger(format!("1 {}", unit(LpNft::new(id, State::Opened).denom()))),
            ("fee:      30 bps (0.30%) of each trade".into(), "".into()),
        ],
        "PositionClose" => vec![to_stranger(format!(
            "1 {}",
            unit(LpNft::new(id, State::Closed).denom())
        ))],
        "PositionWithdraw" => vec![
            to_stranger("10 gm".into()),
            to_stranger("5 penumbra".into()),
        ],
        "CommunityPoolSpend" | "CommunityPoolOutput" => vec![
            to_stranger("50 penumbra".into()),
            (
                "50 penumbra comes from the community pool".into(),
                "".into(),
            ),
        ],
        "CommunityPoolDeposit" => vec![
            ("30 penumbra into the community pool".into(), "".into()),
            to_stranger("70 penumbra".into()),
        ],
        "Ics20Withdrawal" => vec![
            (
                "IBC withdrawal of 10 gm to another chain".into(),
                "channel-0".into(),
            ),
            (
                "refunds (if it fails or times out) go to (NOT this key's):".into(),
                stranger.into(),
            ),
            (
                "10 gm to \"osmo1receiver\"".into(),
                "on the chain behind channel-0".into(),
            ),
        ],
        "ActionDutchAuctionSchedule" => vec![
            to_stranger(format!("1 {}", unit(AuctionNft::new(auction, 0).metadata))),
            (
                "sells 100 penumbra for gm".into(),
                "asks 200 gm at first, falling to 150 gm".into(),
            ),
            (
                "from height 1000 to height 2000, in 100 steps".into(),
                "".into(),
            ),
        ],
        "ActionDutchAuctionEnd" => vec![to_stranger(format!(
            "1 {}",
            unit(AuctionNft::new(auction, 1).metadata)
        ))],
        "ActionDutchAuctionWithdraw" => vec![to_stranger("170 gm".into())],
        "ActionLiquidityTournamentVote" => vec![
            ("rewards go to (NOT this key's):".into(), stranger.into()),
            ("Liquidity tournament vote for \"ugm\"".into(), "".into()),
        ],
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn every_variant_names_the_stranger_with_amount_and_asset() {
    let s = Setup::new();
    let stranger = s.stranger.to_string();
    let cases = plans::every_variant(&mut common::rng(0), s.fvk(), &s.stranger);
    assert_eq!(cases.len(), 25, "one case per ActionPlan variant");
    for (name, plan) in cases {
        if name == "IbcAction" {
            continue;
        }
        let lines = s.review(&plan);
        for (first, second) in expected(name, s.fvk(), &stranger) {
            assert!(
                shows(&lines, &first, &second),
                "{name}: no {first:?} followed by {second:?} in\n{}",
                lines.join("\n")
            );
        }
        if !matches!(name, "Spend" | "ValidatorVote") {
            assert!(
                shows(
                    &lines,
                    "ATTENTION: 1 address NOT this key's gets value or a claim on it:",
                    &stranger
                ),
                "{name}:\n{}",
                lines.join("\n")
            );
        }
        // Every action reads as more than its name: at least one more line, or an amount.
        let actions: Vec<&String> = lines
            .iter()
            .skip_while(|l| *l != "Actions")
            .filter(|l| {
                l.strip_prefix("  ")
                    .and_then(|l| l.split_once(". "))
                    .is_some_and(|(n, _)| n.parse::<usize>().is_ok())
            })
            .collect();
        assert_eq!(actions.len(), plan.actions.len(), "{name}: {actions:#?}");
        for action in actions {
            assert!(
                action.split_whitespace().count() > 3,
                "{name}: bare {action:?}"
            );
        }
        // The coordinator accepts what the follower reviews.
        s.coordinate(plan).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_summary_says_what_leaves_and_to_whom() {
    let s = Setup::new();
    let plan = plans::pay_a_stranger(&mut common::rng(4), &s.mine(), &s.stranger);
    let lines = s.review(&plan);
    let summary: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.starts_with("Summary"))
        .take_while(|l| !l.starts_with("Details"))
        .map(String::as_str)
        .collect();
    let stranger = format!("      {}", s.stranger);
    assert_eq!(
        summary,
        [
            "Summary: what leaves this key's control",
            "  ATTENTION: 1 address NOT this key's gets value or a claim on it:",
            &format!("    {}", s.stranger),
            "  penumbra: 40.1 leaves (100 from this key, 59.9 back to it)",
            "    40 penumbra to (NOT this key's):",
            &stranger,
            "    0.1 penumbra as the transaction fee",
        ]
    );
    // The change is this key's, and says so.
    assert!(shows(
        &lines,
        "Output 59.9 penumbra",
        "to (this key's, account 0):"
    ));
}

#[test]
fn a_plan_that_does_not_balance_is_named() {
    let s = Setup::new();
    let mut plan = plans::pay_a_stranger(&mut common::rng(4), &s.mine(), &s.stranger);
    plan.actions.pop(); // the change: 59.9 penumbra now vanish
    let lines = s.review(&plan);
    assert!(
        has(
            &lines,
            "The plan does not balance in penumbra: the chain will reject it."
        ),
        "{lines:#?}"
    );
}

#[test]
fn a_key_check_moves_nothing() {
    let s = Setup::new();
    let request = hoarfrost::check::check_request(&mut common::rng(5), s.shares[0].group());
    let lines = describe(&request, s.fvk()).unwrap();
    assert!(
        has(&lines, "Nothing: no value leaves this key or reaches it."),
        "{lines:#?}"
    );
}

fn set_randomizer(action: &mut ActionPlan, r: Fr) {
    match action {
        ActionPlan::Spend(s) => s.randomizer = r,
        ActionPlan::DelegatorVote(v) => v.randomizer = r,
        ActionPlan::ActionLiquidityTournamentVote(v) => v.randomizer = r,
        _ => panic!("no randomizer"),
    }
}

fn bad_request(result: Result<impl Sized, Refusal>) -> String {
    match result {
        Err(Refusal::BadRequest(reason)) => {
            assert!(!reason.contains('\n'), "one line: {reason:?}");
            reason
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("accepted"),
    }
}

/// The follower and the coordinator refuse `plan` with the same one-line reason.
fn refused_by_both(s: &Setup, plan: TransactionPlan) -> String {
    let reason = bad_request(s.follow(plan.clone()));
    assert_eq!(bad_request(s.coordinate(plan)), reason);
    reason
}

#[test]
fn a_zero_randomizer_is_refused() {
    let s = Setup::new();
    let mut plan = plans::pay_a_stranger(&mut common::rng(4), &s.mine(), &s.stranger);
    set_randomizer(&mut plan.actions[0], Fr::from(0u64));
    let reason = refused_by_both(&s, plan);
    assert!(
        reason.contains("action 1 (spend) has a zero randomizer"),
        "{reason}"
    );
}

#[test]
fn a_repeated_randomizer_is_refused_across_spends_and_votes() {
    let s = Setup::new();
    let vote = |name: &str| {
        plans::variant(name, &mut common::rng(0), s.fvk(), &s.stranger)
            .actions
            .into_iter()
            .find(|a| {
                matches!(
                    a,
                    ActionPlan::DelegatorVote(_) | ActionPlan::ActionLiquidityTournamentVote(_)
                )
            })
            .unwrap()
    };
    let mut rng = common::rng(6);
    let shared = Fr::from(77u64);
    for (second, label) in [
        (
            plans::spend(&mut rng, &s.mine(), plans::value(1, plans::penumbra())),
            "spend",
        ),
        (vote("DelegatorVote"), "delegator vote"),
        (
            vote("ActionLiquidityTournamentVote"),
            "liquidity tournament vote",
        ),
    ] {
        let mut first = plans::spend(&mut rng, &s.mine(), plans::value(1, plans::penumbra()));
        let mut second = second;
        set_randomizer(&mut first, shared);
        set_randomizer(&mut second, shared);
        let plan = plans::plan(vec![first, second]);
        let reason = refused_by_both(&s, plan);
        assert!(
            reason.contains("actions 1 and 2 have the same randomizer"),
            "{label}: {reason}"
        );
    }
}

#[test]
fn an_ibc_relay_action_is_refused_in_one_line() {
    let s = Setup::new();
    let plan = plans::variant("IbcAction", &mut common::rng(0), s.fvk(), &s.stranger);
    assert_eq!(
        refused_by_both(&s, plan),
        "action 1 (IBC relay): IBC relay messages cannot be reviewed here; relay them with another key"
    );
}

#[test]
fn a_nested_pool_proposal_is_refused() {
    let s = Setup::new();
    let submit = plans::variant("ProposalSubmit", &mut common::rng(0), s.fvk(), &s.stranger)
        .actions[1]
        .clone();
    let ActionPlan::ProposalSubmit(mut outer) = submit.clone() else {
        unreachable!()
    };
    outer.proposal.payload = penumbra_sdk_governance::ProposalPayload::CommunityPoolSpend {
        transaction_plan: penumbra_sdk_proto::DomainType::encode_to_vec(&plans::plan(vec![submit])),
    };
    let reason = refused_by_both(&s, plans::plan(vec![ActionPlan::ProposalSubmit(outer)]));
    assert!(
        reason.contains("inside another one is not reviewed"),
        "{reason}"
    );
}

/// A plan's amounts, prices and penalties set to anything: the review must answer, not panic.
fn tweak(action: &mut ActionPlan, n: u128, rng: &mut impl rand_core::CryptoRngCore) {
    let amount = penumbra_sdk_num::Amount::from(n);
    match action {
        ActionPlan::Spend(s) => {
            let mut value = s.note.value();
            value.amount = amount;
            s.note = penumbra_sdk_shielded_pool::Note::generate(rng, &s.note.address(), value);
        }
        ActionPlan::Output(o) => o.value.amount = amount,
        ActionPlan::Delegate(d) => d.delegation_amount = amount,
        ActionPlan::Undelegate(u) => u.unbonded_amount = amount,
        ActionPlan::UndelegateClaim(c) => {
            c.unbonding_amount = amount;
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            c.penalty = penumbra_sdk_stake::Penalty::try_from(&bytes[..]).unwrap();
        }
        ActionPlan::Swap(s) => {
            s.swap_plaintext.delta_1_i = amount;
            s.swap_plaintext.claim_fee.0.amount = amount;
        }
        ActionPlan::SwapClaim(c) => {
            c.output_data.lambda_2 = amount;
            c.output_data.delta_1 = penumbra_sdk_num::Amount::from(n / 3);
        }
        ActionPlan::PositionOpen(p) => {
            p.position.phi.component.p = amount;
            p.position.phi.component.q = penumbra_sdk_num::Amount::from(n % 7);
            p.position.reserves.r1 = amount;
        }
        ActionPlan::PositionWithdraw(w) => {
            w.reserves.r1 = amount;
            w.rewards = vec![penumbra_sdk_asset::Value {
                amount,
                asset_id: w.pair.asset_1(),
            }];
            w.sequence = u64::try_from(n % 3).unwrap();
        }
        ActionPlan::ActionDutchAuctionWithdraw(a) => {
            a.reserves_input.amount = amount;
            a.reserves_output = a.reserves_input;
            a.seq = u64::try_from(n % 3).unwrap();
        }
        ActionPlan::ActionDutchAuctionSchedule(a) => a.description.max_output = amount,
        ActionPlan::ProposalSubmit(p) => p.deposit_amount = amount,
        ActionPlan::ProposalDepositClaim(c) => c.deposit_amount = amount,
        ActionPlan::CommunityPoolDeposit(d) => d.value.amount = amount,
        ActionPlan::DelegatorVote(v) => v.unbonded_amount = amount,
        _ => {}
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    /// Any mix of actions, with any amounts: the review and the engine answer without panic.
    #[test]
    fn describing_generated_plans_never_panics(
        seed in any::<u64>(),
        picks in prop::collection::vec((0usize..25, 0usize..6, any::<u128>(), any::<bool>()), 1..6),
    ) {
        let s = Setup::new();
        let mut rng = common::rng(seed);
        let cases = plans::every_variant(&mut rng, s.fvk(), &s.stranger);
        let mut actions = vec![];
        for (case, action, n, big) in picks {
            let plan = &cases[case].1;
            let mut action = plan.actions[action % plan.actions.len()].clone();
            tweak(&mut action, if big { n } else { n % (1000 * u128::from(UNIT)) }, &mut rng);
            actions.push(action);
        }
        let plan = plans::plan(actions);
        let reviewed = describe(&SigningRequest::Transaction(plan.clone()), s.fvk());
        let followed = s.follow(plan);
        // What the review refuses, the engine refuses.
        prop_assert!(reviewed.is_ok() || followed.is_err());
    }
}

/// The real binary, as a person runs it: the follower reads the summary with the stranger
/// named before it is asked, and a coordinator refuses an unreviewable plan in one line.
#[test]
fn the_binary_shows_the_stranger_and_refuses_the_unreviewable() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let stranger = plans::address(common::dealt(2, 2, 2)[0].group().fvk(), 0);
    let plan = plan_file(dir, |fvk| {
        plans::spend_output_and_swap(&mut common::rng(5), &plans::address(fvk, 0), &stranger)
    });
    let mut coordinator = Process::start(&[
        "coordinate",
        "tx",
        "--key",
        &key(dir, 1),
        "--plan",
        &plan,
        "--no-tui",
    ]);
    let round1 = coordinator.recv();
    let mut follower = Process::start(&["follow", "--key", &key(dir, 2), "--no-tui"]);
    follower.send(&round1);
    follower.send("no");
    drop(follower.stdin.take());
    assert!(!follower.child.wait().unwrap().success());
    std::thread::sleep(std::time::Duration::from_millis(50));
    let stderr = follower.stderr();
    let summary = format!(
        "  Summary: what leaves this key's control\n    ATTENTION: 1 address NOT this key's gets value or a claim on it:\n      {stranger}\n    penumbra: 50.1 leaves (100 from this key, 49.9 back to it)\n      40 penumbra to (NOT this key's):\n        {stranger}\n      10 penumbra into a swap whose outputs go to (NOT this key's):\n        {stranger}\n"
    );
    assert!(stderr.contains(&summary), "{stderr}");
    let _ = coordinator.child.kill();

    let ibc = plans::variant(
        "IbcAction",
        &mut common::rng(0),
        common::dealt(2, 2, 3)[0].group().fvk(),
        &stranger,
    );
    let plan = plan_file(dir, |_| ibc);
    let out = run(&[
        "coordinate",
        "tx",
        "--key",
        &key(dir, 1),
        "--plan",
        &plan,
        "--no-tui",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("IBC relay messages cannot be reviewed here; relay them with another key"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing is sent");
}

//! The request in words: what a person reads before approving a signature.

use penumbra_sdk_asset::asset::Cache;
use penumbra_sdk_governance::ValidatorVoteBody;
use penumbra_sdk_keys::{Address, FullViewingKey};
use penumbra_sdk_stake::validator::Validator;
use penumbra_sdk_stake::FundingStream;
use penumbra_sdk_transaction::{ActionPlan, TransactionPlan};

use crate::request::SigningRequest;

/// Describes a request line by line. `fvk` lets the text mark addresses that belong to the key.
pub fn describe(request: &SigningRequest, fvk: &FullViewingKey) -> Vec<String> {
    match request {
        SigningRequest::ValidatorDefinition(v) => describe_definition(v),
        SigningRequest::ValidatorVote(v) => describe_vote(v),
        SigningRequest::Transaction(plan) => describe_plan(plan, fvk),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn percent(bps: u64) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

pub fn describe_definition(v: &Validator) -> Vec<String> {
    let total: u64 = v
        .funding_streams
        .iter()
        .map(|s| u64::from(s.rate_bps()))
        .sum();
    let mut lines = vec![
        format!("Validator definition #{}", v.sequence_number),
        format!("  Name:            {:?}", v.name),
        format!("  Website:         {:?}", v.website),
        format!("  Description:     {:?}", v.description),
        format!(
            "  Enabled:         {} ({})",
            yes_no(v.enabled),
            if v.enabled {
                "accepts delegations"
            } else {
                "disabled: cannot be delegated to"
            }
        ),
        format!("  Sequence number: {}", v.sequence_number),
        format!("  Identity key:    {}", v.identity_key),
        format!("  Governance key:  {}", v.governance_key),
        format!(
            "  Consensus key:   {} (ed25519, as in the TOML)",
            base64::engine::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                v.consensus_key.to_bytes()
            )
        ),
        format!(
            "  Funding streams: {} (commission {} bps = {})",
            v.funding_streams.len(),
            total,
            percent(total)
        ),
    ];
    for (i, stream) in v.funding_streams.iter().enumerate() {
        let bps = u64::from(stream.rate_bps());
        let to = match stream {
            FundingStream::ToAddress { address, .. } => format!("to address {address}"),
            FundingStream::ToCommunityPool { .. } => "to the community pool".to_string(),
        };
        lines.push(format!("    {}. {bps} bps ({}) {to}", i + 1, percent(bps)));
    }
    lines
}

pub fn describe_vote(v: &ValidatorVoteBody) -> Vec<String> {
    vec![
        format!(
            "Validator vote: {} on proposal #{}",
            v.vote.to_string().to_uppercase(),
            v.proposal
        ),
        format!("  Proposal:       #{}", v.proposal),
        format!("  Vote:           {}", v.vote),
        format!("  Reason:         {:?}", v.reason.0),
        format!("  Validator:      {}", v.identity_key),
        format!("  Governance key: {}", v.governance_key),
    ]
}

fn address(addr: &Address, fvk: &FullViewingKey) -> String {
    match fvk.address_index(addr) {
        Some(index) => format!("{addr} (this key's account {})", index.account),
        None => format!("{addr}"),
    }
}

pub fn describe_plan(plan: &TransactionPlan, fvk: &FullViewingKey) -> Vec<String> {
    let cache = Cache::with_known_assets();
    let params = &plan.transaction_parameters;
    let mut lines = vec![];
    if params.chain_id == crate::check::CHECK_CHAIN_ID {
        lines.push(
            "KEY CHECK: a test signature that proves the key works. It is for a chain that does \
             not exist, so no chain accepts it, and it moves no funds."
                .to_string(),
        );
    }
    lines.extend([
        format!("Transaction with {} actions", plan.actions.len()),
        format!("  Chain:          {}", params.chain_id),
        format!("  Fee:            {}", params.fee.0.format(&cache)),
        format!(
            "  Expiry height:  {}",
            match params.expiry_height {
                0 => "none".to_string(),
                h => h.to_string(),
            }
        ),
    ]);
    if let Some(memo) = &plan.memo {
        lines.push(format!("  Memo:           {:?}", memo.plaintext.text()));
        lines.push(format!(
            "  Return address: {}",
            address(&memo.plaintext.return_address(), fvk)
        ));
    }
    let signatures = plan.spend_plans().count()
        + plan.delegator_vote_plans().count()
        + plan.lqt_vote_plans().count();
    lines.push(format!("  Signatures:     {signatures}"));
    for (i, action) in plan.actions.iter().enumerate() {
        lines.push(format!(
            "  {}. {}",
            i + 1,
            describe_action(action, fvk, &cache)
        ));
    }
    lines
}

fn describe_action(action: &ActionPlan, fvk: &FullViewingKey, cache: &Cache) -> String {
    match action {
        ActionPlan::Spend(s) => {
            let owner = if fvk.address_index(&s.note.address()).is_some() {
                "a note of this key"
            } else {
                "a note NOT controlled by this key (the chain will reject it)"
            };
            format!("Spend {} from {owner}", s.note.value().format(cache))
        }
        ActionPlan::Output(o) => format!(
            "Output {} to {}",
            o.value.format(cache),
            address(&o.dest_address, fvk)
        ),
        ActionPlan::Delegate(d) => format!(
            "Delegate {} upenumbra to validator {}",
            d.unbonded_amount, d.validator_identity
        ),
        ActionPlan::Undelegate(u) => format!(
            "Undelegate {} upenumbra from validator {}",
            u.unbonded_amount, u.validator_identity
        ),
        ActionPlan::DelegatorVote(v) => format!(
            "Delegator vote {} on proposal #{} with {} of voting power",
            v.vote,
            v.proposal,
            v.staked_note.value().format(cache)
        ),
        ActionPlan::ValidatorVote(v) => format!(
            "Validator vote {} on proposal #{} by {}",
            v.body.vote, v.body.proposal, v.body.identity_key
        ),
        ActionPlan::ValidatorDefinition(d) => format!(
            "Upload validator definition #{} for {}",
            d.validator.sequence_number, d.validator.identity_key
        ),
        ActionPlan::ActionLiquidityTournamentVote(v) => format!(
            "Liquidity tournament vote for {} with {}, rewards to {}",
            v.incentivized.denom,
            v.staked_note.value().format(cache),
            address(&v.rewards_recipient, fvk)
        ),
        ActionPlan::UndelegateClaim(_) => "Claim undelegated funds".into(),
        ActionPlan::Swap(_) => "Swap".into(),
        ActionPlan::SwapClaim(_) => "Claim swap outputs".into(),
        ActionPlan::IbcAction(_) => "IBC relay action".into(),
        ActionPlan::Ics20Withdrawal(w) => format!(
            "IBC withdrawal of {} {} to {} on another chain",
            w.amount, w.denom, w.destination_chain_address
        ),
        ActionPlan::ProposalSubmit(p) => format!("Submit proposal #{}", p.proposal.id),
        ActionPlan::ProposalWithdraw(p) => format!("Withdraw proposal #{}", p.proposal),
        ActionPlan::ProposalDepositClaim(p) => {
            format!("Claim the deposit of proposal #{}", p.proposal)
        }
        ActionPlan::PositionOpen(_) => "Open a liquidity position".into(),
        ActionPlan::PositionClose(_) => "Close a liquidity position".into(),
        ActionPlan::PositionWithdraw(_) => "Withdraw a liquidity position".into(),
        ActionPlan::CommunityPoolSpend(c) => {
            format!("Community pool spend of {}", c.value.format(cache))
        }
        ActionPlan::CommunityPoolOutput(c) => format!(
            "Community pool output of {} to {}",
            c.value.format(cache),
            address(&c.address, fvk)
        ),
        ActionPlan::CommunityPoolDeposit(c) => {
            format!("Community pool deposit of {}", c.value.format(cache))
        }
        ActionPlan::ActionDutchAuctionSchedule(_) => "Schedule a Dutch auction".into(),
        ActionPlan::ActionDutchAuctionEnd(_) => "End a Dutch auction".into(),
        ActionPlan::ActionDutchAuctionWithdraw(_) => "Withdraw from a Dutch auction".into(),
    }
}

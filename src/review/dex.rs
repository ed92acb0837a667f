//! The exchange: swaps, swap claims and liquidity positions.

use penumbra_sdk_asset::{asset, Value};
use penumbra_sdk_dex::lp::plan::{PositionOpenPlan, PositionWithdrawPlan};
use penumbra_sdk_dex::lp::position::{Id as PositionId, State};
use penumbra_sdk_dex::lp::LpNft;
use penumbra_sdk_dex::swap::SwapPlan;
use penumbra_sdk_dex::swap_claim::SwapClaimPlan;
use penumbra_sdk_dex::{PositionClose, TradingPair};
use penumbra_sdk_num::Amount;

use super::summary::{ActionReview, Way};
use super::words::{bps, ratio, yes_no, Reviewer};

fn pair_names(r: &Reviewer, pair: &TradingPair) -> String {
    format!(
        "{} and {}",
        r.denom(pair.asset_1()),
        r.denom(pair.asset_2())
    )
}

fn value(amount: Amount, asset_id: asset::Id) -> Value {
    Value { amount, asset_id }
}

/// The NFT that stands for a position in `state`, as a value of one.
fn lp_nft(id: PositionId, state: State) -> Value {
    value(1u64.into(), LpNft::new(id, state).asset_id())
}

/// The tokens a plan's position actions mint or burn, so the review can name them.
pub(crate) fn position_nfts(id: PositionId, states: &[State]) -> Vec<asset::Metadata> {
    states
        .iter()
        .map(|state| LpNft::new(id, *state).denom())
        .collect()
}

pub(crate) fn swap(r: &Reviewer, swap: &SwapPlan, out: &mut ActionReview) {
    let plaintext = &swap.swap_plaintext;
    let trading_pair = plaintext.trading_pair;
    let inputs = [
        value(plaintext.delta_1_i, trading_pair.asset_1()),
        value(plaintext.delta_2_i, trading_pair.asset_2()),
    ];
    let sold: Vec<String> = inputs
        .iter()
        .filter(|v| v.amount != Amount::zero())
        .map(|v| r.value(v))
        .collect();
    out.line(match sold.as_slice() {
        [one] if plaintext.delta_2_i == Amount::zero() => {
            format!("Swap {one} for {}", r.denom(trading_pair.asset_2()))
        }
        [one] => format!("Swap {one} for {}", r.denom(trading_pair.asset_1())),
        [] => format!("Swap nothing (pair {})", pair_names(r, &trading_pair)),
        many => format!(
            "Swap {} (pair {})",
            many.join(" and "),
            pair_names(r, &trading_pair)
        ),
    });
    out.line(format!(
        "     prepaid claim fee: {}",
        r.value(&plaintext.claim_fee.0)
    ));
    let claimant = &plaintext.claim_address;
    out.lines(r.recipient_lines(5, "outputs claimable by", claimant));
    let to = r.address_lines(0, "into a swap whose outputs go to", claimant);
    for input in inputs.into_iter().chain([plaintext.claim_fee.0]) {
        out.to(input, to.clone());
    }
}

pub(crate) fn swap_claim(r: &Reviewer, claim: &SwapClaimPlan, out: &mut ActionReview) {
    let plaintext = &claim.swap_plaintext;
    let trading_pair = plaintext.trading_pair;
    out.line(format!(
        "Claim the outputs of a swap of {}",
        pair_names(r, &trading_pair)
    ));
    out.line(format!(
        "     the swap put in {} and {}",
        r.amount(plaintext.delta_1_i, trading_pair.asset_1()),
        r.amount(plaintext.delta_2_i, trading_pair.asset_2())
    ));
    out.line(format!(
        "     batch executed at height {}",
        claim.output_data.height
    ));
    let (lambda_1, lambda_2) = claim
        .output_data
        .pro_rata_outputs((plaintext.delta_1_i, plaintext.delta_2_i));
    let outputs = [
        value(lambda_1, trading_pair.asset_1()),
        value(lambda_2, trading_pair.asset_2()),
    ];
    out.line(format!(
        "     receives {} and {}",
        r.value(&outputs[0]),
        r.value(&outputs[1])
    ));
    let claimant = &plaintext.claim_address;
    out.lines(r.recipient_lines(5, "to", claimant));
    if !r.is_mine(claimant) {
        // The claim's proof binds the claim address to the key that signs it.
        out.line("     this key cannot claim for that address: the chain will reject the claim");
    }
    out.line(format!(
        "     prepaid claim fee released: {}",
        r.value(&plaintext.claim_fee.0)
    ));
    // The outputs are minted straight to the claim address, outside the transaction's balance.
    for output in outputs {
        out.outside_balance(output, Way::FromThisKey);
        out.outside_balance(
            output,
            if r.is_mine(claimant) {
                Way::ToThisKey
            } else {
                Way::To(r.address_lines(0, "to", claimant))
            },
        );
    }
    out.given(plaintext.claim_fee.0);
}

/// "1 gm = 2.5 penumbra", in display units; `None` when the price cannot be written.
fn price(r: &Reviewer, trading_pair: &TradingPair, p: Amount, q: Amount) -> Option<String> {
    let scale = |a: Amount, id: asset::Id| {
        10u128
            .checked_pow(u32::from(r.exponent(id)))
            .and_then(|s| u128::from(a).checked_mul(s))
    };
    let n = scale(p, trading_pair.asset_1())?;
    let d = scale(q, trading_pair.asset_2())?;
    Some(format!(
        "1 {} = {} {}",
        r.denom(trading_pair.asset_1()),
        ratio(n, d)?,
        r.denom(trading_pair.asset_2())
    ))
}

pub(crate) fn position_open(r: &Reviewer, open: &PositionOpenPlan, out: &mut ActionReview) {
    let position = &open.position;
    let id = position.id();
    let trading_pair = position.phi.pair;
    let component = &position.phi.component;
    out.line(format!("Open liquidity position {id}"));
    out.line(format!("     pair:     {}", pair_names(r, &trading_pair)));
    let reserves = [
        value(position.reserves.r1, trading_pair.asset_1()),
        value(position.reserves.r2, trading_pair.asset_2()),
    ];
    out.line(format!(
        "     reserves: {} and {} go into it",
        r.value(&reserves[0]),
        r.value(&reserves[1])
    ));
    out.line(format!(
        "     price:    {}",
        match price(r, &trading_pair, component.p, component.q) {
            Some(price) => price,
            None if component.q == Amount::zero() =>
                "none (q is zero: the chain rejects it)".into(),
            None => "too large to write in decimals (see p and q)".into(),
        }
    ));
    out.line(format!(
        "               (p = {}, q = {} in base units)",
        component.p, component.q
    ));
    out.line(format!(
        "     fee:      {} of each trade",
        bps(u64::from(component.fee))
    ));
    out.line(format!(
        "     closes when filled: {}",
        yes_no(position.close_on_fill)
    ));
    if position.state != State::Opened {
        out.line(format!(
            "     state:    {} (the chain only opens positions as opened)",
            position.state
        ));
    }
    if let Some(metadata) = &open.metadata {
        out.line(format!(
            "     tags:     strategy {}, identifier {} (encrypted)",
            metadata.strategy, metadata.identifier
        ));
    }
    out.line("     whoever holds its NFT controls it (the summary says where it goes)");
    for reserve in reserves {
        out.to(reserve, vec![format!("into liquidity position {id}")]);
    }
    out.given(lp_nft(id, State::Opened));
}

pub(crate) fn position_close(close: &PositionClose, out: &mut ActionReview) {
    let id = close.position_id;
    out.line(format!("Close liquidity position {id}"));
    out.line("     it stops trading; its reserves stay in it until withdrawn");
    out.to(
        lp_nft(id, State::Opened),
        vec![format!("to close position {id}")],
    );
    out.given(lp_nft(id, State::Closed));
}

pub(crate) fn position_withdraw(r: &Reviewer, w: &PositionWithdrawPlan, out: &mut ActionReview) {
    let id = w.position_id;
    out.line(format!("Withdraw liquidity position {id}"));
    let reserves = [
        value(w.reserves.r1, w.pair.asset_1()),
        value(w.reserves.r2, w.pair.asset_2()),
    ];
    out.line(format!(
        "     reserves: {} and {} come out",
        r.value(&reserves[0]),
        r.value(&reserves[1])
    ));
    for reward in &w.rewards {
        out.line(format!("     reward:   {}", r.value(reward)));
    }
    out.line(format!("     withdrawal number {}", w.sequence));
    let spent = match w.sequence {
        0 => State::Closed,
        n => State::Withdrawn { sequence: n - 1 },
    };
    out.to(
        lp_nft(id, spent),
        vec![format!("to withdraw position {id}")],
    );
    for released in reserves.into_iter().chain(w.rewards.iter().copied()) {
        out.given(released);
    }
    out.given(lp_nft(
        id,
        State::Withdrawn {
            sequence: w.sequence,
        },
    ));
}

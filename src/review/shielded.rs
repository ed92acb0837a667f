//! Notes and transfers: spends, outputs, IBC withdrawals and the community pool.

use penumbra_sdk_community_pool::{CommunityPoolDeposit, CommunityPoolOutput, CommunityPoolSpend};
use penumbra_sdk_shielded_pool::{Ics20Withdrawal, OutputPlan, SpendPlan};

use super::summary::{ActionReview, Way};
use penumbra_sdk_asset::Value;
use penumbra_sdk_keys::Address;

use super::words::Reviewer;

pub(crate) fn spend(r: &Reviewer, spend: &SpendPlan, out: &mut ActionReview) {
    let value = spend.note.value();
    let address = spend.note.address();
    out.line(format!("Spend {}", r.value(&value)));
    out.lines(r.address_lines(5, "from a note of", &address));
    if r.is_mine(&address) {
        out.given(value);
    } else {
        out.line("     this key cannot spend that note: the chain will reject the spend");
        out.flow(
            value,
            Way::FromElsewhere("a note that is NOT this key's".into()),
        );
    }
}

pub(crate) fn output(r: &Reviewer, output: &OutputPlan, out: &mut ActionReview) {
    out.line(format!("Output {}", r.value(&output.value)));
    pay(r, output.value, &output.dest_address, out);
}

/// `value` to `address`: the address and its owner under the action, and the flow.
fn pay(r: &Reviewer, value: Value, address: &Address, out: &mut ActionReview) {
    out.lines(r.recipient_lines(5, "to", address));
    if r.is_mine(address) {
        out.flow(value, Way::ToThisKey);
    } else {
        out.to(value, r.address_lines(0, "to", address));
    }
}

pub(crate) fn ics20_withdrawal(r: &Reviewer, w: &Ics20Withdrawal, out: &mut ActionReview) {
    let value = w.value();
    out.line(format!(
        "IBC withdrawal of {} to another chain",
        r.value(&value)
    ));
    out.line(format!("     channel:  {}", w.source_channel));
    out.line(format!(
        "     receiver: {:?} (on the other chain)",
        w.destination_chain_address
    ));
    out.lines(r.recipient_lines(
        5,
        "refunds (if it fails or times out) go to",
        &w.return_address,
    ));
    let mut encodings = vec![];
    if w.use_compat_address {
        encodings.push("bech32 compat");
    }
    if w.use_transparent_address {
        encodings.push("transparent");
    }
    if !encodings.is_empty() {
        out.line(format!(
            "     sender shown to the other chain as its {} address",
            encodings.join(" and ")
        ));
    }
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(w.timeout_time);
    out.line(format!(
        "     times out at height {} (revision-height) or at {}",
        w.timeout_height,
        humantime::format_rfc3339_seconds(time)
    ));
    if !w.ics20_memo.is_empty() {
        out.line(format!("     memo:     {:?}", w.ics20_memo));
    }
    let mut to = vec![
        format!("to {:?}", w.destination_chain_address),
        format!("  on the chain behind {}", w.source_channel),
    ];
    to.extend(r.address_lines(2, "refunds to", &w.return_address));
    out.to(value, to);
}

pub(crate) fn pool_spend(r: &Reviewer, spend: &CommunityPoolSpend, out: &mut ActionReview) {
    out.line(format!(
        "Community pool spend: {} out of the pool",
        r.value(&spend.value)
    ));
    out.flow(spend.value, Way::FromElsewhere("the community pool".into()));
}

pub(crate) fn pool_output(r: &Reviewer, output: &CommunityPoolOutput, out: &mut ActionReview) {
    out.line(format!(
        "Community pool output of {}",
        r.value(&output.value)
    ));
    pay(r, output.value, &output.address, out);
}

pub(crate) fn pool_deposit(r: &Reviewer, deposit: &CommunityPoolDeposit, out: &mut ActionReview) {
    out.line(format!(
        "Deposit {} into the community pool (a gift: it does not come back)",
        r.value(&deposit.value)
    ));
    out.to(deposit.value, vec!["into the community pool".into()]);
}

//! Where the value of a transaction goes: each action's flows, and the summary a person reads
//! first (per asset, what leaves this key's control and to whom).

use penumbra_sdk_asset::{asset, Value};
use penumbra_sdk_num::Amount;

use super::words::Reviewer;
use super::Unreviewable;

/// One value moving into or out of the transaction.
#[derive(Clone, Debug)]
pub(crate) struct Flow {
    pub value: Value,
    pub way: Way,
    /// False for value that moves without passing through the transaction's balance (a swap
    /// claim's outputs, which the chain mints straight to the claim address).
    pub in_balance: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Way {
    /// Into the transaction from this key: its notes, or what its actions release (a position's
    /// reserves, an auction's proceeds, tokens minted for it).
    FromThisKey,
    /// Into the transaction from elsewhere: a note this key cannot spend, the community pool.
    FromElsewhere(String),
    /// Out of the transaction to one of this key's addresses.
    ToThisKey,
    /// Out of the transaction to anything else; the lines say where (and mark strangers). The
    /// first line follows the amount ("to ...", "into ...", "as ..."); the others carry their
    /// own indentation below it.
    To(Vec<String>),
}

/// One action in words, and its flows.
#[derive(Default)]
pub(crate) struct ActionReview {
    pub lines: Vec<String>,
    pub flows: Vec<Flow>,
}

impl ActionReview {
    pub fn line(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    pub fn lines(&mut self, lines: impl IntoIterator<Item = String>) {
        self.lines.extend(lines);
    }

    /// Records a flow; zero amounts move nothing and are left out, as Penumbra's balances do.
    pub fn flow(&mut self, value: Value, way: Way) {
        self.push(value, way, true);
    }

    fn push(&mut self, value: Value, way: Way, in_balance: bool) {
        if value.amount != Amount::zero() {
            self.flows.push(Flow {
                value,
                way,
                in_balance,
            });
        }
    }

    /// A flow that does not pass through the transaction's balance.
    pub fn outside_balance(&mut self, value: Value, way: Way) {
        self.push(value, way, false);
    }

    /// Value this key gives into the transaction.
    pub fn given(&mut self, value: Value) {
        self.flow(value, Way::FromThisKey);
    }

    /// Value the transaction gives to `to` (lines as in `Way::To`).
    pub fn to(&mut self, value: Value, to: Vec<String>) {
        self.flow(value, Way::To(to));
    }
}

/// What one asset does in the transaction.
struct AssetFlows {
    asset: asset::Id,
    from_key: Amount,
    to_key: Amount,
    from_elsewhere: Vec<(String, Amount)>,
    to: Vec<(Vec<String>, Amount)>,
}

fn add(
    total: &mut Amount,
    amount: Amount,
    r: &Reviewer,
    asset: asset::Id,
) -> Result<(), Unreviewable> {
    *total = total.checked_add(&amount).ok_or_else(|| {
        Unreviewable::new(format!(
            "the amounts of {} add up to more than 2^128",
            r.denom(asset)
        ))
    })?;
    Ok(())
}

/// Adds `amount` to the entry named `key`, or opens one.
fn add_to<K: PartialEq>(
    entries: &mut Vec<(K, Amount)>,
    key: K,
    amount: Amount,
    r: &Reviewer,
    asset: asset::Id,
) -> Result<(), Unreviewable> {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some((_, total)) => add(total, amount, r, asset),
        None => {
            entries.push((key, amount));
            Ok(())
        }
    }
}

fn per_asset(r: &Reviewer, flows: &[Flow]) -> Result<Vec<AssetFlows>, Unreviewable> {
    let mut assets: Vec<AssetFlows> = vec![];
    for flow in flows {
        let id = flow.value.asset_id;
        let index = match assets.iter().position(|a| a.asset == id) {
            Some(i) => i,
            None => {
                assets.push(AssetFlows {
                    asset: id,
                    from_key: Amount::zero(),
                    to_key: Amount::zero(),
                    from_elsewhere: vec![],
                    to: vec![],
                });
                assets.len() - 1
            }
        };
        let entry = &mut assets[index];
        let amount = flow.value.amount;
        match &flow.way {
            Way::FromThisKey => add(&mut entry.from_key, amount, r, id)?,
            Way::ToThisKey => add(&mut entry.to_key, amount, r, id)?,
            Way::FromElsewhere(source) => {
                add_to(&mut entry.from_elsewhere, source.clone(), amount, r, id)?
            }
            Way::To(lines) => add_to(&mut entry.to, lines.clone(), amount, r, id)?,
        }
    }
    Ok(assets)
}

/// The summary: per asset, what leaves this key's control (everything the transaction gives to
/// anyone but this key's addresses) and to whom, naming the strangers first.
pub(crate) fn summary(r: &Reviewer, flows: &[Flow]) -> Result<Vec<String>, Unreviewable> {
    let assets = per_asset(r, flows)?;
    let mut lines = vec!["Summary: what leaves this key's control".to_string()];
    let strangers = r.strangers();
    if !strangers.is_empty() {
        lines.push(format!(
            "  ATTENTION: {} address{} NOT this key's get{} value or a claim on it:",
            strangers.len(),
            if strangers.len() == 1 { "" } else { "es" },
            if strangers.len() == 1 { "s" } else { "" },
        ));
        lines.extend(strangers.iter().map(|a| format!("    {a}")));
    }
    let mut anything = false;
    for asset in &assets {
        for (source, amount) in &asset.from_elsewhere {
            anything = true;
            lines.push(format!(
                "  {} comes from {source}",
                r.amount(*amount, asset.asset)
            ));
        }
        let mut leaves = Amount::zero();
        for (_, amount) in &asset.to {
            add(&mut leaves, *amount, r, asset.asset)?;
        }
        if leaves != Amount::zero() {
            anything = true;
            let number = |amount| r.number(amount, asset.asset);
            lines.push(if asset.to_key == Amount::zero() {
                format!("  {}: {} leaves", r.denom(asset.asset), number(leaves))
            } else {
                format!(
                    "  {}: {} leaves ({} from this key, {} back to it)",
                    r.denom(asset.asset),
                    number(leaves),
                    number(asset.from_key),
                    number(asset.to_key)
                )
            });
            for (to, amount) in &asset.to {
                let mut to = to.iter();
                let first = to.next().map(String::as_str).unwrap_or_default();
                lines.push(format!("    {} {first}", r.amount(*amount, asset.asset)));
                lines.extend(to.map(|line| format!("    {line}")));
            }
        }
        if let Some(gained) = asset.to_key.checked_sub(&asset.from_key) {
            if gained != Amount::zero() {
                anything = true;
                lines.push(format!(
                    "  {} comes to this key",
                    r.amount(gained, asset.asset)
                ));
            }
        }
    }
    if !anything {
        lines.push("  Nothing: no value leaves this key or reaches it.".into());
    }
    let unbalanced = unbalanced(r, flows)?;
    if !unbalanced.is_empty() {
        lines.push(format!(
            "  The plan does not balance in {}: the chain will reject it.",
            unbalanced.join(", ")
        ));
    }
    Ok(lines)
}

/// The assets whose value into the transaction differs from the value out of it.
fn unbalanced(r: &Reviewer, flows: &[Flow]) -> Result<Vec<String>, Unreviewable> {
    let mut totals: Vec<(asset::Id, Amount, Amount)> = vec![];
    for flow in flows.iter().filter(|f| f.in_balance) {
        let id = flow.value.asset_id;
        let index = match totals.iter().position(|(a, _, _)| *a == id) {
            Some(i) => i,
            None => {
                totals.push((id, Amount::zero(), Amount::zero()));
                totals.len() - 1
            }
        };
        let (_, into, out_of) = &mut totals[index];
        match flow.way {
            Way::FromThisKey | Way::FromElsewhere(_) => add(into, flow.value.amount, r, id)?,
            Way::ToThisKey | Way::To(_) => add(out_of, flow.value.amount, r, id)?,
        }
    }
    Ok(totals
        .into_iter()
        .filter(|(_, into, out_of)| into != out_of)
        .map(|(id, _, _)| r.denom(id))
        .collect())
}

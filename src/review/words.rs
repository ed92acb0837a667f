//! Words for values and addresses: asset names a person knows, and whose an address is.

use std::cell::RefCell;

use penumbra_sdk_asset::asset::{self, Cache, Metadata};
use penumbra_sdk_asset::Value;
use penumbra_sdk_keys::keys::AddressIndex;
use penumbra_sdk_keys::{Address, FullViewingKey};
use penumbra_sdk_num::Amount;

/// What the review knows while it describes one transaction: the key, the assets it can name,
/// and the addresses of strangers that receive value or a claim on it.
pub(crate) struct Reviewer<'a> {
    fvk: &'a FullViewingKey,
    assets: Cache,
    strangers: RefCell<Vec<Address>>,
    /// Whose each address is, once worked out: the check decrypts the diversifier and
    /// multiplies a point, and a review asks it several times per address.
    owners: RefCell<Vec<(Address, Option<AddressIndex>)>>,
}

/// How the review marks an address that is not this key's. Upper case, because it is the one
/// thing a person must not miss.
pub(crate) const NOT_THIS_KEYS: &str = "(NOT this key's)";

impl<'a> Reviewer<'a> {
    /// A reviewer that names Penumbra's known assets and, beyond them, `extra` (the tokens a plan
    /// itself defines: delegation and unbonding tokens, position and auction NFTs, ...).
    pub fn new(fvk: &'a FullViewingKey, extra: impl IntoIterator<Item = Metadata>) -> Self {
        let mut assets = Cache::with_known_assets();
        assets.extend(extra);
        Self {
            fvk,
            assets,
            strangers: RefCell::new(vec![]),
            owners: RefCell::new(vec![]),
        }
    }

    pub fn fvk(&self) -> &'a FullViewingKey {
        self.fvk
    }

    /// The address's index under this key, or `None` when it is not this key's.
    fn owner(&self, address: &Address) -> Option<AddressIndex> {
        if let Some((_, index)) = self.owners.borrow().iter().find(|(a, _)| a == address) {
            return *index;
        }
        let index = self.fvk.address_index(address);
        self.owners.borrow_mut().push((address.clone(), index));
        index
    }

    pub fn is_mine(&self, address: &Address) -> bool {
        self.owner(address).is_some()
    }

    /// The asset's display name, or its id when the review does not know it.
    pub fn denom(&self, id: asset::Id) -> String {
        match self.assets.get(&id) {
            Some(metadata) => metadata.default_unit().to_string(),
            None => format!("unknown asset {id}"),
        }
    }

    /// The decimal places of the asset's display unit (0 when unknown).
    pub fn exponent(&self, id: asset::Id) -> u8 {
        self.assets
            .get(&id)
            .map_or(0, |metadata| metadata.default_unit().exponent())
    }

    /// An amount in the asset's display unit ("1.5 penumbra"), or in base units with the asset
    /// id when the asset is unknown.
    pub fn amount(&self, amount: Amount, id: asset::Id) -> String {
        match self.assets.get(&id) {
            Some(_) => format!("{} {}", self.number(amount, id), self.denom(id)),
            None => format!("{amount} of {}", self.denom(id)),
        }
    }

    /// The number alone, in the asset's display unit (base units when unknown).
    pub fn number(&self, amount: Amount, id: asset::Id) -> String {
        match self.assets.get(&id) {
            Some(metadata) => metadata.default_unit().format_value(amount),
            None => amount.to_string(),
        }
    }

    pub fn value(&self, value: &Value) -> String {
        self.amount(value.amount, value.asset_id)
    }

    /// "(this key's, account 2)" or the stranger mark.
    pub fn mark(&self, address: &Address) -> String {
        match self.owner(address) {
            Some(index) if index.randomizer != [0; 12] => {
                format!("(this key's, account {}, one-time address)", index.account)
            }
            Some(index) => format!("(this key's, account {})", index.account),
            None => NOT_THIS_KEYS.to_string(),
        }
    }

    /// `label` with the address's owner, then the whole address on a line of its own (people
    /// compare addresses character by character).
    pub fn address_lines(&self, indent: usize, label: &str, address: &Address) -> Vec<String> {
        let pad = " ".repeat(indent);
        vec![
            format!("{pad}{label} {}:", self.mark(address)),
            format!("{pad}  {address}"),
        ]
    }

    /// Like `address_lines`, for an address that receives value or the right to claim it: a
    /// stranger's is counted for the summary's warning.
    pub fn recipient_lines(&self, indent: usize, label: &str, address: &Address) -> Vec<String> {
        if !self.is_mine(address) {
            let mut strangers = self.strangers.borrow_mut();
            if !strangers.contains(address) {
                strangers.push(address.clone());
            }
        }
        self.address_lines(indent, label, address)
    }

    /// The strangers' addresses that receive value or a claim, in order of appearance.
    pub fn strangers(&self) -> Vec<Address> {
        self.strangers.borrow().clone()
    }
}

/// `n / d` in decimals, exact up to six places ("about" when cut there); `None` when `d` is zero
/// or the digits would overflow.
pub(crate) fn ratio(n: u128, d: u128) -> Option<String> {
    if d == 0 {
        return None;
    }
    let whole = n / d;
    let mut rest = n % d;
    let mut digits = String::new();
    for _ in 0..6 {
        if rest == 0 {
            break;
        }
        rest = rest.checked_mul(10)?;
        digits.push(char::from(b'0' + u8::try_from(rest / d).ok()?));
        rest %= d;
    }
    let about = if rest == 0 { "" } else { "about " };
    let digits = digits.trim_end_matches('0');
    Some(if digits.is_empty() {
        format!("{about}{whole}")
    } else {
        format!("{about}{whole}.{digits}")
    })
}

/// A string from the plan as it can be shown safely: unchanged when it is plain text, quoted and
/// escaped when it holds anything a terminal could act on (control characters, escapes,
/// direction overrides, invisible characters) or misread (quotes, backslashes).
pub(crate) fn text(s: &str) -> String {
    let quoted = format!("{s:?}");
    if quoted.len() == s.len() + 2 {
        s.to_string()
    } else {
        quoted
    }
}

/// Basis points as a percentage ("30 bps (0.30%)").
pub(crate) fn bps(bps: u64) -> String {
    format!("{bps} bps ({}.{:02}%)", bps / 100, bps % 100)
}

pub(crate) fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_exact_or_say_about() {
        assert_eq!(ratio(1, 2).as_deref(), Some("0.5"));
        assert_eq!(ratio(4, 2).as_deref(), Some("2"));
        assert_eq!(ratio(1, 3).as_deref(), Some("about 0.333333"));
        assert_eq!(ratio(1, 0), None);
        assert_eq!(
            ratio(u128::MAX, 1).as_deref(),
            Some(&*u128::MAX.to_string())
        );
        // The remainder times ten overflows: no digits rather than wrong ones.
        assert_eq!(ratio(u128::MAX - 1, u128::MAX), None);
    }

    #[test]
    fn plan_strings_cannot_act_on_the_terminal() {
        assert_eq!(text("penumbra-1"), "penumbra-1");
        assert_eq!(text("a\u{1b}[2Kb"), "\"a\\u{1b}[2Kb\"");
        assert_eq!(text("x\ry"), "\"x\\ry\"");
        assert_eq!(text("left\u{202e}right"), "\"left\\u{202e}right\"");
        assert_eq!(text("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn basis_points_read_as_percent() {
        assert_eq!(bps(30), "30 bps (0.30%)");
        assert_eq!(bps(10_000), "10000 bps (100.00%)");
    }
}

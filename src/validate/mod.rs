//! Checking every field of a coordinator's request before Penumbra's conversions see it.
//!
//! Penumbra's `TryFrom` impls trust some of their input: a spend plan whose randomizer is not a
//! canonical scalar reaches `.expect("randomizer malformed")`, an output to an address whose
//! transmission key is not a curve point panics while its effect hash is computed, a penalty
//! above 100% overflows an `expect`. Here each field is checked first, in the proto, and a
//! refusal names its path (`plan.actions[2].spend.randomizer: not a canonical scalar`); only
//! then is the request converted, piece by piece, so a conversion error is named too.
//!
//! The checks that keep a dependency from panicking are marked "(panic)" in the comments;
//! the rest name problems that Penumbra's conversions would report without saying where.

mod actions;
mod stake;

use std::fmt::Display;

use decaf377::{Fq, Fr};
use penumbra_sdk_asset::{asset, Value};
use penumbra_sdk_fee::Fee;
use penumbra_sdk_keys::Address;
use penumbra_sdk_num::Amount;
use penumbra_sdk_proto::core::asset::v1 as asset_pb;
use penumbra_sdk_proto::core::component::fee::v1 as fee_pb;
use penumbra_sdk_proto::core::component::shielded_pool::v1 as sp_pb;
use penumbra_sdk_proto::core::keys::v1 as keys_pb;
use penumbra_sdk_proto::core::num::v1 as num_pb;
use penumbra_sdk_proto::core::transaction::v1 as tx_pb;
use penumbra_sdk_proto::custody::threshold::v1::coordinator_round1::Request;
use penumbra_sdk_shielded_pool::Note;
use penumbra_sdk_transaction::TransactionPlan;

use crate::excerpt::{bounded, PROBLEM_CHARS};
use crate::messages::{field_error, DecodeError, MessageKind};
use crate::request::SigningRequest;

/// A refused field: its path and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub problem: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// The result of a check: the checked (and converted) value, or the refusal naming the field.
pub(crate) type Check<T = ()> = Result<T, Invalid>;

/// Where a field is, as a refusal names it: the JSON field names of the proto, e.g.
/// `plan.actions[2].spend.randomizer`; and how many plans deep (a community pool spend
/// proposal carries a plan of its own).
#[derive(Clone, Debug)]
pub(crate) struct At {
    path: String,
    depth: usize,
}

impl At {
    pub fn root(name: &str) -> At {
        At {
            path: name.to_string(),
            depth: 0,
        }
    }

    pub fn field(&self, name: &str) -> At {
        At {
            path: format!("{}.{name}", self.path),
            depth: self.depth,
        }
    }

    pub fn index(&self, i: usize) -> At {
        At {
            path: format!("{}[{i}]", self.path),
            depth: self.depth,
        }
    }

    /// A plan inside the plan at `self`.
    pub fn nested_plan(&self) -> At {
        At {
            path: self.path.clone(),
            depth: self.depth + 1,
        }
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The refusal of this field.
    pub fn bad(&self, problem: impl Display) -> Invalid {
        Invalid {
            field: self.path.clone(),
            problem: problem.to_string(),
        }
    }
}

/// Checks and converts the request of a `CoordinatorRound1`.
pub fn signing_request(request: Option<Request>) -> Result<SigningRequest, DecodeError> {
    checked_request(request).map_err(|invalid| {
        field_error(
            MessageKind::CoordinatorRound1,
            invalid.field,
            invalid.problem,
        )
    })
}

/// Checks and converts a transaction plan read from a file (pcli's proto JSON).
pub fn plan_from_json(text: &str) -> Result<TransactionPlan, Invalid> {
    checked_plan(|at| serde_json::from_str(text).map_err(|e| at.bad(e)))
}

/// Checks and converts a transaction plan's proto bytes (as a community pool spend proposal
/// carries the plan the pool would sign).
pub fn plan_from_bytes(bytes: &[u8]) -> Result<TransactionPlan, Invalid> {
    use penumbra_sdk_proto::Message as _;
    checked_plan(|at| tx_pb::TransactionPlan::decode(bytes).map_err(|e| at.bad(e)))
}

/// Parses, checks and converts a plan, any panic contained, the refusal bounded.
fn checked_plan(
    parse: impl FnOnce(&At) -> Check<tx_pb::TransactionPlan>,
) -> Result<TransactionPlan, Invalid> {
    let at = At::root("plan");
    let checked =
        crate::contain::contain(|| parse(&at).and_then(|proto| actions::plan(&at, proto)))
            .unwrap_or_else(|caught| Err(at.bad(caught)));
    checked.map_err(|invalid| Invalid {
        field: bounded(&invalid.field, PROBLEM_CHARS),
        problem: bounded(&invalid.problem, PROBLEM_CHARS),
    })
}

fn checked_request(request: Option<Request>) -> Check<SigningRequest> {
    let Some(request) = request else {
        return Err(At::root("request").bad("missing"));
    };
    Ok(match request {
        Request::Plan(plan) => SigningRequest::Transaction(actions::plan(&At::root("plan"), plan)?),
        Request::ValidatorDefinition(v) => SigningRequest::ValidatorDefinition(stake::validator(
            &At::root("validatorDefinition"),
            v,
        )?),
        Request::ValidatorVote(v) => {
            SigningRequest::ValidatorVote(stake::vote_body(&At::root("validatorVote"), v)?)
        }
    })
}

/// A message field that must be present.
pub(crate) fn required<'a, T>(at: &At, field: &'a Option<T>) -> Check<&'a T> {
    field.as_ref().ok_or_else(|| at.bad("missing"))
}

/// A byte field of a fixed length.
pub(crate) fn exactly<const N: usize>(at: &At, bytes: &[u8]) -> Check<[u8; N]> {
    bytes
        .try_into()
        .map_err(|_| at.bad(format!("expected {N} bytes, got {}", bytes.len())))
}

/// A scalar (an element of Fr): 32 bytes, canonical. (panic: Penumbra's plans `expect` it)
pub(crate) fn scalar(at: &At, bytes: &[u8]) -> Check<Fr> {
    Fr::from_bytes_checked(&exactly(at, bytes)?).map_err(|_| {
        at.bad("not a canonical scalar (its value is not below the decaf377 group order)")
    })
}

/// A base field element (an element of Fq): 32 bytes, canonical. (panic: as for scalars)
pub(crate) fn field_element(at: &At, bytes: &[u8]) -> Check<Fq> {
    Fq::from_bytes_checked(&exactly(at, bytes)?)
        .map_err(|_| at.bad("not a canonical field element (its value is not below the modulus)"))
}

/// A decaf377 group element encoding: 32 bytes that decompress to a point.
pub(crate) fn element(at: &At, bytes: &[u8]) -> Check<decaf377::Element> {
    decaf377::Encoding(exactly(at, bytes)?)
        .vartime_decompress()
        .map_err(|_| at.bad("not a valid decaf377 element encoding"))
}

/// Converts a proto whose fields were checked, naming the field if Penumbra still refuses it.
pub(crate) fn convert<P, D>(at: &At, proto: P) -> Check<D>
where
    D: TryFrom<P>,
    D::Error: Display,
{
    D::try_from(proto).map_err(|e| at.bad(format!("{e:#}")))
}

pub(crate) fn amount(at: &At, proto: &Option<num_pb::Amount>) -> Check<Amount> {
    convert(at, *required(at, proto)?)
}

pub(crate) fn asset_id(at: &At, proto: &Option<asset_pb::AssetId>) -> Check<asset::Id> {
    let id = required(at, proto)?;
    if !id.inner.is_empty() {
        // Penumbra reads the first 32 bytes and ignores the rest: refuse anything else.
        field_element(&at.field("inner"), &id.inner)?;
    }
    convert(at, id.clone())
}

pub(crate) fn value(at: &At, proto: &Option<asset_pb::Value>) -> Check<Value> {
    let v = required(at, proto)?;
    amount(&at.field("amount"), &v.amount)?;
    asset_id(&at.field("assetId"), &v.asset_id)?;
    convert(at, v.clone())
}

pub(crate) fn fee(at: &At, proto: &Option<fee_pb::Fee>) -> Check<Fee> {
    let f = required(at, proto)?;
    amount(&at.field("amount"), &f.amount)?;
    if f.asset_id.is_some() {
        asset_id(&at.field("assetId"), &f.asset_id)?;
    }
    convert(at, f.clone())
}

/// A payment address whose transmission key is a curve point.
pub(crate) fn address(at: &At, proto: &Option<keys_pb::Address>) -> Check<Address> {
    usable_address(at, convert(at, required(at, proto)?.clone())?)
}

/// (panic: an output's note is encrypted to the address's transmission key, and Penumbra
/// `expect`s the key agreement to succeed, which needs a curve point)
pub(crate) fn usable_address(at: &At, address: Address) -> Check<Address> {
    decaf377::Encoding(address.transmission_key().0)
        .vartime_decompress()
        .map_err(|_| {
            at.bad("its transmission key is not a valid decaf377 element: no key has this address")
        })?;
    Ok(address)
}

/// A note: its value, its 32-byte seed and an address.
pub(crate) fn note(at: &At, proto: &Option<sp_pb::Note>) -> Check<Note> {
    let n = required(at, proto)?;
    value(&at.field("value"), &n.value)?;
    exactly::<32>(&at.field("rseed"), &n.rseed)?;
    address(&at.field("address"), &n.address)?;
    convert(at, n.clone())
}

/// Text shown to a person as it is: bounded, and without control characters that would
/// rewrite the terminal.
pub(crate) fn plain_text(at: &At, text: &str, max_bytes: usize) -> Check {
    if text.len() > max_bytes {
        return Err(at.bad(format!(
            "{} bytes, at most {max_bytes} are allowed",
            text.len()
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(at.bad("contains control characters"));
    }
    Ok(())
}

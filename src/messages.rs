//! The signing round messages, byte for byte as pcli's threshold custody makes them.
//!
//! On the wire each message is the canonical proto3 JSON of a `penumbra.custody.threshold.v1`
//! message on one line. The messages carry no type tag, so the kind is recognised from the JSON
//! object's field names. Decoding checks every field and the sender's ed25519 signature, and
//! names what is wrong when something is.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use penumbra_sdk_proto::crypto::decaf377_frost::v1 as frost_pb;
use penumbra_sdk_proto::custody::threshold::v1 as pb;
use penumbra_sdk_proto::Message as _;
use serde::{de::DeserializeOwned, Serialize};

use crate::excerpt::{bounded, PROBLEM_CHARS};
use crate::keys::participant_fingerprint;
use crate::request::SigningRequest;
use crate::suite::{Identifier, SignatureShare, SigningCommitments};

/// Every message kind a ceremony exchanges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    CoordinatorRound1,
    FollowerRound1,
    CoordinatorRound2,
    FollowerRound2,
    DkgRound1,
    DkgRound2,
}

impl MessageKind {
    pub const ALL: [MessageKind; 6] = [
        MessageKind::CoordinatorRound1,
        MessageKind::FollowerRound1,
        MessageKind::CoordinatorRound2,
        MessageKind::FollowerRound2,
        MessageKind::DkgRound1,
        MessageKind::DkgRound2,
    ];

    /// The proto message name, as pcli users know it.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::CoordinatorRound1 => "CoordinatorRound1",
            MessageKind::FollowerRound1 => "FollowerRound1",
            MessageKind::CoordinatorRound2 => "CoordinatorRound2",
            MessageKind::FollowerRound2 => "FollowerRound2",
            MessageKind::DkgRound1 => "DKGRound1",
            MessageKind::DkgRound2 => "DKGRound2",
        }
    }

    /// What the message is, in words.
    pub fn description(self) -> &'static str {
        match self {
            MessageKind::CoordinatorRound1 => "the coordinator's signing request",
            MessageKind::FollowerRound1 => "a signer's round-1 commitments",
            MessageKind::CoordinatorRound2 => "the coordinator's round-2 signing package",
            MessageKind::FollowerRound2 => "a signer's round-2 signature shares",
            MessageKind::DkgRound1 => "a key generation round-1 message",
            MessageKind::DkgRound2 => "a key generation round-2 message",
        }
    }

    /// Recognises a kind from the top-level field names of a JSON object.
    fn recognise(object: &serde_json::Map<String, serde_json::Value>) -> Option<MessageKind> {
        let has = |k: &str| object.contains_key(k);
        let inner_has = |k: &str| {
            object
                .get("inner")
                .and_then(|v| v.as_object())
                .is_some_and(|o| o.contains_key(k))
        };
        if has("plan") || has("validatorDefinition") || has("validatorVote") {
            Some(MessageKind::CoordinatorRound1)
        } else if has("signingPackages") {
            Some(MessageKind::CoordinatorRound2)
        } else if has("pkg") || has("nullifierCommitment") || has("epk") {
            Some(MessageKind::DkgRound1)
        } else if inner_has("encryptedPackages") || inner_has("nullifier") {
            Some(MessageKind::DkgRound2)
        } else if inner_has("commitments") {
            Some(MessageKind::FollowerRound1)
        } else if inner_has("shares") {
            Some(MessageKind::FollowerRound2)
        } else {
            None
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a pasted message was refused. Each names the message and, where known, the field and
/// the participant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("input is empty")]
    Empty,
    #[error("not a ceremony message: not valid JSON ({0})")]
    NotJson(String),
    #[error(
        "not a ceremony message: a JSON object with none of the fields of a pcli threshold message"
    )]
    UnknownKind,
    #[error("expected {expected} ({}), but this is {got} ({})", expected.description(), got.description())]
    WrongKind {
        expected: MessageKind,
        got: MessageKind,
    },
    #[error("{kind}: {field}: {problem}")]
    Field {
        kind: MessageKind,
        field: String,
        problem: String,
    },
    #[error("{kind} from participant {participant}: the ed25519 signature does not verify (tampered or corrupted)")]
    BadSignature {
        kind: MessageKind,
        participant: String,
    },
    /// A dependency panicked while decoding: a check is missing, and the message is refused
    /// rather than the program ended ([`crate::contain`]).
    #[error("{kind}: refused: {problem} while decoding it: the message is malformed")]
    Panicked { kind: MessageKind, problem: String },
}

pub(crate) fn field_error(
    kind: MessageKind,
    field: impl Into<String>,
    problem: impl fmt::Display,
) -> DecodeError {
    DecodeError::Field {
        kind,
        field: bounded(&field.into(), PROBLEM_CHARS),
        problem: bounded(&problem.to_string(), PROBLEM_CHARS),
    }
}

/// Runs a decoder of `kind`: a panic inside it (a dependency's `expect` that the checks did not
/// keep out) refuses the message instead of ending the program.
pub(crate) fn contained<M>(
    kind: MessageKind,
    decode: impl FnOnce() -> Result<M, DecodeError>,
) -> Result<M, DecodeError> {
    crate::contain::contain(decode).unwrap_or_else(|caught| {
        Err(DecodeError::Panicked {
            kind,
            problem: caught.to_string(),
        })
    })
}

/// Decodes JSON text as a message of `kind`, every panic contained.
pub(crate) fn decode_json<P: DeserializeOwned, M>(
    text: &str,
    kind: MessageKind,
    from_proto: impl FnOnce(P) -> Result<M, DecodeError>,
) -> Result<M, DecodeError> {
    contained(kind, || from_proto(parse_proto(text, kind)?))
}

/// Serializes a proto message as pcli does: compact canonical proto3 JSON on one line.
pub fn to_json<P: Serialize>(proto: &P) -> String {
    serde_json::to_string(proto).expect("proto messages always serialize to JSON")
}

/// Recognises which kind of message some JSON text is, without decoding it fully.
pub fn recognise(text: &str) -> Result<(MessageKind, serde_json::Value), DecodeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DecodeError::Empty);
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| DecodeError::NotJson(bounded(&e.to_string(), PROBLEM_CHARS)))?;
    let kind = value
        .as_object()
        .and_then(MessageKind::recognise)
        .ok_or(DecodeError::UnknownKind)?;
    Ok((kind, value))
}

/// Parses JSON text as the proto of the expected kind, refusing other kinds by name.
pub fn parse_proto<P: DeserializeOwned>(
    text: &str,
    expected: MessageKind,
) -> Result<P, DecodeError> {
    let (got, value) = recognise(text)?;
    if got != expected {
        return Err(DecodeError::WrongKind { expected, got });
    }
    serde_json::from_value(value).map_err(|e| field_error(expected, "JSON", e))
}

/// Decodes a fixed-size byte field.
pub(crate) fn fixed<const N: usize>(
    kind: MessageKind,
    name: &str,
    bytes: &[u8],
) -> Result<[u8; N], DecodeError> {
    bytes.try_into().map_err(|_| {
        field_error(
            kind,
            name,
            format!("expected {N} bytes, got {}", bytes.len()),
        )
    })
}

pub(crate) fn decode_vk(
    kind: MessageKind,
    name: &str,
    bytes: &[u8],
) -> Result<VerificationKey, DecodeError> {
    let bytes: [u8; 32] = fixed(kind, name, bytes)?;
    VerificationKey::try_from(bytes)
        .map_err(|_| field_error(kind, name, "not a valid ed25519 verification key"))
}

pub(crate) fn decode_sig(
    kind: MessageKind,
    name: &str,
    bytes: &[u8],
) -> Result<Signature, DecodeError> {
    let bytes: [u8; 64] = fixed(kind, name, bytes)?;
    Ok(Signature::from(bytes))
}

fn commitments_to_pb(commitments: &SigningCommitments) -> frost_pb::SigningCommitments {
    let element = |c: &frost_core::round1::NonceCommitment<_>| frost_pb::NonceCommitment {
        element: c
            .serialize()
            .expect("commitments held in memory are never the identity"),
    };
    frost_pb::SigningCommitments {
        hiding: Some(element(commitments.hiding())),
        binding: Some(element(commitments.binding())),
    }
}

fn commitments_from_pb(
    kind: MessageKind,
    name: &str,
    proto: Option<frost_pb::SigningCommitments>,
) -> Result<SigningCommitments, DecodeError> {
    let proto = proto.ok_or_else(|| field_error(kind, name, "missing"))?;
    let element = |which: &str, c: Option<frost_pb::NonceCommitment>| {
        let name = format!("{name}.{which}");
        let bytes = c
            .ok_or_else(|| field_error(kind, name.as_str(), "missing"))?
            .element;
        frost_core::round1::NonceCommitment::deserialize(&bytes)
            .map_err(|e| field_error(kind, name.as_str(), element_problem(e)))
    };
    Ok(SigningCommitments::new(
        element("hiding", proto.hiding)?,
        element("binding", proto.binding)?,
    ))
}

fn element_problem(e: crate::suite::FrostError) -> String {
    match e {
        frost_core::Error::IdentityCommitment
        | frost_core::Error::GroupError(frost_core::GroupError::InvalidIdentityElement) => {
            "the identity element is not allowed".into()
        }
        frost_core::Error::GroupError(frost_core::GroupError::MalformedElement) => {
            "not a valid decaf377 element encoding".into()
        }
        other => other.to_string(),
    }
}

/// The coordinator's first message: what is to be signed.
#[derive(Clone, Debug)]
pub struct CoordinatorRound1 {
    pub request: SigningRequest,
}

impl CoordinatorRound1 {
    pub const KIND: MessageKind = MessageKind::CoordinatorRound1;

    pub fn to_proto(&self) -> pb::CoordinatorRound1 {
        use pb::coordinator_round1::Request;
        let request = match &self.request {
            SigningRequest::Transaction(plan) => Request::Plan(plan.clone().into()),
            SigningRequest::ValidatorDefinition(v) => {
                Request::ValidatorDefinition(v.clone().into())
            }
            SigningRequest::ValidatorVote(v) => Request::ValidatorVote(v.clone().into()),
        };
        pb::CoordinatorRound1 {
            request: Some(request),
        }
    }

    /// Checks every field of the request before Penumbra's conversions see it
    /// ([`crate::validate`]), then converts it.
    pub fn from_proto(proto: pb::CoordinatorRound1) -> Result<Self, DecodeError> {
        Ok(Self {
            request: crate::validate::signing_request(proto.request)?,
        })
    }

    pub fn to_json(&self) -> String {
        to_json(&self.to_proto())
    }

    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        decode_json(text, Self::KIND, Self::from_proto)
    }
}

/// A signer's round-1 reply: one pair of nonce commitments per required signature, signed with
/// the signer's ed25519 key.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowerRound1 {
    pub commitments: Vec<SigningCommitments>,
    pub pk: VerificationKey,
    pub sig: Signature,
}

fn round1_inner(commitments: &[SigningCommitments]) -> pb::follower_round1::Inner {
    pb::follower_round1::Inner {
        commitments: commitments.iter().map(commitments_to_pb).collect(),
    }
}

impl FollowerRound1 {
    pub const KIND: MessageKind = MessageKind::FollowerRound1;

    pub fn signed(key: &SigningKey, commitments: Vec<SigningCommitments>) -> Self {
        let sig = key.sign(&round1_inner(&commitments).encode_to_vec());
        Self {
            commitments,
            pk: key.verification_key(),
            sig,
        }
    }

    pub fn sender(&self) -> String {
        participant_fingerprint(&self.pk)
    }

    pub fn to_proto(&self) -> pb::FollowerRound1 {
        pb::FollowerRound1 {
            inner: Some(round1_inner(&self.commitments)),
            pk: Some(pb::VerificationKey {
                inner: self.pk.to_bytes().to_vec(),
            }),
            sig: Some(pb::Signature {
                inner: self.sig.to_bytes().to_vec(),
            }),
        }
    }

    /// Decodes every field and checks the sender's signature over the commitments.
    pub fn from_proto(proto: pb::FollowerRound1) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        let pk = decode_vk(kind, "pk", &proto.pk.unwrap_or_default().inner)?;
        let sig = decode_sig(kind, "sig", &proto.sig.unwrap_or_default().inner)?;
        let inner = proto
            .inner
            .ok_or_else(|| field_error(kind, "inner", "missing"))?;
        let commitments = inner
            .commitments
            .into_iter()
            .enumerate()
            .map(|(i, c)| commitments_from_pb(kind, &format!("inner.commitments[{i}]"), Some(c)))
            .collect::<Result<Vec<_>, _>>()?;
        pk.verify(&sig, &round1_inner(&commitments).encode_to_vec())
            .map_err(|_| DecodeError::BadSignature {
                kind,
                participant: participant_fingerprint(&pk),
            })?;
        Ok(Self {
            commitments,
            pk,
            sig,
        })
    }

    pub fn to_json(&self) -> String {
        to_json(&self.to_proto())
    }

    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        decode_json(text, Self::KIND, Self::from_proto)
    }
}

/// The coordinator's second message: for each signature, every chosen signer's commitments.
#[derive(Clone, Debug, PartialEq)]
pub struct CoordinatorRound2 {
    pub packages: Vec<BTreeMap<Identifier, SigningCommitments>>,
}

impl CoordinatorRound2 {
    pub const KIND: MessageKind = MessageKind::CoordinatorRound2;

    pub fn to_proto(&self) -> pb::CoordinatorRound2 {
        use pb::coordinator_round2::{IdentifiedCommitments, PartialSigningPackage};
        pb::CoordinatorRound2 {
            signing_packages: self
                .packages
                .iter()
                .map(|package| PartialSigningPackage {
                    all_commitments: package
                        .iter()
                        .map(|(id, c)| IdentifiedCommitments {
                            identifier: id.serialize(),
                            commitments: Some(commitments_to_pb(c)),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    pub fn from_proto(proto: pb::CoordinatorRound2) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        let packages = proto
            .signing_packages
            .into_iter()
            .enumerate()
            .map(|(k, package)| {
                let mut map = BTreeMap::new();
                for (j, entry) in package.all_commitments.into_iter().enumerate() {
                    let at = format!("signingPackages[{k}].allCommitments[{j}]");
                    let id = Identifier::deserialize(&entry.identifier).map_err(|_| {
                        field_error(
                            kind,
                            format!("{at}.identifier"),
                            "not a valid FROST identifier",
                        )
                    })?;
                    let c =
                        commitments_from_pb(kind, &format!("{at}.commitments"), entry.commitments)?;
                    if map.insert(id, c).is_some() {
                        return Err(field_error(kind, at, "the same identifier appears twice"));
                    }
                }
                Ok(map)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { packages })
    }

    pub fn to_json(&self) -> String {
        to_json(&self.to_proto())
    }

    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        decode_json(text, Self::KIND, Self::from_proto)
    }
}

/// A signer's round-2 reply: one signature share per required signature, signed with ed25519.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowerRound2 {
    pub shares: Vec<SignatureShare>,
    pub pk: VerificationKey,
    pub sig: Signature,
}

fn round2_inner(shares: &[SignatureShare]) -> pb::follower_round2::Inner {
    pb::follower_round2::Inner {
        shares: shares
            .iter()
            .map(|s| frost_pb::SignatureShare {
                scalar: s.serialize(),
            })
            .collect(),
    }
}

impl FollowerRound2 {
    pub const KIND: MessageKind = MessageKind::FollowerRound2;

    pub fn signed(key: &SigningKey, shares: Vec<SignatureShare>) -> Self {
        let sig = key.sign(&round2_inner(&shares).encode_to_vec());
        Self {
            shares,
            pk: key.verification_key(),
            sig,
        }
    }

    pub fn sender(&self) -> String {
        participant_fingerprint(&self.pk)
    }

    pub fn to_proto(&self) -> pb::FollowerRound2 {
        pb::FollowerRound2 {
            inner: Some(round2_inner(&self.shares)),
            pk: Some(pb::VerificationKey {
                inner: self.pk.to_bytes().to_vec(),
            }),
            sig: Some(pb::Signature {
                inner: self.sig.to_bytes().to_vec(),
            }),
        }
    }

    pub fn from_proto(proto: pb::FollowerRound2) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        let pk = decode_vk(kind, "pk", &proto.pk.unwrap_or_default().inner)?;
        let sig = decode_sig(kind, "sig", &proto.sig.unwrap_or_default().inner)?;
        let inner = proto
            .inner
            .ok_or_else(|| field_error(kind, "inner", "missing"))?;
        let shares = inner
            .shares
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                SignatureShare::deserialize(&s.scalar).map_err(|_| {
                    field_error(
                        kind,
                        format!("inner.shares[{i}]"),
                        "not a canonical decaf377 scalar",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        pk.verify(&sig, &round2_inner(&shares).encode_to_vec())
            .map_err(|_| DecodeError::BadSignature {
                kind,
                participant: participant_fingerprint(&pk),
            })?;
        Ok(Self { shares, pk, sig })
    }

    pub fn to_json(&self) -> String {
        to_json(&self.to_proto())
    }

    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        decode_json(text, Self::KIND, Self::from_proto)
    }
}

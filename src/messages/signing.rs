//! The four signing round messages of pcli's threshold custody.

use std::collections::BTreeMap;

use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use penumbra_sdk_proto::crypto::decaf377_frost::v1 as frost_pb;
use penumbra_sdk_proto::custody::threshold::v1 as pb;
use penumbra_sdk_proto::Message as _;

use super::{check_signed, decode_sig, decode_vk, field_error, Codec, DecodeError, MessageKind};
use crate::keys::participant_fingerprint;
use crate::request::SigningRequest;
use crate::suite::{Identifier, SignatureShare, SigningCommitments};

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

/// The sender's key and signature as pcli's follower messages carry them.
fn envelope(
    pk: &VerificationKey,
    sig: &Signature,
) -> (Option<pb::VerificationKey>, Option<pb::Signature>) {
    (
        Some(pb::VerificationKey {
            inner: pk.to_bytes().to_vec(),
        }),
        Some(pb::Signature {
            inner: sig.to_bytes().to_vec(),
        }),
    )
}

/// Reads a follower message's sender key and signature.
fn open_envelope(
    kind: MessageKind,
    pk: Option<pb::VerificationKey>,
    sig: Option<pb::Signature>,
) -> Result<(VerificationKey, Signature), DecodeError> {
    Ok((
        decode_vk(kind, "pk", &pk.unwrap_or_default().inner)?,
        decode_sig(kind, "sig", &sig.unwrap_or_default().inner)?,
    ))
}

/// The coordinator's first message: what is to be signed.
#[derive(Clone, Debug)]
pub struct CoordinatorRound1 {
    pub request: SigningRequest,
}

impl Codec for CoordinatorRound1 {
    const KIND: MessageKind = MessageKind::CoordinatorRound1;
    type Proto = pb::CoordinatorRound1;

    fn to_proto(&self) -> pb::CoordinatorRound1 {
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
    fn from_proto(proto: pb::CoordinatorRound1) -> Result<Self, DecodeError> {
        Ok(Self {
            request: crate::validate::signing_request(proto.request)?,
        })
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
}

impl Codec for FollowerRound1 {
    const KIND: MessageKind = MessageKind::FollowerRound1;
    type Proto = pb::FollowerRound1;

    fn to_proto(&self) -> pb::FollowerRound1 {
        let (pk, sig) = envelope(&self.pk, &self.sig);
        pb::FollowerRound1 {
            inner: Some(round1_inner(&self.commitments)),
            pk,
            sig,
        }
    }

    /// Decodes every field and checks the sender's signature over the commitments.
    fn from_proto(proto: pb::FollowerRound1) -> Result<Self, DecodeError> {
        let kind = <Self as Codec>::KIND;
        let (pk, sig) = open_envelope(kind, proto.pk, proto.sig)?;
        let inner = proto
            .inner
            .ok_or_else(|| field_error(kind, "inner", "missing"))?;
        let commitments = inner
            .commitments
            .into_iter()
            .enumerate()
            .map(|(i, c)| commitments_from_pb(kind, &format!("inner.commitments[{i}]"), Some(c)))
            .collect::<Result<Vec<_>, _>>()?;
        check_signed(kind, &pk, &sig, &round1_inner(&commitments))?;
        Ok(Self {
            commitments,
            pk,
            sig,
        })
    }
}

/// The coordinator's second message: for each signature, every chosen signer's commitments.
#[derive(Clone, Debug, PartialEq)]
pub struct CoordinatorRound2 {
    pub packages: Vec<BTreeMap<Identifier, SigningCommitments>>,
}

impl Codec for CoordinatorRound2 {
    const KIND: MessageKind = MessageKind::CoordinatorRound2;
    type Proto = pb::CoordinatorRound2;

    fn to_proto(&self) -> pb::CoordinatorRound2 {
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

    fn from_proto(proto: pb::CoordinatorRound2) -> Result<Self, DecodeError> {
        let kind = <Self as Codec>::KIND;
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
}

impl Codec for FollowerRound2 {
    const KIND: MessageKind = MessageKind::FollowerRound2;
    type Proto = pb::FollowerRound2;

    fn to_proto(&self) -> pb::FollowerRound2 {
        let (pk, sig) = envelope(&self.pk, &self.sig);
        pb::FollowerRound2 {
            inner: Some(round2_inner(&self.shares)),
            pk,
            sig,
        }
    }

    fn from_proto(proto: pb::FollowerRound2) -> Result<Self, DecodeError> {
        let kind = <Self as Codec>::KIND;
        let (pk, sig) = open_envelope(kind, proto.pk, proto.sig)?;
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
        check_signed(kind, &pk, &sig, &round2_inner(&shares))?;
        Ok(Self { shares, pk, sig })
    }
}

//! The four signing round messages of pcli's threshold custody.

use std::collections::BTreeMap;

use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use penumbra_sdk_proto::crypto::decaf377_frost::v1 as frost_pb;
use penumbra_sdk_proto::custody::threshold::v1 as pb;
use penumbra_sdk_proto::Message as _;

use serde::{de::DeserializeOwned, Serialize};

use super::{
    check_signed, decode_each, decode_sig, decode_vk, field_error, Codec, DecodeError, MessageKind,
};
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

/// A signer's reply, as pcli's follower messages carry it: what it says, and its sender's key
/// and ed25519 signature over the proto encoding of the inner message.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply<B> {
    pub body: B,
    pub pk: VerificationKey,
    pub sig: Signature,
}

/// A signer's round-1 reply: one pair of nonce commitments per required signature.
pub type FollowerRound1 = Reply<Vec<SigningCommitments>>;

/// A signer's round-2 reply: one signature share per required signature.
pub type FollowerRound2 = Reply<Vec<SignatureShare>>;

/// pcli's reply protos: `{ Inner inner = 1; VerificationKey pk = 2; Signature sig = 3; }`.
pub trait ReplyProto: prost::Message + Default + Serialize + DeserializeOwned {
    const KIND: MessageKind;
    type Inner: prost::Message;

    fn new(inner: Self::Inner, pk: pb::VerificationKey, sig: pb::Signature) -> Self;
    fn into_parts(
        self,
    ) -> (
        Option<Self::Inner>,
        Option<pb::VerificationKey>,
        Option<pb::Signature>,
    );
}

/// Each reply's kind, proto and inner message.
macro_rules! reply_protos {
    ($($kind:ident: $inner:ty;)*) => {$(
        impl ReplyProto for pb::$kind {
            const KIND: MessageKind = MessageKind::$kind;
            type Inner = $inner;

            fn new(inner: $inner, pk: pb::VerificationKey, sig: pb::Signature) -> Self {
                Self {
                    inner: Some(inner),
                    pk: Some(pk),
                    sig: Some(sig),
                }
            }

            fn into_parts(
                self,
            ) -> (Option<$inner>, Option<pb::VerificationKey>, Option<pb::Signature>) {
                (self.inner, self.pk, self.sig)
            }
        }
    )*};
}

reply_protos! {
    FollowerRound1: pb::follower_round1::Inner;
    FollowerRound2: pb::follower_round2::Inner;
}

/// What a signer's reply says, and how its inner message holds it.
pub trait ReplyBody: Sized {
    type Proto: ReplyProto;

    fn to_inner(&self) -> <Self::Proto as ReplyProto>::Inner;
    fn from_inner(
        kind: MessageKind,
        inner: <Self::Proto as ReplyProto>::Inner,
    ) -> Result<Self, DecodeError>;
}

impl ReplyBody for Vec<SigningCommitments> {
    type Proto = pb::FollowerRound1;

    fn to_inner(&self) -> pb::follower_round1::Inner {
        pb::follower_round1::Inner {
            commitments: self.iter().map(commitments_to_pb).collect(),
        }
    }

    fn from_inner(
        kind: MessageKind,
        inner: pb::follower_round1::Inner,
    ) -> Result<Self, DecodeError> {
        decode_each("inner.commitments", inner.commitments, |name, c| {
            commitments_from_pb(kind, name, Some(c))
        })
    }
}

impl ReplyBody for Vec<SignatureShare> {
    type Proto = pb::FollowerRound2;

    fn to_inner(&self) -> pb::follower_round2::Inner {
        pb::follower_round2::Inner {
            shares: self
                .iter()
                .map(|s| frost_pb::SignatureShare {
                    scalar: s.serialize(),
                })
                .collect(),
        }
    }

    fn from_inner(
        kind: MessageKind,
        inner: pb::follower_round2::Inner,
    ) -> Result<Self, DecodeError> {
        decode_each("inner.shares", inner.shares, |name, s| {
            SignatureShare::deserialize(&s.scalar)
                .map_err(|_| field_error(kind, name, "not a canonical decaf377 scalar"))
        })
    }
}

impl<B: ReplyBody> Reply<B> {
    pub fn signed(key: &SigningKey, body: B) -> Self {
        let sig = key.sign(&body.to_inner().encode_to_vec());
        Self {
            body,
            pk: key.verification_key(),
            sig,
        }
    }

    pub fn sender(&self) -> String {
        participant_fingerprint(&self.pk)
    }
}

impl<B: ReplyBody> Codec for Reply<B> {
    const KIND: MessageKind = <B::Proto as ReplyProto>::KIND;
    type Proto = B::Proto;

    fn to_proto(&self) -> B::Proto {
        let pk = pb::VerificationKey {
            inner: self.pk.to_bytes().to_vec(),
        };
        let sig = pb::Signature {
            inner: self.sig.to_bytes().to_vec(),
        };
        B::Proto::new(self.body.to_inner(), pk, sig)
    }

    /// Decodes every field and checks the sender's signature over the inner message.
    fn from_proto(proto: B::Proto) -> Result<Self, DecodeError> {
        let kind = <Self as Codec>::KIND;
        let (inner, pk, sig) = proto.into_parts();
        let pk = decode_vk(kind, "pk", &pk.unwrap_or_default().inner)?;
        let sig = decode_sig(kind, "sig", &sig.unwrap_or_default().inner)?;
        let inner = inner.ok_or_else(|| field_error(kind, "inner", "missing"))?;
        let body = B::from_inner(kind, inner)?;
        check_signed(kind, &pk, &sig, &body.to_inner())?;
        Ok(Self { body, pk, sig })
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

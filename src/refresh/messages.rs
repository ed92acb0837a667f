//! The refresh messages: round 1 (the session, the sender's commitments and encryption key) and
//! round 2 (an encrypted refresh share for every other member); and what frost-core's refresh
//! takes from them.

use std::collections::BTreeMap;

use decaf377::{Element, Fr};
use ed25519_consensus::VerificationKey;
use frost_core::keys::dkg::round1;
use frost_core::keys::{CoefficientCommitment, VerifiableSecretSharingCommitment};

use crate::custody::proto::{self as pb, refresh_round1, refresh_round2};
use crate::custody::{
    decode_elements, decode_epk, decode_participants, decode_targeted, encode_key_list,
    encode_targeted, Body, GroupRef, Inbox, RoundLink, SessionId, Signed,
};
use crate::messages::{field_error, fixed, DecodeError, MessageKind};
use crate::suite::{identifier_for, Decaf377Rdsa, Identifier};

type C = Decaf377Rdsa;

/// What the members of a refresh agree on: which key, who takes part (and stays), and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshSession {
    pub id: SessionId,
    /// The key as it is before the refresh.
    pub group: GroupRef,
    /// The members who take part and make up the new group, ascending by key bytes; members of
    /// the key who are not listed are removed.
    pub members: Vec<VerificationKey>,
    /// Unix seconds: the refresh's date, recorded in the new key files.
    pub started: u64,
}

impl RefreshSession {
    pub(crate) fn to_proto(&self) -> pb::RefreshSession {
        pb::RefreshSession {
            id: self.id.0.to_vec(),
            group: Some(self.group.to_proto()),
            members: encode_key_list(&self.members),
            started: self.started,
        }
    }

    fn from_proto(
        kind: MessageKind,
        proto: Option<pb::RefreshSession>,
    ) -> Result<Self, DecodeError> {
        let proto = proto.ok_or_else(|| field_error(kind, "inner.session", "missing"))?;
        let members = decode_participants(
            kind,
            "inner.session.members",
            &proto.members,
            "a refresh needs at least 2 members",
        )?;
        Ok(Self {
            id: SessionId(fixed(kind, "inner.session.id", &proto.id)?),
            group: GroupRef::from_proto(kind, "inner.session.group", proto.group)?,
            members,
            started: proto.started,
        })
    }
}

/// A member's round-1 broadcast: the session, commitments to the coefficients 1..t-1 of its
/// zero-constant refresh polynomial, and a fresh key that round-2 shares are encrypted to.
#[derive(Clone, Debug, PartialEq)]
pub struct RefreshRound1Body {
    pub session: RefreshSession,
    pub commitment: Vec<CoefficientCommitment<Decaf377Rdsa>>,
    pub epk: decaf377_ka::Public,
}

pub type RefreshRound1 = Signed<RefreshRound1Body>;

impl Body for RefreshRound1Body {
    type Proto = pb::RefreshRound1;

    fn to_inner(&self) -> refresh_round1::Inner {
        refresh_round1::Inner {
            session: Some(self.session.to_proto()),
            commitment: self
                .commitment
                .iter()
                .map(|c| {
                    c.serialize()
                        .expect("commitments held in memory are never the identity")
                })
                .collect(),
            epk: self.epk.0.to_vec(),
        }
    }

    fn from_inner(inner: refresh_round1::Inner) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        if inner.commitment.is_empty() {
            return Err(field_error(kind, "inner.commitment", "empty"));
        }
        let commitment = decode_elements(kind, "inner.commitment", &inner.commitment)?;
        Ok(Self {
            session: RefreshSession::from_proto(kind, inner.session)?,
            commitment: commitment
                .into_iter()
                .map(CoefficientCommitment::new)
                .collect(),
            epk: decode_epk(kind, "inner.epk", &inner.epk)?,
        })
    }

    fn session_id(&self) -> Option<SessionId> {
        Some(self.session.id)
    }
}

/// A member's round-2 broadcast: for every other member, its refresh share encrypted to that
/// member's round-1 key; and a digest of the round-1 messages the sender saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshRound2Body {
    pub link: RoundLink,
    /// Recipient ed25519 key bytes -> ciphertext.
    pub shares: BTreeMap<[u8; 32], Vec<u8>>,
}

pub type RefreshRound2 = Signed<RefreshRound2Body>;

impl Body for RefreshRound2Body {
    type Proto = pb::RefreshRound2;

    fn to_inner(&self) -> refresh_round2::Inner {
        refresh_round2::Inner {
            shares: encode_targeted(&self.shares),
            ..self.link.to_inner()
        }
    }

    fn from_inner(inner: refresh_round2::Inner) -> Result<Self, DecodeError> {
        Ok(Self {
            link: RoundLink::from_inner(Self::KIND, &inner)?,
            shares: decode_targeted(Self::KIND, "inner.shares", inner.shares)?,
        })
    }

    fn session_id(&self) -> Option<SessionId> {
        Some(self.link.session)
    }
}

/// The commitment of a refresh polynomial with its zero constant (the identity) restored.
pub(super) fn with_zero_constant(
    commitment: &[CoefficientCommitment<C>],
) -> VerifiableSecretSharingCommitment<C> {
    VerifiableSecretSharingCommitment::new(
        std::iter::once(CoefficientCommitment::new(Element::IDENTITY))
            .chain(commitment.iter().copied())
            .collect(),
    )
}

/// frost-core's round-1 packages from the messages. A refresh polynomial's constant is zero,
/// so there is no secret whose knowledge to prove: frost-core neither checks nor uses the
/// proof of knowledge in a refresh, and the messages do not carry one.
pub(super) fn round1_packages(
    messages: &Inbox<RefreshRound1Body>,
) -> BTreeMap<Identifier, round1::Package<C>> {
    let no_proof = frost_core::Signature::new(Element::GENERATOR, Fr::ZERO);
    messages
        .messages()
        .map(|m| {
            (
                identifier_for(&m.vk),
                round1::Package::new(
                    VerifiableSecretSharingCommitment::new(m.body.commitment.clone()),
                    no_proof,
                ),
            )
        })
        .collect()
}

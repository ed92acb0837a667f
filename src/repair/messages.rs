//! The repair messages: the newcomer's request; the helpers' round 1 (the session and an
//! encryption key), round 2 (deltas, encrypted to each other helper, with public commitments)
//! and round 3 (the sigma, encrypted to the newcomer).

use std::collections::BTreeMap;

use decaf377::Element;
use ed25519_consensus::VerificationKey;

use crate::custody::proto::{
    self as pb, repair_request, repair_round1, repair_round2, repair_round3,
};
use crate::custody::{
    decode_ciphertext, decode_elements, decode_epk, decode_participants, decode_targeted,
    encode_elements, encode_key_list, encode_targeted, Body, GroupRef, RoundLink, SessionId,
    Signed,
};
use crate::messages::{field_error, fixed, Codec, DecodeError, MessageKind};

/// A newcomer's request to join a key: the key as it knows it, and a fresh encryption key.
/// Signed with the newcomer's new participant key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepairRequestBody {
    pub group: GroupRef,
    pub epk: decaf377_ka::Public,
}

pub type RepairRequest = Signed<RepairRequestBody>;

impl Body for RepairRequestBody {
    type Proto = pb::RepairRequest;

    fn to_inner(&self) -> repair_request::Inner {
        repair_request::Inner {
            group: Some(self.group.to_proto()),
            epk: self.epk.0.to_vec(),
        }
    }

    fn from_inner(inner: repair_request::Inner) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        Ok(Self {
            group: GroupRef::from_proto(kind, "inner.group", inner.group)?,
            epk: decode_epk(kind, "inner.epk", &inner.epk)?,
        })
    }
}

/// What the helpers of a repair agree on: who joins (its request, as it signed it) and who
/// helps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepairSession {
    pub id: SessionId,
    pub newcomer: RepairRequest,
    /// The helpers, ascending by key bytes: at least t members of the key.
    pub helpers: Vec<VerificationKey>,
}

impl RepairSession {
    fn to_proto(&self) -> pb::RepairSession {
        pb::RepairSession {
            id: self.id.0.to_vec(),
            newcomer: Some(self.newcomer.to_proto()),
            helpers: encode_key_list(&self.helpers),
        }
    }

    fn from_proto(
        kind: MessageKind,
        proto: Option<pb::RepairSession>,
    ) -> Result<Self, DecodeError> {
        let proto = proto.ok_or_else(|| field_error(kind, "inner.session", "missing"))?;
        let at = "inner.session.newcomer";
        let newcomer = proto
            .newcomer
            .ok_or_else(|| field_error(kind, at, "missing"))?;
        // A field of the request the session carries is named from this message down.
        let newcomer = Signed::from_proto(newcomer).map_err(|e| match e {
            DecodeError::Field { field, problem, .. } => {
                field_error(kind, format!("{at}.{field}"), problem)
            }
            other => other,
        })?;
        let helpers = decode_participants(
            kind,
            "inner.session.helpers",
            &proto.helpers,
            "a repair needs at least 2 helpers",
        )?;
        if helpers.contains(&newcomer.vk) {
            return Err(field_error(
                kind,
                "inner.session.helpers",
                "the newcomer cannot help itself",
            ));
        }
        Ok(Self {
            id: SessionId(fixed(kind, "inner.session.id", &proto.id)?),
            newcomer,
            helpers,
        })
    }
}

/// A helper's round-1 broadcast: the session and a fresh key that deltas are encrypted to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepairRound1Body {
    pub session: RepairSession,
    pub epk: decaf377_ka::Public,
}

pub type RepairRound1 = Signed<RepairRound1Body>;

impl Body for RepairRound1Body {
    type Proto = pb::RepairRound1;

    fn to_inner(&self) -> repair_round1::Inner {
        repair_round1::Inner {
            session: Some(self.session.to_proto()),
            epk: self.epk.0.to_vec(),
        }
    }

    fn from_inner(inner: repair_round1::Inner) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        Ok(Self {
            session: RepairSession::from_proto(kind, inner.session)?,
            epk: decode_epk(kind, "inner.epk", &inner.epk)?,
        })
    }

    fn session_id(&self) -> Option<SessionId> {
        Some(self.session.id)
    }
}

/// A helper's round-2 broadcast: its deltas (frost-core's `repair_share_part1`), each encrypted
/// to the helper it is for, with a public commitment `delta * G` to every one of them (in the
/// session's helper order), so that anyone can check they add up to the helper's part and each
/// recipient that its delta is the committed one.
#[derive(Clone, Debug, PartialEq)]
pub struct RepairRound2Body {
    pub link: RoundLink,
    pub commitments: Vec<Element>,
    /// Recipient ed25519 key bytes -> ciphertext, for every other helper.
    pub deltas: BTreeMap<[u8; 32], Vec<u8>>,
}

pub type RepairRound2 = Signed<RepairRound2Body>;

impl Body for RepairRound2Body {
    type Proto = pb::RepairRound2;

    fn to_inner(&self) -> repair_round2::Inner {
        repair_round2::Inner {
            commitments: encode_elements(&self.commitments),
            deltas: encode_targeted(&self.deltas),
            ..self.link.to_inner()
        }
    }

    fn from_inner(inner: repair_round2::Inner) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        Ok(Self {
            link: RoundLink::from_inner(kind, &inner)?,
            commitments: decode_elements(kind, "inner.commitments", &inner.commitments)?,
            deltas: decode_targeted(kind, "inner.deltas", inner.deltas)?,
        })
    }

    fn session_id(&self) -> Option<SessionId> {
        Some(self.link.session)
    }
}

/// A helper's round-3 message for the newcomer: its sigma (frost-core's `repair_share_part2`)
/// encrypted to the newcomer's key, and a digest of the round-2 messages it saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepairRound3Body {
    pub link: RoundLink,
    pub sigma: Vec<u8>,
}

pub type RepairRound3 = Signed<RepairRound3Body>;

impl Body for RepairRound3Body {
    type Proto = pb::RepairRound3;

    fn to_inner(&self) -> repair_round3::Inner {
        repair_round3::Inner {
            sigma: self.sigma.clone(),
            ..self.link.to_inner()
        }
    }

    fn from_inner(inner: repair_round3::Inner) -> Result<Self, DecodeError> {
        decode_ciphertext(Self::KIND, "inner.sigma", &inner.sigma)?;
        Ok(Self {
            link: RoundLink::from_inner(Self::KIND, &inner)?,
            sigma: inner.sigma,
        })
    }

    fn session_id(&self) -> Option<SessionId> {
        Some(self.link.session)
    }
}

//! Carrying messages across an airgap: any message in its compact proto form, as Uniform
//! Resources (BCR-2020-005) in QR codes, animated with fountain codes when one code is not
//! enough. This module knows nothing of FROST: it moves bytes of known message kinds.

pub mod qr;
pub mod ur;

use penumbra_sdk_proto::custody::threshold::v1 as pb;
use penumbra_sdk_proto::Message as _;

use self::ur::{Payload, UrCollector};
use crate::dkg::{DkgRound1, DkgRound2};
use crate::messages::{
    recognise, CoordinatorRound1, CoordinatorRound2, DecodeError, FollowerRound1, FollowerRound2,
    MessageKind,
};

/// Any ceremony message.
#[derive(Clone, Debug)]
pub enum AnyMessage {
    CoordinatorRound1(CoordinatorRound1),
    FollowerRound1(FollowerRound1),
    CoordinatorRound2(CoordinatorRound2),
    FollowerRound2(FollowerRound2),
    DkgRound1(DkgRound1),
    DkgRound2(DkgRound2),
}

fn proto_error(kind: MessageKind, e: prost::DecodeError) -> DecodeError {
    DecodeError::Field {
        kind,
        field: "proto".into(),
        problem: e.to_string(),
    }
}

impl AnyMessage {
    pub fn kind(&self) -> MessageKind {
        match self {
            AnyMessage::CoordinatorRound1(_) => MessageKind::CoordinatorRound1,
            AnyMessage::FollowerRound1(_) => MessageKind::FollowerRound1,
            AnyMessage::CoordinatorRound2(_) => MessageKind::CoordinatorRound2,
            AnyMessage::FollowerRound2(_) => MessageKind::FollowerRound2,
            AnyMessage::DkgRound1(_) => MessageKind::DkgRound1,
            AnyMessage::DkgRound2(_) => MessageKind::DkgRound2,
        }
    }

    /// pcli's JSON form.
    pub fn to_json(&self) -> String {
        match self {
            AnyMessage::CoordinatorRound1(m) => m.to_json(),
            AnyMessage::FollowerRound1(m) => m.to_json(),
            AnyMessage::CoordinatorRound2(m) => m.to_json(),
            AnyMessage::FollowerRound2(m) => m.to_json(),
            AnyMessage::DkgRound1(m) => m.to_json(),
            AnyMessage::DkgRound2(m) => m.to_json(),
        }
    }

    /// Decodes pcli JSON of any kind, checking every field and signature.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        let (kind, _) = recognise(text)?;
        Ok(match kind {
            MessageKind::CoordinatorRound1 => {
                AnyMessage::CoordinatorRound1(CoordinatorRound1::from_json(text)?)
            }
            MessageKind::FollowerRound1 => {
                AnyMessage::FollowerRound1(FollowerRound1::from_json(text)?)
            }
            MessageKind::CoordinatorRound2 => {
                AnyMessage::CoordinatorRound2(CoordinatorRound2::from_json(text)?)
            }
            MessageKind::FollowerRound2 => {
                AnyMessage::FollowerRound2(FollowerRound2::from_json(text)?)
            }
            MessageKind::DkgRound1 => AnyMessage::DkgRound1(DkgRound1::from_json(text)?),
            MessageKind::DkgRound2 => AnyMessage::DkgRound2(DkgRound2::from_json(text)?),
        })
    }

    /// The compact proto encoding (about 1.8 times smaller than the JSON).
    pub fn to_proto_bytes(&self) -> Vec<u8> {
        match self {
            AnyMessage::CoordinatorRound1(m) => m.to_proto().encode_to_vec(),
            AnyMessage::FollowerRound1(m) => m.to_proto().encode_to_vec(),
            AnyMessage::CoordinatorRound2(m) => m.to_proto().encode_to_vec(),
            AnyMessage::FollowerRound2(m) => m.to_proto().encode_to_vec(),
            AnyMessage::DkgRound1(m) => m.to_proto().encode_to_vec(),
            AnyMessage::DkgRound2(m) => m.to_proto().encode_to_vec(),
        }
    }

    pub fn from_proto_bytes(kind: MessageKind, bytes: &[u8]) -> Result<Self, DecodeError> {
        let e = |err| proto_error(kind, err);
        Ok(match kind {
            MessageKind::CoordinatorRound1 => AnyMessage::CoordinatorRound1(
                CoordinatorRound1::from_proto(pb::CoordinatorRound1::decode(bytes).map_err(e)?)?,
            ),
            MessageKind::FollowerRound1 => AnyMessage::FollowerRound1(FollowerRound1::from_proto(
                pb::FollowerRound1::decode(bytes).map_err(e)?,
            )?),
            MessageKind::CoordinatorRound2 => AnyMessage::CoordinatorRound2(
                CoordinatorRound2::from_proto(pb::CoordinatorRound2::decode(bytes).map_err(e)?)?,
            ),
            MessageKind::FollowerRound2 => AnyMessage::FollowerRound2(FollowerRound2::from_proto(
                pb::FollowerRound2::decode(bytes).map_err(e)?,
            )?),
            MessageKind::DkgRound1 => AnyMessage::DkgRound1(DkgRound1::from_proto(
                pb::DkgRound1::decode(bytes).map_err(e)?,
            )?),
            MessageKind::DkgRound2 => AnyMessage::DkgRound2(DkgRound2::from_proto(
                pb::DkgRound2::decode(bytes).map_err(e)?,
            )?),
        })
    }
}

/// The UR type of each message kind: pcli's message, in proto bytes.
pub fn ur_type(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::CoordinatorRound1 => "pcli-c1",
        MessageKind::FollowerRound1 => "pcli-f1",
        MessageKind::CoordinatorRound2 => "pcli-c2",
        MessageKind::FollowerRound2 => "pcli-f2",
        MessageKind::DkgRound1 => "pcli-dkg1",
        MessageKind::DkgRound2 => "pcli-dkg2",
    }
}

/// A collector of UR parts that takes ceremony messages, alone or in bundles.
pub fn ur_collector() -> UrCollector {
    UrCollector::new(MessageKind::ALL.map(ur_type))
}

impl AnyMessage {
    /// The message as a typed payload, for a UR.
    pub fn to_payload(&self) -> Payload {
        Payload {
            ur_type: ur_type(self.kind()).to_string(),
            bytes: self.to_proto_bytes(),
        }
    }

    /// Decodes a payload received as a UR, checking every field and signature.
    pub fn from_payload(payload: &Payload) -> Result<Self, String> {
        let kind = MessageKind::ALL
            .into_iter()
            .find(|k| ur_type(*k) == payload.ur_type)
            .ok_or_else(|| {
                format!(
                    "UR type {:?} is not a ceremony message",
                    payload.ur_type.chars().take(24).collect::<String>()
                )
            })?;
        Self::from_proto_bytes(kind, &payload.bytes).map_err(|e| e.to_string())
    }
}

//! Carrying messages across an airgap: any message in its compact proto form, as Uniform
//! Resources (BCR-2020-005) in QR codes, animated with fountain codes when one code is not
//! enough. This module knows nothing of FROST: it moves bytes of known message kinds.

pub mod qr;
pub mod scan;
pub mod ur;

use penumbra_sdk_proto::custody::threshold::v1 as pb;
use penumbra_sdk_proto::Message as _;

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

/// A bundle: several messages in one payload (kind byte, u32 length, proto bytes each), so a
/// relay can show everything of a round as one animated code.
pub fn bundle(messages: &[AnyMessage]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        let bytes = m.to_proto_bytes();
        out.push(kind_byte(m.kind()));
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// Splits a bundle back into its messages; each is decoded and checked on its own.
pub fn unbundle(mut bytes: &[u8]) -> Result<Vec<AnyMessage>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 5 {
            return Err("bundle: truncated entry header".into());
        }
        let kind =
            kind_from_byte(bytes[0]).ok_or_else(|| format!("bundle: unknown kind {}", bytes[0]))?;
        let len = u32::from_le_bytes(bytes[1..5].try_into().expect("4 bytes")) as usize;
        let body = bytes
            .get(5..5 + len)
            .ok_or("bundle: an entry is longer than the bundle")?;
        out.push(AnyMessage::from_proto_bytes(kind, body).map_err(|e| e.to_string())?);
        bytes = &bytes[5 + len..];
    }
    Ok(out)
}

fn kind_byte(kind: MessageKind) -> u8 {
    MessageKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is listed") as u8
        + 1
}

fn kind_from_byte(b: u8) -> Option<MessageKind> {
    MessageKind::ALL
        .get(usize::from(b).checked_sub(1)?)
        .copied()
}

//! Carrying messages across an airgap: any message in its compact proto form, as Uniform
//! Resources (BCR-2020-005) in QR codes, animated with fountain codes when one code is not
//! enough. This module knows nothing of FROST: it moves bytes of known message kinds.

pub mod qr;
pub mod ur;

use crate::messages::{AnyMessage, MessageKind};

/// A bundle: several messages in one payload (kind byte, u32 length, proto bytes each), so a
/// relay can show everything of a round as one animated code.
pub fn bundle(messages: &[AnyMessage]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        let bytes = m.to_bytes();
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
        out.push(AnyMessage::from_bytes(kind, body).map_err(|e| e.to_string())?);
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

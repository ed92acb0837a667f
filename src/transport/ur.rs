//! Uniform Resources: a message's proto bytes as `ur:<type>/...` text (bytewords), one part
//! when it fits, otherwise an endless stream of fountain-coded parts where any large enough
//! subset rebuilds the message.

use std::collections::HashSet;

use super::unbundle;
use crate::messages::{AnyMessage, MessageKind};

/// The UR type of a bundle of several messages.
pub const BUNDLE_TYPE: &str = "hoarfrost-bundle";

/// The parts of one payload, generated as they are needed.
pub struct UrParts {
    single: Option<String>,
    encoder: Option<ur::Encoder<'static>>,
    parts: Vec<String>,
}

impl UrParts {
    /// Splits `payload` into parts of at most `max_fragment` payload bytes each (a single part
    /// when it fits in one). Parts are uppercase, for QR codes' alphanumeric mode.
    pub fn new(payload: &[u8], ur_type: &'static str, max_fragment: usize) -> Self {
        let single = ur::encode(payload, &ur::Type::Custom(ur_type));
        if payload.len() <= max_fragment {
            return Self {
                single: Some(single.to_ascii_uppercase()),
                encoder: None,
                parts: vec![],
            };
        }
        let encoder = ur::Encoder::new(payload, max_fragment.max(10), ur_type)
            .expect("a non-empty payload and a valid type encode");
        Self {
            single: None,
            encoder: Some(encoder),
            parts: vec![],
        }
    }

    /// Plain text (a signature, a key) as one code, verbatim.
    pub fn text(text: &str) -> Self {
        Self {
            single: Some(text.to_string()),
            encoder: None,
            parts: vec![],
        }
    }

    pub fn for_message(message: &AnyMessage, max_fragment: usize) -> Self {
        Self::new(&message.to_bytes(), message.kind().ur_type(), max_fragment)
    }

    /// How many parts make the message: 1 for a single part, else the fragment count (parts
    /// beyond it are fountain mixes that stand in for any missed one).
    pub fn fragment_count(&self) -> usize {
        self.encoder.as_ref().map_or(1, |e| e.fragment_count())
    }

    /// Part `index` (0-based), generating parts up to it. Multi-part streams never end.
    pub fn part(&mut self, index: usize) -> &str {
        if let Some(single) = &self.single {
            return single;
        }
        let encoder = self.encoder.as_mut().expect("multi-part has an encoder");
        while self.parts.len() <= index {
            let part = encoder
                .next_part()
                .expect("parts of a valid encoder encode")
                .to_ascii_uppercase();
            self.parts.push(part);
        }
        &self.parts[index]
    }
}

/// What a received part did.
#[derive(Debug)]
pub enum Received {
    /// Collected; `have` of `total` parts so far.
    Progress { have: usize, total: usize },
    /// Already had this part: ignored.
    Duplicate,
    /// The message (or a bundle's messages) is complete.
    Complete(Vec<AnyMessage>),
}

/// Collects the parts of one message, in any order and any case, ignoring duplicates. A part
/// of another message, a corrupted part or an unknown type is refused and the parts already
/// collected are kept.
#[derive(Default)]
pub struct UrCollector {
    decoder: Option<ur::Decoder>,
    ur_type: Option<String>,
    /// The message being collected: its type and checksum.
    current: Option<(String, u32)>,
    /// Messages already completed: their later (fountain) parts are ignored.
    completed: HashSet<(String, u32)>,
    seen: HashSet<String>,
}

/// Reads a CBOR unsigned integer (major type 0) at `at`, returning it and the next position.
fn cbor_uint(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *bytes.get(at)?;
    if first >> 5 != 0 {
        return None;
    }
    let (len, value) = match first & 0x1f {
        v @ 0..=23 => return Some((u64::from(v), at + 1)),
        24 => (1, 0),
        25 => (2, 0),
        26 => (4, 0),
        27 => (8, 0),
        _ => return None,
    };
    let raw = bytes.get(at + 1..at + 1 + len)?;
    let value = raw.iter().fold(value, |acc, b| (acc << 8) | u64::from(*b));
    Some((value, at + 1 + len))
}

/// The (type, checksum) identifying the message a multi-part UR belongs to. A part's body is
/// the CBOR array [sequence, count, message length, checksum, fragment].
fn message_id(ur_type: &str, part: &str) -> Option<(String, u32)> {
    let (_, cbor) = ur::decode(part).ok()?;
    if cbor.first()? & 0xe0 != 0x80 {
        return None;
    }
    let (_, at) = cbor_uint(&cbor, 1)?;
    let (_, at) = cbor_uint(&cbor, at)?;
    let (_, at) = cbor_uint(&cbor, at)?;
    let (checksum, _) = cbor_uint(&cbor, at)?;
    Some((ur_type.to_string(), u32::try_from(checksum).ok()?))
}

fn payload_messages(ur_type: &str, bytes: &[u8]) -> Result<Vec<AnyMessage>, String> {
    if ur_type == BUNDLE_TYPE {
        return unbundle(bytes);
    }
    let kind = MessageKind::from_ur_type(ur_type)
        .ok_or_else(|| format!("UR type {ur_type:?} is not a ceremony message"))?;
    AnyMessage::from_bytes(kind, bytes)
        .map(|m| vec![m])
        .map_err(|e| e.to_string())
}

impl UrCollector {
    /// Whether a piece of text is a UR part.
    pub fn is_part(text: &str) -> bool {
        text.len() > 3 && text[..3].eq_ignore_ascii_case("ur:")
    }

    /// (have, total) while a multi-part message is being collected.
    pub fn progress(&self) -> Option<(usize, usize)> {
        let d = self.decoder.as_ref()?;
        Some((d.resolved_fragment_count().unwrap_or(0), d.fragment_count()))
    }

    pub fn receive(&mut self, part: &str) -> Result<Received, String> {
        let part = part.trim().to_ascii_lowercase();
        let (ur_type, rest) = part
            .strip_prefix("ur:")
            .and_then(|p| p.split_once('/'))
            .ok_or("not a UR part (expected ur:<type>/...)")?;
        let ur_type = ur_type.to_string();
        if ur_type != BUNDLE_TYPE && MessageKind::from_ur_type(&ur_type).is_none() {
            return Err(format!("UR type {ur_type:?} is not a ceremony message"));
        }
        if !rest.contains('/') {
            // A single-part UR: the whole message at once.
            let (_, bytes) = ur::decode(&part).map_err(|e| format!("corrupted UR: {e}"))?;
            return payload_messages(&ur_type, &bytes).map(Received::Complete);
        }
        let id = message_id(&ur_type, &part)
            .ok_or("corrupted UR part (its checksum or framing is wrong)")?;
        if self.completed.contains(&id) || self.seen.contains(&part) {
            return Ok(Received::Duplicate);
        }
        if let Some(expected) = &self.ur_type {
            if expected != &ur_type {
                return Err(format!(
                    "this part is of a {ur_type} message, but a {expected} message is being collected ({} parts kept)",
                    self.progress().map_or(0, |p| p.0)
                ));
            }
        }
        if let Some(current) = &self.current {
            if current != &id {
                return Err(format!(
                    "this part belongs to another {ur_type} message ({} parts of the current one kept)",
                    self.progress().map_or(0, |p| p.0)
                ));
            }
        }
        // Try on a copy: a refused part leaves the collected ones as they were.
        let mut decoder = self.decoder.take().unwrap_or_default();
        let before = decoder.resolved_fragment_count();
        let result = decoder.receive(&part);
        match result {
            Err(e) => {
                let kept = before.unwrap_or(0);
                // `receive` may have left the decoder unchanged; keep it either way.
                self.decoder = Some(decoder);
                Err(match e {
                    ur::ur::Error::Fountain(_) if self.ur_type.is_some() => format!(
                        "this part belongs to another message ({kept} parts of the current one kept)"
                    ),
                    other => format!("corrupted UR part: {other}"),
                })
            }
            Ok(()) => {
                self.seen.insert(part);
                self.ur_type.get_or_insert(ur_type.clone());
                self.current.get_or_insert(id.clone());
                if decoder.complete() {
                    let bytes = decoder
                        .message()
                        .map_err(|e| format!("corrupted UR message: {e}"))?
                        .ok_or("the UR message is incomplete")?;
                    let mut completed = std::mem::take(&mut self.completed);
                    completed.insert(id);
                    *self = Self {
                        completed,
                        ..Self::default()
                    };
                    return payload_messages(&ur_type, &bytes).map(Received::Complete);
                }
                let have = decoder.resolved_fragment_count().unwrap_or(0);
                let total = decoder.fragment_count();
                self.decoder = Some(decoder);
                Ok(Received::Progress { have, total })
            }
        }
    }
}

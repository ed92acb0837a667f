//! Uniform Resources (BCR-2020-005): a payload as `ur:<type>/...` text, one part when it fits,
//! otherwise an endless stream of fountain-coded parts where any large enough subset rebuilds
//! it. Byte-compatible with Blockchain Commons' reference implementations (tests/data/ur holds
//! vectors made with @ngraveio/bc-ur). This module moves typed bytes and knows nothing of what
//! they mean.
//!
//! Bounds. Every part is checked before it reaches a decoder: a message of 1 to
//! [`MAX_MESSAGE_BYTES`] bytes, in 1 to [`MAX_FRAGMENTS`] fragments of one length, sequence
//! numbers 1 to 2^32 - 1. The largest message Hoarfrost makes is a relay's bundle of a key
//! generation's round 2, about 122 n^2 bytes for n participants (1 MiB holds n = 90) or, in a
//! signing, the transaction plan of a CoordinatorRound1 (1 MiB holds some thousands of actions;
//! CometBFT's default limit on a transaction is 1 MiB too). Hoarfrost's encoder refuses larger
//! messages (they go as text) and widens fragments so no message needs more than 4096 (17
//! minutes of frames at 4 a second). So a decoder holds at most 4096 rows of 512 + l bytes, and
//! a part costs at most about 2 * 4096 row operations.

mod bytewords;
mod cbor;
mod collector;
mod decoder;
mod fountain;
mod message;
mod order;
mod part;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use collector::{Received, UrCollector};
pub use message::UrMessage;

/// The UR type of a bundle of several payloads.
pub const BUNDLE_TYPE: &str = "hoarfrost-bundle";

/// The largest message (its CBOR) a UR carries here.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The most fragments a message is cut into.
pub const MAX_FRAGMENTS: usize = 4096;

/// Bytes of a UR type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub ur_type: String,
    pub bytes: Vec<u8>,
}

impl Payload {
    pub fn new(ur_type: &str, bytes: &[u8]) -> Self {
        Self {
            ur_type: ur_type.to_string(),
            bytes: bytes.to_vec(),
        }
    }
}

/// A multi-part stream.
struct Fountain {
    /// "UR:<TYPE>/", uppercase.
    prefix: String,
    encoder: fountain::Encoder,
    order: order::Order,
}

/// The parts of one message, generated as they are needed. Parts are uppercase, for QR codes'
/// alphanumeric mode.
pub struct UrParts {
    /// None for one code (a single-part UR, or plain text), held as the last part.
    fountain: Option<Fountain>,
    /// The part generated last: (index, text); a single code's text.
    last: (usize, String),
}

impl UrParts {
    /// `payload` as a UR of type `ur_type`, in parts of at most `max_fragment` message bytes
    /// (a single part when it fits in one).
    pub fn new(payload: &[u8], ur_type: &str, max_fragment: usize) -> Result<Self, String> {
        Ok(Self::of(
            UrMessage::single(&Payload::new(ur_type, payload))?,
            max_fragment,
        ))
    }

    /// Several payloads as one bundle.
    pub fn bundle(payloads: &[Payload], max_fragment: usize) -> Result<Self, String> {
        Ok(Self::of(UrMessage::bundle(payloads)?, max_fragment))
    }

    /// `message` in parts of at most `max_fragment` bytes, widened if the message would need
    /// more than MAX_FRAGMENTS. The fragments and parts are exactly the reference encoder's.
    pub fn of(message: UrMessage, max_fragment: usize) -> Self {
        let max_fragment = max_fragment
            .max(fountain::MIN_FRAGMENT_LEN)
            .max(message.len().div_ceil(MAX_FRAGMENTS));
        if message.len() <= max_fragment {
            let single = format!(
                "ur:{}/{}",
                message.ur_type(),
                bytewords::encode(message.cbor())
            );
            return Self::text(&single.to_ascii_uppercase());
        }
        let mut encoder = fountain::Encoder::new(message.cbor(), max_fragment);
        let prefix = format!("UR:{}/", message.ur_type().to_ascii_uppercase());
        let first = fountain_part(&prefix, &mut encoder, 1);
        Self {
            fountain: Some(Fountain {
                prefix,
                order: order::Order::new(encoder.fragment_count()),
                encoder,
            }),
            last: (0, first),
        }
    }

    /// Plain text (a signature, a key) as one code, verbatim.
    pub fn text(text: &str) -> Self {
        Self {
            fountain: None,
            last: (0, text.to_string()),
        }
    }

    /// How many parts make the message: 1 for a single part, else the fragment count (parts
    /// beyond it are fountain mixes that stand in for any missed one).
    pub fn fragment_count(&self) -> usize {
        self.fountain
            .as_ref()
            .map_or(1, |f| f.encoder.fragment_count())
    }

    /// The part shown at `index` (0-based): the fragments, then dense mixes, in cycles (see
    /// `order.rs`). Multi-part streams never end.
    pub fn part(&mut self, index: usize) -> &str {
        if let Some(Fountain {
            prefix,
            encoder,
            order,
        }) = &mut self.fountain
        {
            if self.last.0 != index {
                let seq = order.seq(index, encoder);
                self.last = (index, fountain_part(prefix, encoder, seq));
            }
        }
        &self.last.1
    }

    /// The part with sequence number `seq` (from 1), as the reference encoder makes it
    /// (uppercase); a single code's text.
    pub fn seq_part(&mut self, seq: u32) -> String {
        match &mut self.fountain {
            None => self.last.1.clone(),
            Some(f) => fountain_part(&f.prefix, &mut f.encoder, seq),
        }
    }
}

fn fountain_part(prefix: &str, encoder: &mut fountain::Encoder, seq: u32) -> String {
    let part = encoder.part(seq);
    let body = bytewords::encode(&part.to_cbor()).to_ascii_uppercase();
    format!("{prefix}{seq}-{}/{body}", part.count)
}

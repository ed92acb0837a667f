//! Collecting the parts of a message from untrusted text: every part is parsed and checked
//! against the bounds before it reaches the fountain decoder, so no part can make decoding
//! allocate or compute more than a message within the bounds needs.

use std::collections::VecDeque;

use super::decoder::{Decoder, Outcome};
use super::message::{is_ur_type, shorten, UrMessage, MAX_TYPE_LEN};
use super::part::{check_count, check_seq, Part, Shape};
use super::{bytewords, Payload, BUNDLE_TYPE, MAX_MESSAGE_BYTES};

/// The most bytewords letters a part can have: a whole message of the largest size, its CBOR
/// framing and checksum, two letters a byte.
const MAX_BODY_CHARS: usize = 2 * (MAX_MESSAGE_BYTES + 64);

/// How many completed messages are remembered, so their later parts are ignored.
const REMEMBERED: usize = 64;

/// What a received part did.
#[derive(Debug)]
pub enum Received {
    /// Collected: `have` independent parts of the `total` the message needs.
    Progress { have: usize, total: usize },
    /// Nothing new: this part, or one it follows from, was already received (or its message
    /// already completed). Ignored.
    Duplicate,
    /// The message is complete: its payload, or a bundle's payloads.
    Complete(Vec<Payload>),
}

/// The message being collected.
struct Collecting {
    ur_type: String,
    shape: Shape,
    decoder: Decoder,
    /// Parts received for it, redundant ones included.
    parts: usize,
}

/// Collects the parts of one message at a time, in any order and any case. A part of another
/// message, a malformed or out-of-bounds part or a type not taken is refused with a one-line
/// error, and the parts already collected are kept.
pub struct UrCollector {
    accepted: Vec<String>,
    current: Option<Collecting>,
    /// Type and checksum of messages completed lately.
    completed: VecDeque<(String, u32)>,
    /// Parts received and fragment count of the message completed last.
    last_completed: Option<(usize, usize)>,
}

impl UrCollector {
    /// A collector of UR messages whose types are `accepted`, alone or in bundles.
    pub fn new<S: Into<String>>(accepted: impl IntoIterator<Item = S>) -> Self {
        Self {
            accepted: accepted.into_iter().map(Into::into).collect(),
            current: None,
            completed: VecDeque::new(),
            last_completed: None,
        }
    }

    /// Whether a piece of text is a UR part (to be given to `receive`).
    pub fn is_part(text: &str) -> bool {
        text.len() > 3 && text.as_bytes()[..3].eq_ignore_ascii_case(b"ur:")
    }

    fn accepts(&self, ur_type: &str) -> bool {
        self.accepted.iter().any(|t| t == ur_type)
    }

    /// (have, total) while a multi-part message is being collected.
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.current
            .as_ref()
            .map(|c| (c.decoder.rank(), c.shape.count))
    }

    /// (parts received, fragment count) of the message completed last: 1 of 1 for a
    /// single-part UR.
    pub fn completed_parts(&self) -> Option<(usize, usize)> {
        self.last_completed
    }

    /// What the collector holds, for an error: "(3 of 13 parts kept)".
    fn kept(&self) -> String {
        self.progress()
            .map(|(have, total)| format!(" (the {have} of {total} parts collected are kept)"))
            .unwrap_or_default()
    }

    pub fn receive(&mut self, part: &str) -> Result<Received, String> {
        let text = part.trim();
        if !Self::is_part(text) {
            return Err("not a UR part (expected ur:<type>/...)".into());
        }
        let text = text.to_ascii_lowercase();
        let mut components = text[3..].splitn(4, '/');
        let ur_type = components.next().unwrap_or_default();
        let (seq, body) = match (components.next(), components.next(), components.next()) {
            (Some(body), None, _) => (None, body),
            (Some(seq), Some(body), None) => (Some(seq), body),
            _ => {
                return Err(format!(
                    "UR part refused: it has more than 3 path components{}",
                    self.kept()
                ))
            }
        };
        if !is_ur_type(ur_type) {
            return Err(format!(
                "UR part refused: {:?} is not a UR type (1 to {MAX_TYPE_LEN} letters, digits, hyphens){}",
                shorten(ur_type),
                self.kept()
            ));
        }
        if ur_type != BUNDLE_TYPE && !self.accepts(ur_type) {
            return Err(format!(
                "UR type {ur_type:?} is not taken here (it takes {}){}",
                self.accepted.join(", "),
                self.kept()
            ));
        }
        let refused =
            |what: &str, reason: String, kept: String| format!("{what} refused: {reason}{kept}");
        let Some(seq) = seq else {
            // A single-part UR: the whole message at once.
            let what = format!("single-part {ur_type} UR");
            let cbor = check_body(body)
                .and_then(bytewords::decode)
                .map_err(|e| refused(&what, e, self.kept()))?;
            let payloads = UrMessage::payloads(ur_type, &cbor, |t| self.accepts(t))
                .map_err(|e| refused(&what, e, self.kept()))?;
            self.last_completed = Some((1, 1));
            return Ok(Received::Complete(payloads));
        };
        let what = format!("UR part {seq} of {ur_type}");
        let part = parse_part(seq, body).map_err(|e| refused(&what, e, self.kept()))?;
        if self
            .completed
            .contains(&(ur_type.to_string(), part.checksum))
        {
            return Ok(Received::Duplicate);
        }
        match &self.current {
            Some(current) if current.ur_type != ur_type => {
                return Err(refused(
                    &what,
                    format!(
                        "a {} message is being collected, not a {ur_type} one",
                        current.ur_type
                    ),
                    self.kept(),
                ))
            }
            Some(current) if current.shape.checksum != part.checksum => {
                return Err(refused(
                    &what,
                    format!("it belongs to another {ur_type} message (another checksum)"),
                    self.kept(),
                ))
            }
            Some(current) if current.shape != part.shape() => {
                let (a, b) = (current.shape, part.shape());
                return Err(refused(
                    &what,
                    format!(
                        "it cuts {} bytes into {} of {}, its earlier parts {} into {} of {}",
                        b.message_len,
                        b.count,
                        b.fragment_len,
                        a.message_len,
                        a.count,
                        a.fragment_len
                    ),
                    self.kept(),
                ));
            }
            _ => {}
        }
        let kept = self.kept();
        let current = self.current.get_or_insert_with(|| Collecting {
            ur_type: ur_type.to_string(),
            shape: part.shape(),
            decoder: Decoder::new(part.shape()),
            parts: 0,
        });
        let outcome = match current.decoder.receive(part.seq, &part.fragment) {
            Ok(outcome) => outcome,
            // A contradiction leaves the rows as they were.
            Err(e) if current.decoder.rank() < current.shape.count => {
                return Err(refused(&what, e, kept));
            }
            Err(e) => {
                // Full rank and a failed checksum: a corrupted part is among those received.
                self.current = None;
                return Err(format!(
                    "{ur_type} message dropped: {e}; scan it again from the start"
                ));
            }
        };
        current.parts += 1;
        match outcome {
            Outcome::Redundant => Ok(Received::Duplicate),
            Outcome::Added => Ok(Received::Progress {
                have: current.decoder.rank(),
                total: current.shape.count,
            }),
            Outcome::Complete(cbor) => {
                let done = self.current.take().expect("being collected");
                if self.completed.len() == REMEMBERED {
                    self.completed.pop_front();
                }
                self.completed
                    .push_back((done.ur_type, done.shape.checksum));
                self.last_completed = Some((done.parts, done.shape.count));
                UrMessage::payloads(ur_type, &cbor, |t| self.accepts(t))
                    .map(Received::Complete)
                    .map_err(|e| format!("{ur_type} message refused: {e}"))
            }
        }
    }
}

fn check_body(body: &str) -> Result<&str, String> {
    if body.len() > MAX_BODY_CHARS {
        Err(format!(
            "its {} letters are more than a message of at most {MAX_MESSAGE_BYTES} bytes needs",
            body.len()
        ))
    } else {
        Ok(body)
    }
}

/// A decimal number of at most 10 digits (a u32 and then some: the bounds come after).
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The bounds in the `seq-count` component are checked first, so a part claiming billions of
/// parts is refused before its body is even read; then the body must agree with them.
fn parse_part(seq_component: &str, body: &str) -> Result<Part, String> {
    let (seq, count) = seq_component
        .split_once('-')
        .and_then(|(s, c)| Some((number(s)?, number(c)?)))
        .ok_or("its sequence is not <number>-<number>")?;
    check_count(count)?;
    check_seq(seq)?;
    let part = Part::from_cbor(&bytewords::decode(check_body(body)?)?)?;
    if u64::from(part.seq) != seq || part.count as u64 != count {
        return Err(format!(
            "its body says part {}-{}, not {seq_component}",
            part.seq, part.count
        ));
    }
    Ok(part)
}

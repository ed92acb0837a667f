//! Input decoded once, at the edge: pasted, typed or scanned text (pcli JSON messages and UR
//! parts from QR codes, mixed, in any order) becomes messages before any session sees it.
//!
//! A paste is taken whole. Line mode feeds one line at a time: a JSON message that a terminal
//! wrapped over several lines is carried from line to line until it closes.

use crate::messages::{AnyMessage, DecodeError};
use crate::paste::{split, Piece as Split};
use crate::transport::ur::{Received, UrCollector};

/// The most text one unfinished message may hold in line mode: far above the largest message
/// this program makes, so only garbage reaches it.
pub const MAX_PENDING: usize = 4 << 20;

/// One piece of input and what became of it at the edge.
#[derive(Debug)]
pub enum Piece {
    /// Decoded messages (several when a QR bundle completes) and the text they came from.
    Messages {
        text: String,
        messages: Vec<AnyMessage>,
        bundle: bool,
    },
    /// A QR part was collected; the message is not complete yet.
    Part { text: String, note: String },
    /// Not a message, or a message that does not decode.
    Refused { text: String, reason: String },
}

/// Turns text into pieces, keeping the QR parts of a message being collected and, in line mode,
/// an unfinished JSON message.
pub struct Intake {
    ur: UrCollector,
    pending: String,
}

impl Default for Intake {
    fn default() -> Self {
        Self {
            ur: crate::transport::ur_collector(),
            pending: String::new(),
        }
    }
}

/// Why text without any message structure is refused. Never quoted: it may be a passphrase
/// typed into the wrong place.
pub(crate) fn not_a_message(text: &str) -> String {
    format!(
        "not a ceremony message ({} characters, not shown): nothing was taken",
        text.chars().count()
    )
}

fn decode_json(text: String) -> Piece {
    match AnyMessage::from_json(&text) {
        Ok(message) => Piece::Messages {
            text,
            messages: vec![message],
            bundle: false,
        },
        Err(DecodeError::NotJson(_) | DecodeError::UnknownKind) => Piece::Refused {
            reason: not_a_message(&text),
            text,
        },
        Err(e) => Piece::Refused {
            reason: e.to_string(),
            text,
        },
    }
}

/// Whether every whitespace-separated token of `line` is a UR part.
fn all_parts(line: &str) -> bool {
    let mut tokens = line.split_whitespace().peekable();
    tokens.peek().is_some() && tokens.all(UrCollector::is_part)
}

impl Intake {
    /// Takes a whole paste: JSON messages (possibly wrapped over lines) and UR parts. An
    /// unfinished message is refused (its text is given back, so nothing is lost).
    pub fn paste(&mut self, text: &str) -> Vec<Piece> {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut pieces = Vec::new();
        let mut json = String::new();
        for line in text.lines() {
            if all_parts(line) {
                pieces.extend(self.json_pieces(&std::mem::take(&mut json)));
                for part in line.split_whitespace() {
                    pieces.push(self.part(part));
                }
            } else {
                json.push_str(line);
                json.push('\n');
            }
        }
        pieces.extend(self.json_pieces(&json));
        pieces
    }

    /// Takes one line of line mode. A line that opens a JSON message without closing it is kept
    /// until a later line closes it; a line that is a whole message by itself ends a pending
    /// one, which is refused.
    pub fn line(&mut self, line: &str) -> Vec<Piece> {
        let line = line.trim_end_matches(['\r', '\n']);
        let mut pieces = Vec::new();
        if self.pending.is_empty() {
            if all_parts(line) || !line.trim_start().starts_with('{') {
                return self.paste(line);
            }
        } else if line.trim_start().starts_with('{') && self.whole_messages(line) {
            pieces.push(self.unfinished());
            pieces.extend(self.paste(line));
            return pieces;
        }
        self.pending.push_str(line);
        self.pending.push('\n');
        if self.pending.len() > MAX_PENDING {
            pieces.push(self.unfinished());
            return pieces;
        }
        if crate::paste::is_open(&self.pending) {
            // Still open: wait for the lines that close it.
            return pieces;
        }
        let text = std::mem::take(&mut self.pending);
        pieces.extend(self.json_pieces(&text));
        pieces
    }

    /// The end of line-mode input: a message still open is refused.
    pub fn end(&mut self) -> Vec<Piece> {
        if self.pending.is_empty() {
            vec![]
        } else {
            vec![self.unfinished()]
        }
    }

    /// (have, total) QR parts of a message being collected.
    pub fn ur_progress(&self) -> Option<(usize, usize)> {
        self.ur.progress()
    }

    fn unfinished(&mut self) -> Piece {
        let text = std::mem::take(&mut self.pending);
        Piece::Refused {
            reason: format!(
                "an unfinished message ({} characters) was dropped: paste it again whole",
                text.chars().count()
            ),
            text,
        }
    }

    /// Whether `line` alone is one or more complete messages that decode.
    fn whole_messages(&self, line: &str) -> bool {
        let pieces = split(line);
        !pieces.is_empty()
            && pieces.iter().all(|p| match p {
                Split::Message(m) => AnyMessage::from_json(m).is_ok(),
                Split::Garbage(_) => false,
            })
    }

    fn json_pieces(&mut self, text: &str) -> Vec<Piece> {
        split(text)
            .into_iter()
            .map(|p| self.split_piece(p))
            .collect()
    }

    fn split_piece(&mut self, piece: Split) -> Piece {
        match piece {
            Split::Message(m) => decode_json(m),
            Split::Garbage(g) if g.starts_with('{') => Piece::Refused {
                reason: format!(
                    "an unfinished message ({} characters): paste it whole (scroll all of it into view on the sender's screen, or use its c copy or s save)",
                    g.chars().count()
                ),
                text: g,
            },
            Split::Garbage(g) => Piece::Refused {
                reason: not_a_message(&g),
                text: g,
            },
        }
    }

    fn part(&mut self, part: &str) -> Piece {
        let text = part.to_string();
        match self.ur.receive(part) {
            Err(reason) => Piece::Refused { text, reason },
            Ok(Received::Duplicate) => Piece::Part {
                text,
                note: "a QR part already received".into(),
            },
            Ok(Received::Progress { have, total }) => Piece::Part {
                text,
                note: format!("{have} of {total} parts"),
            },
            Ok(Received::Complete(payloads)) => {
                let decoded: Result<Vec<_>, _> = payloads
                    .iter()
                    .map(|p| AnyMessage::from_ur(&p.ur_type, &p.bytes))
                    .collect();
                match decoded {
                    Ok(messages) => Piece::Messages {
                        text,
                        bundle: messages.len() > 1,
                        messages,
                    },
                    Err(e) => Piece::Refused {
                        text,
                        reason: e.to_string(),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_never_quoted() {
        let pieces = Intake::default().paste("correct horse battery staple");
        let [Piece::Refused { reason, text }] = pieces.as_slice() else {
            panic!("{pieces:?}")
        };
        assert!(!reason.contains("horse"), "{reason}");
        assert_eq!(text, "correct horse battery staple");
    }

    #[test]
    fn an_unfinished_line_waits_and_a_whole_message_ends_it() {
        let mut intake = Intake::default();
        assert!(intake.line("{\"truncated\":").is_empty());
        assert!(intake.line("\"still going").is_empty());
        let end = intake.end();
        assert!(matches!(end.as_slice(), [Piece::Refused { .. }]));
        assert!(intake.end().is_empty());
    }

    #[test]
    fn plain_text_lines_are_refused_at_once() {
        let mut intake = Intake::default();
        assert!(matches!(
            intake.line("hello").as_slice(),
            [Piece::Refused { .. }]
        ));
        assert!(intake.end().is_empty());
    }
}

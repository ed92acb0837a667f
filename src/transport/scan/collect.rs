//! Ceremony messages out of the texts a scanner (or `hoarfrost decode`) reads: UR parts of
//! several messages mixed, in any order, and pcli JSON lines. One collector per UR type, so
//! frames of different messages may alternate. What `hoarfrost scan`, `decode`, line mode's
//! `--camera` and the TUI's scan view all read messages with.

use std::collections::BTreeMap;

use crate::messages::{AnyMessage, MessageKind};
use crate::transport::ur::{Received, UrCollector, UrParts, BUNDLE_TYPE};
use crate::transport::ur_collector;

/// What one text gave.
#[derive(Debug)]
pub enum Collected {
    /// A new part of a multi-part message: `have` of the `total` it needs.
    Progress {
        /// What is being collected: a message kind's name, or "bundle".
        what: String,
        have: usize,
        total: usize,
    },
    /// Whole messages: one, or a bundle's. `parts` says how many parts it took of how many
    /// fragments, for a UR (None for a JSON line).
    Complete {
        what: String,
        messages: Vec<AnyMessage>,
        parts: Option<(usize, usize)>,
    },
    /// A part or a line refused, in one line.
    Refused(String),
}

impl Collected {
    /// What it says to a person, in one line ("DKGRound1: 7 of 13 parts"); with `every_part`
    /// false, a part's progress says nothing (reading files, where only the totals matter).
    pub fn report(&self, every_part: bool) -> Option<String> {
        match self {
            Collected::Progress { what, have, total } if every_part => {
                Some(format!("{what}: {have} of {total} parts"))
            }
            Collected::Progress { .. } => None,
            Collected::Complete {
                what,
                parts: Some((parts, fragments)),
                ..
            } => Some(format!("{what}: collected {parts} parts of {fragments}")),
            Collected::Complete { parts: None, .. } => None,
            Collected::Refused(e) => Some(format!("error: {e}")),
        }
    }
}

/// The text a person would paste for complete messages: one message's pcli JSON, several (a
/// bundle) as a one-part UR of the bundle. A scanned message goes to a session as this text,
/// so it takes the paste's path and rules (a bundle's own message is no wrong paste).
pub fn as_paste(messages: &[AnyMessage]) -> String {
    if let [one] = messages {
        return one.to_json();
    }
    let payloads: Vec<_> = messages.iter().map(AnyMessage::to_payload).collect();
    match UrParts::bundle(&payloads, usize::MAX) {
        Ok(mut parts) => parts.part(0).to_string(),
        // Unreachable for messages that were just decoded; JSON lines say the same.
        Err(_) => messages
            .iter()
            .map(AnyMessage::to_json)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// What a UR type carries, for people: a message kind's name, or "bundle".
pub fn ur_type_name(ur_type: &str) -> String {
    if ur_type.eq_ignore_ascii_case(BUNDLE_TYPE) {
        return "bundle".into();
    }
    MessageKind::ALL
        .iter()
        .find(|k| k.ur_type().eq_ignore_ascii_case(ur_type))
        .map_or_else(|| ur_type.to_string(), |k| k.name().to_string())
}

/// Collects messages from texts, in any order.
#[derive(Default)]
pub struct MessageCollector {
    collectors: BTreeMap<String, UrCollector>,
}

impl MessageCollector {
    /// Takes a text (a code's content: a UR part, or lines of parts and JSON).
    pub fn feed(&mut self, text: &str) -> Vec<Collected> {
        let mut out = Vec::new();
        for line in text.lines() {
            for token in line.split_whitespace() {
                if UrCollector::is_part(token) {
                    out.extend(self.part(token));
                }
            }
            if line.trim_start().starts_with('{') {
                out.push(match AnyMessage::from_json(line) {
                    Ok(m) => Collected::Complete {
                        what: m.kind().name().to_string(),
                        messages: vec![m],
                        parts: None,
                    },
                    Err(e) => Collected::Refused(e.to_string()),
                });
            }
        }
        out
    }

    fn part(&mut self, token: &str) -> Vec<Collected> {
        let ur_type = token
            .get(3..)
            .and_then(|t| t.split('/').next())
            .unwrap_or("")
            .to_ascii_lowercase();
        let what = ur_type_name(&ur_type);
        let collector = self.collectors.entry(ur_type).or_insert_with(ur_collector);
        match collector.receive(token) {
            Ok(Received::Complete(payloads)) => {
                let mut out = Vec::new();
                let mut messages = Vec::new();
                for payload in &payloads {
                    match AnyMessage::from_ur(&payload.ur_type, &payload.bytes) {
                        Ok(m) => messages.push(m),
                        Err(e) => out.push(Collected::Refused(e.to_string())),
                    }
                }
                if !messages.is_empty() {
                    out.push(Collected::Complete {
                        what,
                        messages,
                        parts: collector.completed_parts(),
                    });
                }
                out
            }
            Ok(Received::Progress { have, total }) => {
                vec![Collected::Progress { what, have, total }]
            }
            Ok(Received::Duplicate) => vec![],
            Err(e) => vec![Collected::Refused(e)],
        }
    }

    /// (have, total) of a message still incomplete, if any.
    pub fn incomplete(&self) -> Option<(usize, usize)> {
        self.collectors.values().find_map(UrCollector::progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::ur::UrParts;

    #[test]
    fn parts_of_two_messages_mixed_and_a_json_line_each_complete() {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let shares = crate::keys::deal(&mut rng, 2, 3).unwrap();
        let sessions = [
            crate::session::Session::dkg(2, 3, "k", &mut rng).unwrap(),
            crate::session::Session::newcomer("k", shares[0].group().clone(), &mut rng).unwrap(),
        ];
        let messages: Vec<AnyMessage> = sessions
            .iter()
            .map(|s| s.view().outgoing().unwrap().message.clone())
            .collect();
        let mut parts: Vec<UrParts> = messages
            .iter()
            .map(|m| UrParts::new(&m.to_bytes(), m.kind().ur_type(), 40).unwrap())
            .collect();
        let mut collector = MessageCollector::default();
        let mut complete = Vec::new();
        let mut progress = 0;
        for i in 0..3 * parts[0].fragment_count().max(parts[1].fragment_count()) {
            for p in &mut parts {
                let text = p.part(i).to_string();
                for c in collector.feed(&text) {
                    match c {
                        Collected::Progress { have, total, .. } => {
                            assert!(have < total);
                            progress += 1
                        }
                        Collected::Complete {
                            messages, parts, ..
                        } => {
                            assert!(parts.is_some());
                            complete.extend(messages)
                        }
                        Collected::Refused(e) => panic!("{e}"),
                    }
                }
            }
        }
        assert!(progress > 0);
        assert_eq!(complete.len(), 2, "each once: later parts are duplicates");
        assert!(collector.incomplete().is_none());
        let json = collector.feed(&messages[0].to_json());
        assert!(matches!(
            &json[..],
            [Collected::Complete { parts: None, .. }]
        ));
        let refused = collector.feed("{\"not\":\"a message\"}\nUR:PCLI-X/1-2/ZZ");
        assert_eq!(refused.len(), 2);
        assert!(refused.iter().all(|c| matches!(c, Collected::Refused(_))));
        assert_eq!(ur_type_name(MessageKind::DkgRound1.ur_type()), "DKGRound1");
        assert_eq!(ur_type_name(BUNDLE_TYPE), "bundle");
        // What a scanned message is pasted as: a session's intake reads it back, a bundle as one.
        for (given, bundle) in [(&messages[..1], false), (&messages[..], true)] {
            let pieces = crate::intake::Intake::default().paste(&as_paste(given));
            let [crate::intake::Piece::Messages {
                messages: read,
                bundle: read_as_bundle,
                ..
            }] = pieces.as_slice()
            else {
                panic!("{pieces:?}");
            };
            let bytes = |m: &[AnyMessage]| m.iter().map(AnyMessage::to_bytes).collect::<Vec<_>>();
            assert_eq!(bytes(read), bytes(given));
            assert_eq!(*read_as_bundle, bundle);
        }
        assert_eq!(
            Collected::Progress {
                what: "DKGRound1".into(),
                have: 7,
                total: 13
            }
            .report(true)
            .as_deref(),
            Some("DKGRound1: 7 of 13 parts")
        );
    }
}

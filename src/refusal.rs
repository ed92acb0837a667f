//! The one refusal type: why an engine (key generation or signing), a session or the journal
//! refused an input or a step. Every variant that has a culprit names it (frost-core's
//! `Error::culprit` does the same for its own errors), so a front end can say who sent what.

use crate::messages::{DecodeError, MessageKind};
use crate::request::RequestKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("{kind} from participant {participant}: that is this participant's own message")]
    OwnMessage {
        kind: MessageKind,
        participant: String,
    },
    #[error("{kind} from participant {participant}: already received from this participant")]
    Duplicate {
        kind: MessageKind,
        participant: String,
    },
    /// A sender the ceremony does not know: not in the signing key's group, or absent from a
    /// key generation's round 1.
    #[error("{kind} from participant {participant}: {why}")]
    UnknownParticipant {
        kind: MessageKind,
        participant: String,
        why: &'static str,
    },
    #[error(
        "{kind} from participant {participant}: this participant was not chosen to sign in round 2"
    )]
    NotASigner {
        kind: MessageKind,
        participant: String,
    },
    #[error("{kind} from participant {participant}: carries {got} {what}, but the {request} needs {expected}")]
    WrongCount {
        kind: MessageKind,
        participant: String,
        what: &'static str,
        got: usize,
        expected: usize,
        request: RequestKind,
    },
    #[error("{kind} from participant {participant}: all {expected} other participants have already been heard from")]
    TooMany {
        kind: MessageKind,
        participant: String,
        expected: usize,
    },
    /// A message whose content is wrong: an invalid proof, share or commitment.
    #[error("{kind} from participant {participant}: {problem}")]
    Invalid {
        kind: MessageKind,
        participant: String,
        problem: String,
    },
    #[error("{kind} from participant {participant}: signature share {index} is invalid")]
    InvalidShare {
        kind: MessageKind,
        participant: String,
        index: usize,
    },
    /// A coordinator's package that this participant must not sign.
    #[error("{kind}: {problem}")]
    BadPackage { kind: MessageKind, problem: String },
    #[error("aggregation failed: invalid signature share from participant(s) {}", participants.join(", "))]
    Cheaters { participants: Vec<String> },
    #[error("{kind} is not expected now: {now}")]
    OutOfOrder {
        kind: MessageKind,
        now: &'static str,
    },
    /// A message of a kind this role never takes.
    #[error("this is {got} ({}); expected {expected}", got.description())]
    Unexpected {
        got: MessageKind,
        expected: &'static str,
    },
    #[error("waiting for {missing} more {kind} message(s)")]
    Incomplete { kind: MessageKind, missing: usize },
    #[error("not enough signers yet: {have} of the {need} needed")]
    NotEnoughSigners { have: usize, need: usize },
    #[error("a {threshold}-of-{participants} key generation is impossible (need 2 <= t <= n)")]
    Parameters { threshold: u16, participants: u16 },
    #[error("the request does not match this key: {0}")]
    WrongKey(String),
    #[error("cannot sign this request: {0}")]
    BadRequest(String),
    /// The journal refuses: something conflicting was signed before.
    #[error("refusing to sign: {0}")]
    Journal(String),
    /// The journal could not be read or written: nothing leaves.
    #[error("the journal failed: {0}")]
    JournalFailed(String),
    #[error("{0}")]
    Failed(String),
}

impl Refusal {
    /// The participant (by fingerprint) whose message caused the refusal, when there is one.
    pub fn culprit(&self) -> Option<&str> {
        match self {
            Refusal::Decode(DecodeError::BadSignature { participant, .. })
            | Refusal::OwnMessage { participant, .. }
            | Refusal::Duplicate { participant, .. }
            | Refusal::UnknownParticipant { participant, .. }
            | Refusal::NotASigner { participant, .. }
            | Refusal::WrongCount { participant, .. }
            | Refusal::TooMany { participant, .. }
            | Refusal::Invalid { participant, .. }
            | Refusal::InvalidShare { participant, .. } => Some(participant),
            Refusal::Cheaters { participants } => participants.first().map(String::as_str),
            _ => None,
        }
    }
}

impl From<crate::suite::FrostError> for Refusal {
    fn from(e: crate::suite::FrostError) -> Self {
        Refusal::Failed(format!("FROST error: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn culprits_are_named() {
        let r = Refusal::Invalid {
            kind: MessageKind::DkgRound2,
            participant: "1c7f687e".into(),
            problem: "bad share".into(),
        };
        assert_eq!(r.culprit(), Some("1c7f687e"));
        assert_eq!(
            r.to_string(),
            "DKGRound2 from participant 1c7f687e: bad share"
        );
        assert_eq!(Refusal::BadRequest("x".into()).culprit(), None);
        let cheaters = Refusal::Cheaters {
            participants: vec!["aa".into(), "bb".into()],
        };
        assert_eq!(cheaters.culprit(), Some("aa"));
    }
}

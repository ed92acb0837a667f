//! The one refusal type: why an engine (key generation, signing, refresh or repair), a session
//! or the journal refused an input or a step. Every variant that has a culprit names it
//! (frost-core's `Error::culprit` does the same for its own errors), so a front end can say who
//! sent what; [`Refusal::skippable`] says which refusals a front end passes over quietly.

use crate::messages::{DecodeError, MessageKind};
use crate::request::RequestKind;

/// The `participant` of whichever of the listed variants `value` is.
macro_rules! participant_of {
    { $value:expr; $($variant:ident)* } => {
        match $value {
            $(Refusal::$variant { participant, .. })|* => Some(participant.as_str()),
            _ => None,
        }
    };
}

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
    /// The same message again, as a bundle or a relay that carries everything to everyone
    /// gives it: harmless.
    #[error("{kind} from participant {participant}: already received (the same message again)")]
    AlreadyReceived {
        kind: MessageKind,
        participant: String,
    },
    /// A second, different message from one sender in one round.
    #[error("{kind} from participant {participant}: a different {kind} than the one already received from this participant: it sent two")]
    Conflicting {
        kind: MessageKind,
        participant: String,
    },
    /// A message every participant sees on a shared relay, addressed to others.
    #[error("{kind} from participant {participant}: not addressed to this participant")]
    NotForThisParticipant {
        kind: MessageKind,
        participant: String,
    },
    /// A message of another ceremony of the same kind (an earlier attempt, another key).
    #[error("{kind} from participant {participant}: belongs to another {} (session {theirs}), not this one (session {ours})", kind.ceremony())]
    OtherSession {
        kind: MessageKind,
        participant: String,
        theirs: String,
        ours: String,
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
    /// A participant used its key file from before a refresh.
    #[error("{kind} from participant {participant}: participant {participant} holds a share from before the refresh of {date}; it must use its refreshed key file")]
    StaleShare {
        kind: MessageKind,
        participant: String,
        date: String,
    },
    /// Another participant's message shows that this participant's own share is from before a
    /// refresh.
    #[error("this participant holds a share from before the refresh of {date} (participant {participant} has generation {theirs}, this share is generation {ours}): use the newest key file")]
    OwnShareStale {
        participant: String,
        date: String,
        theirs: u32,
        ours: u32,
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
    /// What a refresh or repair is set up with cannot be: its members, helpers or date.
    #[error("{0}")]
    Setup(String),
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
    /// [`Refusal::Invalid`]: what `participant`'s message of `kind` says is wrong, as `problem`.
    pub(crate) fn invalid(
        kind: MessageKind,
        participant: &str,
        problem: impl Into<String>,
    ) -> Self {
        Refusal::Invalid {
            kind,
            participant: participant.to_string(),
            problem: problem.into(),
        }
    }

    /// Whether a front end may pass over this refusal quietly: a message that every participant
    /// sees in a bundle or on a relay but that changes nothing here (this participant's own, one
    /// received before, one for someone else).
    pub fn skippable(&self) -> bool {
        matches!(
            self,
            Refusal::OwnMessage { .. }
                | Refusal::AlreadyReceived { .. }
                | Refusal::NotForThisParticipant { .. }
        )
    }

    /// The participant (by fingerprint) whose message caused the refusal, when there is one.
    pub fn culprit(&self) -> Option<&str> {
        match self {
            Refusal::Decode(DecodeError::BadSignature { participant, .. }) => Some(participant),
            Refusal::Cheaters { participants } => participants.first().map(String::as_str),
            other => participant_of! { other;
                OwnMessage Duplicate AlreadyReceived Conflicting NotForThisParticipant OtherSession
                UnknownParticipant NotASigner WrongCount TooMany Invalid InvalidShare StaleShare
            },
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
        let bad_signature = Refusal::Decode(DecodeError::BadSignature {
            kind: MessageKind::RefreshRound2,
            participant: "cc".into(),
        });
        assert_eq!(bad_signature.culprit(), Some("cc"));
    }

    #[test]
    fn another_session_is_named_and_not_skipped() {
        let other = Refusal::OtherSession {
            kind: MessageKind::RefreshRound1,
            participant: "1c7f687e".into(),
            theirs: "aa".into(),
            ours: "bb".into(),
        };
        assert!(!other.skippable());
        assert_eq!(other.culprit(), Some("1c7f687e"));
        assert_eq!(
            other.to_string(),
            "RefreshRound1 from participant 1c7f687e: belongs to another refresh (session aa), not this one (session bb)"
        );
        assert_eq!(Refusal::Setup("too few members".into()).culprit(), None);
    }
}

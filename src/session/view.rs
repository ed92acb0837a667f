//! What a front end shows of a session: the [`SessionView`] every role fills in, and the pieces
//! the two signing roles fill in alike.

use super::{Outgoing, Stage};
use crate::keys::{GroupKey, Participant};
use crate::messages::AnyMessage;

/// A participant's mark in the stepper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    You,
    Answered,
    Waiting,
    /// A member a refresh removes: it takes no part.
    Removed,
}

/// Everything a front end displays, copied out so it can be shown while the session computes.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub title: String,
    pub round: u8,
    pub rounds: u8,
    pub progress: String,
    pub participants: Vec<(String, Mark)>,
    /// Every message this participant produced, oldest first: the last is the one to send
    /// now, and the others stay available until the ceremony is over for everyone.
    pub sent: Vec<Outgoing>,
    /// The request in words (a follower's review; a coordinator's summary; a refresh's or a
    /// repair's members and key).
    pub review: Vec<String>,
    /// What [`Stage::Review`] asks about [`SessionView::review`].
    pub question: Question,
    /// A key generation's round-1 fingerprint, once round 1 is complete.
    pub fingerprint: Option<String>,
    pub stage: Stage,
    /// The messages of the current round this participant holds (its own and those
    /// accepted), for relaying as one bundle.
    pub relay: Vec<AnyMessage>,
    /// A short id of this ceremony for saved file names: the same for every participant of
    /// a signing ceremony (from the request), this participant's own for a key generation.
    pub ceremony_id: String,
}

/// What a review asks: the heading above the review's lines, the question, and what each
/// answer does (in words, beside its key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Question {
    pub heading: &'static str,
    pub ask: &'static str,
    pub approve: &'static str,
    pub decline: &'static str,
}

impl Question {
    /// A follower's: sign the request or not.
    pub const SIGN: Question = Question {
        heading: "You are asked to sign",
        ask: "Sign this?",
        approve: "approve and sign",
        decline: "decline: nothing is signed",
    };

    /// A member's: take part in a refresh or repair (its messages go out) or not.
    pub const fn take_part(heading: &'static str, ask: &'static str) -> Question {
        Question {
            heading,
            ask,
            approve: "approve: take part",
            decline: "decline: nothing is sent",
        }
    }
}

impl SessionView {
    /// The message to send now.
    pub fn outgoing(&self) -> Option<&Outgoing> {
        self.sent.last()
    }

    /// A signing ceremony's view, as its coordinator and its followers show it: two rounds,
    /// the signing question, no fingerprint to confirm and nothing to relay (every message goes
    /// to or comes from the coordinator).
    pub(super) fn signing(
        title: String,
        (round, progress): (u8, String),
        participants: Vec<(String, Mark)>,
        sent: &[Outgoing],
        review: &[String],
        stage: &Stage,
        ceremony_id: String,
    ) -> Self {
        Self {
            title,
            round,
            rounds: 2,
            progress,
            participants,
            sent: sent.to_vec(),
            review: review.to_vec(),
            question: Question::SIGN,
            fingerprint: None,
            stage: stage.clone(),
            relay: vec![],
            ceremony_id,
        }
    }
}

/// The members of a signing key in the stepper: this participant (the one `is_you` picks: none
/// for a coordinator without a share of its own), those in `answered`, and the others, still
/// waited for.
pub(super) fn signing_marks(
    group: &GroupKey,
    is_you: impl Fn(&Participant) -> bool,
    answered: &[String],
) -> Vec<(String, Mark)> {
    group
        .participants()
        .map(|p| {
            let fp = p.fingerprint();
            let mark = if is_you(p) {
                Mark::You
            } else if answered.contains(&fp) {
                Mark::Answered
            } else {
                Mark::Waiting
            };
            (fp, mark)
        })
        .collect()
}

/// A short id of what is signed, the same for every participant: the first 8 hex digits of
/// the journal's digest of the signed bytes.
pub(super) fn ceremony_id(signed_bytes: &[u8]) -> String {
    crate::journal::digest(signed_bytes)[..8].to_string()
}

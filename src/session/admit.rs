//! A member who did not help in a repair: it takes the helpers' round-1 and round-3 messages
//! (in any order, from the relay that carried the repair), the person confirms the newcomer's
//! fingerprint with the newcomer itself, and the outcome is this member's same share under the
//! group that now includes the newcomer, to replace its key as a helper's does. Without it, this
//! member would refuse the newcomer as a stranger in the refresh that removes the lost member.
//! Nothing is sent.

use rand_chacha::ChaCha20Rng;

use super::exchange::quietly;
use super::joined::{listed, Participant};
use super::{Feedback, Mark, Outcome, Outgoing, Question, SessionView, Stage};
use crate::keys::{participant_fingerprint, KeyShare};
use crate::messages::AnyMessage;
use crate::refusal::Refusal;
use crate::repair::Admission;

const ADMIT: Question = Question {
    heading: "A repair enrolled a newcomer in this key",
    ask: "Is this the newcomer's fingerprint, compared with the newcomer itself?",
    approve: "approve: include the newcomer",
    decline: "decline: the key stays",
};

pub(super) struct Admitting {
    label: String,
    share: KeyShare,
    admission: Admission,
    review: Vec<String>,
    stage: Stage,
}

/// A member of `share`'s key (stored as `label`) that learns a repair's newcomer.
pub(super) fn start(label: &str, share: KeyShare) -> Box<dyn Participant> {
    Box::new(Admitting {
        label: label.to_string(),
        admission: Admission::new(share.group().clone()),
        share,
        review: vec![],
        stage: Stage::Collecting,
    })
}

impl Admitting {
    fn take_one(&mut self, message: AnyMessage) -> Result<Vec<Feedback>, Refusal> {
        let mut out = vec![Feedback::ok(self.admission.take(message)?)];
        if let Ok(group) = self.admission.admitted() {
            let session = self
                .admission
                .session()
                .expect("admitted: a session is known");
            let helpers: Vec<String> = session
                .helpers
                .iter()
                .map(participant_fingerprint)
                .collect();
            self.review = vec![
                format!(
                    "Newcomer: participant {}",
                    self.admission.newcomer().unwrap_or_default()
                ),
                format!("Helpers: {}", listed(&helpers)),
                format!(
                    "Key {} becomes {}-of-{} with the same identity key {}.",
                    self.label,
                    group.threshold(),
                    group.participant_count(),
                    group.identity_key()
                ),
                "Ask the newcomer for its fingerprint by a channel you trust (by phone, in person) and compare.".into(),
            ];
            self.stage = Stage::Review;
            out.push(Feedback::ok(
                "every helper's messages are in: review the newcomer",
            ));
        }
        Ok(out)
    }
}

impl Participant for Admitting {
    fn stage(&self) -> &Stage {
        &self.stage
    }

    fn sent(&self) -> &[Outgoing] {
        &[]
    }

    fn take(&mut self, message: AnyMessage, _: &mut ChaCha20Rng) -> Result<Vec<Feedback>, Refusal> {
        if !matches!(self.stage, Stage::Collecting) {
            // The rest of a relay's lines, pasted while the person is asked.
            return Ok(vec![Feedback::ok(format!(
                "skipped: {}: every helper's messages are in already",
                message.kind()
            ))]);
        }
        quietly(self.take_one(message))
    }

    fn approve(&mut self, _: &mut ChaCha20Rng) -> Vec<Feedback> {
        if !matches!(self.stage, Stage::Review) {
            return vec![];
        }
        let admitted = self.admission.admitted().and_then(|group| {
            self.share
                .with_group(group)
                .map_err(|e| Refusal::Failed(e.to_string()))
        });
        match admitted {
            Ok(share) => {
                self.stage = Stage::Done(Outcome::Helped {
                    key: self.label.clone(),
                    share: Box::new(share),
                    newcomer: self.admission.newcomer().unwrap_or_default(),
                });
                vec![Feedback::ok(
                    "the newcomer is admitted to this member's key",
                )]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    fn decline(&mut self) {
        if matches!(self.stage, Stage::Review | Stage::Collecting) {
            self.stage = Stage::Declined;
        }
    }

    fn compute(&mut self) -> Vec<Feedback> {
        vec![]
    }

    fn view(&self) -> SessionView {
        let you = self.share.fingerprint();
        let mut participants = vec![(you.clone(), Mark::You)];
        let progress = match (&self.stage, self.admission.progress()) {
            (Stage::Collecting, None) => "waiting for a helper's RepairRound1".to_string(),
            (Stage::Collecting, Some((r1, r3, helpers))) => format!(
                "{r1} of {helpers} RepairRound1 and {r3} of {helpers} RepairRound3 received"
            ),
            (Stage::Declined, _) => "declined: the key stays as it is".into(),
            _ => "all messages received".into(),
        };
        let heard = if matches!(self.stage, Stage::Collecting) {
            Mark::Waiting
        } else {
            Mark::Answered
        };
        if let Some(session) = self.admission.session() {
            participants.extend(
                session
                    .helpers
                    .iter()
                    .map(|vk| (participant_fingerprint(vk), heard)),
            );
        }
        SessionView {
            title: format!("Admitting a repair's newcomer to key {}", self.label),
            round: 1,
            rounds: 1,
            progress,
            participants,
            sent: vec![],
            review: self.review.clone(),
            question: ADMIT,
            fingerprint: None,
            stage: self.stage.clone(),
            relay: vec![],
            ceremony_id: self.admission.session().map_or(you, |s| s.id.to_string()),
        }
    }
}

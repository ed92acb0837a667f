//! A newcomer's session: its request goes out (with a new participant key), the helpers'
//! three rounds come in (in any order: what comes early is kept), and the outcome is its new
//! share, to store under a name of its own.

use rand_core::CryptoRngCore;

use super::exchange::{marks, quietly, Exchange};
use super::{Feedback, Outcome, Question, SessionView, Stage};
use crate::keys::{participant_fingerprint, GroupKey};
use crate::messages::AnyMessage;
use crate::refusal::Refusal;
use crate::repair::Newcomer;

pub(super) struct NewcomerSession {
    name: String,
    group: GroupKey,
    newcomer: Box<Newcomer>,
    exchange: Exchange,
    pub(super) stage: Stage,
}

impl NewcomerSession {
    /// A newcomer to the key `group` describes (its public description), to be stored as `name`.
    pub(super) fn new(
        name: &str,
        group: GroupKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let (newcomer, request) = Newcomer::new(group.clone(), rng)?;
        let mut exchange = Exchange::default();
        exchange.send(
            request,
            "the helpers: the members who help (one relay may carry it to all)",
        );
        Ok(Self {
            name: name.to_string(),
            group,
            newcomer: Box::new(newcomer),
            exchange,
            stage: Stage::Collecting,
        })
    }

    pub(super) fn sent(&self) -> &[super::Outgoing] {
        &self.exchange.sent
    }

    pub(super) fn take(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        if !matches!(self.stage, Stage::Collecting) {
            return quietly(Err(Refusal::OutOfOrder {
                kind: message.kind(),
                now: "the repair is over for this newcomer",
            }));
        }
        let round = self.newcomer.round();
        let mut out = self.exchange.offer(self.newcomer.as_mut(), message, rng)?;
        // A round completed: what was kept for the next one is offered again.
        while self.newcomer.round() > round && self.newcomer.round() <= 3 {
            let before = self.newcomer.round();
            out.extend(self.exchange.retry(self.newcomer.as_mut(), rng));
            if self.newcomer.round() == before {
                break;
            }
        }
        let (have, need) = self.newcomer.progress();
        if self.newcomer.round() == 3 && have == need {
            self.stage = Stage::Compute;
        }
        Ok(out)
    }

    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        if !matches!(self.stage, Stage::Compute) {
            return vec![];
        }
        match self.newcomer.finish() {
            Ok(share) => {
                self.stage = Stage::Done(Outcome::Enrolled {
                    name: self.name.clone(),
                    share: Box::new(share),
                });
                vec![Feedback::ok(
                    "repair finished: this newcomer holds a share of the key",
                )]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    pub(super) fn view(&self) -> SessionView {
        let you = self.newcomer.fingerprint();
        let round = self.newcomer.round().min(3);
        let (have, need) = self.newcomer.progress();
        let (participants, id) = match self.newcomer.session() {
            Some(session) => (
                marks(
                    &you,
                    session.helpers.iter().map(participant_fingerprint),
                    &self.newcomer.waiting_for(),
                    &[],
                ),
                session.id.to_string(),
            ),
            None => (marks(&you, [], &[], &[]), you.clone()),
        };
        SessionView {
            title: format!(
                "Joining key {} ({}-of-{}) as newcomer {you}",
                self.name,
                self.group.threshold(),
                self.group.participant_count()
            ),
            round,
            rounds: 3,
            progress: match (&self.stage, self.newcomer.session()) {
                (Stage::Collecting, None) => "waiting for the helpers' RepairRound1".into(),
                (Stage::Collecting, Some(_)) => {
                    format!("round {round}: {have} of {need} messages received")
                }
                _ => "all messages received".into(),
            },
            participants,
            sent: self.exchange.sent.clone(),
            review: vec![
                format!("Your participant fingerprint: {you}"),
                "Tell it to the helpers by a channel they trust (by phone, in person): each compares it before helping.".into(),
                format!("Identity key of the key you join: {}", self.group.identity_key()),
            ],
            question: Question::SIGN,
            fingerprint: None,
            stage: self.stage.clone(),
            relay: self.exchange.relay(round),
            ceremony_id: id,
        }
    }
}

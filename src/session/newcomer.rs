//! A newcomer's session: its request goes out (with a new participant key), the helpers'
//! three rounds come in (in any order: what comes early is kept), and the outcome is its new
//! share, to store under a name of its own.

use rand_core::CryptoRngCore;

use super::exchange::{Joined, Look};
use super::{Feedback, Outcome, Outgoing, Question, SessionView, Stage};
use crate::keys::GroupKey;
use crate::messages::AnyMessage;
use crate::refusal::Refusal;
use crate::repair::Newcomer;

pub(super) struct NewcomerSession {
    name: String,
    group: GroupKey,
    you: String,
    joined: Joined<Newcomer>,
}

impl NewcomerSession {
    /// A newcomer to the key `group` describes (its public description), to be stored as `name`.
    pub(super) fn new(
        name: &str,
        group: GroupKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let (newcomer, request) = Newcomer::new(group.clone(), rng)?;
        let you = newcomer.fingerprint();
        let mut joined = Joined::running(
            newcomer,
            request,
            "the helpers: the members who help (one relay may carry it to all)",
        );
        joined.review = vec![
            format!("Your participant fingerprint: {you}"),
            "Tell it to the helpers by a channel they trust (by phone, in person): each compares it before helping.".into(),
            format!("Identity key of the key you join: {}", group.identity_key()),
        ];
        Ok(Self {
            name: name.to_string(),
            group,
            you,
            joined,
        })
    }

    pub(super) fn stage(&self) -> &Stage {
        &self.joined.stage
    }

    pub(super) fn sent(&self) -> &[Outgoing] {
        self.joined.sent()
    }

    pub(super) fn take(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        self.joined
            .take(message, rng, &[], "a repair helper's message")
    }

    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        let name = self.name.clone();
        self.joined.compute(
            |engine| {
                Ok(Outcome::Enrolled {
                    share: Box::new(engine.finish()?),
                    name,
                })
            },
            "repair finished: this newcomer holds a share of the key",
        )
    }

    pub(super) fn view(&self) -> SessionView {
        let look = Look {
            title: format!(
                "Joining key {} ({}-of-{}) as newcomer {}",
                self.name,
                self.group.threshold(),
                self.group.participant_count(),
                self.you
            ),
            rounds: 3,
            ceremony: "repair",
            question: Question::SIGN,
            waiting: "",
            everyone: vec![],
        };
        self.joined.view(look, &self.you, &[])
    }
}

//! A newcomer's part: its request goes out (with a new participant key), the helpers' three
//! rounds come in (in any order: what comes early is kept), and the outcome is its new share,
//! to store under a name of its own.

use rand_core::CryptoRngCore;

use super::joined::{Joined, Look, Part, Participant};
use super::{Outcome, Question};
use crate::keys::GroupKey;
use crate::refusal::Refusal;
use crate::repair::Newcomer;

pub(super) struct Enrolling {
    name: String,
    group: GroupKey,
    you: String,
}

/// A newcomer to the key `group` describes (its public description), to be stored as `name`.
pub(super) fn start(
    name: &str,
    group: GroupKey,
    rng: &mut impl CryptoRngCore,
) -> Result<Box<dyn Participant>, Refusal> {
    let (newcomer, request) = Newcomer::new(group.clone(), rng)?;
    let you = newcomer.fingerprint();
    let review = vec![
        format!("Your participant fingerprint: {you}"),
        "Tell it to the helpers by a channel they trust (by phone, in person): each compares it before helping.".into(),
        format!("Identity key of the key you join: {}", group.identity_key()),
    ];
    let part = Enrolling {
        name: name.to_string(),
        group,
        you,
    };
    Ok(Box::new(Joined::running(part, newcomer, request, review)))
}

impl Part for Enrolling {
    type Engine = Newcomer;
    const EXPECTED: &'static str = "a repair helper's message";
    const TO: &'static str = "the helpers: the members who help (one relay may carry it to all)";

    fn finish(&self, engine: &mut Newcomer) -> Result<(Outcome, &'static str), Refusal> {
        let outcome = Outcome::Enrolled {
            share: Box::new(engine.finish()?),
            name: self.name.clone(),
        };
        Ok((
            outcome,
            "repair finished: this newcomer holds a share of the key",
        ))
    }

    fn look(&self) -> Look {
        Look {
            title: format!(
                "Joining key {} ({}-of-{}) as newcomer {}",
                self.name,
                self.group.threshold(),
                self.group.participant_count(),
                self.you
            ),
            you: self.you.clone(),
            rounds: 3,
            ceremony: "Repair",
            question: Question::SIGN,
            waiting: "",
            everyone: vec![],
        }
    }
}

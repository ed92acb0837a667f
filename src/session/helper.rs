//! A repair helper's part: the helper who starts takes the newcomer's request, the others join
//! from its round-1 message; either way the person first confirms the newcomer's fingerprint
//! with the newcomer itself and reviews who helps. Rounds 2 and 3 go out as soon as the round
//! before is complete; the outcome is this member's share under the group that now includes the
//! newcomer, to replace its key.

use ed25519_consensus::VerificationKey;
use rand_chacha::ChaCha20Rng;

use super::joined::{every_member_but, listed, taking_part};
use super::joined::{Joined, Look, Part, Participant, Started, Starting};
use super::{Outcome, Question};
use crate::keys::{GroupKey, KeyShare};
use crate::messages::AnyMessage;
use crate::refusal::Refusal;
use crate::repair::{RepairHelper, RepairSession};

/// What a helper is asked before it takes part.
const HELP: Question = Question::take_part(
    "You are asked to help enrol a newcomer",
    "Help enrol this newcomer?",
);

pub(super) struct Helper {
    label: String,
    share: KeyShare,
    /// The helpers, when this helper starts the repair from the newcomer's request.
    helpers: Option<Vec<VerificationKey>>,
}

/// A helper that will start the repair from the newcomer's request, with every member but
/// `without` helping.
pub(super) fn start(
    label: &str,
    share: KeyShare,
    without: &[VerificationKey],
) -> Result<Box<dyn Participant>, Refusal> {
    let group = share.group();
    let bad = |problem: String| Err(Refusal::Setup(problem));
    let helpers = match every_member_but(group, without) {
        Ok(helpers) => helpers,
        Err(stranger) => {
            return bad(format!(
                "participant {stranger} is not a member of this key"
            ))
        }
    };
    if without.contains(&share.verification_key()) {
        return bad(format!(
            "this participant ({}) starts the repair, so it helps",
            share.fingerprint()
        ));
    }
    let t = group.threshold();
    if helpers.len() < usize::from(t) {
        return bad(format!(
            "a repair needs at least t = {t} helpers, and only {} members are left to help",
            helpers.len()
        ));
    }
    Ok(Box::new(Joined::waiting(Helper {
        label: label.to_string(),
        share,
        helpers: Some(helpers),
    })))
}

/// A helper that joins from another helper's round-1 message.
pub(super) fn join(label: &str, share: KeyShare) -> Box<dyn Participant> {
    Box::new(Joined::waiting(Helper {
        label: label.to_string(),
        share,
        helpers: None,
    }))
}

impl Part for Helper {
    type Engine = RepairHelper;
    const EXPECTED: &'static str = "a repair message";
    const TO: &'static str = "every helper and the newcomer (one relay may carry it to all)";

    /// The newcomer's request (for the helper who starts) or another helper's round-1 message:
    /// the engine starts or joins, and the person reviews before anything goes out.
    fn start(&mut self, message: AnyMessage, rng: &mut ChaCha20Rng) -> Starting<RepairHelper> {
        let share = self.share.clone();
        let (engine, round1, accepted, by) = match (message, &self.helpers) {
            (AnyMessage::RepairRequest(request), Some(helpers)) => {
                let (engine, round1) = RepairHelper::start(share, request, helpers, rng)?;
                (engine, round1, None, None)
            }
            (AnyMessage::RepairRequest(request), None) => {
                return Ok(Started::Noted(format!(
                    "received newcomer {}'s request: waiting for the helper who starts the repair (its RepairRound1)",
                    request.sender()
                )))
            }
            (AnyMessage::RepairRound1(invitation), _) => {
                let (engine, round1) = RepairHelper::join(share, invitation.clone(), rng)?;
                let by = invitation.sender();
                (engine, round1, Some(Box::new(invitation.into())), Some(by))
            }
            (other, _) => return Ok(Started::Not(other)),
        };
        let newcomer = engine.session().newcomer.sender();
        Ok(Started::Review {
            review: describe(&self.label, self.share.group(), engine.session(), by),
            engine: Box::new(engine),
            first: Box::new(round1.into()),
            accepted,
            note: format!(
                "a repair that enrols newcomer {newcomer}: confirm that fingerprint with the newcomer itself, review the helpers, then approve or decline"
            ),
        })
    }

    fn finish(&self, engine: &mut RepairHelper) -> Result<(Outcome, &'static str), Refusal> {
        let outcome = Outcome::Helped {
            share: Box::new(engine.finish()?),
            newcomer: engine.session().newcomer.sender(),
            key: self.label.clone(),
        };
        Ok((
            outcome,
            "this helper's part is done: the newcomer and the other helpers still need your messages if they have not got them",
        ))
    }

    fn look(&self) -> Look {
        let waiting = match self.helpers {
            Some(_) => "waiting for the newcomer's RepairRequest",
            None => "waiting for a helper's RepairRound1 to join from",
        };
        Look::member("Repair", &self.label, &self.share, 3, HELP, waiting)
    }
}

/// The repair in words, for the review: above all, the newcomer's fingerprint, which the person
/// must confirm with the newcomer itself. `by` is the helper who started it (None: this one).
fn describe(
    label: &str,
    group: &GroupKey,
    session: &RepairSession,
    by: Option<String>,
) -> Vec<String> {
    let (helpers, others) = taking_part(group, &session.helpers);
    vec![
        format!("Repair of key {label}: a newcomer receives a share of the key; no helper learns it."),
        format!("  Newcomer:      participant {}", session.newcomer.sender()),
        "                 Confirm this fingerprint with the newcomer itself (by phone, in person): a wrong one gives the key to a stranger.".into(),
        format!("  Identity key:  {}", group.identity_key()),
        match by {
            Some(helper) => format!("  Joining from:  participant {helper}"),
            None => "  Started by:    this helper".into(),
        },
        format!("  Session:       {}", session.id),
        format!("  Helpers ({}):   {}", helpers.len(), listed(&helpers)),
        format!("  Not helping:   {}", listed(&others)),
        format!(
            "Afterwards every member's group description includes the newcomer ({}-of-{}); then refresh without the lost member to remove it.",
            group.threshold(),
            group.participant_count() + 1
        ),
    ]
}

//! A repair helper's session: the helper who starts takes the newcomer's request, the others
//! join from its round-1 message; either way the person first confirms the newcomer's
//! fingerprint with the newcomer itself and reviews who helps. Rounds 2 and 3 go out as soon as
//! the round before is complete; the outcome is this member's share under the group that now
//! includes the newcomer, to replace its key.

use ed25519_consensus::VerificationKey;
use rand_core::CryptoRngCore;

use super::exchange::{listed, Joined, Look};
use super::{Feedback, Outcome, Outgoing, Question, SessionView, Stage};
use crate::keys::{participant_fingerprint, GroupKey, KeyShare};
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;
use crate::repair::{RepairHelper, RepairSession};

const TO_EVERYONE: &str = "every helper and the newcomer (one relay may carry it to all)";
const OURS: &[MessageKind] = &[MessageKind::RepairRound1, MessageKind::RepairRound2];

pub(super) struct HelperSession {
    label: String,
    share: KeyShare,
    /// The helpers, when this helper starts the repair from the newcomer's request.
    helpers: Option<Vec<VerificationKey>>,
    joined: Joined<RepairHelper>,
}

impl HelperSession {
    /// A helper that will start the repair from the newcomer's request, with every member
    /// but `without` helping.
    pub(super) fn start(
        label: &str,
        share: KeyShare,
        without: &[VerificationKey],
    ) -> Result<Self, Refusal> {
        let group = share.group();
        if let Some(stranger) = without.iter().find(|vk| group.participant(vk).is_none()) {
            return Err(Refusal::Setup(format!(
                "participant {} is not a member of this key",
                participant_fingerprint(stranger)
            )));
        }
        if without.contains(&share.verification_key()) {
            return Err(Refusal::Setup(format!(
                "this participant ({}) starts the repair, so it helps",
                share.fingerprint()
            )));
        }
        let helpers: Vec<VerificationKey> = group
            .participants()
            .map(|p| p.vk)
            .filter(|vk| !without.contains(vk))
            .collect();
        let t = usize::from(group.threshold());
        if helpers.len() < t {
            return Err(Refusal::Setup(format!(
                "a repair needs at least t = {t} helpers, and only {} members are left to help",
                helpers.len()
            )));
        }
        Ok(Self {
            helpers: Some(helpers),
            ..Self::join(label, share)
        })
    }

    /// A helper that joins from another helper's round-1 message.
    pub(super) fn join(label: &str, share: KeyShare) -> Self {
        Self {
            label: label.to_string(),
            share,
            helpers: None,
            joined: Joined::waiting(TO_EVERYONE),
        }
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
        let waiting = self.joined.is_waiting();
        let (engine, round1, by) = match (message, &self.helpers) {
            (AnyMessage::RepairRequest(request), Some(helpers)) if waiting => {
                let (engine, round1) =
                    RepairHelper::start(self.share.clone(), request, helpers, rng)?;
                (engine, round1, None)
            }
            (AnyMessage::RepairRequest(request), None) if waiting => {
                return Ok(vec![Feedback::ok(format!(
                    "received newcomer {}'s request: waiting for the helper who starts the repair (its RepairRound1)",
                    request.sender()
                ))])
            }
            (AnyMessage::RepairRound1(invitation), _) if waiting => {
                let (engine, round1) =
                    RepairHelper::join(self.share.clone(), invitation.clone(), rng)?;
                let by = invitation.sender();
                self.joined.accepted(invitation);
                (engine, round1, Some(by))
            }
            (other, _) => return self.joined.take(other, rng, OURS, "a repair message"),
        };
        let newcomer = engine.session().newcomer.sender();
        let review = describe(
            &self.label,
            self.share.group(),
            engine.session(),
            by.as_deref(),
        );
        self.joined.review(engine, round1, review);
        Ok(vec![Feedback::ok(format!(
            "a repair that enrols newcomer {newcomer}: confirm that fingerprint with the newcomer itself, review the helpers, then approve or decline"
        ))])
    }

    pub(super) fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        self.joined.approve(rng)
    }

    pub(super) fn decline(&mut self) {
        self.joined.decline()
    }

    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        let key = self.label.clone();
        self.joined.compute(
            |engine| {
                Ok(Outcome::Helped {
                    share: Box::new(engine.finish()?),
                    newcomer: engine.session().newcomer.sender(),
                    key,
                })
            },
            "this helper's part is done: the newcomer and the other helpers still need your messages if they have not got them",
        )
    }

    pub(super) fn view(&self) -> SessionView {
        let group = self.share.group();
        let look = Look {
            title: format!(
                "Repair of key {} ({}-of-{}) \u{2022} you are {}",
                self.label,
                group.threshold(),
                group.participant_count(),
                self.share.fingerprint()
            ),
            rounds: 3,
            ceremony: "repair",
            question: Question {
                heading: "You are asked to help enrol a newcomer",
                ask: "Help enrol this newcomer?",
            },
            waiting: match self.helpers {
                Some(_) => "waiting for the newcomer's RepairRequest",
                None => "waiting for a helper's RepairRound1 to join from",
            },
            everyone: group.participants().map(|p| p.fingerprint()).collect(),
        };
        self.joined.view(look, &self.share.fingerprint(), &[])
    }
}

/// The repair in words, for the review: above all, the newcomer's fingerprint, which the person
/// must confirm with the newcomer itself. `by` is the helper who started it (None: this one).
fn describe(
    label: &str,
    group: &GroupKey,
    session: &RepairSession,
    by: Option<&str>,
) -> Vec<String> {
    let helpers: Vec<String> = session
        .helpers
        .iter()
        .map(participant_fingerprint)
        .collect();
    let others: Vec<String> = group
        .participants()
        .filter(|p| !session.helpers.contains(&p.vk))
        .map(|p| p.fingerprint())
        .collect();
    vec![
        format!("Repair of key {label}: a newcomer receives a share of the key; no helper learns it."),
        format!("  Newcomer:      participant {}", session.newcomer.sender()),
        "                 Confirm this fingerprint with the newcomer itself (by phone, in person): a wrong one gives the key to a stranger.".into(),
        format!("  Identity key:  {}", group.identity_key()),
        format!(
            "  Started by:    {}",
            by.map_or("this helper".to_string(), |b| format!("participant {b}"))
        ),
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

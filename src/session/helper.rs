//! A repair helper's session: the helper who starts takes the newcomer's request, the others
//! join from its round-1 message; either way the person first confirms the newcomer's
//! fingerprint with the newcomer itself and reviews who helps. Rounds 2 and 3 go out as soon as
//! the round before is complete; the outcome is this member's share under the group that now
//! includes the newcomer, to replace its key.

use ed25519_consensus::VerificationKey;
use rand_core::CryptoRngCore;

use super::exchange::{listed, marks, quietly, Exchange};
use super::{Feedback, Outcome, Question, SessionView, Stage};
use crate::custody::not_for_this_participant;
use crate::keys::{participant_fingerprint, GroupKey, KeyShare};
use crate::messages::AnyMessage;
use crate::refusal::Refusal;
use crate::repair::{RepairHelper, RepairRequest, RepairRound1, RepairSession};

const TO_EVERYONE: &str = "every helper and the newcomer (one relay may carry it to all)";

enum Helper {
    /// Waiting for the newcomer's request (`helpers` is set when this helper starts) or for
    /// another helper's round-1 message.
    Waiting {
        share: Box<KeyShare>,
        helpers: Option<Vec<VerificationKey>>,
    },
    /// Started or joined by the engine (every check passed); nothing goes out until the
    /// person approves.
    Review {
        engine: Box<RepairHelper>,
        round1: Box<RepairRound1>,
    },
    Running(Box<RepairHelper>),
    Declined,
}

pub(super) struct HelperSession {
    label: String,
    group: GroupKey,
    you: String,
    helper: Helper,
    exchange: Exchange,
    review: Vec<String>,
    pub(super) stage: Stage,
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
        let mut session = Self::join(label, share);
        if let Helper::Waiting { helpers: h, .. } = &mut session.helper {
            *h = Some(helpers);
        }
        Ok(session)
    }

    /// A helper that joins from another helper's round-1 message.
    pub(super) fn join(label: &str, share: KeyShare) -> Self {
        Self {
            label: label.to_string(),
            group: share.group().clone(),
            you: share.fingerprint(),
            helper: Helper::Waiting {
                share: Box::new(share),
                helpers: None,
            },
            exchange: Exchange::default(),
            review: vec![],
            stage: Stage::Collecting,
        }
    }

    pub(super) fn sent(&self) -> &[super::Outgoing] {
        &self.exchange.sent
    }

    pub(super) fn take(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        quietly(self.take_one(message, rng))
    }

    fn take_one(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        match (&mut self.helper, message) {
            (
                Helper::Waiting {
                    share,
                    helpers: Some(helpers),
                },
                AnyMessage::RepairRequest(request),
            ) => {
                let (share, helpers) = (share.as_ref().clone(), helpers.clone());
                let (engine, round1) = RepairHelper::start(share, request, &helpers, rng)?;
                Ok(self.review(engine, round1, None))
            }
            (Helper::Waiting { helpers: None, .. }, AnyMessage::RepairRequest(request)) => {
                Ok(vec![Feedback::ok(format!(
                    "received newcomer {}'s request: waiting for the helper who starts the repair (its RepairRound1)",
                    request.sender()
                ))])
            }
            (Helper::Waiting { share, .. }, AnyMessage::RepairRound1(invitation)) => {
                let share = share.as_ref().clone();
                let (engine, round1) = RepairHelper::join(share, invitation.clone(), rng)?;
                self.exchange.accepted(invitation.clone());
                Ok(self.review(engine, round1, Some(invitation.sender())))
            }
            (
                Helper::Waiting { .. } | Helper::Review { .. },
                m @ (AnyMessage::RepairRound1(_) | AnyMessage::RepairRound2(_)),
            ) => Ok(vec![self
                .exchange
                .keep(m, "this helper has not joined the repair yet")]),
            (Helper::Running(engine), m) => {
                let mut out = self.exchange.offer(engine.as_mut(), m, rng)?;
                out.extend(self.advance(rng));
                Ok(out)
            }
            (Helper::Declined, m) => Err(Refusal::OutOfOrder {
                kind: m.kind(),
                now: "this helper declined the repair",
            }),
            (_, other) => Err(not_for_this_participant(other, "a repair message")),
        }
    }

    /// The engine started or joined: the person reviews before anything goes out. `by` is the
    /// helper whose round-1 message this one joins from.
    fn review(
        &mut self,
        engine: RepairHelper,
        round1: RepairRound1,
        by: Option<String>,
    ) -> Vec<Feedback> {
        let newcomer = engine.session().newcomer.sender();
        self.review = describe(&self.label, &self.group, engine.session(), by.as_deref());
        self.helper = Helper::Review {
            engine: Box::new(engine),
            round1: Box::new(round1),
        };
        self.stage = Stage::Review;
        vec![Feedback::ok(format!(
            "a repair that enrols newcomer {newcomer}: confirm that fingerprint with the newcomer itself, review the helpers, then approve or decline"
        ))]
    }

    pub(super) fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        if !matches!(self.helper, Helper::Review { .. }) {
            return vec![];
        }
        let Helper::Review { mut engine, round1 } =
            std::mem::replace(&mut self.helper, Helper::Declined)
        else {
            unreachable!("checked above")
        };
        self.exchange.send(*round1, TO_EVERYONE);
        self.stage = Stage::Collecting;
        let mut out = vec![Feedback::ok(
            "approved: send your RepairRound1 to every helper and the newcomer",
        )];
        out.extend(self.exchange.retry(engine.as_mut(), rng));
        self.helper = Helper::Running(engine);
        out.extend(self.advance(rng));
        out
    }

    /// Nothing is sent; the key stays as it is.
    pub(super) fn decline(&mut self) {
        if matches!(self.helper, Helper::Review { .. } | Helper::Waiting { .. }) {
            self.helper = Helper::Declined;
            self.stage = Stage::Declined;
        }
    }

    /// Each round goes out once the one before is complete; after round 3 this helper is done.
    fn advance(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let mut out = Vec::new();
        let Helper::Running(engine) = &mut self.helper else {
            return out;
        };
        let (have, need) = engine.progress();
        if have < need || !matches!(self.stage, Stage::Collecting) {
            return out;
        }
        let next = match engine.round() {
            1 => engine.start_round2(rng).map(AnyMessage::from),
            2 => engine.start_round3(rng).map(AnyMessage::from),
            _ => {
                self.stage = Stage::Compute;
                return out;
            }
        };
        match next {
            Ok(message) => {
                let kind = message.kind();
                self.exchange.send(message, TO_EVERYONE);
                out.push(Feedback::ok(format!(
                    "round {} complete: send your {kind} to every helper and the newcomer",
                    engine.round() - 1
                )));
                out.extend(self.exchange.retry(engine.as_mut(), rng));
                out.extend(self.advance(rng));
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                out.push(e.into());
            }
        }
        out
    }

    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        let (Stage::Compute, Helper::Running(engine)) = (&self.stage, &self.helper) else {
            return vec![];
        };
        match engine.finish() {
            Ok(share) => {
                self.stage = Stage::Done(Outcome::Helped {
                    key: self.label.clone(),
                    newcomer: engine.session().newcomer.sender(),
                    share: Box::new(share),
                });
                vec![Feedback::ok(
                    "this helper's part is done: the newcomer and the other helpers still need your messages if they have not got them",
                )]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    pub(super) fn view(&self) -> SessionView {
        let fingerprints = |session: &RepairSession| -> Vec<String> {
            session
                .helpers
                .iter()
                .map(participant_fingerprint)
                .collect()
        };
        let (round, progress, participants, id) = match &self.helper {
            Helper::Running(engine) => {
                let (have, need) = engine.progress();
                let progress = match self.stage {
                    Stage::Collecting => {
                        format!(
                            "round {}: {have} of {need} messages received",
                            engine.round()
                        )
                    }
                    _ => "all messages received".into(),
                };
                let participants = marks(
                    &self.you,
                    fingerprints(engine.session()),
                    &engine.waiting_for(),
                    &[],
                );
                let id = engine.session().id.to_string();
                (engine.round().min(3), progress, participants, id)
            }
            Helper::Review { engine, .. } => {
                let participants = marks(&self.you, fingerprints(engine.session()), &[], &[]);
                let id = engine.session().id.to_string();
                (1, "review the repair".into(), participants, id)
            }
            Helper::Waiting { helpers, .. } => {
                let progress = match helpers {
                    Some(_) => "waiting for the newcomer's RepairRequest",
                    None => "waiting for a helper's RepairRound1 to join from",
                };
                let members: Vec<String> =
                    self.group.participants().map(|p| p.fingerprint()).collect();
                let participants = marks(&self.you, members.clone(), &members, &[]);
                (1, progress.into(), participants, self.you.clone())
            }
            Helper::Declined => (
                1,
                "declined: nothing was sent".into(),
                vec![],
                self.you.clone(),
            ),
        };
        SessionView {
            title: format!(
                "Repair of key {} ({}-of-{}) \u{2022} you are {}",
                self.label,
                self.group.threshold(),
                self.group.participant_count(),
                self.you
            ),
            round,
            rounds: 3,
            progress,
            participants,
            sent: self.exchange.sent.clone(),
            review: self.review.clone(),
            question: Question {
                heading: "You are asked to help enrol a newcomer",
                ask: "Help enrol this newcomer?",
            },
            fingerprint: None,
            stage: self.stage.clone(),
            relay: self.exchange.relay(round),
            ceremony_id: id,
        }
    }
}

/// The repair in words, for the review: above all, the newcomer's fingerprint, which the person
/// must confirm with the newcomer itself.
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
    let newcomer: &RepairRequest = &session.newcomer;
    vec![
        format!("Repair of key {label}: a newcomer receives a share of the key; no helper learns it."),
        format!("  Newcomer:      participant {}", newcomer.sender()),
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

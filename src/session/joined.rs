//! One participant of a refresh or repair, whatever its role: the review before it takes part,
//! its engine driven message by message (kept messages offered again whenever the engine moves
//! on, each round sent as soon as the one before is complete), the result, and the view. What
//! differs between a refresh member, a repair helper and the newcomer is a [`Part`].

use ed25519_consensus::VerificationKey;
use rand_chacha::ChaCha20Rng;
use rand_core::CryptoRngCore;

use super::exchange::{quietly, Exchange};
use super::{Feedback, Mark, Outcome, Outgoing, Question, SessionView, Stage};
use crate::custody::{first_stranger, not_for_this_participant, Ceremony, Circle};
use crate::keys::{participant_fingerprint, GroupKey, KeyShare};
use crate::messages::AnyMessage;
use crate::refusal::Refusal;

/// What a waiting participant made of a message that may start its part.
// Made once per message and taken apart at once: boxing the message would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Started<E> {
    /// Its engine started or joined (every check passed): the person reviews `review` before
    /// `first` goes out. `accepted` is the message the engine joined from.
    Review {
        engine: Box<E>,
        first: Box<AnyMessage>,
        review: Vec<String>,
        accepted: Option<Box<AnyMessage>>,
        note: String,
    },
    /// Noted, nothing started.
    Noted(String),
    /// Not a message this part starts from.
    Not(AnyMessage),
}

/// What a waiting part makes of a message, or why it refuses it.
pub(super) type Starting<E> = Result<Started<E>, Refusal>;

/// What makes one role of a refresh or repair.
pub(super) trait Part: Send {
    type Engine: Ceremony + Send;
    /// What this part takes, in words, for a message of another kind.
    const EXPECTED: &'static str;
    /// Who this part's messages go to, in words.
    const TO: &'static str;

    /// A message that may start this part while it waits: by default none (the part's engine
    /// runs from the start).
    fn start(&mut self, message: AnyMessage, _rng: &mut ChaCha20Rng) -> Starting<Self::Engine> {
        Ok(Started::Not(message))
    }
    /// The result, once the engine has nothing more to send, and what to tell the person.
    fn finish(&self, engine: &mut Self::Engine) -> Result<(Outcome, &'static str), Refusal>;
    /// How the view reads.
    fn look(&self) -> Look;
    /// The members the session leaves out.
    fn removed(&self, _engine: &Self::Engine) -> Vec<String> {
        vec![]
    }
}

/// How a part's view reads.
pub(super) struct Look {
    pub(super) title: String,
    pub(super) you: String,
    pub(super) rounds: u8,
    /// The ceremony's name, with a capital: "Refresh", "Repair".
    pub(super) ceremony: &'static str,
    pub(super) question: Question,
    /// What a participant that has not joined waits for.
    pub(super) waiting: &'static str,
    /// The key's members, shown before the session is known.
    pub(super) everyone: Vec<String>,
}

impl Look {
    /// How the view of a member of the key reads (a refresh member, a repair helper): titled
    /// with the ceremony, the key and this member, every member of the key listed until the
    /// session is known. `ceremony` is the ceremony's name with a capital ("Refresh").
    pub(super) fn member(
        ceremony: &'static str,
        label: &str,
        share: &KeyShare,
        rounds: u8,
        question: Question,
        waiting: &'static str,
    ) -> Self {
        let group = share.group();
        Self {
            title: format!(
                "{ceremony} of key {label} ({}-of-{}) \u{2022} you are {}",
                group.threshold(),
                group.participant_count(),
                share.fingerprint()
            ),
            you: share.fingerprint(),
            rounds,
            ceremony,
            question,
            waiting,
            everyone: group.participants().map(|p| p.fingerprint()).collect(),
        }
    }
}

/// A refresh or repair participant, as a session holds it.
pub(super) trait Participant: Send {
    fn stage(&self) -> &Stage;
    fn sent(&self) -> &[Outgoing];
    fn take(
        &mut self,
        message: AnyMessage,
        rng: &mut ChaCha20Rng,
    ) -> Result<Vec<Feedback>, Refusal>;
    fn approve(&mut self, rng: &mut ChaCha20Rng) -> Vec<Feedback>;
    fn decline(&mut self);
    fn compute(&mut self) -> Vec<Feedback>;
    fn view(&self) -> SessionView;
}

enum State<E> {
    /// Before this participant takes part: its part decides what starts it.
    Waiting,
    /// The engine started or joined; its first message goes out once the person approves.
    Review {
        engine: Box<E>,
        first: Box<AnyMessage>,
    },
    Running(Box<E>),
    Declined,
}

/// One participant: its part, its engine (once it takes part) and its messages.
pub(super) struct Joined<P: Part> {
    part: P,
    state: State<P::Engine>,
    exchange: Exchange,
    review: Vec<String>,
    stage: Stage,
}

impl<P: Part> Joined<P> {
    /// A participant that takes part once its part starts or joins an engine.
    pub(super) fn waiting(part: P) -> Self {
        Self {
            part,
            state: State::Waiting,
            exchange: Exchange::default(),
            review: vec![],
            stage: Stage::Collecting,
        }
    }

    /// A participant whose engine runs from the start, `first` already sent.
    pub(super) fn running(
        part: P,
        engine: P::Engine,
        first: impl Into<AnyMessage>,
        review: Vec<String>,
    ) -> Self {
        let mut joined = Self::waiting(part);
        joined.exchange.sent.push(Outgoing::new(first, P::TO));
        joined.state = State::Running(Box::new(engine));
        joined.review = review;
        joined
    }

    fn engine(&self) -> Option<&P::Engine> {
        match &self.state {
            State::Review { engine, .. } | State::Running(engine) => Some(engine),
            State::Waiting | State::Declined => None,
        }
    }

    fn take_one(
        &mut self,
        message: AnyMessage,
        rng: &mut ChaCha20Rng,
    ) -> Result<Vec<Feedback>, Refusal> {
        let message = match &mut self.state {
            State::Running(engine) => {
                let mut out = self.exchange.offer(engine.as_mut(), message)?;
                out.extend(self.advance(rng));
                return Ok(out);
            }
            State::Declined => {
                return Err(Refusal::OutOfOrder {
                    kind: message.kind(),
                    now: "this participant declined",
                })
            }
            State::Review { .. } => message,
            State::Waiting => match self.part.start(message, rng)? {
                Started::Review {
                    engine,
                    first,
                    review,
                    accepted,
                    note,
                } => {
                    self.exchange.accepted.extend(accepted.map(|m| *m));
                    self.review = review;
                    self.state = State::Review { engine, first };
                    self.stage = Stage::Review;
                    return Ok(vec![Feedback::ok(note)]);
                }
                Started::Noted(note) => return Ok(vec![Feedback::ok(note)]),
                Started::Not(message) => message,
            },
        };
        // The members' round messages wait for this participant to take part.
        if P::Engine::ROUND_MESSAGES.contains(&message.kind()) {
            Ok(vec![self
                .exchange
                .keep(message, "this participant has not joined yet")])
        } else {
            Err(not_for_this_participant(message, P::EXPECTED))
        }
    }

    /// Offers the kept messages again whenever the engine moved on, and sends each round as soon
    /// as the one before is complete; when nothing is left to send, the result is computed.
    fn advance(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let mut out = Vec::new();
        while let (State::Running(engine), Stage::Collecting) = (&mut self.state, &self.stage) {
            let round = engine.round();
            out.extend(self.exchange.retry(engine.as_mut()));
            let (have, need) = engine.progress();
            if engine.round() != round {
                continue;
            }
            if have < need {
                break;
            }
            match engine.next(rng) {
                Ok(Some(message)) => {
                    out.push(Feedback::ok(format!(
                        "round {round} complete: send your {} to {}",
                        message.kind(),
                        P::TO
                    )));
                    self.exchange.sent.push(Outgoing::new(message, P::TO));
                }
                Ok(None) => self.stage = Stage::Compute,
                Err(e) => {
                    self.stage = Stage::Failed(e.to_string());
                    out.push(e.into());
                }
            }
        }
        out
    }
}

impl<P: Part> Participant for Joined<P> {
    fn stage(&self) -> &Stage {
        &self.stage
    }

    fn sent(&self) -> &[Outgoing] {
        &self.exchange.sent
    }

    /// Offers a message to the running engine (then sends what the next round needs). Before
    /// it runs, the part may start from it; this ceremony's round messages are kept; anything
    /// else is not for this participant.
    fn take(
        &mut self,
        message: AnyMessage,
        rng: &mut ChaCha20Rng,
    ) -> Result<Vec<Feedback>, Refusal> {
        quietly(self.take_one(message, rng))
    }

    /// The person approved the review: the first message goes out, and the engine runs.
    fn approve(&mut self, rng: &mut ChaCha20Rng) -> Vec<Feedback> {
        let State::Review { engine, first } = std::mem::replace(&mut self.state, State::Waiting)
        else {
            return vec![];
        };
        let note = format!("approved: send your {} to {}", first.kind(), P::TO);
        self.exchange.sent.push(Outgoing::new(*first, P::TO));
        self.state = State::Running(engine);
        self.stage = Stage::Collecting;
        let mut out = vec![Feedback::ok(note)];
        out.extend(self.advance(rng));
        out
    }

    /// Nothing is sent; the key stays as it is.
    fn decline(&mut self) {
        if matches!(self.state, State::Review { .. } | State::Waiting) {
            self.state = State::Declined;
            self.stage = Stage::Declined;
        }
    }

    fn compute(&mut self) -> Vec<Feedback> {
        let (Stage::Compute, State::Running(engine)) = (&self.stage, &mut self.state) else {
            return vec![];
        };
        match self.part.finish(engine) {
            Ok((outcome, done)) => {
                self.stage = Stage::Done(outcome);
                vec![Feedback::ok(done)]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    fn view(&self) -> SessionView {
        let look = self.part.look();
        let you = look.you.as_str();
        let removed = self.engine().map(|e| self.part.removed(e));
        let removed = removed.as_deref().unwrap_or_default();
        let (round, progress, participants) = match &self.state {
            State::Running(engine) => {
                let round = engine.round().min(look.rounds);
                let (have, need) = engine.progress();
                let progress = match self.stage {
                    Stage::Collecting => {
                        format!("round {round}: {have} of {need} messages received")
                    }
                    _ => "all messages received".into(),
                };
                let members = marks(
                    you,
                    members(engine.as_ref()),
                    &engine.waiting_for(),
                    removed,
                );
                (round, progress, members)
            }
            State::Review { engine, .. } => {
                let members = marks(
                    you,
                    members(engine.as_ref()),
                    &engine.waiting_for(),
                    removed,
                );
                (
                    1,
                    format!("review the {}", look.ceremony.to_lowercase()),
                    members,
                )
            }
            State::Waiting => {
                let members = marks(you, look.everyone.clone(), &look.everyone, &[]);
                (1, look.waiting.to_string(), members)
            }
            State::Declined => (1, "declined: nothing was sent".into(), vec![]),
        };
        SessionView {
            round,
            rounds: look.rounds,
            progress,
            participants,
            sent: self.exchange.sent.clone(),
            review: self.review.clone(),
            question: look.question,
            fingerprint: None,
            stage: self.stage.clone(),
            relay: self.exchange.relay(round),
            ceremony_id: self
                .engine()
                .and_then(Ceremony::circle)
                .map_or_else(|| you.to_string(), |c| c.session().to_string()),
            title: look.title,
        }
    }
}

/// The session's participants, once known.
fn members(engine: &impl Ceremony) -> Vec<String> {
    engine
        .circle()
        .map(Circle::fingerprints)
        .unwrap_or_default()
}

/// The participants' marks: `you`, then `members` (waiting or answered), then `removed`.
fn marks(
    you: &str,
    members: Vec<String>,
    waiting: &[String],
    removed: &[String],
) -> Vec<(String, Mark)> {
    let mut out = vec![(you.to_string(), Mark::You)];
    for fp in members.into_iter().filter(|fp| fp != you) {
        let mark = if waiting.contains(&fp) {
            Mark::Waiting
        } else {
            Mark::Answered
        };
        out.push((fp, mark));
    }
    out.extend(removed.iter().map(|fp| (fp.clone(), Mark::Removed)));
    out
}

/// The fingerprints of the key's members in `taking_part`, in that order, and of the others.
pub(super) fn taking_part(
    group: &GroupKey,
    taking_part: &[VerificationKey],
) -> (Vec<String>, Vec<String>) {
    let others = group
        .participants()
        .filter(|p| !taking_part.contains(&p.vk))
        .map(|p| p.fingerprint())
        .collect();
    (
        taking_part.iter().map(participant_fingerprint).collect(),
        others,
    )
}

/// Every member of the key but those `left_out`; the first of `left_out` who is not a member
/// is refused (its fingerprint).
pub(super) fn every_member_but(
    group: &GroupKey,
    left_out: &[VerificationKey],
) -> Result<Vec<VerificationKey>, String> {
    if let Some(stranger) = first_stranger(group, left_out) {
        return Err(stranger);
    }
    Ok(group
        .participants()
        .map(|p| p.vk)
        .filter(|vk| !left_out.contains(vk))
        .collect())
}

/// Fingerprints, separated by spaces; "nobody" for none.
pub(super) fn listed(fingerprints: &[String]) -> String {
    if fingerprints.is_empty() {
        "nobody".into()
    } else {
        fingerprints.join(" ")
    }
}

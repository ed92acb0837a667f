//! What the refresh and repair roles share around their engines: the messages sent, those kept
//! for a later round, those accepted (for a relay's bundle), one outcome for each message
//! offered, the review before joining, each round sent as soon as the one before is complete,
//! and the view.
//!
//! These ceremonies run over one relay that carries everything to everyone, so much of what
//! arrives changes nothing here (this participant's own message, one seen before, one for
//! someone else): such refusals ([`Refusal::skippable`]) become ok-feedback. A message for a
//! round the engine has not reached, or that comes before this participant joined, is kept and
//! offered again whenever the engine moves on, as a key generation keeps early round-2 messages.

use rand_core::CryptoRngCore;

use super::{Feedback, Mark, Outcome, Outgoing, Question, SessionView, Stage};
use crate::custody::{not_for_this_participant, round_of, Ceremony, Circle};
use crate::keys::participant_fingerprint;
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;

/// What a skippable refusal tells the person: an ok, not an error.
fn skipped(refusal: &Refusal) -> Feedback {
    Feedback::ok(format!("skipped: {refusal}"))
}

/// A role's answer to one message, with its skippable refusals turned into ok-feedback.
pub(super) fn quietly(result: Result<Vec<Feedback>, Refusal>) -> Result<Vec<Feedback>, Refusal> {
    match result {
        Err(refusal) if refusal.skippable() => Ok(vec![skipped(&refusal)]),
        other => other,
    }
}

/// The messages of one participant's refresh or repair.
#[derive(Default)]
struct Exchange {
    /// Every message this participant produced, oldest first.
    sent: Vec<Outgoing>,
    /// Messages for a round the engine has not reached (or before it exists).
    held: Vec<AnyMessage>,
    /// Messages the engine accepted, for relaying.
    accepted: Vec<AnyMessage>,
}

impl Exchange {
    /// Keeps a message until the engine can take it.
    fn keep(&mut self, message: AnyMessage, until: &str) -> Feedback {
        let sender = message.sender_key().map(|vk| participant_fingerprint(&vk));
        let feedback = Feedback::ok(format!(
            "kept the {} from {} for later: {until}",
            message.kind(),
            sender.unwrap_or_default()
        ));
        self.held.push(message);
        feedback
    }

    /// Offers one message to the engine: accepted, kept for a later round, skipped, or refused.
    fn offer(
        &mut self,
        engine: &mut impl Ceremony,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        let kind = message.kind();
        match engine.accept(message.clone(), rng) {
            Ok(who) => {
                self.accepted.push(message);
                Ok(vec![Feedback::ok(format!("accepted {kind} from {who}"))])
            }
            Err(Refusal::OutOfOrder { .. }) if round_of(kind) > engine.round() => Ok(vec![self
                .keep(
                    message,
                    &format!("round {} is not complete", engine.round()),
                )]),
            Err(refusal) => quietly(Err(refusal)),
        }
    }

    /// Offers the kept messages again; those still early stay, silently.
    fn retry(&mut self, engine: &mut impl Ceremony, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let mut out = Vec::new();
        for message in std::mem::take(&mut self.held) {
            let kind = message.kind();
            match engine.accept(message.clone(), rng) {
                Ok(who) => {
                    self.accepted.push(message);
                    out.push(Feedback::ok(format!("accepted the kept {kind} from {who}")));
                }
                Err(Refusal::OutOfOrder { .. }) if round_of(kind) > engine.round() => {
                    self.held.push(message)
                }
                Err(refusal) if refusal.skippable() => out.push(skipped(&refusal)),
                Err(refusal) => out.push(refusal.into()),
            }
        }
        out
    }

    /// The messages of `round` this participant holds (its own and those accepted), for a
    /// relay's bundle.
    fn relay(&self, round: u8) -> Vec<AnyMessage> {
        self.sent
            .iter()
            .map(|o| &o.message)
            .chain(&self.accepted)
            .filter(|m| round_of(m.kind()) == round)
            .cloned()
            .collect()
    }
}

enum State<E> {
    /// Before this participant takes part: the role decides what starts it.
    Waiting,
    /// The engine started or joined (every check passed); its first message goes out only
    /// once the person approves.
    Review {
        engine: Box<E>,
        first: Box<AnyMessage>,
    },
    Running(Box<E>),
    Declined,
}

/// One participant of a refresh or repair: its engine (once it takes part) and its messages.
pub(super) struct Joined<E> {
    state: State<E>,
    exchange: Exchange,
    /// Who this participant's messages go to, in words.
    to: &'static str,
    /// The ceremony in words, for the review.
    pub(super) review: Vec<String>,
    pub(super) stage: Stage,
}

impl<E: Ceremony> Joined<E> {
    /// A participant that takes part once its role starts or joins the engine.
    pub(super) fn waiting(to: &'static str) -> Self {
        Self {
            state: State::Waiting,
            exchange: Exchange::default(),
            to,
            review: vec![],
            stage: Stage::Collecting,
        }
    }

    /// A participant whose engine runs from the start, `first` already sent.
    pub(super) fn running(engine: E, first: impl Into<AnyMessage>, to: &'static str) -> Self {
        let mut joined = Self::waiting(to);
        joined.exchange.sent.push(Outgoing::new(first, to));
        joined.state = State::Running(Box::new(engine));
        joined
    }

    pub(super) fn is_waiting(&self) -> bool {
        matches!(self.state, State::Waiting)
    }

    pub(super) fn sent(&self) -> &[Outgoing] {
        &self.exchange.sent
    }

    pub(super) fn engine(&self) -> Option<&E> {
        match &self.state {
            State::Review { engine, .. } | State::Running(engine) => Some(engine),
            State::Waiting | State::Declined => None,
        }
    }

    /// Records a message the engine took when it joined (the invitation).
    pub(super) fn accepted(&mut self, message: impl Into<AnyMessage>) {
        self.exchange.accepted.push(message.into());
    }

    /// The engine started or joined: the person reviews `review` before `first` goes out.
    pub(super) fn review(&mut self, engine: E, first: impl Into<AnyMessage>, review: Vec<String>) {
        self.review = review;
        self.state = State::Review {
            engine: Box::new(engine),
            first: Box::new(first.into()),
        };
        self.stage = Stage::Review;
    }

    /// Offers a message to the running engine (then sends what the next round needs). Before
    /// it runs, this ceremony's round messages (`ours`) are kept; anything else is not for it.
    pub(super) fn take(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
        ours: &[MessageKind],
        expected: &'static str,
    ) -> Result<Vec<Feedback>, Refusal> {
        let result = match &mut self.state {
            State::Running(engine) => {
                self.exchange
                    .offer(engine.as_mut(), message, rng)
                    .map(|mut out| {
                        out.extend(self.advance(rng));
                        out
                    })
            }
            State::Declined => Err(Refusal::OutOfOrder {
                kind: message.kind(),
                now: "this participant declined",
            }),
            _ if ours.contains(&message.kind()) => Ok(vec![self
                .exchange
                .keep(message, "this participant has not joined yet")]),
            _ => Err(not_for_this_participant(message, expected)),
        };
        quietly(result)
    }

    /// The person approved the review: the first message goes out, and the engine runs.
    pub(super) fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let State::Review { engine, first } = std::mem::replace(&mut self.state, State::Waiting)
        else {
            return vec![];
        };
        let note = format!("approved: send your {} to {}", first.kind(), self.to);
        self.exchange.sent.push(Outgoing::new(*first, self.to));
        self.state = State::Running(engine);
        self.stage = Stage::Collecting;
        let mut out = vec![Feedback::ok(note)];
        out.extend(self.advance(rng));
        out
    }

    /// Nothing is sent; the key stays as it is.
    pub(super) fn decline(&mut self) {
        if matches!(self.state, State::Review { .. } | State::Waiting) {
            self.state = State::Declined;
            self.stage = Stage::Declined;
        }
    }

    /// Offers the kept messages again whenever the engine moved on, and sends each round as soon
    /// as the one before is complete; when nothing is left to send, the result is computed.
    fn advance(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let mut out = Vec::new();
        while let (State::Running(engine), Stage::Collecting) = (&mut self.state, &self.stage) {
            let round = engine.round();
            out.extend(self.exchange.retry(engine.as_mut(), rng));
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
                        self.to
                    )));
                    self.exchange.sent.push(Outgoing::new(message, self.to));
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

    /// Computes the result ([`Stage::Compute`]) with `finish`; `done` tells the person.
    pub(super) fn compute(
        &mut self,
        finish: impl FnOnce(&mut E) -> Result<Outcome, Refusal>,
        done: &str,
    ) -> Vec<Feedback> {
        let (Stage::Compute, State::Running(engine)) = (&self.stage, &mut self.state) else {
            return vec![];
        };
        match finish(engine) {
            Ok(outcome) => {
                self.stage = Stage::Done(outcome);
                vec![Feedback::ok(done)]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    /// What a front end shows. `rounds` the ceremony has; `waiting` says what this
    /// participant waits for before it takes part; `everyone` are the key's members (shown
    /// before the session is known); `removed` those the session leaves out.
    pub(super) fn view(&self, look: Look, you: &str, removed: &[String]) -> SessionView {
        let (round, progress, participants) = match (&self.state, &self.stage) {
            (State::Running(engine), stage) => {
                let round = engine.round().min(look.rounds);
                let (have, need) = engine.progress();
                let progress = match stage {
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
            (State::Review { engine, .. }, _) => {
                let members = marks(you, members(engine.as_ref()), &[], removed);
                (1, format!("review the {}", look.ceremony), members)
            }
            (State::Waiting, _) => {
                let members = marks(you, look.everyone.clone(), &look.everyone, &[]);
                (1, look.waiting.to_string(), members)
            }
            (State::Declined, _) => (1, "declined: nothing was sent".into(), vec![]),
        };
        SessionView {
            title: look.title,
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
        }
    }
}

/// How a role's view reads.
pub(super) struct Look {
    pub(super) title: String,
    pub(super) rounds: u8,
    /// The ceremony's name: "refresh", "repair".
    pub(super) ceremony: &'static str,
    pub(super) question: Question,
    /// What a participant that has not joined waits for.
    pub(super) waiting: &'static str,
    /// The key's members, shown before the session is known.
    pub(super) everyone: Vec<String>,
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

/// Fingerprints, separated by spaces; "nobody" for none.
pub(super) fn listed(fingerprints: &[String]) -> String {
    if fingerprints.is_empty() {
        "nobody".into()
    } else {
        fingerprints.join(" ")
    }
}

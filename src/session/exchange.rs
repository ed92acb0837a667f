//! What the refresh and repair roles share around their engines: the messages sent, those kept
//! for a later round, those accepted (for a relay's bundle), one outcome for each message
//! offered, and the participants' marks.
//!
//! These ceremonies run over one relay that carries everything to everyone, so much of what
//! arrives changes nothing here (this participant's own message, one seen before, one for
//! someone else): such refusals ([`Refusal::skippable`]) become ok-feedback. A message for a
//! round the engine has not reached is kept and offered again whenever the engine moves on, as
//! a key generation keeps early round-2 messages.

use rand_core::CryptoRngCore;

use super::{Feedback, Mark, Outgoing};
use crate::keys::participant_fingerprint;
use crate::messages::{AnyMessage, MessageKind};
use crate::refresh::Refresh;
use crate::refusal::Refusal;
use crate::repair::{Newcomer, RepairHelper};

/// A refresh or repair engine, as the exchange drives it.
pub(super) trait Engine {
    fn accept(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal>;
    /// The round whose messages the engine takes now.
    fn round(&self) -> u8;
}

impl Engine for Refresh {
    fn accept(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal> {
        Refresh::accept(self, message, rng)
    }
    fn round(&self) -> u8 {
        Refresh::round(self)
    }
}

impl Engine for RepairHelper {
    fn accept(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal> {
        RepairHelper::accept(self, message, rng)
    }
    fn round(&self) -> u8 {
        RepairHelper::round(self)
    }
}

impl Engine for Newcomer {
    fn accept(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal> {
        Newcomer::accept(self, message, rng)
    }
    fn round(&self) -> u8 {
        Newcomer::round(self)
    }
}

/// The round a refresh or repair message belongs to (a newcomer's request comes before round 1).
pub(super) fn round_of(kind: MessageKind) -> u8 {
    match kind {
        MessageKind::RepairRequest => 0,
        MessageKind::RefreshRound2 | MessageKind::RepairRound2 => 2,
        MessageKind::RepairRound3 => 3,
        _ => 1,
    }
}

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

fn sender(message: &AnyMessage) -> String {
    message
        .sender_key()
        .map(|vk| participant_fingerprint(&vk))
        .unwrap_or_default()
}

/// The messages of one participant's refresh or repair.
#[derive(Default)]
pub(super) struct Exchange {
    /// Every message this participant produced, oldest first.
    pub(super) sent: Vec<Outgoing>,
    /// Messages for a round the engine has not reached (or before it exists).
    held: Vec<AnyMessage>,
    /// Messages the engine accepted, for relaying.
    accepted: Vec<AnyMessage>,
}

impl Exchange {
    pub(super) fn send(&mut self, message: impl Into<AnyMessage>, to: &'static str) {
        self.sent.push(Outgoing::new(message, to));
    }

    /// Records a message the engine took outside [`Exchange::offer`] (an invitation).
    pub(super) fn accepted(&mut self, message: impl Into<AnyMessage>) {
        self.accepted.push(message.into());
    }

    /// Keeps a message until the engine can take it.
    pub(super) fn keep(&mut self, message: AnyMessage, until: &str) -> Feedback {
        let feedback = Feedback::ok(format!(
            "kept the {} from {} for later: {until}",
            message.kind(),
            sender(&message)
        ));
        self.held.push(message);
        feedback
    }

    /// Offers one message to the engine: accepted, kept for a later round, skipped, or refused.
    pub(super) fn offer(
        &mut self,
        engine: &mut impl Engine,
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

    /// Offers the kept messages again, once the engine has moved on; those still early stay.
    pub(super) fn retry(
        &mut self,
        engine: &mut impl Engine,
        rng: &mut impl CryptoRngCore,
    ) -> Vec<Feedback> {
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
    pub(super) fn relay(&self, round: u8) -> Vec<AnyMessage> {
        self.sent
            .iter()
            .map(|o| &o.message)
            .chain(&self.accepted)
            .filter(|m| round_of(m.kind()) == round)
            .cloned()
            .collect()
    }
}

/// The participants' marks: `you`, then `members` (waiting or answered), then `removed`.
pub(super) fn marks(
    you: &str,
    members: impl IntoIterator<Item = String>,
    waiting: &[String],
    removed: &[String],
) -> Vec<(String, Mark)> {
    let mut out = vec![(you.to_string(), Mark::You)];
    for fp in members {
        if fp != you {
            let mark = if waiting.contains(&fp) {
                Mark::Waiting
            } else {
                Mark::Answered
            };
            out.push((fp, mark));
        }
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

//! The messages of a refresh or repair participant: those sent, those kept for a later round,
//! those accepted (for a relay's bundle), and one outcome for each message offered.
//!
//! These ceremonies run over one relay that carries everything to everyone, so much of what
//! arrives changes nothing here (this participant's own message, one seen before, one for
//! someone else): such refusals ([`Refusal::skippable`]) become ok-feedback. A message for a
//! round the engine has not reached, or that comes before this participant joined, is kept and
//! offered again whenever the engine moves on, as a key generation keeps early round-2 messages.

use super::{Feedback, Outgoing};
use crate::custody::{round_of, Ceremony};
use crate::keys::participant_fingerprint;
use crate::messages::AnyMessage;
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
pub(super) struct Exchange {
    /// Every message this participant produced, oldest first.
    pub(super) sent: Vec<Outgoing>,
    /// Messages for a round the engine has not reached (or before it exists).
    held: Vec<AnyMessage>,
    /// Messages the engine accepted, for relaying.
    pub(super) accepted: Vec<AnyMessage>,
}

impl Exchange {
    /// Keeps a message until the engine can take it.
    pub(super) fn keep(&mut self, message: AnyMessage, until: &str) -> Feedback {
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
    pub(super) fn offer(
        &mut self,
        engine: &mut impl Ceremony,
        message: AnyMessage,
    ) -> Result<Vec<Feedback>, Refusal> {
        let kind = message.kind();
        match engine.accept(message.clone()) {
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
    pub(super) fn retry(&mut self, engine: &mut impl Ceremony) -> Vec<Feedback> {
        let mut out = Vec::new();
        for message in std::mem::take(&mut self.held) {
            let kind = message.kind();
            match engine.accept(message.clone()) {
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

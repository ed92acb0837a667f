//! A coordinator session: the request goes out, replies come in, the journal is written before
//! the coordinator's own share is computed, and the result comes back in pcli's form.

use rand_core::CryptoRngCore;

use super::{ceremony_id, verdict_note, Feedback, GuardOpener, Mark, Outcome, Outgoing};
use super::{SessionView, SignGuard, Stage};
use crate::check::is_check;
use crate::keyfile::StoredKey;
use crate::messages::AnyMessage;
use crate::output::signing_outcome;
use crate::refusal::Refusal;
use crate::request::SigningRequest;
use crate::review::describe;
use crate::signing::{Coordinator, Round1Accepted};

pub(super) struct CoordinatorSession {
    coordinator: Coordinator,
    guard: Option<Box<dyn SignGuard>>,
    label: String,
    sent: Vec<Outgoing>,
    accepted: Vec<AnyMessage>,
    definition_file: Option<String>,
    pub(super) stage: Stage,
}

impl CoordinatorSession {
    pub(super) fn new(
        label: &str,
        key: &StoredKey,
        request: SigningRequest,
        signers: Option<usize>,
        definition_file: Option<String>,
        opener: &GuardOpener,
    ) -> Result<(Self, Vec<Feedback>), Refusal> {
        let own = key.material.share().cloned();
        let (coordinator, round1) =
            Coordinator::new(key.material.group().clone(), own.clone(), request, signers)?;
        let mut feedback = vec![];
        // With a share of its own the coordinator signs too: its journal is consulted now.
        let guard = match &own {
            Some(share) => {
                let guard = opener(label, share)?;
                let verdict = guard.check(coordinator.request(), coordinator.signed_bytes())?;
                feedback.extend(verdict_note(verdict));
                Some(guard)
            }
            None => None,
        };
        let stage = match coordinator.result() {
            Some(_) => Stage::Compute,
            None => Stage::Collecting,
        };
        Ok((
            Self {
                coordinator,
                guard,
                label: label.to_string(),
                sent: vec![Outgoing::new(round1, "the other signers")],
                accepted: vec![],
                definition_file,
                stage,
            },
            feedback,
        ))
    }

    /// Whether this participant produced a message with these proto bytes.
    pub(super) fn produced(&self, bytes: &[u8]) -> bool {
        self.sent.iter().any(|o| o.is(bytes))
    }

    pub(super) fn take(
        &mut self,
        message: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        if !matches!(self.stage, Stage::Collecting) {
            return Err(Refusal::OutOfOrder {
                kind: message.kind(),
                now: "the ceremony is over",
            });
        }
        let kind = message.kind();
        let mut out = Vec::new();
        match message.clone() {
            AnyMessage::FollowerRound1(reply) => {
                match self.coordinator.accept_round1(reply, rng)? {
                    Round1Accepted::Committed { sender } => {
                        out.push(Feedback::ok(format!("accepted {kind} from {sender}")));
                        if self.coordinator.ready_for_round2() {
                            out.extend(self.start_round2(rng)?);
                        }
                    }
                    Round1Accepted::Replaced { sender, round2 } => {
                        self.sent.push(Outgoing::new(round2, "the same signers"));
                        out.push(Feedback::ok(format!(
                            "a new {kind} from {sender} replaces the one in the round-2 package: send the new CoordinatorRound2"
                        )));
                    }
                }
            }
            AnyMessage::FollowerRound2(reply) => {
                let sender = self.coordinator.accept_round2(reply)?;
                out.push(Feedback::ok(format!("accepted {kind} from {sender}")));
                if self.coordinator.ready_to_aggregate() {
                    self.stage = Stage::Compute;
                }
            }
            other => {
                return Err(Refusal::Unexpected {
                    got: other.kind(),
                    expected: "a signer's FollowerRound1 or FollowerRound2",
                })
            }
        }
        self.accepted.push(message);
        Ok(out)
    }

    /// Round 1 is complete: the journal records, then round 2 goes out.
    fn start_round2(&mut self, rng: &mut impl CryptoRngCore) -> Result<Vec<Feedback>, Refusal> {
        // This participant's share is computed next: the journal records first.
        if let Some(g) = &mut self.guard {
            if let Err(e) = g.record(self.coordinator.request(), self.coordinator.signed_bytes()) {
                self.stage = Stage::Failed(e.to_string());
                return Err(e);
            }
        }
        let round2 = self.coordinator.start_round2(rng)?;
        self.sent.push(Outgoing::new(round2, "the same signers"));
        Ok(vec![Feedback::ok(
            "round 1 complete: send the round-2 message (CoordinatorRound2)",
        )])
    }

    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        if !matches!(self.stage, Stage::Compute) {
            return vec![];
        }
        match self.coordinator.aggregate() {
            Ok(result) => {
                let request = self.coordinator.request();
                let outcome = if is_check(request) {
                    Outcome::Checked {
                        signers: self.coordinator.signed_by().len(),
                    }
                } else {
                    let out = signing_outcome(&result, request, self.definition_file.as_deref());
                    Outcome::Signed {
                        headline: out.headline,
                        text: out.text,
                        instructions: out.instructions,
                        command: out.command,
                    }
                };
                self.stage = Stage::Done(outcome);
                // The ceremony is over: the key's lock is released.
                self.guard = None;
                vec![]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    pub(super) fn view(&self) -> SessionView {
        let group = self.coordinator.group();
        let in_round1 = self.sent.len() == 1;
        let done = matches!(self.stage, Stage::Done(_));
        let heard = if done {
            self.coordinator.signed_by()
        } else {
            self.coordinator.heard_from()
        };
        let own = self.coordinator.own_fingerprint();
        let participants = group
            .participants()
            .map(|p| {
                let fp = p.fingerprint();
                let mark = if Some(&fp) == own.as_ref() {
                    Mark::You
                } else if heard.contains(&fp) {
                    Mark::Answered
                } else {
                    Mark::Waiting
                };
                (fp, mark)
            })
            .collect();
        let own_count = usize::from(self.coordinator.has_own_share());
        let (have, need) = if in_round1 {
            self.coordinator.commitments_progress()
        } else {
            self.coordinator.shares_progress()
        };
        let request = self.coordinator.request();
        SessionView {
            title: format!(
                "Coordinating a {} with key {} ({}-of-{})",
                if is_check(request) {
                    "key check".to_string()
                } else {
                    request.kind().to_string()
                },
                self.label,
                group.threshold(),
                group.participant_count()
            ),
            round: if in_round1 { 1 } else { 2 },
            rounds: 2,
            progress: format!(
                "{} of {} replies received",
                have.saturating_sub(own_count),
                need.saturating_sub(own_count)
            ),
            participants,
            sent: self.sent.clone(),
            review: describe(request, group.fvk()),
            fingerprint: None,
            stage: self.stage.clone(),
            relay: vec![],
            ceremony_id: ceremony_id(self.coordinator.signed_bytes()),
        }
    }
}

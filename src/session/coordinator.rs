//! A coordinator session: the request goes out, replies come in, the journal is written before
//! the coordinator's own share is computed, and the result comes back in pcli's form.

use rand_core::CryptoRngCore;

use super::view::{ceremony_id, signing_marks};
use super::Outgoing;
use super::{journal_notes, Coordination, Feedback, GuardOpener, Outcome};
use super::{SessionView, SignGuard, Stage};
use crate::check::is_check;
use crate::messages::AnyMessage;
use crate::output::SignedOutput;
use crate::refusal::Refusal;
use crate::review::describe;
use crate::signing::Coordinator;

pub(super) struct CoordinatorSession {
    coordinator: Coordinator,
    guard: Option<Box<dyn SignGuard>>,
    label: String,
    pub(super) sent: Vec<Outgoing>,
    /// The request in words, made once (describing a plan takes milliseconds).
    review: Vec<String>,
    definition_file: Option<String>,
    pub(super) stage: Stage,
}

impl CoordinatorSession {
    pub(super) fn new(
        Coordination {
            label,
            key,
            request,
            signers,
            definition_file,
        }: Coordination,
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
                feedback.extend(journal_notes(guard.as_ref(), verdict));
                Some(guard)
            }
            None => None,
        };
        // The engine refused what cannot be reviewed, so this describes.
        let review = describe(coordinator.request(), coordinator.group().fvk())
            .map_err(|e| Refusal::BadRequest(e.to_string()))?;
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
                review,
                definition_file,
                stage,
            },
            feedback,
        ))
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
        let in_round2 = self.coordinator.round2().is_some();
        // In round 2, the sender of a new round-1 reply (kept as its latest commitments).
        let mut kept = None;
        match message {
            AnyMessage::FollowerRound1(reply) => {
                let sender = self.coordinator.accept_round1(reply)?;
                if !in_round2 {
                    out.push(Feedback::ok(format!("accepted {kind} from {sender}")));
                    if self.coordinator.ready_for_round2() {
                        out.extend(self.start_round2(rng)?);
                    }
                    return Ok(out);
                }
                kept = Some(sender);
            }
            AnyMessage::FollowerRound2(reply) => {
                let sender = self.coordinator.accept_round2(reply)?;
                out.push(Feedback::ok(format!("accepted {kind} from {sender}")));
                if self.coordinator.ready_to_aggregate() {
                    self.stage = Stage::Compute;
                    return Ok(out);
                }
            }
            other => {
                return Err(Refusal::Unexpected {
                    got: other.kind(),
                    expected: "a signer's FollowerRound1 or FollowerRound2",
                })
            }
        }
        // In round 2 a replaced reply, or a share signed for another package, can leave no
        // package that may still complete: a new one goes out when enough signers are ready.
        let rebuilt = self.coordinator.renew(rng)?;
        let missing = self.coordinator.missing_signers();
        out.push(Feedback::ok(match (&kept, &rebuilt, missing) {
            (Some(sender), Some(_), _) => format!(
                "a new {kind} from {sender}: the round-2 package was rebuilt with it; send the new CoordinatorRound2"
            ),
            (None, Some(_), _) => "a signer used its commitments for another package: the round-2 package was rebuilt; send the new CoordinatorRound2".into(),
            (_, None, 0) => match &kept {
                Some(sender) => format!("kept a new {kind} from {sender} (round 2 is under way)"),
                None => return Ok(out),
            },
            (_, None, missing) => format!(
                "the round-2 package can no longer complete: {missing} more signer(s) must send a FollowerRound1 before a new one can go out"
            ),
        }));
        if let Some(round2) = rebuilt {
            self.sent
                .push(Outgoing::new(round2, "the signers it names"));
        }
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
                    let out = SignedOutput::of(&result, request, self.definition_file.as_deref());
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
        let participants = signing_marks(group, |p| Some(p.fingerprint()) == own, &heard);
        let own_count = usize::from(self.coordinator.has_own_share());
        let (have, need) = if in_round1 {
            self.coordinator.commitments_progress()
        } else {
            self.coordinator.shares_progress()
        };
        let request = self.coordinator.request();
        SessionView::signing(
            format!(
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
            (
                if in_round1 { 1 } else { 2 },
                format!(
                    "{} of {} replies received",
                    have.saturating_sub(own_count),
                    need.saturating_sub(own_count)
                ),
            ),
            participants,
            &self.sent,
            &self.review,
            &self.stage,
            ceremony_id(self.coordinator.signed_bytes()),
        )
    }
}

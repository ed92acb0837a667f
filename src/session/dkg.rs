//! A key generation session: round 1, the fingerprint everyone confirms, round 2, the key.
//!
//! Round 1 is unauthenticated, so a relay that swaps round-1 messages would receive this
//! participant's round-2 shares (encrypted to the relay's keys). Round 2 therefore goes out only
//! after the person confirmed that everyone sees the same round-1 fingerprint.

use rand_core::CryptoRngCore;

use super::{Feedback, Mark, Outcome, Outgoing, SessionView, Stage};
use crate::dkg::{Dkg, DkgRound2};
use crate::messages::{AnyMessage, Codec};
use crate::refusal::Refusal;

pub(super) struct DkgSession {
    dkg: Dkg,
    name: String,
    sent: Vec<Outgoing>,
    /// Round-2 messages that came before this participant's round 2 went out.
    early: Vec<DkgRound2>,
    /// Every message accepted, by round.
    accepted: [Vec<AnyMessage>; 2],
    pub(super) stage: Stage,
}

impl DkgSession {
    pub(super) fn new(
        threshold: u16,
        participants: u16,
        name: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let (dkg, round1) = Dkg::new(threshold, participants, rng)?;
        Ok(Self {
            dkg,
            name: name.to_string(),
            sent: vec![Outgoing::new(round1, "all other participants")],
            early: vec![],
            accepted: [vec![], vec![]],
            stage: Stage::Collecting,
        })
    }

    pub(super) fn sent(&self) -> &[Outgoing] {
        &self.sent
    }

    pub(super) fn take(&mut self, message: AnyMessage) -> Result<Vec<Feedback>, Refusal> {
        let finished = matches!(
            self.stage,
            Stage::Compute | Stage::Done(_) | Stage::Failed(_) | Stage::Declined
        );
        match message {
            AnyMessage::DkgRound1(m) => {
                let who = self.dkg.accept_round1(m.clone())?;
                self.accepted[0].push(m.into());
                let mut out = vec![Feedback::ok(format!("accepted DKGRound1 from {who}"))];
                if let Some(fingerprint) = self.dkg.transcript_fingerprint() {
                    out.push(Feedback::ok(format!(
                        "round 1 complete: fingerprint {fingerprint}; confirm that everyone sees the same code"
                    )));
                    self.stage = Stage::Confirm { fingerprint };
                }
                Ok(out)
            }
            AnyMessage::DkgRound2(m) if self.dkg.round() == 1 && !finished => {
                if self.early.iter().any(|e| e.vk == m.vk) {
                    return Err(Refusal::Duplicate {
                        kind: DkgRound2::KIND,
                        participant: m.sender(),
                    });
                }
                let who = m.sender();
                self.early.push(m);
                Ok(vec![Feedback::ok(format!(
                    "kept the DKGRound2 from {who} for round 2 (it arrived before this participant's round 2 went out)"
                ))])
            }
            AnyMessage::DkgRound2(m) => {
                let who = self.dkg.accept_round2(m.clone())?;
                self.accepted[1].push(m.into());
                self.after_round2();
                Ok(vec![Feedback::ok(format!("accepted DKGRound2 from {who}"))])
            }
            other => Err(Refusal::Unexpected {
                got: other.kind(),
                expected: "DKGRound1 or DKGRound2",
            }),
        }
    }

    fn after_round2(&mut self) {
        let (have, need) = self.dkg.progress();
        if self.dkg.round() == 2 && have == need {
            self.stage = Stage::Compute;
        }
    }

    /// Sends round 2, then takes the round-2 messages that came early.
    pub(super) fn confirm(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        if !matches!(self.stage, Stage::Confirm { .. }) {
            return vec![];
        }
        let round2 = match self.dkg.start_round2(rng) {
            Ok(m) => m,
            Err(e) => return vec![e.into()],
        };
        self.sent
            .push(Outgoing::new(round2, "all other participants"));
        self.stage = Stage::Collecting;
        let mut out = vec![Feedback::ok(
            "fingerprint confirmed: send your DKGRound2 to all other participants",
        )];
        for early in std::mem::take(&mut self.early) {
            let who = early.sender();
            match self.dkg.accept_round2(early.clone()) {
                Ok(_) => {
                    self.accepted[1].push(early.into());
                    out.push(Feedback::ok(format!(
                        "accepted the kept DKGRound2 from {who}"
                    )));
                }
                Err(e) => out.push(e.into()),
            }
        }
        self.after_round2();
        out
    }

    /// The person saw a different fingerprint: nothing more is sent.
    pub(super) fn abandon(&mut self) {
        if matches!(self.stage, Stage::Confirm { .. }) {
            self.stage = Stage::Failed(
                "the round-1 fingerprints differ: someone sent different messages to different people; nothing was sent, start again".into(),
            );
        }
    }

    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        if !matches!(self.stage, Stage::Compute) {
            return vec![];
        }
        match self.dkg.finish() {
            Ok(output) => {
                self.stage = Stage::Done(Outcome::Generated {
                    name: self.name.clone(),
                    output: Box::new(output),
                });
                vec![Feedback::ok(
                    "key generation finished: the others still need your DKGRound2 if they have not got it",
                )]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    pub(super) fn view(&self) -> SessionView {
        let (have, need) = self.dkg.progress();
        let round = self.dkg.round().min(2);
        let heard = self.dkg.heard_from();
        let mut participants = vec![(self.dkg.fingerprint(), Mark::You)];
        let known = self.dkg.others_known();
        if known.is_empty() {
            // Round 1: the others are known only once they have sent their message.
            participants.extend(heard.into_iter().map(|p| (p, Mark::Answered)));
            participants.extend((have..need).map(|_| ("?".repeat(8), Mark::Waiting)));
        } else {
            let done = !matches!(self.stage, Stage::Collecting);
            participants.extend(known.into_iter().map(|p| {
                let mark = if done || heard.contains(&p) {
                    Mark::Answered
                } else {
                    Mark::Waiting
                };
                (p, mark)
            }));
        }
        let relay = if round == 1 || self.sent.len() == 1 {
            std::iter::once(self.sent[0].message.clone())
                .chain(self.accepted[0].iter().cloned())
                .collect()
        } else {
            std::iter::once(self.sent[1].message.clone())
                .chain(self.accepted[1].iter().cloned())
                .collect()
        };
        SessionView {
            title: format!(
                "Key generation {}-of-{} \u{2022} key \"{}\" \u{2022} you are {}",
                self.dkg.threshold(),
                self.dkg.participants(),
                self.name,
                self.dkg.fingerprint()
            ),
            round: if matches!(self.stage, Stage::Confirm { .. }) {
                1
            } else {
                round
            },
            rounds: 2,
            progress: match &self.stage {
                Stage::Collecting => format!("{have} of {need} messages received"),
                Stage::Confirm { .. } => "compare the fingerprint with everyone".into(),
                _ => "all messages received".into(),
            },
            participants,
            sent: self.sent.clone(),
            review: vec![],
            question: super::Question::SIGN,
            fingerprint: self.dkg.transcript_fingerprint(),
            stage: self.stage.clone(),
            relay,
            ceremony_id: self.dkg.fingerprint(),
        }
    }
}

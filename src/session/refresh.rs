//! A refresh member's session: the member who starts chooses who stays; the others join from
//! the first round-1 message they see, once the person reviewed the refresh (who stays, who is
//! removed, the key, the date). Round 2 goes out as soon as round 1 is complete (every message
//! is signed and round 2 carries a digest of round 1, so nothing needs confirming by voice);
//! the outcome is the new share, to replace the old one.

use ed25519_consensus::VerificationKey;
use rand_core::CryptoRngCore;

use super::exchange::{listed, marks, quietly, Exchange};
use super::{Feedback, Outcome, Question, SessionView, Stage};
use crate::custody::not_for_this_participant;
use crate::keys::{format_date, participant_fingerprint, GroupKey, KeyShare};
use crate::messages::AnyMessage;
use crate::refresh::{Refresh, RefreshRound1, RefreshSession};
use crate::refusal::Refusal;

const TO_EVERYONE: &str = "every member (one relay may carry it to all)";

enum Member {
    /// Waiting for another member's round-1 message to join from.
    Waiting(Box<KeyShare>),
    /// Joined by the engine (every check passed); nothing goes out until the person approves.
    Review {
        engine: Box<Refresh>,
        round1: Box<RefreshRound1>,
    },
    Running(Box<Refresh>),
    Declined,
}

pub(super) struct MemberSession {
    label: String,
    group: GroupKey,
    you: String,
    member: Member,
    exchange: Exchange,
    review: Vec<String>,
    pub(super) stage: Stage,
}

impl MemberSession {
    /// Starts a refresh of `share`'s key in which every member but `remove` stays.
    pub(super) fn start(
        label: &str,
        share: KeyShare,
        remove: &[VerificationKey],
        now: u64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Refusal> {
        let group = share.group().clone();
        if let Some(stranger) = remove.iter().find(|vk| group.participant(vk).is_none()) {
            return Err(Refusal::Setup(format!(
                "participant {} is not a member of this key: there is nobody to remove",
                participant_fingerprint(stranger)
            )));
        }
        let members: Vec<VerificationKey> = group
            .participants()
            .map(|p| p.vk)
            .filter(|vk| !remove.contains(vk))
            .collect();
        let you = share.fingerprint();
        let (engine, round1) = Refresh::start(share, &members, now, rng)?;
        let mut exchange = Exchange::default();
        exchange.send(round1, TO_EVERYONE);
        let review = describe(label, &group, engine.session(), &you);
        Ok(Self {
            label: label.to_string(),
            group,
            you,
            member: Member::Running(Box::new(engine)),
            exchange,
            review,
            stage: Stage::Collecting,
        })
    }

    /// Waits for another member's round-1 message to join from.
    pub(super) fn join(label: &str, share: KeyShare) -> Self {
        Self {
            label: label.to_string(),
            group: share.group().clone(),
            you: share.fingerprint(),
            member: Member::Waiting(Box::new(share)),
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
        let later = "this member has not joined the refresh yet";
        match (&mut self.member, message) {
            (Member::Waiting(_), AnyMessage::RefreshRound1(invitation)) => {
                self.invited(invitation, rng)
            }
            (
                Member::Waiting(_) | Member::Review { .. },
                m @ (AnyMessage::RefreshRound1(_) | AnyMessage::RefreshRound2(_)),
            ) => Ok(vec![self.exchange.keep(m, later)]),
            (Member::Running(engine), m) => {
                let mut out = self.exchange.offer(engine.as_mut(), m, rng)?;
                out.extend(self.advance(rng));
                Ok(out)
            }
            (Member::Declined, m) => Err(Refusal::OutOfOrder {
                kind: m.kind(),
                now: "this member declined the refresh",
            }),
            (_, other) => Err(not_for_this_participant(other, "a refresh message")),
        }
    }

    /// Another member's round-1 message: the engine joins (checking the sender, the session and
    /// this member's share), and the person reviews before anything goes out.
    fn invited(
        &mut self,
        invitation: RefreshRound1,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        let Member::Waiting(share) = &self.member else {
            unreachable!("only a waiting member is invited")
        };
        let by = invitation.sender();
        let (engine, round1) = Refresh::join(share.as_ref().clone(), invitation.clone(), rng)?;
        self.exchange.accepted(invitation);
        self.review = describe(&self.label, &self.group, engine.session(), &by);
        self.member = Member::Review {
            engine: Box::new(engine),
            round1: Box::new(round1),
        };
        self.stage = Stage::Review;
        Ok(vec![Feedback::ok(format!(
            "RefreshRound1 from {by} invites this member to a refresh: review it, then approve or decline"
        ))])
    }

    pub(super) fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        if !matches!(self.member, Member::Review { .. }) {
            return vec![];
        }
        let Member::Review { mut engine, round1 } =
            std::mem::replace(&mut self.member, Member::Declined)
        else {
            unreachable!("checked above")
        };
        self.exchange.send(*round1, TO_EVERYONE);
        self.stage = Stage::Collecting;
        let mut out = vec![Feedback::ok(
            "approved: send your RefreshRound1 to every member",
        )];
        out.extend(self.exchange.retry(engine.as_mut(), rng));
        self.member = Member::Running(engine);
        out.extend(self.advance(rng));
        out
    }

    /// Nothing is sent; the share stays as it is.
    pub(super) fn decline(&mut self) {
        if matches!(self.member, Member::Review { .. } | Member::Waiting(_)) {
            self.member = Member::Declined;
            self.stage = Stage::Declined;
        }
    }

    /// Round 2 goes out once round 1 is complete; once round 2 is, the new share is computed.
    fn advance(&mut self, rng: &mut impl CryptoRngCore) -> Vec<Feedback> {
        let mut out = Vec::new();
        let Member::Running(engine) = &mut self.member else {
            return out;
        };
        let (have, need) = engine.progress();
        if have < need || !matches!(self.stage, Stage::Collecting) {
            return out;
        }
        match engine.round() {
            1 => match engine.start_round2(rng) {
                Ok(round2) => {
                    self.exchange.send(round2, TO_EVERYONE);
                    out.push(Feedback::ok(
                        "round 1 complete: send your RefreshRound2 to every member",
                    ));
                    out.extend(self.exchange.retry(engine.as_mut(), rng));
                    out.extend(self.advance(rng));
                }
                Err(e) => {
                    self.stage = Stage::Failed(e.to_string());
                    out.push(e.into());
                }
            },
            2 => self.stage = Stage::Compute,
            _ => {}
        }
        out
    }

    pub(super) fn compute(&mut self) -> Vec<Feedback> {
        let (Stage::Compute, Member::Running(engine)) = (&self.stage, &mut self.member) else {
            return vec![];
        };
        match engine.finish() {
            Ok(share) => {
                self.stage = Stage::Done(Outcome::Refreshed {
                    key: self.label.clone(),
                    removed: engine.removed(),
                    share: Box::new(share),
                });
                vec![Feedback::ok(
                    "refresh finished: the others still need your RefreshRound2 if they have not got it",
                )]
            }
            Err(e) => {
                self.stage = Stage::Failed(e.to_string());
                vec![e.into()]
            }
        }
    }

    pub(super) fn view(&self) -> SessionView {
        let (round, progress, participants, id) = match &self.member {
            Member::Running(engine) => {
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
                let members = engine.session().members.iter().map(participant_fingerprint);
                let participants =
                    marks(&self.you, members, &engine.waiting_for(), &engine.removed());
                let id = engine.session().id.to_string();
                (engine.round().min(2), progress, participants, id)
            }
            Member::Review { engine, .. } => {
                let members = engine.session().members.iter().map(participant_fingerprint);
                let participants = marks(&self.you, members, &[], &engine.removed());
                let id = engine.session().id.to_string();
                (1, "review the refresh".into(), participants, id)
            }
            Member::Waiting(_) | Member::Declined => {
                let members: Vec<String> =
                    self.group.participants().map(|p| p.fingerprint()).collect();
                let progress = if matches!(self.member, Member::Declined) {
                    "declined: nothing was sent".into()
                } else {
                    "waiting for a member's RefreshRound1 to join from".into()
                };
                let participants = marks(&self.you, members.clone(), &members, &[]);
                (1, progress, participants, self.you.clone())
            }
        };
        SessionView {
            title: format!(
                "Refresh of key {} ({}-of-{}) \u{2022} you are {}",
                self.label,
                self.group.threshold(),
                self.group.participant_count(),
                self.you
            ),
            round,
            rounds: 2,
            progress,
            participants,
            sent: self.exchange.sent.clone(),
            review: self.review.clone(),
            question: Question {
                heading: "You are asked to take part in a refresh",
                ask: "Take part in this refresh?",
            },
            fingerprint: None,
            stage: self.stage.clone(),
            relay: self.exchange.relay(round),
            ceremony_id: id,
        }
    }
}

/// The refresh in words, for the review: what a person must check before taking part.
fn describe(label: &str, group: &GroupKey, session: &RefreshSession, by: &str) -> Vec<String> {
    let staying: Vec<String> = session
        .members
        .iter()
        .map(participant_fingerprint)
        .collect();
    let removed: Vec<String> = group
        .participants()
        .filter(|p| !session.members.contains(&p.vk))
        .map(|p| p.fingerprint())
        .collect();
    let t = group.threshold();
    let mut lines = vec![
        format!("Refresh of key {label}: every member who stays gets a new share of the same key."),
        format!("  Identity key:  {}", group.identity_key()),
        format!("  Started by:    participant {by}"),
        format!("  Date:          {}", format_date(session.started)),
        format!("  Session:       {}", session.id),
        format!("  Staying ({}):   {}", staying.len(), listed(&staying)),
        format!("  Removed ({}):   {}", removed.len(), listed(&removed)),
        format!(
            "  Threshold:     stays {t} (frost-core refuses to lower it): any {t} of the {} members sign",
            staying.len()
        ),
        format!(
            "  Generation:    {} becomes {}",
            group.generation().number,
            session.group.generation + 1
        ),
    ];
    if !removed.is_empty() {
        lines.push(
            "A removed member's share stops combining with the new ones, once every member has destroyed its old share."
                .into(),
        );
    }
    lines.push(
        "Afterwards this member's old share is replaced by the new one and destroyed.".into(),
    );
    lines
}

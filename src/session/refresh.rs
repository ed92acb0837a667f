//! A refresh member's session: the member who starts chooses who stays; the others join from
//! the first round-1 message they see, once the person reviewed the refresh (who stays, who is
//! removed, the key, the date). Round 2 goes out as soon as round 1 is complete (every message
//! is signed and round 2 carries a digest of round 1, so nothing needs confirming by voice);
//! the outcome is the new share, to replace the old one.

use ed25519_consensus::VerificationKey;
use rand_core::CryptoRngCore;

use super::exchange::{listed, Joined, Look};
use super::{Feedback, Outcome, Outgoing, Question, SessionView, Stage};
use crate::keys::{format_date, participant_fingerprint, GroupKey, KeyShare};
use crate::messages::{AnyMessage, MessageKind};
use crate::refresh::{Refresh, RefreshRound1, RefreshSession};
use crate::refusal::Refusal;

const TO_EVERYONE: &str = "every member (one relay may carry it to all)";
const OURS: &[MessageKind] = &[MessageKind::RefreshRound1, MessageKind::RefreshRound2];

pub(super) struct MemberSession {
    label: String,
    /// This member's share, until it joins a refresh.
    share: KeyShare,
    joined: Joined<Refresh>,
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
        let group = share.group();
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
        let (engine, round1) = Refresh::start(share.clone(), &members, now, rng)?;
        let review = describe(label, group, engine.session(), &share.fingerprint());
        let mut joined = Joined::running(engine, round1, TO_EVERYONE);
        joined.review = review;
        Ok(Self {
            label: label.to_string(),
            share,
            joined,
        })
    }

    /// Waits for another member's round-1 message to join from.
    pub(super) fn join(label: &str, share: KeyShare) -> Self {
        Self {
            label: label.to_string(),
            share,
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
        match message {
            AnyMessage::RefreshRound1(invitation) if self.joined.is_waiting() => {
                self.invited(invitation, rng)
            }
            other => self.joined.take(other, rng, OURS, "a refresh message"),
        }
    }

    /// Another member's round-1 message: the engine joins (checking the sender, the session and
    /// this member's share), and the person reviews before anything goes out.
    fn invited(
        &mut self,
        invitation: RefreshRound1,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Feedback>, Refusal> {
        let by = invitation.sender();
        let (engine, round1) = Refresh::join(self.share.clone(), invitation.clone(), rng)?;
        let review = describe(&self.label, self.share.group(), engine.session(), &by);
        self.joined.accepted(invitation);
        self.joined.review(engine, round1, review);
        Ok(vec![Feedback::ok(format!(
            "RefreshRound1 from {by} invites this member to a refresh: review it, then approve or decline"
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
                Ok(Outcome::Refreshed {
                    share: Box::new(engine.finish()?),
                    removed: engine.removed(),
                    key,
                })
            },
            "refresh finished: the others still need your RefreshRound2 if they have not got it",
        )
    }

    pub(super) fn view(&self) -> SessionView {
        let group = self.share.group();
        let look = Look {
            title: format!(
                "Refresh of key {} ({}-of-{}) \u{2022} you are {}",
                self.label,
                group.threshold(),
                group.participant_count(),
                self.share.fingerprint()
            ),
            rounds: 2,
            ceremony: "refresh",
            question: Question {
                heading: "You are asked to take part in a refresh",
                ask: "Take part in this refresh?",
            },
            waiting: "waiting for a member's RefreshRound1 to join from",
            everyone: group.participants().map(|p| p.fingerprint()).collect(),
        };
        let removed = self.joined.engine().map(Refresh::removed);
        self.joined.view(
            look,
            &self.share.fingerprint(),
            &removed.unwrap_or_default(),
        )
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

//! A refresh member's part: the member who starts chooses who stays; the others join from the
//! first round-1 message they see, once the person reviewed the refresh (who stays, who is
//! removed, the key, the date). Round 2 goes out as soon as round 1 is complete (every message
//! is signed and round 2 carries a digest of round 1, so nothing needs confirming by voice);
//! the outcome is the new share, to replace the old one.

use ed25519_consensus::VerificationKey;
use rand_chacha::ChaCha20Rng;
use rand_core::CryptoRngCore;

use super::joined::{every_member_but, listed, taking_part};
use super::joined::{Joined, Look, Part, Participant, Started, Starting};
use super::{Outcome, Question};
use crate::keys::{format_date, GroupKey, KeyShare};
use crate::messages::AnyMessage;
use crate::refresh::{Refresh, RefreshSession};
use crate::refusal::Refusal;

/// What a member is asked before it joins a refresh another member started.
const TAKE_PART: Question = Question::take_part(
    "You are asked to take part in a refresh",
    "Take part in this refresh?",
);

pub(super) struct Member {
    label: String,
    /// This member's share as it was when the session began.
    share: KeyShare,
}

/// Starts a refresh of `share`'s key in which every member but `remove` stays.
pub(super) fn start(
    label: &str,
    share: KeyShare,
    remove: &[VerificationKey],
    now: u64,
    rng: &mut impl CryptoRngCore,
) -> Result<Box<dyn Participant>, Refusal> {
    let group = share.group();
    let members = every_member_but(group, remove).map_err(|stranger| {
        Refusal::Setup(format!(
            "participant {stranger} is not a member of this key: there is nobody to remove"
        ))
    })?;
    let (engine, round1) = Refresh::start(share.clone(), &members, now, rng)?;
    let review = describe(label, group, engine.session(), None);
    let part = Member {
        label: label.to_string(),
        share,
    };
    Ok(Box::new(Joined::running(part, engine, round1, review)))
}

/// Waits for another member's round-1 message to join from.
pub(super) fn join(label: &str, share: KeyShare) -> Box<dyn Participant> {
    Box::new(Joined::waiting(Member {
        label: label.to_string(),
        share,
    }))
}

impl Part for Member {
    type Engine = Refresh;
    const EXPECTED: &'static str = "a refresh message";
    const TO: &'static str = "every member (one relay may carry it to all)";

    /// Another member's round-1 message: the engine joins (checking the sender, the session and
    /// this member's share), and the person reviews before anything goes out.
    fn start(&mut self, message: AnyMessage, rng: &mut ChaCha20Rng) -> Starting<Refresh> {
        let AnyMessage::RefreshRound1(invitation) = message else {
            return Ok(Started::Not(message));
        };
        let by = invitation.sender();
        let (engine, round1) = Refresh::join(self.share.clone(), invitation.clone(), rng)?;
        Ok(Started::Review {
            review: describe(&self.label, self.share.group(), engine.session(), Some(&by)),
            engine: Box::new(engine),
            first: Box::new(round1.into()),
            accepted: Some(Box::new(invitation.into())),
            note: format!(
                "RefreshRound1 from {by} invites this member to a refresh: review it, then approve or decline"
            ),
        })
    }

    fn finish(&self, engine: &mut Refresh) -> Result<(Outcome, &'static str), Refusal> {
        let outcome = Outcome::Refreshed {
            share: Box::new(engine.finish()?),
            removed: engine.removed(),
            key: self.label.clone(),
        };
        Ok((
            outcome,
            "refresh finished: the others still need your RefreshRound2 if they have not got it",
        ))
    }

    fn look(&self) -> Look {
        let waiting = "waiting for a member's RefreshRound1 to join from";
        Look::member("Refresh", &self.label, &self.share, 2, TAKE_PART, waiting)
    }

    fn removed(&self, engine: &Refresh) -> Vec<String> {
        engine.removed()
    }
}

/// The refresh in words, for the review: what a person must check before taking part.
/// `from`: the member whose round-1 message this member joins from (not necessarily the one
/// who started: the session does not say who did), or None for the member who starts.
fn describe(
    label: &str,
    group: &GroupKey,
    session: &RefreshSession,
    from: Option<&str>,
) -> Vec<String> {
    let (staying, removed) = taking_part(group, &session.members);
    let t = group.threshold();
    let mut lines = vec![
        format!("Refresh of key {label}: every member who stays gets a new share of the same key."),
        format!("  Identity key:  {}", group.identity_key()),
        match from {
            Some(member) => format!("  Joining from:  participant {member}"),
            None => "  Started by:    this member".into(),
        },
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

//! Who takes part in one session of a refresh or repair ([`Circle`]), what each of them sent in
//! a round ([`Inbox`]), and the one interface sessions drive every refresh and repair engine
//! through ([`Ceremony`]).

use std::collections::BTreeMap;

use ed25519_consensus::VerificationKey;
use rand_core::CryptoRngCore;

use super::{stranger, Body, SessionId, Signed};
use crate::keys::{participant_fingerprint, GroupKey};
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;

/// The participants of one session, as one of them sees them.
#[derive(Clone, Debug)]
pub struct Circle {
    /// This participant's key, if it sends messages of the session's rounds.
    own: Option<VerificationKey>,
    session: SessionId,
    participants: Vec<VerificationKey>,
    /// What a member of the key who is not a participant is not, in words.
    outsider: &'static str,
}

impl Circle {
    pub(crate) fn new(
        own: Option<VerificationKey>,
        session: SessionId,
        participants: &[VerificationKey],
        outsider: &'static str,
    ) -> Self {
        Self {
            own,
            session,
            participants: participants.to_vec(),
            outsider,
        }
    }

    pub fn session(&self) -> SessionId {
        self.session
    }

    /// Every participant's fingerprint.
    pub fn fingerprints(&self) -> Vec<String> {
        self.participants
            .iter()
            .map(participant_fingerprint)
            .collect()
    }

    /// How many participants a round waits for: all but this one.
    pub fn others(&self) -> usize {
        let own = self.own.filter(|vk| self.participants.contains(vk));
        self.participants.len() - usize::from(own.is_some())
    }

    /// Checks a message's sender and session, in this order: not this participant's own, of
    /// this session, from a participant (a member of `group` who is not one is named as such;
    /// anyone else is a stranger). Returns the sender's fingerprint.
    pub(crate) fn check(
        &self,
        group: &GroupKey,
        kind: MessageKind,
        vk: &VerificationKey,
        session: &SessionId,
    ) -> Result<String, Refusal> {
        let participant = participant_fingerprint(vk);
        if self.own.as_ref() == Some(vk) {
            return Err(Refusal::OwnMessage { kind, participant });
        }
        if *session != self.session {
            return Err(Refusal::OtherSession {
                kind,
                participant,
                theirs: session.to_string(),
                ours: self.session.to_string(),
            });
        }
        if !self.participants.contains(vk) {
            return Err(if group.participant(vk).is_some() {
                Refusal::Invalid {
                    kind,
                    participant,
                    problem: self.outsider.into(),
                }
            } else {
                stranger(kind, participant)
            });
        }
        Ok(participant)
    }

    /// The fingerprints of the participants, other than this one, not among `heard`.
    fn waiting_for(&self, heard: &[&[u8; 32]]) -> Vec<String> {
        self.participants
            .iter()
            .filter(|vk| self.own.as_ref() != Some(*vk) && !heard.contains(&vk.as_bytes()))
            .map(participant_fingerprint)
            .collect()
    }
}

/// One round's messages, by sender, each with what checking it gave (a decrypted share, a
/// delta).
pub struct Inbox<B, X = ()> {
    received: BTreeMap<[u8; 32], (Signed<B>, X)>,
}

impl<B, X> Default for Inbox<B, X> {
    fn default() -> Self {
        Self {
            received: BTreeMap::new(),
        }
    }
}

impl<B: Body + PartialEq, X> Inbox<B, X> {
    pub fn len(&self) -> usize {
        self.received.len()
    }

    pub fn is_empty(&self) -> bool {
        self.received.is_empty()
    }

    /// The senders' keys, as bytes.
    pub fn senders(&self) -> Vec<&[u8; 32]> {
        self.received.keys().collect()
    }

    pub fn messages(&self) -> impl Iterator<Item = &Signed<B>> {
        self.received.values().map(|(m, _)| m)
    }

    pub fn entries(&self) -> impl Iterator<Item = &(Signed<B>, X)> {
        self.received.values()
    }

    pub fn get(&self, sender: &VerificationKey) -> Option<&Signed<B>> {
        self.received.get(sender.as_bytes()).map(|(m, _)| m)
    }

    pub fn insert(&mut self, msg: Signed<B>, checked: X) {
        self.received.insert(msg.vk.to_bytes(), (msg, checked));
    }

    /// Refuses a second message from a sender already heard from in this round: the same
    /// message again (harmless, as in a bundle seen twice) or a different one (it sent two).
    pub fn first(&self, msg: &Signed<B>, participant: &str) -> Result<(), Refusal> {
        let (kind, participant) = (B::KIND, participant.to_string());
        match self.get(&msg.vk) {
            None => Ok(()),
            Some(earlier) if earlier == msg => Err(Refusal::AlreadyReceived { kind, participant }),
            Some(_) => Err(Refusal::Conflicting { kind, participant }),
        }
    }

    /// Checks a message before this round takes it: its sender and session
    /// ([`Circle::check`]), and that it is the sender's first. Returns the sender's
    /// fingerprint.
    pub fn admit(
        &self,
        circle: &Circle,
        group: &GroupKey,
        msg: &Signed<B>,
    ) -> Result<String, Refusal> {
        let session = msg.body.session_id().unwrap_or(circle.session);
        let participant = circle.check(group, B::KIND, &msg.vk, &session)?;
        self.first(msg, &participant)?;
        Ok(participant)
    }
}

/// The round a refresh or repair message belongs to (a newcomer's request comes before round 1).
pub fn round_of(kind: MessageKind) -> u8 {
    match kind {
        MessageKind::RepairRequest => 0,
        MessageKind::RefreshRound2 | MessageKind::RepairRound2 => 2,
        MessageKind::RepairRound3 => 3,
        _ => 1,
    }
}

/// Why a message or step of `kind` cannot be taken in `round` by a participant whose part
/// ends after round `last`.
pub(crate) fn out_of_order(kind: MessageKind, round: u8, last: u8) -> Refusal {
    let now = match (round > last, round_of(kind).cmp(&round)) {
        (true, _) => "this participant's part is finished",
        (false, std::cmp::Ordering::Greater) => match round {
            1 => "round 1 is not complete",
            _ => "round 2 is not complete",
        },
        (false, std::cmp::Ordering::Equal) => "this round has already started",
        (false, std::cmp::Ordering::Less) => match round_of(kind) {
            1 => "round 1 is over",
            _ => "round 2 is over",
        },
    };
    Refusal::OutOfOrder { kind, now }
}

/// The first of `keys` that is not a member of `group`, by fingerprint.
pub(crate) fn first_stranger(group: &GroupKey, keys: &[VerificationKey]) -> Option<String> {
    keys.iter()
        .find(|vk| group.participant(vk).is_none())
        .map(participant_fingerprint)
}

/// A refresh or repair engine, as a session drives it: one message at a time, each round's
/// message once the round before is complete, and where it stands.
pub trait Ceremony {
    /// The round messages the members send one another, which one who has not joined yet keeps
    /// for when it does: none by default (a newcomer runs from the start).
    const ROUND_MESSAGES: &'static [MessageKind] = &[];

    /// Takes any message: this participant's kinds are checked and taken; what is for someone
    /// else is refused as such ([`Refusal::skippable`]), and other kinds as unexpected.
    /// Returns the sender's fingerprint. A refusal leaves the engine as it was.
    fn accept(&mut self, message: AnyMessage) -> Result<String, Refusal>;

    /// The round whose messages are taken now; past the last, this participant is done.
    fn round(&self) -> u8;

    /// The next round's message, once the current round is complete; None when this
    /// participant has nothing more to send.
    fn next(&mut self, rng: &mut impl CryptoRngCore) -> Result<Option<AnyMessage>, Refusal>;

    /// The session's participants, once the session is known.
    fn circle(&self) -> Option<&Circle>;

    /// The senders heard from in the current round; None once this participant is done.
    fn heard(&self) -> Option<Vec<&[u8; 32]>>;

    /// (heard from, needed) in the current round.
    fn progress(&self) -> (usize, usize) {
        let others = self.circle().map_or(0, Circle::others);
        match self.heard() {
            Some(heard) => (heard.len(), others),
            None => (others, others),
        }
    }

    /// The fingerprints of the participants heard from in the current round.
    fn heard_from(&self) -> Vec<String> {
        let heard = self.heard().unwrap_or_default();
        heard
            .into_iter()
            .filter_map(|k| VerificationKey::try_from(*k).ok())
            .map(|vk| participant_fingerprint(&vk))
            .collect()
    }

    /// The fingerprints of the participants still to be heard from in the current round.
    fn waiting_for(&self) -> Vec<String> {
        match (self.circle(), self.heard()) {
            (Some(circle), Some(heard)) => circle.waiting_for(&heard),
            _ => vec![],
        }
    }

    /// What is missing before a step that needs the current round complete.
    fn incomplete(&self, kind: MessageKind) -> Refusal {
        let (have, need) = self.progress();
        Refusal::Incomplete {
            kind,
            missing: need.saturating_sub(have),
        }
    }
}

//! A member who did not help (or a coordinator's group description) learns the newcomer from
//! the helpers' messages: their round-1 messages (which name the newcomer and the helpers) and
//! their round-3 messages (each helper sent the newcomer its piece). Messages come in any
//! order, as a relay or a person pastes them; a refused one leaves the admission as it was.

use ed25519_consensus::VerificationKey;

use super::{admit, RepairRound1, RepairRound3, RepairSession};
use crate::custody::stranger;
use crate::keys::{participant_fingerprint, GroupKey};
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;

/// The helpers' messages gathered so far, for one member's view of the key.
pub struct Admission {
    group: GroupKey,
    round1: Vec<RepairRound1>,
    round3: Vec<RepairRound3>,
}

/// The same sender twice in one round: the same message again is harmless, another is not.
fn second(kind: MessageKind, vk: &VerificationKey, same: bool) -> Refusal {
    let participant = participant_fingerprint(vk);
    if same {
        Refusal::AlreadyReceived { kind, participant }
    } else {
        Refusal::Conflicting { kind, participant }
    }
}

/// Whether a helper's round-3 message belongs to `session`: its session, from one of its
/// helpers.
fn belongs(session: &RepairSession, m: &RepairRound3) -> Result<(), Refusal> {
    let kind = MessageKind::RepairRound3;
    if m.body.link.session != session.id {
        return Err(Refusal::OtherSession {
            kind,
            participant: m.sender(),
            theirs: m.body.link.session.to_string(),
            ours: session.id.to_string(),
        });
    }
    if !session.helpers.contains(&m.vk) {
        return Err(stranger(kind, m.sender()));
    }
    Ok(())
}

impl Admission {
    /// An admission into the key `group` describes (the member's current description).
    pub fn new(group: GroupKey) -> Self {
        Self {
            group,
            round1: vec![],
            round3: vec![],
        }
    }

    /// The repair's session, once a helper's round-1 message named it.
    pub fn session(&self) -> Option<&RepairSession> {
        self.round1.first().map(|m| &m.body.session)
    }

    /// The newcomer's participant fingerprint, once the session is known.
    pub fn newcomer(&self) -> Option<String> {
        self.session()
            .map(|s| participant_fingerprint(&s.newcomer.vk))
    }

    /// Takes a helper's round-1 or round-3 message; the others of a repair (the newcomer's
    /// request, round 2) are passed over as skippable. Returns what was taken, in words.
    pub fn take(&mut self, message: AnyMessage) -> Result<String, Refusal> {
        match message {
            AnyMessage::RepairRound1(m) => self.take_round1(m),
            AnyMessage::RepairRound3(m) => self.take_round3(m),
            AnyMessage::RepairRequest(_) | AnyMessage::RepairRound2(_) => {
                Err(Refusal::NotForThisParticipant {
                    kind: message.kind(),
                    participant: message
                        .sender_key()
                        .map(|vk| participant_fingerprint(&vk))
                        .unwrap_or_default(),
                })
            }
            other => Err(Refusal::Unexpected {
                got: other.kind(),
                expected: "a repair helper's RepairRound1 or RepairRound3",
            }),
        }
    }

    fn take_round1(&mut self, m: RepairRound1) -> Result<String, Refusal> {
        let kind = MessageKind::RepairRound1;
        if let Some(held) = self.round1.iter().find(|h| h.vk == m.vk) {
            return Err(second(kind, &m.vk, *held == m));
        }
        let sender = m.sender();
        let mut round1 = self.round1.clone();
        round1.push(m);
        if !self.round1.is_empty() {
            self.check(&round1, &[])?;
            self.round1 = round1;
            return Ok(format!("{kind} from participant {sender}"));
        }
        // The first one names the session (the newcomer, the helpers), checked against this
        // member's key. Round-3 messages held until now that do not belong to it (an earlier
        // attempt) are dropped, so that they cannot block this one.
        self.check(&round1, &[])?;
        let (kept, dropped): (Vec<_>, Vec<_>) = std::mem::take(&mut self.round3)
            .into_iter()
            .partition(|r3| belongs(&round1[0].body.session, r3).is_ok());
        self.round1 = round1;
        self.round3 = kept;
        let mut note = format!(
            "{kind} from participant {sender}: a repair that enrols newcomer {}",
            self.newcomer().unwrap_or_default()
        );
        if !dropped.is_empty() {
            let who: Vec<String> = dropped.iter().map(RepairRound3::sender).collect();
            note.push_str(&format!(
                "; dropped the RepairRound3 of {} (another repair)",
                who.join(", ")
            ));
        }
        Ok(note)
    }

    fn take_round3(&mut self, m: RepairRound3) -> Result<String, Refusal> {
        let kind = MessageKind::RepairRound3;
        if let Some(held) = self.round3.iter().find(|h| h.vk == m.vk) {
            return Err(second(kind, &m.vk, *held == m));
        }
        if self.group.participant(&m.vk).is_none() {
            return Err(stranger(kind, m.sender()));
        }
        if let Some(session) = self.session() {
            belongs(session, &m)?;
        }
        let sender = m.sender();
        self.round3.push(m);
        Ok(format!("{kind} from participant {sender}"))
    }

    /// [`admit`]'s checks of round-1 messages, where only missing ones are allowed to fail
    /// (round 3 is checked only once round 1 is complete).
    fn check(&self, round1: &[RepairRound1], round3: &[RepairRound3]) -> Result<(), Refusal> {
        match admit(&self.group, round1, round3) {
            Ok(_) | Err(Refusal::Incomplete { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// (helpers heard from in round 1, in round 3, helpers), once the session is known.
    pub fn progress(&self) -> Option<(usize, usize, usize)> {
        let helpers = self.session()?.helpers.len();
        Some((self.round1.len(), self.round3.len(), helpers))
    }

    /// The key's description with the newcomer enrolled, once every helper's two messages are
    /// in.
    pub fn admitted(&self) -> Result<GroupKey, Refusal> {
        admit(&self.group, &self.round1, &self.round3)
    }
}

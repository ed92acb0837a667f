//! The newcomer in a repair: a new participant, with a new ed25519 key, who receives a share of
//! the key from the helpers.

use std::collections::BTreeMap;

use decaf377::{Element, Fr};
use ed25519_consensus::{SigningKey, VerificationKey};
use frost_core::keys::repairable::{repair_share_part3, Sigma};
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

use super::{
    check_commitments, check_session, failed, helper_index, round1_transcript, round2_transcript,
    RepairRequest, RepairRequestBody, RepairRound1, RepairRound2, RepairRound3, RepairSession,
    OUTSIDER,
};
use crate::custody::{
    check_first, decrypt_scalar, not_for_this_participant, wipe, GroupRef, Roster, Signed,
};
use crate::keys::{participant_fingerprint, GroupKey, KeyShare};
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;
use crate::suite::{identifier_for, Decaf377Rdsa, SigningShare};

const ROUND1: MessageKind = MessageKind::RepairRound1;
const ROUND2: MessageKind = MessageKind::RepairRound2;
const ROUND3: MessageKind = MessageKind::RepairRound3;

/// Everything received in one session, by helper.
struct Collected {
    session: RepairSession,
    round1: BTreeMap<[u8; 32], RepairRound1>,
    round2: BTreeMap<[u8; 32], RepairRound2>,
    round3: BTreeMap<[u8; 32], (RepairRound3, Zeroizing<Fr>)>,
}

enum Phase {
    /// No helper heard from yet: the session is not known.
    Waiting,
    Collecting(Box<Collected>),
    Done(Box<KeyShare>),
}

/// The newcomer of a repair.
pub struct Newcomer {
    group: GroupKey,
    signing_key: SigningKey,
    decryption_key: decaf377_ka::Secret,
    request: RepairRequest,
    phase: Phase,
}

impl Drop for Newcomer {
    fn drop(&mut self) {
        self.signing_key.zeroize();
    }
}

impl Newcomer {
    /// A newcomer to the key that `group` describes (its public group description, from any
    /// member), with a fresh participant key. Returns the request to give the helpers; its
    /// fingerprint ([`Self::fingerprint`]) is what they confirm with the newcomer.
    pub fn new(
        group: GroupKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, RepairRequest), Refusal> {
        let signing_key = SigningKey::new(&mut *rng);
        let decryption_key = decaf377_ka::Secret::new(rng);
        let request = Signed::sign(
            &signing_key,
            RepairRequestBody {
                group: GroupRef::of(&group),
                epk: decryption_key.public(),
            },
        );
        let newcomer = Self {
            group,
            signing_key,
            decryption_key,
            request: request.clone(),
            phase: Phase::Waiting,
        };
        Ok((newcomer, request))
    }

    pub fn fingerprint(&self) -> String {
        participant_fingerprint(&self.signing_key.verification_key())
    }

    /// The request, to show again.
    pub fn request(&self) -> &RepairRequest {
        &self.request
    }

    /// The session, once a helper has been heard from.
    pub fn session(&self) -> Option<&RepairSession> {
        match &self.phase {
            Phase::Collecting(c) => Some(&c.session),
            _ => None,
        }
    }

    /// 1 to 3: the round whose helper messages are awaited; 4 when done.
    pub fn round(&self) -> u8 {
        match &self.phase {
            Phase::Waiting => 1,
            Phase::Collecting(c) if c.round1.len() < c.session.helpers.len() => 1,
            Phase::Collecting(c) if c.round2.len() < c.session.helpers.len() => 2,
            Phase::Collecting(_) => 3,
            Phase::Done(_) => 4,
        }
    }

    /// (heard from, needed) in the current round; before any helper is heard from the number
    /// of helpers is unknown and t is shown.
    pub fn progress(&self) -> (usize, usize) {
        match &self.phase {
            Phase::Waiting => (0, usize::from(self.group.threshold())),
            Phase::Collecting(c) => {
                let need = c.session.helpers.len();
                let have = match self.round() {
                    1 => c.round1.len(),
                    2 => c.round2.len(),
                    _ => c.round3.len(),
                };
                (have, need)
            }
            Phase::Done(share) => {
                let n = share.group().participant_count();
                (n, n)
            }
        }
    }

    /// The fingerprints of the helpers still to be heard from in the current round.
    pub fn waiting_for(&self) -> Vec<String> {
        let Phase::Collecting(c) = &self.phase else {
            return vec![];
        };
        let heard: Vec<&[u8; 32]> = match self.round() {
            1 => c.round1.keys().collect(),
            2 => c.round2.keys().collect(),
            _ => c.round3.keys().collect(),
        };
        self.roster(&c.session).waiting_for(&heard)
    }

    /// The newcomer sends only its request.
    pub fn outgoing(&self) -> Option<AnyMessage> {
        match self.phase {
            Phase::Done(_) => None,
            _ => Some(AnyMessage::RepairRequest(self.request.clone())),
        }
    }

    /// Accepts any repair message: every helper round is for the newcomer.
    pub fn accept(
        &mut self,
        msg: AnyMessage,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal> {
        match msg {
            AnyMessage::RepairRound1(m) => self.accept_round1(m),
            AnyMessage::RepairRound2(m) => self.accept_round2(m),
            AnyMessage::RepairRound3(m) => self.accept_round3(m, rng),
            AnyMessage::RepairRequest(m) if m == self.request => Err(Refusal::OwnMessage {
                kind: MessageKind::RepairRequest,
                participant: m.sender(),
            }),
            other => Err(not_for_this_participant(other, "a repair helper's message")),
        }
    }

    fn collected(&self, kind: MessageKind) -> Result<&Collected, Refusal> {
        match &self.phase {
            Phase::Collecting(c) => Ok(c),
            Phase::Waiting => Err(Refusal::OutOfOrder {
                kind,
                now: "no helper's round-1 message has arrived yet",
            }),
            Phase::Done(_) => Err(Refusal::OutOfOrder {
                kind,
                now: "the repair is finished",
            }),
        }
    }

    fn roster<'a>(&'a self, session: &'a RepairSession) -> Roster<'a> {
        Roster {
            own: None,
            session: &session.id,
            participants: &session.helpers,
            group: &self.group,
            outsider: OUTSIDER,
        }
    }

    /// Accepts a helper's round-1 message. The first one tells the session, which must name
    /// this newcomer's request exactly; the others must carry the same. Returns the sender.
    pub fn accept_round1(&mut self, msg: RepairRound1) -> Result<String, Refusal> {
        let sender = msg.sender();
        let session = &msg.body.session;
        match &self.phase {
            Phase::Done(_) => {
                return Err(Refusal::OutOfOrder {
                    kind: ROUND1,
                    now: "the repair is finished",
                })
            }
            Phase::Collecting(c) => {
                let participant = self
                    .roster(&c.session)
                    .check(ROUND1, &msg.vk, &session.id)?;
                check_first(c.round1.get(msg.vk.as_bytes()), &msg, ROUND1, &participant)?;
                if *session != c.session {
                    return Err(Refusal::Invalid {
                        kind: ROUND1,
                        participant,
                        problem: "describes this repair differently (its newcomer or its helpers): it sent different members different sessions".into(),
                    });
                }
            }
            Phase::Waiting => {
                if session.newcomer != self.request {
                    return Err(Refusal::NotForThisParticipant {
                        kind: ROUND1,
                        participant: sender,
                    });
                }
                check_session(&self.group, session)?;
                self.roster(session).check(ROUND1, &msg.vk, &session.id)?;
            }
        }
        match &mut self.phase {
            Phase::Collecting(c) => {
                c.round1.insert(msg.vk.to_bytes(), msg);
            }
            phase => {
                let session = msg.body.session.clone();
                let mut round1 = BTreeMap::new();
                round1.insert(msg.vk.to_bytes(), msg);
                *phase = Phase::Collecting(Box::new(Collected {
                    session,
                    round1,
                    round2: BTreeMap::new(),
                    round3: BTreeMap::new(),
                }));
            }
        }
        Ok(sender)
    }

    /// Accepts a helper's round-2 message, once round 1 is complete: it saw the same round 1
    /// and its delta commitments add up to its part. Returns the sender.
    pub fn accept_round2(&mut self, msg: RepairRound2) -> Result<String, Refusal> {
        let c = self.collected(ROUND2)?;
        let participant = self
            .roster(&c.session)
            .check(ROUND2, &msg.vk, &msg.body.session)?;
        if c.round1.len() < c.session.helpers.len() {
            return Err(Refusal::OutOfOrder {
                kind: ROUND2,
                now: "round 1 is not complete",
            });
        }
        check_first(c.round2.get(msg.vk.as_bytes()), &msg, ROUND2, &participant)?;
        if msg.body.transcript != round1_transcript(&c.session.id, c.round1.values()) {
            return Err(Refusal::Invalid {
                kind: ROUND2,
                participant,
                problem: "saw other round-1 messages than the newcomer did: someone sent different members different messages; start the repair again".into(),
            });
        }
        check_commitments(&self.group, &c.session, &msg)?;
        if let Phase::Collecting(c) = &mut self.phase {
            c.round2.insert(msg.vk.to_bytes(), msg);
        }
        Ok(participant)
    }

    /// Accepts a helper's round-3 message, once round 2 is complete: it saw the same round 2,
    /// and its sigma decrypts to the sum of the deltas committed to it. Returns the sender.
    pub fn accept_round3(
        &mut self,
        msg: RepairRound3,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal> {
        let c = self.collected(ROUND3)?;
        let participant = self
            .roster(&c.session)
            .check(ROUND3, &msg.vk, &msg.body.session)?;
        if c.round2.len() < c.session.helpers.len() {
            return Err(Refusal::OutOfOrder {
                kind: ROUND3,
                now: "round 2 is not complete",
            });
        }
        check_first(
            c.round3.get(msg.vk.as_bytes()).map(|(m, _)| m),
            &msg,
            ROUND3,
            &participant,
        )?;
        let invalid = |problem: String| Refusal::Invalid {
            kind: ROUND3,
            participant: participant.clone(),
            problem,
        };
        if msg.body.transcript != round2_transcript(&c.session.id, c.round2.values()) {
            return Err(invalid(
                "saw other round-2 messages than the newcomer did: someone sent different members different messages; start the repair again".into(),
            ));
        }
        let sigma = decrypt_scalar(rng, &self.decryption_key, &msg.body.sigma)
            .map_err(|e| invalid(format!("the piece sent to the newcomer {e}")))?;
        let column = helper_index(&c.session, &msg.vk);
        let committed: Element = c.round2.values().map(|m| m.body.commitments[column]).sum();
        if Element::GENERATOR * *sigma != committed {
            return Err(invalid(
                "its piece is not the sum of the deltas committed to it: it lied".into(),
            ));
        }
        if let Phase::Collecting(c) = &mut self.phase {
            c.round3.insert(msg.vk.to_bytes(), (msg, sigma));
        }
        Ok(participant)
    }

    /// The newcomer's share (frost-core's `repair_share_part3`), under the group description
    /// that includes it, once every helper's piece is in. Its verifying share is checked
    /// against the one interpolated from the group's.
    pub fn finish(&mut self) -> Result<KeyShare, Refusal> {
        let c = match &self.phase {
            Phase::Done(share) => return Ok(share.as_ref().clone()),
            Phase::Waiting => {
                return Err(Refusal::Incomplete {
                    kind: ROUND1,
                    missing: usize::from(self.group.threshold()),
                })
            }
            Phase::Collecting(c) => c,
        };
        let helpers = c.session.helpers.len();
        for (kind, have) in [
            (ROUND1, c.round1.len()),
            (ROUND2, c.round2.len()),
            (ROUND3, c.round3.len()),
        ] {
            if have < helpers {
                return Err(Refusal::Incomplete {
                    kind,
                    missing: helpers - have,
                });
            }
        }
        let me: VerificationKey = self.signing_key.verification_key();
        let mut sigmas: Vec<Sigma<Decaf377Rdsa>> =
            c.round3.values().map(|(_, s)| Sigma::new(**s)).collect();
        let key_package = repair_share_part3(
            &sigmas,
            identifier_for(&me),
            &self.group.public_key_package(),
        );
        for sigma in &mut sigmas {
            wipe(sigma, Sigma::new(Fr::ZERO));
        }
        let key_package = key_package.map_err(failed)?;
        let group = self.group.enrol(me).map_err(failed)?;
        let signing_share: SigningShare = *key_package.signing_share();
        let share = KeyShare::new(group, signing_share, self.signing_key.clone()).map_err(|e| {
            failed(format!(
                "the share the helpers gave does not match the key ({e}); every piece passed its checks, so report this"
            ))
        })?;
        self.phase = Phase::Done(Box::new(share.clone()));
        Ok(share)
    }
}

//! The newcomer in a repair: a new participant, with a new ed25519 key, who receives a share of
//! the key from the helpers.

use decaf377::{Element, Fr};
use ed25519_consensus::{SigningKey, VerificationKey};
use frost_core::keys::repairable::{repair_share_part3, Sigma};
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

use super::{
    check_commitments, check_session, circle, failed, helper_index, round1_transcript,
    round2_transcript, RepairRequest, RepairRequestBody, RepairRound1, RepairRound1Body,
    RepairRound2, RepairRound2Body, RepairRound3, RepairRound3Body, RepairSession,
};
use crate::custody::{
    decrypt_scalar, not_for_this_participant, out_of_order, round_of, wipe, Body, Ceremony, Circle,
    GroupRef, Inbox, RoundLink, Signed,
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
    circle: Circle,
    round1: Inbox<RepairRound1Body>,
    round2: Inbox<RepairRound2Body>,
    round3: Inbox<RepairRound3Body, Zeroizing<Fr>>,
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

    /// What has been collected, or why a message of `kind` cannot be taken now.
    fn collected(&self, kind: MessageKind) -> Result<&Collected, Refusal> {
        match &self.phase {
            Phase::Collecting(c) => Ok(c),
            _ => Err(out_of_order(kind, self.round(), 3)),
        }
    }

    /// Accepts a helper's round-1 message. The first one tells the session, which must name
    /// this newcomer's request exactly; the others must carry the same. Returns the sender.
    pub fn accept_round1(&mut self, msg: RepairRound1) -> Result<String, Refusal> {
        let session = &msg.body.session;
        let participant = match &self.phase {
            Phase::Done(_) => return Err(out_of_order(ROUND1, self.round(), 3)),
            Phase::Collecting(c) => {
                let participant = c.round1.admit(&c.circle, &self.group, &msg)?;
                if *session != c.session {
                    return Err(msg.invalid("describes this repair differently (its newcomer or its helpers): it sent different members different sessions"));
                }
                participant
            }
            Phase::Waiting => {
                if session.newcomer != self.request {
                    return Err(Refusal::NotForThisParticipant {
                        kind: ROUND1,
                        participant: msg.sender(),
                    });
                }
                check_session(&self.group, session)?;
                let circle = circle(None, session);
                circle.check(&self.group, ROUND1, &msg.vk, &session.id)?
            }
        };
        if matches!(self.phase, Phase::Waiting) {
            self.phase = Phase::Collecting(Box::new(Collected {
                circle: circle(None, session),
                session: session.clone(),
                round1: Inbox::default(),
                round2: Inbox::default(),
                round3: Inbox::default(),
            }));
        }
        if let Phase::Collecting(c) = &mut self.phase {
            c.round1.insert(msg, ());
        }
        Ok(participant)
    }

    /// Admits a helper's round-2 or round-3 message before what it says is checked: from a
    /// helper of this session, sent once the round before is complete here (`before`: how many
    /// of its messages are in, and their transcript), the first from its sender, and after the
    /// same messages of the round before as this newcomer saw. Returns the sender.
    fn admit<B: Body + PartialEq, X>(
        &self,
        c: &Collected,
        msg: &Signed<B>,
        link: &RoundLink,
        before: (usize, [u8; 32]),
        received: &Inbox<B, X>,
    ) -> Result<String, Refusal> {
        let participant = c
            .circle
            .check(&self.group, B::KIND, &msg.vk, &link.session)?;
        if before.0 < c.circle.others() {
            return Err(out_of_order(B::KIND, self.round(), 3));
        }
        received.first(msg, &participant)?;
        if link.transcript != before.1 {
            return Err(msg.invalid(format!(
                "saw other round-{} messages than the newcomer did: someone sent different members different messages; start the repair again",
                round_of(B::KIND) - 1
            )));
        }
        Ok(participant)
    }

    /// Accepts a helper's round-2 message, once round 1 is complete: it saw the same round 1
    /// and its delta commitments add up to its part. Returns the sender.
    pub fn accept_round2(&mut self, msg: RepairRound2) -> Result<String, Refusal> {
        let c = self.collected(ROUND2)?;
        let seen = round1_transcript(&c.session.id, c.round1.messages());
        let participant = self.admit(c, &msg, &msg.body.link, (c.round1.len(), seen), &c.round2)?;
        check_commitments(&self.group, &c.session, &msg)?;
        if let Phase::Collecting(c) = &mut self.phase {
            c.round2.insert(msg, ());
        }
        Ok(participant)
    }

    /// Accepts a helper's round-3 message, once round 2 is complete: it saw the same round 2,
    /// and its sigma decrypts to the sum of the deltas committed to it. Returns the sender.
    pub fn accept_round3(&mut self, msg: RepairRound3) -> Result<String, Refusal> {
        let c = self.collected(ROUND3)?;
        let seen = round2_transcript(&c.session.id, c.round2.messages());
        let participant = self.admit(c, &msg, &msg.body.link, (c.round2.len(), seen), &c.round3)?;
        let sigma = decrypt_scalar(&self.decryption_key, &msg.body.sigma)
            .map_err(|e| msg.invalid(format!("the piece sent to the newcomer {e}")))?;
        let column = helper_index(&c.session, &msg.vk);
        let committed: Element = c
            .round2
            .messages()
            .map(|m| m.body.commitments[column])
            .sum();
        if Element::GENERATOR * *sigma != committed {
            return Err(
                msg.invalid("its piece is not the sum of the deltas committed to it: it lied")
            );
        }
        if let Phase::Collecting(c) = &mut self.phase {
            c.round3.insert(msg, sigma);
        }
        Ok(participant)
    }

    /// The newcomer's share (frost-core's `repair_share_part3`), under the group description
    /// that includes it, once every helper's piece is in. Its verifying share is checked
    /// against the one interpolated from the group's.
    pub fn finish(&mut self) -> Result<KeyShare, Refusal> {
        let c = match &self.phase {
            Phase::Done(share) => return Ok(share.as_ref().clone()),
            Phase::Waiting => return Err(self.incomplete(ROUND1)),
            Phase::Collecting(c) => c,
        };
        if c.round3.len() < c.circle.others() {
            let kind = [ROUND1, ROUND2, ROUND3][usize::from(self.round()) - 1];
            return Err(self.incomplete(kind));
        }
        let me: VerificationKey = self.signing_key.verification_key();
        let mut sigmas: Vec<Sigma<Decaf377Rdsa>> =
            c.round3.entries().map(|(_, s)| Sigma::new(**s)).collect();
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

impl Ceremony for Newcomer {
    /// Accepts any repair message: every helper round is for the newcomer.
    fn accept(&mut self, msg: AnyMessage) -> Result<String, Refusal> {
        match msg {
            AnyMessage::RepairRound1(m) => self.accept_round1(m),
            AnyMessage::RepairRound2(m) => self.accept_round2(m),
            AnyMessage::RepairRound3(m) => self.accept_round3(m),
            AnyMessage::RepairRequest(m) if m == self.request => Err(Refusal::OwnMessage {
                kind: MessageKind::RepairRequest,
                participant: m.sender(),
            }),
            other => Err(not_for_this_participant(other, "a repair helper's message")),
        }
    }

    /// 1 to 3: the round whose helper messages are awaited; 4 when done.
    fn round(&self) -> u8 {
        match &self.phase {
            Phase::Waiting => 1,
            Phase::Collecting(c) if c.round1.len() < c.circle.others() => 1,
            Phase::Collecting(c) if c.round2.len() < c.circle.others() => 2,
            Phase::Collecting(_) => 3,
            Phase::Done(_) => 4,
        }
    }

    /// The newcomer sends only its request.
    fn next(&mut self, _: &mut impl CryptoRngCore) -> Result<Option<AnyMessage>, Refusal> {
        Ok(None)
    }

    fn circle(&self) -> Option<&Circle> {
        match &self.phase {
            Phase::Collecting(c) => Some(&c.circle),
            _ => None,
        }
    }

    fn heard(&self) -> Option<Vec<&[u8; 32]>> {
        match &self.phase {
            Phase::Waiting => Some(vec![]),
            Phase::Collecting(c) => Some(match self.round() {
                1 => c.round1.senders(),
                2 => c.round2.senders(),
                _ => c.round3.senders(),
            }),
            Phase::Done(_) => None,
        }
    }

    /// (heard from, needed) in the current round; before any helper is heard from the number
    /// of helpers is unknown and t is shown.
    fn progress(&self) -> (usize, usize) {
        match (&self.phase, self.heard()) {
            (Phase::Collecting(c), Some(heard)) => (heard.len(), c.circle.others()),
            (Phase::Done(share), _) => {
                let n = share.group().participant_count();
                (n, n)
            }
            _ => (0, usize::from(self.group.threshold())),
        }
    }
}

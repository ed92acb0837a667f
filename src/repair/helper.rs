//! A helper in a repair: a member of the key who, with at least t-1 others, gives the newcomer
//! a share without learning it.

use decaf377::{Element, Fr};
use ed25519_consensus::VerificationKey;
use frost_core::keys::repairable::{repair_share_part1, repair_share_part2, Delta, Sigma};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use super::{
    check_commitments, check_session, circle, failed, helper_index, round1_transcript,
    round2_transcript, RepairRequest, RepairRound1, RepairRound1Body, RepairRound2,
    RepairRound2Body, RepairRound3, RepairRound3Body, RepairSession,
};
use crate::custody::{
    check_invitation, decrypt_scalar, encrypt_scalar, not_for_this_participant, out_of_order, wipe,
    Ceremony, Circle, Inbox, SessionId, Signed,
};
use crate::keys::KeyShare;
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;
use crate::suite::{identifier_for, Decaf377Rdsa, Identifier};

const ROUND1: MessageKind = MessageKind::RepairRound1;
const ROUND2: MessageKind = MessageKind::RepairRound2;

// One engine per ceremony: boxing the larger phase would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Phase {
    Round1 {
        received: Inbox<RepairRound1Body>,
    },
    Round2 {
        transcript: [u8; 32],
        own_delta: Zeroizing<Fr>,
        own_round2: RepairRound2,
        received: Inbox<RepairRound2Body, Zeroizing<Fr>>,
    },
    Done(Box<KeyShare>),
}

/// One helper in a repair.
pub struct RepairHelper {
    share: KeyShare,
    session: RepairSession,
    circle: Circle,
    decryption_key: decaf377_ka::Secret,
    own_round1: RepairRound1,
    phase: Phase,
}

impl RepairHelper {
    /// Starts a repair that enrols the newcomer of `request` with the help of `helpers` (this
    /// member among them, at least t), after a person has confirmed the newcomer's fingerprint
    /// with it. Returns the round-1 message for every helper and the newcomer.
    pub fn start(
        share: KeyShare,
        request: RepairRequest,
        helpers: &[VerificationKey],
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, RepairRound1), Refusal> {
        request
            .body
            .group
            .check_against(share.group(), MessageKind::RepairRequest, &request.sender())
            .map_err(|e| match e {
                // A newcomer holds no share: what is stale is the group description it was given.
                Refusal::StaleShare {
                    participant, date, ..
                } => Refusal::Invalid {
                    kind: MessageKind::RepairRequest,
                    participant,
                    problem: format!(
                        "the newcomer describes the key as it was before the refresh of {date}: give it the current group description"
                    ),
                },
                other => other,
            })?;
        let mut helpers = helpers.to_vec();
        helpers.sort_by_key(|vk| vk.to_bytes());
        helpers.dedup();
        let session = RepairSession {
            id: SessionId::random(rng),
            newcomer: request,
            helpers,
        };
        Self::begin(share, session, rng)
    }

    /// Joins the repair that `invitation` (another helper's round-1 message, normally the one
    /// who started it) describes, after a person has reviewed the session (the newcomer's
    /// fingerprint, the helpers). Returns this helper's round-1 message; the invitation is
    /// already accepted.
    pub fn join(
        share: KeyShare,
        invitation: RepairRound1,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, RepairRound1), Refusal> {
        let session = invitation.body.session.clone();
        check_invitation(share.group(), &invitation, &session.newcomer.body.group)?;
        let (mut helper, round1) = Self::begin(share, session, rng)?;
        helper.accept_round1(invitation)?;
        Ok((helper, round1))
    }

    fn begin(
        share: KeyShare,
        session: RepairSession,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, RepairRound1), Refusal> {
        check_session(share.group(), &session)?;
        if !session.helpers.contains(&share.verification_key()) {
            return Err(Refusal::Setup(format!(
                "this participant ({}) is not among the helpers of this repair",
                share.fingerprint()
            )));
        }
        let decryption_key = decaf377_ka::Secret::new(rng);
        let own_round1 = Signed::sign(
            share.signing_key(),
            RepairRound1Body {
                session: session.clone(),
                epk: decryption_key.public(),
            },
        );
        let helper = Self {
            circle: circle(Some(share.verification_key()), &session),
            share,
            session,
            decryption_key,
            own_round1: own_round1.clone(),
            phase: Phase::Round1 {
                received: Inbox::default(),
            },
        };
        Ok((helper, own_round1))
    }

    pub fn session(&self) -> &RepairSession {
        &self.session
    }

    pub fn fingerprint(&self) -> String {
        self.share.fingerprint()
    }

    /// Accepts another helper's round-1 message. Returns the sender's fingerprint.
    pub fn accept_round1(&mut self, msg: RepairRound1) -> Result<String, Refusal> {
        let Phase::Round1 { received } = &self.phase else {
            return Err(out_of_order(ROUND1, self.round(), 2));
        };
        let participant = received.admit(&self.circle, self.share.group(), &msg)?;
        if msg.body.session != self.session {
            return Err(Refusal::Invalid {
                kind: ROUND1,
                participant,
                problem: "describes this repair differently (its newcomer or its helpers): it sent different members different sessions".into(),
            });
        }
        if let Phase::Round1 { received } = &mut self.phase {
            received.insert(msg, ());
        }
        Ok(participant)
    }

    /// Closes round 1 once every helper is heard from and returns the round-2 message: the
    /// deltas of frost-core's `repair_share_part1`, each encrypted to its helper, and public
    /// commitments to all of them.
    pub fn start_round2(&mut self, rng: &mut impl CryptoRngCore) -> Result<RepairRound2, Refusal> {
        let Phase::Round1 { received } = &self.phase else {
            return Err(out_of_order(ROUND2, self.round(), 2));
        };
        if received.len() < self.circle.others() {
            return Err(self.incomplete(ROUND1));
        }
        let helper_ids: Vec<Identifier> = self.session.helpers.iter().map(identifier_for).collect();
        let mut deltas = repair_share_part1(
            &helper_ids,
            &self.share.key_package(),
            rng,
            identifier_for(&self.session.newcomer.vk),
        )
        .map_err(failed)?;
        let scalar = |vk: &VerificationKey| Zeroizing::new(deltas[&identifier_for(vk)].to_scalar());
        let commitments: Vec<Element> = self
            .session
            .helpers
            .iter()
            .map(|vk| Element::GENERATOR * *scalar(vk))
            .collect();
        let encrypted = received
            .messages()
            .map(|m| {
                (
                    m.vk.to_bytes(),
                    encrypt_scalar(rng, &m.body.epk, &scalar(&m.vk)),
                )
            })
            .collect();
        let own_delta = scalar(&self.own_round1.vk);
        // The deltas add up to zeta * this helper's share: none may outlive this step.
        for delta in deltas.values_mut() {
            wipe(delta, Delta::new(Fr::ZERO));
        }
        let transcript = round1_transcript(
            &self.session.id,
            received.messages().chain([&self.own_round1]),
        );
        let own_round2 = Signed::sign(
            self.share.signing_key(),
            RepairRound2Body {
                session: self.session.id,
                transcript,
                commitments,
                deltas: encrypted,
            },
        );
        self.phase = Phase::Round2 {
            transcript,
            own_delta,
            own_round2: own_round2.clone(),
            received: Inbox::default(),
        };
        Ok(own_round2)
    }

    /// Accepts another helper's round-2 message: it saw the same round 1, its commitments add
    /// up to its part, and the delta for this helper decrypts to the committed value. Returns
    /// the sender's fingerprint.
    pub fn accept_round2(
        &mut self,
        msg: RepairRound2,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal> {
        let Phase::Round2 {
            transcript,
            received,
            ..
        } = &self.phase
        else {
            return Err(out_of_order(ROUND2, self.round(), 2));
        };
        let participant = received.admit(&self.circle, self.share.group(), &msg)?;
        let invalid = |problem: String| Refusal::Invalid {
            kind: ROUND2,
            participant: participant.clone(),
            problem,
        };
        if msg.body.transcript != *transcript {
            return Err(invalid(
                "saw other round-1 messages than this helper did: someone sent different members different messages; start the repair again".into(),
            ));
        }
        check_commitments(self.share.group(), &self.session, &msg)?;
        let me = self.own_round1.vk;
        let delta = decrypt_scalar(rng, &self.decryption_key, &msg.body.deltas[me.as_bytes()])
            .map_err(|e| invalid(format!("the delta sent to this helper {e}")))?;
        if Element::GENERATOR * *delta != msg.body.commitments[helper_index(&self.session, &me)] {
            return Err(invalid(
                "the delta sent to this helper is not the one it committed to: it lied".into(),
            ));
        }
        if let Phase::Round2 { received, .. } = &mut self.phase {
            received.insert(msg, delta);
        }
        Ok(participant)
    }

    /// Once every helper's deltas are in: the newcomer's piece (sigma, frost-core's
    /// `repair_share_part2`), encrypted to it. This helper is then done: [`Self::finish`] gives
    /// its share under the group description that includes the newcomer.
    pub fn start_round3(&mut self, rng: &mut impl CryptoRngCore) -> Result<RepairRound3, Refusal> {
        let Phase::Round2 {
            own_delta,
            own_round2,
            received,
            ..
        } = &self.phase
        else {
            return Err(out_of_order(MessageKind::RepairRound3, self.round(), 2));
        };
        if received.len() < self.circle.others() {
            return Err(self.incomplete(ROUND2));
        }
        let mut deltas: Vec<Delta<Decaf377Rdsa>> = std::iter::once(**own_delta)
            .chain(received.entries().map(|(_, d)| **d))
            .map(Delta::new)
            .collect();
        let mut sigma_value = repair_share_part2(&deltas);
        let sigma = Zeroizing::new(sigma_value.to_scalar());
        for delta in &mut deltas {
            wipe(delta, Delta::new(Fr::ZERO));
        }
        wipe(&mut sigma_value, Sigma::new(Fr::ZERO));
        let transcript =
            round2_transcript(&self.session.id, received.messages().chain([own_round2]));
        let own_round3 = Signed::sign(
            self.share.signing_key(),
            RepairRound3Body {
                session: self.session.id,
                transcript,
                sigma: encrypt_scalar(rng, &self.session.newcomer.body.epk, &sigma),
            },
        );
        let group = self
            .share
            .group()
            .enrol(self.session.newcomer.vk)
            .map_err(failed)?;
        let share = self.share.with_group(group).map_err(failed)?;
        self.phase = Phase::Done(Box::new(share));
        Ok(own_round3)
    }

    /// This helper's share under the group description that includes the newcomer, once its
    /// round-3 message is out.
    pub fn finish(&self) -> Result<KeyShare, Refusal> {
        match &self.phase {
            Phase::Done(share) => Ok(share.as_ref().clone()),
            Phase::Round1 { .. } => Err(self.incomplete(ROUND1)),
            Phase::Round2 { .. } => Err(self.incomplete(ROUND2)),
        }
    }
}

impl Ceremony for RepairHelper {
    /// Accepts any repair message: round 1 and 2 from other helpers; the newcomer's request
    /// and round-3 messages are not for helpers (skippable, see [`Refusal::skippable`]).
    fn accept(&mut self, msg: AnyMessage, rng: &mut impl CryptoRngCore) -> Result<String, Refusal> {
        match msg {
            AnyMessage::RepairRound1(m) => self.accept_round1(m),
            AnyMessage::RepairRound2(m) => self.accept_round2(m, rng),
            other => Err(not_for_this_participant(other, "a repair helper's message")),
        }
    }

    /// 1 or 2 while running, 3 once the newcomer's piece is out (then [`RepairHelper::finish`]).
    fn round(&self) -> u8 {
        match self.phase {
            Phase::Round1 { .. } => 1,
            Phase::Round2 { .. } => 2,
            Phase::Done(_) => 3,
        }
    }

    /// Round 2 once round 1 is complete, round 3 (for the newcomer) once round 2 is.
    fn next(&mut self, rng: &mut impl CryptoRngCore) -> Result<Option<AnyMessage>, Refusal> {
        Ok(match self.phase {
            Phase::Round1 { .. } => Some(self.start_round2(rng)?.into()),
            Phase::Round2 { .. } => Some(self.start_round3(rng)?.into()),
            Phase::Done(_) => None,
        })
    }

    fn circle(&self) -> Option<&Circle> {
        Some(&self.circle)
    }

    fn heard(&self) -> Option<Vec<&[u8; 32]>> {
        match &self.phase {
            Phase::Round1 { received } => Some(received.senders()),
            Phase::Round2 { received, .. } => Some(received.senders()),
            Phase::Done(_) => None,
        }
    }
}

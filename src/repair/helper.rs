//! A helper in a repair: a member of the key who, with at least t-1 others, gives the newcomer
//! a share without learning it.

use decaf377::{Element, Fr};
use ed25519_consensus::VerificationKey;
use frost_core::keys::repairable::{repair_share_part1, repair_share_part2, Delta, Sigma};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use super::{
    check_commitments, check_session, circle, failed, helper_index, round2_transcript,
    RepairRequest, RepairRound1, RepairRound1Body, RepairRound2, RepairRound2Body, RepairRound3,
    RepairRound3Body, RepairSession, ROUND1_TRANSCRIPT,
};
use crate::custody::{
    decrypt_scalar, encrypt_scalar, out_of_order, sorted_keys, wipe, Ceremony, GroupRef, Inbox,
    Member, Phase, RoundLink, Rounds, SessionId, Signed,
};
use crate::keys::KeyShare;
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;
use crate::suite::{identifier_for, Decaf377Rdsa, Identifier};

const ROUND1: MessageKind = MessageKind::RepairRound1;
const ROUND2: MessageKind = MessageKind::RepairRound2;

/// One helper in a repair.
pub type RepairHelper = Member<HelperRounds>;

/// What a repair computes and checks of its own, on a helper's side (see [`Member`]).
pub enum HelperRounds {}

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
        let session = RepairSession {
            id: SessionId::random(rng),
            newcomer: request,
            helpers: sorted_keys(helpers),
        };
        HelperRounds::begin(share, session, rng)
    }

    /// Once every helper's deltas are in: the newcomer's piece (sigma, frost-core's
    /// `repair_share_part2`), encrypted to it. This helper is then done: [`Member::finish`]
    /// gives its share under the group description that includes the newcomer.
    pub fn start_round3(&mut self, rng: &mut impl CryptoRngCore) -> Result<RepairRound3, Refusal> {
        let Phase::Round2 {
            kept: own_delta,
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
                link: RoundLink {
                    session: self.session.id,
                    transcript,
                },
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
}

impl Rounds for HelperRounds {
    type Session = RepairSession;
    type Round1 = RepairRound1Body;
    type Round2 = RepairRound2Body;
    type Kept1 = ();
    /// This helper's own delta.
    type Kept2 = Zeroizing<Fr>;
    type Checked = Zeroizing<Fr>;

    const ROUND1_TRANSCRIPT: &'static [u8; 16] = ROUND1_TRANSCRIPT;
    const OTHER_ROUND1: &'static str = "saw other round-1 messages than this helper did: someone sent different members different messages; start the repair again";
    /// The newcomer's request and round-3 messages are not for helpers.
    const EXPECTED: &'static str = "a repair helper's message";

    fn session(round1: &RepairRound1Body) -> &RepairSession {
        &round1.session
    }

    fn key(session: &RepairSession) -> &GroupRef {
        &session.newcomer.body.group
    }

    fn transcript(round2: &RepairRound2Body) -> &[u8; 32] {
        &round2.link.transcript
    }

    /// Checks the session ([`check_session`]; this member is one of its helpers), then makes
    /// round 1: only the encryption key.
    fn begin(
        share: KeyShare,
        session: RepairSession,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(RepairHelper, RepairRound1), Refusal> {
        check_session(share.group(), &session)?;
        if !session.helpers.contains(&share.verification_key()) {
            return Err(Refusal::Setup(format!(
                "this participant ({}) is not among the helpers of this repair",
                share.fingerprint()
            )));
        }
        let circle = circle(Some(share.verification_key()), &session);
        let body = |session: &RepairSession, epk| RepairRound1Body {
            session: session.clone(),
            epk,
        };
        Ok(Member::open(share, session, circle, (), body, rng))
    }

    fn other_session(_: &RepairHelper, _: &RepairRound1Body, participant: &str) -> Refusal {
        Refusal::invalid(
            ROUND1,
            participant,
            "describes this repair differently (its newcomer or its helpers): it sent different members different sessions",
        )
    }

    /// The deltas of frost-core's `repair_share_part1`, each encrypted to its helper, and
    /// public commitments to all of them.
    fn round2(
        member: &RepairHelper,
        _: &(),
        round1: &Inbox<RepairRound1Body>,
        transcript: [u8; 32],
        rng: &mut impl CryptoRngCore,
    ) -> Result<(RepairRound2Body, Zeroizing<Fr>), Refusal> {
        let session = &member.session;
        let helper_ids: Vec<Identifier> = session.helpers.iter().map(identifier_for).collect();
        let mut deltas = repair_share_part1(
            &helper_ids,
            &member.share.key_package(),
            rng,
            identifier_for(&session.newcomer.vk),
        )
        .map_err(failed)?;
        let scalar = |vk: &VerificationKey| Zeroizing::new(deltas[&identifier_for(vk)].to_scalar());
        let commitments: Vec<Element> = session
            .helpers
            .iter()
            .map(|vk| Element::GENERATOR * *scalar(vk))
            .collect();
        let encrypted = round1
            .messages()
            .map(|m| {
                (
                    m.vk.to_bytes(),
                    encrypt_scalar(rng, &m.body.epk, &scalar(&m.vk)),
                )
            })
            .collect();
        let own_delta = scalar(&member.own_round1.vk);
        // The deltas add up to zeta * this helper's share: none may outlive this step.
        for delta in deltas.values_mut() {
            wipe(delta, Delta::new(Fr::ZERO));
        }
        let body = RepairRound2Body {
            link: RoundLink {
                session: session.id,
                transcript,
            },
            commitments,
            deltas: encrypted,
        };
        Ok((body, own_delta))
    }

    /// The sender's commitments add up to its part ([`check_commitments`]), and the delta for
    /// this helper decrypts to the committed value.
    fn check_round2(
        member: &RepairHelper,
        _: &Inbox<RepairRound1Body>,
        msg: &RepairRound2,
    ) -> Result<Zeroizing<Fr>, Refusal> {
        check_commitments(member.share.group(), &member.session, msg)?;
        let me = member.own_round1.vk;
        let delta = decrypt_scalar(&member.decryption_key, &msg.body.deltas[me.as_bytes()])
            .map_err(|e| msg.invalid(format!("the delta sent to this helper {e}")))?;
        if Element::GENERATOR * *delta != msg.body.commitments[helper_index(&member.session, &me)] {
            return Err(msg
                .invalid("the delta sent to this helper is not the one it committed to: it lied"));
        }
        Ok(delta)
    }

    /// Round 3, for the newcomer ([`RepairHelper::start_round3`]).
    fn after_round2(
        member: &mut RepairHelper,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Option<AnyMessage>, Refusal> {
        Ok(Some(member.start_round3(rng)?.into()))
    }

    /// A helper's share comes with its round-3 message ([`RepairHelper::start_round3`]), not
    /// before.
    fn new_share(
        member: &RepairHelper,
        _: &Zeroizing<Fr>,
        _: &Inbox<RepairRound1Body>,
        _: &Inbox<RepairRound2Body, Zeroizing<Fr>>,
    ) -> Result<KeyShare, Refusal> {
        Err(member.incomplete(ROUND2))
    }
}

//! Refreshing a key as a pure state machine: its members run frost-core's DKG-based refresh
//! (`refresh_dkg_part1`, `refresh_dkg_part2`, `refresh_dkg_shares`) and each gets a new share
//! of the same key: the same FVK (nk included), identity and governance keys, new verifying
//! shares, and the next generation. An old share no longer combines with new ones. Members left
//! out of the session are removed: their shares become useless, provided the remaining members
//! delete theirs (a refresh cannot undo past exposure of t old shares). The threshold stays:
//! frost-core refuses to change it.
//!
//! One member starts the refresh ([`Refresh::start`]), choosing who stays; the others join from
//! its round-1 message ([`Refresh::join`]), after a person has checked the session (who stays,
//! who is removed). Round 1 publishes commitments and encryption keys, round 2 the encrypted
//! refresh shares and a digest of round 1, so a member who told others different things is
//! caught. No I/O; a refused input leaves the engine as it was.
//!
//! # What a session must do around this engine
//!
//! - Before [`Refresh::join`], show the person the session: the key, the date, who stays and
//!   who is removed ([`Refresh::removed`] after joining; the invitation's
//!   [`RefreshSession::members`] before), and join only on approval.
//! - Pass over refusals that are [`Refusal::skippable`] (a bundle carries one's own
//!   message and others seen before); keep a message refused as [`Refusal::OutOfOrder`] for
//!   the next round, as the DKG session does. (`crate::session` does all of this.)
//! - After [`Refresh::finish`], replace the key file: write the new share under the same name
//!   (atomically, read back) and destroy the old share, with no backup copy: the refresh
//!   protects nothing if old shares survive. Replace `group.toml` (public) on every machine
//!   that coordinates. The signing journal of the key carries over unchanged (same key).
//! - Signing after a refresh: a coordinator holding the refreshed group names a signer that
//!   uses a share from before the refresh ([`crate::signing::SignError::StaleShare`]) from the
//!   retired verifying shares the key file keeps. The reverse cannot be seen by the engines: a
//!   coordinator with a stale group gets "invalid signature share" from refreshed signers, and a
//!   follower cannot tell at all (pcli's messages carry no generation). Sessions should show the
//!   key's generation and refresh date on every signing screen, and after an invalid share
//!   suggest that the coordinator's key file may predate a refresh.

mod messages;

use messages::{round1_packages, round1_transcript, with_zero_constant};
pub use messages::{
    RefreshRound1, RefreshRound1Body, RefreshRound2, RefreshRound2Body, RefreshSession,
};

use std::collections::BTreeMap;

use ed25519_consensus::VerificationKey;
use frost_core::keys::dkg::{round1, round2};
use frost_core::keys::refresh::{refresh_dkg_part1, refresh_dkg_part2, refresh_dkg_shares};
use frost_core::keys::SecretShare;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::custody::{
    check_invitation, decrypt_scalar, encrypt_scalar, first_stranger, not_for_this_participant,
    out_of_order, Ceremony, Circle, GroupRef, Inbox, SessionId, Signed,
};
use crate::keys::{format_date, Generation, KeyShare};
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;
use crate::suite::{identifier_for, Decaf377Rdsa, Identifier, SigningShare};

type C = Decaf377Rdsa;

const ROUND1: MessageKind = MessageKind::RefreshRound1;
const ROUND2: MessageKind = MessageKind::RefreshRound2;

fn failed(problem: impl std::fmt::Display) -> Refusal {
    crate::custody::failed(ROUND1, problem)
}

// One engine per ceremony: boxing the larger phase would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Phase {
    Round1 {
        secret: round1::SecretPackage<C>,
        received: Inbox<RefreshRound1Body>,
    },
    Round2 {
        secret: round2::SecretPackage<C>,
        round1: Inbox<RefreshRound1Body>,
        transcript: [u8; 32],
        received: Inbox<RefreshRound2Body, Zeroizing<SigningShare>>,
    },
    Done(Box<KeyShare>),
}

/// One member in a refresh.
pub struct Refresh {
    share: KeyShare,
    session: RefreshSession,
    circle: Circle,
    decryption_key: decaf377_ka::Secret,
    own_round1: RefreshRound1,
    phase: Phase,
}

impl Refresh {
    /// Starts a refresh of `share`'s key in which `members` (this participant among them, at
    /// least t) take part and stay; the other members are removed. `now` (unix seconds) becomes
    /// the refresh's date. Returns the round-1 message to send every member.
    pub fn start(
        share: KeyShare,
        members: &[VerificationKey],
        now: u64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, RefreshRound1), Refusal> {
        let mut members = members.to_vec();
        members.sort_by_key(|vk| vk.to_bytes());
        members.dedup();
        let session = RefreshSession {
            id: SessionId::random(rng),
            group: GroupRef::of(share.group()),
            members,
            started: now,
        };
        Self::begin(share, session, rng)
    }

    /// Joins the refresh that `invitation` (another member's round-1 message, normally the one
    /// who started it) describes, after a person has reviewed [`RefreshRound1Body::session`].
    /// Returns this member's round-1 message; the invitation is already accepted.
    pub fn join(
        share: KeyShare,
        invitation: RefreshRound1,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, RefreshRound1), Refusal> {
        let session = invitation.body.session.clone();
        check_invitation(share.group(), &invitation, &session.group)?;
        let share = adopt_generation(share, &session.group)?;
        let (mut refresh, round1) = Self::begin(share, session, rng)?;
        refresh.accept_round1(invitation)?;
        Ok((refresh, round1))
    }

    /// Checks the session (its members belong to the key, include this participant, are at
    /// least t; its date does not precede the key's last refresh), then makes round 1.
    fn begin(
        share: KeyShare,
        session: RefreshSession,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, RefreshRound1), Refusal> {
        let group = share.group();
        let bad = |problem: String| Err(Refusal::Setup(problem));
        if let Some(stranger) = first_stranger(group, &session.members) {
            return bad(format!(
                "participant {stranger} is not a member of this key: a refresh cannot add members (a repair does)"
            ));
        }
        if !session.members.contains(&share.verification_key()) {
            return bad(format!(
                "this participant ({}) is not among the members of this refresh: it would be removed, so it cannot take part",
                share.fingerprint()
            ));
        }
        let t = group.threshold();
        if session.members.len() < usize::from(t) {
            return bad(format!(
                "a refresh keeps the threshold {t}: at least {t} members must take part, not {}",
                session.members.len()
            ));
        }
        if let Some(last) = group
            .generation()
            .refreshed
            .filter(|l| session.started < *l)
        {
            return bad(format!(
                "the refresh is dated {}, before this key's last refresh ({})",
                format_date(session.started),
                format_date(last)
            ));
        }
        let members =
            u16::try_from(session.members.len()).map_err(|_| failed("too many members"))?;
        let (secret, package) =
            refresh_dkg_part1::<C, _>(share.identifier(), members, t, &mut *rng).map_err(failed)?;
        let decryption_key = decaf377_ka::Secret::new(rng);
        let own_round1 = Signed::sign(
            share.signing_key(),
            RefreshRound1Body {
                session: session.clone(),
                commitment: package.commitment().coefficients().to_vec(),
                epk: decryption_key.public(),
            },
        );
        let circle = Circle::new(
            Some(share.verification_key()),
            session.id,
            &session.members,
            "this member is removed by this refresh and takes no part in it",
        );
        let refresh = Self {
            share,
            session,
            circle,
            decryption_key,
            own_round1: own_round1.clone(),
            phase: Phase::Round1 {
                secret,
                received: Inbox::default(),
            },
        };
        Ok((refresh, own_round1))
    }

    pub fn session(&self) -> &RefreshSession {
        &self.session
    }

    /// The fingerprints of the members the refresh removes.
    pub fn removed(&self) -> Vec<String> {
        self.share
            .group()
            .participants()
            .filter(|p| !self.session.members.contains(&p.vk))
            .map(|p| p.fingerprint())
            .collect()
    }

    pub fn fingerprint(&self) -> String {
        self.share.fingerprint()
    }

    /// Accepts another member's round-1 message. Returns the sender's fingerprint.
    pub fn accept_round1(&mut self, msg: RefreshRound1) -> Result<String, Refusal> {
        let Phase::Round1 { received, .. } = &self.phase else {
            return Err(out_of_order(ROUND1, self.round(), 2));
        };
        let participant = received.admit(&self.circle, self.share.group(), &msg)?;
        let invalid = |problem: String| Refusal::Invalid {
            kind: ROUND1,
            participant: participant.clone(),
            problem,
        };
        if msg.body.session != self.session {
            msg.body
                .session
                .group
                .check_against(self.share.group(), ROUND1, &participant)?;
            return Err(invalid(
                "describes this refresh differently (its members or its date): it sent different members different sessions".into(),
            ));
        }
        let degree = usize::from(self.share.group().threshold()) - 1;
        if msg.body.commitment.len() != degree {
            return Err(invalid(format!(
                "commits to {} coefficients, but a refresh of a {}-of-n key needs {degree}",
                msg.body.commitment.len(),
                degree + 1
            )));
        }
        if let Phase::Round1 { received, .. } = &mut self.phase {
            received.insert(msg, ());
        }
        Ok(participant)
    }

    /// Closes round 1 once every member is heard from and returns the round-2 message: each
    /// other member's refresh share, encrypted to it.
    pub fn start_round2(&mut self, rng: &mut impl CryptoRngCore) -> Result<RefreshRound2, Refusal> {
        let Phase::Round1 { secret, received } = &self.phase else {
            return Err(out_of_order(ROUND2, self.round(), 2));
        };
        if received.len() < self.circle.others() {
            return Err(self.incomplete(ROUND1));
        }
        let (secret2, outgoing) =
            refresh_dkg_part2(secret.clone(), &round1_packages(received)).map_err(failed)?;
        let shares = received
            .messages()
            .map(|m| {
                let share = outgoing[&identifier_for(&m.vk)].signing_share().to_scalar();
                (m.vk.to_bytes(), encrypt_scalar(rng, &m.body.epk, &share))
            })
            .collect();
        let transcript = round1_transcript(
            &self.session.id,
            received.messages().chain([&self.own_round1]),
        );
        let own_round2 = Signed::sign(
            self.share.signing_key(),
            RefreshRound2Body {
                session: self.session.id,
                transcript,
                shares,
            },
        );
        let Phase::Round1 { received, .. } = std::mem::replace(
            &mut self.phase,
            Phase::Round2 {
                secret: secret2,
                round1: Inbox::default(),
                transcript,
                received: Inbox::default(),
            },
        ) else {
            unreachable!("checked above")
        };
        if let Phase::Round2 { round1, .. } = &mut self.phase {
            *round1 = received;
        }
        Ok(own_round2)
    }

    /// Accepts another member's round-2 message: checks it saw the same round 1, carries a
    /// share for exactly every other member, and that this member's share decrypts and lies on
    /// the sender's committed polynomial. Returns the sender's fingerprint.
    pub fn accept_round2(
        &mut self,
        msg: RefreshRound2,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String, Refusal> {
        let Phase::Round2 {
            round1,
            transcript,
            received,
            ..
        } = &self.phase
        else {
            return Err(out_of_order(ROUND2, self.round(), 2));
        };
        let participant = received.admit(&self.circle, self.share.group(), &msg)?;
        let invalid = |problem: &str| Refusal::Invalid {
            kind: ROUND2,
            participant: participant.clone(),
            problem: problem.to_string(),
        };
        if msg.body.transcript != *transcript {
            return Err(invalid(
                "saw other round-1 messages than this member did: someone sent different members different round-1 messages; start the refresh again",
            ));
        }
        let me = self.own_round1.vk.to_bytes();
        let expected = self
            .session
            .members
            .iter()
            .map(|vk| vk.to_bytes())
            .filter(|vk| vk != msg.vk.as_bytes());
        if !msg.body.shares.keys().copied().eq(expected) {
            return Err(invalid(&format!(
                "carries {} encrypted shares, but must carry exactly one for each of the other {} members",
                msg.body.shares.len(),
                self.circle.others()
            )));
        }
        let scalar = decrypt_scalar(rng, &self.decryption_key, &msg.body.shares[&me])
            .map_err(|e| invalid(&format!("the share sent to this member {e}")))?;
        let share = Zeroizing::new(SigningShare::new(*scalar));
        let sender_round1 = round1.get(&msg.vk).expect("round 1 heard every member");
        SecretShare::new(
            self.share.identifier(),
            *share,
            with_zero_constant(&sender_round1.body.commitment),
        )
        .verify()
        .map_err(|_| {
            invalid("the share sent to this member does not match its round-1 commitment")
        })?;
        if let Phase::Round2 { received, .. } = &mut self.phase {
            received.insert(msg, share);
        }
        Ok(participant)
    }

    /// Finishes the refresh once every round-2 message is in: the new share, under the new
    /// group description (next generation, dated by the session).
    pub fn finish(&mut self) -> Result<KeyShare, Refusal> {
        let (secret, round1, received) = match &self.phase {
            Phase::Done(share) => return Ok(share.as_ref().clone()),
            Phase::Round1 { .. } => return Err(self.incomplete(ROUND1)),
            Phase::Round2 {
                secret,
                round1,
                received,
                ..
            } => (secret, round1, received),
        };
        if received.len() < self.circle.others() {
            return Err(self.incomplete(ROUND2));
        }
        let round2_packages: BTreeMap<Identifier, round2::Package<C>> = received
            .entries()
            .map(|(m, share)| (identifier_for(&m.vk), round2::Package::new(**share)))
            .collect();
        let group = self.share.group();
        let (key_package, public) = refresh_dkg_shares(
            secret,
            &round1_packages(round1),
            &round2_packages,
            group.public_key_package(),
            self.share.key_package(),
        )
        .map_err(failed)?;
        let shares = self
            .session
            .members
            .iter()
            .map(|vk| {
                public
                    .verifying_shares()
                    .get(&identifier_for(vk))
                    .map(|s| (*vk, *s))
                    .ok_or_else(|| failed("a member's new verifying share is missing"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let new_group = group
            .refreshed(shares, self.session.started)
            .map_err(failed)?;
        let share = KeyShare::new(
            new_group,
            *key_package.signing_share(),
            self.share.signing_key().clone(),
        )
        .map_err(failed)?;
        self.phase = Phase::Done(Box::new(share.clone()));
        Ok(share)
    }
}

impl Ceremony for Refresh {
    /// Accepts any refresh message; repair messages are not for a refresh (skippable, see
    /// [`Refusal::skippable`]), nor is any other kind.
    fn accept(&mut self, msg: AnyMessage, rng: &mut impl CryptoRngCore) -> Result<String, Refusal> {
        match msg {
            AnyMessage::RefreshRound1(m) => self.accept_round1(m),
            AnyMessage::RefreshRound2(m) => self.accept_round2(m, rng),
            other => Err(not_for_this_participant(other, "a refresh message")),
        }
    }

    /// 1 or 2 while running, 3 when done.
    fn round(&self) -> u8 {
        match self.phase {
            Phase::Round1 { .. } => 1,
            Phase::Round2 { .. } => 2,
            Phase::Done(_) => 3,
        }
    }

    /// Round 2 once round 1 is complete; after round 2, only [`Refresh::finish`] is left.
    fn next(&mut self, rng: &mut impl CryptoRngCore) -> Result<Option<AnyMessage>, Refusal> {
        match self.phase {
            Phase::Round1 { .. } => self.start_round2(rng).map(|m| Some(m.into())),
            _ => Ok(None),
        }
    }

    fn circle(&self) -> Option<&Circle> {
        Some(&self.circle)
    }

    fn heard(&self) -> Option<Vec<&[u8; 32]>> {
        match &self.phase {
            Phase::Round1 { received, .. } => Some(received.senders()),
            Phase::Round2 { received, .. } => Some(received.senders()),
            Phase::Done(_) => None,
        }
    }
}

/// A member whose key state is the session's but whose key file labels it with an older
/// generation (a share imported from a pcli config reads as generation 0) takes the session's
/// label, so that every member numbers the new generation alike.
fn adopt_generation(share: KeyShare, session: &GroupRef) -> Result<KeyShare, Refusal> {
    let own = share.group().generation();
    if session.generation <= own.number {
        return Ok(share);
    }
    let generation = Generation {
        number: session.generation,
        refreshed: session.refreshed,
        retired: own.retired.clone(),
    };
    let group = share
        .group()
        .clone()
        .with_generation(generation)
        .map_err(failed)?;
    share.with_group(group).map_err(failed)
}

#[cfg(test)]
pub(crate) mod tests;

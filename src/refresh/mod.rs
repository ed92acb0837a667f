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

use messages::{round1_packages, with_zero_constant};
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
    decrypt_scalar, encrypt_scalar, first_stranger, one_for_each_other, sorted_keys, Circle,
    GroupRef, Inbox, Member, RoundLink, Rounds, SessionId,
};
use crate::keys::{format_date, Generation, KeyShare};
use crate::messages::{AnyMessage, MessageKind};
use crate::refusal::Refusal;
use crate::suite::{identifier_for, Decaf377Rdsa, Identifier, SigningShare};

type C = Decaf377Rdsa;

const ROUND1: MessageKind = MessageKind::RefreshRound1;

fn failed(problem: impl std::fmt::Display) -> Refusal {
    crate::custody::failed(ROUND1, problem)
}

/// One member in a refresh.
pub type Refresh = Member<RefreshRounds>;

/// What a refresh computes and checks of its own (see [`Member`]).
pub enum RefreshRounds {}

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
        let session = RefreshSession {
            id: SessionId::random(rng),
            group: GroupRef::of(share.group()),
            members: sorted_keys(members),
            started: now,
        };
        RefreshRounds::begin(share, session, rng)
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
}

impl Rounds for RefreshRounds {
    type Session = RefreshSession;
    type Round1 = RefreshRound1Body;
    type Round2 = RefreshRound2Body;
    type Kept1 = round1::SecretPackage<C>;
    type Kept2 = round2::SecretPackage<C>;
    type Checked = Zeroizing<SigningShare>;

    const ROUND1_TRANSCRIPT: &'static [u8; 16] = b"hoarfrost-rfsh-1";
    const OTHER_ROUND1: &'static str = "saw other round-1 messages than this member did: someone sent different members different round-1 messages; start the refresh again";
    const EXPECTED: &'static str = "a refresh message";

    fn session(round1: &RefreshRound1Body) -> &RefreshSession {
        &round1.session
    }

    fn key(session: &RefreshSession) -> &GroupRef {
        &session.group
    }

    fn transcript(round2: &RefreshRound2Body) -> &[u8; 32] {
        &round2.link.transcript
    }

    /// Checks the session (its members belong to the key, include this participant, are at
    /// least t; its date does not precede the key's last refresh), then makes round 1: the
    /// commitments of this member's refresh polynomial. A member who joins takes the session's
    /// generation label first ([`adopt_generation`]).
    fn begin(
        share: KeyShare,
        session: RefreshSession,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Refresh, RefreshRound1), Refusal> {
        let share = adopt_generation(share, &session.group)?;
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
        let circle = Circle::new(
            Some(share.verification_key()),
            session.id,
            &session.members,
            "this member is removed by this refresh and takes no part in it",
        );
        let body = |session: &RefreshSession, epk| RefreshRound1Body {
            session: session.clone(),
            commitment: package.commitment().coefficients().to_vec(),
            epk,
        };
        Ok(Member::open(share, session, circle, secret, body, rng))
    }

    /// A stale share on either side, or a sender that told members different things.
    fn other_session(member: &Refresh, round1: &RefreshRound1Body, participant: &str) -> Refusal {
        match round1
            .session
            .group
            .check_against(member.share.group(), ROUND1, participant)
        {
            Err(stale) => stale,
            Ok(()) => Refusal::invalid(
                ROUND1,
                participant,
                "describes this refresh differently (its members or its date): it sent different members different sessions",
            ),
        }
    }

    /// The sender commits to a polynomial of the key's degree.
    fn check_round1(
        member: &Refresh,
        round1: &RefreshRound1Body,
        participant: &str,
    ) -> Result<(), Refusal> {
        let degree = usize::from(member.share.group().threshold()) - 1;
        if round1.commitment.len() != degree {
            return Err(Refusal::invalid(
                ROUND1,
                participant,
                format!(
                    "commits to {} coefficients, but a refresh of a {}-of-n key needs {degree}",
                    round1.commitment.len(),
                    degree + 1
                ),
            ));
        }
        Ok(())
    }

    /// Each other member's refresh share, encrypted to it.
    fn round2(
        member: &Refresh,
        secret: &round1::SecretPackage<C>,
        round1: &Inbox<RefreshRound1Body>,
        transcript: [u8; 32],
        rng: &mut impl CryptoRngCore,
    ) -> Result<(RefreshRound2Body, round2::SecretPackage<C>), Refusal> {
        let (secret2, outgoing) =
            refresh_dkg_part2(secret.clone(), &round1_packages(round1)).map_err(failed)?;
        let shares = round1
            .messages()
            .map(|m| {
                let share = outgoing[&identifier_for(&m.vk)].signing_share().to_scalar();
                (m.vk.to_bytes(), encrypt_scalar(rng, &m.body.epk, &share))
            })
            .collect();
        let link = RoundLink {
            session: member.session.id,
            transcript,
        };
        Ok((RefreshRound2Body { link, shares }, secret2))
    }

    /// The message carries a share for exactly every other member, and this member's share
    /// decrypts and lies on the sender's committed polynomial.
    fn check_round2(
        member: &Refresh,
        round1: &Inbox<RefreshRound1Body>,
        msg: &RefreshRound2,
    ) -> Result<Zeroizing<SigningShare>, Refusal> {
        let me = member.own_round1.vk.to_bytes();
        if !one_for_each_other(&msg.body.shares, &member.session.members, &msg.vk) {
            return Err(msg.invalid(format!(
                "carries {} encrypted shares, but must carry exactly one for each of the other {} members",
                msg.body.shares.len(),
                member.circle.others()
            )));
        }
        let scalar = decrypt_scalar(&member.decryption_key, &msg.body.shares[&me])
            .map_err(|e| msg.invalid(format!("the share sent to this member {e}")))?;
        let share = Zeroizing::new(SigningShare::new(*scalar));
        let sender_round1 = round1.get(&msg.vk).expect("round 1 heard every member");
        SecretShare::new(
            member.share.identifier(),
            *share,
            with_zero_constant(&sender_round1.body.commitment),
        )
        .verify()
        .map_err(|_| {
            msg.invalid("the share sent to this member does not match its round-1 commitment")
        })?;
        Ok(share)
    }

    /// Nothing more to send: only [`Refresh::finish`] is left.
    fn after_round2(
        _: &mut Refresh,
        _: &mut impl CryptoRngCore,
    ) -> Result<Option<AnyMessage>, Refusal> {
        Ok(None)
    }

    /// The new share, under the new group description (next generation, dated by the session).
    fn new_share(
        member: &Refresh,
        secret: &round2::SecretPackage<C>,
        round1: &Inbox<RefreshRound1Body>,
        received: &Inbox<RefreshRound2Body, Zeroizing<SigningShare>>,
    ) -> Result<KeyShare, Refusal> {
        let round2_packages: BTreeMap<Identifier, round2::Package<C>> = received
            .entries()
            .map(|(m, share)| (identifier_for(&m.vk), round2::Package::new(**share)))
            .collect();
        let group = member.share.group();
        let (key_package, public) = refresh_dkg_shares(
            secret,
            &round1_packages(round1),
            &round2_packages,
            group.public_key_package(),
            member.share.key_package(),
        )
        .map_err(failed)?;
        let shares = member
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
            .refreshed(shares, member.session.started)
            .map_err(failed)?;
        KeyShare::new(
            new_group,
            *key_package.signing_share(),
            member.share.signing_key().clone(),
        )
        .map_err(failed)
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

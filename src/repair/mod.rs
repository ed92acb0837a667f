//! Repairing a key as pure state machines: a newcomer (a new participant with its own new
//! ed25519 key, so a new identifier) receives a share of the key from at least t helpers through
//! frost-core's repairable threshold scheme (`repair_share_part1/2/3`), without any helper
//! learning it. It replaces a lost member: every member's group description gains the
//! newcomer, whose verifying share anyone can compute by interpolation; a later refresh that
//! leaves the lost member out removes it.
//!
//! The flow: the newcomer ([`Newcomer::new`]) sends its [`RepairRequest`] (its new key and an
//! encryption key, signed). A helper starts the repair ([`RepairHelper::start`]) naming the
//! newcomer and the helpers; the others join from its round-1 message ([`RepairHelper::join`]).
//! The session carries the newcomer's signed request, so the newcomer is who the helpers
//! agreed on. Round 1: the helpers publish encryption keys. Round 2: each helper sends every
//! helper a delta, encrypted, and publishes `delta * G` for all of them. Round 3: each helper
//! sends the newcomer its sigma (the sum of its deltas), encrypted. Members who did not help
//! learn the newcomer with [`admit`] (or an [`Admission`], which takes the messages one at a time).
//!
//! What is detected, beyond frost-core's scheme (which only lets the newcomer see, at the end,
//! that its share does not match the key): the public delta commitments let everyone check
//! that a helper's deltas add up to its part (`zeta_i * Y_i`), each helper that its delta is the
//! committed one, and the newcomer that each sigma is the sum of the deltas committed to it, so
//! a lying helper is named in every case. The commitments reveal nothing beyond `zeta_i * Y_i`,
//! which is public already. Transcript digests catch a helper that tells different members
//! different things (without telling who). What no check can do: make an absent helper take
//! part, or stop t helpers who collude from computing shares (they hold the key already).
//!
//! # What a session must do around these engines
//!
//! - The newcomer needs the key's public group description (`group.toml`, or any member's key
//!   file without its share) before [`Newcomer::new`] (`hoarfrost keys export-group`).
//! - Before [`RepairHelper::start`] or [`RepairHelper::join`], a person confirms the newcomer's
//!   fingerprint with the newcomer itself (out of band), and the helpers.
//! - Every round goes to everyone (the newcomer takes rounds 1 to 3): a relay may bundle them.
//!   Pass over [`Refusal::skippable`] refusals; keep
//!   [`Refusal::OutOfOrder`] ones for later.
//! - After [`RepairHelper::finish`], [`Newcomer::finish`] or [`admit`], replace the key file
//!   (or `group.toml`) with the description that includes the newcomer; it is the same
//!   generation. Then refresh without the lost member, so that its share, wherever it is,
//!   stops combining with the others.

mod admission;
mod helper;
mod messages;
mod newcomer;

pub use admission::Admission;
pub use helper::{HelperRounds, RepairHelper};
pub use messages::{
    RepairRequest, RepairRequestBody, RepairRound1, RepairRound1Body, RepairRound2,
    RepairRound2Body, RepairRound3, RepairRound3Body, RepairSession,
};
pub use newcomer::Newcomer;

use std::collections::BTreeSet;

use decaf377::{Element, Fr};
use ed25519_consensus::VerificationKey;

use crate::custody::{first_stranger, one_for_each_other, stranger, transcript, Circle, SessionId};
use crate::keys::{participant_fingerprint, GroupKey};
use crate::messages::MessageKind;
use crate::refusal::Refusal;
use crate::suite::{identifier_for, Identifier};

fn failed(problem: impl std::fmt::Display) -> Refusal {
    crate::custody::failed(MessageKind::RepairRound1, problem)
}

/// The helpers of a session, as a helper (`own`) or the newcomer (None) sees them.
fn circle(own: Option<VerificationKey>, session: &RepairSession) -> Circle {
    let outsider = "this member of the key is not one of this repair's helpers";
    Circle::new(own, session.id, &session.helpers, outsider)
}

/// Checks a session against a member's (or the newcomer's) view of the key: the helpers are
/// at least t of its members, the newcomer is not one.
fn check_session(group: &GroupKey, session: &RepairSession) -> Result<(), Refusal> {
    let bad = |problem: String| Err(Refusal::Setup(problem));
    if let Some(stranger) = first_stranger(group, &session.helpers) {
        return bad(format!(
            "participant {stranger} is not a member of this key and cannot help"
        ));
    }
    let t = usize::from(group.threshold());
    if session.helpers.len() < t {
        return bad(format!(
            "a repair needs at least t = {t} helpers, not {}",
            session.helpers.len()
        ));
    }
    if group.participant(&session.newcomer.vk).is_some() {
        return bad(format!(
            "the newcomer {} is already a member of this key",
            session.newcomer.sender()
        ));
    }
    Ok(())
}

fn helper_ids(session: &RepairSession) -> BTreeSet<Identifier> {
    session.helpers.iter().map(identifier_for).collect()
}

/// The Lagrange coefficient that weighs `helper`'s share in the newcomer's: zeta_i.
fn zeta(session: &RepairSession, helper: &VerificationKey) -> Result<Fr, Refusal> {
    frost_core::compute_lagrange_coefficient(
        &helper_ids(session),
        Some(identifier_for(&session.newcomer.vk)),
        identifier_for(helper),
    )
    .map_err(failed)
}

/// Checks what anyone can check of a helper's round-2 message: one commitment per helper, and
/// that they add up to the helper's part of the newcomer's share, `zeta_i * Y_i`.
fn check_commitments(
    group: &GroupKey,
    session: &RepairSession,
    msg: &RepairRound2,
) -> Result<(), Refusal> {
    if msg.body.commitments.len() != session.helpers.len() {
        return Err(msg.invalid(format!(
            "carries {} delta commitments, but the repair has {} helpers",
            msg.body.commitments.len(),
            session.helpers.len()
        )));
    }
    if !one_for_each_other(&msg.body.deltas, &session.helpers, &msg.vk) {
        return Err(msg.invalid(format!(
            "carries {} encrypted deltas, but must carry exactly one for each of the other {} helpers",
            msg.body.deltas.len(),
            session.helpers.len() - 1
        )));
    }
    let verifying_share = group
        .participant(&msg.vk)
        .ok_or_else(|| failed("a helper is not in the group"))?
        .verifying_share
        .to_element();
    let sum: Element = msg.body.commitments.iter().sum();
    if sum != verifying_share * zeta(session, &msg.vk)? {
        return Err(
            msg.invalid("its deltas do not add up to its part of the newcomer's share: it lied")
        );
    }
    Ok(())
}

/// The position of a helper in the session's order (the order of delta commitments).
fn helper_index(session: &RepairSession, vk: &VerificationKey) -> usize {
    session
        .helpers
        .iter()
        .position(|h| h == vk)
        .expect("only helpers are looked up")
}

/// The personalization of the digest of round 1 that round-2 messages carry.
const ROUND1_TRANSCRIPT: &[u8; 16] = b"hoarfrost-rpr1-1";

fn round1_transcript<'a>(
    session: &SessionId,
    messages: impl Iterator<Item = &'a RepairRound1>,
) -> [u8; 32] {
    transcript(ROUND1_TRANSCRIPT, session, messages)
}

fn round2_transcript<'a>(
    session: &SessionId,
    messages: impl Iterator<Item = &'a RepairRound2>,
) -> [u8; 32] {
    transcript(b"hoarfrost-rpr2-1", session, messages)
}

/// The group description after a repair, for a member who did not help: the newcomer
/// enrolled, once every helper of one session has sent its round-1 message (they agreed on the
/// newcomer) and its round-3 message (each sent the newcomer its piece).
pub fn admit(
    group: &GroupKey,
    round1: &[RepairRound1],
    round3: &[RepairRound3],
) -> Result<GroupKey, Refusal> {
    let first = round1.first().ok_or(Refusal::Incomplete {
        kind: MessageKind::RepairRound1,
        missing: usize::from(group.threshold()),
    })?;
    let session = &first.body.session;
    first.body.session.newcomer.body.group.check_against(
        group,
        MessageKind::RepairRound1,
        &first.sender(),
    )?;
    check_session(group, session)?;
    for (kind, sent) in [
        (
            MessageKind::RepairRound1,
            round1
                .iter()
                .map(|m| (m.vk, m.body.session.id, m.body.session == *session))
                .collect::<Vec<_>>(),
        ),
        (
            MessageKind::RepairRound3,
            round3
                .iter()
                .map(|m| (m.vk, m.body.link.session, true))
                .collect(),
        ),
    ] {
        for (vk, id, same) in &sent {
            if *id != session.id {
                return Err(Refusal::OtherSession {
                    kind,
                    participant: participant_fingerprint(vk),
                    theirs: id.to_string(),
                    ours: session.id.to_string(),
                });
            }
            if !same {
                return Err(Refusal::Invalid {
                    kind,
                    participant: participant_fingerprint(vk),
                    problem: "describes this repair differently: it sent different members different sessions".into(),
                });
            }
            if !session.helpers.contains(vk) {
                return Err(stranger(kind, participant_fingerprint(vk)));
            }
        }
        let missing = session
            .helpers
            .iter()
            .filter(|h| !sent.iter().any(|(vk, _, _)| vk == *h))
            .count();
        if missing > 0 {
            return Err(Refusal::Incomplete { kind, missing });
        }
    }
    group.enrol(session.newcomer.vk).map_err(failed)
}

#[cfg(test)]
mod tests;

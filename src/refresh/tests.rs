//! Whole refreshes (all members; with members removed), and every refusal, with the state kept.

use super::*;
use crate::custody::{Ceremony, Signed};
use crate::definition::vote_body;
use crate::keys::deal;
use crate::keys::participant_fingerprint;
use crate::messages::{Codec, DecodeError};
use crate::refusal::Refusal;
use crate::request::SigningRequest;
use crate::signing::{Coordinator, Follower, SigningResult};
use decaf377::Fr;
use ed25519_consensus::SigningKey;
use rand_core::OsRng;

pub(crate) const NOW: u64 = 1_800_000_000;

/// Delivers every message to every engine, as a bundle would: through its JSON, skipping
/// what is skippable.
fn deliver(engines: &mut [Refresh], messages: &[AnyMessage]) {
    for engine in engines.iter_mut() {
        for m in messages {
            let m = AnyMessage::from_json(&m.to_json()).unwrap();
            match engine.accept(m) {
                Ok(_) => {}
                Err(e) if e.skippable() => {}
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// Members `members` of `shares` refresh; the first starts. Returns the engines after round 1.
fn round1(shares: &[KeyShare], members: &[usize]) -> (Vec<Refresh>, Vec<AnyMessage>) {
    let vks: Vec<_> = members
        .iter()
        .map(|i| shares[*i].verification_key())
        .collect();
    let (first, invitation) =
        Refresh::start(shares[members[0]].clone(), &vks, NOW, &mut OsRng).unwrap();
    let mut engines = vec![first];
    let mut messages = vec![AnyMessage::RefreshRound1(invitation.clone())];
    for i in &members[1..] {
        let (engine, msg) = Refresh::join(
            shares[*i].clone(),
            RefreshRound1::from_json(&invitation.to_json()).unwrap(),
            &mut OsRng,
        )
        .unwrap();
        engines.push(engine);
        messages.push(AnyMessage::RefreshRound1(msg));
    }
    deliver(&mut engines, &messages);
    (engines, messages)
}

fn round2(engines: &mut [Refresh]) -> Vec<RefreshRound2> {
    engines
        .iter_mut()
        .map(|e| e.start_round2(&mut OsRng).unwrap())
        .collect()
}

/// A whole refresh; returns the new shares in the order of `members`.
pub(crate) fn refresh(shares: &[KeyShare], members: &[usize]) -> Vec<KeyShare> {
    let (mut engines, _) = round1(shares, members);
    let messages: Vec<_> = round2(&mut engines)
        .into_iter()
        .map(AnyMessage::RefreshRound2)
        .collect();
    deliver(&mut engines, &messages);
    engines.iter_mut().map(|e| e.finish().unwrap()).collect()
}

/// A validator vote signed by `signers[0]` coordinating and the others following.
pub(crate) fn sign(signers: &[KeyShare]) -> Result<(), Refusal> {
    let coordinator_share = &signers[0];
    let group = coordinator_share.group();
    let body = vote_body(group, None, 3, "yes".parse().unwrap(), "").unwrap();
    let request = SigningRequest::ValidatorVote(body.clone());
    let (mut coordinator, round1) = Coordinator::new(
        group.clone(),
        Some(coordinator_share.clone()),
        request,
        None,
    )?;
    let mut followers = signers[1..]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    for f in &mut followers {
        coordinator.accept_round1(f.approve(&mut OsRng)?)?;
    }
    let round2 = coordinator.start_round2(&mut OsRng)?;
    for f in &mut followers {
        coordinator.accept_round2(f.sign(round2.clone())?)?;
    }
    let SigningResult::ValidatorVote(signature) = coordinator.aggregate()? else {
        unreachable!("a vote request ends in a vote signature")
    };
    group
        .fvk()
        .spend_verification_key()
        .verify(
            &penumbra_sdk_proto::Message::encode_to_vec(
                &penumbra_sdk_proto::core::component::governance::v1::ValidatorVoteBody::from(body),
            ),
            &signature,
        )
        .expect("an aggregated signature verifies under the key");
    Ok(())
}

#[test]
fn a_refresh_keeps_the_key_and_changes_every_share() {
    for (t, n) in [(2u16, 3u16), (3, 5)] {
        let old = deal(&mut OsRng, t, n).unwrap();
        let all: Vec<usize> = (0..usize::from(n)).collect();
        let new = refresh(&old, &all);
        let (before, after) = (old[0].group(), new[0].group());
        for share in &new {
            assert_eq!(
                share.group(),
                after,
                "every member ends with the same group"
            );
        }
        assert_eq!(after.fvk(), before.fvk(), "same FVK, nk included");
        assert_eq!(after.identity_key(), before.identity_key());
        assert_eq!(after.governance_key(), before.governance_key());
        assert_eq!(after.threshold(), t);
        assert_eq!(after.generation().number, 1);
        assert_eq!(after.generation().refreshed, Some(NOW));
        for (o, n) in old.iter().zip(&new) {
            assert_eq!(o.verification_key(), n.verification_key());
            assert_ne!(o.signing_share(), n.signing_share());
            assert_ne!(
                before
                    .participant(&o.verification_key())
                    .unwrap()
                    .verifying_share,
                after
                    .participant(&n.verification_key())
                    .unwrap()
                    .verifying_share
            );
        }
        // Any t new shares sign; the first and the last t.
        sign(&new[..usize::from(t)]).unwrap();
        sign(&new[new.len() - usize::from(t)..]).unwrap();
        // A share from before the refresh is named as such by a refreshed coordinator.
        let mut mixed = new[..usize::from(t)].to_vec();
        mixed[1] = old[1].clone();
        let e = sign(&mixed).unwrap_err();
        assert!(
            matches!(&e, Refusal::StaleShare { participant, .. } if *participant == old[1].fingerprint()),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("from before the refresh of 2027-01-15T08:00:00Z"),
            "{e}"
        );
        // Old shares among themselves still sign: a refresh cannot undo past exposure.
        sign(&old[..usize::from(t)]).unwrap();
    }
}

#[test]
fn a_refresh_that_leaves_members_out_removes_them() {
    // 2-of-3 without participant 2, and 3-of-5 without participants 1 and 3.
    for (t, n, members) in [(2u16, 3u16, vec![0, 1]), (3, 5, vec![0, 2, 4])] {
        let old = deal(&mut OsRng, t, n).unwrap();
        let new = refresh(&old, &members);
        let group = new[0].group();
        assert_eq!(group.participant_count(), members.len());
        assert_eq!(group.threshold(), t);
        assert_eq!(group.fvk(), old[0].group().fvk());
        let removed: Vec<_> = (0..usize::from(n))
            .filter(|i| !members.contains(i))
            .collect();
        for i in &removed {
            assert!(group.participant(&old[*i].verification_key()).is_none());
        }
        sign(&new).unwrap();
        // A removed member's old share does not combine with the new ones: it is a stranger
        // to the refreshed group.
        let mut mixed = new[..usize::from(t) - 1].to_vec();
        mixed.push(old[removed[0]].clone());
        let e = sign(&mixed).unwrap_err();
        assert!(matches!(e, Refusal::UnknownParticipant { .. }), "{e}");
    }
}

#[test]
fn a_second_refresh_names_shares_from_before_each() {
    let gen0 = deal(&mut OsRng, 2, 3).unwrap();
    let gen1 = refresh(&gen0, &[0, 1, 2]);
    let gen2 = refresh(&gen1, &[0, 1, 2]);
    assert_eq!(gen2[0].group().generation().number, 2);
    assert_eq!(gen2[0].group().generation().retired.len(), 2);
    for stale in [&gen0[1], &gen1[1]] {
        let e = sign(&[gen2[0].clone(), stale.clone()]).unwrap_err();
        assert!(matches!(e, Refusal::StaleShare { .. }), "{e}");
    }
}

#[test]
fn the_session_is_checked_before_anything_is_sent() {
    let shares = deal(&mut OsRng, 3, 5).unwrap();
    let vks: Vec<_> = shares.iter().map(|s| s.verification_key()).collect();
    let e = |r: Result<(Refresh, RefreshRound1), Refusal>| r.err().unwrap().to_string();
    let few = e(Refresh::start(
        shares[0].clone(),
        &vks[..2],
        NOW,
        &mut OsRng,
    ));
    assert!(few.contains("keeps the threshold 3"), "{few}");
    let without_me = e(Refresh::start(
        shares[0].clone(),
        &vks[1..],
        NOW,
        &mut OsRng,
    ));
    assert!(without_me.contains("would be removed"), "{without_me}");
    let stranger = SigningKey::new(OsRng).verification_key();
    let with_stranger = e(Refresh::start(
        shares[0].clone(),
        &[vks[0], vks[1], stranger],
        NOW,
        &mut OsRng,
    ));
    assert!(
        with_stranger.contains("cannot add members"),
        "{with_stranger}"
    );
    // A member left out cannot join.
    let (_, invitation) = Refresh::start(shares[0].clone(), &vks[..3], NOW, &mut OsRng).unwrap();
    let left_out = e(Refresh::join(shares[4].clone(), invitation, &mut OsRng));
    assert!(left_out.contains("would be removed"), "{left_out}");
}

#[test]
fn strangers_and_stale_members_are_refused_by_name() {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let (mut engines, messages) = round1(&shares, &[0, 1, 2]);
    let AnyMessage::RefreshRound1(theirs) = &messages[1] else {
        unreachable!()
    };
    // A stranger: a valid signature by a key that is not a member, on the very session.
    let stranger_key = SigningKey::new(OsRng);
    let forged = Signed::sign(&stranger_key, theirs.body.clone());
    let e = engines[0].accept_round1(forged.clone()).unwrap_err();
    assert!(matches!(e, Refusal::UnknownParticipant { .. }), "{e}");
    assert!(e
        .to_string()
        .contains(&participant_fingerprint(&stranger_key.verification_key())));
    let e = Refresh::join(shares[1].clone(), forged, &mut OsRng)
        .err()
        .unwrap();
    assert!(matches!(e, Refusal::UnknownParticipant { .. }), "{e}");
    // A member whose share is from before a refresh cannot join one of the refreshed key, and
    // a refreshed member is not drawn into a refresh started from an old share.
    let new = refresh(&shares, &[0, 1, 2]);
    let vks: Vec<_> = new.iter().map(|s| s.verification_key()).collect();
    let (_, fresh_invitation) = Refresh::start(new[0].clone(), &vks, NOW + 10, &mut OsRng).unwrap();
    let e = Refresh::join(shares[1].clone(), fresh_invitation, &mut OsRng)
        .err()
        .unwrap();
    assert!(matches!(e, Refusal::OwnShareStale { .. }), "{e}");
    let (_, stale_invitation) =
        Refresh::start(shares[2].clone(), &vks, NOW + 10, &mut OsRng).unwrap();
    let e = Refresh::join(new[1].clone(), stale_invitation, &mut OsRng)
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "RefreshRound1 from participant {0}: participant {0} holds a share from before the refresh of 2027-01-15T08:00:00Z; it must use its refreshed key file",
            shares[2].fingerprint()
        )
    );
}

#[test]
fn replays_duplicates_and_wrong_rounds_are_refused_and_change_nothing() {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let (mut engines, messages) = round1(&shares, &[0, 1, 2]);
    // A round-1 message of an earlier attempt at a refresh of the same key.
    let vks: Vec<_> = shares.iter().map(|s| s.verification_key()).collect();
    let (_, earlier) = Refresh::start(shares[1].clone(), &vks, NOW, &mut OsRng).unwrap();
    let mut fresh = Refresh::start(shares[0].clone(), &vks, NOW, &mut OsRng)
        .unwrap()
        .0;
    let e = fresh.accept_round1(earlier).unwrap_err();
    assert!(matches!(e, Refusal::OtherSession { .. }), "{e}");
    assert_eq!(fresh.progress(), (0, 2));
    // Round 1 is complete for engine 0: the same message again, its own, a second one.
    let AnyMessage::RefreshRound1(from1) = messages[1].clone() else {
        unreachable!()
    };
    let e = engines[0].accept_round1(from1.clone()).unwrap_err();
    assert!(
        matches!(e, Refusal::AlreadyReceived { .. }) && e.skippable(),
        "{e}"
    );
    let AnyMessage::RefreshRound1(own) = messages[0].clone() else {
        unreachable!()
    };
    assert!(matches!(
        engines[0].accept_round1(own),
        Err(Refusal::OwnMessage { .. })
    ));
    let mut second = from1.body.clone();
    second.epk = decaf377_ka::Secret::new(&mut OsRng).public();
    let second = Signed::sign(shares[1].signing_key(), second);
    let e = engines[0].accept_round1(second).unwrap_err();
    assert!(
        matches!(e, Refusal::Conflicting { .. }) && !e.skippable(),
        "{e}"
    );
    assert_eq!(engines[0].progress(), (2, 2));
    // Round 2 before round 2: kept out; finishing early is refused.
    let round2s = round2(&mut engines[1..]);
    let e = fresh.accept_round2(round2s[0].clone()).unwrap_err();
    assert!(matches!(e, Refusal::OutOfOrder { .. }), "{e}");
    assert!(matches!(
        engines[0].finish(),
        Err(Refusal::Incomplete { .. })
    ));
    // In round 2, a round-1 message is out of order, and a replayed round 2 is skippable.
    engines[0].start_round2(&mut OsRng).unwrap();
    let e = engines[0].accept_round1(from1).unwrap_err();
    assert!(matches!(e, Refusal::OutOfOrder { .. }), "{e}");
    engines[0].accept_round2(round2s[0].clone()).unwrap();
    let e = engines[0].accept_round2(round2s[0].clone()).unwrap_err();
    assert!(e.skippable(), "{e}");
    assert_eq!(engines[0].progress(), (1, 2));
    engines[0].accept_round2(round2s[1].clone()).unwrap();
    engines[0].finish().unwrap();
}

/// A round-2 message from engine `from`, with its body altered and signed again with the
/// sender's key, so that only the engine's checks can catch it.
fn tampered(
    shares: &[KeyShare],
    from: usize,
    msg: &RefreshRound2,
    tamper: impl FnOnce(&mut RefreshRound2Body),
) -> RefreshRound2 {
    let mut body = msg.body.clone();
    tamper(&mut body);
    Signed::sign(shares[from].signing_key(), body)
}

#[test]
fn a_bad_refresh_share_names_its_sender() {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let (mut engines, messages) = round1(&shares, &[0, 1, 2]);
    let round2s = round2(&mut engines);
    let me = shares[0].verification_key().to_bytes();
    let AnyMessage::RefreshRound1(my_round1) = &messages[0] else {
        unreachable!()
    };
    let sender = shares[1].fingerprint();
    let check = |engines: &mut Vec<Refresh>, msg: RefreshRound2, needle: &str| {
        let e = engines[0].accept_round2(msg).unwrap_err().to_string();
        assert!(e.contains(needle) && e.contains(&sender), "{e}");
        assert_eq!(engines[0].progress(), (0, 2));
    };
    // A share off the sender's committed polynomial, well encrypted.
    let wrong = tampered(&shares, 1, &round2s[1], |b| {
        b.shares.insert(
            me,
            encrypt_scalar(&mut OsRng, &my_round1.body.epk, &Fr::from(7u64)),
        );
    });
    check(&mut engines, wrong, "does not match its round-1 commitment");
    // Garbage instead of the ciphertext.
    let garbage = tampered(&shares, 1, &round2s[1], |b| {
        b.shares
            .insert(me, vec![9u8; crate::custody::CIPHERTEXT_LEN]);
    });
    check(&mut engines, garbage, "does not decrypt");
    // A missing recipient.
    let missing = tampered(&shares, 1, &round2s[1], |b| {
        b.shares.remove(&me);
    });
    check(&mut engines, missing, "carries 1 encrypted shares");
    // Another view of round 1.
    let other_view = tampered(&shares, 1, &round2s[1], |b| b.link.transcript[0] ^= 1);
    check(&mut engines, other_view, "saw other round-1 messages");
    // A signature that does not verify is caught when decoding.
    let mut forged = round2s[1].clone();
    forged.body.link.transcript[0] ^= 1;
    let e = RefreshRound2::from_bytes(&forged.to_bytes()).unwrap_err();
    assert!(matches!(e, DecodeError::BadSignature { .. }), "{e}");
    // The honest messages still complete the refresh.
    engines[0].accept_round2(round2s[1].clone()).unwrap();
    engines[0].accept_round2(round2s[2].clone()).unwrap();
    engines[0].finish().unwrap();
}

#[test]
fn a_member_who_sends_different_sessions_is_caught_in_round_1() {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let vks: Vec<_> = shares.iter().map(|s| s.verification_key()).collect();
    let (mut first, invitation) = Refresh::start(shares[0].clone(), &vks, NOW, &mut OsRng).unwrap();
    let (_, honest) = Refresh::join(shares[1].clone(), invitation, &mut OsRng).unwrap();
    // Member 1 tells member 0 the same session id with member 2 left out.
    let mut body = honest.body.clone();
    body.session.members.retain(|vk| *vk != vks[2]);
    let e = first
        .accept_round1(Signed::sign(shares[1].signing_key(), body))
        .unwrap_err();
    assert!(
        e.to_string().contains("describes this refresh differently"),
        "{e}"
    );
    assert_eq!(first.progress(), (0, 2));
    first.accept_round1(honest).unwrap();
}

#[test]
fn a_share_round_tripped_through_pcli_joins_under_the_sessions_generation() {
    use crate::keyfile::{export_pcli, import_pcli, PcliSection};
    let gen1 = refresh(&deal(&mut OsRng, 2, 3).unwrap(), &[0, 1, 2]);
    // pcli's config has no generation: the share reads back as generation 0, same state.
    let text = export_pcli(&gen1[1], "https://example.com/", PcliSection::Custody).unwrap();
    let imported = import_pcli(&text, PcliSection::Custody).unwrap();
    assert_eq!(imported.group().generation().number, 0);
    assert_eq!(imported.group().digest(), gen1[1].group().digest());
    let gen2 = refresh(&[gen1[0].clone(), imported, gen1[2].clone()], &[0, 1, 2]);
    for share in &gen2 {
        assert_eq!(share.group().generation().number, 2);
        assert_eq!(share.group().generation().refreshed, Some(NOW));
    }
    sign(&gen2[1..]).unwrap();
    // Its old share is still named stale by a member that kept the whole record.
    let e = sign(&[gen2[0].clone(), gen1[1].clone()]).unwrap_err();
    assert!(matches!(e, Refusal::StaleShare { .. }), "{e}");
}

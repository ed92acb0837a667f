//! The signing engine as pure state machines: whole ceremonies and every rejection.

mod common;

use common::*;
use hoarfrost::keys::KeyShare;
use hoarfrost::messages::{
    Codec, CoordinatorRound1, CoordinatorRound2, DecodeError, FollowerRound1, FollowerRound2,
    MessageKind,
};
use hoarfrost::refusal::Refusal;
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower};
use penumbra_sdk_transaction::TransactionPlan;

fn plan() -> SigningRequest {
    SigningRequest::Transaction(
        serde_json::from_str::<TransactionPlan>(include_str!("data/plan.json")).unwrap(),
    )
}

#[test]
fn every_request_kind_verifies_for_2_of_3_and_3_of_5() {
    for (t, n, seed) in [(2, 3, 1), (3, 5, 2)] {
        let shares = dealt(t, n, seed);
        for request in [
            definition_request(&shares[0], 4),
            vote_request(&shares[0], 7),
            plan(),
        ] {
            let result = ceremony(&shares, usize::from(t), request.clone(), seed);
            verify(&result, &request, &shares[0]);
        }
    }
}

#[test]
fn coordinator_accepts_more_than_t_minus_1_replies() {
    let shares = dealt(2, 4, 3);
    for request in [definition_request(&shares[0], 1), plan()] {
        let result = ceremony(&shares, 4, request.clone(), 3);
        verify(&result, &request, &shares[0]);
    }
}

#[test]
fn coordinator_signs_with_a_chosen_subset() {
    let shares = dealt(3, 5, 4);
    let request = vote_request(&shares[0], 2);
    let mut r = rng(4);
    let (mut c, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        request.clone(),
        None,
    )
    .unwrap();
    let mut followers: Vec<Follower> = shares[1..]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    for f in &mut followers {
        c.accept_round1(f.approve(&mut r).unwrap()).unwrap();
    }
    let chosen = [shares[2].verification_key(), shares[4].verification_key()];
    let round2 = c.start_round2_with(&chosen, &mut r).unwrap();
    assert_eq!(round2.packages[0].len(), 3);
    // A signer left out of round 2 finds its commitment missing and refuses.
    let err = followers[0].sign(round2.clone()).unwrap_err();
    assert!(
        err.to_string()
            .contains("lacks this participant's commitment"),
        "{err}"
    );
    for i in [1, 3] {
        c.accept_round2(followers[i].sign(round2.clone()).unwrap())
            .unwrap();
    }
    verify(&c.aggregate().unwrap(), &request, &shares[0]);
}

#[test]
fn coordinator_without_a_share_collects_t_replies() {
    let shares = dealt(2, 3, 5);
    let request = definition_request(&shares[0], 9);
    let mut r = rng(5);
    let (mut c, round1) =
        Coordinator::new(shares[0].group().clone(), None, request.clone(), None).unwrap();
    assert!(!c.has_own_share());
    let mut followers: Vec<Follower> = shares[1..]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    c.accept_round1(followers[0].approve(&mut r).unwrap())
        .unwrap();
    assert!(matches!(
        c.start_round2(&mut r),
        Err(Refusal::NotEnoughSigners { have: 1, need: 2 })
    ));
    c.accept_round1(followers[1].approve(&mut r).unwrap())
        .unwrap();
    let round2 = c.start_round2(&mut r).unwrap();
    for f in &mut followers {
        c.accept_round2(f.sign(round2.clone()).unwrap()).unwrap();
    }
    verify(&c.aggregate().unwrap(), &request, &shares[0]);
}

struct Setup {
    shares: Vec<KeyShare>,
    coordinator: Coordinator,
    followers: Vec<Follower>,
}

fn setup(t: u16, n: u16, seed: u64) -> Setup {
    let shares = dealt(t, n, seed);
    let (coordinator, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        definition_request(&shares[0], 5),
        None,
    )
    .unwrap();
    let followers = shares[1..]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    Setup {
        shares,
        coordinator,
        followers,
    }
}

#[test]
fn round1_rejections_keep_the_state() {
    let Setup {
        shares,
        mut coordinator,
        mut followers,
    } = setup(3, 4, 6);
    let mut r = rng(60);
    let reply = followers[0].approve(&mut r).unwrap();

    // Its own message.
    let own = FollowerRound1::signed(shares[0].signing_key(), reply.body.clone());
    assert!(matches!(
        coordinator.accept_round1(own),
        Err(Refusal::OwnMessage { .. })
    ));
    // A key outside the group.
    let stranger = dealt(2, 2, 99).remove(0);
    let foreign = FollowerRound1::signed(stranger.signing_key(), reply.body.clone());
    let err = coordinator.accept_round1(foreign).unwrap_err();
    assert!(matches!(err, Refusal::UnknownParticipant { .. }));
    assert!(err.to_string().contains(&stranger.fingerprint()), "{err}");
    // The wrong number of commitments for the request.
    let mut doubled = reply.body.clone();
    doubled.extend(reply.body.clone());
    let wrong = FollowerRound1::signed(shares[1].signing_key(), doubled);
    assert!(matches!(
        coordinator.accept_round1(wrong),
        Err(Refusal::WrongCount {
            got: 2,
            expected: 1,
            ..
        })
    ));
    // A round-2 reply in round 1.
    let stray = FollowerRound2::signed(shares[1].signing_key(), vec![]);
    assert!(matches!(
        coordinator.accept_round2(stray),
        Err(Refusal::OutOfOrder { .. })
    ));
    assert_eq!(coordinator.commitments_progress(), (1, 3));

    // Accepted once; the same reply again is a duplicate and changes nothing.
    let who = coordinator.accept_round1(reply.clone()).unwrap();
    assert_eq!(who, shares[1].fingerprint());
    let err = coordinator.accept_round1(reply).unwrap_err();
    assert!(matches!(err, Refusal::Duplicate { .. }), "{err}");
    assert_eq!(coordinator.commitments_progress(), (2, 3));

    // The ceremony goes on.
    let reply = followers[1].approve(&mut r).unwrap();
    coordinator.accept_round1(reply).unwrap();
    let round2 = coordinator.start_round2(&mut r).unwrap();
    for f in &mut followers[..2] {
        coordinator
            .accept_round2(f.sign(round2.clone()).unwrap())
            .unwrap();
    }
    coordinator.aggregate().unwrap();
}

#[test]
fn round2_rejections_name_the_participant_and_keep_the_state() {
    let Setup {
        shares,
        mut coordinator,
        mut followers,
    } = setup(2, 3, 7);
    let mut r = rng(70);
    coordinator
        .accept_round1(followers[0].approve(&mut r).unwrap())
        .unwrap();
    let round2 = coordinator.start_round2(&mut r).unwrap();
    // A late reply in round 2 is kept (it could stand in for a signer); the package that was
    // sent can still complete, so nothing new goes out.
    let late = followers[1].approve(&mut r).unwrap();
    coordinator.accept_round1(late).unwrap();
    assert_eq!(coordinator.renew(&mut r).unwrap(), None);
    assert_eq!(coordinator.missing_signers(), 0);
    // A participant that was not chosen.
    let outsider = FollowerRound2::signed(shares[2].signing_key(), vec![]);
    assert!(matches!(
        coordinator.accept_round2(outsider),
        Err(Refusal::NotASigner { .. })
    ));
    let good = followers[0].sign(round2.clone()).unwrap();
    // A validly signed but wrong share (for example one replayed from another ceremony).
    let mut forged_share = good.body.clone();
    forged_share[0] = FollowerRound2::from_json(&replayed_share(&shares))
        .unwrap()
        .body[0];
    let forged = FollowerRound2::signed(shares[1].signing_key(), forged_share);
    let err = coordinator.accept_round2(forged).unwrap_err();
    assert!(matches!(err, Refusal::InvalidShare { .. }), "{err}");
    assert!(err.to_string().contains(&shares[1].fingerprint()), "{err}");
    assert_eq!(coordinator.shares_progress(), (1, 2));
    // The real share is still accepted; a repeat is a duplicate.
    coordinator.accept_round2(good.clone()).unwrap();
    assert!(matches!(
        coordinator.accept_round2(good),
        Err(Refusal::Duplicate { .. })
    ));
    coordinator.aggregate().unwrap();
}

/// A FollowerRound2 from participant 1 in an earlier ceremony on the same key.
fn replayed_share(shares: &[KeyShare]) -> String {
    let mut r = rng(71);
    let (mut c, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        definition_request(&shares[0], 5),
        None,
    )
    .unwrap();
    let mut f = Follower::new(shares[1].clone(), round1).unwrap();
    c.accept_round1(f.approve(&mut r).unwrap()).unwrap();
    f.sign(c.start_round2(&mut r).unwrap()).unwrap().to_json()
}

#[test]
fn follower_refuses_packages_that_do_not_match() {
    let Setup {
        shares,
        mut coordinator,
        mut followers,
    } = setup(3, 4, 8);
    let mut r = rng(80);
    // Signing before approving is refused.
    let empty = CoordinatorRound2 { packages: vec![] };
    assert!(matches!(
        followers[0].sign(empty.clone()),
        Err(Refusal::OutOfOrder { .. })
    ));
    let mine = followers[0].approve(&mut r).unwrap();
    assert!(matches!(
        followers[0].approve(&mut r),
        Err(Refusal::OutOfOrder { .. })
    ));
    coordinator.accept_round1(mine.clone()).unwrap();
    coordinator
        .accept_round1(followers[1].approve(&mut r).unwrap())
        .unwrap();
    let round2 = coordinator.start_round2(&mut r).unwrap();

    let bad = |f: &mut Follower, pkg: CoordinatorRound2, needle: &str| {
        let err = f.sign(pkg).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    };
    // The wrong number of packages for the approved request.
    bad(&mut followers[0], empty, "carries 0 signing packages");
    // Fewer than t commitments.
    let mut thin = round2.clone();
    let me = shares[1].identifier();
    thin.packages[0].retain(|id, _| *id == me || *id == shares[0].identifier());
    bad(&mut followers[0], thin, "at least 3");
    // Without this participant's commitment.
    let mut without = round2.clone();
    without.packages[0].remove(&me);
    bad(
        &mut followers[0],
        without,
        "lacks this participant's commitment",
    );
    // Another ceremony's commitment for this participant.
    let mut other = round2.clone();
    let foreign = shares[2].identifier();
    let theirs = other.packages[0][&foreign];
    other.packages[0].insert(me, theirs);
    bad(&mut followers[0], other, "different commitment");
    // A stranger among the signers.
    let mut strangers = round2.clone();
    let stranger = dealt(2, 2, 98).remove(0);
    strangers.packages[0].insert(stranger.identifier(), theirs);
    bad(&mut followers[0], strangers, "not in this key's group");
    // After every refusal the real package still signs.
    let reply = followers[0].sign(round2.clone()).unwrap();
    coordinator.accept_round2(reply).unwrap();
    // Nonces are used once.
    assert!(matches!(
        followers[0].sign(round2),
        Err(Refusal::OutOfOrder { .. })
    ));
}

#[test]
fn follower_refuses_requests_for_other_keys_and_declines_sign_nothing() {
    let ours = dealt(2, 3, 9);
    let theirs = dealt(2, 3, 10);
    let round1 = CoordinatorRound1 {
        request: definition_request(&theirs[0], 1),
    };
    let err = Follower::new(ours[1].clone(), round1).err().unwrap();
    assert!(matches!(err, Refusal::WrongKey(_)), "{err}");
    let round1 = CoordinatorRound1 {
        request: vote_request(&theirs[0], 1),
    };
    assert!(matches!(
        Follower::new(ours[1].clone(), round1),
        Err(Refusal::WrongKey(_))
    ));
    let round1 = CoordinatorRound1 {
        request: vote_request(&ours[0], 1),
    };
    let mut f = Follower::new(ours[1].clone(), round1).unwrap();
    f.decline();
    assert!(f.approve(&mut rng(1)).is_err());
}

#[test]
fn decoding_refuses_bad_input_by_name() {
    let Setup {
        shares,
        mut followers,
        ..
    } = setup(2, 3, 11);
    let reply = followers[0].approve(&mut rng(110)).unwrap();
    let json = reply.to_json();

    assert_eq!(FollowerRound1::from_json("   "), Err(DecodeError::Empty));
    assert!(matches!(
        FollowerRound1::from_json("garbage"),
        Err(DecodeError::NotJson(_))
    ));
    assert!(matches!(
        FollowerRound1::from_json(&json[..json.len() / 2]),
        Err(DecodeError::NotJson(_))
    ));
    assert!(matches!(
        FollowerRound1::from_json("{\"hello\":1}"),
        Err(DecodeError::UnknownKind)
    ));
    let err = FollowerRound2::from_json(&json).unwrap_err();
    assert_eq!(
        err,
        DecodeError::WrongKind {
            expected: MessageKind::FollowerRound2,
            got: MessageKind::FollowerRound1
        }
    );
    assert!(err.to_string().contains("expected FollowerRound2"), "{err}");

    // A tampered signature.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sig = value["sig"]["inner"].as_str().unwrap().to_string();
    let flipped = if sig.starts_with('A') {
        sig.replacen('A', "B", 1)
    } else {
        format!("A{}", &sig[1..])
    };
    value["sig"]["inner"] = flipped.into();
    let err = FollowerRound1::from_json(&value.to_string()).unwrap_err();
    assert!(matches!(err, DecodeError::BadSignature { .. }), "{err}");
    assert!(err.to_string().contains(&shares[1].fingerprint()), "{err}");

    // The identity element as a commitment.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["inner"]["commitments"][0]["hiding"]["element"] =
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    let err = FollowerRound1::from_json(&value.to_string()).unwrap_err();
    assert!(
        err.to_string()
            .contains("inner.commitments[0].hiding: the identity element is not allowed"),
        "{err}"
    );
    // A truncated key.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["pk"]["inner"] = "AAAA".into();
    let err = FollowerRound1::from_json(&value.to_string()).unwrap_err();
    assert!(
        err.to_string().contains("pk: expected 32 bytes, got 3"),
        "{err}"
    );
}

/// A FollowerRound1 saved from another ceremony over the same request is accepted (nothing can
/// tell it apart), so round 2 starts with it. When the signer's real reply comes, the package
/// can never complete, and a fresh one goes out once enough signers have unused commitments;
/// the stale package stays open. Nothing starts over.
#[test]
fn a_stale_reply_is_replaced_in_a_fresh_package() {
    let shares = dealt(3, 5, 60);
    let request = vote_request(&shares[0], 9);
    let mut r = rng(60);
    let (mut c, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        request.clone(),
        None,
    )
    .unwrap();
    let stale = Follower::new(shares[1].clone(), round1.clone())
        .unwrap()
        .approve(&mut r)
        .unwrap();
    let mut b = Follower::new(shares[1].clone(), round1.clone()).unwrap();
    let mut d = Follower::new(shares[2].clone(), round1.clone()).unwrap();
    let fresh = b.approve(&mut r).unwrap();
    c.accept_round1(stale.clone()).unwrap();
    c.accept_round1(d.approve(&mut r).unwrap()).unwrap();
    assert!(c.ready_for_round2());
    let first = c.start_round2(&mut r).unwrap();
    // d signs the first package at once; b cannot (its commitment there is not its own).
    let d_share = d.sign(first.clone()).unwrap();
    assert!(matches!(
        b.sign(first.clone()),
        Err(Refusal::BadPackage { .. })
    ));
    assert!(matches!(
        c.accept_round1(stale),
        Err(Refusal::Duplicate { .. })
    ));
    // b's real reply: the first package is dead; d's commitments still look unused, so a new
    // package names the coordinator, b and d.
    c.accept_round1(fresh.clone()).unwrap();
    let second = c.renew(&mut r).unwrap().expect("a new package");
    assert_ne!(first, second);
    // d's share arrives for the first package: d cannot sign the second any more, so it is dead
    // too; one more signer is needed.
    c.accept_round2(d_share).unwrap();
    assert!(matches!(
        d.sign(second.clone()),
        Err(Refusal::OutOfOrder { .. })
    ));
    assert_eq!(c.renew(&mut r).unwrap(), None);
    assert_eq!(c.missing_signers(), 1);
    let mut e = Follower::new(shares[3].clone(), round1).unwrap();
    c.accept_round1(e.approve(&mut r).unwrap()).unwrap();
    let third = c.renew(&mut r).unwrap().expect("a new package");
    assert!(!c.ready_to_aggregate());
    // b never signed the second package, so its commitments are still unused.
    c.accept_round2(b.sign(third.clone()).unwrap()).unwrap();
    c.accept_round2(e.sign(third).unwrap()).unwrap();
    assert!(c.ready_to_aggregate());
    verify(&c.aggregate().unwrap(), &request, &shares[0]);
    let mut signed = c.signed_by();
    signed.sort();
    let mut expected = vec![
        shares[0].fingerprint(),
        shares[1].fingerprint(),
        shares[3].fingerprint(),
    ];
    expected.sort();
    assert_eq!(signed, expected);
}

/// In a 2-of-3 the replacement completes the ceremony; replacements are bounded.
#[test]
fn a_replacement_completes_a_2_of_3_and_replacements_are_bounded() {
    let shares = dealt(2, 3, 61);
    let request = definition_request(&shares[0], 2);
    let mut r = rng(61);
    let new = || {
        Coordinator::new(
            shares[0].group().clone(),
            Some(shares[0].clone()),
            request.clone(),
            None,
        )
        .unwrap()
    };
    let (mut c, round1) = new();
    let replies: Vec<_> = (0..=hoarfrost::signing::MAX_PACKAGES)
        .map(|_| {
            Follower::new(shares[1].clone(), round1.clone())
                .unwrap()
                .approve(&mut r)
                .unwrap()
        })
        .collect();
    c.accept_round1(replies[0].clone()).unwrap();
    c.start_round2(&mut r).unwrap();
    for reply in &replies[1..hoarfrost::signing::MAX_PACKAGES] {
        c.accept_round1(reply.clone()).unwrap();
        assert!(c.renew(&mut r).unwrap().is_some());
    }
    c.accept_round1(replies[hoarfrost::signing::MAX_PACKAGES].clone())
        .unwrap();
    assert!(matches!(c.renew(&mut r), Err(Refusal::OutOfOrder { .. })));
    // A fresh coordinator: the stale reply first, then the real one completes it.
    let (mut c, _) = new();
    let mut f = Follower::new(shares[1].clone(), round1).unwrap();
    let real = f.approve(&mut r).unwrap();
    c.accept_round1(replies[0].clone()).unwrap();
    c.start_round2(&mut r).unwrap();
    c.accept_round1(real).unwrap();
    let round2 = c.renew(&mut r).unwrap().expect("a new package");
    c.accept_round2(f.sign(round2).unwrap()).unwrap();
    assert!(c.ready_to_aggregate());
    verify(&c.aggregate().unwrap(), &request, &shares[0]);
    assert_eq!(c.signed_by().len(), 2);
}

//! Refresh and repair sessions, the core both front ends drive: pastes in any order, a relay's
//! bundle, joining only after review, what a shared relay carries for others passed over
//! quietly, a bad share named by its sender, strangers refused, a lost member replaced then
//! removed, and a share from before a refresh named in a signing ceremony.

mod common;

use common::*;
use hoarfrost::custody::Signed;
use hoarfrost::keys::KeyShare;
use hoarfrost::messages::{AnyMessage, Codec};
use hoarfrost::refresh::Refresh;
use hoarfrost::session::{Mark, Outcome, PieceOutcome, Session, Stage};
use hoarfrost::transport::ur::UrParts;

const NOW: u64 = 1_800_000_000;

fn all_taken(outcomes: &[PieceOutcome]) {
    assert!(outcomes.iter().all(|o| o.taken), "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| o.feedback.iter().all(|f| f.ok)),
        "{outcomes:?}"
    );
}

/// The share a refresh, a repair helper or a newcomer ended with.
fn share_of(s: &Session) -> KeyShare {
    match s.stage() {
        Stage::Done(
            Outcome::Refreshed { share, .. }
            | Outcome::Helped { share, .. }
            | Outcome::Enrolled { share, .. },
        ) => share.as_ref().clone(),
        other => panic!("not done: {other:?}"),
    }
}

/// One relay that carries every message to every session: each new message goes to all the
/// others, reviews are approved and slow steps run, until nothing moves. Every piece must be
/// taken without an error.
fn relay(sessions: &mut [&mut Session]) {
    let mut delivered = vec![0; sessions.len()];
    loop {
        let mut moved = false;
        for i in 0..sessions.len() {
            if matches!(sessions[i].stage(), Stage::Review) {
                sessions[i].approve();
                moved = true;
            }
            compute(sessions[i]);
            let sent = sessions[i].view().sent;
            for message in &sent[delivered[i]..] {
                for (j, other) in sessions.iter_mut().enumerate() {
                    if j != i {
                        all_taken(&other.paste(&message.json));
                    }
                }
                moved = true;
            }
            delivered[i] = sent.len();
        }
        if !moved {
            break;
        }
    }
}

fn refresh_started(shares: &[KeyShare], starter: usize, remove: &[usize], seed: u64) -> Session {
    let remove: Vec<_> = remove
        .iter()
        .map(|i| shares[*i].verification_key())
        .collect();
    Session::refresh_start(
        "identity",
        shares[starter].clone(),
        &remove,
        NOW,
        &mut rng(seed),
    )
    .unwrap()
}

fn joining(share: &KeyShare, seed: u64) -> Session {
    Session::refresh_join("identity", share.clone(), &mut rng(seed))
}

#[test]
fn a_refresh_takes_pastes_in_any_order_and_a_bundle() {
    let shares = dealt(2, 3, 60);
    let mut s0 = refresh_started(&shares, 0, &[], 61);
    let (mut s1, mut s2) = (joining(&shares[1], 62), joining(&shares[2], 63));
    // Nothing goes out of a joining member before its person approved what it reviewed.
    assert!(s1.view().sent.is_empty());
    let invitation = outgoing(&s0);
    all_taken(&s1.paste(&invitation));
    assert!(matches!(s1.stage(), Stage::Review));
    let review = s1.view().review.join("\n");
    assert!(review.contains("Removed (0):   nobody"), "{review}");
    assert!(review.contains("stays 2 (frost-core refuses to lower it)"));
    assert!(s1.view().sent.is_empty());
    s1.approve();
    let r1 = outgoing(&s1);
    // Member 2 joins from member 1's round-1 message (any round-1 message invites), then
    // gets the starter's.
    all_taken(&s2.paste(&r1));
    s2.approve();
    let r2 = outgoing(&s2);
    all_taken(&s2.paste(&invitation));
    assert_eq!(s2.view().sent.len(), 2, "round 1 complete: round 2 is out");
    let r2_round2 = outgoing(&s2);
    // Member 1 gets a round-2 message before round 1 is complete: it is kept.
    let early = s1.paste(&r2_round2);
    all_taken(&early);
    assert!(texts(&early)
        .iter()
        .any(|t| t.contains("kept the RefreshRound2")));
    let completed = s1.paste(&r2);
    assert!(texts(&completed)
        .iter()
        .any(|t| t.contains("accepted the kept RefreshRound2")));
    // The starter gets round 1 all at once, its own message and a repeat included.
    all_taken(&s0.paste(&format!("{r1}\n{r2}\n{invitation}\n{r1}")));
    let round2: Vec<String> = [&s0, &s1, &s2].iter().map(|s| outgoing(s)).collect();
    // A relay's bundle of round 2 (its own, the others, and a round-1 message) for the
    // starter, as QR parts.
    let mut relayed = s2.view().relay;
    relayed.push(AnyMessage::from_json(&round2[0]).unwrap());
    relayed.push(AnyMessage::from_json(&round2[1]).unwrap());
    relayed.push(AnyMessage::from_json(&r1).unwrap());
    let payloads: Vec<_> = relayed.iter().map(AnyMessage::to_payload).collect();
    let mut parts = UrParts::bundle(&payloads, 120).unwrap();
    let mut all = Vec::new();
    for i in 0..4 * parts.fragment_count() {
        all.extend(s0.paste(parts.part(i)));
        if !matches!(s0.stage(), Stage::Collecting) {
            break;
        }
    }
    all_taken(&all);
    assert!(texts(&all).iter().any(|t| t.contains("(from the bundle)")));
    for s in [&mut s1, &mut s2] {
        all_taken(&s.paste(&round2.join("\n")));
    }
    let mut new = Vec::new();
    for s in [&mut s0, &mut s1, &mut s2] {
        compute(s);
        let Stage::Done(Outcome::Refreshed { key, removed, .. }) = s.stage() else {
            panic!("{:?}", s.stage())
        };
        assert_eq!(key, "identity");
        assert!(removed.is_empty());
        new.push(share_of(s));
    }
    let group = new[0].group();
    assert!(new.iter().all(|s| s.group() == group));
    assert_eq!(group.fvk(), shares[0].group().fvk());
    assert_eq!(group.generation().number, 1);
    let request = definition_request(&new[0], 1);
    let result = ceremony(&[new[2].clone(), new[0].clone()], 2, request.clone(), 64);
    verify(&result, &request, &shares[0]);
}

#[test]
fn a_refresh_removes_the_members_its_starter_leaves_out() {
    let shares = dealt(2, 3, 70);
    let mut s0 = refresh_started(&shares, 0, &[2], 71);
    let mut s1 = joining(&shares[1], 72);
    let mut removed = joining(&shares[2], 73);
    // The removed member cannot take part: the invitation is refused by name, nothing is sent.
    let refused = removed.paste(&outgoing(&s0));
    assert!(!refused[0].taken);
    assert!(
        texts(&refused)[0].contains("would be removed"),
        "{refused:?}"
    );
    assert!(matches!(removed.stage(), Stage::Collecting));
    let fp2 = shares[2].fingerprint();
    assert!(s0
        .view()
        .participants
        .contains(&(fp2.clone(), Mark::Removed)));
    relay(&mut [&mut s0, &mut s1]);
    for s in [&s0, &s1] {
        let Stage::Done(Outcome::Refreshed { removed, .. }) = s.stage() else {
            panic!("{:?}", s.stage())
        };
        assert_eq!(removed, &vec![fp2.clone()]);
    }
    let new = [share_of(&s0), share_of(&s1)];
    assert_eq!(new[0].group().participant_count(), 2);
    assert!(new[0]
        .group()
        .participant(&shares[2].verification_key())
        .is_none());
    let request = vote_request(&new[0], 9);
    verify(
        &ceremony(&new, 2, request.clone(), 74),
        &request,
        &shares[0],
    );
}

/// A round-2 message with its body changed and signed again by its sender's key, so that only
/// the engine's checks can catch it.
fn tampered(json: &str, sender: &KeyShare) -> String {
    let AnyMessage::RefreshRound2(m) = AnyMessage::from_json(json).unwrap() else {
        panic!("a RefreshRound2")
    };
    let mut body = m.body.clone();
    for ciphertext in body.shares.values_mut() {
        ciphertext.iter_mut().for_each(|b| *b ^= 0x5a);
    }
    Signed::sign(sender.signing_key(), body).to_json()
}

#[test]
fn a_member_who_sends_a_bad_refresh_share_is_named() {
    let shares = dealt(2, 3, 80);
    let mut s0 = refresh_started(&shares, 0, &[], 81);
    let (mut s1, mut s2) = (joining(&shares[1], 82), joining(&shares[2], 83));
    let invitation = outgoing(&s0);
    for s in [&mut s1, &mut s2] {
        s.paste(&invitation);
        s.approve();
    }
    let (r1, r2) = (outgoing(&s1), outgoing(&s2));
    s0.paste(&format!("{r1}\n{r2}"));
    s1.paste(&r2);
    let honest = outgoing(&s1);
    let bad = tampered(&honest, &shares[1]);
    let refused = s0.paste(&bad);
    assert!(!refused[0].taken);
    let text = &texts(&refused)[0];
    assert!(
        text.contains(&format!(
            "RefreshRound2 from participant {}",
            shares[1].fingerprint()
        )) && text.contains("does not decrypt"),
        "{text}"
    );
    assert_eq!(s0.view().progress, "round 2: 0 of 2 messages received");
    // The engine names the same culprit.
    let AnyMessage::RefreshRound2(bad) = AnyMessage::from_json(&bad).unwrap() else {
        unreachable!()
    };
    let mut engine = refreshing_engine(&shares);
    let e = engine.accept_round2(bad).unwrap_err();
    assert_eq!(e.culprit(), Some(shares[1].fingerprint().as_str()));
    // The honest message still completes the refresh.
    all_taken(&s0.paste(&honest));
    s2.paste(&r1);
    all_taken(&s0.paste(&outgoing(&s2)));
    compute(&mut s0);
    assert!(matches!(s0.stage(), Stage::Done(Outcome::Refreshed { .. })));
}

/// Member 0's refresh engine, in round 2.
fn refreshing_engine(shares: &[KeyShare]) -> Refresh {
    let vks: Vec<_> = shares.iter().map(|s| s.verification_key()).collect();
    let (mut engine, invitation) =
        Refresh::start(shares[0].clone(), &vks, NOW, &mut rng(86)).unwrap();
    for share in &shares[1..] {
        let (_, round1) = Refresh::join(share.clone(), invitation.clone(), &mut rng(87)).unwrap();
        engine.accept_round1(round1).unwrap();
    }
    engine.start_round2(&mut rng(88)).unwrap();
    engine
}

#[test]
fn a_strangers_message_is_refused_by_name() {
    let shares = dealt(2, 3, 90);
    let s0 = refresh_started(&shares, 0, &[], 91);
    let AnyMessage::RefreshRound1(invitation) = AnyMessage::from_json(&outgoing(&s0)).unwrap()
    else {
        unreachable!()
    };
    // A valid signature by a key that is no member, over the very session.
    let stranger = dealt(2, 3, 92).remove(0);
    let forged = Signed::sign(stranger.signing_key(), invitation.body.clone()).to_json();
    let mut s1 = joining(&shares[1], 93);
    let refused = s1.paste(&forged);
    assert!(!refused[0].taken);
    let text = &texts(&refused)[0];
    assert!(
        text.contains(&stranger.fingerprint())
            && text.contains("not a participant of this refresh"),
        "{text}"
    );
    assert!(
        matches!(s1.stage(), Stage::Collecting),
        "no review for a stranger"
    );
    let mut s0 = s0;
    let refused = s0.paste(&forged);
    assert!(!refused[0].taken && texts(&refused)[0].contains("not a participant"));
    // A message for someone else on a shared relay is passed over quietly.
    let mut newcomer = Session::newcomer("new", shares[0].group().clone(), &mut rng(94)).unwrap();
    let skipped = s0.paste(&outgoing(&newcomer));
    all_taken(&skipped);
    assert!(texts(&skipped)[0].contains("skipped"), "{skipped:?}");
    let skipped = newcomer.paste(&outgoing(&s0));
    all_taken(&skipped);
}

#[test]
fn a_lost_member_is_replaced_then_removed_and_the_newcomer_signs() {
    let shares = dealt(2, 3, 100);
    let lost = shares[2].verification_key();
    let mut newcomer =
        Session::newcomer("identity", shares[0].group().clone(), &mut rng(101)).unwrap();
    let mut h0 =
        Session::repair_start("identity", shares[0].clone(), &[lost], &mut rng(102)).unwrap();
    let mut h1 = Session::repair_join("identity", shares[1].clone(), &mut rng(103));
    // The starter reviews the newcomer's fingerprint before anything goes out.
    let request = outgoing(&newcomer);
    h0.paste(&request);
    assert!(matches!(h0.stage(), Stage::Review));
    let review = h0.view().review.join("\n");
    let newcomer_fp = newcomer.view().participants[0].0.clone();
    assert!(review.contains(&format!("Newcomer:      participant {newcomer_fp}")));
    assert!(review.contains("Confirm this fingerprint with the newcomer itself"));
    assert!(review.contains(&format!("Not helping:   {}", shares[2].fingerprint())));
    relay(&mut [&mut newcomer, &mut h0, &mut h1]);
    let enrolled = share_of(&newcomer);
    let helped = [share_of(&h0), share_of(&h1)];
    let Stage::Done(Outcome::Helped {
        newcomer: named, ..
    }) = h1.stage()
    else {
        unreachable!()
    };
    assert_eq!(named, &newcomer_fp);
    assert_eq!(enrolled.group().participant_count(), 4);
    assert!(helped.iter().all(|s| s.group() == enrolled.group()));
    // A refresh without the lost member, started by the newcomer's helper, joined by the
    // newcomer.
    let members = [helped[0].clone(), helped[1].clone(), enrolled.clone()];
    let mut m0 =
        Session::refresh_start("identity", members[0].clone(), &[lost], NOW, &mut rng(104))
            .unwrap();
    let mut m1 = joining(&members[1], 105);
    let mut m2 = joining(&members[2], 106);
    relay(&mut [&mut m0, &mut m1, &mut m2]);
    let new = [share_of(&m0), share_of(&m1), share_of(&m2)];
    assert_eq!(new[2].group().participant_count(), 3);
    assert!(new[2].group().participant(&lost).is_none());
    let request = definition_request(&new[2], 4);
    let result = ceremony(&[new[2].clone(), new[0].clone()], 2, request.clone(), 107);
    verify(&result, &request, &shares[0]);
}

#[test]
fn a_share_from_before_a_refresh_is_named_in_a_signing_ceremony() {
    let old = dealt(2, 3, 110);
    let new = refreshed(&old, &[0, 1, 2], 111);
    let mut coordinator = coordinating(&new[0], vote_request(&new[0], 12), &memory_guards(), 112);
    // Participant 1 follows with its key file from before the refresh.
    let mut stale = following(&old[1], memory_guards(), 113);
    stale.paste(&outgoing(&coordinator));
    stale.approve();
    coordinator.paste(&outgoing(&stale));
    stale.paste(&outgoing(&coordinator));
    let refused = coordinator.paste(&outgoing(&stale));
    assert!(!refused[0].taken);
    let text = &texts(&refused)[0];
    assert!(
        text.contains(&format!(
            "participant {} holds a share from before the refresh of 2027-01-15T08:00:00Z",
            old[1].fingerprint()
        )),
        "{text}"
    );
}

//! Whole repairs (exactly t helpers, and more), lying helpers named, and every refusal.

use super::*;
use crate::custody::{encrypt_scalar, Body, Ceremony, Signed};
use crate::keys::{deal, KeyShare};
use crate::messages::{AnyMessage, Codec};
use crate::refresh::tests::{refresh, sign};
use ed25519_consensus::SigningKey;
use rand_core::OsRng;

/// Delivers every message to every engine through its JSON, skipping what is skippable.
fn deliver<E>(
    engines: &mut [E],
    messages: &[AnyMessage],
    accept: impl Fn(&mut E, AnyMessage) -> Result<String, Refusal>,
) {
    for engine in engines.iter_mut() {
        for m in messages {
            match accept(engine, AnyMessage::from_json(&m.to_json()).unwrap()) {
                Ok(_) => {}
                Err(e) if e.skippable() => {}
                Err(e) => panic!("{e}"),
            }
        }
    }
}

fn helper_accept(h: &mut RepairHelper, m: AnyMessage) -> Result<String, Refusal> {
    h.accept(m)
}

fn newcomer_accept(n: &mut Newcomer, m: AnyMessage) -> Result<String, Refusal> {
    n.accept(m)
}

/// Delivers `messages` to every helper and the newcomer, through their JSON.
fn broadcast<M: Clone + Into<AnyMessage>>(
    newcomer: &mut Newcomer,
    helpers: &mut [RepairHelper],
    messages: &[M],
) {
    let wrapped: Vec<AnyMessage> = messages.iter().cloned().map(Into::into).collect();
    deliver(helpers, &wrapped, helper_accept);
    deliver(std::slice::from_mut(newcomer), &wrapped, newcomer_accept);
}

/// Everything a repair produced.
struct Repaired {
    newcomer: KeyShare,
    helpers: Vec<KeyShare>,
    round1: Vec<RepairRound1>,
    round3: Vec<RepairRound3>,
}

/// The engines of a repair of `shares`' key by `helpers`, after round 1.
fn round1(
    shares: &[KeyShare],
    helpers: &[usize],
) -> (Newcomer, Vec<RepairHelper>, Vec<RepairRound1>) {
    let (mut newcomer, request) = Newcomer::new(shares[0].group().clone(), &mut OsRng).unwrap();
    let request = RepairRequest::from_json(&request.to_json()).unwrap();
    let vks: Vec<_> = helpers
        .iter()
        .map(|i| shares[*i].verification_key())
        .collect();
    let (first, invitation) =
        RepairHelper::start(shares[helpers[0]].clone(), request, &vks, &mut OsRng).unwrap();
    let mut engines = vec![first];
    let mut messages = vec![invitation.clone()];
    for i in &helpers[1..] {
        let (h, m) =
            RepairHelper::join(shares[*i].clone(), invitation.clone(), &mut OsRng).unwrap();
        engines.push(h);
        messages.push(m);
    }
    broadcast(&mut newcomer, &mut engines, &messages);
    (newcomer, engines, messages)
}

fn round2(newcomer: &mut Newcomer, helpers: &mut [RepairHelper]) -> Vec<RepairRound2> {
    let messages: Vec<_> = helpers
        .iter_mut()
        .map(|h| h.start_round2(&mut OsRng).unwrap())
        .collect();
    broadcast(newcomer, helpers, &messages);
    messages
}

fn repair(shares: &[KeyShare], helpers: &[usize]) -> Repaired {
    let (mut newcomer, mut engines, round1) = round1(shares, helpers);
    round2(&mut newcomer, &mut engines);
    let round3: Vec<_> = engines
        .iter_mut()
        .map(|h| h.start_round3(&mut OsRng).unwrap())
        .collect();
    // Helpers skip round 3; the newcomer takes it.
    broadcast(&mut newcomer, &mut engines, &round3);
    Repaired {
        newcomer: newcomer.finish().unwrap(),
        helpers: engines.iter_mut().map(|h| h.finish().unwrap()).collect(),
        round1,
        round3,
    }
}

#[test]
fn a_newcomer_gets_a_share_from_exactly_t_helpers_or_more() {
    for (t, n, helpers) in [
        (2u16, 3u16, vec![0, 1]),
        (2, 3, vec![0, 1, 2]),
        (3, 5, vec![1, 2, 4]),
        (3, 5, vec![0, 1, 2, 3, 4]),
    ] {
        let shares = deal(&mut OsRng, t, n).unwrap();
        let before = shares[0].group();
        let out = repair(&shares, &helpers);
        let group = out.newcomer.group();
        assert_eq!(group.participant_count(), usize::from(n) + 1);
        assert_eq!(group.fvk(), before.fvk());
        assert_eq!(group.generation(), before.generation());
        // Anyone can check the newcomer's verifying share from the public ones.
        let me = group.participant(&out.newcomer.verification_key()).unwrap();
        assert_eq!(
            me.verifying_share,
            before.verifying_share_at(&out.newcomer.identifier())
        );
        for h in &out.helpers {
            assert_eq!(
                h.group(),
                group,
                "every helper's description gains the newcomer"
            );
        }
        // A member who did not help learns the same group from the helpers' messages.
        assert_eq!(&admit(before, &out.round1, &out.round3).unwrap(), group);
        // The newcomer signs with t-1 others.
        let mut signers = vec![out.newcomer.clone()];
        signers.extend(out.helpers.iter().take(usize::from(t) - 1).cloned());
        sign(&signers).unwrap();
    }
}

#[test]
fn a_lost_member_is_replaced_then_removed_by_a_refresh() {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    // Participant 2 is lost; 0 and 1 help a newcomer in, then refresh without 2.
    let out = repair(&shares, &[0, 1]);
    let mut members = out.helpers.clone();
    members.push(out.newcomer.clone());
    let new = refresh(&members, &[0, 1, 2]);
    let group = new[0].group();
    assert_eq!(group.participant_count(), 3);
    assert!(group.participant(&shares[2].verification_key()).is_none());
    sign(&[new[2].clone(), new[0].clone()]).unwrap();
    // The lost member's share does not combine with the new ones.
    assert!(sign(&[new[0].clone(), shares[2].clone()]).is_err());
}

/// Round-2 messages with one of them altered and signed again by its sender.
fn resigned<B: Body>(key: &SigningKey, msg: &Signed<B>, tamper: impl FnOnce(&mut B)) -> Signed<B> {
    let mut body = msg.body.clone();
    tamper(&mut body);
    Signed::sign(key, body)
}

#[test]
fn lying_helpers_are_named() {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let helpers = [0usize, 1, 2];
    let (mut newcomer, mut engines, round1s) = round1(&shares, &helpers);
    let honest: Vec<_> = engines
        .iter_mut()
        .map(|h| h.start_round2(&mut OsRng).unwrap())
        .collect();
    let liar = shares[1].signing_key();
    let liar_name = shares[1].fingerprint();
    let refuses_naming_the_liar = |taken: Result<String, Refusal>, problem: &str| {
        let e = taken.unwrap_err().to_string();
        assert!(e.contains(problem) && e.contains(&liar_name), "{e}");
    };
    let target = shares[0].verification_key();
    let target_epk = round1s.iter().find(|m| m.vk == target).unwrap().body.epk;
    // A delta that is not the committed one.
    let bad_delta = resigned(liar, &honest[1], |b| {
        b.deltas.insert(
            target.to_bytes(),
            encrypt_scalar(&mut OsRng, &target_epk, &Fr::from(5u64)),
        );
    });
    refuses_naming_the_liar(
        engines[0].accept_round2(bad_delta),
        "not the one it committed to",
    );
    // Commitments that do not add up to the helper's part: every recipient sees it.
    let bad_sum = resigned(liar, &honest[1], |b| b.commitments[0] += Element::GENERATOR);
    refuses_naming_the_liar(engines[0].accept_round2(bad_sum.clone()), "do not add up");
    refuses_naming_the_liar(newcomer.accept_round2(bad_sum), "do not add up");
    assert_eq!(engines[0].progress(), (0, 2));
    // The honest round 2 goes through; then a sigma that is not the sum of its deltas.
    broadcast(&mut newcomer, &mut engines, &honest);
    let round3: Vec<_> = engines
        .iter_mut()
        .map(|h| h.start_round3(&mut OsRng).unwrap())
        .collect();
    let newcomer_epk = newcomer.request().body.epk;
    let bad_sigma = resigned(liar, &round3[1], |b| {
        b.sigma = encrypt_scalar(&mut OsRng, &newcomer_epk, &Fr::from(9u64));
    });
    refuses_naming_the_liar(
        newcomer.accept_round3(bad_sigma),
        "not the sum of the deltas",
    );
    let other_view = resigned(liar, &round3[1], |b| b.link.transcript[3] ^= 1);
    let e = newcomer.accept_round3(other_view).unwrap_err().to_string();
    assert!(e.contains("saw other round-2 messages"), "{e}");
    assert_eq!(newcomer.progress(), (0, 3));
    assert_eq!(newcomer.round(), 3);
    assert_eq!(newcomer.waiting_for().len(), 3);
    assert!(engines[0].waiting_for().is_empty());
    // The honest pieces still make the share.
    for m in round3 {
        newcomer.accept_round3(m).unwrap();
    }
    newcomer.finish().unwrap();
}

#[test]
fn strangers_other_newcomers_and_replays_are_refused() {
    let shares = deal(&mut OsRng, 2, 3).unwrap();
    let (mut newcomer, mut engines, round1s) = round1(&shares, &[0, 1]);
    // A stranger signing the very session.
    let stranger = SigningKey::new(OsRng);
    let forged = Signed::sign(&stranger, round1s[1].body.clone());
    let e = newcomer.accept_round1(forged.clone()).unwrap_err();
    assert!(matches!(e, Refusal::UnknownParticipant { .. }), "{e}");
    assert!(matches!(
        RepairHelper::join(shares[2].clone(), forged, &mut OsRng),
        Err(Refusal::UnknownParticipant { .. })
    ));
    // A member who is not a helper cannot join, nor send.
    let e = RepairHelper::join(shares[2].clone(), round1s[0].clone(), &mut OsRng)
        .err()
        .unwrap();
    assert!(e.to_string().contains("not among the helpers"), "{e}");
    // Another newcomer's repair is not for this newcomer; another session is refused.
    let (_, _, other_round1s) = round1(&shares, &[0, 1]);
    let mut waiting = Newcomer::new(shares[0].group().clone(), &mut OsRng)
        .unwrap()
        .0;
    let e = waiting.accept_round1(other_round1s[0].clone()).unwrap_err();
    assert!(matches!(e, Refusal::NotForThisParticipant { .. }) && e.skippable());
    let e = engines[0]
        .accept_round1(other_round1s[1].clone())
        .unwrap_err();
    assert!(matches!(e, Refusal::OtherSession { .. }), "{e}");
    // Replays of round 1 to the newcomer.
    let e = newcomer.accept_round1(round1s[0].clone()).unwrap_err();
    assert!(matches!(e, Refusal::AlreadyReceived { .. }), "{e}");
    let round2s = round2(&mut newcomer, &mut engines);
    let e = newcomer.accept_round2(round2s[0].clone()).unwrap_err();
    assert!(e.skippable(), "{e}");
    // Round 3 is for the newcomer only.
    let round3 = engines[0].start_round3(&mut OsRng).unwrap();
    let e = engines[1]
        .accept(AnyMessage::RepairRound3(round3))
        .unwrap_err();
    assert!(matches!(e, Refusal::NotForThisParticipant { .. }) && e.skippable());
}

#[test]
fn sessions_are_checked_before_anything_is_sent() {
    let shares = deal(&mut OsRng, 3, 4).unwrap();
    let vks: Vec<_> = shares.iter().map(|s| s.verification_key()).collect();
    let (_, request) = Newcomer::new(shares[0].group().clone(), &mut OsRng).unwrap();
    let e = |r: Result<(RepairHelper, RepairRound1), Refusal>| r.err().unwrap().to_string();
    let few = e(RepairHelper::start(
        shares[0].clone(),
        request.clone(),
        &vks[..2],
        &mut OsRng,
    ));
    assert!(few.contains("at least t = 3 helpers"), "{few}");
    let stranger = SigningKey::new(OsRng).verification_key();
    let with_stranger = e(RepairHelper::start(
        shares[0].clone(),
        request.clone(),
        &[vks[0], vks[1], stranger],
        &mut OsRng,
    ));
    assert!(with_stranger.contains("cannot help"), "{with_stranger}");
    // A newcomer that describes another key, or the key before a refresh.
    let other = deal(&mut OsRng, 3, 4).unwrap();
    let (_, foreign) = Newcomer::new(other[0].group().clone(), &mut OsRng).unwrap();
    let e1 = e(RepairHelper::start(
        shares[0].clone(),
        foreign,
        &vks[..3],
        &mut OsRng,
    ));
    assert!(
        e1.contains("describes generation 0 of the key differently"),
        "{e1}"
    );
    let new = refresh(&shares, &[0, 1, 2, 3]);
    let e2 = e(RepairHelper::start(
        new[0].clone(),
        request,
        &vks[..3],
        &mut OsRng,
    ));
    assert!(e2.contains("before the refresh of"), "{e2}");
}

#[test]
fn a_member_who_did_not_help_admits_the_newcomer_from_messages_in_any_order() {
    let shares = deal(&mut OsRng, 2, 4).unwrap();
    let absent = shares[3].group().clone();
    // An earlier attempt whose round 3 reaches the absent member first.
    let earlier = repair(&shares, &[0, 1]);
    let (mut newcomer, mut engines, round1s) = round1(&shares, &[0, 2]);
    let round2s = round2(&mut newcomer, &mut engines);
    let round3s: Vec<RepairRound3> = engines
        .iter_mut()
        .map(|h| h.start_round3(&mut OsRng).unwrap())
        .collect();
    broadcast(&mut newcomer, &mut engines, &round3s);
    let enrolled = newcomer.finish().unwrap();

    let mut admission = Admission::new(absent.clone());
    let take =
        |a: &mut Admission, m: AnyMessage| a.take(AnyMessage::from_json(&m.to_json()).unwrap());
    take(&mut admission, earlier.round3[0].clone().into()).unwrap();
    take(&mut admission, round3s[1].clone().into()).unwrap();
    assert!(matches!(
        admission.admitted(),
        Err(Refusal::Incomplete {
            kind: MessageKind::RepairRound1,
            ..
        })
    ));
    let e = take(&mut admission, round2s[0].clone().into()).unwrap_err();
    assert!(e.skippable(), "{e}");
    let note = take(&mut admission, round1s[1].clone().into()).unwrap();
    assert!(note.contains("dropped the RepairRound3"), "{note}");
    assert_eq!(admission.newcomer(), Some(enrolled.fingerprint()));
    assert_eq!(admission.progress(), Some((1, 1, 2)));
    // The same message again is harmless; another from the same helper is not.
    let e = take(&mut admission, round1s[1].clone().into()).unwrap_err();
    assert!(matches!(e, Refusal::AlreadyReceived { .. }), "{e}");
    let e = take(&mut admission, earlier.round1[0].clone().into()).unwrap_err();
    assert!(matches!(e, Refusal::OtherSession { .. }), "{e}");
    let e = take(&mut admission, earlier.round3[1].clone().into()).unwrap_err();
    assert!(matches!(e, Refusal::OtherSession { .. }), "{e}");
    // A stranger's round 3, and one from a member who is not a helper.
    let stranger = SigningKey::new(OsRng);
    let forged = Signed::sign(&stranger, round3s[0].body.clone());
    let e = take(&mut admission, forged.into()).unwrap_err();
    assert!(matches!(e, Refusal::UnknownParticipant { .. }), "{e}");
    let key3 = shares[3].signing_key().clone();
    let not_helper = Signed::sign(&key3, round3s[0].body.clone());
    let e = take(&mut admission, not_helper.into()).unwrap_err();
    assert!(matches!(e, Refusal::UnknownParticipant { .. }), "{e}");
    assert_eq!(
        admission.progress(),
        Some((1, 1, 2)),
        "refusals change nothing"
    );
    take(&mut admission, round1s[0].clone().into()).unwrap();
    take(&mut admission, round3s[0].clone().into()).unwrap();
    assert_eq!(&admission.admitted().unwrap(), enrolled.group());
    // A repair of another key is refused at once.
    let other = deal(&mut OsRng, 2, 4).unwrap();
    let (_, _, foreign) = round1(&other, &[0, 1]);
    let e = Admission::new(absent)
        .take(foreign[0].clone().into())
        .unwrap_err();
    assert!(e.culprit().is_some(), "{e}");
}

//! Ceremony sessions, the core both front ends drive: input decoded at the edge, one outcome
//! per piece, early messages kept, copies skipped, the DKG fingerprint confirmed before round 2,
//! a stale reply replaced, an encrypted key opened when the request arrives.

mod common;

use common::*;
use hoarfrost::keyfile::{KeyMaterial, StoredKey};
use hoarfrost::messages::{AnyMessage, Codec};
use hoarfrost::session::{Outcome, Session, Stage};
use hoarfrost::signing::Coordinator;
use hoarfrost::transport::ur::UrParts;

fn stored(material: KeyMaterial) -> StoredKey {
    StoredKey {
        name: None,
        material,
        transcript_fingerprint: None,
    }
}

#[test]
fn the_paste_area_takes_ur_parts_and_json_mixed() {
    let shares = dealt(2, 3, 8);
    let (_, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        definition_request(&shares[0], 1),
        None,
    )
    .unwrap();
    let keys = vec![(
        "identity".to_string(),
        stored(KeyMaterial::Share(shares[1].clone())),
    )];
    let mut session = Session::follow(keys, None, "/h", memory_guards(), &mut rng(8));
    let round1 = AnyMessage::CoordinatorRound1(round1);
    let mut parts = UrParts::new(&round1.to_bytes(), round1.kind().ur_type(), 40).unwrap();
    let n = parts.fragment_count();
    // The first parts on one line, lowercase, with noise around them.
    let first: Vec<String> = (0..n - 1)
        .map(|i| parts.part(i).to_ascii_lowercase())
        .collect();
    let outcomes = session.paste(&format!("{}\nnot a message\n", first.join(" ")));
    assert_eq!(outcomes.len(), n, "one outcome per piece: {outcomes:?}");
    assert!(texts(&outcomes)
        .iter()
        .any(|t| t.contains(&format!("of {n} parts"))));
    let garbage = outcomes.last().unwrap();
    assert!(!garbage.taken && garbage.text == "not a message");
    assert!(
        !garbage.feedback[0].text.contains("not a message ("),
        "garbage is never quoted"
    );
    assert!(session.ur_progress().is_some());
    // Fountain parts from later in the stream complete it.
    let mut all = Vec::new();
    for i in n + 2..4 * n {
        all.extend(session.paste(parts.part(i)));
        if matches!(session.stage(), Stage::Review) {
            break;
        }
    }
    assert!(texts(&all).iter().any(|t| t.contains("request received")));
    assert!(matches!(session.stage(), Stage::Review));
}

/// Three DKG sessions; `order` says, for each participant, whether it pastes the others'
/// messages before anything else happens.
fn dkg_sessions(seed: u64) -> Vec<Session> {
    let mut r = rng(seed);
    (0..3)
        .map(|i| Session::dkg(2, 3, &format!("k{i}"), &mut r).unwrap())
        .collect()
}

fn others(all: &[String], i: usize) -> String {
    (0..all.len())
        .filter(|j| *j != i)
        .map(|j| all[j].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_key_generation_waits_for_the_fingerprint_and_ends_with_one_key() {
    let mut sessions = dkg_sessions(21);
    let round1: Vec<String> = sessions.iter().map(outgoing).collect();
    let mut fingerprints = Vec::new();
    for (i, s) in sessions.iter_mut().enumerate() {
        let outcomes = s.paste(&others(&round1, i));
        assert!(outcomes.iter().all(|o| o.taken), "{outcomes:?}");
        let Stage::Confirm { fingerprint } = s.stage().clone() else {
            panic!("round 1 complete: the fingerprint must be confirmed")
        };
        // Nothing of round 2 exists until the person confirms.
        assert_eq!(s.view().sent.len(), 1);
        fingerprints.push(fingerprint);
    }
    assert!(fingerprints.iter().all(|f| f == &fingerprints[0]));
    // Participant 0 confirms first and sends; the others get its round 2 before confirming
    // (a fast peer): it is kept, then used.
    sessions[0].confirm();
    let early = outgoing(&sessions[0]);
    for s in &mut sessions[1..] {
        let kept = s.paste(&early);
        assert!(texts(&kept)
            .iter()
            .any(|t| t.contains("kept the DKGRound2")));
        s.confirm();
    }
    let round2: Vec<String> = sessions.iter().map(outgoing).collect();
    let mut keys = Vec::new();
    for (i, s) in sessions.iter_mut().enumerate() {
        // Everything at once, own message and duplicates included: nothing is refused.
        let outcomes = s.paste(&format!(
            "{}\n{}\n{}",
            others(&round2, i),
            round2[i],
            round1[0]
        ));
        assert!(outcomes.iter().all(|o| o.taken), "{outcomes:?}");
        compute(s);
        let Stage::Done(Outcome::Generated { output, .. }) = s.stage() else {
            panic!("{:?}", s.stage())
        };
        keys.push(output.share.group().clone());
        // The last message stays available: the others may still need it.
        assert_eq!(s.view().outgoing().unwrap().json, round2[i]);
    }
    assert!(keys.iter().all(|k| k == &keys[0]));
}

#[test]
fn a_swapped_round1_is_caught_before_any_share_leaves() {
    let mut sessions = dkg_sessions(22);
    let round1: Vec<String> = sessions.iter().map(outgoing).collect();
    // A relay gives participant 2 its own key generation's message instead of participant 1's.
    let mut rogue = Session::dkg(2, 3, "rogue", &mut rng(99)).unwrap();
    let swapped = format!("{}\n{}", round1[0], outgoing(&rogue));
    sessions[2].paste(&swapped);
    sessions[0].paste(&others(&round1, 0));
    let (Stage::Confirm { fingerprint: a }, Stage::Confirm { fingerprint: b }) =
        (sessions[0].stage().clone(), sessions[2].stage().clone())
    else {
        panic!("both reach the fingerprint")
    };
    assert_ne!(a, b, "the fingerprints differ");
    // The person sees a different code and stops: no round-2 message was ever made.
    sessions[2].decline();
    assert!(matches!(sessions[2].stage(), Stage::Failed(_)));
    assert_eq!(sessions[2].view().sent.len(), 1);
    rogue.decline();
}

#[test]
fn a_relays_bundle_completes_a_dkg_round_for_everyone() {
    let mut sessions = dkg_sessions(12);
    let round1: Vec<String> = sessions.iter().map(outgoing).collect();
    sessions[0].paste(&others(&round1, 0));
    let relay = sessions[0].view().relay;
    assert_eq!(
        relay.len(),
        3,
        "its own and the two accepted round-1 messages"
    );
    let payloads: Vec<_> = relay.iter().map(AnyMessage::to_payload).collect();
    let mut parts = UrParts::bundle(&payloads, 80).unwrap();
    let frames: Vec<String> = (0..3 * parts.fragment_count())
        .map(|i| parts.part(i).to_string())
        .collect();
    for s in &mut sessions[1..] {
        let mut all = Vec::new();
        for f in &frames {
            all.extend(s.paste(f));
            if matches!(s.stage(), Stage::Confirm { .. }) {
                break;
            }
        }
        assert!(all.iter().all(|o| o.taken), "{all:?}");
        assert!(texts(&all)
            .iter()
            .any(|t| t.contains("already held (from the bundle)")));
        assert!(matches!(s.stage(), Stage::Confirm { .. }));
    }
}

#[test]
fn a_stale_follower_reply_is_replaced_without_starting_over() {
    let shares = dealt(2, 3, 30);
    let request = definition_request(&shares[0], 3);
    let guards = memory_guards();
    let mut coordinator = coordinating(&shares[0], request, &guards, 31);
    // Yesterday's ceremony over the same request: its FollowerRound1 was saved.
    let mut yesterday = following(&shares[1], memory_guards(), 32);
    yesterday.paste(&outgoing(&coordinator));
    yesterday.approve();
    let stale = outgoing(&yesterday);
    let mut follower = following(&shares[1], guards.clone(), 33);
    follower.paste(&outgoing(&coordinator));
    follower.approve();
    let fresh = outgoing(&follower);
    coordinator.paste(&stale);
    let stale_round2 = outgoing(&coordinator);
    assert!(stale_round2.contains("signingPackages"));
    // The follower refuses a package that is not for its commitments...
    let refused = follower.paste(&stale_round2);
    assert!(!refused[0].taken, "{refused:?}");
    // ...and its real reply replaces the stale one: a new round-2 message goes out.
    let replaced = coordinator.paste(&fresh);
    assert!(replaced[0].taken, "{replaced:?}");
    assert!(texts(&replaced).iter().any(|t| t.contains("rebuilt")));
    let round2 = outgoing(&coordinator);
    assert_ne!(round2, stale_round2);
    assert_eq!(
        coordinator.view().sent.len(),
        3,
        "every message stays available"
    );
    follower.paste(&round2);
    let share = outgoing(&follower);
    coordinator.paste(&share);
    compute(&mut coordinator);
    assert!(matches!(
        coordinator.stage(),
        Stage::Done(Outcome::Signed { .. })
    ));
}

#[test]
fn an_encrypted_key_is_opened_when_the_request_arrives() {
    let shares = dealt(2, 3, 40);
    let kdf = hoarfrost::sealed::KdfParams::with_memory_mib(64).unwrap();
    let sealed = KeyMaterial::Share(shares[1].clone())
        .seal(b"right", kdf, &mut rng(41))
        .unwrap();
    let keys = vec![("identity".to_string(), stored(sealed))];
    let mut session = Session::follow(keys, None, "/h", memory_guards(), &mut rng(42));
    let (_, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        vote_request(&shares[0], 4),
        None,
    )
    .unwrap();
    session.paste(&round1.to_json());
    assert!(matches!(session.stage(), Stage::Passphrase { key } if key == "identity"));
    session.provide_passphrase("wrong".to_string().into());
    let feedback = session.compute();
    assert!(
        feedback[0].text.contains("wrong passphrase"),
        "{feedback:?}"
    );
    assert!(matches!(session.stage(), Stage::Passphrase { .. }));
    session.provide_passphrase("right".to_string().into());
    session.compute();
    assert!(matches!(session.stage(), Stage::Review));
}

#[test]
fn line_mode_joins_a_message_wrapped_over_lines() {
    let mut sessions = dkg_sessions(50);
    let message = outgoing(&sessions[1]);
    let s = &mut sessions[0];
    let mut outcomes = Vec::new();
    // Wrapped at 80 columns, as a terminal selection of the TUI's panel gives it.
    let chars: Vec<char> = message.chars().collect();
    for line in chars.chunks(80) {
        outcomes.extend(s.line(&line.iter().collect::<String>()));
    }
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(outcomes[0].taken);
    // A truncated line is dropped by name when the next whole message comes.
    let third = outgoing(&sessions[2]);
    let s = &mut sessions[0];
    assert!(s.line("{\"pkg\":{\"commitment\"").is_empty());
    let outcomes = s.line(&third);
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(!outcomes[0].taken && outcomes[0].feedback[0].text.contains("unfinished"));
    assert!(outcomes[1].taken);
}

//! Every rejection of the DKG engine, with the state kept after each.

use super::*;
use rand_core::OsRng;

/// n fresh participants and their round-1 messages.
fn start(t: u16, n: u16) -> (Vec<Dkg>, Vec<DkgRound1>) {
    (0..n).map(|_| Dkg::new(t, n, &mut OsRng).unwrap()).unzip()
}

/// A t-of-n key generation with round 1 complete everywhere: the engines, their round-1
/// messages and their round-2 messages.
fn at_round2(t: u16, n: u16) -> (Vec<Dkg>, Vec<DkgRound1>, Vec<DkgRound2>) {
    let (mut dkgs, msgs) = start(t, n);
    for (i, d) in dkgs.iter_mut().enumerate() {
        for (j, m) in msgs.iter().enumerate() {
            if i != j {
                d.accept_round1(m.clone()).unwrap();
            }
        }
    }
    let round2 = dkgs
        .iter_mut()
        .map(|d| d.start_round2(&mut OsRng).unwrap())
        .collect();
    (dkgs, msgs, round2)
}

fn err_text(e: Refusal) -> String {
    e.to_string()
}

#[test]
fn parameters_are_checked() {
    assert!(matches!(
        Dkg::new(1, 3, &mut OsRng),
        Err(Refusal::Parameters { .. })
    ));
    assert!(matches!(
        Dkg::new(4, 3, &mut OsRng),
        Err(Refusal::Parameters { .. })
    ));
}

#[test]
fn round1_rejections_keep_the_state() {
    let (mut dkgs, msgs) = start(2, 3);
    let me = &mut dkgs[0];
    // Its own message.
    assert!(matches!(
        me.accept_round1(msgs[0].clone()),
        Err(Refusal::OwnMessage { .. })
    ));
    // A message committing to another threshold.
    let (_, other_t) = Dkg::new(3, 3, &mut OsRng).unwrap();
    let e = err_text(me.accept_round1(other_t).unwrap_err());
    assert!(
        e.contains("commits to 3 coefficients") && e.contains("2-of-3"),
        "{e}"
    );
    // A forged proof of knowledge names its sender.
    let mut forged = msgs[1].clone();
    let (_, unrelated) = Dkg::new(2, 3, &mut OsRng).unwrap();
    forged.package = frost_dkg::round1::Package::new(
        forged.package.commitment().clone(),
        *unrelated.package.proof_of_knowledge(),
    );
    let e = err_text(me.accept_round1(forged).unwrap_err());
    assert!(
        e.contains("invalid proof of knowledge") && e.contains(&msgs[1].sender()),
        "{e}"
    );
    assert_eq!(me.progress(), (0, 2));
    // Accepted; then the same key again, even with other bytes, is a duplicate.
    me.accept_round1(msgs[1].clone()).unwrap();
    let mut same_key = msgs[1].clone();
    same_key.nullifier_commitment[0] ^= 1;
    assert!(matches!(
        me.accept_round1(same_key),
        Err(Refusal::Duplicate { .. })
    ));
    // A round-2 message now is out of order.
    let stray = DkgRound2::signed(&SigningKey::new(OsRng), BTreeMap::new(), Fq::from(1u64));
    assert!(matches!(
        me.accept_round2(stray),
        Err(Refusal::OutOfOrder { .. })
    ));
    me.accept_round1(msgs[2].clone()).unwrap();
    // A fourth participant in a 3-party ceremony.
    let (_, extra) = Dkg::new(2, 3, &mut OsRng).unwrap();
    assert!(matches!(
        me.accept_round1(extra),
        Err(Refusal::TooMany { .. })
    ));
    assert_eq!(me.progress(), (2, 2));
}

#[test]
fn wrong_kind_is_named() {
    let (_, msgs) = start(2, 3);
    let e = DkgRound2::from_json(&msgs[0].to_json()).unwrap_err();
    assert_eq!(e.to_string(), "expected DKGRound2 (a key generation round-2 message), but this is DKGRound1 (a key generation round-1 message)");
}

/// A round-2 message from participant `from`, altered by `tamper` and signed again with the
/// sender's own key, so only the engine's checks can catch it.
fn tampered(
    dkgs: &[Dkg],
    round2: &[DkgRound2],
    from: usize,
    tamper: impl FnOnce(&mut BTreeMap<[u8; 32], Vec<u8>>, &mut Fq),
) -> DkgRound2 {
    let mut packages = round2[from].encrypted_packages.clone();
    let mut nullifier = round2[from].nullifier;
    tamper(&mut packages, &mut nullifier);
    DkgRound2::signed(&dkgs[from].signing_key, packages, nullifier)
}

#[test]
fn round2_rejections_name_the_sender_and_keep_the_state() {
    let (mut dkgs, msgs, round2) = at_round2(2, 3);
    let me_vk = msgs[0].vk.to_bytes();
    let sender = msgs[1].sender();
    let check = |dkgs: &mut Vec<Dkg>, msg: DkgRound2, needle: &str| {
        let e = err_text(dkgs[0].accept_round2(msg).unwrap_err());
        assert!(e.contains(needle), "{e}");
        assert!(e.contains(&sender), "{e}");
        assert_eq!(dkgs[0].progress(), (0, 2));
    };
    // A missing recipient.
    let msg = tampered(&dkgs, &round2, 1, |p, _| {
        p.remove(&me_vk);
    });
    check(&mut dkgs, msg, "carries 1 encrypted shares");
    // A nullifier share that does not open the commitment.
    let msg = tampered(&dkgs, &round2, 1, |_, n| *n += Fq::from(1u64));
    check(&mut dkgs, msg, "nullifier-key share does not match");
    // Garbage where the ciphertext should be.
    let msg = tampered(&dkgs, &round2, 1, |p, _| {
        p.insert(me_vk, vec![7u8; 84]);
    });
    check(&mut dkgs, msg, "does not decrypt");
    // A well-encrypted share that is not on the sender's committed polynomial.
    let epk = msgs[0].epk;
    let msg = tampered(&dkgs, &round2, 1, |p, _| {
        let wrong = frost_pb::DkgRound2Package {
            signing_share: Some(frost_pb::SigningShare {
                scalar: decaf377::Fr::from(5u64).to_bytes().to_vec(),
            }),
        }
        .encode_to_vec();
        p.insert(me_vk, encryption::encrypt(&mut OsRng, &epk, &wrong));
    });
    check(&mut dkgs, msg, "does not match its round-1 commitment");
    // Its own message, and a stranger's.
    assert!(matches!(
        dkgs[0].accept_round2(round2[0].clone()),
        Err(Refusal::OwnMessage { .. })
    ));
    let stranger = DkgRound2::signed(
        &SigningKey::new(OsRng),
        round2[1].encrypted_packages.clone(),
        round2[1].nullifier,
    );
    assert!(matches!(
        dkgs[0].accept_round2(stranger),
        Err(Refusal::UnknownParticipant { .. })
    ));
    // Nothing finishes early.
    assert!(matches!(
        dkgs[0].finish(),
        Err(Refusal::Incomplete { missing: 2, .. })
    ));
    // The honest messages still complete the ceremony, once each.
    dkgs[0].accept_round2(round2[1].clone()).unwrap();
    assert!(matches!(
        dkgs[0].accept_round2(round2[1].clone()),
        Err(Refusal::Duplicate { .. })
    ));
    dkgs[0].accept_round2(round2[2].clone()).unwrap();
    let out = dkgs[0].finish().unwrap();
    assert_eq!(out.transcript_fingerprint.len(), 24);
}

#[test]
fn equivocation_in_round1_shows_in_the_fingerprints() {
    let (mut dkgs, msgs) = start(2, 3);
    // Participant 0 sends participant 2 a different round-1 message under the same key.
    let id = identifier_for(&msgs[0].vk);
    let (_, other_package) = frost_dkg::part1::<C, _>(id, 3, 2, &mut OsRng).unwrap();
    let mut second = msgs[0].clone();
    second.package = other_package;
    dkgs[1].accept_round1(msgs[0].clone()).unwrap();
    dkgs[1].accept_round1(msgs[2].clone()).unwrap();
    dkgs[2].accept_round1(second).unwrap();
    dkgs[2].accept_round1(msgs[1].clone()).unwrap();
    let seen_by_1 = dkgs[1].transcript_fingerprint().unwrap();
    let seen_by_2 = dkgs[2].transcript_fingerprint().unwrap();
    assert_ne!(
        seen_by_1, seen_by_2,
        "comparing fingerprints exposes the equivocation"
    );
    // The equivocator's own view differs from both, too.
    dkgs[0].accept_round1(msgs[1].clone()).unwrap();
    dkgs[0].accept_round1(msgs[2].clone()).unwrap();
    assert_eq!(dkgs[0].transcript_fingerprint().unwrap(), seen_by_1);
}

#[test]
fn short_codes_are_grouped_crockford() {
    let code = short_code(&[0xffu8; 32]);
    assert_eq!(code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ");
    let code = short_code(&[0u8; 32]);
    assert_eq!(code, "0000-0000-0000-0000-0000");
}

#[test]
fn finishing_hands_the_secrets_over_and_keeps_none() {
    let (mut dkgs, _, round2) = at_round2(2, 2);
    dkgs[0].accept_round2(round2[1].clone()).unwrap();
    let out = dkgs[0].finish().unwrap();
    let debug = format!("{out:?}");
    assert!(debug.contains("redacted"));
    assert!(!debug.contains(&hex::encode(out.share.signing_share().serialize())));
    assert!(!debug.contains(&hex::encode(out.share.signing_key().as_bytes())));
    // What stays is public: the fingerprint, the group, no signing key, nullifier or
    // decryption key; and the share is handed over once.
    assert_eq!(dkgs[0].fingerprint(), out.share.fingerprint());
    assert_eq!(
        dkgs[0].transcript_fingerprint(),
        Some(out.transcript_fingerprint)
    );
    assert_ne!(
        dkgs[0].signing_key.as_bytes(),
        out.share.signing_key().as_bytes()
    );
    assert_eq!(*dkgs[0].nullifier_share, [0u8; 32]);
    assert!(dkgs[0].finish().is_err());
}

#[test]
fn a_dropped_key_generation_leaves_no_secret_behind() {
    let (mut dkgs, _) = start(2, 3);
    let dkg = dkgs.remove(0);
    assert_ne!(*dkg.nullifier_share, [0u8; 32]);
    let mut zero = decaf377_ka::Secret::new(&mut OsRng);
    zero.zeroize();
    let mut slot = std::mem::MaybeUninit::new(dkg);
    let place = slot.as_mut_ptr();
    // SAFETY: `slot` holds an initialised key generation, dropped exactly once here. Afterwards
    // only its inline secret fields are read, as plain bytes, from memory `slot` still owns.
    let (seed, nullifier, decryption_key) = unsafe {
        std::ptr::drop_in_place(place);
        (
            *(*place).signing_key.as_bytes(),
            **std::ptr::addr_of!((*place).nullifier_share),
            std::ptr::addr_of!((*place).decryption_key).read(),
        )
    };
    assert_eq!(seed, [0u8; 32]);
    assert_eq!(nullifier, [0u8; 32]);
    assert!(decryption_key == zero);
}

//! Distributed key generation as a pure state machine, byte-compatible with `pcli init threshold
//! dkg`, with the checks pcli lacks: every message is held against t and n, duplicates and
//! one's own messages are refused by key, culprits are named, and a transcript fingerprint lets
//! people confirm they all saw the same round-1 messages.

pub(crate) mod encryption;
mod messages;

pub use messages::{nullifier_commitment, DkgRound1, DkgRound2};

use std::collections::BTreeMap;

use decaf377::Fq;
use ed25519_consensus::{SigningKey, VerificationKey};
use frost_core::keys::dkg::{self as frost_dkg, round1, round2};
use frost_core::keys::SecretShare;
use penumbra_sdk_keys::{keys::NullifierKey, FullViewingKey};
use penumbra_sdk_proto::crypto::decaf377_frost::v1 as frost_pb;
use penumbra_sdk_proto::Message as _;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::keys::{participant_fingerprint, GroupKey, KeyError, KeyShare};
use crate::messages::Codec;
use crate::refusal::Refusal;
use crate::suite::{identifier_for, to_rdsa_vk, Decaf377Rdsa, SigningShare};

type C = Decaf377Rdsa;

/// What a finished DKG hands over: this participant's share and the fingerprint to compare.
/// Its one secret, the share, wipes itself when dropped (and can be moved out whole).
#[derive(Clone, Debug)]
pub struct DkgOutput {
    pub share: KeyShare,
    pub transcript_fingerprint: String,
}

/// Where a key generation stands. The secret packages wipe themselves (frost derives
/// `ZeroizeOnDrop` for them); the shares received in round 2 are wiped by `Drop` below.
pub(crate) enum Phase {
    Round1 {
        secret: round1::SecretPackage<C>,
        received: BTreeMap<[u8; 32], DkgRound1>,
    },
    Round2 {
        secret: round2::SecretPackage<C>,
        round1: BTreeMap<[u8; 32], DkgRound1>,
        received: BTreeMap<[u8; 32], (Fq, SigningShare)>,
    },
    /// Finished: the share was handed over; only public data stays.
    Done {
        group: Box<GroupKey>,
        transcript_fingerprint: String,
    },
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Phase::Round2 { received, .. } = self {
            for (_, share) in received.values_mut() {
                share.zeroize();
            }
        }
    }
}

impl ZeroizeOnDrop for Phase {}

/// One participant in a key generation. Its secrets (the ed25519 signing key, the decryption
/// key of round 2, the nullifier-key share and the phase's secrets) are wiped when it is
/// dropped.
#[derive(ZeroizeOnDrop)]
pub struct Dkg {
    #[zeroize(skip)]
    threshold: u16,
    #[zeroize(skip)]
    participants: u16,
    signing_key: SigningKey,
    decryption_key: decaf377_ka::Secret,
    nullifier_share: Zeroizing<[u8; 32]>,
    #[zeroize(skip)]
    own_round1: DkgRound1,
    phase: Phase,
}

impl Dkg {
    /// Starts a t-of-n key generation and returns the round-1 message to send everyone.
    pub fn new(
        threshold: u16,
        participants: u16,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, DkgRound1), Refusal> {
        if threshold < 2 || threshold > participants {
            return Err(Refusal::Parameters {
                threshold,
                participants,
            });
        }
        let signing_key = SigningKey::new(&mut *rng);
        let id = identifier_for(&signing_key.verification_key());
        let (secret, package) = frost_dkg::part1::<C, _>(id, participants, threshold, &mut *rng)
            .map_err(|e| Refusal::Failed(e.to_string()))?;
        let decryption_key = decaf377_ka::Secret::new(rng);
        let mut nullifier = Fq::rand(rng);
        let nullifier_share = Zeroizing::new(nullifier.to_bytes_le());
        let own_round1 = DkgRound1 {
            package,
            nullifier_commitment: nullifier_commitment(&nullifier),
            epk: decryption_key.public(),
            vk: signing_key.verification_key(),
        };
        let dkg = Self {
            threshold,
            participants,
            signing_key,
            decryption_key,
            nullifier_share,
            own_round1: own_round1.clone(),
            phase: Phase::Round1 {
                secret,
                received: BTreeMap::new(),
            },
        };
        nullifier.zeroize();
        Ok((dkg, own_round1))
    }

    fn nullifier(&self) -> Fq {
        Fq::from_bytes_checked(&self.nullifier_share).expect("stored from a valid field element")
    }

    pub fn threshold(&self) -> u16 {
        self.threshold
    }

    pub fn participants(&self) -> u16 {
        self.participants
    }

    pub fn fingerprint(&self) -> String {
        participant_fingerprint(&self.own_round1.vk)
    }

    fn others(&self) -> usize {
        usize::from(self.participants) - 1
    }

    /// (heard from, needed) in the current round.
    pub fn progress(&self) -> (usize, usize) {
        let have = match &self.phase {
            Phase::Round1 { received, .. } => received.len(),
            Phase::Round2 { received, .. } => received.len(),
            Phase::Done { .. } => self.others(),
        };
        (have, self.others())
    }

    /// 1 or 2 while running, 3 when done.
    pub fn round(&self) -> u8 {
        match self.phase {
            Phase::Round1 { .. } => 1,
            Phase::Round2 { .. } => 2,
            Phase::Done { .. } => 3,
        }
    }

    /// The fingerprints of the participants heard from in the current round.
    pub fn heard_from(&self) -> Vec<String> {
        match &self.phase {
            Phase::Round1 { received, .. } => received.values().map(|m| m.sender()).collect(),
            Phase::Round2 { received, .. } => received
                .keys()
                .filter_map(|k| VerificationKey::try_from(*k).ok())
                .map(|vk| participant_fingerprint(&vk))
                .collect(),
            Phase::Done { .. } => vec![],
        }
    }

    /// The fingerprints of the other participants known from round 1 (empty before round 2).
    pub fn others_known(&self) -> Vec<String> {
        match &self.phase {
            Phase::Round2 { round1, .. } => round1.values().map(|m| m.sender()).collect(),
            Phase::Done { group, .. } => group
                .participants()
                .filter(|p| p.vk != self.own_round1.vk)
                .map(|p| p.fingerprint())
                .collect(),
            Phase::Round1 { .. } => vec![],
        }
    }

    /// Accepts another participant's round-1 message. Returns the sender's fingerprint.
    pub fn accept_round1(&mut self, msg: DkgRound1) -> Result<String, Refusal> {
        let kind = DkgRound1::KIND;
        let participant = msg.sender();
        let Phase::Round1 { received, .. } = &self.phase else {
            return Err(Refusal::OutOfOrder {
                kind,
                now: "round 1 is over",
            });
        };
        if msg.vk == self.own_round1.vk {
            return Err(Refusal::OwnMessage { kind, participant });
        }
        if received.contains_key(msg.vk.as_bytes()) {
            return Err(Refusal::Duplicate { kind, participant });
        }
        if received.len() == self.others() {
            return Err(Refusal::TooMany {
                kind,
                participant,
                expected: self.others(),
            });
        }
        let invalid = |problem: String| Refusal::Invalid {
            kind,
            participant: participant.clone(),
            problem,
        };
        if msg.threshold() != usize::from(self.threshold) {
            return Err(invalid(format!(
                "commits to {} coefficients, so its threshold is {}, but this key generation is {}-of-{}",
                msg.threshold(),
                msg.threshold(),
                self.threshold,
                self.participants
            )));
        }
        frost_dkg::verify_proof_of_knowledge(
            identifier_for(&msg.vk),
            msg.package.commitment(),
            msg.package.proof_of_knowledge(),
        )
        .map_err(|_| invalid("invalid proof of knowledge of its secret".into()))?;
        if let Phase::Round1 { received, .. } = &mut self.phase {
            received.insert(msg.vk.to_bytes(), msg);
        }
        Ok(participant)
    }

    /// The fingerprint of the whole round-1 transcript (parameters and every participant's
    /// round-1 message, in key order), once round 1 is complete. Everyone who saw the same
    /// messages gets the same code.
    pub fn transcript_fingerprint(&self) -> Option<String> {
        let round1 = match &self.phase {
            Phase::Round1 { received, .. } if received.len() == self.others() => received,
            Phase::Round2 { round1, .. } => round1,
            Phase::Done {
                transcript_fingerprint,
                ..
            } => return Some(transcript_fingerprint.clone()),
            Phase::Round1 { .. } => return None,
        };
        let mut all: Vec<&DkgRound1> = round1.values().collect();
        all.push(&self.own_round1);
        Some(transcript_fingerprint(
            self.threshold,
            self.participants,
            all,
        ))
    }

    /// Closes round 1 and returns the round-2 message: an encrypted share for every other
    /// participant and the opening of this participant's nullifier commitment.
    pub fn start_round2(&mut self, rng: &mut impl CryptoRngCore) -> Result<DkgRound2, Refusal> {
        let kind = DkgRound2::KIND;
        let Phase::Round1 { secret, received } = &self.phase else {
            return Err(Refusal::OutOfOrder {
                kind,
                now: "round 2 has already started",
            });
        };
        if received.len() < self.others() {
            return Err(Refusal::Incomplete {
                kind: DkgRound1::KIND,
                missing: self.others() - received.len(),
            });
        }
        let packages: BTreeMap<_, _> = received
            .values()
            .map(|m| (identifier_for(&m.vk), m.package.clone()))
            .collect();
        // part2 consumes the secret; a failure must leave round 1 as it was, so it gets a copy
        // (which, like the original, wipes itself when dropped).
        let (secret2, outgoing) = frost_dkg::part2(secret.clone(), &packages)
            .map_err(|e| Refusal::Failed(e.to_string()))?;
        let mut encrypted = BTreeMap::new();
        for m in received.values() {
            let package = &outgoing[&identifier_for(&m.vk)];
            let mut proto = frost_pb::DkgRound2Package {
                signing_share: Some(frost_pb::SigningShare {
                    scalar: package.signing_share().serialize(),
                }),
            };
            let plaintext = Zeroizing::new(proto.encode_to_vec());
            if let Some(share) = &mut proto.signing_share {
                share.scalar.zeroize();
            }
            encrypted.insert(
                m.vk.to_bytes(),
                encryption::encrypt(rng, &m.epk, &plaintext),
            );
        }
        let msg = DkgRound2::signed(&self.signing_key, encrypted, self.nullifier());
        let round1 = received.clone();
        self.phase = Phase::Round2 {
            secret: secret2,
            round1,
            received: BTreeMap::new(),
        };
        Ok(msg)
    }

    /// Accepts another participant's round-2 message: checks its recipients, the opening of its
    /// nullifier commitment, decrypts this participant's share and verifies it against the
    /// sender's round-1 commitment. Returns the sender's fingerprint.
    pub fn accept_round2(&mut self, msg: DkgRound2) -> Result<String, Refusal> {
        let kind = DkgRound2::KIND;
        let participant = msg.sender();
        let Phase::Round2 {
            round1, received, ..
        } = &self.phase
        else {
            return Err(Refusal::OutOfOrder {
                kind,
                now: match self.phase {
                    Phase::Round1 { .. } => "round 1 is not complete",
                    _ => "the key generation is finished",
                },
            });
        };
        if msg.vk == self.own_round1.vk {
            return Err(Refusal::OwnMessage { kind, participant });
        }
        let Some(sender_round1) = round1.get(msg.vk.as_bytes()) else {
            return Err(Refusal::UnknownParticipant {
                kind,
                participant,
                why: "this key did not take part in round 1",
            });
        };
        if received.contains_key(msg.vk.as_bytes()) {
            return Err(Refusal::Duplicate { kind, participant });
        }
        let invalid = |problem: String| Refusal::Invalid {
            kind,
            participant: participant.clone(),
            problem,
        };
        let mut expected: Vec<[u8; 32]> = round1
            .keys()
            .filter(|k| *k != msg.vk.as_bytes())
            .copied()
            .collect();
        expected.push(self.own_round1.vk.to_bytes());
        expected.sort();
        if msg.encrypted_packages.len() != self.others()
            || !msg.encrypted_packages.keys().eq(expected.iter())
        {
            return Err(invalid(format!(
                "carries {} encrypted shares, but must carry exactly one for each of the other {} participants",
                msg.encrypted_packages.len(),
                self.others()
            )));
        }
        if nullifier_commitment(&msg.nullifier) != sender_round1.nullifier_commitment {
            return Err(invalid(
                "its revealed nullifier-key share does not match its round-1 commitment".into(),
            ));
        }
        let ciphertext = &msg.encrypted_packages[self.own_round1.vk.as_bytes()];
        let plaintext = encryption::decrypt(&self.decryption_key, ciphertext)
            .ok_or_else(|| invalid("the share sent to this participant does not decrypt".into()))?;
        let share = frost_pb::DkgRound2Package::decode(plaintext.as_slice())
            .ok()
            .and_then(|p| p.signing_share)
            .and_then(|s| {
                let scalar = Zeroizing::new(s.scalar);
                SigningShare::deserialize(&scalar).ok()
            })
            .ok_or_else(|| invalid("the share sent to this participant is malformed".into()))?;
        let me = identifier_for(&self.own_round1.vk);
        SecretShare::new(me, share, sender_round1.package.commitment().clone())
            .verify()
            .map_err(|_| {
                invalid(
                    "the share sent to this participant does not match its round-1 commitment"
                        .into(),
                )
            })?;
        if let Phase::Round2 { received, .. } = &mut self.phase {
            received.insert(msg.vk.to_bytes(), (msg.nullifier, share));
        }
        Ok(participant)
    }

    /// Finishes the key generation once every round-2 message is in, and hands the share over:
    /// this participant's secrets leave the key generation (none stays behind), so it finishes
    /// once.
    pub fn finish(&mut self) -> Result<DkgOutput, Refusal> {
        if let Phase::Done { .. } = &self.phase {
            return Err(Refusal::Failed(
                "it has already finished and handed its share over".into(),
            ));
        }
        let transcript = self.transcript_fingerprint();
        let Phase::Round2 {
            secret,
            round1,
            received,
        } = &self.phase
        else {
            return Err(Refusal::Incomplete {
                kind: DkgRound1::KIND,
                missing: self.others() - self.progress().0,
            });
        };
        if received.len() < self.others() {
            return Err(Refusal::Incomplete {
                kind: DkgRound2::KIND,
                missing: self.others() - received.len(),
            });
        }
        let failed = |e: &dyn std::fmt::Display| Refusal::Failed(e.to_string());
        let round1_packages: BTreeMap<_, _> = round1
            .values()
            .map(|m| (identifier_for(&m.vk), m.package.clone()))
            .collect();
        let round2_packages: BTreeMap<_, _> = received
            .iter()
            .map(|(vk, (_, share))| {
                let vk = VerificationKey::try_from(*vk).expect("stored from a valid key");
                (identifier_for(&vk), round2::Package::new(*share))
            })
            .collect();
        let (key_package, public) =
            frost_dkg::part3(secret, &round1_packages, &round2_packages).map_err(|e| failed(&e))?;
        let nk = received
            .values()
            .fold(self.nullifier(), |acc, (nullifier, _)| acc + *nullifier);
        let ak = to_rdsa_vk(public.verifying_key()).map_err(|e| failed(&e))?;
        let fvk = FullViewingKey::from_components(ak, NullifierKey(nk));
        let shares = round1
            .values()
            .map(|m| m.vk)
            .chain(std::iter::once(self.own_round1.vk))
            .map(|vk| (vk, public.verifying_shares()[&identifier_for(&vk)]));
        let group = GroupKey::new(self.threshold, fvk, shares).map_err(|e: KeyError| failed(&e))?;
        // The signing key moves into the share; a public placeholder (the key of the all-zero
        // seed) takes its place, so no copy of the secret stays here.
        let signing_key = std::mem::replace(&mut self.signing_key, SigningKey::from([0u8; 32]));
        let share = KeyShare::new(group.clone(), *key_package.signing_share(), signing_key)
            .map_err(|e| failed(&e))?;
        let transcript_fingerprint = transcript.expect("round 1 was complete");
        self.decryption_key.zeroize();
        self.nullifier_share.zeroize();
        self.phase = Phase::Done {
            group: Box::new(group),
            transcript_fingerprint: transcript_fingerprint.clone(),
        };
        Ok(DkgOutput {
            share,
            transcript_fingerprint,
        })
    }
}

/// A short code over the parameters and all round-1 messages, in ed25519-key order: 20
/// Crockford base32 characters (100 bits) in groups of four, easy to read aloud.
pub fn transcript_fingerprint<'a>(
    threshold: u16,
    participants: u16,
    round1: impl IntoIterator<Item = &'a DkgRound1>,
) -> String {
    let mut messages: Vec<&DkgRound1> = round1.into_iter().collect();
    messages.sort_by_key(|m| m.vk.to_bytes());
    let mut state = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"hoarfrost-dkg-v1")
        .to_state();
    state.update(&threshold.to_le_bytes());
    state.update(&participants.to_le_bytes());
    for m in messages {
        let bytes = m.to_proto().encode_to_vec();
        state.update(&(bytes.len() as u64).to_le_bytes());
        state.update(&bytes);
    }
    short_code(state.finalize().as_bytes())
}

fn short_code(digest: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    let value = u128::from_be_bytes(first);
    let chars: Vec<char> = (0..20)
        .map(|i| ALPHABET[((value >> (123 - 5 * i)) & 31) as usize] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests;

//! What refresh and repair share: the signed message their kinds share and its field checks,
//! the reference to a group every message carries, sessions, transcripts, the encryption of
//! secret scalars, and who may send what.
//!
//! Every message is broadcast-safe: secrets inside are encrypted to their recipient (as pcli's
//! DKG round 2 encrypts shares, to decaf377-ka keys published in round 1), and every message is
//! signed by its sender's participant key, so one relay, bundle or QR stream can carry
//! everything to everyone; a recipient refuses messages from strangers and skips those that are
//! not for it ([`Refusal::skippable`]). Their kinds are in the one message table
//! ([`crate::messages::MessageKind`]), their refusals are [`Refusal`]s.

mod circle;
mod codec;
mod member;
pub mod proto;

pub(crate) use circle::{first_stranger, out_of_order};
pub use circle::{round_of, Ceremony, Circle, Inbox};
pub(crate) use codec::{
    decode_ciphertext, decode_elements, decode_epk, decode_participants, decode_targeted,
    encode_elements, encode_key_list, encode_targeted,
};
pub use codec::{Body, LinkedInner, RoundLink, Signed, SignedProto};
pub(crate) use member::Phase;
pub use member::{Member, Rounds, Wire};

use std::collections::BTreeMap;
use std::fmt;

use decaf377::Fr;
use ed25519_consensus::VerificationKey;
use prost::Message as _;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::dkg::encryption;
use crate::keys::{format_date, participant_fingerprint, GroupKey};
use crate::messages::{field_error, fixed, AnyMessage, DecodeError, MessageKind};
use crate::refusal::Refusal;

/// The length of an encrypted scalar: ephemeral key (32), tag (16), scalar (32).
pub const CIPHERTEXT_LEN: usize = 80;

/// A refresh or repair that could not be computed (frost-core refused).
pub(crate) fn failed(kind: MessageKind, problem: impl fmt::Display) -> Refusal {
    Refusal::Failed(format!("the {} failed: {problem}", kind.ceremony()))
}

/// The participants' keys in the order every message lists them: ascending by their bytes,
/// each once.
pub(crate) fn sorted_keys(keys: &[VerificationKey]) -> Vec<VerificationKey> {
    let mut keys = keys.to_vec();
    keys.sort_by_key(|vk| vk.to_bytes());
    keys.dedup();
    keys
}

/// Whether `targeted`, a message's ciphertexts by recipient, holds exactly one for each of
/// `participants` but its `sender`.
pub(crate) fn one_for_each_other(
    targeted: &BTreeMap<[u8; 32], Vec<u8>>,
    participants: &[VerificationKey],
    sender: &VerificationKey,
) -> bool {
    let others = participants
        .iter()
        .map(|vk| vk.to_bytes())
        .filter(|vk| vk != sender.as_bytes());
    targeted.keys().copied().eq(others)
}

/// A sender that is not a participant of the ceremony at all.
pub(crate) fn stranger(kind: MessageKind, participant: String) -> Refusal {
    Refusal::UnknownParticipant {
        kind,
        participant,
        why: if kind.ceremony() == "refresh" {
            "this key is not a participant of this refresh"
        } else {
            "this key is not a participant of this repair"
        },
    }
}

/// Checks an invitation (another participant's round-1 message, which this participant joins
/// from): its sender is a member of the key, and it is about the key (`about`) as this
/// participant holds it. Returns the sender's fingerprint.
pub(crate) fn check_invitation<B: Body>(
    group: &GroupKey,
    invitation: &Signed<B>,
    about: &GroupRef,
) -> Result<String, Refusal> {
    let sender = invitation.sender();
    if group.participant(&invitation.vk).is_none() {
        return Err(stranger(B::KIND, sender));
    }
    about.check_against(group, B::KIND, &sender)?;
    Ok(sender)
}

/// A message this participant's engine does not take: one of hoarfrost's own (signed, and so
/// seen by everyone on a relay) is passed over quietly as someone else's; any other kind is
/// refused as not `expected`.
pub(crate) fn not_for_this_participant(message: AnyMessage, expected: &'static str) -> Refusal {
    match message.sender_key() {
        Some(vk) => Refusal::NotForThisParticipant {
            kind: message.kind(),
            participant: participant_fingerprint(&vk),
        },
        None => Refusal::Unexpected {
            got: message.kind(),
            expected,
        },
    }
}

/// A ceremony's random identity, chosen by whoever starts it; every message carries it, so a
/// message from another ceremony (an earlier attempt, another key) is refused.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SessionId(pub [u8; 32]);

impl SessionId {
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut id = [0u8; 32];
        rng.fill_bytes(&mut id);
        Self(id)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0[..4]))
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// Which key, and which state of it, a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupRef {
    /// [`GroupKey::digest`].
    pub digest: [u8; 32],
    pub generation: u32,
    /// When the refresh that made this generation happened (unix seconds); None for 0.
    pub refreshed: Option<u64>,
}

impl GroupRef {
    pub fn of(group: &GroupKey) -> Self {
        Self {
            digest: group.digest(),
            generation: group.generation().number,
            refreshed: group.generation().refreshed,
        }
    }

    pub(crate) fn to_proto(self) -> proto::GroupRef {
        proto::GroupRef {
            digest: self.digest.to_vec(),
            generation: self.generation,
            refreshed: self.refreshed.unwrap_or(0),
        }
    }

    pub(crate) fn from_proto(
        kind: MessageKind,
        field: &str,
        proto: Option<proto::GroupRef>,
    ) -> Result<Self, DecodeError> {
        let proto = proto.ok_or_else(|| field_error(kind, field, "missing"))?;
        let digest = fixed(kind, &format!("{field}.digest"), &proto.digest)?;
        let refreshed = match (proto.generation, proto.refreshed) {
            (0, 0) => None,
            (g, 0) => {
                return Err(field_error(
                    kind,
                    format!("{field}.refreshed"),
                    format!("generation {g} needs the date of its refresh"),
                ))
            }
            (0, _) => {
                return Err(field_error(
                    kind,
                    format!("{field}.refreshed"),
                    "generation 0 has no refresh date",
                ))
            }
            (_, date) => Some(date),
        };
        Ok(Self {
            digest,
            generation: proto.generation,
            refreshed,
        })
    }

    /// Checks that `participant`'s message (of `kind`) is about the same key in the same state
    /// as `ours` (the same digest), naming a stale share on either side when it is not.
    pub(crate) fn check_against(
        &self,
        ours: &GroupKey,
        kind: MessageKind,
        participant: &str,
    ) -> Result<(), Refusal> {
        if self.digest == ours.digest() {
            return Ok(());
        }
        let own = ours.generation();
        if self.generation < own.number {
            let date = own
                .retired_at(self.generation)
                .or(own.refreshed)
                .map(format_date)
                .unwrap_or_default();
            return Err(Refusal::StaleShare {
                kind,
                participant: participant.to_string(),
                date,
            });
        }
        if self.generation > own.number {
            return Err(Refusal::OwnShareStale {
                participant: participant.to_string(),
                date: self.refreshed.map(format_date).unwrap_or_default(),
                theirs: self.generation,
                ours: own.number,
            });
        }
        Err(Refusal::Invalid {
            kind,
            participant: participant.to_string(),
            problem: format!(
                "describes generation {} of the key differently from this participant (other members or verifying shares; a repair may have enrolled someone one description lacks): compare the group descriptions",
                self.generation
            ),
        })
    }
}

/// A digest of one round's messages: everyone who saw the same messages gets the same bytes,
/// so a sender that told different members different things is caught in the next round.
pub(crate) fn transcript<'a, B: Body + 'a>(
    personal: &[u8; 16],
    session: &SessionId,
    messages: impl IntoIterator<Item = &'a Signed<B>>,
) -> [u8; 32] {
    let mut sorted: Vec<([u8; 32], Vec<u8>)> = messages
        .into_iter()
        .map(|m| (m.vk.to_bytes(), m.body.to_inner().encode_to_vec()))
        .collect();
    sorted.sort_by_key(|(vk, _)| *vk);
    let mut state = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(personal)
        .to_state();
    state.update(&session.0);
    for (vk, bytes) in sorted {
        state.update(&vk);
        state.update(&(bytes.len() as u64).to_le_bytes());
        state.update(&bytes);
    }
    state
        .finalize()
        .as_bytes()
        .try_into()
        .expect("32-byte hash")
}

/// Encrypts a secret scalar to `recipient` (see [`crate::dkg`]'s round-2 encryption).
pub(crate) fn encrypt_scalar(
    rng: &mut impl CryptoRngCore,
    recipient: &decaf377_ka::Public,
    scalar: &Fr,
) -> Vec<u8> {
    let plaintext = Zeroizing::new(scalar.to_bytes());
    encryption::encrypt(rng, recipient, plaintext.as_ref())
}

/// Decrypts a scalar sent to the holder of `secret`; says what is wrong otherwise.
pub(crate) fn decrypt_scalar(
    secret: &decaf377_ka::Secret,
    ciphertext: &[u8],
) -> Result<Zeroizing<Fr>, &'static str> {
    let plaintext = encryption::decrypt(secret, ciphertext)
        .ok_or("does not decrypt with this participant's key")?;
    if plaintext.len() != 32 {
        return Err("does not hold a 32-byte scalar");
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(&plaintext);
    Fr::from_bytes_checked(&bytes)
        .map(Zeroizing::new)
        .map_err(|_| "does not hold a canonical scalar")
}

/// Overwrites a secret that frost-core gives without a `Zeroize` implementation (its repair
/// `Delta` and `Sigma`), with a write the compiler may not remove.
pub(crate) fn wipe<T: Copy>(slot: &mut T, zero: T) {
    // SAFETY: `slot` is a valid, aligned, exclusive reference, and `T: Copy` has no destructor
    // that the overwrite could skip.
    unsafe { std::ptr::write_volatile(slot, zero) };
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

//! The signed message every refresh and repair kind shares (its proto shape and its [`Codec`]),
//! and the field checks their decoders use. Their kinds, UR types and JSON envelopes are in the
//! one table of [`crate::messages`].

use std::collections::BTreeMap;

use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use serde::{de::DeserializeOwned, Serialize};

use super::proto as pb;
use super::{SessionId, CIPHERTEXT_LEN};
use crate::keys::participant_fingerprint;
use crate::messages::{decode_sig, decode_vk, field_error, fixed, Codec, DecodeError, MessageKind};
use crate::refusal::Refusal;

/// The proto of a signed message: `{ inner, vk, sig }`.
pub trait SignedProto: prost::Message + Default + Serialize + DeserializeOwned {
    /// Its kind in the message table.
    const KIND: MessageKind;
    type Inner: prost::Message + Default;

    fn into_parts(self) -> (Option<Self::Inner>, Vec<u8>, Vec<u8>);
    fn from_parts(inner: Self::Inner, vk: Vec<u8>, sig: Vec<u8>) -> Self;
}

/// What the sender of a signed message vouches for: the decoded, checked `inner`.
pub trait Body: Sized + Clone {
    /// The kind of the message, as its proto declares it.
    const KIND: MessageKind = Self::Proto::KIND;
    type Proto: SignedProto;

    fn to_inner(&self) -> <Self::Proto as SignedProto>::Inner;
    fn from_inner(inner: <Self::Proto as SignedProto>::Inner) -> Result<Self, DecodeError>;

    /// The session the message belongs to (None for a newcomer's request, which precedes it).
    fn session_id(&self) -> Option<SessionId> {
        None
    }
}

/// A message signed by its sender's participant key (ed25519).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed<B> {
    pub body: B,
    pub vk: VerificationKey,
    pub sig: Signature,
}

/// What the ed25519 signature of a kind covers before the inner message: domain separation
/// from every other kind and from pcli's own signed messages.
fn signed_bytes(kind: MessageKind, inner: &impl prost::Message) -> Vec<u8> {
    let mut bytes = [
        b"hoarfrost.custody.v1.".as_slice(),
        kind.name().as_bytes(),
        &[0],
    ]
    .concat();
    inner.encode(&mut bytes).expect("a Vec grows as needed");
    bytes
}

impl<B: Body> Signed<B> {
    pub fn sign(key: &SigningKey, body: B) -> Self {
        let sig = key.sign(&signed_bytes(B::KIND, &body.to_inner()));
        Self {
            body,
            vk: key.verification_key(),
            sig,
        }
    }

    /// The sender's fingerprint.
    pub fn sender(&self) -> String {
        participant_fingerprint(&self.vk)
    }

    /// This message refused for `problem`, naming its sender.
    pub(crate) fn invalid(&self, problem: impl Into<String>) -> Refusal {
        Refusal::invalid(B::KIND, &self.sender(), problem)
    }
}

impl<B: Body> Codec for Signed<B> {
    const KIND: MessageKind = B::KIND;
    type Proto = B::Proto;

    fn to_proto(&self) -> B::Proto {
        B::Proto::from_parts(
            self.body.to_inner(),
            self.vk.to_bytes().to_vec(),
            self.sig.to_bytes().to_vec(),
        )
    }

    /// Decodes and checks every field, then the signature over the canonical re-encoding.
    fn from_proto(proto: B::Proto) -> Result<Self, DecodeError> {
        let kind = B::KIND;
        let (inner, vk, sig) = proto.into_parts();
        let vk = decode_vk(kind, "vk", &vk)?;
        let sig = decode_sig(kind, "sig", &sig)?;
        let inner = inner.ok_or_else(|| field_error(kind, "inner", "missing"))?;
        let body = B::from_inner(inner)?;
        vk.verify(&sig, &signed_bytes(kind, &body.to_inner()))
            .map_err(|_| DecodeError::BadSignature {
                kind,
                participant: participant_fingerprint(&vk),
            })?;
        Ok(Self { body, vk, sig })
    }

    fn sender_key(&self) -> Option<VerificationKey> {
        Some(self.vk)
    }
}

/// The inner message of a message after round 1: its fields 1 and 2 are a [`RoundLink`].
pub trait LinkedInner: Default {
    /// The session and transcript fields, as they came.
    fn link(&self) -> (&[u8], &[u8]);
    /// The message with these session and transcript fields, its own fields left to fill in.
    fn linked(session: Vec<u8>, transcript: Vec<u8>) -> Self;
}

/// What links a message after round 1 to its ceremony: the session's id, and the digest of the
/// round before as its sender saw it (so a sender who told members different things is caught).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundLink {
    pub session: SessionId,
    pub transcript: [u8; 32],
}

impl RoundLink {
    /// An inner message carrying this link, its own fields left to fill in.
    pub(crate) fn to_inner<I: LinkedInner>(self) -> I {
        I::linked(self.session.0.to_vec(), self.transcript.to_vec())
    }

    pub(crate) fn from_inner(
        kind: MessageKind,
        inner: &impl LinkedInner,
    ) -> Result<Self, DecodeError> {
        let (session, transcript) = inner.link();
        Ok(Self {
            session: SessionId(fixed(kind, "inner.session", session)?),
            transcript: fixed(kind, "inner.transcript", transcript)?,
        })
    }
}

// Field checks shared by every decoder.

/// A decaf377 element other than the identity, canonically encoded.
pub(crate) fn decode_element(
    kind: MessageKind,
    field: &str,
    bytes: &[u8],
) -> Result<decaf377::Element, DecodeError> {
    use frost_core::Group as _;
    crate::suite::Decaf377Group::deserialize(&fixed::<32>(kind, field, bytes)?).map_err(|_| {
        field_error(
            kind,
            field,
            "not a valid decaf377 element (the identity is not allowed)",
        )
    })
}

/// decaf377 elements, each as [`decode_element`] takes it.
pub(crate) fn decode_elements(
    kind: MessageKind,
    field: &str,
    items: &[Vec<u8>],
) -> Result<Vec<decaf377::Element>, DecodeError> {
    items
        .iter()
        .enumerate()
        .map(|(i, bytes)| decode_element(kind, &format!("{field}[{i}]"), bytes))
        .collect()
}

pub(crate) fn encode_elements(elements: &[decaf377::Element]) -> Vec<Vec<u8>> {
    elements
        .iter()
        .map(|e| e.vartime_compress().0.to_vec())
        .collect()
}

/// A decaf377-ka public key: a valid decaf377 element.
pub(crate) fn decode_epk(
    kind: MessageKind,
    field: &str,
    bytes: &[u8],
) -> Result<decaf377_ka::Public, DecodeError> {
    decode_element(kind, field, bytes)?;
    Ok(decaf377_ka::Public(fixed(kind, field, bytes)?))
}

/// ed25519 keys in strictly ascending byte order (so every set has one encoding).
pub(crate) fn decode_key_list(
    kind: MessageKind,
    field: &str,
    keys: &[Vec<u8>],
) -> Result<Vec<VerificationKey>, DecodeError> {
    let keys = keys
        .iter()
        .enumerate()
        .map(|(i, k)| decode_vk(kind, &format!("{field}[{i}]"), k))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(i) = keys
        .windows(2)
        .position(|w| w[0].as_bytes() >= w[1].as_bytes())
    {
        return Err(field_error(
            kind,
            field,
            format!(
                "entries {i} and {} are out of order: keys must be in ascending order, each once",
                i + 1
            ),
        ));
    }
    Ok(keys)
}

/// The participants of a session, as [`decode_key_list`] takes them: at least 2 (a ceremony of
/// one is no ceremony); `too_few` says so in the ceremony's words.
pub(crate) fn decode_participants(
    kind: MessageKind,
    field: &str,
    keys: &[Vec<u8>],
    too_few: &str,
) -> Result<Vec<VerificationKey>, DecodeError> {
    let keys = decode_key_list(kind, field, keys)?;
    if keys.len() < 2 {
        return Err(field_error(kind, field, too_few));
    }
    Ok(keys)
}

pub(crate) fn encode_key_list(keys: &[VerificationKey]) -> Vec<Vec<u8>> {
    keys.iter().map(|k| k.to_bytes().to_vec()).collect()
}

/// Ciphertexts by recipient: each recipient once, each ciphertext of a 32-byte scalar.
pub(crate) fn decode_targeted(
    kind: MessageKind,
    field: &str,
    items: Vec<pb::TargetedCiphertext>,
) -> Result<BTreeMap<[u8; 32], Vec<u8>>, DecodeError> {
    let mut out = BTreeMap::new();
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("{field}[{i}]");
        let recipient = decode_vk(kind, &format!("{at}.vk"), &item.vk)?;
        decode_ciphertext(kind, &format!("{at}.ciphertext"), &item.ciphertext)?;
        if out.insert(recipient.to_bytes(), item.ciphertext).is_some() {
            return Err(field_error(
                kind,
                at,
                "a second ciphertext for the same recipient",
            ));
        }
    }
    Ok(out)
}

pub(crate) fn encode_targeted(items: &BTreeMap<[u8; 32], Vec<u8>>) -> Vec<pb::TargetedCiphertext> {
    items
        .iter()
        .map(|(vk, ciphertext)| pb::TargetedCiphertext {
            vk: vk.to_vec(),
            ciphertext: ciphertext.clone(),
        })
        .collect()
}

pub(crate) fn decode_ciphertext(
    kind: MessageKind,
    field: &str,
    bytes: &[u8],
) -> Result<(), DecodeError> {
    if bytes.len() != CIPHERTEXT_LEN {
        return Err(field_error(
            kind,
            field,
            format!(
                "expected {CIPHERTEXT_LEN} bytes (an encrypted scalar), got {}",
                bytes.len()
            ),
        ));
    }
    Ok(())
}

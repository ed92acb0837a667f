//! The codec of refresh and repair messages: their kinds, the signed-message wrapper every kind
//! shares, the envelope that makes pasted JSON self-describing, and the field checks decoders use.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use prost::Message as _;
use serde::{de::DeserializeOwned, Serialize};

use super::proto::{self as pb, custody_message::Message as Envelope};
use super::CIPHERTEXT_LEN;
use crate::keys::participant_fingerprint;
use crate::refresh::{RefreshRound1, RefreshRound2};
use crate::repair::{RepairRequest, RepairRound1, RepairRound2, RepairRound3};

/// Every kind of refresh and repair message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CustodyKind {
    RefreshRound1,
    RefreshRound2,
    RepairRequest,
    RepairRound1,
    RepairRound2,
    RepairRound3,
}

impl CustodyKind {
    pub const ALL: [CustodyKind; 6] = [
        CustodyKind::RefreshRound1,
        CustodyKind::RefreshRound2,
        CustodyKind::RepairRequest,
        CustodyKind::RepairRound1,
        CustodyKind::RepairRound2,
        CustodyKind::RepairRound3,
    ];

    /// The proto message name.
    pub fn name(self) -> &'static str {
        match self {
            CustodyKind::RefreshRound1 => "RefreshRound1",
            CustodyKind::RefreshRound2 => "RefreshRound2",
            CustodyKind::RepairRequest => "RepairRequest",
            CustodyKind::RepairRound1 => "RepairRound1",
            CustodyKind::RepairRound2 => "RepairRound2",
            CustodyKind::RepairRound3 => "RepairRound3",
        }
    }

    /// What the message is, in words.
    pub fn description(self) -> &'static str {
        match self {
            CustodyKind::RefreshRound1 => "a refresh round-1 message",
            CustodyKind::RefreshRound2 => "a refresh round-2 message (encrypted shares)",
            CustodyKind::RepairRequest => "a newcomer's request to join a key",
            CustodyKind::RepairRound1 => "a repair helper's round-1 message",
            CustodyKind::RepairRound2 => "a repair helper's round-2 message (encrypted deltas)",
            CustodyKind::RepairRound3 => "a repair helper's round-3 message (the newcomer's piece)",
        }
    }

    /// The ceremony the message belongs to, in words.
    pub fn ceremony(self) -> &'static str {
        match self {
            CustodyKind::RefreshRound1 | CustodyKind::RefreshRound2 => "refresh",
            _ => "repair",
        }
    }

    /// The Uniform Resource type of the message's proto bytes in QR codes.
    pub fn ur_type(self) -> &'static str {
        match self {
            CustodyKind::RefreshRound1 => "hoarfrost-refresh1",
            CustodyKind::RefreshRound2 => "hoarfrost-refresh2",
            CustodyKind::RepairRequest => "hoarfrost-repair0",
            CustodyKind::RepairRound1 => "hoarfrost-repair1",
            CustodyKind::RepairRound2 => "hoarfrost-repair2",
            CustodyKind::RepairRound3 => "hoarfrost-repair3",
        }
    }

    pub fn from_ur_type(ur_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.ur_type() == ur_type)
    }

    /// The envelope field that names this kind in JSON.
    pub fn json_field(self) -> &'static str {
        match self {
            CustodyKind::RefreshRound1 => "refreshRound1",
            CustodyKind::RefreshRound2 => "refreshRound2",
            CustodyKind::RepairRequest => "repairRequest",
            CustodyKind::RepairRound1 => "repairRound1",
            CustodyKind::RepairRound2 => "repairRound2",
            CustodyKind::RepairRound3 => "repairRound3",
        }
    }

    /// What the ed25519 signature of this kind covers before the inner message: domain
    /// separation from every other kind and from pcli's own signed messages.
    fn signing_context(self) -> Vec<u8> {
        [
            b"hoarfrost.custody.v1.".as_slice(),
            self.name().as_bytes(),
            &[0],
        ]
        .concat()
    }
}

impl fmt::Display for CustodyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a refresh or repair message was refused while decoding. Each names the message and,
/// where known, the field and the sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustodyDecodeError {
    #[error("input is empty")]
    Empty,
    #[error("not a refresh or repair message: not valid JSON ({0})")]
    NotJson(String),
    #[error("not a refresh or repair message: a JSON object must have exactly one of the fields refreshRound1, refreshRound2, repairRequest, repairRound1, repairRound2, repairRound3")]
    UnknownKind,
    #[error("expected {expected} ({}), but this is {got} ({})", expected.description(), got.description())]
    WrongKind {
        expected: CustodyKind,
        got: CustodyKind,
    },
    #[error("{kind}: not a valid protobuf encoding: {problem}")]
    Proto { kind: CustodyKind, problem: String },
    #[error("{kind}: {field}: {problem}")]
    Field {
        kind: CustodyKind,
        field: String,
        problem: String,
    },
    #[error("{kind} from participant {participant}: the ed25519 signature does not verify (tampered, corrupted, or signed by someone else)")]
    BadSignature {
        kind: CustodyKind,
        participant: String,
    },
}

pub(crate) fn field_error(
    kind: CustodyKind,
    field: impl Into<String>,
    problem: impl fmt::Display,
) -> CustodyDecodeError {
    CustodyDecodeError::Field {
        kind,
        field: field.into(),
        problem: problem.to_string(),
    }
}

/// The proto of a signed message: `{ inner, vk, sig }`.
pub trait SignedProto: prost::Message + Default + Serialize + DeserializeOwned {
    type Inner: prost::Message + Default;

    fn into_parts(self) -> (Option<Self::Inner>, Vec<u8>, Vec<u8>);
    fn from_parts(inner: Self::Inner, vk: Vec<u8>, sig: Vec<u8>) -> Self;
}

/// What the sender of a signed message vouches for: the decoded, checked `inner`.
pub trait Body: Sized + Clone {
    const KIND: CustodyKind;
    type Proto: SignedProto;

    fn to_inner(&self) -> <Self::Proto as SignedProto>::Inner;
    fn from_inner(inner: <Self::Proto as SignedProto>::Inner) -> Result<Self, CustodyDecodeError>;
    fn wrap(message: Signed<Self>) -> CustodyMessage;
    fn unwrap(message: CustodyMessage) -> Result<Signed<Self>, CustodyKind>;
}

/// A message signed by its sender's participant key (ed25519).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed<B> {
    pub body: B,
    pub vk: VerificationKey,
    pub sig: Signature,
}

impl<B: Body> Signed<B> {
    pub const KIND: CustodyKind = B::KIND;

    fn signed_bytes(inner: &<B::Proto as SignedProto>::Inner) -> Vec<u8> {
        let mut bytes = B::KIND.signing_context();
        inner.encode(&mut bytes).expect("a Vec grows as needed");
        bytes
    }

    pub fn sign(key: &SigningKey, body: B) -> Self {
        let sig = key.sign(&Self::signed_bytes(&body.to_inner()));
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

    pub fn to_proto(&self) -> B::Proto {
        B::Proto::from_parts(
            self.body.to_inner(),
            self.vk.to_bytes().to_vec(),
            self.sig.to_bytes().to_vec(),
        )
    }

    /// Decodes and checks every field, then the signature over the canonical re-encoding.
    pub fn from_proto(proto: B::Proto) -> Result<Self, CustodyDecodeError> {
        let kind = B::KIND;
        let (inner, vk, sig) = proto.into_parts();
        let vk = decode_vk(kind, "vk", &vk)?;
        let sig = Signature::from(fixed::<64>(kind, "sig", &sig)?);
        let inner = inner.ok_or_else(|| field_error(kind, "inner", "missing"))?;
        let body = B::from_inner(inner)?;
        vk.verify(&sig, &Self::signed_bytes(&body.to_inner()))
            .map_err(|_| CustodyDecodeError::BadSignature {
                kind,
                participant: participant_fingerprint(&vk),
            })?;
        Ok(Self { body, vk, sig })
    }

    /// The compact proto encoding, as QR codes carry it (UR type [`CustodyKind::ur_type`]).
    pub fn to_proto_bytes(&self) -> Vec<u8> {
        self.to_proto().encode_to_vec()
    }

    pub fn from_proto_bytes(bytes: &[u8]) -> Result<Self, CustodyDecodeError> {
        let proto = B::Proto::decode(bytes).map_err(|e| CustodyDecodeError::Proto {
            kind: B::KIND,
            problem: e.to_string(),
        })?;
        Self::from_proto(proto)
    }

    /// The envelope's proto3 JSON on one line: `{"refreshRound1":{...}}`.
    pub fn to_json(&self) -> String {
        B::wrap(self.clone()).to_json()
    }

    /// Decodes JSON of this kind, refusing other kinds by name.
    pub fn from_json(text: &str) -> Result<Self, CustodyDecodeError> {
        B::unwrap(CustodyMessage::from_json(text)?).map_err(|got| CustodyDecodeError::WrongKind {
            expected: B::KIND,
            got,
        })
    }
}

/// Any refresh or repair message.
// A ceremony holds a few dozen messages at most: boxing the larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum CustodyMessage {
    RefreshRound1(RefreshRound1),
    RefreshRound2(RefreshRound2),
    RepairRequest(RepairRequest),
    RepairRound1(RepairRound1),
    RepairRound2(RepairRound2),
    RepairRound3(RepairRound3),
}

/// Runs `$body` with `$m` bound to the inner message of whichever variant `$message` is.
macro_rules! each_kind {
    ($message:expr, $m:ident => $body:expr) => {
        match $message {
            CustodyMessage::RefreshRound1($m) => $body,
            CustodyMessage::RefreshRound2($m) => $body,
            CustodyMessage::RepairRequest($m) => $body,
            CustodyMessage::RepairRound1($m) => $body,
            CustodyMessage::RepairRound2($m) => $body,
            CustodyMessage::RepairRound3($m) => $body,
        }
    };
}

/// Decodes the proto of one kind into the message of that kind.
fn from_envelope(envelope: Envelope) -> Result<CustodyMessage, CustodyDecodeError> {
    Ok(match envelope {
        Envelope::RefreshRound1(p) => CustodyMessage::RefreshRound1(Signed::from_proto(p)?),
        Envelope::RefreshRound2(p) => CustodyMessage::RefreshRound2(Signed::from_proto(p)?),
        Envelope::RepairRequest(p) => CustodyMessage::RepairRequest(Signed::from_proto(p)?),
        Envelope::RepairRound1(p) => CustodyMessage::RepairRound1(Signed::from_proto(p)?),
        Envelope::RepairRound2(p) => CustodyMessage::RepairRound2(Signed::from_proto(p)?),
        Envelope::RepairRound3(p) => CustodyMessage::RepairRound3(Signed::from_proto(p)?),
    })
}

impl CustodyMessage {
    pub fn kind(&self) -> CustodyKind {
        match self {
            CustodyMessage::RefreshRound1(_) => CustodyKind::RefreshRound1,
            CustodyMessage::RefreshRound2(_) => CustodyKind::RefreshRound2,
            CustodyMessage::RepairRequest(_) => CustodyKind::RepairRequest,
            CustodyMessage::RepairRound1(_) => CustodyKind::RepairRound1,
            CustodyMessage::RepairRound2(_) => CustodyKind::RepairRound2,
            CustodyMessage::RepairRound3(_) => CustodyKind::RepairRound3,
        }
    }

    /// The sender's ed25519 key.
    pub fn vk(&self) -> VerificationKey {
        each_kind!(self, m => m.vk)
    }

    /// The sender's fingerprint.
    pub fn sender(&self) -> String {
        participant_fingerprint(&self.vk())
    }

    fn to_envelope(&self) -> Envelope {
        match self {
            CustodyMessage::RefreshRound1(m) => Envelope::RefreshRound1(m.to_proto()),
            CustodyMessage::RefreshRound2(m) => Envelope::RefreshRound2(m.to_proto()),
            CustodyMessage::RepairRequest(m) => Envelope::RepairRequest(m.to_proto()),
            CustodyMessage::RepairRound1(m) => Envelope::RepairRound1(m.to_proto()),
            CustodyMessage::RepairRound2(m) => Envelope::RepairRound2(m.to_proto()),
            CustodyMessage::RepairRound3(m) => Envelope::RepairRound3(m.to_proto()),
        }
    }

    /// proto3 JSON of the envelope, on one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_envelope()).expect("proto messages always serialize")
    }

    /// Decodes pasted JSON of any kind, checking every field and the signature.
    pub fn from_json(text: &str) -> Result<Self, CustodyDecodeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CustodyDecodeError::Empty);
        }
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| CustodyDecodeError::NotJson(e.to_string()))?;
        let Some((field, _)) = value
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            return Err(CustodyDecodeError::UnknownKind);
        };
        let kind = CustodyKind::ALL
            .into_iter()
            .find(|k| k.json_field() == field || k.json_field() == snake_to_camel(field))
            .ok_or(CustodyDecodeError::UnknownKind)?;
        let envelope: Envelope =
            serde_json::from_value(value).map_err(|e| field_error(kind, "JSON", e))?;
        from_envelope(envelope)
    }

    /// The compact proto encoding of the message itself (not the envelope): what a UR of type
    /// [`CustodyKind::ur_type`] carries.
    pub fn to_proto_bytes(&self) -> Vec<u8> {
        each_kind!(self, m => m.to_proto_bytes())
    }

    pub fn from_proto_bytes(kind: CustodyKind, bytes: &[u8]) -> Result<Self, CustodyDecodeError> {
        let proto = |e: prost::DecodeError| CustodyDecodeError::Proto {
            kind,
            problem: e.to_string(),
        };
        from_envelope(match kind {
            CustodyKind::RefreshRound1 => {
                Envelope::RefreshRound1(pb::RefreshRound1::decode(bytes).map_err(proto)?)
            }
            CustodyKind::RefreshRound2 => {
                Envelope::RefreshRound2(pb::RefreshRound2::decode(bytes).map_err(proto)?)
            }
            CustodyKind::RepairRequest => {
                Envelope::RepairRequest(pb::RepairRequest::decode(bytes).map_err(proto)?)
            }
            CustodyKind::RepairRound1 => {
                Envelope::RepairRound1(pb::RepairRound1::decode(bytes).map_err(proto)?)
            }
            CustodyKind::RepairRound2 => {
                Envelope::RepairRound2(pb::RepairRound2::decode(bytes).map_err(proto)?)
            }
            CustodyKind::RepairRound3 => {
                Envelope::RepairRound3(pb::RepairRound3::decode(bytes).map_err(proto)?)
            }
        })
    }

    /// The UR type for QR codes.
    pub fn ur_type(&self) -> &'static str {
        self.kind().ur_type()
    }
}

fn snake_to_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Implements [`Body`]'s envelope glue for one kind.
macro_rules! envelope_glue {
    ($variant:ident) => {
        fn wrap(message: Signed<Self>) -> CustodyMessage {
            CustodyMessage::$variant(message)
        }

        fn unwrap(message: CustodyMessage) -> Result<Signed<Self>, CustodyKind> {
            match message {
                CustodyMessage::$variant(m) => Ok(m),
                other => Err(other.kind()),
            }
        }
    };
}
pub(crate) use envelope_glue;

// Field checks shared by every decoder.

pub(crate) fn fixed<const N: usize>(
    kind: CustodyKind,
    field: &str,
    bytes: &[u8],
) -> Result<[u8; N], CustodyDecodeError> {
    bytes.try_into().map_err(|_| {
        field_error(
            kind,
            field,
            format!("expected {N} bytes, got {}", bytes.len()),
        )
    })
}

pub(crate) fn decode_vk(
    kind: CustodyKind,
    field: &str,
    bytes: &[u8],
) -> Result<VerificationKey, CustodyDecodeError> {
    VerificationKey::try_from(fixed::<32>(kind, field, bytes)?)
        .map_err(|_| field_error(kind, field, "not a valid ed25519 verification key"))
}

/// A decaf377 element other than the identity, canonically encoded.
pub(crate) fn decode_element(
    kind: CustodyKind,
    field: &str,
    bytes: &[u8],
) -> Result<decaf377::Element, CustodyDecodeError> {
    use frost_core::Group as _;
    crate::suite::Decaf377Group::deserialize(&fixed::<32>(kind, field, bytes)?).map_err(|_| {
        field_error(
            kind,
            field,
            "not a valid decaf377 element (the identity is not allowed)",
        )
    })
}

/// A decaf377-ka public key: a valid decaf377 element.
pub(crate) fn decode_epk(
    kind: CustodyKind,
    field: &str,
    bytes: &[u8],
) -> Result<decaf377_ka::Public, CustodyDecodeError> {
    decode_element(kind, field, bytes)?;
    Ok(decaf377_ka::Public(fixed(kind, field, bytes)?))
}

/// ed25519 keys in strictly ascending byte order (so every set has one encoding).
pub(crate) fn decode_key_list(
    kind: CustodyKind,
    field: &str,
    keys: &[Vec<u8>],
) -> Result<Vec<VerificationKey>, CustodyDecodeError> {
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
            format!("{field}[{}]", i + 1),
            "keys must be in ascending order, each once",
        ));
    }
    Ok(keys)
}

pub(crate) fn encode_key_list(keys: &[VerificationKey]) -> Vec<Vec<u8>> {
    keys.iter().map(|k| k.to_bytes().to_vec()).collect()
}

/// Ciphertexts by recipient: each recipient once, each ciphertext of a 32-byte scalar.
pub(crate) fn decode_targeted(
    kind: CustodyKind,
    field: &str,
    items: Vec<pb::TargetedCiphertext>,
) -> Result<BTreeMap<[u8; 32], Vec<u8>>, CustodyDecodeError> {
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
    kind: CustodyKind,
    field: &str,
    bytes: &[u8],
) -> Result<(), CustodyDecodeError> {
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

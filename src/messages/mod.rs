//! The ceremony messages behind one codec: every message has a kind, a proto form, a JSON form
//! and a UR type for QR codes.
//!
//! pcli's messages (signing and key generation) are byte for byte as pcli's threshold custody
//! makes them: on the wire each is the canonical proto3 JSON of a
//! `penumbra.custody.threshold.v1` message on one line. They carry no type tag, so the kind is
//! recognised from the JSON object's field names. Hoarfrost's own messages (refresh and repair,
//! `hoarfrost.custody.v1`) are self-describing instead: their JSON is wrapped in an envelope
//! whose only field names the kind (`{"refreshRound1":{...}}`). Decoding checks every field and
//! the sender's ed25519 signature, and names what is wrong when something is. Input is decoded
//! once, at the edge, into an [`AnyMessage`].

mod signing;

pub use signing::{
    CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2, Reply, ReplyBody,
    ReplyProto,
};

use std::fmt;

use ed25519_consensus::{Signature, VerificationKey};
use serde::{de::DeserializeOwned, Serialize};

use crate::dkg::{DkgRound1, DkgRound2};
use crate::excerpt::{bounded, PROBLEM_CHARS};
use crate::keys::participant_fingerprint;
use crate::refresh::{RefreshRound1, RefreshRound2};
use crate::repair::{RepairRequest, RepairRound1, RepairRound2, RepairRound3};

/// Declares every message kind once: the kind (`MessageKind`), its decoded type in
/// [`AnyMessage`], its proto name, its UR type for QR codes, what it is in words and, for a
/// kind whose fields do not name it, the envelope field that does; and the dispatch each codec
/// method needs.
macro_rules! messages {
    ($($variant:ident: $name:literal, $ur:literal, $description:literal $(, envelope $envelope:literal)?;)*) => {
        /// Every message kind a ceremony exchanges.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum MessageKind {
            $($variant,)*
        }

        impl MessageKind {
            pub const ALL: &'static [MessageKind] = &[$(MessageKind::$variant,)*];

            /// The proto message name, as pcli users know it.
            pub fn name(self) -> &'static str {
                match self {
                    $(MessageKind::$variant => $name,)*
                }
            }

            /// What the message is, in words.
            pub fn description(self) -> &'static str {
                match self {
                    $(MessageKind::$variant => $description,)*
                }
            }

            /// The UR type that carries this kind's proto bytes in QR codes.
            pub fn ur_type(self) -> &'static str {
                match self {
                    $(MessageKind::$variant => $ur,)*
                }
            }

            /// The field whose value is this kind's JSON (`{"refreshRound1":{...}}`); None for
            /// pcli's messages, which are recognised by their own fields.
            pub fn envelope(self) -> Option<&'static str> {
                match self {
                    $(MessageKind::$variant => None$(.or(Some($envelope)))?,)*
                }
            }
        }

        /// Any ceremony message, decoded.
        // A ceremony holds a few dozen messages at most: boxing the larger variants would buy
        // nothing.
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug)]
        pub enum AnyMessage {
            $($variant($variant),)*
        }

        impl AnyMessage {
            pub fn kind(&self) -> MessageKind {
                match self {
                    $(AnyMessage::$variant(_) => MessageKind::$variant,)*
                }
            }

            /// The JSON form (pcli's, or hoarfrost's envelope).
            pub fn to_json(&self) -> String {
                match self {
                    $(AnyMessage::$variant(m) => m.to_json(),)*
                }
            }

            /// The proto encoding (about half the size of the JSON).
            pub fn to_bytes(&self) -> Vec<u8> {
                match self {
                    $(AnyMessage::$variant(m) => m.to_bytes(),)*
                }
            }

            /// The sender's ed25519 key, for the kinds whose sender a session needs to name
            /// before an engine has looked at the message.
            pub fn sender_key(&self) -> Option<VerificationKey> {
                match self {
                    $(AnyMessage::$variant(m) => Codec::sender_key(m),)*
                }
            }

            /// Decodes JSON of any kind, checking every field and signature.
            pub fn from_json(text: &str) -> Result<Self, DecodeError> {
                let (kind, value) = recognise(text)?;
                match kind {
                    $(MessageKind::$variant => $variant::from_json_value(value).map(AnyMessage::$variant),)*
                }
            }

            /// Decodes the proto bytes of a message of `kind`.
            pub fn from_bytes(kind: MessageKind, bytes: &[u8]) -> Result<Self, DecodeError> {
                match kind {
                    $(MessageKind::$variant => $variant::from_bytes(bytes).map(AnyMessage::$variant),)*
                }
            }
        }

        $(impl From<$variant> for AnyMessage {
            fn from(m: $variant) -> Self {
                AnyMessage::$variant(m)
            }
        }

        /// The message, if it is of this kind; otherwise the message as it was.
        impl TryFrom<AnyMessage> for $variant {
            type Error = AnyMessage;

            fn try_from(m: AnyMessage) -> Result<Self, AnyMessage> {
                match m {
                    AnyMessage::$variant(m) => Ok(m),
                    other => Err(other),
                }
            }
        })*
    };
}

messages! {
    CoordinatorRound1: "CoordinatorRound1", "pcli-c1", "the coordinator's signing request";
    FollowerRound1: "FollowerRound1", "pcli-f1", "a signer's round-1 commitments";
    CoordinatorRound2: "CoordinatorRound2", "pcli-c2", "the coordinator's round-2 signing package";
    FollowerRound2: "FollowerRound2", "pcli-f2", "a signer's round-2 signature shares";
    DkgRound1: "DKGRound1", "pcli-dkg1", "a key generation round-1 message";
    DkgRound2: "DKGRound2", "pcli-dkg2", "a key generation round-2 message";
    RefreshRound1: "RefreshRound1", "hoarfrost-refresh1", "a refresh round-1 message", envelope "refreshRound1";
    RefreshRound2: "RefreshRound2", "hoarfrost-refresh2", "a refresh round-2 message (encrypted shares)", envelope "refreshRound2";
    RepairRequest: "RepairRequest", "hoarfrost-repair0", "a newcomer's request to join a key", envelope "repairRequest";
    RepairRound1: "RepairRound1", "hoarfrost-repair1", "a repair helper's round-1 message", envelope "repairRound1";
    RepairRound2: "RepairRound2", "hoarfrost-repair2", "a repair helper's round-2 message (encrypted deltas)", envelope "repairRound2";
    RepairRound3: "RepairRound3", "hoarfrost-repair3", "a repair helper's round-3 message (the newcomer's piece)", envelope "repairRound3";
}

impl MessageKind {
    /// The kind a UR type carries, if it is a ceremony message.
    pub fn from_ur_type(ur_type: &str) -> Option<MessageKind> {
        Self::ALL.iter().copied().find(|k| k.ur_type() == ur_type)
    }

    /// The ceremony a kind belongs to, in words.
    pub fn ceremony(self) -> &'static str {
        match self {
            MessageKind::DkgRound1 | MessageKind::DkgRound2 => "key generation",
            MessageKind::RefreshRound1 | MessageKind::RefreshRound2 => "refresh",
            MessageKind::RepairRequest
            | MessageKind::RepairRound1
            | MessageKind::RepairRound2
            | MessageKind::RepairRound3 => "repair",
            _ => "signing ceremony",
        }
    }

    /// Recognises a pcli kind from the top-level field names of a JSON object.
    fn recognise(object: &serde_json::Map<String, serde_json::Value>) -> Option<MessageKind> {
        let has = |k: &str| object.contains_key(k);
        let inner_has = |k: &str| {
            object
                .get("inner")
                .and_then(|v| v.as_object())
                .is_some_and(|o| o.contains_key(k))
        };
        if has("plan") || has("validatorDefinition") || has("validatorVote") {
            Some(MessageKind::CoordinatorRound1)
        } else if has("signingPackages") {
            Some(MessageKind::CoordinatorRound2)
        } else if has("pkg") || has("nullifierCommitment") || has("epk") {
            Some(MessageKind::DkgRound1)
        } else if inner_has("encryptedPackages") || inner_has("nullifier") {
            Some(MessageKind::DkgRound2)
        } else if inner_has("commitments") {
            Some(MessageKind::FollowerRound1)
        } else if inner_has("shares") {
            Some(MessageKind::FollowerRound2)
        } else {
            None
        }
    }

    /// The kind whose envelope an object's only field is, in proto3 JSON's camelCase or the
    /// proto's snake_case.
    fn enveloped(object: &serde_json::Map<String, serde_json::Value>) -> Option<MessageKind> {
        let (field, _) = object.iter().next().filter(|_| object.len() == 1)?;
        let field = snake_to_camel(field);
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.envelope() == Some(field.as_str()))
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

/// The envelope fields, for the refusal of JSON that is no message.
fn envelope_fields() -> String {
    MessageKind::ALL
        .iter()
        .filter_map(|k| k.envelope())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a pasted message was refused. Each names the message and, where known, the field and
/// the participant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("input is empty")]
    Empty,
    #[error("not a ceremony message: a QR code of another kind")]
    UnknownUrType,
    #[error("not a ceremony message: not valid JSON ({0})")]
    NotJson(String),
    #[error(
        "not a ceremony message: a JSON object with none of the fields of a pcli threshold message, nor exactly one of the fields {}", envelope_fields()
    )]
    UnknownKind,
    #[error("expected {expected} ({}), but this is {got} ({})", expected.description(), got.description())]
    WrongKind {
        expected: MessageKind,
        got: MessageKind,
    },
    #[error("{kind}: {field}: {problem}")]
    Field {
        kind: MessageKind,
        field: String,
        problem: String,
    },
    #[error("{kind} from participant {participant}: the ed25519 signature does not verify (tampered or corrupted)")]
    BadSignature {
        kind: MessageKind,
        participant: String,
    },
    /// A dependency panicked while decoding: a check is missing, and the message is refused
    /// rather than the program ended ([`crate::contain`]).
    #[error("{kind}: refused: {problem} while decoding it: the message is malformed")]
    Panicked { kind: MessageKind, problem: String },
}

pub(crate) fn field_error(
    kind: MessageKind,
    field: impl Into<String>,
    problem: impl fmt::Display,
) -> DecodeError {
    DecodeError::Field {
        kind,
        field: bounded(&field.into(), PROBLEM_CHARS),
        problem: bounded(&problem.to_string(), PROBLEM_CHARS),
    }
}

/// Runs a decoder of `kind`: a panic inside it (a dependency's `expect` that the checks did not
/// keep out) refuses the message instead of ending the program.
fn contained<M>(
    kind: MessageKind,
    decode: impl FnOnce() -> Result<M, DecodeError>,
) -> Result<M, DecodeError> {
    crate::contain::contain(decode).unwrap_or_else(|caught| {
        Err(DecodeError::Panicked {
            kind,
            problem: caught.to_string(),
        })
    })
}

/// Serializes a proto message as pcli does: compact canonical proto3 JSON on one line.
pub fn to_json<P: Serialize>(proto: &P) -> String {
    serde_json::to_string(proto).expect("proto messages always serialize to JSON")
}

/// Recognises which kind of message some JSON text is, without decoding it fully. Returns the
/// kind and its JSON: the object itself for pcli's kinds, the envelope's content for others.
pub fn recognise(text: &str) -> Result<(MessageKind, serde_json::Value), DecodeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DecodeError::Empty);
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| DecodeError::NotJson(bounded(&e.to_string(), PROBLEM_CHARS)))?;
    let object = value.as_object().ok_or(DecodeError::UnknownKind)?;
    if let Some(kind) = MessageKind::enveloped(object) {
        let content = object.values().next().cloned().unwrap_or_default();
        return Ok((kind, content));
    }
    let kind = MessageKind::recognise(object).ok_or(DecodeError::UnknownKind)?;
    Ok((kind, value))
}

/// One message kind's encodings: its proto (the bytes of UR codes, what signatures cover) and
/// the proto3 JSON of that proto (what people paste), in its kind's envelope if it has one.
/// Decoding checks every field.
pub trait Codec: Sized {
    const KIND: MessageKind;
    type Proto: prost::Message + Default + Serialize + DeserializeOwned;

    fn to_proto(&self) -> Self::Proto;
    fn from_proto(proto: Self::Proto) -> Result<Self, DecodeError>;

    /// The sender's ed25519 key, where a session needs it before the engine (hoarfrost's own
    /// messages, to name who sent a message that is not for this participant).
    fn sender_key(&self) -> Option<VerificationKey> {
        None
    }

    fn to_json(&self) -> String {
        let json = to_json(&self.to_proto());
        match Self::KIND.envelope() {
            Some(field) => format!("{{\"{field}\":{json}}}"),
            None => json,
        }
    }

    fn from_json(text: &str) -> Result<Self, DecodeError> {
        let (got, value) = recognise(text)?;
        if got != Self::KIND {
            return Err(DecodeError::WrongKind {
                expected: Self::KIND,
                got,
            });
        }
        Self::from_json_value(value)
    }

    /// Decodes JSON already recognised as this kind (the envelope's content, if it has one).
    /// A panic inside is a refusal.
    fn from_json_value(value: serde_json::Value) -> Result<Self, DecodeError> {
        contained(Self::KIND, || {
            let proto =
                serde_json::from_value(value).map_err(|e| field_error(Self::KIND, "JSON", e))?;
            Self::from_proto(proto)
        })
    }

    fn to_bytes(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&self.to_proto())
    }

    /// Decodes proto bytes. A panic inside is a refusal.
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        contained(Self::KIND, || {
            let proto = <Self::Proto as prost::Message>::decode(bytes)
                .map_err(|e| field_error(Self::KIND, "proto", e))?;
            Self::from_proto(proto)
        })
    }
}

impl AnyMessage {
    /// Decodes a UR payload: the UR type names the kind, the bytes are its proto.
    pub fn from_ur(ur_type: &str, bytes: &[u8]) -> Result<Self, DecodeError> {
        let kind = MessageKind::from_ur_type(ur_type).ok_or(DecodeError::UnknownUrType)?;
        Self::from_bytes(kind, bytes)
    }
}

/// Decodes a fixed-size byte field.
pub(crate) fn fixed<const N: usize>(
    kind: MessageKind,
    name: &str,
    bytes: &[u8],
) -> Result<[u8; N], DecodeError> {
    bytes.try_into().map_err(|_| {
        field_error(
            kind,
            name,
            format!("expected {N} bytes, got {}", bytes.len()),
        )
    })
}

/// Decodes each item of the repeated field `field`, naming it `field[i]`.
pub(crate) fn decode_each<T, U>(
    field: &str,
    items: impl IntoIterator<Item = T>,
    decode: impl Fn(&str, T) -> Result<U, DecodeError>,
) -> Result<Vec<U>, DecodeError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| decode(&format!("{field}[{i}]"), item))
        .collect()
}

pub(crate) fn decode_vk(
    kind: MessageKind,
    name: &str,
    bytes: &[u8],
) -> Result<VerificationKey, DecodeError> {
    let bytes: [u8; 32] = fixed(kind, name, bytes)?;
    VerificationKey::try_from(bytes)
        .map_err(|_| field_error(kind, name, "not a valid ed25519 verification key"))
}

/// Checks that the sender signed the proto encoding of the message's inner part.
pub(crate) fn check_signed(
    kind: MessageKind,
    pk: &VerificationKey,
    sig: &Signature,
    inner: &impl prost::Message,
) -> Result<(), DecodeError> {
    pk.verify(sig, &inner.encode_to_vec())
        .map_err(|_| DecodeError::BadSignature {
            kind,
            participant: participant_fingerprint(pk),
        })
}

pub(crate) fn decode_sig(
    kind: MessageKind,
    name: &str,
    bytes: &[u8],
) -> Result<Signature, DecodeError> {
    fixed(kind, name, bytes).map(Signature::from)
}

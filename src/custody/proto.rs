//! The wire messages of refresh and repair: hoarfrost's own protobuf package
//! `hoarfrost.custody.v1`, as prost structs, with proto3 JSON in pcli's style (compact, camelCase
//! field names, bytes as standard padded base64, 64-bit integers as strings, default values
//! left out).
//!
//! ```proto
//! syntax = "proto3";
//! package hoarfrost.custody.v1;
//!
//! // Which key, and which state of it, a message is about.
//! message GroupRef {
//!   bytes digest = 1;       // 32 bytes: BLAKE2b-256 ("hoarfrost-group1") of the group description
//!   uint32 generation = 2;  // 0 for a fresh key; each refresh adds one
//!   uint64 refreshed = 3;   // unix seconds of the refresh that made this generation; 0 for 0
//! }
//!
//! // A secret for one recipient, encrypted to its round-1 decaf377-ka key as pcli's DKG round 2
//! // encrypts shares: epk (32) || tag (16) || ciphertext of a 32-byte scalar.
//! message TargetedCiphertext {
//!   bytes vk = 1;           // the recipient's ed25519 key
//!   bytes ciphertext = 2;   // 80 bytes
//! }
//!
//! // Every signed message: `sig` is the sender's ed25519 signature over
//! // "hoarfrost.custody.v1.<MessageName>" || 0x00 || the proto encoding of `inner`.
//!
//! message RefreshSession {
//!   bytes id = 1;                // 32 random bytes chosen by the member who starts the refresh
//!   GroupRef group = 2;          // the key as it is before the refresh
//!   repeated bytes members = 3;  // ed25519 keys (ascending) of the members who take part and stay
//!   uint64 started = 4;          // unix seconds: the refresh's date, recorded in the new key files
//! }
//!
//! message RefreshRound1 {
//!   message Inner {
//!     RefreshSession session = 1;
//!     repeated bytes commitment = 2;  // t-1 decaf377 elements: commitments to the coefficients
//!                                     // 1..t-1 of the sender's polynomial (its constant is zero)
//!     bytes epk = 3;                  // a fresh decaf377-ka key; round 2 encrypts to it
//!   }
//!   Inner inner = 1;
//!   bytes vk = 2;                     // the sender's participant key (ed25519)
//!   bytes sig = 3;
//! }
//!
//! message RefreshRound2 {
//!   message Inner {
//!     bytes session = 1;                       // the session id
//!     bytes transcript = 2;                    // 32 bytes: digest of all round-1 messages seen
//!     repeated TargetedCiphertext shares = 3;  // each other member's refresh share
//!   }
//!   Inner inner = 1;
//!   bytes vk = 2;
//!   bytes sig = 3;
//! }
//!
//! // A newcomer asks to join: its new ed25519 key (vk) and where to send its share's pieces.
//! message RepairRequest {
//!   message Inner {
//!     GroupRef group = 1;  // the key it is to join
//!     bytes epk = 2;       // a fresh decaf377-ka key; round 3 encrypts to it
//!   }
//!   Inner inner = 1;
//!   bytes vk = 2;          // the newcomer's new participant key
//!   bytes sig = 3;
//! }
//!
//! message RepairSession {
//!   bytes id = 1;                // 32 random bytes chosen by the helper who starts the repair
//!   RepairRequest newcomer = 2;  // the newcomer's request, as it signed it
//!   repeated bytes helpers = 3;  // ed25519 keys (ascending) of the helpers: at least t members
//! }
//!
//! message RepairRound1 {
//!   message Inner {
//!     RepairSession session = 1;
//!     bytes epk = 2;             // a fresh decaf377-ka key; round 2 encrypts deltas to it
//!   }
//!   Inner inner = 1;
//!   bytes vk = 2;
//!   bytes sig = 3;
//! }
//!
//! message RepairRound2 {
//!   message Inner {
//!     bytes session = 1;
//!     bytes transcript = 2;                    // digest of all round-1 messages seen
//!     repeated bytes commitments = 3;          // delta_j * G for every helper j, in session order
//!     repeated TargetedCiphertext deltas = 4;  // each other helper's delta
//!   }
//!   Inner inner = 1;
//!   bytes vk = 2;
//!   bytes sig = 3;
//! }
//!
//! message RepairRound3 {
//!   message Inner {
//!     bytes session = 1;
//!     bytes transcript = 2;  // digest of all round-2 messages seen
//!     bytes sigma = 3;       // the sender's sigma, encrypted to the newcomer: 80 bytes
//!   }
//!   Inner inner = 1;
//!   bytes vk = 2;
//!   bytes sig = 3;
//! }
//!
//! // One message of either ceremony, as pasted: exactly one field is set, so the JSON names
//! // its kind ({"refreshRound1": {...}}). Only the JSON form uses it: QR codes carry the
//! // message itself under the kind's UR type (`hoarfrost-refresh1` ...), and the envelope's
//! // JSON is written and read by the one codec (`crate::messages`).
//! message CustodyMessage {
//!   oneof message {
//!     RefreshRound1 refresh_round1 = 1;
//!     RefreshRound2 refresh_round2 = 2;
//!     RepairRequest repair_request = 3;
//!     RepairRound1 repair_round1 = 4;
//!     RepairRound2 repair_round2 = 5;
//!     RepairRound3 repair_round3 = 6;
//!   }
//! }
//! ```

use serde::{Deserialize, Serialize};

/// Serde for proto3 JSON bytes: standard padded base64 out; standard or URL-safe, padded or
/// not, in (as pbjson reads them).
mod base64_bytes {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
    use base64::engine::DecodePaddingMode;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    const LENIENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STANDARD_IN: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    const URL_SAFE_IN: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

    pub fn encode(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    pub fn decode<E: serde::de::Error>(text: &str) -> Result<Vec<u8>, E> {
        STANDARD_IN
            .decode(text)
            .or_else(|_| URL_SAFE_IN.decode(text))
            .map_err(|e| E::custom(format!("not base64: {e}")))
    }

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        decode(&String::deserialize(d)?)
    }

    pub mod repeated {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(items: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(items.iter().map(|b| super::encode(b)))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
            Vec::<String>::deserialize(d)?
                .iter()
                .map(|t| super::decode(t))
                .collect()
        }
    }
}

/// Serde for proto3 JSON 64-bit integers: a decimal string out; a string or a number in.
mod u64_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(u64),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match Either::deserialize(d)? {
            Either::Number(n) => Ok(n),
            Either::Text(t) => t
                .parse()
                .map_err(|_| serde::de::Error::custom("not an unsigned 64-bit integer")),
        }
    }
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

/// Declares a proto message: a prost struct with proto3 JSON in pcli's style, from one line
/// per field (`name: kind = "tag"`). Kinds: `bytes`, `repeated_bytes`, `u32`, `u64`,
/// `message(T)` (optional), `messages(T)` (repeated).
macro_rules! proto {
    ($(#[$meta:meta])* $name:ident { $($fields:tt)* }) => {
        proto!(@fields [$(#[$meta])* $name] [] $($fields)*);
    };
    // Each kind: its Rust type, its prost encoding, and its serde (what JSON leaves out as
    // the default value, and how it writes the rest).
    (@fields $head:tt $done:tt $field:ident: bytes = $tag:literal, $($rest:tt)*) => {
        proto!(@field $head $done $field: Vec<u8> = $tag, [bytes = "vec"]
            [with = "base64_bytes", skip_serializing_if = "Vec::is_empty"] $($rest)*);
    };
    (@fields $head:tt $done:tt $field:ident: repeated_bytes = $tag:literal, $($rest:tt)*) => {
        proto!(@field $head $done $field: Vec<Vec<u8>> = $tag, [bytes = "vec", repeated]
            [with = "base64_bytes::repeated", skip_serializing_if = "Vec::is_empty"] $($rest)*);
    };
    (@fields $head:tt $done:tt $field:ident: u32 = $tag:literal, $($rest:tt)*) => {
        proto!(@field $head $done $field: u32 = $tag, [uint32]
            [skip_serializing_if = "is_zero_u32"] $($rest)*);
    };
    (@fields $head:tt $done:tt $field:ident: u64 = $tag:literal, $($rest:tt)*) => {
        proto!(@field $head $done $field: u64 = $tag, [uint64]
            [with = "u64_string", skip_serializing_if = "is_zero_u64"] $($rest)*);
    };
    (@fields $head:tt $done:tt $field:ident: message($ty:ty) = $tag:literal, $($rest:tt)*) => {
        proto!(@field $head $done $field: Option<$ty> = $tag, [message, optional]
            [skip_serializing_if = "Option::is_none"] $($rest)*);
    };
    (@fields $head:tt $done:tt $field:ident: messages($ty:ty) = $tag:literal, $($rest:tt)*) => {
        proto!(@field $head $done $field: Vec<$ty> = $tag, [message, repeated]
            [skip_serializing_if = "Vec::is_empty"] $($rest)*);
    };
    // One field, its kind spelled out: added to those done, then on to the rest.
    (@field $head:tt [$($done:tt)*] $field:ident: $ty:ty = $tag:literal,
        [$($prost:tt)*] [$($serde:tt)*] $($rest:tt)*) => {
        proto!(@fields $head [$($done)*
            #[prost($($prost)*, tag = $tag)]
            #[serde($($serde)*)]
            pub $field: $ty,
        ] $($rest)*);
    };
    (@fields [$(#[$meta:meta])* $name:ident] [$($done:tt)*]) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields, default)]
        pub struct $name {
            $($done)*
        }
    };
}

proto!(GroupRef {
    digest: bytes = "1",
    generation: u32 = "2",
    refreshed: u64 = "3",
});

proto!(TargetedCiphertext {
    vk: bytes = "1",
    ciphertext: bytes = "2",
});

proto!(RefreshSession {
    id: bytes = "1",
    group: message(GroupRef) = "2",
    members: repeated_bytes = "3",
    started: u64 = "4",
});

proto!(RepairSession {
    id: bytes = "1",
    newcomer: message(RepairRequest) = "2",
    helpers: repeated_bytes = "3",
});

/// Defines a signed message `{ Inner inner = 1; bytes vk = 2; bytes sig = 3; }` with its
/// nested `Inner` in a module of its own, as prost lays nested messages out. Its kind in the
/// message table bears its name.
macro_rules! signed_message {
    ($name:ident, $module:ident, { $($inner:tt)* }) => {
        pub mod $module {
            use super::*;

            proto!(Inner { $($inner)* });
        }

        proto!($name {
            inner: message($module::Inner) = "1",
            vk: bytes = "2",
            sig: bytes = "3",
        });

        impl super::codec::SignedProto for $name {
            const KIND: crate::messages::MessageKind = crate::messages::MessageKind::$name;
            type Inner = $module::Inner;

            fn into_parts(self) -> (Option<Self::Inner>, Vec<u8>, Vec<u8>) {
                (self.inner, self.vk, self.sig)
            }

            fn from_parts(inner: Self::Inner, vk: Vec<u8>, sig: Vec<u8>) -> Self {
                Self { inner: Some(inner), vk, sig }
            }
        }
    };
}

signed_message!(RefreshRound1, refresh_round1, {
    session: message(RefreshSession) = "1",
    commitment: repeated_bytes = "2",
    epk: bytes = "3",
});

signed_message!(RefreshRound2, refresh_round2, {
    session: bytes = "1",
    transcript: bytes = "2",
    shares: messages(TargetedCiphertext) = "3",
});

signed_message!(RepairRequest, repair_request, {
    group: message(GroupRef) = "1",
    epk: bytes = "2",
});

signed_message!(RepairRound1, repair_round1, {
    session: message(RepairSession) = "1",
    epk: bytes = "2",
});

signed_message!(RepairRound2, repair_round2, {
    session: bytes = "1",
    transcript: bytes = "2",
    commitments: repeated_bytes = "3",
    deltas: messages(TargetedCiphertext) = "4",
});

signed_message!(RepairRound3, repair_round3, {
    session: bytes = "1",
    transcript: bytes = "2",
    sigma: bytes = "3",
});

/// The inner messages after round 1, whose fields 1 and 2 link them to their session and to the
/// round before ([`super::RoundLink`]).
macro_rules! linked {
    ($($module:ident),*) => {
        $(impl super::codec::LinkedInner for $module::Inner {
            fn link(&self) -> (&[u8], &[u8]) {
                (&self.session, &self.transcript)
            }

            fn linked(session: Vec<u8>, transcript: Vec<u8>) -> Self {
                Self { session, transcript, ..Default::default() }
            }
        })*
    };
}

linked!(refresh_round2, repair_round2, repair_round3);

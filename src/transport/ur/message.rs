//! A UR's message: a CBOR data item of a UR type. One payload is a CBOR byte string; a bundle
//! (type `hoarfrost-bundle`) is a CBOR array of [ur-type text, byte string] pairs.

use super::cbor::{self, Reader};
use super::{Payload, BUNDLE_TYPE, MAX_MESSAGE_BYTES};

/// The longest UR type accepted: types are short names.
pub const MAX_TYPE_LEN: usize = 64;

/// Whether `ur_type` is a UR type: 1 to 64 of lowercase letters, digits and hyphens.
pub fn is_ur_type(ur_type: &str) -> bool {
    (1..=MAX_TYPE_LEN).contains(&ur_type.len())
        && ur_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_type(ur_type: &str) -> Result<(), String> {
    if is_ur_type(ur_type) {
        Ok(())
    } else {
        Err(format!(
            "{:?} is not a UR type (1 to {MAX_TYPE_LEN} lowercase letters, digits and hyphens)",
            shorten(ur_type)
        ))
    }
}

/// At most 24 characters of untrusted text, for an error message.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(24) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// A UR's type and its message, ready to be cut into parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrMessage {
    ur_type: String,
    cbor: Vec<u8>,
}

impl UrMessage {
    /// One payload: its bytes as a CBOR byte string.
    pub fn single(payload: &Payload) -> Result<Self, String> {
        check_type(&payload.ur_type)?;
        if payload.ur_type == BUNDLE_TYPE {
            return Err("a single payload cannot have the bundle type".into());
        }
        let mut cbor = Vec::with_capacity(payload.bytes.len() + 9);
        cbor::write_bytes(&mut cbor, &payload.bytes);
        Self::checked(payload.ur_type.clone(), cbor)
    }

    /// Several payloads in one message: [[type, bytes], ...].
    pub fn bundle(payloads: &[Payload]) -> Result<Self, String> {
        let mut cbor = Vec::new();
        cbor::write_array(&mut cbor, payloads.len());
        for payload in payloads {
            check_type(&payload.ur_type)?;
            if payload.ur_type == BUNDLE_TYPE {
                return Err("a bundle cannot hold a bundle".into());
            }
            cbor::write_array(&mut cbor, 2);
            cbor::write_text(&mut cbor, &payload.ur_type);
            cbor::write_bytes(&mut cbor, &payload.bytes);
        }
        Self::checked(BUNDLE_TYPE.to_string(), cbor)
    }

    fn checked(ur_type: String, cbor: Vec<u8>) -> Result<Self, String> {
        if cbor.len() > MAX_MESSAGE_BYTES {
            return Err(format!(
                "the message is {} bytes, more than the {MAX_MESSAGE_BYTES} a UR carries here: send it as text",
                cbor.len()
            ));
        }
        Ok(Self { ur_type, cbor })
    }

    pub fn ur_type(&self) -> &str {
        &self.ur_type
    }

    pub fn cbor(&self) -> &[u8] {
        &self.cbor
    }

    /// The message's CBOR length, which the parts carry.
    pub fn len(&self) -> usize {
        self.cbor.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cbor.is_empty()
    }

    /// The payloads of a received message of type `ur_type`, each of a type `accepts` takes.
    pub fn payloads(
        ur_type: &str,
        cbor: &[u8],
        accepts: impl Fn(&str) -> bool,
    ) -> Result<Vec<Payload>, String> {
        let mut r = Reader::new(cbor);
        let mut payloads = Vec::new();
        if ur_type == BUNDLE_TYPE {
            let entries = r
                .array()
                .map_err(|e| format!("the bundle is malformed: {e}"))?;
            for entry in 1..=entries {
                let bad = |e: String| format!("bundle entry {entry} is malformed: {e}");
                if r.array().map_err(bad)? != 2 {
                    return Err(bad("it is not a [type, bytes] pair".into()));
                }
                let inner = r.text().map_err(bad)?;
                if !accepts(inner) || inner == BUNDLE_TYPE {
                    return Err(format!(
                        "bundle entry {entry} has the UR type {:?}, which is not taken here",
                        shorten(inner)
                    ));
                }
                let bytes = r.bytes().map_err(bad)?;
                payloads.push(Payload::new(inner, bytes));
            }
        } else {
            let bytes = r
                .bytes()
                .map_err(|e| format!("the {ur_type} message is not a CBOR byte string: {e}"))?;
            payloads.push(Payload::new(ur_type, bytes));
        }
        r.finish()
            .map_err(|e| format!("the {ur_type} message is malformed: {e}"))?;
        Ok(payloads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &str) -> bool {
        true
    }

    #[test]
    fn single_payloads_and_bundles_round_trip() {
        let a = Payload::new("pcli-c1", &[1, 2, 3]);
        let m = UrMessage::single(&a).unwrap();
        assert_eq!(m.cbor(), &[0x43, 1, 2, 3]);
        assert_eq!(
            UrMessage::payloads("pcli-c1", m.cbor(), any).unwrap(),
            vec![a.clone()]
        );
        let b = Payload::new("pcli-dkg1", &[9; 30]);
        let bundle = UrMessage::bundle(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(bundle.ur_type(), BUNDLE_TYPE);
        assert_eq!(
            UrMessage::payloads(BUNDLE_TYPE, bundle.cbor(), any).unwrap(),
            vec![a, b]
        );
    }

    #[test]
    fn bad_types_sizes_and_shapes_are_refused() {
        assert!(UrMessage::single(&Payload::new("Pcli", &[1])).is_err());
        assert!(UrMessage::single(&Payload::new("", &[1])).is_err());
        assert!(UrMessage::single(&Payload::new(BUNDLE_TYPE, &[1])).is_err());
        let big = Payload::new("bytes", &vec![0; MAX_MESSAGE_BYTES]);
        assert!(UrMessage::single(&big)
            .unwrap_err()
            .contains("send it as text"));
        let nested = Payload::new(BUNDLE_TYPE, &[]);
        assert!(UrMessage::bundle(&[nested]).is_err());
        // Received messages: trailing bytes, the wrong item, an entry of a refused type.
        let e = UrMessage::payloads("pcli-c1", &[0x41, 1, 0], any).unwrap_err();
        assert!(e.contains("1 bytes after"), "{e}");
        let e = UrMessage::payloads("pcli-c1", &[0x01], any).unwrap_err();
        assert!(e.contains("not a CBOR byte string"), "{e}");
        let bundle = UrMessage::bundle(&[Payload::new("crypto-psbt", &[1])]).unwrap();
        let e =
            UrMessage::payloads(BUNDLE_TYPE, bundle.cbor(), |t| t.starts_with("pcli")).unwrap_err();
        assert!(e.contains("entry 1") && e.contains("crypto-psbt"), "{e}");
        let e = UrMessage::payloads(BUNDLE_TYPE, &[0x81, 0x41, 0], any).unwrap_err();
        assert!(e.contains("entry 1 is malformed"), "{e}");
    }
}

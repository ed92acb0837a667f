//! One fountain part's body: the CBOR array [seq, fragment count, message length, checksum,
//! fragment], and the bounds every part must meet before any decoder sees it.

use super::cbor::{self, Reader};
use super::{MAX_FRAGMENTS, MAX_MESSAGE_BYTES};

/// A part whose fields have been checked against the bounds and against each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// 1-based; parts beyond `count` are mixes.
    pub seq: u32,
    pub count: usize,
    pub message_len: usize,
    pub checksum: u32,
    pub fragment: Vec<u8>,
}

/// The shape of a message, which every part of it must repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub count: usize,
    pub message_len: usize,
    pub fragment_len: usize,
    pub checksum: u32,
}

impl Part {
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.fragment.len() + 24);
        cbor::write_array(&mut out, 5);
        cbor::write_uint(&mut out, u64::from(self.seq));
        cbor::write_uint(&mut out, self.count as u64);
        cbor::write_uint(&mut out, self.message_len as u64);
        cbor::write_uint(&mut out, u64::from(self.checksum));
        cbor::write_bytes(&mut out, &self.fragment);
        out
    }

    /// Reads and bounds-checks a part's CBOR.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, String> {
        let mut r = Reader::new(bytes);
        if r.array()? != 5 {
            return Err("its CBOR is not the 5 fields of a part".into());
        }
        let seq = r.uint()?;
        let count = r.uint()?;
        let message_len = r.uint()?;
        let checksum = r.uint()?;
        let fragment = r.bytes()?;
        r.finish()?;
        let count = check_count(count)?;
        let seq = check_seq(seq)?;
        let message_len = usize::try_from(message_len)
            .ok()
            .filter(|len| (1..=MAX_MESSAGE_BYTES).contains(len))
            .ok_or_else(|| {
                format!(
                    "it claims a message of {message_len} bytes; a message has 1 to {MAX_MESSAGE_BYTES}"
                )
            })?;
        let checksum = u32::try_from(checksum)
            .map_err(|_| "its checksum is wider than 32 bits".to_string())?;
        // The message is cut into `count` fragments of one length, the last one padded.
        let fragment_len = fragment.len();
        if fragment_len == 0
            || fragment_len > message_len
            || message_len.div_ceil(fragment_len) != count
        {
            return Err(format!(
                "its fragment of {fragment_len} bytes does not cut a {message_len}-byte message into {count} parts"
            ));
        }
        Ok(Self {
            seq,
            count,
            message_len,
            checksum,
            fragment: fragment.to_vec(),
        })
    }

    pub fn shape(&self) -> Shape {
        Shape {
            count: self.count,
            message_len: self.message_len,
            fragment_len: self.fragment.len(),
            checksum: self.checksum,
        }
    }
}

/// A sequence number: 1 to 2^32 - 1 (it seeds the fragment choice as a u32).
pub fn check_seq(seq: u64) -> Result<u32, String> {
    u32::try_from(seq).ok().filter(|s| *s >= 1).ok_or_else(|| {
        format!(
            "its sequence number {seq} is not between 1 and {}",
            u32::MAX
        )
    })
}

/// A fragment count: 1 to MAX_FRAGMENTS.
pub fn check_count(count: u64) -> Result<usize, String> {
    usize::try_from(count)
        .ok()
        .filter(|c| (1..=MAX_FRAGMENTS).contains(c))
        .ok_or_else(|| format!("it claims {count} parts; a message has 1 to {MAX_FRAGMENTS}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(seq: u32, count: usize, message_len: usize, fragment: usize) -> Part {
        Part {
            seq,
            count,
            message_len,
            checksum: 0xdead_beef,
            fragment: vec![1; fragment],
        }
    }

    #[test]
    fn parts_round_trip() {
        let p = part(7, 3, 25, 9);
        assert_eq!(Part::from_cbor(&p.to_cbor()).unwrap(), p);
    }

    #[test]
    fn out_of_bounds_parts_are_refused() {
        let refused = |p: Part| Part::from_cbor(&p.to_cbor()).unwrap_err();
        assert!(refused(part(0, 3, 25, 9)).contains("sequence number 0"));
        assert!(refused(part(1, MAX_FRAGMENTS + 1, MAX_MESSAGE_BYTES, 256))
            .contains("claims 4097 parts"));
        assert!(refused(part(1, 1, MAX_MESSAGE_BYTES + 1, 9)).contains("1048577 bytes"));
        assert!(refused(part(1, 3, 25, 8)).contains("does not cut"));
        assert!(refused(part(1, 1, 5, 9)).contains("does not cut"));
        assert!(refused(part(1, 1, 5, 0)).contains("does not cut"));
        // Fields wider than their bounds, written by hand.
        let mut wide = Vec::new();
        cbor::write_array(&mut wide, 5);
        cbor::write_uint(&mut wide, u64::from(u32::MAX) + 1);
        for v in [1u64, 5, 0] {
            cbor::write_uint(&mut wide, v);
        }
        cbor::write_bytes(&mut wide, &[1; 5]);
        assert!(Part::from_cbor(&wide)
            .unwrap_err()
            .contains("sequence number 4294967296"));
        let mut short = Vec::new();
        cbor::write_array(&mut short, 4);
        for v in [1u64, 1, 5, 0] {
            cbor::write_uint(&mut short, v);
        }
        assert!(Part::from_cbor(&short).unwrap_err().contains("5 fields"));
    }
}

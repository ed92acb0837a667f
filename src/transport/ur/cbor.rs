//! The little CBOR (RFC 8949) URs need: unsigned integers, byte and text strings and arrays of
//! definite length. Written in the shortest form, as the reference encoder writes them; read
//! strictly, never trusting a claimed length beyond the bytes at hand.

const UNSIGNED: u8 = 0;
const BYTES: u8 = 2;
const TEXT: u8 = 3;
const ARRAY: u8 = 4;

/// Appends the head of a data item: major type and argument, in the shortest form.
pub fn write_head(out: &mut Vec<u8>, major: u8, value: u64) {
    let major = major << 5;
    match value {
        0..=23 => out.push(major | value as u8),
        24..=0xff => out.extend([major | 24, value as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend((value as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend((value as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend(value.to_be_bytes());
        }
    }
}

pub fn write_uint(out: &mut Vec<u8>, value: u64) {
    write_head(out, UNSIGNED, value);
}

pub fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_head(out, BYTES, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub fn write_text(out: &mut Vec<u8>, text: &str) {
    write_head(out, TEXT, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

pub fn write_array(out: &mut Vec<u8>, len: usize) {
    write_head(out, ARRAY, len as u64);
}

/// Reads data items one after another from a byte slice.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn kind_name(major: u8) -> &'static str {
    match major {
        UNSIGNED => "an unsigned integer",
        1 => "a negative integer",
        BYTES => "a byte string",
        TEXT => "a text string",
        ARRAY => "an array",
        5 => "a map",
        6 => "a tag",
        _ => "a simple value or float",
    }
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len())
            .ok_or("its CBOR ends too soon")?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    /// The head of the next item, which must be of major type `major`: its argument.
    fn head(&mut self, major: u8) -> Result<u64, String> {
        let first = self.take(1)?[0];
        if first >> 5 != major {
            return Err(format!(
                "its CBOR has {} where {} belongs",
                kind_name(first >> 5),
                kind_name(major)
            ));
        }
        let width = match first & 0x1f {
            v @ 0..=23 => return Ok(u64::from(v)),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => return Err("its CBOR has an indefinite or reserved length".into()),
        };
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    pub fn uint(&mut self) -> Result<u64, String> {
        self.head(UNSIGNED)
    }

    fn length(&mut self, major: u8) -> Result<usize, String> {
        let len = self.head(major)?;
        // A string cannot be longer than the bytes left; an array needs a byte per element.
        usize::try_from(len)
            .ok()
            .filter(|len| *len <= self.bytes.len() - self.at)
            .ok_or_else(|| format!("its CBOR claims {len} items or bytes, more than it holds"))
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = self.length(BYTES)?;
        self.take(len)
    }

    pub fn text(&mut self) -> Result<&'a str, String> {
        let len = self.length(TEXT)?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "its CBOR text is not UTF-8".into())
    }

    pub fn array(&mut self) -> Result<usize, String> {
        self.length(ARRAY)
    }

    /// Every byte must belong to the one data item read.
    pub fn finish(self) -> Result<(), String> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(format!(
                "its CBOR has {} bytes after the data item",
                self.bytes.len() - self.at
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_take_the_shortest_form() {
        for (value, len) in [
            (0u64, 1),
            (23, 1),
            (24, 2),
            (255, 2),
            (256, 3),
            (65_535, 3),
            (65_536, 5),
            (u64::from(u32::MAX), 5),
            (u64::from(u32::MAX) + 1, 9),
            (u64::MAX, 9),
        ] {
            let mut out = Vec::new();
            write_uint(&mut out, value);
            assert_eq!(out.len(), len, "{value}");
            let mut r = Reader::new(&out);
            assert_eq!(r.uint().unwrap(), value);
            r.finish().unwrap();
        }
    }

    #[test]
    fn strings_and_arrays_round_trip() {
        let mut out = Vec::new();
        write_array(&mut out, 2);
        write_text(&mut out, "pcli-c1");
        write_bytes(&mut out, &[7; 300]);
        let mut r = Reader::new(&out);
        assert_eq!(r.array().unwrap(), 2);
        assert_eq!(r.text().unwrap(), "pcli-c1");
        assert_eq!(r.bytes().unwrap(), &[7; 300][..]);
        r.finish().unwrap();
    }

    #[test]
    fn malformed_cbor_is_refused() {
        // A byte string claiming 2^64-1 bytes, an array claiming 4 billion items.
        let huge = [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1];
        assert!(Reader::new(&huge)
            .bytes()
            .unwrap_err()
            .contains("more than it holds"));
        let many = [0x9a, 0xff, 0xff, 0xff, 0xff];
        assert!(Reader::new(&many).array().is_err());
        // Indefinite length, a truncated integer, the wrong type, bytes left over.
        assert!(Reader::new(&[0x5f])
            .bytes()
            .unwrap_err()
            .contains("indefinite"));
        assert!(Reader::new(&[0x1a, 1, 2])
            .uint()
            .unwrap_err()
            .contains("too soon"));
        assert!(Reader::new(&[0x40])
            .uint()
            .unwrap_err()
            .contains("byte string"));
        assert!(Reader::new(&[0x61, 0xff])
            .text()
            .unwrap_err()
            .contains("UTF-8"));
        let mut r = Reader::new(&[0x01, 0x02]);
        r.uint().unwrap();
        assert!(r.finish().unwrap_err().contains("1 bytes after"));
        assert!(Reader::new(&[]).uint().is_err());
    }
}

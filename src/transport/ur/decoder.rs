//! The fountain decoder: Gaussian elimination over GF(2). Each part is a row: the set of
//! fragments it mixes, and their XOR. Rows are kept in reduced row echelon form, so the message
//! is rebuilt as soon as the parts received have full rank, whatever their degrees (a peeling
//! decoder waits until mixes reduce to single fragments, and needs many more parts).
//!
//! Work per part, for n fragments of l bytes: choosing its fragments O(n + d log n), then at most
//! 2n row operations of n/64 words and l bytes each. Memory: at most n rows of n/8 + l bytes.

use super::fountain::{xor_into, Chooser};
use super::part::Shape;

const NO_ROW: u32 = u32::MAX;

struct Row {
    /// The fragments mixed, one bit each: this row's pivot, and only fragments no row pivots.
    mixed: Vec<u64>,
    data: Vec<u8>,
}

/// What a part did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It told something new: the rank grew.
    Added,
    /// It follows from the parts already received.
    Redundant,
    /// The message, rebuilt and checked against its checksum.
    Complete(Vec<u8>),
}

pub struct Decoder {
    shape: Shape,
    chooser: Chooser,
    words: usize,
    rows: Vec<Row>,
    /// For each fragment, the row whose pivot it is, or NO_ROW.
    pivot_row: Vec<u32>,
    chosen: Vec<usize>,
}

fn has(bits: &[u64], i: usize) -> bool {
    bits[i / 64] >> (i % 64) & 1 == 1
}

impl Decoder {
    pub fn new(shape: Shape) -> Self {
        Self {
            chooser: Chooser::new(shape.count, shape.checksum),
            words: shape.count.div_ceil(64),
            rows: Vec::new(),
            pivot_row: vec![NO_ROW; shape.count],
            chosen: Vec::new(),
            shape,
        }
    }

    /// Independent parts received; the message is rebuilt when this reaches the fragment count.
    pub fn rank(&self) -> usize {
        self.rows.len()
    }

    /// Takes part `seq`, whose fragment has the shape's length. An error means the part
    /// contradicts the parts received, or (at the end) the rebuilt message fails its checksum.
    pub fn receive(&mut self, seq: u32, fragment: &[u8]) -> Result<Outcome, String> {
        debug_assert_eq!(fragment.len(), self.shape.fragment_len);
        self.chooser.choose(seq, &mut self.chosen);
        let mut mixed = vec![0u64; self.words];
        for &i in &self.chosen {
            mixed[i / 64] |= 1u64 << (i % 64);
        }
        let mut data = fragment.to_vec();
        // Rows hold no other row's pivot, so reducing by one row never changes which pivots the
        // new row holds: one pass over the fragments it mixes reduces it fully.
        for &i in &self.chosen {
            let row = self.pivot_row[i];
            if row != NO_ROW {
                let row = &self.rows[row as usize];
                xor_words(&mut mixed, &row.mixed);
                xor_into(&mut data, &row.data);
            }
        }
        let Some(pivot) = mixed
            .iter()
            .position(|w| *w != 0)
            .map(|w| w * 64 + mixed[w].trailing_zeros() as usize)
        else {
            return if data.iter().all(|b| *b == 0) {
                Ok(Outcome::Redundant)
            } else {
                Err("it contradicts the parts already received (a corrupted or forged part)".into())
            };
        };
        // Clear the new pivot from every other row, keeping the form reduced.
        for row in &mut self.rows {
            if has(&row.mixed, pivot) {
                xor_words(&mut row.mixed, &mixed);
                xor_into(&mut row.data, &data);
            }
        }
        self.pivot_row[pivot] = self.rows.len() as u32;
        self.rows.push(Row { mixed, data });
        if self.rows.len() < self.shape.count {
            return Ok(Outcome::Added);
        }
        // Full rank: reduced, every row is exactly one fragment.
        let mut message = Vec::with_capacity(self.shape.count * self.shape.fragment_len);
        for &row in &self.pivot_row {
            message.extend_from_slice(&self.rows[row as usize].data);
        }
        message.truncate(self.shape.message_len);
        if crc32fast::hash(&message) != self.shape.checksum {
            return Err("the message rebuilt from its parts fails its checksum".into());
        }
        Ok(Outcome::Complete(message))
    }
}

fn xor_words(target: &mut [u64], source: &[u64]) {
    for (t, s) in target.iter_mut().zip(source) {
        *t ^= s;
    }
}

#[cfg(test)]
mod tests {
    use super::super::fountain::Encoder;
    use super::*;

    #[test]
    fn mixed_parts_alone_rebuild_the_message() {
        let message: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut encoder = Encoder::new(&message, 40);
        let n = encoder.fragment_count();
        let mut decoder = Decoder::new(encoder.part(1).shape());
        // Skip every pure part: the mixes have full rank soon after n of them.
        let mut used = 0;
        for seq in n as u32 + 1.. {
            used += 1;
            let mixed = encoder.part(seq).fragment;
            match decoder.receive(seq, &mixed).unwrap() {
                Outcome::Complete(m) => {
                    assert_eq!(m, message);
                    break;
                }
                Outcome::Added => assert!(decoder.rank() < n),
                Outcome::Redundant => {}
            }
        }
        assert!(used < n + 12, "{used} mixed parts for {n} fragments");
    }

    #[test]
    fn contradicting_and_forged_parts_are_refused() {
        let message = vec![9u8; 100];
        let mut encoder = Encoder::new(&message, 30);
        let mut decoder = Decoder::new(encoder.part(1).shape());
        let first = encoder.part(1).fragment;
        assert_eq!(decoder.receive(1, &first).unwrap(), Outcome::Added);
        assert_eq!(decoder.receive(1, &first).unwrap(), Outcome::Redundant);
        let mut changed = first.clone();
        changed[0] ^= 1;
        assert!(decoder
            .receive(1, &changed)
            .unwrap_err()
            .contains("contradicts"));
        // A forged fragment that contradicts nothing yet: caught by the checksum at the end.
        let n = encoder.fragment_count() as u32;
        for seq in 2..n {
            decoder.receive(seq, &encoder.part(seq).fragment).unwrap();
        }
        let mut forged = encoder.part(n).fragment;
        forged[0] ^= 1;
        assert!(decoder
            .receive(n, &forged)
            .unwrap_err()
            .contains("checksum"));
    }
}

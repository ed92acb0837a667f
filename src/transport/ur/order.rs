//! Which part a stream shows at each index. Any order decodes: a receiver takes parts as they
//! come. This one loops over cycles of 2n frames: the n fragments, then n new mixes, each of
//! at least half the fragments (when n > 2) and none mixing the same fragments as another mix
//! of its cycle. A mix of few fragments mostly repeats fragments a receiver already has (at
//! 20% loss, most mixes of one or two fragments tell it nothing); a dense mix stands in for any
//! missed fragment, and a GF(2) decoder needs barely more than n parts. The fragments come back
//! every cycle, for a receiver that starts late or decodes by peeling.

use std::collections::HashSet;

use super::fountain::Encoder;

pub struct Order {
    count: usize,
    min_degree: usize,
    /// Where the search for mixes stands, so an animation's next part costs a few draws.
    cursor: Option<Cursor>,
}

struct Cursor {
    /// The ordinal of the mix found last among all mixes shown, and its sequence number.
    ordinal: u64,
    seq: u32,
    /// Fingerprints of the fragment sets of the mixes of its cycle so far.
    cycle: HashSet<u64>,
}

impl Order {
    pub fn new(count: usize) -> Self {
        Self {
            count,
            min_degree: if count > 2 { count.div_ceil(2) } else { 1 },
            cursor: None,
        }
    }

    /// The sequence number of the part shown at `index`.
    pub fn seq(&mut self, index: usize, encoder: &mut Encoder) -> u32 {
        let n = self.count;
        let (cycle, at) = (index / (2 * n), index % (2 * n));
        if at < n {
            return at as u32 + 1;
        }
        let ordinal = (cycle * n + at - n) as u64;
        let mut cursor = match self.cursor.take() {
            Some(c) if c.ordinal <= ordinal => c,
            // Mixes are searched from the first sequence number past the fragments.
            _ => {
                let mut cycle = HashSet::new();
                let seq = self.next_mix(n as u32, &mut cycle, encoder);
                Cursor {
                    ordinal: 0,
                    seq,
                    cycle,
                }
            }
        };
        while cursor.ordinal < ordinal {
            cursor.ordinal += 1;
            if cursor.ordinal % n as u64 == 0 {
                cursor.cycle.clear();
            }
            cursor.seq = self.next_mix(cursor.seq, &mut cursor.cycle, encoder);
        }
        let seq = cursor.seq;
        self.cursor = Some(cursor);
        seq
    }

    /// The first sequence number after `seq` of a dense enough mix not in `cycle`, added to it
    /// (after 2^32 - 1, the mixes start over).
    fn next_mix(&self, mut seq: u32, cycle: &mut HashSet<u64>, encoder: &mut Encoder) -> u32 {
        loop {
            seq = seq.checked_add(1).unwrap_or(self.count as u32 + 1);
            if encoder.degree(seq) < self.min_degree {
                continue;
            }
            let fingerprint = encoder
                .fragments(seq)
                .iter()
                .fold(0, |acc, i| acc ^ mix64(*i as u64));
            if cycle.insert(fingerprint) {
                return seq;
            }
        }
    }
}

/// SplitMix64's finalizer: XORed over a set's members, a fingerprint of the set.
fn mix64(x: u64) -> u64 {
    let x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

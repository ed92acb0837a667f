//! BC-UR's fountain code: which fragments each part mixes, exactly as the reference
//! implementations choose them, and the encoder that mixes them.
//!
//! Part `seq` (1-based) of a message in `count` fragments is fragment `seq - 1` alone while
//! `seq <= count`; after that it is the XOR of `degree` fragments picked by Xoshiro256**
//! seeded with SHA-256(seq, checksum as big-endian u32s): the degree is drawn (by Vose's alias
//! method) with probability proportional to 1/degree, then the fragments are the first
//! `degree` of a shuffle of all of them.

use sha2::{Digest, Sha256};

use super::part::Part;

/// The reference encoder's smallest fragment.
pub const MIN_FRAGMENT_LEN: usize = 10;

/// The fragment length the reference encoder picks for a message: the fewest fragments of at
/// most `max_fragment` bytes, sized evenly.
pub fn nominal_fragment_len(message_len: usize, max_fragment: usize) -> usize {
    let max_fragment = max_fragment.max(MIN_FRAGMENT_LEN);
    let count = message_len.div_ceil(max_fragment).max(1);
    message_len.div_ceil(count)
}

/// Xoshiro256**, seeded as BC-UR seeds it: the state is SHA-256 of the seed, as four
/// big-endian u64s.
struct Xoshiro([u64; 4]);

impl Xoshiro {
    fn new(seed: &[u8]) -> Self {
        let digest = Sha256::digest(seed);
        let mut state = [0u64; 4];
        for (word, chunk) in state.iter_mut().zip(digest.chunks_exact(8)) {
            *word = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
        }
        Self(state)
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// In [0, 1): the nearest double to next / 2^64, as the reference computes it.
    fn next_double(&mut self) -> f64 {
        self.next_u64() as f64 / 18_446_744_073_709_551_616.0
    }

    /// In [0, n): floor(next_double * n).
    fn next_below(&mut self, n: usize) -> usize {
        // Rounding can make the double exactly 1.0 once in 2^54 draws; stay in range.
        ((self.next_double() * n as f64) as usize).min(n - 1)
    }
}

/// Vose's alias table for degrees 1..=count with weights 1/degree, built in the reference's
/// order of operations so every draw agrees with it.
struct DegreeSampler {
    probability: Vec<f64>,
    alias: Vec<usize>,
}

impl DegreeSampler {
    fn new(count: usize) -> Self {
        let weights: Vec<f64> = (1..=count).map(|d| 1.0 / d as f64).collect();
        let sum = weights.iter().fold(0.0, |acc, w| acc + w);
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * count as f64 / sum).collect();
        let mut probability = vec![1.0; count];
        let mut alias: Vec<usize> = (0..count).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..count).rev().partition(|i| scaled[*i] < 1.0);
        while let (Some(&less), Some(&more)) = (small.last(), large.last()) {
            small.pop();
            large.pop();
            probability[less] = scaled[less];
            alias[less] = more;
            scaled[more] = (scaled[more] + scaled[less]) - 1.0;
            if scaled[more] < 1.0 {
                small.push(more);
            } else {
                large.push(more);
            }
        }
        Self { probability, alias }
    }

    fn degree(&self, rng: &mut Xoshiro) -> usize {
        let column = rng.next_below(self.probability.len());
        let pick = if rng.next_double() < self.probability[column] {
            column
        } else {
            self.alias[column]
        };
        pick + 1
    }
}

/// Picks the fragments of parts of one message (its fragment count and checksum fixed).
pub struct Chooser {
    count: usize,
    checksum: u32,
    sampler: DegreeSampler,
}

impl Chooser {
    pub fn new(count: usize, checksum: u32) -> Self {
        Self {
            count,
            checksum,
            sampler: DegreeSampler::new(count),
        }
    }

    /// The generator of a mixed part (seq > count), and how many fragments it mixes.
    fn mixed(&self, seq: u32) -> (Xoshiro, usize) {
        let mut seed = [0u8; 8];
        seed[..4].copy_from_slice(&seq.to_be_bytes());
        seed[4..].copy_from_slice(&self.checksum.to_be_bytes());
        let mut rng = Xoshiro::new(&seed);
        let degree = self.sampler.degree(&mut rng);
        (rng, degree)
    }

    /// How many fragments part `seq` mixes.
    pub fn degree(&self, seq: u32) -> usize {
        if seq as usize <= self.count {
            1
        } else {
            self.mixed(seq).1
        }
    }

    /// The fragments part `seq` mixes, into `out`. Work: O(count + degree * log(count)).
    pub fn choose(&self, seq: u32, out: &mut Vec<usize>) {
        out.clear();
        let seq_index = seq as usize;
        if (1..=self.count).contains(&seq_index) {
            out.push(seq_index - 1);
            return;
        }
        let (mut rng, degree) = self.mixed(seq);
        // The reference shuffles every fragment and keeps the first `degree`; the draws after
        // those never matter, so only `degree` are made. Each takes the k-th fragment not yet
        // taken, found in a Fenwick tree of remaining counts.
        let mut remaining = Remaining::new(self.count);
        for left in (self.count - degree + 1..=self.count).rev() {
            let k = rng.next_below(left);
            out.push(remaining.take(k));
        }
    }
}

/// Which of 0..n are not yet taken, with the k-th of them found in O(log n).
struct Remaining {
    tree: Vec<u32>,
    top: usize,
}

impl Remaining {
    fn new(n: usize) -> Self {
        // Every position present: node i counts the lowbit(i) positions ending at i.
        let tree = (0..=n).map(|i| (i & i.wrapping_neg()) as u32).collect();
        let top = if n == 0 { 0 } else { 1 << n.ilog2() };
        Self { tree, top }
    }

    /// Removes and returns the `k`-th (0-based) remaining position.
    fn take(&mut self, k: usize) -> usize {
        let n = self.tree.len() - 1;
        let mut rank = k as u32 + 1;
        let mut pos = 0;
        let mut step = self.top;
        while step > 0 {
            if pos + step <= n && self.tree[pos + step] < rank {
                pos += step;
                rank -= self.tree[pos];
            }
            step >>= 1;
        }
        let mut i = pos + 1;
        while i <= n {
            self.tree[i] -= 1;
            i += i & i.wrapping_neg();
        }
        pos
    }
}

/// The fragments of one message, mixed into parts on demand.
pub struct Encoder {
    padded: Vec<u8>,
    fragment_len: usize,
    message_len: usize,
    chooser: Chooser,
    chosen: Vec<usize>,
}

impl Encoder {
    /// `message` in fragments of the nominal length for `max_fragment`.
    pub fn new(message: &[u8], max_fragment: usize) -> Self {
        let fragment_len = nominal_fragment_len(message.len(), max_fragment);
        let count = message.len().div_ceil(fragment_len);
        let mut padded = message.to_vec();
        padded.resize(count * fragment_len, 0);
        Self {
            padded,
            fragment_len,
            message_len: message.len(),
            chooser: Chooser::new(count, crc32fast::hash(message)),
            chosen: Vec::new(),
        }
    }

    pub fn fragment_count(&self) -> usize {
        self.chooser.count
    }

    pub fn degree(&self, seq: u32) -> usize {
        self.chooser.degree(seq)
    }

    /// The fragments part `seq` mixes.
    pub fn fragments(&mut self, seq: u32) -> &[usize] {
        self.chooser.choose(seq, &mut self.chosen);
        &self.chosen
    }

    /// Part `seq`: the XOR of its fragments.
    pub fn part(&mut self, seq: u32) -> Part {
        self.chooser.choose(seq, &mut self.chosen);
        let mut mixed = vec![0u8; self.fragment_len];
        for &i in &self.chosen {
            let fragment = &self.padded[i * self.fragment_len..(i + 1) * self.fragment_len];
            xor_into(&mut mixed, fragment);
        }
        Part {
            seq,
            count: self.chooser.count,
            message_len: self.message_len,
            checksum: self.chooser.checksum,
            fragment: mixed,
        }
    }
}

pub fn xor_into(target: &mut [u8], source: &[u8]) {
    for (t, s) in target.iter_mut().zip(source) {
        *t ^= s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nominal_lengths_match_the_reference_rule() {
        // The reference loops over fragment counts from 1 and takes the first whose even
        // length fits; the closed form must agree.
        for len in 1..400usize {
            for max in [1, 9, 10, 11, 17, 42, 100, 175, 1000] {
                let max_fragment = max.max(MIN_FRAGMENT_LEN);
                let looped = (1..=len.div_ceil(MIN_FRAGMENT_LEN))
                    .map(|count| len.div_ceil(count))
                    .find(|l| *l <= max_fragment)
                    .unwrap();
                assert_eq!(nominal_fragment_len(len, max), looped, "{len} {max}");
            }
        }
    }

    #[test]
    fn xoshiro_matches_the_reference_sequence() {
        // BC-UR's test vector: Xoshiro256** seeded with "Wolf", next() % 100.
        let mut rng = Xoshiro::new(b"Wolf");
        let got: Vec<u64> = (0..10).map(|_| rng.next_u64() % 100).collect();
        assert_eq!(got, [42, 81, 85, 8, 82, 84, 76, 73, 70, 88]);
    }

    #[test]
    fn the_fenwick_shuffle_matches_a_plain_one() {
        for count in [1usize, 2, 3, 7, 64, 65, 100] {
            let chooser = Chooser::new(count, 0x1234_5678);
            for seq in count as u32 + 1..count as u32 + 50 {
                let mut fast = Vec::new();
                chooser.choose(seq, &mut fast);
                // The same draws over a Vec, removing as the reference does.
                let mut seed = [0u8; 8];
                seed[..4].copy_from_slice(&seq.to_be_bytes());
                seed[4..].copy_from_slice(&0x1234_5678u32.to_be_bytes());
                let mut rng = Xoshiro::new(&seed);
                let degree = chooser.sampler.degree(&mut rng);
                let mut remaining: Vec<usize> = (0..count).collect();
                let plain: Vec<usize> = (0..degree)
                    .map(|_| {
                        let k = rng.next_below(remaining.len());
                        remaining.remove(k)
                    })
                    .collect();
                assert_eq!(fast, plain, "count {count} seq {seq}");
            }
        }
    }

    #[test]
    fn degrees_follow_one_over_d() {
        let chooser = Chooser::new(10, 7);
        let mut seen = [0usize; 11];
        let mut out = Vec::new();
        for seq in 11..20_011 {
            chooser.choose(seq, &mut out);
            seen[out.len()] += 1;
            let mut sorted = out.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), out.len());
        }
        // P(1) = 1/H(10) = 0.34, P(10) = 0.034.
        assert!((6_000..7_600).contains(&seen[1]), "{seen:?}");
        assert!((500..900).contains(&seen[10]), "{seen:?}");
    }
}

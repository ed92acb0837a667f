//! The signing journal: what this participant helped sign with a key, so that nothing
//! conflicting is ever signed (the validator equivalent of a double sign).
//!
//! Rules, as the best validator signers keep them (tmkms, Web3Signer, Horcrux):
//! - a validator definition at or below the highest sequence number signed (or the low
//!   watermark set from the chain) is refused, unless it is byte-identical to the one signed at
//!   that number (a repeat is harmless);
//! - a second, different vote on the same proposal is refused;
//! - the journal is written durably BEFORE a signature share leaves the process, and a lock
//!   keeps two processes from signing with the same share at once.
//!
//! There is one journal and one lock per share, in the user's state folder, found by the
//! share's identity whatever route loaded it (see [`location`]).

mod guard;
pub mod interchange;
pub mod location;

pub use guard::{open_for_key, open_for_share, opener, JournalGuard};
pub use location::{journal_folder, state_dir, Origin, ShareId, STATE_ENV};

use serde::{Deserialize, Serialize};

use crate::keys::GroupKey;
use crate::refusal::Refusal;
use crate::request::SigningRequest;

pub const FORMAT: &str = "hoarfrost-journal";
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDefinition {
    pub sequence_number: u32,
    /// BLAKE2b-256 of the signed bytes (the proto encoding of the definition), hex.
    pub digest: String,
    pub signed_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedVote {
    pub proposal: u64,
    pub vote: String,
    pub digest: String,
    pub signed_at: String,
}

/// One share's journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub format: String,
    pub version: u32,
    /// The key this journal belongs to (its identity key, bech32).
    pub key: String,
    /// The participant whose share this journal belongs to (its ed25519 key, hex). Absent in
    /// journals of the previous layout, which were kept per key file or stored name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    // Both lists are always written: a file without one is unreadable, never "nothing signed".
    pub definitions: Vec<SignedDefinition>,
    pub votes: Vec<SignedVote>,
    /// No definition at or below this sequence number is signed (set from the chain's state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_watermark: Option<u32>,
}

/// Whether a request is new, or a byte-identical repeat of one already signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    New,
    Repeat,
}

/// What a journal entry records of a request: its kind-specific position and a digest.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(
        blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"hoarfrost-signed")
            .hash(bytes)
            .as_bytes(),
    )
}

/// The current time, as the journal writes it (RFC 3339, UTC, seconds).
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

impl Journal {
    pub fn new(group: &GroupKey) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            key: group.identity_key().to_string(),
            participant: None,
            definitions: vec![],
            votes: vec![],
            definition_watermark: None,
        }
    }

    /// Checks a request against what was signed before. `bytes` are the signed bytes.
    pub fn check(&self, request: &SigningRequest, bytes: &[u8]) -> Result<Verdict, Refusal> {
        let d = digest(bytes);
        match request {
            SigningRequest::ValidatorDefinition(v) => {
                let seq = v.sequence_number;
                let same = |e: &&SignedDefinition| e.sequence_number == seq;
                if let Some(earlier) = self.definitions.iter().find(|e| same(e) && e.digest != d) {
                    return Err(Refusal::Journal(format!(
                        "a different validator definition #{seq} was signed at {} (digest {})",
                        earlier.signed_at,
                        &earlier.digest[..16]
                    )));
                }
                if self.definitions.iter().any(|e| same(&e) && e.digest == d) {
                    return Ok(Verdict::Repeat);
                }
                if let Some(highest) = self.definitions.iter().max_by_key(|e| e.sequence_number) {
                    if seq <= highest.sequence_number {
                        return Err(Refusal::Journal(format!(
                            "validator definition #{} was signed at {}; #{seq} is not higher",
                            highest.sequence_number, highest.signed_at
                        )));
                    }
                }
                if let Some(w) = self.definition_watermark {
                    if seq <= w {
                        return Err(Refusal::Journal(format!(
                            "definition #{seq} is at or below the low watermark #{w} set from the chain"
                        )));
                    }
                }
                Ok(Verdict::New)
            }
            SigningRequest::ValidatorVote(v) => {
                // A different vote anywhere on the proposal refuses, even beside an identical
                // one (two conflicting votes merged from elsewhere refuse everything there).
                let on_proposal = || self.votes.iter().filter(|e| e.proposal == v.proposal);
                match on_proposal().find(|e| e.digest != d) {
                    Some(e) => Err(Refusal::Journal(format!(
                        "a vote {} on proposal #{} was signed at {}; the chain counts only one vote",
                        e.vote, e.proposal, e.signed_at
                    ))),
                    None if on_proposal().next().is_some() => Ok(Verdict::Repeat),
                    None => Ok(Verdict::New),
                }
            }
            SigningRequest::Transaction(_) => Ok(Verdict::New),
        }
    }

    /// Records a request that passed `check`.
    pub fn record(&mut self, request: &SigningRequest, bytes: &[u8], at: &str) {
        let d = digest(bytes);
        match request {
            SigningRequest::ValidatorDefinition(v) => {
                if !self
                    .definitions
                    .iter()
                    .any(|e| e.sequence_number == v.sequence_number && e.digest == d)
                {
                    self.definitions.push(SignedDefinition {
                        sequence_number: v.sequence_number,
                        digest: d,
                        signed_at: at.into(),
                    });
                    self.definitions.sort_by_key(|e| e.sequence_number);
                }
            }
            SigningRequest::ValidatorVote(v) => {
                if !self.votes.iter().any(|e| e.proposal == v.proposal) {
                    self.votes.push(SignedVote {
                        proposal: v.proposal,
                        vote: v.vote.to_string(),
                        digest: d,
                        signed_at: at.into(),
                    });
                    self.votes.sort_by_key(|e| e.proposal);
                }
            }
            SigningRequest::Transaction(_) => {}
        }
    }

    /// Merges another journal of the same key in: the union of everything signed, and the
    /// higher watermark. Entries that conflict with this journal are kept too (so nothing at
    /// their position can be signed any more) and reported, naming `source`.
    pub fn merge(&self, other: &Journal, source: &str) -> (Journal, Vec<String>) {
        let mut merged = self.clone();
        let mut conflicts = Vec::new();
        merge_entries(&mut merged.definitions, &other.definitions, |seq| {
            conflicts.push(format!(
                "definition #{seq}: {source} holds another signed definition; nothing more is signed at #{seq}"
            ))
        });
        merge_entries(&mut merged.votes, &other.votes, |proposal| {
            conflicts.push(format!(
                "proposal #{proposal}: {source} holds another signed vote; no other vote is signed on it"
            ))
        });
        if let Some(w) = other.definition_watermark {
            merged.set_watermark(w);
        }
        (merged, conflicts)
    }

    /// Sets the low watermark from the chain's current state (never lowers it).
    pub fn set_watermark(&mut self, sequence: u32) {
        self.definition_watermark = Some(
            self.definition_watermark
                .map_or(sequence, |w| w.max(sequence)),
        );
    }
}

/// A journal entry: one signed thing at its position (a definition's sequence number, a
/// vote's proposal), which nothing different may join.
trait Entry: Clone {
    fn position(&self) -> u64;
    fn digest(&self) -> &str;
}

impl Entry for SignedDefinition {
    fn position(&self) -> u64 {
        self.sequence_number.into()
    }

    fn digest(&self) -> &str {
        &self.digest
    }
}

impl Entry for SignedVote {
    fn position(&self) -> u64 {
        self.proposal
    }

    fn digest(&self) -> &str {
        &self.digest
    }
}

/// Adds `theirs` to `ours`, in order of position: an entry `ours` holds already is skipped; one
/// at a position where `ours` holds another is added too, and `conflict` is told its position.
fn merge_entries<E: Entry>(ours: &mut Vec<E>, theirs: &[E], mut conflict: impl FnMut(u64)) {
    for entry in theirs {
        let at = entry.position();
        let mut here = ours.iter().filter(|e| e.position() == at);
        if here.clone().any(|e| e.digest() == entry.digest()) {
            continue;
        }
        if here.next().is_some() {
            conflict(at);
        }
        ours.push(entry.clone());
    }
    ours.sort_by_key(Entry::position);
}

#[cfg(test)]
mod tests;

//! The signing journal: what this participant helped sign with a key, so that nothing
//! conflicting is ever signed (the validator equivalent of a double sign).
//!
//! Rules, as the best validator signers keep them (tmkms, Web3Signer, Horcrux):
//! - a validator definition at or below the highest sequence number signed (or the low
//!   watermark set from the chain) is refused, unless it is byte-identical to the one signed at
//!   that number (a repeat is harmless);
//! - a second, different vote on the same proposal is refused;
//! - the journal is written durably BEFORE a signature share leaves the process, and a lock
//!   keeps two processes from signing with the same key at once.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::{write_atomic, Overwrite};
use crate::keys::GroupKey;
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

/// One key's journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub format: String,
    pub version: u32,
    /// The key this journal belongs to (its identity key, bech32).
    pub key: String,
    #[serde(default)]
    pub definitions: Vec<SignedDefinition>,
    #[serde(default)]
    pub votes: Vec<SignedVote>,
    /// No definition at or below this sequence number is signed (set from the chain's state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_watermark: Option<u32>,
}

/// Why a request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("refusing to sign: {0}")]
pub struct Refusal(pub String);

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
                    return Err(Refusal(format!(
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
                        return Err(Refusal(format!(
                            "validator definition #{} was signed at {}; #{seq} is not higher",
                            highest.sequence_number, highest.signed_at
                        )));
                    }
                }
                if let Some(w) = self.definition_watermark {
                    if seq <= w {
                        return Err(Refusal(format!(
                            "definition #{seq} is at or below the low watermark #{w} set from the chain"
                        )));
                    }
                }
                Ok(Verdict::New)
            }
            SigningRequest::ValidatorVote(v) => {
                match self.votes.iter().find(|e| e.proposal == v.proposal) {
                    Some(e) if e.digest == d => Ok(Verdict::Repeat),
                    Some(e) => Err(Refusal(format!(
                        "a vote {} on proposal #{} was signed at {}; the chain counts only one vote",
                        e.vote, e.proposal, e.signed_at
                    ))),
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

    /// Sets the low watermark from the chain's current state (never lowers it).
    pub fn set_watermark(&mut self, sequence: u32) {
        self.definition_watermark = Some(
            self.definition_watermark
                .map_or(sequence, |w| w.max(sequence)),
        );
    }
}

/// The journal file of a stored key, or of a key file.
pub fn path_for_name(home: &Path, name: &str) -> PathBuf {
    home.join("journal").join(format!("{name}.json"))
}

pub fn path_for_file(key_file: &Path) -> PathBuf {
    let mut name = key_file.file_name().unwrap_or_default().to_os_string();
    name.push(".journal.json");
    key_file.with_file_name(name)
}

/// A journal opened for signing: the key is locked until this is dropped.
pub struct JournalGuard {
    path: PathBuf,
    journal: Journal,
    _lock: File,
}

impl JournalGuard {
    /// Locks the key and reads its journal (a new, empty one if there is none yet).
    pub fn open(path: &Path, group: &GroupKey) -> anyhow::Result<Self> {
        use anyhow::Context;
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let lock_path = path.with_extension("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "the key is in use by another hoarfrost process (lock {}): one ceremony at a time",
                lock_path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(
                    anyhow::Error::new(e).context(format!("cannot lock {}", lock_path.display()))
                )
            }
        }
        let journal = match std::fs::read_to_string(path) {
            Ok(text) => {
                let j: Journal = serde_json::from_str(&text)
                    .with_context(|| format!("journal {} is unreadable", path.display()))?;
                anyhow::ensure!(
                    j.format == FORMAT,
                    "{} is not a hoarfrost journal",
                    path.display()
                );
                anyhow::ensure!(
                    j.version <= VERSION,
                    "journal {} is version {}, newer than this hoarfrost understands",
                    path.display(),
                    j.version
                );
                let key = group.identity_key().to_string();
                anyhow::ensure!(
                    j.key == key,
                    "journal {} belongs to key {}, not {key}",
                    path.display(),
                    j.key
                );
                j
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Journal::new(group),
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())))
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            journal,
            _lock: lock,
        })
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn check(&self, request: &SigningRequest, bytes: &[u8]) -> Result<Verdict, Refusal> {
        self.journal.check(request, bytes)
    }

    /// Records a request and makes the journal durable; call BEFORE a share leaves.
    pub fn record(&mut self, request: &SigningRequest, bytes: &[u8]) -> anyhow::Result<()> {
        self.journal.check(request, bytes)?;
        let mut next = self.journal.clone();
        next.record(request, bytes, &now());
        self.save(&next)?;
        self.journal = next;
        Ok(())
    }

    fn save(&self, journal: &Journal) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(journal)?;
        write_atomic(&self.path, text.as_bytes(), Overwrite::WithBackup)?;
        Ok(())
    }

    /// Replaces the journal (after an import or a watermark change), durably.
    pub fn replace(&mut self, journal: Journal) -> anyhow::Result<()> {
        self.save(&journal)?;
        self.journal = journal;
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// The journal interchange file, modelled on EIP-3076's slashing protection interchange:
/// integers as strings, one entry per key, a digest ("signing_root") per signed payload.
pub mod interchange {
    use super::*;

    pub const INTERCHANGE_VERSION: &str = "hoarfrost-1";

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Interchange {
        pub metadata: Metadata,
        pub data: Vec<KeyRecord>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Metadata {
        pub interchange_format_version: String,
        pub chain: String,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct KeyRecord {
        pub key: String,
        #[serde(default)]
        pub signed_definitions: Vec<DefinitionRecord>,
        #[serde(default)]
        pub signed_votes: Vec<VoteRecord>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub definition_watermark: Option<String>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct DefinitionRecord {
        pub sequence_number: String,
        pub signing_root: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub signed_at: Option<String>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct VoteRecord {
        pub proposal: String,
        pub signing_root: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub vote: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub signed_at: Option<String>,
    }

    pub fn export(journal: &Journal) -> Interchange {
        Interchange {
            metadata: Metadata {
                interchange_format_version: INTERCHANGE_VERSION.into(),
                chain: "penumbra".into(),
            },
            data: vec![KeyRecord {
                key: journal.key.clone(),
                signed_definitions: journal
                    .definitions
                    .iter()
                    .map(|d| DefinitionRecord {
                        sequence_number: d.sequence_number.to_string(),
                        signing_root: d.digest.clone(),
                        signed_at: Some(d.signed_at.clone()),
                    })
                    .collect(),
                signed_votes: journal
                    .votes
                    .iter()
                    .map(|v| VoteRecord {
                        proposal: v.proposal.to_string(),
                        signing_root: v.digest.clone(),
                        vote: Some(v.vote.clone()),
                        signed_at: Some(v.signed_at.clone()),
                    })
                    .collect(),
                definition_watermark: journal.definition_watermark.map(|w| w.to_string()),
            }],
        }
    }

    fn number<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("{what}: {text:?} is not a number"))
    }

    fn root(what: &str, text: &str) -> Result<String, String> {
        let text = text.trim().trim_start_matches("0x").to_ascii_lowercase();
        match hex::decode(&text) {
            Ok(b) if b.len() == 32 => Ok(text),
            _ => Err(format!("{what}: signing_root must be 32 bytes of hex")),
        }
    }

    /// Merges an interchange file into a journal: the union of everything signed, and the
    /// higher watermark. Entries that conflict with the journal are kept too (so nothing at
    /// their position can be signed any more) and reported.
    pub fn import(journal: &Journal, file: &Interchange) -> Result<(Journal, Vec<String>), String> {
        if file.metadata.interchange_format_version != INTERCHANGE_VERSION {
            return Err(format!(
                "interchange version {:?} is not {INTERCHANGE_VERSION:?}",
                file.metadata.interchange_format_version
            ));
        }
        let mut merged = journal.clone();
        let mut conflicts = Vec::new();
        let mut matched = false;
        for record in file.data.iter().filter(|r| r.key == journal.key) {
            matched = true;
            for d in &record.signed_definitions {
                let seq: u32 = number("sequence_number", &d.sequence_number)?;
                let digest = root("signed definition", &d.signing_root)?;
                let at = d
                    .signed_at
                    .clone()
                    .unwrap_or_else(|| "an unknown time (imported)".into());
                if merged
                    .definitions
                    .iter()
                    .any(|e| e.sequence_number == seq && e.digest == digest)
                {
                    continue;
                }
                if merged.definitions.iter().any(|e| e.sequence_number == seq) {
                    conflicts.push(format!(
                        "definition #{seq}: the file holds another signed definition; nothing more is signed at #{seq}"
                    ));
                }
                merged.definitions.push(SignedDefinition {
                    sequence_number: seq,
                    digest,
                    signed_at: at,
                });
            }
            for v in &record.signed_votes {
                let proposal: u64 = number("proposal", &v.proposal)?;
                let digest = root("signed vote", &v.signing_root)?;
                if merged
                    .votes
                    .iter()
                    .any(|e| e.proposal == proposal && e.digest == digest)
                {
                    continue;
                }
                if merged.votes.iter().any(|e| e.proposal == proposal) {
                    conflicts.push(format!(
                        "proposal #{proposal}: the file holds another signed vote; no other vote is signed on it"
                    ));
                }
                merged.votes.push(SignedVote {
                    proposal,
                    vote: v.vote.clone().unwrap_or_else(|| "unknown".into()),
                    digest,
                    signed_at: v
                        .signed_at
                        .clone()
                        .unwrap_or_else(|| "an unknown time (imported)".into()),
                });
            }
            if let Some(w) = &record.definition_watermark {
                merged.set_watermark(number("definition_watermark", w)?);
            }
        }
        if !matched {
            return Err(format!("the file holds no records for key {}", journal.key));
        }
        merged.definitions.sort_by_key(|e| e.sequence_number);
        merged.votes.sort_by_key(|e| e.proposal);
        Ok((merged, conflicts))
    }
}

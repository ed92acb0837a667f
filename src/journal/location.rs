//! Where a share's journal lives: one file per share in the user's state folder, named by the
//! share's identity, so every route to one share (its stored name, its key file, a pcli config
//! exported from it, a copy in another home) finds the same journal and the same lock.
//!
//! The identity is the group's spend verification key and the participant's ed25519 key, not
//! the secret share: a future refresh changes the share but keeps both keys, and the journal must
//! still be found.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ed25519_consensus::VerificationKey;

use crate::keyfile::KeyMaterial;
use crate::keys::{participant_fingerprint, GroupKey, KeyShare};

/// The environment variable that overrides the state folder.
pub const STATE_ENV: &str = "HOARFROST_STATE";

/// The hoarfrost state folder: `$HOARFROST_STATE`, else `hoarfrost` in the user's state
/// directory (`$XDG_STATE_HOME`, usually `~/.local/state`), or in the local data directory on
/// platforms without a state directory.
pub fn state_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(STATE_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .with_context(|| format!("no folder for hoarfrost's state: set {STATE_ENV}"))?;
    Ok(base.join("hoarfrost"))
}

/// The folder of every share's journal and lock: `journal/` in the state folder.
pub fn journal_folder() -> anyhow::Result<PathBuf> {
    Ok(state_dir()?.join("journal"))
}

/// Which share a journal belongs to: the group key and the participant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShareId {
    group: [u8; 32],
    participant: VerificationKey,
}

impl std::fmt::Debug for ShareId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShareId({})", self.file_stem())
    }
}

impl ShareId {
    pub fn new(group: &GroupKey, participant: VerificationKey) -> Self {
        Self {
            group: group.fvk().spend_verification_key().to_bytes(),
            participant,
        }
    }

    pub fn of_share(share: &KeyShare) -> Self {
        Self::new(share.group(), share.verification_key())
    }

    /// The share a key holds, plain or sealed (no passphrase is needed); None for public key
    /// data, which signs nothing and so has no journal.
    pub fn of_material(material: &KeyMaterial) -> Option<Self> {
        material
            .participant()
            .map(|participant| Self::new(material.group(), participant))
    }

    pub fn participant(&self) -> VerificationKey {
        self.participant
    }

    /// The participant's short fingerprint, for messages.
    pub fn fingerprint(&self) -> String {
        participant_fingerprint(&self.participant)
    }

    /// The name of the share's journal and lock files: the participant's fingerprint (to tell
    /// them apart by eye) and a digest of both keys.
    pub fn file_stem(&self) -> String {
        let digest = blake2b_simd::Params::new()
            .hash_length(16)
            .personal(b"hoarfrost-share")
            .to_state()
            .update(&self.group)
            .update(self.participant.as_bytes())
            .finalize();
        format!("{}-{}", self.fingerprint(), hex::encode(digest.as_bytes()))
    }

    /// The journal file in `folder`.
    pub fn journal_in(&self, folder: &Path) -> PathBuf {
        folder.join(format!("{}.json", self.file_stem()))
    }

    /// The lock file in `folder`.
    pub fn lock_in(&self, folder: &Path) -> PathBuf {
        folder.join(format!("{}.lock", self.file_stem()))
    }
}

/// The route by which a share was loaded, for taking over the journal the previous layout kept
/// per route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A stored key, `<home>/keys/<name>.toml`: its journal was `<home>/journal/<name>.json`.
    Stored { home: PathBuf, name: String },
    /// A key file or a pcli config: its journal was `<file>.journal.json`.
    File(PathBuf),
    /// Nowhere the previous layout kept a journal.
    Elsewhere,
}

impl Origin {
    /// Where the previous layout kept this route's journal.
    pub fn old_journal(&self) -> Option<PathBuf> {
        match self {
            Origin::Stored { home, name } => {
                Some(home.join("journal").join(format!("{name}.json")))
            }
            Origin::File(file) => {
                let mut name = file.file_name()?.to_os_string();
                name.push(".journal.json");
                Some(file.with_file_name(name))
            }
            Origin::Elsewhere => None,
        }
    }
}

/// Where an old journal goes once taken over: `<old>.migrated`, so it is not merged twice.
pub fn migrated_name(old: &Path) -> PathBuf {
    let mut name = old.file_name().unwrap_or_default().to_os_string();
    name.push(".migrated");
    old.with_file_name(name)
}

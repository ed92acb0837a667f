//! A share's journal opened for signing: the share is locked, its journal read, and the journal
//! the previous layout kept for the route that loaded it taken over.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::location::{migrated_name, Origin, ShareId};
use super::{now, Journal, Verdict, FORMAT, VERSION};
use crate::fsutil::{create_private_dir, open_private, read_regular, write_atomic, Overwrite};
use crate::keyfile::StoredKey;
use crate::keys::{GroupKey, KeyShare};
use crate::refusal::Refusal;
use crate::request::SigningRequest;
use crate::session::{GuardOpener, SignGuard};

/// A journal opened for signing: the share is locked until this is dropped.
pub struct JournalGuard {
    path: PathBuf,
    journal: Journal,
    notes: Vec<String>,
    _lock: File,
}

/// Reads a journal file (never through a link): None if there is none.
fn read_journal(path: &Path) -> anyhow::Result<Option<Journal>> {
    let Some(bytes) =
        read_regular(path).with_context(|| format!("cannot read {}", path.display()))?
    else {
        return Ok(None);
    };
    let journal: Journal = serde_json::from_slice(&bytes)
        .with_context(|| format!("journal {} is unreadable", path.display()))?;
    anyhow::ensure!(
        journal.format == FORMAT,
        "{} is not a hoarfrost journal",
        path.display()
    );
    anyhow::ensure!(
        journal.version <= VERSION,
        "journal {} is version {}, newer than this hoarfrost understands",
        path.display(),
        journal.version
    );
    Ok(Some(journal))
}

fn lock(path: &Path, id: &ShareId) -> anyhow::Result<File> {
    let lock =
        open_private(path, false).with_context(|| format!("cannot open {}", path.display()))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "the share of participant {} is in use by another hoarfrost process (lock {}): one ceremony at a time",
            id.fingerprint(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(anyhow::Error::new(e).context(format!("cannot lock {}", path.display())))
        }
    }
}

impl JournalGuard {
    /// Locks the share `id` of `group` and reads its journal in `folder` (a new, empty one if
    /// there is none yet), then takes over the journal the previous layout kept for `origin`.
    pub fn open_in(
        folder: &Path,
        id: ShareId,
        group: &GroupKey,
        origin: &Origin,
    ) -> anyhow::Result<Self> {
        create_private_dir(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let lock = lock(&id.lock_in(folder), &id)?;
        let path = id.journal_in(folder);
        let key = group.identity_key().to_string();
        let participant = hex::encode(id.participant().as_bytes());
        let journal = match read_journal(&path)? {
            Some(j) => {
                anyhow::ensure!(
                    j.key == key && j.participant.as_deref().is_none_or(|p| p == participant),
                    "journal {} belongs to key {} (participant {}), not to this share",
                    path.display(),
                    j.key,
                    j.participant.as_deref().unwrap_or("unknown")
                );
                j
            }
            None => Journal {
                participant: Some(participant),
                ..Journal::new(group)
            },
        };
        let mut guard = Self {
            path,
            journal,
            notes: vec![],
            _lock: lock,
        };
        if let Some(old) = origin.old_journal() {
            guard.take_over(&old)?;
        }
        Ok(guard)
    }

    /// Merges the previous layout's journal at `old` in, durably, and renames it so it is not
    /// merged twice. Conflicts are kept, as an interchange import keeps them. An old journal of
    /// another key (the name was reused) is not this share's and stays where it is.
    fn take_over(&mut self, old: &Path) -> anyhow::Result<()> {
        let Some(previous) = read_journal(old)? else {
            return Ok(());
        };
        if previous.key != self.journal.key {
            return Ok(());
        }
        let source = format!("the old journal {}", old.display());
        let (merged, conflicts) = self.journal.merge(&previous, &source);
        // Durable first: a crash before the rename only merges the same entries again.
        self.replace(merged)?;
        let aside = migrated_name(old);
        std::fs::rename(old, &aside)
            .with_context(|| format!("cannot rename {} to {}", old.display(), aside.display()))?;
        self.notes.push(format!(
            "took the journal {} over into {} (the old file is now {})",
            old.display(),
            self.path.display(),
            aside.display()
        ));
        self.notes
            .extend(conflicts.into_iter().map(|c| format!("conflict: {c}")));
        Ok(())
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What opening did besides reading: old journals taken over, and their conflicts.
    pub fn notes(&self) -> &[String] {
        &self.notes
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
        self.replace(next)
    }

    /// Replaces the journal (after an import or a watermark change), durably.
    pub fn replace(&mut self, journal: Journal) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&journal)?;
        write_atomic(&self.path, text.as_bytes(), Overwrite::WithBackup)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.journal = journal;
        Ok(())
    }
}

/// Opens the journal of an unlocked share, in `folder` (a store's journal folder), reached by
/// `origin`.
pub fn open_for_share(
    folder: &Path,
    origin: &Origin,
    share: &KeyShare,
) -> anyhow::Result<JournalGuard> {
    JournalGuard::open_in(folder, ShareId::of_share(share), share.group(), origin)
}

/// Opens the journal of a stored key's share, sealed or not (no passphrase is needed).
pub fn open_for_key(
    folder: &Path,
    origin: &Origin,
    label: &str,
    key: &StoredKey,
) -> anyhow::Result<JournalGuard> {
    let id = ShareId::of_material(&key.material).ok_or_else(|| {
        anyhow::anyhow!("{label} holds no share: a journal belongs to a participant's share")
    })?;
    JournalGuard::open_in(folder, id, key.material.group(), origin)
}

/// The guards a session opens: each share's own journal in `folder`, taking over the old
/// journal of the route `origin` names for a key's label.
pub fn opener(
    folder: PathBuf,
    origin: impl Fn(&str) -> Origin + Send + Sync + 'static,
) -> GuardOpener {
    std::sync::Arc::new(move |label: &str, share: &KeyShare| {
        open_for_share(&folder, &origin(label), share)
            .map(|g| Box::new(g) as Box<dyn SignGuard>)
            .map_err(|e| Refusal::JournalFailed(format!("{e:#}")))
    })
}

//! The key store: a home folder holding any number of named keys (for example `identity` and
//! `governance`), and the rules by which a ceremony picks the key a request needs.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::fsutil::{write_atomic, Overwrite};
use crate::keyfile::{self, KeyMaterial, StoredKey};
use crate::keys::{GroupKey, KeyShare};
use crate::request::SigningRequest;

/// The environment variable that overrides the default home folder.
pub const HOME_ENV: &str = "HOARFROST_HOME";

/// A folder of named keys: `<home>/keys/<name>.toml`.
pub struct Store {
    home: PathBuf,
}

/// Checks a key name: letters, digits, `-` and `_`, at most 64 characters.
pub fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    anyhow::ensure!(
        ok,
        "key name {name:?}: use 1 to 64 letters, digits, '-' or '_'"
    );
    Ok(())
}

impl Store {
    /// The store at `home`, or at `$HOARFROST_HOME`, or in the user's data directory
    /// (`$XDG_DATA_HOME/hoarfrost`, usually `~/.local/share/hoarfrost`).
    pub fn open(home: Option<&Path>) -> anyhow::Result<Self> {
        let home = match home {
            Some(h) => h.to_path_buf(),
            None => match std::env::var_os(HOME_ENV) {
                Some(h) => PathBuf::from(h),
                None => dirs::data_dir()
                    .context("no home folder: pass --home DIR")?
                    .join("hoarfrost"),
            },
        };
        Ok(Self { home })
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    fn keys_dir(&self) -> PathBuf {
        self.home.join("keys")
    }

    pub fn path_of(&self, name: &str) -> anyhow::Result<PathBuf> {
        check_name(name)?;
        Ok(self.keys_dir().join(format!("{name}.toml")))
    }

    /// Every key's name, sorted.
    pub fn names(&self) -> anyhow::Result<Vec<String>> {
        let dir = self.keys_dir();
        if !dir.exists() {
            return Ok(vec![]);
        }
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".toml").map(str::to_string)
            })
            .filter(|n| check_name(n).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    pub fn load(&self, name: &str) -> anyhow::Result<StoredKey> {
        let path = self.path_of(name)?;
        if !path.exists() {
            let known = self.names()?;
            anyhow::bail!(
                "no key named {name:?} in {} (keys there: {})",
                self.home.display(),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            );
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut key = keyfile::decode(&text).with_context(|| path.display().to_string())?;
        key.name.get_or_insert_with(|| name.to_string());
        Ok(key)
    }

    /// Every key, with its name; a file that does not load is reported, not skipped silently.
    pub fn all(&self) -> anyhow::Result<Vec<(String, anyhow::Result<StoredKey>)>> {
        Ok(self
            .names()?
            .into_iter()
            .map(|n| {
                let key = self.load(&n);
                (n, key)
            })
            .collect())
    }

    /// Saves a new key under `name`; an existing key is never replaced. The file is read back
    /// and checked before this returns.
    pub fn save(&self, name: &str, key: &StoredKey) -> anyhow::Result<PathBuf> {
        let path = self.path_of(name)?;
        create_private_dir(&self.keys_dir())?;
        let mut key = key.clone();
        key.name = Some(name.to_string());
        write_key_file(&path, &key)?;
        Ok(path)
    }

    /// Renames a key: written under the new name (never over an existing key, read back and
    /// checked), then the old file removed. Its signing journal moves with it, so its history
    /// keeps refusing conflicting signatures. Refused while a ceremony uses the key.
    pub fn rename(&self, from: &str, to: &str) -> anyhow::Result<PathBuf> {
        check_name(to)?;
        let mut key = self.load(from)?;
        let dest = self.path_of(to)?;
        anyhow::ensure!(
            !dest.exists(),
            "{} already exists: refusing to overwrite a key",
            dest.display()
        );
        let journal = crate::journal::path_for_name(&self.home, from);
        let journal_dest = crate::journal::path_for_name(&self.home, to);
        anyhow::ensure!(
            !journal_dest.exists(),
            "{} already exists: a journal of another key is in the way",
            journal_dest.display()
        );
        let _in_use = crate::journal::JournalGuard::open(&journal, key.material.group())?;
        key.name = Some(to.to_string());
        write_key_file(&dest, &key)?;
        if journal.exists() {
            move_file(&journal, &journal_dest)?;
        }
        let source = self.path_of(from)?;
        std::fs::remove_file(&source)
            .with_context(|| format!("cannot remove {}", source.display()))?;
        sync_dir(&self.keys_dir())?;
        Ok(dest)
    }

    /// Deletes a key's file. Its journal is kept, set aside under a dated name, so the signing
    /// history survives and the name is free again. Refused while a ceremony uses the key.
    pub fn delete(&self, name: &str) -> anyhow::Result<()> {
        let path = self.path_of(name)?;
        anyhow::ensure!(
            path.exists(),
            "no key named {name:?} in {}",
            self.home.display()
        );
        let journal = crate::journal::path_for_name(&self.home, name);
        // An unreadable key file can still be deleted; a readable one is locked first.
        let _in_use = match keyfile::decode(&std::fs::read_to_string(&path).unwrap_or_default()) {
            Ok(key) => Some(crate::journal::JournalGuard::open(
                &journal,
                key.material.group(),
            )?),
            Err(_) => None,
        };
        if journal.exists() {
            let stamp = crate::journal::now().replace(':', "");
            move_file(
                &journal,
                &journal.with_file_name(format!("{name}.deleted-{stamp}.json")),
            )?;
        }
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        sync_dir(&self.keys_dir())
    }

    /// The key that must sign `request` (see [`choose`]), among the keys of this store.
    pub fn find_for(
        &self,
        request: &SigningRequest,
        need_share: bool,
    ) -> anyhow::Result<(String, StoredKey)> {
        let keys: Vec<(String, StoredKey)> = self
            .all()?
            .into_iter()
            .filter_map(|(name, key)| Some((name, key.ok()?)))
            .collect();
        let (name, key) = choose(&keys, request, need_share, &self.home.display().to_string())?;
        Ok((name.to_string(), key.clone()))
    }
}

/// Why no single key can sign a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoKey {
    #[error("no key in {store} can sign this {kind}: {needed}; nothing was signed")]
    None {
        store: String,
        kind: crate::request::RequestKind,
        needed: String,
    },
    #[error("several keys could sign this {kind} ({names}): choose one")]
    Several {
        kind: crate::request::RequestKind,
        names: String,
    },
}

/// The key that must sign `request`: a definition by its identity key, a vote by its
/// governance key, a transaction by the FVK that owns its notes. A follower needs a share
/// (encrypted or not); a coordinator may hold public key data only, but a share is preferred.
/// `store` names where the keys are kept, for the error.
pub fn choose<'k>(
    keys: &'k [(String, StoredKey)],
    request: &SigningRequest,
    need_share: bool,
    store: &str,
) -> Result<(&'k str, &'k StoredKey), NoKey> {
    let mut matches: Vec<&(String, StoredKey)> = keys
        .iter()
        .filter(|(_, key)| {
            (!need_share || key.material.has_share())
                && matches_request(key.material.group(), request)
        })
        .collect();
    if matches.len() > 1 && matches.iter().any(|(_, k)| k.material.has_share()) {
        matches.retain(|(_, k)| k.material.has_share());
    }
    match matches.as_slice() {
        [(name, key)] => Ok((name, key)),
        [] => Err(NoKey::None {
            store: store.to_string(),
            kind: request.kind(),
            needed: describe_needed(request),
        }),
        several => Err(NoKey::Several {
            kind: request.kind(),
            names: several
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Moves a file without ever replacing one: linked under the new name, then unlinked.
fn move_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::hard_link(from, to)
        .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
    std::fs::remove_file(from).with_context(|| format!("cannot remove {}", from.display()))?;
    if let Some(dir) = to.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot protect {}", dir.display()))?;
    }
    Ok(())
}

/// Writes a key file durably (never over an existing file) and checks it reads back the same.
pub fn write_key_file(path: &Path, key: &StoredKey) -> anyhow::Result<()> {
    let text = keyfile::encode(key);
    write_atomic(path, text.as_bytes(), Overwrite::Never).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists: refusing to overwrite a key",
                path.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
        }
    })?;
    let back = keyfile::decode(&std::fs::read_to_string(path)?)
        .with_context(|| format!("{} does not read back", path.display()))?;
    anyhow::ensure!(
        back.material.group() == key.material.group()
            && back.material.is_sealed() == key.material.is_sealed()
            && back.material.share().map(|s| s.signing_share())
                == key.material.share().map(|s| s.signing_share()),
        "{} did not read back as written",
        path.display()
    );
    Ok(())
}

/// Whether `group` is the key that signs `request`.
pub fn matches_request(group: &GroupKey, request: &SigningRequest) -> bool {
    match request {
        SigningRequest::ValidatorDefinition(v) => v.identity_key == group.identity_key(),
        SigningRequest::ValidatorVote(v) => v.governance_key == group.governance_key(),
        SigningRequest::Transaction(plan) => {
            let fvk = group.fvk();
            let mut notes = plan
                .spend_plans()
                .map(|s| s.note.address())
                .chain(plan.delegator_vote_plans().map(|v| v.staked_note.address()))
                .chain(plan.lqt_vote_plans().map(|v| v.staked_note.address()))
                .peekable();
            notes.peek().is_some() && notes.all(|a| fvk.address_index(&a).is_some())
        }
    }
}

fn describe_needed(request: &SigningRequest) -> String {
    match request {
        SigningRequest::ValidatorDefinition(v) => {
            format!("it needs identity key {}", v.identity_key)
        }
        SigningRequest::ValidatorVote(v) => format!("it needs governance key {}", v.governance_key),
        SigningRequest::Transaction(_) => "it spends notes that no stored key controls".into(),
    }
}

/// Writes dealt shares into `folder` as participant-1.toml .. participant-N.toml and the public
/// group.toml. Nothing is written if any of the files exists. Returns what was written.
pub fn write_dealt(
    shares: &[KeyShare],
    folder: &Path,
    protect: &dyn Fn(KeyMaterial) -> anyhow::Result<KeyMaterial>,
) -> anyhow::Result<Vec<String>> {
    let Some(first) = shares.first() else {
        return Ok(vec![]);
    };
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let files: Vec<PathBuf> = (1..=shares.len())
        .map(|i| folder.join(format!("participant-{i}.toml")))
        .chain(std::iter::once(folder.join("group.toml")))
        .collect();
    if let Some(existing) = files.iter().find(|p| p.exists()) {
        anyhow::bail!(
            "{} already exists: refusing to overwrite a key",
            existing.display()
        );
    }
    let stored = |material| StoredKey {
        name: None,
        material,
        transcript_fingerprint: None,
    };
    let mut report = Vec::new();
    for (share, path) in shares.iter().zip(&files) {
        write_key_file(path, &stored(protect(KeyMaterial::Share(share.clone()))?))?;
        report.push(format!(
            "wrote {} (participant {})",
            path.display(),
            share.fingerprint()
        ));
    }
    let group_path = files.last().expect("group.toml is always in the list");
    write_key_file(
        group_path,
        &stored(KeyMaterial::Public(first.group().clone())),
    )?;
    report.push(format!(
        "wrote {} (public: lets a coordinator without a share run a ceremony)",
        group_path.display()
    ));
    Ok(report)
}

/// Deals a fresh t-of-n key into `folder` (see [`write_dealt`]).
pub fn deal_to_folder(
    threshold: u16,
    participants: u16,
    folder: &Path,
    protect: &dyn Fn(KeyMaterial) -> anyhow::Result<KeyMaterial>,
    rng: &mut impl rand_core::CryptoRngCore,
) -> anyhow::Result<Vec<String>> {
    let shares = crate::keys::deal(rng, threshold, participants)?;
    let mut report = vec![
        format!(
            "Dealt a {threshold}-of-{participants} key. The dealer knew the whole key for a moment: \
             give each participant only its own file, then delete the others here."
        ),
        String::new(),
    ];
    report.extend(write_dealt(&shares, folder, protect)?);
    let group = shares[0].group();
    report.push(String::new());
    report.push(format!("identity key:   {}", group.identity_key()));
    report.push(format!("governance key: {}", group.governance_key()));
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u64) -> StoredKey {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let shares = crate::keys::deal(&mut rng, 2, 3).unwrap();
        StoredKey {
            name: None,
            material: KeyMaterial::Share(shares[0].clone()),
            transcript_fingerprint: None,
        }
    }

    /// Writes an (empty) journal for a stored key, as a signing ceremony would.
    fn write_journal(store: &Store, name: &str) -> PathBuf {
        let group = store.load(name).unwrap().material.group().clone();
        let path = crate::journal::path_for_name(store.home(), name);
        let mut guard = crate::journal::JournalGuard::open(&path, &group).unwrap();
        guard.replace(crate::journal::Journal::new(&group)).unwrap();
        path
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path())).unwrap();
        (dir, store)
    }

    #[test]
    fn rename_moves_the_key_and_its_journal() {
        let (_dir, store) = store();
        let original = key(1);
        store.save("old", &original).unwrap();
        let journal = write_journal(&store, "old");
        store.rename("old", "new").unwrap();
        assert_eq!(store.names().unwrap(), vec!["new".to_string()]);
        let back = store.load("new").unwrap();
        assert_eq!(back.name.as_deref(), Some("new"));
        assert!(back.material.group() == original.material.group());
        assert!(!journal.exists());
        assert!(crate::journal::path_for_name(store.home(), "new").exists());
    }

    #[test]
    fn rename_never_overwrites_and_refuses_a_key_in_use() {
        let (_dir, store) = store();
        store.save("a", &key(1)).unwrap();
        store.save("b", &key(2)).unwrap();
        let err = store.rename("a", "b").unwrap_err().to_string();
        assert!(err.contains("refusing to overwrite"), "{err}");
        assert!(store.rename("a", "bad name").is_err());
        assert!(store.rename("missing", "c").is_err());
        let group = store.load("a").unwrap().material.group().clone();
        let journal = crate::journal::path_for_name(store.home(), "a");
        let guard = crate::journal::JournalGuard::open(&journal, &group).unwrap();
        let err = format!("{:#}", store.rename("a", "c").unwrap_err());
        assert!(err.contains("in use"), "{err}");
        assert!(store.delete("a").is_err(), "a key in use is not deleted");
        drop(guard);
        assert_eq!(
            store.names().unwrap(),
            vec!["a".to_string(), "b".to_string()]
        );
    }

    #[test]
    fn delete_frees_the_name_and_keeps_the_journal_aside() {
        let (_dir, store) = store();
        store.save("gone", &key(3)).unwrap();
        let journal = write_journal(&store, "gone");
        store.delete("gone").unwrap();
        assert!(store.names().unwrap().is_empty());
        assert!(!journal.exists());
        let kept: Vec<String> = std::fs::read_dir(journal.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            kept.iter().any(|n| n.starts_with("gone.deleted-")),
            "{kept:?}"
        );
        assert!(store.delete("gone").is_err());
        store.save("gone", &key(4)).unwrap();
    }
}

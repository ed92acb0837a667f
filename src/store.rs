//! The key store: a home folder holding any number of named keys (for example `identity` and
//! `governance`), and the rules by which a ceremony picks the key a request needs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rand_core::OsRng;

use crate::fsutil::{
    create_private_dir, read_secret_text, remove_leftovers, write_atomic, Overwrite,
};
use crate::keyfile::{self, KeyMaterial, StoredKey};
use crate::keys::{GroupKey, KeyShare};
use crate::request::SigningRequest;

/// The environment variable that overrides the default home folder.
pub const HOME_ENV: &str = "HOARFROST_HOME";

/// A folder of named keys: `<home>/keys/<name>.toml`.
#[derive(Clone, Debug)]
pub struct Store {
    home: PathBuf,
    /// The state folder where the signing journals live (per share, whatever store holds
    /// it): `$HOARFROST_STATE`, else the user's state folder.
    state: PathBuf,
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
        Ok(Self {
            home,
            state: crate::journal::state_dir()?,
        })
    }

    /// The same store, its journals kept in another state folder (tests keep theirs apart).
    pub fn with_state(self, state: PathBuf) -> Self {
        Self { state, ..self }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Where the signing journals of the shares this store holds live.
    pub fn journal_folder(&self) -> PathBuf {
        self.state.join("journal")
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
        let text =
            read_secret_text(&path).with_context(|| format!("cannot read {}", path.display()))?;
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
        let dir = self.keys_dir();
        create_private_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut key = key.clone();
        key.name = Some(name.to_string());
        write_key_file(&path, &key)?;
        Ok(path)
    }

    /// Renames a key: written under the new name (never over an existing key, read back and
    /// checked), then the old file removed. Its signing journal belongs to the share, not to
    /// the name, so its history keeps refusing conflicting signatures. Refused while a
    /// ceremony uses the key.
    pub fn rename(&self, from: &str, to: &str) -> anyhow::Result<PathBuf> {
        check_name(to)?;
        let mut key = self.load(from)?;
        let dest = self.path_of(to)?;
        anyhow::ensure!(
            !dest.exists(),
            "{} already exists: refusing to overwrite a key",
            dest.display()
        );
        let _in_use = self.lock_share(from, &key)?;
        key.name = Some(to.to_string());
        write_key_file(&dest, &key)?;
        let source = self.path_of(from)?;
        std::fs::remove_file(&source)
            .with_context(|| format!("cannot remove {}", source.display()))?;
        sync_dir(&self.keys_dir())?;
        Ok(dest)
    }

    /// Deletes a key's file. Its journal stays where it is (it belongs to the share, not to
    /// the name), so the signing history survives and the name is free again. Refused while a
    /// ceremony uses the key.
    pub fn delete(&self, name: &str) -> anyhow::Result<()> {
        let path = self.path_of(name)?;
        anyhow::ensure!(
            path.exists(),
            "no key named {name:?} in {}",
            self.home.display()
        );
        // An unreadable key file can still be deleted; a readable one is locked first.
        let _in_use = match self.load(name) {
            Ok(key) => self.lock_share(name, &key)?,
            Err(_) => None,
        };
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        sync_dir(&self.keys_dir())
    }

    /// Holds the lock of a stored key's share (its journal's), so no ceremony uses it while
    /// its file changes; None for public key data, which no ceremony locks.
    fn lock_share(
        &self,
        name: &str,
        key: &StoredKey,
    ) -> anyhow::Result<Option<crate::journal::JournalGuard>> {
        if !key.material.has_share() {
            return Ok(None);
        }
        let origin = crate::journal::Origin::Stored {
            home: self.home.clone(),
            name: name.to_string(),
        };
        crate::journal::open_for_key(&self.journal_folder(), &origin, name, key).map(Some)
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

/// Makes a folder's entries (a new or removed file) durable.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes a key file durably (never over an existing file) and checks it reads back the same.
pub fn write_key_file(path: &Path, key: &StoredKey) -> anyhow::Result<()> {
    write_checked(path, key, Overwrite::Never)
}

/// Writes a key file durably and checks it reads back the same.
fn write_checked(path: &Path, key: &StoredKey, overwrite: Overwrite) -> anyhow::Result<()> {
    let text = keyfile::encode(key);
    write_atomic(path, text.as_bytes(), overwrite).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists: refusing to overwrite a key",
                path.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
        }
    })?;
    let back = keyfile::decode(&read_secret_text(path)?)
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

/// What [`replace_share`] did.
#[derive(Debug)]
pub struct Replaced {
    /// The key file that now holds the new share.
    pub key_file: PathBuf,
    /// The public group description replaced (or written), if one was given.
    pub group_file: Option<PathBuf>,
    /// What earlier writes of the key file had left beside it (a backup, temporary files),
    /// removed.
    pub removed: Vec<PathBuf>,
}

/// Replaces the share in the key file at `path` (a stored key's or any hoarfrost key file)
/// with `share`: the same participant's share of the same key after a refresh (the next
/// generation) or a repair (the group with its newcomer). `before` is the key as it was loaded
/// when the ceremony started; the file must still hold it.
///
/// The old share is destroyed, not kept: a refresh protects nothing if old shares survive. The
/// new file is written beside the old one, synced and renamed over it (the old file is never
/// written in place and no backup is made), then read back and opened; a backup or temporary
/// file of the key file that earlier writes left is removed. A sealed share is sealed again
/// under `passphrase` (the one it was opened with) with its Argon2id cost; a plain one stays
/// plain. The signing journal carries over untouched: it is found by the group key and the
/// participant, which a refresh or repair never changes. `group_file`, a public group
/// description (group.toml), is replaced with the new one.
pub fn replace_share(
    path: &Path,
    before: &StoredKey,
    share: &KeyShare,
    passphrase: Option<&[u8]>,
    group_file: Option<&Path>,
) -> anyhow::Result<Replaced> {
    let shown = path.display();
    let current = keyfile::decode(&read_secret_text(path)?)
        .with_context(|| format!("{shown} no longer reads as a key file: nothing was replaced"))?;
    anyhow::ensure!(
        current.material.participant() == before.material.participant()
            && current.material.group() == before.material.group(),
        "{shown} changed since the ceremony started: nothing was replaced"
    );
    anyhow::ensure!(
        before.material.participant() == Some(share.verification_key())
            && share.group().fvk() == before.material.group().fvk(),
        "the new share is not this participant's share of this key: nothing was replaced"
    );
    let material = match &before.material {
        KeyMaterial::Sealed { sealed, .. } => {
            let passphrase = passphrase.with_context(|| {
                format!("{shown} is encrypted: its passphrase is needed to seal the new share")
            })?;
            KeyMaterial::Share(share.clone()).seal(passphrase, sealed.params, &mut OsRng)?
        }
        KeyMaterial::Share(_) => KeyMaterial::Share(share.clone()),
        KeyMaterial::Public(_) => anyhow::bail!("{shown} holds no share to replace"),
    };
    // A group file that is not this key's public description is refused before anything is
    // written.
    let group_overwrite = group_file
        .map(|g| group_file_overwrite(g, share.group()))
        .transpose()?;
    let key = StoredKey {
        name: before.name.clone(),
        material,
        transcript_fingerprint: before.transcript_fingerprint.clone(),
    };
    write_checked(path, &key, Overwrite::Replace)?;
    let opened = keyfile::decode(&read_secret_text(path)?)?
        .material
        .unlock(passphrase)?;
    anyhow::ensure!(
        opened.as_ref().map(|s| (s.group(), s.signing_share()))
            == Some((share.group(), share.signing_share())),
        "{shown} does not open to the new share"
    );
    let removed =
        remove_leftovers(path).with_context(|| format!("cannot clean up beside {shown}"))?;
    if let (Some(group_file), Some(overwrite)) = (group_file, group_overwrite) {
        let public = StoredKey {
            name: None,
            material: KeyMaterial::Public(share.group().clone()),
            transcript_fingerprint: None,
        };
        write_checked(group_file, &public, overwrite)?;
    }
    Ok(Replaced {
        key_file: path.to_path_buf(),
        group_file: group_file.map(Path::to_path_buf),
        removed,
    })
}

/// How a public group description of `group`'s key at `path` is written: replacing the one
/// there, or new. Anything else at `path` is refused.
fn group_file_overwrite(path: &Path, group: &GroupKey) -> anyhow::Result<Overwrite> {
    if !path.exists() {
        return Ok(Overwrite::Never);
    }
    let old =
        keyfile::decode(&read_secret_text(path)?).with_context(|| path.display().to_string())?;
    anyhow::ensure!(
        !old.material.has_share() && old.material.group().fvk() == group.fvk(),
        "{} is not this key's public group description: nothing was replaced",
        path.display()
    );
    Ok(Overwrite::Replace)
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

    /// Public key data: no share, so no journal or lock is involved (the lock of a share's
    /// journal is tested through the binary, whose state folder the tests choose).
    fn key(seed: u64) -> StoredKey {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let shares = crate::keys::deal(&mut rng, 2, 3).unwrap();
        StoredKey {
            name: None,
            material: KeyMaterial::Public(shares[0].group().clone()),
            transcript_fingerprint: None,
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path())).unwrap();
        (dir, store)
    }

    #[test]
    fn rename_moves_the_key() {
        let (_dir, store) = store();
        let original = key(1);
        store.save("old", &original).unwrap();
        store.rename("old", "new").unwrap();
        assert_eq!(store.names().unwrap(), vec!["new".to_string()]);
        let back = store.load("new").unwrap();
        assert_eq!(back.name.as_deref(), Some("new"));
        assert!(back.material.group() == original.material.group());
    }

    #[test]
    fn rename_never_overwrites() {
        let (_dir, store) = store();
        store.save("a", &key(1)).unwrap();
        store.save("b", &key(2)).unwrap();
        let err = store.rename("a", "b").unwrap_err().to_string();
        assert!(err.contains("refusing to overwrite"), "{err}");
        assert!(store.rename("a", "bad name").is_err());
        assert!(store.rename("missing", "c").is_err());
        assert_eq!(
            store.names().unwrap(),
            vec!["a".to_string(), "b".to_string()]
        );
    }

    #[test]
    fn delete_frees_the_name() {
        let (_dir, store) = store();
        store.save("gone", &key(3)).unwrap();
        store.delete("gone").unwrap();
        assert!(store.names().unwrap().is_empty());
        assert!(store.delete("gone").is_err());
        store.save("gone", &key(4)).unwrap();
    }
}

//! Passphrases: from a file for scripts, otherwise asked on the terminal without echo.

use std::path::{Path, PathBuf};

use anyhow::Context;
use zeroize::Zeroizing;

use super::args::{SealArgs, UnlockArgs};
use crate::keyfile::{KeyMaterial, StoredKey};
use crate::keys::KeyShare;
use crate::sealed::{KdfParams, SealError};

fn read_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let text = crate::fsutil::read_secret_text(path)
        .with_context(|| format!("cannot read passphrase file {}", path.display()))?;
    let line = Zeroizing::new(text.lines().next().unwrap_or("").to_string());
    anyhow::ensure!(
        !line.is_empty(),
        "passphrase file {} is empty",
        path.display()
    );
    Ok(line)
}

fn ask(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .context("cannot read a passphrase from the terminal: pass --passphrase-file FILE")
}

/// Opens encrypted keys.
pub struct Unlocker {
    passphrase_file: Option<PathBuf>,
}

impl Unlocker {
    pub fn new(args: &UnlockArgs) -> Self {
        Self {
            passphrase_file: args.passphrase_file.clone(),
        }
    }

    /// The passphrase of key `label`, and whether asking again could help.
    pub fn passphrase(&self, label: &str) -> anyhow::Result<(Zeroizing<String>, bool)> {
        match &self.passphrase_file {
            Some(path) => Ok((read_file(path)?, false)),
            None => Ok((ask(&format!("Passphrase for key {label}: "))?, true)),
        }
    }

    /// The share of a stored key, opening it if it is sealed. None for public-only keys.
    pub fn unlock(&self, label: &str, key: &StoredKey) -> anyhow::Result<Option<KeyShare>> {
        Ok(self.unlock_keeping(label, key)?.0)
    }

    /// The share of a stored key and, if it was sealed, the passphrase that opened it (to seal
    /// its replacement under the same one).
    pub fn unlock_keeping(
        &self,
        label: &str,
        key: &StoredKey,
    ) -> anyhow::Result<(Option<KeyShare>, Option<Zeroizing<String>>)> {
        if !key.material.is_sealed() {
            return Ok((key.material.share().cloned(), None));
        }
        for attempt in 1..=3 {
            let (p, retry) = self.passphrase(label)?;
            match key.material.unlock(Some(p.as_bytes())) {
                Ok(share) => return Ok((share, Some(p))),
                Err(SealError::WrongPassphrase) if retry && attempt < 3 => {
                    eprintln!("Wrong passphrase; try again.")
                }
                Err(e) => anyhow::bail!("key {label}: {e}"),
            }
        }
        unreachable!("the third attempt returns")
    }
}

/// Seals new shares (or, with --unencrypted, does not).
pub struct Sealer {
    passphrase_file: Option<PathBuf>,
    unencrypted: bool,
    pub kdf: KdfParams,
}

impl Sealer {
    pub fn new(args: &SealArgs) -> anyhow::Result<Self> {
        Ok(Self {
            passphrase_file: args.passphrase_file.clone(),
            unencrypted: args.unencrypted,
            kdf: super::kdf(args)?,
        })
    }

    /// The passphrase to seal a new key with, or None with --unencrypted. Asked twice.
    pub fn for_new_key(&self, what: &str) -> anyhow::Result<Option<Zeroizing<String>>> {
        if self.unencrypted {
            return Ok(None);
        }
        if let Some(path) = &self.passphrase_file {
            return read_file(path).map(Some);
        }
        use std::io::IsTerminal;
        anyhow::ensure!(
            std::io::stderr().is_terminal() || std::io::stdin().is_terminal(),
            "{what} is encrypted with a passphrase: pass --passphrase-file FILE, or --unencrypted to store it in the clear"
        );
        loop {
            let first = ask(&format!("New passphrase for {what}: "))?;
            if first.is_empty() {
                eprintln!("The passphrase is empty; try again (or use --unencrypted).");
                continue;
            }
            let second = ask("Repeat the passphrase: ")?;
            if *first == *second {
                return Ok(Some(first));
            }
            eprintln!("The passphrases differ; try again.");
        }
    }

    /// Seals `material` under `passphrase` (None: left as it is).
    pub fn seal_with(
        &self,
        material: KeyMaterial,
        passphrase: Option<&Zeroizing<String>>,
    ) -> anyhow::Result<KeyMaterial> {
        Ok(match passphrase {
            Some(p) => material.seal(p.as_bytes(), self.kdf, &mut rand_core::OsRng)?,
            None => material,
        })
    }

    /// Seals material for storage, unless --unencrypted.
    pub fn protect(&self, material: KeyMaterial, what: &str) -> anyhow::Result<KeyMaterial> {
        let passphrase = self.for_new_key(what)?;
        self.seal_with(material, passphrase.as_ref())
    }
}

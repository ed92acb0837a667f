//! Passphrases: from a file for scripts, otherwise asked on the terminal without echo.

use std::path::PathBuf;

use anyhow::Context;
use zeroize::Zeroizing;

use crate::keyfile::{KeyMaterial, StoredKey};
use crate::keys::KeyShare;
use crate::sealed::{KdfParams, SealError};

/// How this command gets passphrases and how new keys are sealed.
pub struct Secrets {
    pub passphrase_file: Option<PathBuf>,
    pub unencrypted: bool,
    pub kdf: KdfParams,
}

impl Secrets {
    fn read_file(&self) -> anyhow::Result<Option<Zeroizing<String>>> {
        let Some(path) = &self.passphrase_file else {
            return Ok(None);
        };
        let text = crate::fsutil::read_secret_text(path)
            .with_context(|| format!("cannot read passphrase file {}", path.display()))?;
        let line = Zeroizing::new(text.lines().next().unwrap_or("").to_string());
        anyhow::ensure!(
            !line.is_empty(),
            "passphrase file {} is empty",
            path.display()
        );
        Ok(Some(line))
    }

    fn ask(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .context("cannot read a passphrase from the terminal: pass --passphrase-file FILE")
    }

    /// The passphrase to seal a new key with, or None with --unencrypted. Asked twice.
    pub fn for_new_key(&self, what: &str) -> anyhow::Result<Option<Zeroizing<String>>> {
        if self.unencrypted {
            anyhow::ensure!(
                self.passphrase_file.is_none(),
                "--unencrypted and --passphrase-file contradict each other"
            );
            return Ok(None);
        }
        if let Some(p) = self.read_file()? {
            return Ok(Some(p));
        }
        use std::io::IsTerminal;
        anyhow::ensure!(
            std::io::stderr().is_terminal() || std::io::stdin().is_terminal(),
            "{what} is encrypted with a passphrase: pass --passphrase-file FILE, or --unencrypted to store it in the clear"
        );
        loop {
            let first = Self::ask(&format!("New passphrase for {what}: "))?;
            if first.is_empty() {
                eprintln!("The passphrase is empty; try again (or use --unencrypted).");
                continue;
            }
            let second = Self::ask("Repeat the passphrase: ")?;
            if *first == *second {
                return Ok(Some(first));
            }
            eprintln!("The passphrases differ; try again.");
        }
    }

    /// Seals material for storage, unless --unencrypted.
    pub fn protect(&self, material: KeyMaterial, what: &str) -> anyhow::Result<KeyMaterial> {
        match self.for_new_key(what)? {
            None => Ok(material),
            Some(passphrase) => {
                Ok(material.seal(passphrase.as_bytes(), self.kdf, &mut rand_core::OsRng)?)
            }
        }
    }

    /// The share of a stored key, opening it if it is sealed. None for public-only keys.
    pub fn unlock(&self, label: &str, key: &StoredKey) -> anyhow::Result<Option<KeyShare>> {
        if !key.material.is_sealed() {
            return Ok(key.material.share().cloned());
        }
        if let Some(p) = self.read_file()? {
            return key
                .material
                .unlock(Some(p.as_bytes()))
                .map_err(|e| anyhow::anyhow!("key {label}: {e}"));
        }
        for attempt in 1..=3 {
            let p = Self::ask(&format!("Passphrase for key {label}: "))?;
            match key.material.unlock(Some(p.as_bytes())) {
                Ok(share) => return Ok(share),
                Err(SealError::WrongPassphrase) if attempt < 3 => {
                    eprintln!("Wrong passphrase; try again.")
                }
                Err(e) => anyhow::bail!("key {label}: {e}"),
            }
        }
        unreachable!("the third attempt returns")
    }
}

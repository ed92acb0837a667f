//! Key commands: deal, split, list, show, definition template, pcli import and export; and how a
//! command finds its key.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rand_core::OsRng;
use zeroize::Zeroizing;

use super::args::ShareDestinations;
use super::secrets::{Sealer, Unlocker};
use crate::fsutil::{read_secret_text, write_atomic, Overwrite};
use crate::keyfile::{self, KeyMaterial, PcliSection, StoredKey};
use crate::keys::{format_date, GroupKey, KeyShare};
use crate::spec::KeyChoice;
use crate::split::{spend_key_from_pcli, spend_key_from_phrase, split_spend_key, WipedSpendKey};
use crate::store::{check_name, write_dealt, write_key_file, Store};

/// Loads a key file: hoarfrost's own format, or a pcli config holding a threshold backend.
pub fn load_file(path: &Path) -> anyhow::Result<StoredKey> {
    let text = read_secret_text(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    keyfile::decode_any(&text).with_context(|| format!("{}", path.display()))
}

/// The key a command names with `--key FILE` or `--name NAME`; with neither, the store's only
/// key. Returns a label for messages and the key.
pub fn resolve(store: &Store, choice: &KeyChoice) -> anyhow::Result<(String, StoredKey)> {
    match choice {
        KeyChoice::File(path) => Ok((path.display().to_string(), load_file(path)?)),
        KeyChoice::Name(name) => Ok((name.clone(), store.load(name)?)),
        KeyChoice::Auto => {
            let names = store.names()?;
            match names.as_slice() {
                [only] => Ok((only.clone(), store.load(only)?)),
                [] => anyhow::bail!(
                    "no keys in {}: pass --key FILE, or create one with `hoarfrost dkg` or `hoarfrost deal`",
                    store.home().display()
                ),
                _ => anyhow::bail!(
                    "several keys in {} ({}): pass --name",
                    store.home().display(),
                    names.join(", ")
                ),
            }
        }
    }
}

/// Where new shares go, checked (arguments and every destination) before any key exists.
struct ShareTargets<'a> {
    out: Option<&'a Path>,
    name: Option<&'a str>,
    stores: Vec<Store>,
}

impl<'a> ShareTargets<'a> {
    fn check(store: &Store, participants: u16, to: &'a ShareDestinations) -> anyhow::Result<Self> {
        let (out, name, homes) = (to.out.as_deref(), to.name.as_deref(), &to.homes);
        anyhow::ensure!(
            out.is_some() || !homes.is_empty() || name.is_some(),
            "say where the shares go: --out DIR, and/or --name NAME (with --homes, one per participant)"
        );
        if !homes.is_empty() {
            anyhow::ensure!(
                homes.len() == usize::from(participants),
                "--homes names {} folders for {participants} participants",
                homes.len()
            );
            anyhow::ensure!(
                name.is_some(),
                "--homes needs --name: the name to store the shares under"
            );
        }
        if name.is_some() && homes.is_empty() {
            anyhow::ensure!(
                out.is_some(),
                "without --homes only share 1 goes into this store: pass --out DIR for the others"
            );
        }
        let stores: Vec<Store> = match (name, homes.is_empty()) {
            (Some(_), false) => homes
                .iter()
                .map(|h| Store::open(Some(h)))
                .collect::<anyhow::Result<_>>()?,
            (Some(_), true) => vec![Store::open(Some(store.home()))?],
            (None, _) => vec![],
        };
        if let Some(name) = name {
            check_name(name)?;
            for s in &stores {
                let path = s.path_of(name)?;
                anyhow::ensure!(
                    !path.exists(),
                    "{} already exists: refusing to overwrite a key",
                    path.display()
                );
            }
        }
        Ok(Self { out, name, stores })
    }

    /// Writes each share (sealed under `passphrase` unless it is None) to every destination.
    fn write(
        &self,
        shares: &[KeyShare],
        secrets: &Sealer,
        passphrase: Option<&Zeroizing<String>>,
    ) -> anyhow::Result<()> {
        let protect = |material: KeyMaterial| secrets.seal_with(material, passphrase);
        if let Some(out) = self.out {
            for line in write_dealt(shares, out, &protect)? {
                eprintln!("  {line}");
            }
        }
        if let Some(name) = self.name {
            for (share, target) in shares.iter().zip(&self.stores) {
                let stored = StoredKey {
                    name: Some(name.to_string()),
                    material: protect(KeyMaterial::Share(share.clone()))?,
                    transcript_fingerprint: None,
                };
                let path = target.save(name, &stored)?;
                eprintln!(
                    "  stored {} (participant {})",
                    path.display(),
                    share.fingerprint()
                );
            }
        }
        Ok(())
    }
}

pub fn deal(
    store: &Store,
    secrets: &Sealer,
    threshold: u16,
    participants: u16,
    to: &ShareDestinations,
) -> anyhow::Result<()> {
    let targets = ShareTargets::check(store, participants, to)?;
    // Ask for the passphrase before anything is dealt: one passphrase seals every share here;
    // each participant can import its own file into its store under a passphrase of its own.
    let passphrase = secrets.for_new_key("the dealt shares")?;
    let shares = crate::keys::deal(&mut OsRng, threshold, participants)?;
    eprintln!(
        "Dealt a {threshold}-of-{participants} key. The dealer knew the whole key for a moment: \
         give each participant only its own share, then delete the others here."
    );
    targets.write(&shares, secrets, passphrase.as_ref())?;
    print_group(shares[0].group(), None);
    Ok(())
}

/// Where the key to split comes from.
pub enum SplitSource {
    /// Typed on the terminal, without echo.
    AskPhrase,
    PhraseFile(PathBuf),
    Pcli(PathBuf, PcliSection),
}

fn read_spend_key(source: &SplitSource) -> anyhow::Result<WipedSpendKey> {
    Ok(match source {
        SplitSource::AskPhrase => {
            let phrase = rpassword::prompt_password("Seed phrase (the words are not shown): ")
                .map(Zeroizing::new)
                .context(
                    "cannot read the seed phrase from the terminal: pass --phrase-file FILE",
                )?;
            spend_key_from_phrase(&phrase)?
        }
        SplitSource::PhraseFile(path) => {
            let phrase = read_secret_text(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            spend_key_from_phrase(&phrase).with_context(|| path.display().to_string())?
        }
        SplitSource::Pcli(path, section) => {
            let text = read_secret_text(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            spend_key_from_pcli(&text, *section).with_context(|| path.display().to_string())?
        }
    })
}

/// Splits an existing spend key into t-of-n shares, written as `deal` writes them.
pub fn split(
    store: &Store,
    secrets: &Sealer,
    threshold: u16,
    participants: u16,
    source: &SplitSource,
    to: &ShareDestinations,
) -> anyhow::Result<()> {
    let targets = ShareTargets::check(store, participants, to)?;
    eprintln!(
        "Splitting an existing key is a trusted-dealer step: this machine holds the whole spend \
         key while it runs. Run it on an offline (airgapped) machine."
    );
    let passphrase = secrets.for_new_key("the split shares")?;
    let spend_key = read_spend_key(source)?;
    let shares = split_spend_key(&mut OsRng, &spend_key, threshold, participants)?;
    // The whole key leaves memory before anything is written.
    drop(spend_key);
    eprintln!(
        "Split the key {threshold}-of-{participants}: give each participant only its own share, \
         then delete the others here."
    );
    targets.write(&shares, secrets, passphrase.as_ref())?;
    print_group(shares[0].group(), None);
    eprintln!(
        "Compare the identity key above with the validator's on chain (pcli query validator \
         list): it must be the same. The seed phrase or pcli config still holds the whole key: \
         once every participant holds its share, destroy it, or keep it offline knowing it \
         bypasses the threshold."
    );
    Ok(())
}

pub fn print_group(group: &GroupKey, transcript: Option<&str>) {
    eprintln!(
        "{}-of-{} threshold key",
        group.threshold(),
        group.participant_count()
    );
    eprintln!("  identity key:     {}", group.identity_key());
    eprintln!("  governance key:   {}", group.governance_key());
    eprintln!("  full viewing key: {}", group.fvk());
    if let Some(fp) = transcript {
        eprintln!("  fingerprint:      {fp}");
    }
    let participants: Vec<String> = group.participants().map(|p| p.fingerprint()).collect();
    eprintln!("  participants:     {}", participants.join(" "));
    if usize::from(group.threshold()) * 2 <= group.participant_count() {
        eprintln!(
            "  warning: t = {} is at most half of n = {}: two disjoint groups could sign conflicting things",
            group.threshold(),
            group.participant_count()
        );
    }
}

pub fn list(store: &Store) -> anyhow::Result<()> {
    let keys = store.all()?;
    if keys.is_empty() {
        eprintln!("no keys in {}", store.home().display());
        return Ok(());
    }
    println!(
        "{:<16} {:<7} {:<10} {:<26} identity key",
        "name", "t-of-n", "share", "fingerprint"
    );
    for (name, key) in keys {
        match key {
            Ok(key) => {
                let group = key.material.group();
                println!(
                    "{:<16} {:<7} {:<10} {:<26} {}",
                    name,
                    format!("{}-of-{}", group.threshold(), group.participant_count()),
                    key.material.participant_label(),
                    key.transcript_fingerprint.as_deref().unwrap_or("(dealt)"),
                    group.identity_key()
                );
            }
            Err(e) => println!("{name:<16} unreadable: {e:#}"),
        }
    }
    Ok(())
}

pub fn show(store: &Store, choice: &KeyChoice) -> anyhow::Result<()> {
    let (label, stored) = resolve(store, choice)?;
    let group = stored.material.group();
    println!("key:              {label}");
    println!(
        "threshold:        {}-of-{}",
        group.threshold(),
        group.participant_count()
    );
    match stored.material.participant_fingerprint() {
        Some(fp) => println!("this participant: {fp}"),
        None => println!("this participant: none (public key data only)"),
    }
    println!(
        "share:            {}",
        match &stored.material {
            KeyMaterial::Sealed { sealed, .. } => format!(
                "encrypted (Argon2id m={} MiB, t={}, p={})",
                sealed.params.memory_kib / 1024,
                sealed.params.iterations,
                sealed.params.parallelism
            ),
            KeyMaterial::Share(_) => "UNENCRYPTED".to_string(),
            KeyMaterial::Public(_) => "none".to_string(),
        }
    );
    println!("identity key:     {}", group.identity_key());
    println!("governance key:   {}", group.governance_key());
    println!("full viewing key: {}", group.fvk());
    let generation = group.generation();
    match generation.refreshed {
        Some(date) => println!(
            "generation:       {} (refreshed {})",
            generation.number,
            format_date(date)
        ),
        None => println!("generation:       0 (never refreshed)"),
    }
    println!(
        "fingerprint:      {}",
        stored
            .transcript_fingerprint
            .as_deref()
            .unwrap_or("none (dealt or imported key)")
    );
    println!("participants:");
    for p in group.participants() {
        println!("  {}  {}", p.fingerprint(), hex::encode(p.vk.as_bytes()));
    }
    Ok(())
}

pub fn rename(store: &Store, from: &str, to: &str) -> anyhow::Result<()> {
    let path = store.rename(from, to)?;
    eprintln!("renamed key {from:?} to {to:?} ({})", path.display());
    Ok(())
}

/// Deletes a key after the person typed its name (or with --yes).
pub fn delete(store: &Store, name: &str, yes: bool) -> anyhow::Result<()> {
    let path = store.path_of(name)?;
    let what = match store.load(name) {
        Ok(key) => delete_warning(name, &key),
        Err(_) if path.exists() => format!("the unreadable key file {}", path.display()),
        Err(e) => return Err(e),
    };
    if !yes {
        eprintln!("This deletes {what}. Type the key's name ({name}) to delete it:");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        anyhow::ensure!(
            answer.trim() == name,
            "not deleted: the name typed was not {name:?}"
        );
    }
    store.delete(name)?;
    eprintln!("deleted key {name:?}");
    Ok(())
}

/// What deleting a key loses, in words (both front ends ask with it).
pub fn delete_warning(name: &str, key: &StoredKey) -> String {
    let group = key.material.group();
    match key.material.participant_fingerprint() {
        Some(fp) => format!(
            "key {name:?}: participant {fp}'s share of a {}-of-{} key (it cannot be recovered)",
            group.threshold(),
            group.participant_count()
        ),
        None => format!(
            "key {name:?}: public data of a {}-of-{} key",
            group.threshold(),
            group.participant_count()
        ),
    }
}

pub fn template(
    store: &Store,
    key: &KeyChoice,
    governance: &KeyChoice,
    file: Option<&Path>,
) -> anyhow::Result<()> {
    let (_, identity) = resolve(store, key)?;
    let governance_key = match governance {
        KeyChoice::Auto => None,
        choice => Some(resolve(store, choice)?.1.material.group().governance_key()),
    };
    let text = crate::definition::definition_template(
        &mut OsRng,
        identity.material.group(),
        governance_key,
    )?;
    match file {
        Some(path) => {
            write_atomic(path, text.as_bytes(), Overwrite::Never)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

pub fn import_pcli(
    store: &Store,
    secrets: &Sealer,
    config: &Path,
    section: PcliSection,
    name: Option<&str>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let text =
        read_secret_text(config).with_context(|| format!("cannot read {}", config.display()))?;
    let share = keyfile::import_pcli(&text, section)?;
    let (fingerprint, group) = (share.fingerprint(), share.group().clone());
    let stored = StoredKey {
        name: name.map(str::to_string),
        material: secrets.protect(KeyMaterial::Share(share), "the imported key")?,
        transcript_fingerprint: None,
    };
    if let Some(name) = name {
        let path = store.save(name, &stored)?;
        eprintln!("stored {} (participant {fingerprint})", path.display());
    }
    if let Some(out) = out {
        write_key_file(out, &stored)?;
        eprintln!("wrote {} (participant {fingerprint})", out.display());
    }
    print_group(&group, None);
    Ok(())
}

pub fn export_pcli(
    store: &Store,
    secrets: &Unlocker,
    key: &KeyChoice,
    section: PcliSection,
    grpc_url: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let (label, stored) = resolve(store, key)?;
    let share = secrets
        .unlock(&label, &stored)?
        .ok_or_else(|| anyhow::anyhow!("{label} holds no share to export"))?;
    let text = keyfile::export_pcli(&share, grpc_url, section)?;
    eprintln!("warning: pcli's threshold config holds the share in the clear; keep the file safe.");
    write_atomic(out, text.as_bytes(), Overwrite::Never)
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

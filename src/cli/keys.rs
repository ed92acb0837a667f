//! Key commands: deal, show, definition template, pcli import and export.

use std::path::Path;

use anyhow::Context;
use rand_core::OsRng;

use crate::fsutil::{write_atomic, Overwrite};
use crate::keyfile::{self, KeyMaterial, PcliSection, StoredKey};
use crate::keys::GroupKey;

/// Loads a key file: hoarfrost's own format, or a pcli config holding a threshold backend.
pub fn load(path: &Path) -> anyhow::Result<StoredKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    keyfile::decode_any(&text).with_context(|| format!("{}", path.display()))
}

fn write_key(path: &Path, stored: &StoredKey) -> anyhow::Result<()> {
    let text = keyfile::encode(stored);
    write_atomic(path, text.as_bytes(), Overwrite::Never)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // Read the file back and check it before reporting success.
    let back = load(path)?;
    anyhow::ensure!(
        back.material.group() == stored.material.group(),
        "{} did not read back as written",
        path.display()
    );
    Ok(())
}

pub fn deal(threshold: u16, participants: u16, out: &Path) -> anyhow::Result<()> {
    let shares = crate::keys::deal(&mut OsRng, threshold, participants)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let paths: Vec<_> = (1..=shares.len())
        .map(|i| out.join(format!("participant-{i}.toml")))
        .chain(std::iter::once(out.join("group.toml")))
        .collect();
    if let Some(existing) = paths.iter().find(|p| p.exists()) {
        anyhow::bail!(
            "{} already exists: refusing to overwrite a key",
            existing.display()
        );
    }
    let group = shares[0].group().clone();
    eprintln!(
        "Dealt a {threshold}-of-{participants} key. The dealer knew the whole key for a moment: \
         give each participant only its own file, then delete the others here."
    );
    for (share, path) in shares.into_iter().zip(&paths) {
        let fingerprint = share.fingerprint();
        write_key(
            path,
            &StoredKey {
                name: None,
                material: KeyMaterial::Share(share),
                transcript_fingerprint: None,
            },
        )?;
        eprintln!("  wrote {} (participant {fingerprint})", path.display());
    }
    let group_path = paths.last().expect("group.toml is always in the list");
    write_key(
        group_path,
        &StoredKey {
            name: None,
            material: KeyMaterial::Public(group.clone()),
            transcript_fingerprint: None,
        },
    )?;
    eprintln!(
        "  wrote {} (public: lets a coordinator without a share run a ceremony)",
        group_path.display()
    );
    print_group(&group);
    Ok(())
}

fn print_group(group: &GroupKey) {
    eprintln!(
        "{}-of-{} threshold key",
        group.threshold(),
        group.participant_count()
    );
    eprintln!("  identity key:   {}", group.identity_key());
    eprintln!("  governance key: {}", group.governance_key());
    eprintln!("  full viewing key: {}", group.fvk());
    eprintln!("  participants:");
    for p in group.participants() {
        eprintln!("    {}", p.fingerprint());
    }
}

pub fn show(path: &Path) -> anyhow::Result<()> {
    let stored = load(path)?;
    let group = stored.material.group();
    println!("file:             {}", path.display());
    if let Some(name) = &stored.name {
        println!("name:             {name}");
    }
    println!(
        "threshold:        {}-of-{}",
        group.threshold(),
        group.participant_count()
    );
    match stored.material.share() {
        Some(share) => println!("this participant: {}", share.fingerprint()),
        None => println!("this participant: none (public key data only)"),
    }
    println!("identity key:     {}", group.identity_key());
    println!("governance key:   {}", group.governance_key());
    println!("full viewing key: {}", group.fvk());
    if let Some(fp) = &stored.transcript_fingerprint {
        println!("transcript:       {fp}");
    }
    println!("participants:");
    for p in group.participants() {
        println!("  {}  {}", p.fingerprint(), hex::encode(p.vk.as_bytes()));
    }
    Ok(())
}

pub fn template(key: &Path, governance: Option<&Path>, file: Option<&Path>) -> anyhow::Result<()> {
    let identity = load(key)?;
    let governance_key = governance
        .map(|g| load(g).map(|k| k.material.group().governance_key()))
        .transpose()?;
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

pub fn import_pcli(config: &Path, section: PcliSection, out: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read {}", config.display()))?;
    let share = keyfile::import_pcli(&text, section)?;
    let fingerprint = share.fingerprint();
    let group = share.group().clone();
    write_key(
        out,
        &StoredKey {
            name: None,
            material: KeyMaterial::Share(share),
            transcript_fingerprint: None,
        },
    )?;
    eprintln!("wrote {} (participant {fingerprint})", out.display());
    print_group(&group);
    Ok(())
}

pub fn export_pcli(
    key: &Path,
    section: PcliSection,
    grpc_url: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let stored = load(key)?;
    let share = stored
        .material
        .share()
        .ok_or_else(|| anyhow::anyhow!("{} holds no share to export", key.display()))?;
    let text = keyfile::export_pcli(share, grpc_url, section)?;
    write_atomic(out, text.as_bytes(), Overwrite::Never)
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

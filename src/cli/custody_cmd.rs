//! Line-mode refresh and repair: each opens its key (asking the passphrase once, at the
//! start), starts a session and hands it to the driver; what happens in the ceremony is the
//! session's. Afterwards the new share replaces the old one through the store's one function
//! for it ([`crate::store::replace_share`]).

use std::path::{Path, PathBuf};

use anyhow::Context;
use ed25519_consensus::VerificationKey;
use rand_core::OsRng;
use zeroize::Zeroizing;

use super::args::PartArgs;
use super::ceremonies::{check_new_name, run};
use super::keys::{load_file, print_group, resolve};
use super::lines::say;
use super::secrets::{Sealer, Unlocker};
use crate::fsutil::read_secret_text;
use crate::keyfile::{self, KeyMaterial, StoredKey};
use crate::keys::{format_date, GroupKey, KeyShare};
use crate::session::{Outcome, Session};
use crate::spec::KeyChoice;
use crate::store::{replace_share, write_key_file, Store};

/// A key opened for a ceremony whose outcome replaces its share.
struct Opened {
    label: String,
    /// How commands name this key: `--name NAME` or `--key FILE`.
    named: String,
    path: PathBuf,
    stored: StoredKey,
    share: KeyShare,
    passphrase: Option<Zeroizing<String>>,
}

/// Opens the key a refresh or repair replaces: a hoarfrost key file (in the store or named by
/// --key) that holds a share. Its passphrase is asked now, once, and kept to seal the new share.
fn open(store: &Store, unlocker: &Unlocker, choice: &KeyChoice) -> anyhow::Result<Opened> {
    let (label, stored) = resolve(store, choice)?;
    let (path, named) = match choice {
        KeyChoice::File(path) => (path.clone(), format!("--key {}", path.display())),
        _ => (store.path_of(&label)?, format!("--name {label}")),
    };
    // A pcli config would be rewritten in hoarfrost's format, which pcli cannot read.
    keyfile::decode(&read_secret_text(&path)?).map_err(|_| {
        anyhow::anyhow!(
            "{} is not a hoarfrost key file: import it first (hoarfrost keys import-pcli --name NAME), then use --name NAME",
            path.display()
        )
    })?;
    let (share, passphrase) = unlocker.unlock_keeping(&label, &stored)?;
    let share = share.ok_or_else(|| {
        anyhow::anyhow!(
            "{label} holds no share (public key data only): only a member can take part"
        )
    })?;
    Ok(Opened {
        label,
        named,
        path,
        stored,
        share,
        passphrase,
    })
}

/// The members named on the command line by participant id (the 8 hex digits `keys show`
/// prints, or the whole ed25519 key in hex).
fn participants(
    group: &GroupKey,
    option: &str,
    ids: &[String],
) -> anyhow::Result<Vec<VerificationKey>> {
    ids.iter()
        .map(|id| {
            let wanted = id.trim().to_ascii_lowercase();
            let found: Vec<VerificationKey> = group
                .participants()
                .filter(|p| !wanted.is_empty() && hex::encode(p.vk.as_bytes()).starts_with(&wanted))
                .map(|p| p.vk)
                .collect();
            match found.as_slice() {
                [vk] => Ok(*vk),
                [] => anyhow::bail!(
                    "{option} {id}: no member of this key has this participant id (members: {})",
                    group
                        .participants()
                        .map(|p| p.fingerprint())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                _ => anyhow::bail!("{option} {id}: several members start so: give more digits"),
            }
        })
        .collect()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Puts the new share in place of the old one and says what that did and what is left to do.
fn replace(opened: &Opened, share: &KeyShare, group: Option<&Path>) -> anyhow::Result<()> {
    let replaced = replace_share(
        &opened.path,
        &opened.stored,
        share,
        opened.passphrase.as_ref().map(|p| p.as_bytes()),
        group,
    )?;
    say(format!(
        "replaced {}: the old share is destroyed{}",
        replaced.key_file.display(),
        if opened.passphrase.is_some() {
            "; the new one is sealed under the same passphrase"
        } else {
            ""
        }
    ));
    for leftover in &replaced.removed {
        say(format!(
            "removed {} (a copy left beside it)",
            leftover.display()
        ));
    }
    if let Some(group) = &replaced.group_file {
        say(format!("replaced {}", group.display()));
    }
    print_group(
        share.group(),
        opened.stored.transcript_fingerprint.as_deref(),
    );
    say(format!(
        "The signing journal carries over unchanged (same key, same participant). Prove the new \
         shares with a key check: one member runs `hoarfrost check {} --no-tui`, the others \
         `hoarfrost follow --no-tui`.",
        opened.named
    ));
    Ok(())
}

/// Opens a member's key for its part in a refresh or repair, with the members the command line
/// names (`option`) and says who this member is.
fn open_part(
    store: &Store,
    part: &PartArgs,
    option: &str,
    ids: &[String],
    ceremony: &str,
) -> anyhow::Result<(Opened, Vec<VerificationKey>)> {
    let opened = open(store, &Unlocker::new(&part.unlock), &part.key.choice())?;
    let key = opened.share.group();
    let named = participants(key, option, ids)?;
    say(format!(
        "{ceremony} of key {} as participant {} of a {}-of-{} key (generation {}).",
        opened.label,
        opened.share.fingerprint(),
        key.threshold(),
        key.participant_count(),
        key.generation().number,
    ));
    Ok((opened, named))
}

pub fn refresh(store: &Store, part: &PartArgs, remove: &[String]) -> anyhow::Result<()> {
    let (opened, removed) = open_part(store, part, "--remove", remove, "Refresh")?;
    let t = opened.share.group().threshold();
    say(format!(
        "The threshold stays {t}: frost-core refuses to lower it."
    ));
    let mut session = if part.start || !removed.is_empty() {
        let session = Session::refresh_start(
            &opened.label,
            opened.share.clone(),
            &removed,
            now(),
            &mut OsRng,
        )?;
        for line in session.view().review {
            say(format!("  {line}"));
        }
        say("The other members run `hoarfrost refresh` without --start or --remove, and join from the line below.");
        session
    } else {
        say("Paste the RefreshRound1 of the member who starts (or of any member who joined):");
        Session::refresh_join(&opened.label, opened.share.clone(), &mut OsRng)
    };
    let Outcome::Refreshed { share, removed, .. } = run(&mut session, None, part.yes)? else {
        anyhow::bail!("the refresh ended without a new share");
    };
    let generation = share.group().generation();
    say(format!(
        "Refresh finished: generation {} of the key, refreshed {}.",
        generation.number,
        generation.refreshed.map(format_date).unwrap_or_default()
    ));
    replace(&opened, &share, part.group.as_deref())?;
    if !removed.is_empty() {
        say(format!(
            "Removed: {}. Their shares stop working only once every member has destroyed its \
             old share: delete every other copy of it (backups, exported pcli configs, copies in \
             other homes), and replace group.toml wherever a coordinator keeps it.",
            removed.join(" ")
        ));
    } else {
        say("Delete every other copy of the old share (backups, exported pcli configs, copies in other homes).");
    }
    Ok(())
}

pub fn repair_help(store: &Store, part: &PartArgs, without_ids: &[String]) -> anyhow::Result<()> {
    let (opened, without) = open_part(store, part, "--without", without_ids, "Repair")?;
    let mut session = if part.start || !without.is_empty() {
        say("Paste the newcomer's request (RepairRequest). The other helpers run `hoarfrost repair help` without --start or --without.");
        Session::repair_start(&opened.label, opened.share.clone(), &without, &mut OsRng)?
    } else {
        say("Paste the RepairRound1 of the helper who starts:");
        Session::repair_join(&opened.label, opened.share.clone(), &mut OsRng)
    };
    let Outcome::Helped {
        share, newcomer, ..
    } = run(&mut session, None, part.yes)?
    else {
        anyhow::bail!("the repair ended without a result");
    };
    say(format!(
        "Repair finished: newcomer {newcomer} holds a share; this member's key now includes it."
    ));
    replace(&opened, &share, part.group.as_deref())?;
    let lost = match without_ids {
        [] => " --remove LOST".to_string(),
        ids => ids.iter().map(|id| format!(" --remove {id}")).collect(),
    };
    say(format!(
        "Next, refresh without the lost member so that its share stops working: one member runs \
         `hoarfrost refresh {}{lost} --no-tui`, the others (the newcomer too) run `hoarfrost \
         refresh --no-tui` with their own key, without --remove.",
        opened.named
    ));
    Ok(())
}

pub fn repair_request(
    store: &Store,
    sealer: &Sealer,
    group_file: &Path,
    name: &str,
) -> anyhow::Result<()> {
    check_new_name(store, name)?;
    let described = load_file(group_file)?;
    anyhow::ensure!(
        !described.material.has_share(),
        "{} holds a share: a newcomer needs only the public group description (hoarfrost keys export-group)",
        group_file.display()
    );
    let group = described.material.group().clone();
    let passphrase = sealer.for_new_key(&format!("key {name:?}"))?;
    let mut session = Session::newcomer(name, group.clone(), &mut OsRng)?;
    let view = session.view();
    say(format!(
        "Newcomer to a {}-of-{} key (identity key {}).",
        group.threshold(),
        group.participant_count(),
        group.identity_key()
    ));
    for line in view.review {
        say(format!("  {line}"));
    }
    let Outcome::Enrolled { share, .. } = run(&mut session, None, false)? else {
        anyhow::bail!("the repair ended without a share");
    };
    let stored = StoredKey {
        name: Some(name.to_string()),
        material: sealer.seal_with(KeyMaterial::Share(*share.clone()), passphrase.as_ref())?,
        transcript_fingerprint: None,
    };
    let saved = store.save(name, &stored)?;
    say(format!(
        "stored {} (participant {})",
        saved.display(),
        share.fingerprint()
    ));
    print_group(share.group(), None);
    say(format!(
        "This participant starts a new signing journal: to carry over what the key signed \
         before, import one another member exported (`hoarfrost journal import --name {name} \
         FILE`). Next, the members refresh without the lost member, this one included: \
         `hoarfrost refresh --name {name} --no-tui`."
    ));
    Ok(())
}

pub fn export_group(store: &Store, choice: &KeyChoice, out: &Path) -> anyhow::Result<()> {
    let (label, stored) = resolve(store, choice)?;
    let group = stored.material.group().clone();
    let public = StoredKey {
        name: None,
        material: KeyMaterial::Public(group.clone()),
        transcript_fingerprint: stored.transcript_fingerprint.clone(),
    };
    write_key_file(out, &public).with_context(|| format!("key {label}"))?;
    say(format!(
        "wrote {} (public: the group description of key {label}, no share)",
        out.display()
    ));
    print_group(&group, None);
    Ok(())
}

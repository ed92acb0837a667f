//! Refresh and repair, as both front ends start and finish them: each opens its key (the
//! passphrase asked once, at the start, and kept to seal the new share) and starts a session,
//! which line mode hands to its driver and the TUI to a ceremony screen. Afterwards the new
//! share replaces the old one through the store's one function for it
//! ([`crate::store::replace_share`]), and a newcomer's share is stored under its name.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ed25519_consensus::VerificationKey;
use rand_core::{CryptoRngCore, OsRng};
use zeroize::Zeroizing;

use super::args::{KeyArgs, PartArgs, RunArgs};
use super::ceremonies::{at, check_new_name, run, store_share, Prepared, StartError, StartInput};
use super::keys::{load_file, print_group, resolve};
use super::lines::{ask_for, say};
use super::secrets::{Sealer, Unlocker};
use crate::fsutil::read_secret_text;
use crate::keyfile::{self, KeyMaterial, StoredKey};
use crate::keys::{format_date, GroupKey, KeyShare};
use crate::session::{Feedback, Outcome, Session};
use crate::spec::KeyChoice;
use crate::store::{replace_share, write_key_file, Store};

/// Opens a key's share and returns it with the passphrase that opened it (None for a share
/// stored in the clear), to seal its replacement under the same one.
pub type UnlockKeeping<'a> = dyn FnMut(&str, &StoredKey) -> anyhow::Result<(Option<KeyShare>, Option<Zeroizing<String>>)>
    + 'a;

/// A key opened for a ceremony whose outcome replaces its share. No Debug: it holds the share
/// and the passphrase.
pub struct Opened {
    pub label: String,
    /// How commands name this key: `--name NAME` or `--key FILE`.
    pub named: String,
    pub path: PathBuf,
    pub stored: StoredKey,
    pub share: KeyShare,
    pub passphrase: Option<Zeroizing<String>>,
}

/// Opens the key a refresh or repair replaces: a hoarfrost key file (in the store or named by
/// a key file) that holds a share.
pub fn open(
    store: &Store,
    choice: &KeyChoice,
    unlock: &mut UnlockKeeping,
) -> Result<Opened, StartError> {
    let (label, stored) = resolve(store, choice).map_err(at(StartInput::Key))?;
    let (path, named) = match choice {
        KeyChoice::File(path) => (path.clone(), format!("--key {}", path.display())),
        _ => (
            store.path_of(&label).map_err(at(StartInput::Key))?,
            format!("--name {label}"),
        ),
    };
    // A pcli config would be rewritten in hoarfrost's format, which pcli cannot read.
    let text = read_secret_text(&path).map_err(|e| at(StartInput::Key)(e.into()))?;
    keyfile::decode(&text).map_err(|_| {
        at(StartInput::Key)(anyhow::anyhow!(
            "{} is not a hoarfrost key file: import it first (hoarfrost keys import-pcli --name NAME), then use --name NAME",
            path.display()
        ))
    })?;
    let (share, passphrase) = unlock(&label, &stored).map_err(at(StartInput::Passphrase))?;
    let share = share.ok_or_else(|| {
        at(StartInput::Key)(anyhow::anyhow!(
            "{label} holds no share (public key data only): only a member can take part"
        ))
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

/// The members named by participant id (the 8 hex digits `keys show` prints, or the whole
/// ed25519 key in hex); `option` names where they were given.
pub fn participants(
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

/// Now, in unix seconds: a refresh's date.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Which member's part: a refresh's or a repair helper's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberPart {
    Refresh,
    Help,
}

/// A member's refresh or repair session, as both front ends start it: the key opened, the
/// members named by `ids` (`option` says where they were given) left out, and the session
/// started here (`start`, or members left out; a refresh dated `now`, unix seconds) or waiting
/// to join another member's.
pub fn prepare_member(
    store: &Store,
    part: MemberPart,
    choice: &KeyChoice,
    (start, option, ids): (bool, &str, &[String]),
    unlock: &mut UnlockKeeping,
    now: u64,
    rng: &mut impl CryptoRngCore,
) -> Result<(Opened, Prepared), StartError> {
    let opened = open(store, choice, unlock)?;
    let key = opened.share.group();
    let named = participants(key, option, ids).map_err(at(StartInput::Members))?;
    let (label, share) = (opened.label.as_str(), opened.share.clone());
    let starts = start || !named.is_empty();
    let refused = |e: crate::refusal::Refusal| at(StartInput::Members)(e.into());
    let (ceremony, session) = match (part, starts) {
        (MemberPart::Refresh, true) => (
            "Refresh",
            Session::refresh_start(label, share, &named, now, rng).map_err(refused)?,
        ),
        (MemberPart::Refresh, false) => ("Refresh", Session::refresh_join(label, share, rng)),
        (MemberPart::Help, true) => (
            "Repair",
            Session::repair_start(label, share, &named, rng).map_err(refused)?,
        ),
        (MemberPart::Help, false) => ("Repair", Session::repair_join(label, share, rng)),
    };
    let intro = format!(
        "{ceremony} of key {label} as participant {} of a {}-of-{} key (generation {}).",
        opened.share.fingerprint(),
        key.threshold(),
        key.participant_count(),
        key.generation().number,
    );
    let mut feedback = Vec::new();
    if part == MemberPart::Refresh {
        feedback.push(Feedback::ok(format!(
            "The threshold stays {}: frost-core refuses to lower it.",
            key.threshold()
        )));
    }
    let prepared = Prepared {
        session,
        intro,
        feedback,
    };
    Ok((opened, prepared))
}

/// A member's admission of a repair's newcomer, as both front ends start it: the key opened
/// (its passphrase kept to seal the key file again).
pub fn prepare_admit(
    store: &Store,
    choice: &KeyChoice,
    unlock: &mut UnlockKeeping,
    rng: &mut impl CryptoRngCore,
) -> Result<(Opened, Prepared), StartError> {
    let opened = open(store, choice, unlock)?;
    let session = Session::repair_admit(&opened.label, opened.share.clone(), rng);
    let intro = format!(
        "Admitting a repair's newcomer to key {} as participant {}.",
        opened.label,
        opened.share.fingerprint()
    );
    let prepared = Prepared {
        session,
        intro,
        feedback: vec![],
    };
    Ok((opened, prepared))
}

/// A newcomer's session, as both front ends start it: the name checked (only a free one), the
/// group description read (public: never a share).
pub fn prepare_newcomer(
    store: &Store,
    group_file: &Path,
    name: &str,
    rng: &mut impl CryptoRngCore,
) -> Result<Prepared, StartError> {
    check_new_name(store, name).map_err(at(StartInput::Name))?;
    let described = load_file(group_file).map_err(at(StartInput::File))?;
    if described.material.has_share() {
        return Err(at(StartInput::File)(anyhow::anyhow!(
            "{} holds a share: a newcomer needs only the public group description (hoarfrost keys export-group)",
            group_file.display()
        )));
    }
    let group = described.material.group().clone();
    let session =
        Session::newcomer(name, group.clone(), rng).map_err(|e| at(StartInput::File)(e.into()))?;
    Ok(Prepared {
        session,
        intro: format!(
            "Newcomer to a {}-of-{} key (identity key {}).",
            group.threshold(),
            group.participant_count(),
            group.identity_key()
        ),
        feedback: vec![],
    })
}

/// Puts the new share in place of the old one; what that did, in words.
pub fn replace(
    opened: &Opened,
    share: &KeyShare,
    group: Option<&Path>,
) -> anyhow::Result<Vec<String>> {
    let replaced = replace_share(
        &opened.path,
        &opened.stored,
        share,
        opened.passphrase.as_ref().map(|p| p.as_bytes()),
        group,
    )?;
    let sealed = opened.passphrase.is_some();
    // A repair changes a member's group description, not its share.
    let first = if share.signing_share() == opened.share.signing_share() {
        format!(
            "updated {}: the same share, under the new group description{}",
            replaced.key_file.display(),
            if sealed {
                " (sealed again under the same passphrase)"
            } else {
                ""
            }
        )
    } else {
        format!(
            "replaced {}: the old share is destroyed{}",
            replaced.key_file.display(),
            if sealed {
                "; the new one is sealed under the same passphrase"
            } else {
                ""
            }
        )
    };
    let mut lines = vec![first];
    lines.extend(
        replaced
            .removed
            .iter()
            .map(|leftover| format!("removed {} (a copy left beside it)", leftover.display())),
    );
    if let Some(group) = &replaced.group_file {
        lines.push(format!("replaced {}", group.display()));
    }
    lines.push("The signing journal carries over unchanged (same key, same participant).".into());
    Ok(lines)
}

/// A finished refresh: the share replaced, and what is left to do, in words.
pub fn finish_refresh(
    opened: &Opened,
    share: &KeyShare,
    removed: &[String],
    group: Option<&Path>,
) -> anyhow::Result<Vec<String>> {
    let new = share.group();
    let mut lines = vec![
        format!(
            "Refresh finished: generation {} of the key, refreshed {}.",
            new.generation().number,
            new.generation()
                .refreshed
                .map(format_date)
                .unwrap_or_default()
        ),
        format!(
            "The threshold stays {}: any {} of the {} members sign, with the same identity key.",
            new.threshold(),
            new.threshold(),
            new.participant_count()
        ),
    ];
    lines.extend(replace(opened, share, group)?);
    lines.push(if removed.is_empty() {
        "Delete every other copy of the old share (backups, exported pcli configs, copies in other homes).".into()
    } else {
        format!(
            "Removed: {}. Their shares stop working only once every member has destroyed its \
             old share: delete every other copy of it (backups, exported pcli configs, copies in \
             other homes), and replace group.toml wherever a coordinator keeps it.",
            removed.join(" ")
        )
    });
    Ok(lines)
}

/// A repair this member helped: the share replaced (its group now includes the newcomer).
pub fn finish_help(
    opened: &Opened,
    share: &KeyShare,
    newcomer: &str,
    group: Option<&Path>,
) -> anyhow::Result<Vec<String>> {
    let mut lines = vec![format!(
        "Repair finished: newcomer {newcomer} holds a share; this member's key now includes it ({}-of-{}).",
        share.group().threshold(),
        share.group().participant_count()
    )];
    lines.extend(replace(opened, share, group)?);
    Ok(lines)
}

/// A newcomer's share, stored as `name` (sealed by `seal`); what that did, in words.
pub fn store_enrolled(
    store: &Store,
    name: &str,
    share: &KeyShare,
    seal: impl FnOnce(KeyMaterial) -> anyhow::Result<KeyMaterial>,
) -> anyhow::Result<Vec<String>> {
    let (_, saved) = store_share(store, name, share, None, seal)?;
    Ok(vec![
        format!(
            "stored {} (participant {})",
            saved.display(),
            share.fingerprint()
        ),
        "This participant starts a new signing journal: to carry over what the key signed \
         before, import one that another member exported."
            .into(),
    ])
}

/// What line mode says as a session starts.
fn say_prepared(prepared: &Prepared) {
    say(&prepared.intro);
    for f in &prepared.feedback {
        say(&f.text);
    }
}

fn member(
    store: &Store,
    part: &PartArgs,
    which: MemberPart,
    option: &str,
    ids: &[String],
) -> anyhow::Result<(Opened, Session)> {
    let unlocker = Unlocker::new(&part.run.unlock);
    let (opened, prepared) = prepare_member(
        store,
        which,
        &part.key.choice(),
        (part.start, option, ids),
        &mut |label, key| unlocker.unlock_keeping(label, key),
        now(),
        &mut OsRng,
    )?;
    say_prepared(&prepared);
    Ok((opened, prepared.session))
}

/// What line mode says as a member's ceremony ends: what was done, the key's group, and how
/// to prove the shares.
fn say_finished(opened: &Opened, done: Vec<String>, group: &GroupKey) {
    for line in done {
        say(line);
    }
    print_group(group, opened.stored.transcript_fingerprint.as_deref());
    key_check_hint(opened);
}

fn key_check_hint(opened: &Opened) {
    say(format!(
        "Prove the new shares with a key check: one member runs `hoarfrost check {} --no-tui`, \
         the others `hoarfrost follow --no-tui`.",
        opened.named
    ));
}

pub fn refresh(store: &Store, part: &PartArgs, remove: &[String]) -> anyhow::Result<()> {
    let (opened, mut session) = member(store, part, MemberPart::Refresh, "--remove", remove)?;
    if session.view().sent.is_empty() {
        ask_for("the RefreshRound1 of the member who starts (or of any member who joined):");
    } else {
        for line in session.view().review {
            say(format!("  {line}"));
        }
        say("The other members run `hoarfrost refresh` without --start or --remove, and join from the line below.");
    }
    let Outcome::Refreshed { share, removed, .. } = run(&mut session, None, part.run.yes)? else {
        anyhow::bail!("the refresh ended without a new share");
    };
    let done = finish_refresh(&opened, &share, &removed, part.group.as_deref())?;
    say_finished(&opened, done, share.group());
    Ok(())
}

pub fn repair_help(store: &Store, part: &PartArgs, without_ids: &[String]) -> anyhow::Result<()> {
    let starts = part.start || !without_ids.is_empty();
    let (opened, mut session) = member(store, part, MemberPart::Help, "--without", without_ids)?;
    if starts {
        ask_for("the newcomer's request (RepairRequest). The other helpers run `hoarfrost repair help` without --start or --without.");
    } else {
        ask_for("the RepairRound1 of the helper who starts:");
    }
    let Outcome::Helped {
        share, newcomer, ..
    } = run(&mut session, None, part.run.yes)?
    else {
        anyhow::bail!("the repair ended without a result");
    };
    let done = finish_help(&opened, &share, &newcomer, part.group.as_deref())?;
    say_finished(&opened, done, share.group());
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

/// A member who did not help: the repair's newcomer enters its key's description.
pub fn repair_admit(
    store: &Store,
    key: &KeyArgs,
    group: Option<&Path>,
    answers: &RunArgs,
) -> anyhow::Result<()> {
    let unlocker = Unlocker::new(&answers.unlock);
    let (opened, prepared) = prepare_admit(
        store,
        &key.choice(),
        &mut |label, key| unlocker.unlock_keeping(label, key),
        &mut OsRng,
    )?;
    say_prepared(&prepared);
    let mut session = prepared.session;
    ask_for("the helpers' RepairRound1 and RepairRound3 messages (the whole relay will do, in any order):");
    let Outcome::Helped {
        share, newcomer, ..
    } = run(&mut session, None, answers.yes)?
    else {
        anyhow::bail!("the admission ended without a result");
    };
    let done = finish_help(&opened, &share, &newcomer, group)?;
    say_finished(&opened, done, share.group());
    say("Next, the members refresh without the lost member, as the helpers were told.");
    Ok(())
}

pub fn repair_request(
    store: &Store,
    sealer: &Sealer,
    group_file: &Path,
    name: &str,
) -> anyhow::Result<()> {
    let mut prepared = prepare_newcomer(store, group_file, name, &mut OsRng)?;
    let passphrase = sealer.for_new_key(&format!("key {name:?}"))?;
    say_prepared(&prepared);
    for line in prepared.session.view().review {
        say(format!("  {line}"));
    }
    let Outcome::Enrolled { share, .. } = run(&mut prepared.session, None, false)? else {
        anyhow::bail!("the repair ended without a share");
    };
    for line in store_enrolled(store, name, &share, |material| {
        sealer.seal_with(material, passphrase.as_ref())
    })? {
        say(line);
    }
    print_group(share.group(), None);
    say(format!(
        "To import another member's journal: `hoarfrost journal import --name {name} FILE`. Next, \
         the members refresh without the lost member, this one included: `hoarfrost refresh \
         --name {name} --no-tui`."
    ));
    Ok(())
}

/// Writes a key's public group description (no share) to `out`, never over a file; returns
/// what was written, in words, and the group.
pub fn write_group(
    store: &Store,
    choice: &KeyChoice,
    out: &Path,
) -> anyhow::Result<(String, GroupKey)> {
    let (label, stored) = resolve(store, choice)?;
    let group = stored.material.group().clone();
    let public = StoredKey {
        name: None,
        material: KeyMaterial::Public(group.clone()),
        transcript_fingerprint: stored.transcript_fingerprint.clone(),
    };
    write_key_file(out, &public).with_context(|| format!("key {label}"))?;
    let done = format!(
        "wrote {} (public: the group description of key {label}, no share)",
        out.display()
    );
    Ok((done, group))
}

pub fn export_group(store: &Store, choice: &KeyChoice, out: &Path) -> anyhow::Result<()> {
    let (done, group) = write_group(store, choice, out)?;
    say(done);
    print_group(&group, None);
    Ok(())
}

//! Line-mode ceremonies: each finds its key, starts a session and hands it to the driver; what
//! happens in the ceremony is the session's.

use std::path::Path;

use anyhow::Context;
use rand_core::OsRng;

use super::driver::{drive, Answers, LineOutput};
use super::keys::{print_group, resolve};
use super::lines::{emit, say, Input};
use super::secrets::{Sealer, Unlocker};
use crate::journal::{self, Origin};
use crate::keyfile::{KeyMaterial, StoredKey};
use crate::session::{Coordination, GuardOpener, Outcome, Session};
use crate::spec::{KeyChoice, RequestSpec, Spec};
use crate::store::{check_name, write_key_file, Store};

/// stdout for messages (and their QR codes), stderr for people.
struct Terminal;

impl LineOutput for Terminal {
    fn emit(&mut self, line: &str) -> anyhow::Result<()> {
        emit(line)
    }
    fn say(&mut self, text: &str) {
        say(text)
    }
}

/// The route by which a command's key was loaded (a key file, or the store by name), for
/// taking over the journal the previous layout kept per route.
pub(super) fn origin(store: &Store, choice: &KeyChoice, label: &str) -> Origin {
    match choice {
        KeyChoice::File(path) => Origin::File(path.clone()),
        _ => Origin::Stored {
            home: store.home().to_path_buf(),
            name: label.to_string(),
        },
    }
}

/// Says what opening a journal did besides reading it (an old journal taken over).
pub(super) fn say_notes(notes: &[String]) {
    for note in notes {
        say(format!("journal: {note}"));
    }
}

/// The journals line mode opens: the share's own, whatever route loaded it.
fn opener(store: &Store, choice: &KeyChoice) -> GuardOpener {
    let (store, choice) = (Store::open(Some(store.home())).ok(), choice.clone());
    journal::opener(move |label| match &store {
        Some(store) => origin(store, &choice, label),
        None => Origin::Elsewhere,
    })
}

/// The path a new key `name` will take in the store, refused now (not after a ceremony) if the
/// name is not valid or taken.
pub(super) fn unused_key_path(store: &Store, name: &str) -> anyhow::Result<std::path::PathBuf> {
    check_name(name)?;
    let path = store.path_of(name)?;
    anyhow::ensure!(
        !path.exists(),
        "{} already exists: choose another --name",
        path.display()
    );
    Ok(path)
}

pub(super) fn run(
    session: &mut Session,
    unlocker: Option<&Unlocker>,
    yes: bool,
) -> anyhow::Result<Outcome> {
    let mut ask = |label: &str| match unlocker {
        Some(u) => u.passphrase(label),
        None => anyhow::bail!("key {label} is encrypted and no passphrase can be asked"),
    };
    let mut answers = Answers {
        yes,
        passphrase: &mut ask,
    };
    drive(session, &mut Input::stdin(), &mut Terminal, &mut answers)
}

pub fn dkg(
    store: &Store,
    seal: &super::args::SealArgs,
    threshold: u16,
    participants: u16,
    name: &str,
    out: Option<&Path>,
    yes: bool,
) -> anyhow::Result<()> {
    unused_key_path(store, name)?;
    if let Some(out) = out {
        anyhow::ensure!(!out.exists(), "{} already exists", out.display());
    }
    // The passphrase comes first, so nobody waits on it in the middle of the ceremony.
    let sealer = Sealer::new(seal)?;
    let passphrase = sealer.for_new_key(&format!("key {name:?}"))?;
    let mut session = Session::dkg(threshold, participants, name, &mut OsRng)?;
    say(format!(
        "Key generation {threshold}-of-{participants} as participant {}. Nothing is written until it has finished.",
        session.view().ceremony_id
    ));
    if usize::from(threshold) * 2 <= usize::from(participants) {
        say(format!(
            "warning: t = {threshold} is at most half of n = {participants}: two disjoint groups could sign conflicting things"
        ));
    }
    let Outcome::Generated { output, .. } = run(&mut session, None, yes)? else {
        anyhow::bail!("the key generation ended without a key");
    };
    let stored = StoredKey {
        name: Some(name.to_string()),
        material: KeyMaterial::Share(output.share.clone()),
        transcript_fingerprint: Some(output.transcript_fingerprint.clone()),
    };
    let stored = StoredKey {
        material: sealer.seal_with(stored.material, passphrase.as_ref())?,
        ..stored
    };
    let saved = store.save(name, &stored)?;
    say(format!("stored {}", saved.display()));
    if let Some(out) = out {
        write_key_file(out, &stored)?;
        say(format!("wrote {}", out.display()));
    }
    let group = output.share.group();
    print_group(group, Some(&output.transcript_fingerprint));
    say(
        "Compare the fingerprint and the identity key with every participant. The others still \
         need your DKGRound2 if they have not got it. Then prove the key works with `hoarfrost \
         check` (one coordinator) and `hoarfrost follow` (everyone else).",
    );
    emit(&group.identity_key().to_string())?;
    Ok(())
}

pub fn follow(
    store: &Store,
    unlocker: &Unlocker,
    choice: &KeyChoice,
    yes: bool,
) -> anyhow::Result<()> {
    let chosen = match choice {
        KeyChoice::Auto => {
            say(format!(
                "Following with whichever key in {} the request needs.",
                store.home().display()
            ));
            None
        }
        choice => {
            let (label, stored) = resolve(store, choice)?;
            let share = unlocker.unlock(&label, &stored)?.ok_or_else(|| {
                anyhow::anyhow!("{label} holds no share: a follower signs with its share")
            })?;
            say(format!(
                "Following with key {label}: participant {} of a {}-of-{} key.",
                share.fingerprint(),
                share.group().threshold(),
                share.group().participant_count()
            ));
            Some((label, share))
        }
    };
    let keys = match chosen {
        Some(_) => vec![],
        None => store
            .all()?
            .into_iter()
            .filter_map(|(name, key)| Some((name, key.ok()?)))
            .collect(),
    };
    let mut session = Session::follow(
        keys,
        chosen,
        &store.home().display().to_string(),
        opener(store, choice),
        &mut OsRng,
    );
    say("Paste the coordinator's first message (CoordinatorRound1):");
    run(&mut session, Some(unlocker), yes)?;
    say("This participant is done.");
    Ok(())
}

/// The key and the request of a coordinator's ceremony. With no key named, a definition or a
/// transaction finds the key that must sign it, a vote takes the key named "governance" (or
/// the only key), a key check the only key.
fn key_and_request(
    store: &Store,
    choice: &KeyChoice,
    request: &RequestSpec,
) -> anyhow::Result<(String, StoredKey, crate::request::SigningRequest)> {
    let text = request
        .file()
        .map(|f| std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display())))
        .transpose()?;
    let (label, key) = match (choice, request) {
        (KeyChoice::Auto, RequestSpec::Definition { .. } | RequestSpec::Transaction { .. }) => {
            store.find_for(&request.build(text.as_deref(), None, &mut OsRng)?, false)?
        }
        (KeyChoice::Auto, RequestSpec::Vote { .. }) if store.names()?.len() > 1 => store
            .load("governance")
            .map(|k| ("governance".to_string(), k))
            .context("several keys in the store and none named \"governance\": pass --name")?,
        (choice, _) => resolve(store, choice)?,
    };
    let built = request.build(text.as_deref(), Some(key.material.group()), &mut OsRng)?;
    Ok((label, key, built))
}

pub fn coordinate(store: &Store, unlocker: &Unlocker, spec: &Spec) -> anyhow::Result<()> {
    let Spec::Sign {
        key: choice,
        signers,
        request,
    } = spec
    else {
        anyhow::bail!("not a signing ceremony");
    };
    let (label, stored, built) = key_and_request(store, choice, request)?;
    let group = stored.material.group().clone();
    let signers = match (signers, request) {
        (Some(n), _) => Some(usize::from(*n)),
        // A key check is signed by everyone.
        (None, RequestSpec::Check) => Some(group.participant_count()),
        (None, _) => None,
    };
    let own = unlocker.unlock(&label, &stored)?;
    say(match &own {
        Some(s) => format!(
            "Coordinating with key {label}: participant {} of a {}-of-{} key.",
            s.fingerprint(),
            group.threshold(),
            group.participant_count()
        ),
        None => format!(
            "Coordinating with key {label}, a {}-of-{} key, without a share of its own.",
            group.threshold(),
            group.participant_count()
        ),
    });
    let key = StoredKey {
        material: match own {
            Some(share) => KeyMaterial::Share(share),
            None => KeyMaterial::Public(group),
        },
        ..stored
    };
    let (mut session, feedback) = Session::coordinate(
        Coordination {
            label: &label,
            key: &key,
            request: built,
            signers,
            definition_file: request.definition_file_name(),
        },
        &opener(store, choice),
        &mut OsRng,
    )?;
    say("Requesting signatures on:");
    for line in session.view().review {
        say(format!("  {line}"));
    }
    for f in feedback {
        say(&f.text);
    }
    match run(&mut session, Some(unlocker), false)? {
        Outcome::Signed {
            headline,
            text,
            instructions,
        } => {
            emit(&text)?;
            say(headline);
            for line in instructions {
                say(line);
            }
        }
        Outcome::Checked { signers } => say(format!(
            "Key check passed: {signers} participants signed and the signature verifies. The key works."
        )),
        _ => anyhow::bail!("the ceremony ended without a result"),
    }
    Ok(())
}

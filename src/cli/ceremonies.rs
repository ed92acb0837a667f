//! Line-mode ceremonies: each finds its key, starts a session and hands it to the driver; what
//! happens in the ceremony is the session's.

use std::path::Path;

use anyhow::Context;
use rand_core::OsRng;

use super::driver::{drive, Answers, LineOutput};
use super::keys::{print_group, resolve};
use super::lines::{ask_for, emit, say};
use super::secrets::{Sealer, Unlocker};
use crate::journal::{self, Origin};
use crate::keyfile::{KeyMaterial, StoredKey};
use crate::keys::KeyShare;
use crate::session::{Coordination, GuardOpener, Outcome, Session};
use crate::spec::{KeyChoice, RequestSpec};
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

/// The journals both front ends open: the share's own, whatever route loaded it.
pub fn opener(store: &Store, choice: &KeyChoice) -> GuardOpener {
    let (folder, store, choice) = (store.journal_folder(), store.clone(), choice.clone());
    journal::opener(folder, move |label| origin(&store, &choice, label))
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
    let mut input = super::transport_cmd::message_source().open()?;
    drive(session, input.as_mut(), &mut Terminal, &mut answers)
}

/// Refuses a name for a new key that is not valid or already taken in the store.
pub fn check_new_name(store: &Store, name: &str) -> anyhow::Result<()> {
    check_name(name)?;
    let path = store.path_of(name)?;
    anyhow::ensure!(
        !path.exists(),
        "{} already exists: choose another name",
        path.display()
    );
    Ok(())
}

/// Stores a finished key generation's share under `name`, sealed by `seal`, as both front
/// ends do: only a finished key takes a name, and an existing key is never replaced.
pub fn store_generated(
    store: &Store,
    name: &str,
    output: &crate::dkg::DkgOutput,
    seal: impl FnOnce(KeyMaterial) -> anyhow::Result<KeyMaterial>,
) -> anyhow::Result<(StoredKey, std::path::PathBuf)> {
    store_share(
        store,
        name,
        &output.share,
        Some(&output.transcript_fingerprint),
        seal,
    )
}

/// Stores a new share under `name`, sealed by `seal`: a key generation's, a newcomer's, or a
/// refreshed share that could not replace its key file. An existing key is never replaced.
pub fn store_share(
    store: &Store,
    name: &str,
    share: &KeyShare,
    transcript_fingerprint: Option<&str>,
    seal: impl FnOnce(KeyMaterial) -> anyhow::Result<KeyMaterial>,
) -> anyhow::Result<(StoredKey, std::path::PathBuf)> {
    let stored = StoredKey {
        name: Some(name.to_string()),
        material: seal(KeyMaterial::Share(share.clone()))?,
        transcript_fingerprint: transcript_fingerprint.map(str::to_string),
    };
    let saved = store.save(name, &stored)?;
    Ok((stored, saved))
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
    // Refuse now, not after the ceremony, if the result could not be saved.
    check_new_name(store, name)?;
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
    let (stored, saved) = store_generated(store, name, &output, |material| {
        sealer.seal_with(material, passphrase.as_ref())
    })?;
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

/// Which of the person's inputs a failure to start concerns, so a form can show it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartInput {
    /// The key choice (a name or a key file).
    Key,
    /// The request's file (a definition or a transaction plan).
    File,
    /// The passphrase of an encrypted key.
    Passphrase,
    /// The members a refresh removes or a repair goes without.
    Members,
    /// The name a new key is stored as.
    Name,
    /// The ceremony's own parameters (signers, request values).
    Other,
}

/// Why a ceremony could not start.
#[derive(Debug)]
pub struct StartError {
    pub input: StartInput,
    pub error: anyhow::Error,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for StartError {}

pub(super) fn at(input: StartInput) -> impl FnOnce(anyhow::Error) -> StartError {
    move |error| StartError { input, error }
}

/// Opens a key's share, asking for its passphrase if it is sealed; None for public data only.
pub type Unlock<'a> = dyn FnMut(&str, &StoredKey) -> anyhow::Result<Option<KeyShare>> + 'a;

/// A session ready to run, and what to tell the person before it does.
pub struct Prepared {
    pub session: Session,
    /// Which key, which participant.
    pub intro: String,
    pub feedback: Vec<crate::session::Feedback>,
}

/// A follower's session, as both front ends start it: with a chosen key opened now, or with
/// every stored key, one of which the request will pick (and open, asking then). A store
/// without any share is refused here, before anything is transferred.
pub fn prepare_follower(
    store: &Store,
    choice: &KeyChoice,
    unlock: &mut Unlock,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Prepared, StartError> {
    let where_ = store.home().display().to_string();
    let (chosen, keys, intro) = match choice {
        KeyChoice::Auto => {
            let keys: Vec<(String, StoredKey)> = store
                .all()
                .map_err(at(StartInput::Key))?
                .into_iter()
                .filter_map(|(name, key)| Some((name, key.ok()?)))
                .collect();
            if !keys.iter().any(|(_, k)| k.material.has_share()) {
                return Err(at(StartInput::Key)(anyhow::anyhow!(
                    "no key with a share in {where_}: a follower signs with its share; create one (dkg, deal, keys import-pcli) or pass --key FILE"
                )));
            }
            let intro = format!("Following with whichever key in {where_} the request needs.");
            (None, keys, intro)
        }
        choice => {
            let (label, stored) = resolve(store, choice).map_err(at(StartInput::Key))?;
            let share = unlock(&label, &stored)
                .map_err(at(StartInput::Passphrase))?
                .ok_or_else(|| {
                    at(StartInput::Key)(anyhow::anyhow!(
                        "{label} holds no share: a follower signs with its share"
                    ))
                })?;
            let intro = format!(
                "Following with key {label}: participant {} of a {}-of-{} key.",
                share.fingerprint(),
                share.group().threshold(),
                share.group().participant_count()
            );
            (Some((label, share)), vec![], intro)
        }
    };
    let session = Session::follow(keys, chosen, &where_, opener(store, choice), rng);
    Ok(Prepared {
        session,
        intro,
        feedback: vec![],
    })
}

pub fn follow(
    store: &Store,
    unlocker: &Unlocker,
    choice: &KeyChoice,
    yes: bool,
) -> anyhow::Result<()> {
    let mut unlock = |label: &str, key: &StoredKey| unlocker.unlock(label, key);
    let Prepared {
        mut session, intro, ..
    } = prepare_follower(store, choice, &mut unlock, &mut OsRng)?;
    say(intro);
    ask_for("the coordinator's first message (CoordinatorRound1):");
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
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<(String, StoredKey, crate::request::SigningRequest), StartError> {
    let text = request
        .file()
        .map(|f| std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display())))
        .transpose()
        .map_err(at(StartInput::File))?;
    let (label, key) = match (choice, request) {
        (KeyChoice::Auto, RequestSpec::Definition { .. } | RequestSpec::Transaction { .. }) => {
            let built = request
                .build(text.as_deref(), None, rng)
                .map_err(at(StartInput::File))?;
            store.find_for(&built, false).map_err(at(StartInput::Key))?
        }
        (KeyChoice::Auto, RequestSpec::Vote { .. })
            if store.names().map_err(at(StartInput::Key))?.len() > 1 =>
        {
            store
                .load("governance")
                .map(|k| ("governance".to_string(), k))
                .context("several keys in the store and none named \"governance\": pass --name")
                .map_err(at(StartInput::Key))?
        }
        (choice, _) => resolve(store, choice).map_err(at(StartInput::Key))?,
    };
    let input = match request.file() {
        Some(_) => StartInput::File,
        None => StartInput::Other,
    };
    let built = request
        .build(text.as_deref(), Some(key.material.group()), rng)
        .map_err(at(input))?;
    Ok((label, key, built))
}

/// A coordinator's session, as both front ends start it: the key found and opened, the
/// request read and built, the journal consulted.
pub fn prepare_coordinator(
    store: &Store,
    choice: &KeyChoice,
    signers: Option<u16>,
    request: &RequestSpec,
    unlock: &mut Unlock,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Prepared, StartError> {
    let (label, stored, built) = key_and_request(store, choice, request, rng)?;
    let group = stored.material.group().clone();
    let signers = match (signers, request) {
        (Some(n), _) => Some(usize::from(n)),
        // A key check is signed by everyone.
        (None, RequestSpec::Check) => Some(group.participant_count()),
        (None, _) => None,
    };
    let own = unlock(&label, &stored).map_err(at(StartInput::Passphrase))?;
    let intro = match &own {
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
    };
    let key = StoredKey {
        material: match own {
            Some(share) => KeyMaterial::Share(share),
            None => KeyMaterial::Public(group),
        },
        ..stored
    };
    let (session, feedback) = Session::coordinate(
        Coordination {
            label: &label,
            key: &key,
            request: built,
            signers,
            definition_file: request.definition_file_name(),
        },
        &opener(store, choice),
        rng,
    )
    .map_err(|e| at(StartInput::Other)(e.into()))?;
    Ok(Prepared {
        session,
        intro,
        feedback,
    })
}

pub fn coordinate(
    store: &Store,
    unlocker: &Unlocker,
    choice: &KeyChoice,
    signers: Option<u16>,
    request: &RequestSpec,
) -> anyhow::Result<()> {
    let mut unlock = |label: &str, key: &StoredKey| unlocker.unlock(label, key);
    let Prepared {
        mut session,
        intro,
        feedback,
    } = prepare_coordinator(store, choice, signers, request, &mut unlock, &mut OsRng)?;
    say(intro);
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
            command,
        } => {
            emit(&text)?;
            say(headline);
            for line in instructions {
                say(line);
            }
            if let Some(command) = command {
                say(format!("\n  $ {command}\n"));
            }
        }
        Outcome::Checked { signers } => say(format!(
            "Key check passed: {signers} participants signed and the signature verifies. The key works."
        )),
        _ => anyhow::bail!("the ceremony ended without a result"),
    }
    Ok(())
}

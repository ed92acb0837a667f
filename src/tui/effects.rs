//! What `update` asks the runtime to do, and the blocking work itself. Everything that touches
//! files, seals or opens keys, or runs a ceremony's cryptography is a [`Work`] item: the
//! runtime runs it on tokio's blocking pool and its [`JobResult`] comes back as a message to
//! the screen that asked. Tests run the same work synchronously ([`super::app::settle`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zeroize::Zeroizing;

use super::screens::form::Roster;
use super::screens::ScreenId;
use crate::cli::ceremonies::{self, Prepared, StartInput};
use crate::cli::custody_cmd::{self, MemberPart, Opened};
use crate::fsutil::{write_atomic, Overwrite};
use crate::keyfile::{KeyMaterial, StoredKey};
use crate::keys::KeyShare;
use crate::sealed::KdfParams;
use crate::session::{Feedback, Outcome, PieceOutcome, Session, SessionView};
use crate::spec::{KeyChoice, Spec};
use crate::store::Store;
use crate::transport::qr::Modules;
use crate::transport::scan::{CameraInfo, Cameras, ScanOptions, Scanner};

pub enum Effect {
    /// Blocking work for a screen; its result comes back as `Msg::Job(screen, result)`.
    Work { screen: ScreenId, work: Box<Work> },
    /// Read the store's keys again; they come back as `Msg::KeysLoaded`.
    LoadKeys,
    /// Text for the terminal's clipboard (OSC 52). Never a secret.
    Clipboard(String),
    /// A line for `hoarfrost.log` in the store folder: errors and each ceremony's start and
    /// end. Never a secret.
    Log(String),
}

impl Effect {
    pub fn work(screen: ScreenId, work: Work) -> Self {
        Effect::Work {
            screen,
            work: Box::new(work),
        }
    }
}

/// One step of a session, run off the UI thread (the cryptography of a large paste or of a
/// key generation's last step takes long enough to be felt).
pub enum Step {
    Paste(String),
    Confirm,
    Approve,
    Decline,
    Passphrase(Zeroizing<String>),
    Compute,
}

pub enum Work {
    /// Start the ceremony `spec` asks for: find and open the key, read the request's file,
    /// create the session with randomness from `seed`.
    Start {
        store: Store,
        // Boxed: the largest item would otherwise set every effect's size.
        spec: Box<Spec>,
        passphrase: Option<Zeroizing<String>>,
        seed: [u8; 32],
        /// Unix seconds: a refresh's date.
        now: u64,
    },
    Session {
        session: Box<Session>,
        step: Step,
    },
    /// Seal (if a passphrase is given) and store a new share: a finished key generation's,
    /// or a refreshed share that could not replace its key.
    StoreKey {
        store: Store,
        name: String,
        share: Box<KeyShare>,
        /// A key generation's fingerprint, recorded with its share.
        transcript: Option<String>,
        passphrase: Option<Zeroizing<String>>,
        kdf: KdfParams,
    },
    /// A member's refresh or repair is over: its new share replaces the key's (as line mode
    /// does).
    Replace {
        replacing: Arc<Replacing>,
        outcome: Box<Outcome>,
    },
    /// A newcomer's repair is over: its share is stored under its name (as line mode does).
    StoreEnrolled {
        store: Store,
        name: String,
        share: Box<KeyShare>,
        passphrase: Option<Zeroizing<String>>,
        kdf: KdfParams,
    },
    /// Read a key file's members (public data: nothing is opened).
    ReadRoster(PathBuf),
    Deal {
        threshold: u16,
        participants: u16,
        folder: PathBuf,
        passphrase: Option<Zeroizing<String>>,
        kdf: KdfParams,
        seed: [u8; 32],
    },
    /// Write a validator definition template for a key into `file` (never over a file).
    Template {
        store: Store,
        key: KeyChoice,
        file: PathBuf,
        seed: [u8; 32],
    },
    RenameKey {
        store: Store,
        from: String,
        to: String,
    },
    DeleteKey {
        store: Store,
        name: String,
    },
    /// Write a key's public group description (no share) into `out`, never over a file.
    ExportGroup {
        store: Store,
        name: String,
        out: PathBuf,
    },
    /// Save text (a message, a signature) to a file, keeping an older one as `.bak`.
    Save {
        path: PathBuf,
        text: String,
    },
    /// Read the QR codes in a picture.
    ReadImage(PathBuf),
    /// Encode one QR frame (the next one is encoded while the current one shows).
    QrFrame {
        generation: u64,
        index: usize,
        text: String,
        version: u8,
    },
    /// List the cameras (may wait for a permission prompt).
    ListCameras(Arc<dyn Cameras>),
    /// Stop the scan before (so its camera is released), open `camera` and start scanning.
    Scan {
        cameras: Arc<dyn Cameras>,
        camera: Box<CameraInfo>,
        previous: Option<Box<Scanner>>,
        /// Preview frames fit this many pixels.
        preview: (usize, usize),
        generation: u64,
    },
}

/// A started session and what to tell the person.
pub struct Started {
    pub session: Session,
    pub intro: String,
    pub feedback: Vec<Feedback>,
    /// A member's key whose share the ceremony's outcome replaces (a refresh, a repair).
    pub replacing: Option<Arc<Replacing>>,
}

/// A member's key opened for a refresh or repair (as line mode opens it), and a public group
/// description to replace as well.
pub struct Replacing {
    pub opened: Opened,
    pub group: Option<PathBuf>,
}

/// Why a ceremony did not start, and which field of the form it concerns.
#[derive(Clone, Debug)]
pub struct StartFailure {
    pub input: StartInput,
    pub message: String,
}

/// A session back from a step, with what the step said and its view (made here: a large
/// key generation's view takes long enough to be felt on the UI thread).
pub struct SessionReturn {
    pub session: Session,
    pub view: SessionView,
    pub outcomes: Vec<PieceOutcome>,
    pub feedback: Vec<Feedback>,
}

pub enum JobResult {
    Started(Result<Box<Started>, StartFailure>),
    Session(Box<SessionReturn>),
    /// Where the key was stored.
    Stored(Result<String, String>),
    /// What replacing a member's share or storing a newcomer's did, in words.
    Finished(Result<Vec<String>, String>),
    /// A key file's members, by its path.
    Roster {
        path: String,
        roster: Result<Roster, String>,
    },
    Dealt(Result<Vec<String>, String>),
    TemplateWritten(Result<String, String>),
    KeysChanged(Result<String, String>),
    /// Where the text was saved.
    Saved(Result<String, String>),
    /// The texts of the codes found in a picture, one per line.
    Image(Result<String, String>),
    QrFrame {
        generation: u64,
        index: usize,
        modules: Result<Modules, String>,
    },
    Cameras(Result<Vec<CameraInfo>, String>),
    Scanning {
        generation: u64,
        scanner: Result<Box<Scanner>, String>,
    },
}

impl Work {
    /// Does the work (blocking) and says how it went.
    pub fn perform(self) -> JobResult {
        match self {
            Work::Start {
                store,
                spec,
                passphrase,
                seed,
                now,
            } => JobResult::Started(start(&store, &spec, passphrase, seed, now).map(Box::new)),
            Work::Session { session, step } => {
                JobResult::Session(Box::new(step_session(*session, step)))
            }
            Work::StoreKey {
                store,
                name,
                share,
                transcript,
                passphrase,
                kdf,
            } => JobResult::Stored(
                ceremonies::store_share(&store, &name, &share, transcript.as_deref(), |m| {
                    seal(m, passphrase.as_ref(), kdf)
                })
                .map(|(_, path)| path.display().to_string())
                .map_err(|e| format!("{e:#}")),
            ),
            Work::Replace { replacing, outcome } => {
                JobResult::Finished(replace(&replacing, &outcome).map_err(|e| format!("{e:#}")))
            }
            Work::StoreEnrolled {
                store,
                name,
                share,
                passphrase,
                kdf,
            } => JobResult::Finished(
                custody_cmd::store_enrolled(&store, &name, &share, |m| {
                    seal(m, passphrase.as_ref(), kdf)
                })
                .map_err(|e| format!("{e:#}")),
            ),
            Work::ReadRoster(path) => JobResult::Roster {
                roster: crate::cli::keys::load_file(&path)
                    .map(|key| Roster::of(&key))
                    .map_err(|e| format!("{e:#}")),
                path: path.display().to_string(),
            },
            Work::Deal {
                threshold,
                participants,
                folder,
                passphrase,
                kdf,
                seed,
            } => {
                let protect = |m: KeyMaterial| seal(m, passphrase.as_ref(), kdf);
                JobResult::Dealt(
                    crate::store::deal_to_folder(
                        threshold,
                        participants,
                        &folder,
                        &protect,
                        &mut ChaCha20Rng::from_seed(seed),
                    )
                    .map_err(|e| format!("{e:#}")),
                )
            }
            Work::Template {
                store,
                key,
                file,
                seed,
            } => JobResult::TemplateWritten(
                template(&store, &key, &file, seed).map_err(|e| format!("{e:#}")),
            ),
            Work::RenameKey { store, from, to } => JobResult::KeysChanged(
                store
                    .rename(&from, &to)
                    .map(|path| format!("renamed key {from:?} to {to:?} ({})", path.display()))
                    .map_err(|e| format!("{e:#}")),
            ),
            Work::DeleteKey { store, name } => JobResult::KeysChanged(
                store
                    .delete(&name)
                    .map(|()| format!("deleted key {name:?}"))
                    .map_err(|e| format!("{e:#}")),
            ),
            Work::ExportGroup { store, name, out } => JobResult::KeysChanged(
                custody_cmd::write_group(
                    &store,
                    &KeyChoice::Name(name),
                    &PathBuf::from(absolute(&out)),
                )
                .map(|(done, _)| format!("{done}: give it to the newcomer"))
                .map_err(|e| format!("{e:#}")),
            ),
            Work::Save { path, text } => JobResult::Saved(
                write_atomic(&path, text.as_bytes(), Overwrite::WithBackup)
                    .map(|()| absolute(&path))
                    .map_err(|e| format!("{}: {e}", path.display())),
            ),
            Work::ReadImage(path) => JobResult::Image(
                std::fs::read(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))
                    .and_then(|bytes| crate::transport::qr::decode_image(&bytes))
                    .map(|texts| texts.join("\n"))
                    .map_err(|e| format!("{}: {e}", path.display())),
            ),
            Work::QrFrame {
                generation,
                index,
                text,
                version,
            } => JobResult::QrFrame {
                generation,
                index,
                modules: crate::transport::qr::modules(&text, version),
            },
            Work::ListCameras(cameras) => {
                JobResult::Cameras(cameras.list().map_err(|e| e.to_string()))
            }
            Work::Scan {
                cameras,
                camera,
                previous,
                preview,
                generation,
            } => {
                if let Some(previous) = previous {
                    previous.stop();
                }
                let options = ScanOptions {
                    preview: Some(preview),
                };
                JobResult::Scanning {
                    generation,
                    scanner: cameras
                        .open(&camera)
                        .map(|source| Box::new(Scanner::start(source, options)))
                        .map_err(|e| e.to_string()),
                }
            }
        }
    }
}

/// The keys of the store at `home`: those that load, and those that do not (with why).
pub fn load_keys(store: &Store) -> Vec<(String, Result<StoredKey, String>)> {
    store
        .all()
        .unwrap_or_default()
        .into_iter()
        .map(|(n, k)| (n, k.map_err(|e| format!("{e:#}"))))
        .collect()
}

fn seal(
    material: KeyMaterial,
    passphrase: Option<&Zeroizing<String>>,
    kdf: KdfParams,
) -> anyhow::Result<KeyMaterial> {
    Ok(match passphrase {
        Some(p) => material.seal(p.as_bytes(), kdf, &mut rand_core::OsRng)?,
        None => material,
    })
}

/// Opens a key with the passphrase typed into the form (no second chance: the form shows the
/// error at its passphrase field).
fn unlock_with(
    passphrase: Option<&Zeroizing<String>>,
) -> impl FnMut(&str, &StoredKey) -> anyhow::Result<Option<KeyShare>> + '_ {
    move |label, key| {
        if !key.material.is_sealed() {
            return Ok(key.material.share().cloned());
        }
        let passphrase = passphrase
            .filter(|p| !p.is_empty())
            .ok_or_else(|| anyhow::anyhow!("key {label} is encrypted: type its passphrase"))?;
        key.material
            .unlock(Some(passphrase.as_bytes()))
            .map_err(|e| anyhow::anyhow!("key {label}: {e}"))
    }
}

/// A key's share (None when it holds none) and the passphrase that opened it.
type KeptUnlock = (Option<KeyShare>, Option<Zeroizing<String>>);

/// Opens a member's key with the form's passphrase, and keeps the passphrase (for a sealed
/// key) to seal the replacement under.
fn unlock_keeping(
    passphrase: Option<&Zeroizing<String>>,
) -> impl FnMut(&str, &StoredKey) -> anyhow::Result<KeptUnlock> + '_ {
    let mut unlock = unlock_with(passphrase);
    move |label, key| {
        let share = unlock(label, key)?;
        let kept = passphrase.cloned().filter(|_| key.material.is_sealed());
        Ok((share, kept))
    }
}

/// Starts a ceremony exactly as line mode does (the same functions), with the form's
/// passphrase and a seeded random stream.
fn start(
    store: &Store,
    spec: &Spec,
    passphrase: Option<Zeroizing<String>>,
    seed: [u8; 32],
    now: u64,
) -> Result<Started, StartFailure> {
    let fail = |input, e: anyhow::Error| StartFailure {
        input,
        message: format!("{e:#}"),
    };
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut unlock = unlock_with(passphrase.as_ref());
    let mut replacing = None;
    // A member's ceremony whose outcome replaces the share it opened.
    let mut replaces = |opened, prepared, group: &Option<PathBuf>| {
        replacing = Some(Arc::new(Replacing {
            opened,
            group: group.clone(),
        }));
        prepared
    };
    let prepared = match spec {
        Spec::Dkg {
            threshold,
            participants,
            name,
        } => {
            ceremonies::check_new_name(store, name).map_err(|e| fail(StartInput::Key, e))?;
            let session = Session::dkg(*threshold, *participants, name, &mut rng)
                .map_err(|e| fail(StartInput::Other, e.into()))?;
            let intro = format!(
                "Key generation {threshold}-of-{participants} as participant {}. Nothing is written until it has finished.",
                session.view().ceremony_id
            );
            Prepared {
                session,
                intro,
                feedback: vec![],
            }
        }
        Spec::Follow { key } => ceremonies::prepare_follower(store, key, &mut unlock, &mut rng)
            .map_err(|e| fail(e.input, e.error))?,
        Spec::Sign {
            key,
            signers,
            request,
        } => ceremonies::prepare_coordinator(store, key, *signers, request, &mut unlock, &mut rng)
            .map_err(|e| fail(e.input, e.error))?,
        Spec::Refresh {
            key,
            start,
            remove: ids,
            group,
        }
        | Spec::Help {
            key,
            start,
            without: ids,
            group,
        } => {
            let (part, option) = match spec {
                Spec::Refresh { .. } => (MemberPart::Refresh, "Remove"),
                _ => (MemberPart::Help, "Not helping"),
            };
            let mut keeping = unlock_keeping(passphrase.as_ref());
            let (opened, prepared) = custody_cmd::prepare_member(
                store,
                part,
                key,
                (*start, option, ids),
                &mut keeping,
                now,
                &mut rng,
            )
            .map_err(|e| fail(e.input, e.error))?;
            replaces(opened, prepared, group)
        }
        Spec::Admit { key, group } => {
            let mut keeping = unlock_keeping(passphrase.as_ref());
            let (opened, prepared) = custody_cmd::prepare_admit(store, key, &mut keeping, &mut rng)
                .map_err(|e| fail(e.input, e.error))?;
            replaces(opened, prepared, group)
        }
        Spec::Newcomer { group, name } => {
            custody_cmd::prepare_newcomer(store, group, name, &mut rng)
                .map_err(|e| fail(e.input, e.error))?
        }
        Spec::Deal { .. } => {
            return Err(fail(
                StartInput::Other,
                anyhow::anyhow!("dealing is not a ceremony"),
            ))
        }
    };
    Ok(Started {
        session: prepared.session,
        intro: prepared.intro,
        feedback: prepared.feedback,
        replacing,
    })
}

/// A finished refresh's or repair's share in place of the member's old one.
fn replace(replacing: &Replacing, outcome: &Outcome) -> anyhow::Result<Vec<String>> {
    let group = replacing.group.as_deref();
    match outcome {
        Outcome::Refreshed { share, removed, .. } => {
            custody_cmd::finish_refresh(&replacing.opened, share, removed, group)
        }
        Outcome::Helped {
            share, newcomer, ..
        } => custody_cmd::finish_help(&replacing.opened, share, newcomer, group),
        _ => anyhow::bail!("this ceremony replaces no share"),
    }
}

fn step_session(mut session: Session, step: Step) -> SessionReturn {
    let mut outcomes = vec![];
    let feedback = match step {
        Step::Paste(text) => {
            outcomes = session.paste(&text);
            vec![]
        }
        Step::Confirm => session.confirm(),
        Step::Approve => session.approve(),
        Step::Decline => {
            session.decline();
            vec![]
        }
        Step::Passphrase(passphrase) => {
            session.provide_passphrase(passphrase);
            session.compute()
        }
        Step::Compute => session.compute(),
    };
    SessionReturn {
        view: session.view(),
        session,
        outcomes,
        feedback,
    }
}

fn template(store: &Store, key: &KeyChoice, file: &Path, seed: [u8; 32]) -> anyhow::Result<String> {
    let (label, identity) = crate::cli::keys::resolve(store, key)?;
    let text = crate::definition::definition_template(
        &mut ChaCha20Rng::from_seed(seed),
        identity.material.group(),
        None,
    )?;
    write_atomic(file, text.as_bytes(), Overwrite::Never).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} already exists: not overwritten", file.display())
        } else {
            anyhow::Error::new(e).context(format!("cannot write {}", file.display()))
        }
    })?;
    Ok(format!(
        "wrote a definition template for key {label} to {}",
        absolute(file)
    ))
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

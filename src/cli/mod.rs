//! The command line: argument parsing and the line-mode front end.
//!
//! In line mode stdout carries only protocol messages (one per line) and finally the result;
//! everything meant for a person goes to stderr; incoming messages are read from stdin. A
//! ceremony command without `--no-tui`, at a terminal, opens the TUI on its form instead.

pub mod args;
mod camera_input;
pub mod ceremonies;
pub mod custody_cmd;
pub mod driver;
mod journal_cmd;
pub(crate) mod keys;
pub mod lines;
mod scan_cmd;
mod secrets;
mod transport_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use self::args::{Cli, Command, JournalCommand, KeysCommand, LineArgs, RepairCommand};
use self::args::{SealArgs, StoreArgs, TemplateKind};
use crate::sealed::KdfParams;
use crate::spec::{RequestSpec, Spec};
use crate::store::Store;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Rust ignores SIGPIPE, so a reader that goes away (`hoarfrost keys list | head -1`) makes
/// every later print panic. The default action ends the program quietly instead, as other
/// Unix tools end; a ceremony whose output is gone cannot go on anyway, and its journal is
/// written before anything is printed.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default, once, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The store a command uses: its own --home, else the one given before the command.
fn store(top: &Option<PathBuf>, args: &StoreArgs) -> anyhow::Result<Store> {
    Store::open(args.home.as_deref().or(top.as_deref()))
}

fn kdf(seal: &SealArgs) -> anyhow::Result<KdfParams> {
    KdfParams::with_memory_mib(seal.kdf_memory_mib)
        .map_err(|e| anyhow::anyhow!("--kdf-memory-mib: {e}"))
}

const PASSPHRASE_IN_FORM: &str =
    "--passphrase-file is for line mode (--no-tui); in the terminal UI the passphrase is typed into the form";
const YES_ON_SCREEN: &str =
    "--yes is for scripts in line mode (--no-tui); in the terminal UI you answer on screen";

/// How a ceremony command opens the TUI: its form, and the Argon2id cost of a key it makes.
struct OnForm {
    spec: Spec,
    /// Whether the form's encrypt choice starts on (off for --unencrypted).
    encrypt: bool,
    kdf: KdfParams,
    /// Line-mode options, each `(given, why it is refused in the TUI)`.
    line_only: Vec<(bool, &'static str)>,
}

impl OnForm {
    /// A ceremony with a stored key: the TUI asks its passphrase in the form and the person on
    /// screen, so --passphrase-file and --yes are line mode's.
    fn with_key(spec: Spec, yes: bool, unlock: &args::UnlockArgs) -> Self {
        OnForm {
            spec,
            encrypt: true,
            kdf: KdfParams::PCLI,
            line_only: vec![
                (yes, YES_ON_SCREEN),
                (unlock.passphrase_file.is_some(), PASSPHRASE_IN_FORM),
            ],
        }
    }
}

/// A ceremony command: at a terminal without --no-tui, the TUI on its form; otherwise line
/// mode. A line-mode option given with the TUI is an error, never a silent no-op: the TUI shows
/// QR codes itself, asks for passphrases in its forms and asks people on screen.
fn ceremony(
    store: Store,
    line: &LineArgs,
    form: OnForm,
    line_mode: impl FnOnce(&Store) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if !wants_tui(line) {
        transport_cmd::configure(line);
        let result = line_mode(&store);
        lines::discard_pending_input();
        return result;
    }
    anyhow::ensure!(
        !line.qr && line.qr_out.is_none(),
        "--qr and --qr-out are for line mode (--no-tui); the terminal UI shows QR codes with q"
    );
    anyhow::ensure!(
        line.camera.is_none() && line.frames.is_none(),
        "--camera and --frames are for line mode (--no-tui); in the terminal UI press v on the ceremony screen to scan"
    );
    if let Some((_, why)) = form.line_only.iter().find(|(given, _)| *given) {
        anyhow::bail!("{why}");
    }
    let start = crate::tui::Start {
        spec: form.spec,
        encrypt: form.encrypt,
    };
    crate::tui::run(store, Some(start), form.kdf)
}

/// Whether a ceremony command opens the TUI: at a terminal, without --no-tui.
fn wants_tui(line: &LineArgs) -> bool {
    !line.no_tui && crate::tui::available()
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let top = cli.home;
    let Some(command) = cli.command else {
        return crate::tui::run(Store::open(top.as_deref())?, None, KdfParams::PCLI);
    };
    match command {
        Command::Dkg {
            store: s,
            size,
            name,
            out,
            yes,
            seal,
            line,
        } => {
            let args::Size {
                threshold,
                participants,
            } = size;
            let form = OnForm {
                spec: Spec::Dkg {
                    threshold,
                    participants,
                    name: name.clone(),
                },
                encrypt: !seal.unencrypted,
                kdf: kdf(&seal)?,
                line_only: vec![
                    (out.is_some(), "--out is for line mode (--no-tui); in the terminal UI the share is stored as --name"),
                    (yes, YES_ON_SCREEN),
                    (seal.passphrase_file.is_some(), PASSPHRASE_IN_FORM),
                ],
            };
            ceremony(store(&top, &s)?, &line, form, |store| {
                ceremonies::dkg(
                    store,
                    &seal,
                    threshold,
                    participants,
                    &name,
                    out.as_deref(),
                    yes,
                )
            })
        }
        Command::Deal {
            store: s,
            size,
            to,
            seal,
        } => keys::deal(
            &store(&top, &s)?,
            &secrets::Sealer::new(&seal)?,
            size.threshold,
            size.participants,
            &to,
        ),
        Command::Split {
            store: s,
            size,
            phrase_file,
            from_pcli,
            section,
            to,
            seal,
        } => {
            let source = match (phrase_file, from_pcli) {
                (_, Some(config)) => keys::SplitSource::Pcli(config, section.into()),
                (Some(file), None) => keys::SplitSource::PhraseFile(file),
                (None, None) => keys::SplitSource::AskPhrase,
            };
            keys::split(
                &store(&top, &s)?,
                &secrets::Sealer::new(&seal)?,
                size.threshold,
                size.participants,
                &source,
                &to,
            )
        }
        Command::Follow { store: s, key, run } => {
            let form = OnForm::with_key(Spec::Follow { key: key.choice() }, run.yes, &run.unlock);
            ceremony(store(&top, &s)?, &run.line, form, |store| {
                let unlocker = secrets::Unlocker::new(&run.unlock);
                ceremonies::follow(store, &unlocker, &key.choice(), run.yes)
            })
        }
        Command::Refresh { part, remove } => {
            member_command(&top, &part, custody_cmd::MemberPart::Refresh, remove)
        }
        Command::Repair {
            command:
                RepairCommand::Request {
                    store: s,
                    group,
                    name,
                    seal,
                    line,
                },
        } => {
            let form = OnForm {
                spec: Spec::Newcomer {
                    group: group.clone(),
                    name: name.clone(),
                },
                encrypt: !seal.unencrypted,
                kdf: kdf(&seal)?,
                line_only: vec![(seal.passphrase_file.is_some(), PASSPHRASE_IN_FORM)],
            };
            ceremony(store(&top, &s)?, &line, form, |store| {
                custody_cmd::repair_request(store, &secrets::Sealer::new(&seal)?, &group, &name)
            })
        }
        Command::Repair {
            command: RepairCommand::Help { part, without },
        } => member_command(&top, &part, custody_cmd::MemberPart::Help, without),
        Command::Repair {
            command:
                RepairCommand::Admit {
                    store: s,
                    key,
                    group,
                    run,
                },
        } => {
            let spec = Spec::Admit {
                key: key.choice(),
                group: group.clone(),
            };
            let form = OnForm::with_key(spec, run.yes, &run.unlock);
            ceremony(store(&top, &s)?, &run.line, form, |store| {
                custody_cmd::repair_admit(store, &key, group.as_deref(), &run)
            })
        }
        Command::Coordinate { request } => {
            coordinate(&top, request.common().clone(), request.request_spec()?)
        }
        Command::Check { common } => coordinate(&top, common, RequestSpec::Check),
        Command::Template {
            what:
                TemplateKind::Definition {
                    store: s,
                    key,
                    governance,
                    governance_name,
                    file,
                },
        } => {
            let governance = crate::spec::KeyChoice::from_args(governance_name, governance);
            keys::template(
                &store(&top, &s)?,
                &key.choice(),
                &governance,
                file.as_deref(),
            )
        }
        Command::Decode { files } => transport_cmd::decode(&files),
        Command::Scan(args) => scan_cmd::run(args),
        Command::Encode { out, bundle } => transport_cmd::encode(out.as_deref(), bundle),
        Command::Journal { command } => match command {
            JournalCommand::Show { store: s, key } => {
                journal_cmd::show(&store(&top, &s)?, &key.choice())
            }
            JournalCommand::Export(to) => {
                journal_cmd::export_to(&store(&top, &to.store)?, &to.key.choice(), &to.out)
            }
            JournalCommand::Import {
                store: s,
                key,
                file,
            } => journal_cmd::import_from(&store(&top, &s)?, &key.choice(), &file),
            JournalCommand::Watermark {
                store: s,
                key,
                definition,
            } => journal_cmd::watermark(&store(&top, &s)?, &key.choice(), definition),
        },
        Command::Keys { command } => match command {
            KeysCommand::List { store: s } => keys::list(&store(&top, &s)?),
            KeysCommand::Show { store: s, key } => keys::show(&store(&top, &s)?, &key.choice()),
            KeysCommand::Rename { store: s, name, to } => {
                keys::rename(&store(&top, &s)?, &name, &to)
            }
            KeysCommand::Delete {
                store: s,
                name,
                yes,
            } => keys::delete(&store(&top, &s)?, &name, yes),
            KeysCommand::ImportPcli(args) => keys::import_pcli(
                &store(&top, &args.store)?,
                &secrets::Sealer::new(&args.seal)?,
                &args.config,
                args.section.into(),
                args.name.as_deref(),
                args.out.as_deref(),
            ),
            KeysCommand::ExportGroup(to) => {
                custody_cmd::export_group(&store(&top, &to.store)?, &to.key.choice(), &to.out)
            }
            KeysCommand::ExportPcli(args) => keys::export_pcli(
                &store(&top, &args.store)?,
                &secrets::Unlocker::new(&args.unlock),
                &args.key.choice(),
                args.section.into(),
                &args.grpc_url,
                &args.out,
            ),
        },
    }
}

/// A member's refresh or repair, with the members `ids` names removed (a refresh) or left out
/// (a repair): in the TUI on its form, or in line mode. In the TUI the new share is sealed
/// under the passphrase that opens the key, with the key's own Argon2id parameters.
fn member_command(
    top: &Option<PathBuf>,
    part: &args::PartArgs,
    which: custody_cmd::MemberPart,
    ids: Vec<String>,
) -> anyhow::Result<()> {
    use custody_cmd::MemberPart;
    let (key, start, group) = (part.key.choice(), part.start, part.group.clone());
    let spec = match which {
        MemberPart::Refresh => Spec::Refresh {
            key,
            start,
            remove: ids.clone(),
            group,
        },
        MemberPart::Help => Spec::Help {
            key,
            start,
            without: ids.clone(),
            group,
        },
    };
    let form = OnForm::with_key(spec, part.run.yes, &part.run.unlock);
    ceremony(
        store(top, &part.store)?,
        &part.run.line,
        form,
        |store| match which {
            MemberPart::Refresh => custody_cmd::refresh(store, part, &ids),
            MemberPart::Help => custody_cmd::repair_help(store, part, &ids),
        },
    )
}

/// A coordinator's ceremony: in the TUI on its form, or in line mode.
fn coordinate(
    top: &Option<PathBuf>,
    common: args::CoordinateArgs,
    request: RequestSpec,
) -> anyhow::Result<()> {
    let choice = common.key.choice();
    let spec = Spec::Sign {
        key: choice.clone(),
        signers: common.signers,
        request: request.clone(),
    };
    let form = OnForm::with_key(spec, false, &common.unlock);
    ceremony(store(top, &common.store)?, &common.line, form, |store| {
        let unlocker = secrets::Unlocker::new(&common.unlock);
        ceremonies::coordinate(store, &unlocker, &choice, common.signers, &request)
    })
}

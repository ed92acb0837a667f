//! The command line: argument parsing and the line-mode front end.
//!
//! In line mode stdout carries only protocol messages (one per line) and finally the result;
//! everything meant for a person goes to stderr; incoming messages are read from stdin. A
//! ceremony command without `--no-tui`, at a terminal, opens the TUI on its form instead.

pub mod args;
pub mod ceremonies;
pub mod driver;
mod journal_cmd;
pub(crate) mod keys;
pub mod lines;
mod secrets;
mod transport_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use self::args::{Cli, Command, JournalCommand, KeysCommand, LineArgs};
use self::args::{SealArgs, StoreArgs, TemplateKind};
use crate::sealed::KdfParams;
use crate::spec::{RequestSpec, Spec};
use crate::store::Store;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
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

/// Refuses line-mode options when the TUI will run: it shows QR codes itself, and an option
/// that would do nothing is an error, not a silent no-op.
fn tui_refuses(line: &LineArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !line.qr && line.qr_out.is_none(),
        "--qr and --qr-out are for line mode (--no-tui); the terminal UI shows QR codes with q"
    );
    Ok(())
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
            threshold,
            participants,
            name,
            out,
            yes,
            seal,
            line,
        } => {
            let store = store(&top, &s)?;
            let spec = Spec::Dkg {
                threshold,
                participants,
                name: name.clone(),
            };
            if wants_tui(&line) {
                tui_refuses(&line)?;
                anyhow::ensure!(out.is_none(), "--out is for line mode (--no-tui); in the terminal UI the share is stored as --name");
                anyhow::ensure!(!yes, "--yes is for scripts in line mode (--no-tui); in the terminal UI you confirm the fingerprint on screen");
                anyhow::ensure!(seal.passphrase_file.is_none(), "--passphrase-file is for line mode (--no-tui); in the terminal UI the passphrase is typed into the form");
                let start = crate::tui::Start {
                    spec,
                    encrypt: !seal.unencrypted,
                };
                return crate::tui::run(store, Some(start), kdf(&seal)?);
            }
            transport_cmd::configure(&line);
            ceremonies::dkg(
                &store,
                &seal,
                threshold,
                participants,
                &name,
                out.as_deref(),
                yes,
            )
        }
        Command::Deal {
            store: s,
            threshold,
            participants,
            out,
            name,
            homes,
            seal,
        } => keys::deal(
            &store(&top, &s)?,
            &secrets::Sealer::new(&seal)?,
            threshold,
            participants,
            out.as_deref(),
            name.as_deref(),
            &homes,
        ),
        Command::Follow {
            store: s,
            key,
            yes,
            unlock,
            line,
        } => {
            let store = store(&top, &s)?;
            if wants_tui(&line) {
                tui_refuses(&line)?;
                anyhow::ensure!(!yes, "--yes is for scripts in line mode (--no-tui); in the terminal UI you approve on screen");
                anyhow::ensure!(unlock.passphrase_file.is_none(), "--passphrase-file is for line mode (--no-tui); in the terminal UI the passphrase is typed into the form");
                let start = crate::tui::Start {
                    spec: Spec::Follow { key: key.choice() },
                    encrypt: true,
                };
                return crate::tui::run(store, Some(start), KdfParams::PCLI);
            }
            transport_cmd::configure(&line);
            ceremonies::follow(&store, &secrets::Unlocker::new(&unlock), &key.choice(), yes)
        }
        Command::Coordinate { request } => {
            coordinate(&top, request.common().clone(), request.spec()?)
        }
        Command::Check { common } => {
            let spec = Spec::Sign {
                key: common.key.choice(),
                signers: common.signers,
                request: RequestSpec::Check,
            };
            coordinate(&top, common, spec)
        }
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
        Command::Encode { out, bundle } => transport_cmd::encode(out.as_deref(), bundle),
        Command::Journal { command } => match command {
            JournalCommand::Show { store: s, key } => {
                journal_cmd::show(&store(&top, &s)?, &key.choice())
            }
            JournalCommand::Export { store: s, key, out } => {
                journal_cmd::export_to(&store(&top, &s)?, &key.choice(), &out)
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
            KeysCommand::ImportPcli {
                store: s,
                config,
                section,
                name,
                out,
                seal,
            } => keys::import_pcli(
                &store(&top, &s)?,
                &secrets::Sealer::new(&seal)?,
                &config,
                section.into(),
                name.as_deref(),
                out.as_deref(),
            ),
            KeysCommand::ExportPcli {
                store: s,
                key,
                section,
                grpc_url,
                out,
                unlock,
            } => keys::export_pcli(
                &store(&top, &s)?,
                &secrets::Unlocker::new(&unlock),
                &key.choice(),
                section.into(),
                &grpc_url,
                &out,
            ),
        },
    }
}

/// A coordinator's ceremony: in the TUI on its form, or in line mode.
fn coordinate(
    top: &Option<PathBuf>,
    common: args::CoordinateArgs,
    spec: Spec,
) -> anyhow::Result<()> {
    let store = store(top, &common.store)?;
    if wants_tui(&common.line) {
        tui_refuses(&common.line)?;
        anyhow::ensure!(common.unlock.passphrase_file.is_none(), "--passphrase-file is for line mode (--no-tui); in the terminal UI the passphrase is typed into the form");
        let start = crate::tui::Start {
            spec,
            encrypt: true,
        };
        return crate::tui::run(store, Some(start), KdfParams::PCLI);
    }
    transport_cmd::configure(&common.line);
    ceremonies::coordinate(&store, &secrets::Unlocker::new(&common.unlock), &spec)
}

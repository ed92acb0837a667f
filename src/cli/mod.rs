//! The command line: argument parsing and the line-mode front end.
//!
//! In line mode stdout carries only protocol messages (one per line) and finally the result;
//! everything meant for a person goes to stderr; incoming messages are read from stdin.

mod dkg;
mod journal_cmd;
mod keys;
mod lines;
mod scan_cmd;
mod secrets;
mod sign;
mod transport_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::keyfile::PcliSection;
use crate::store::Store;

#[derive(Parser, Debug)]
#[command(
    name = "hoarfrost",
    version,
    about = "FROST threshold ceremonies for Penumbra: keys that never sit on one machine",
    long_about = "Hoarfrost steps a group through FROST threshold ceremonies over decaf377: \
                  distributed key generation and signing of Penumbra transactions, validator \
                  definitions and validator votes. Messages are pcli's own, carried by \
                  copy-paste, so hoarfrost and pcli participants can work together."
)]
pub struct Cli {
    /// The key store folder (default: $HOARFROST_HOME, else the user's data directory).
    #[arg(long, global = true)]
    home: Option<PathBuf>,
    /// Read passphrases from this file (first line) instead of asking on the terminal.
    #[arg(long, global = true)]
    passphrase_file: Option<PathBuf>,
    /// Store new keys unencrypted (otherwise they are sealed under a passphrase).
    #[arg(long, global = true)]
    unencrypted: bool,
    /// Argon2id memory for sealing new keys, in MiB (default 2048, pcli's; at least 64).
    #[arg(long, global = true, default_value_t = 2048)]
    kdf_memory_mib: u32,
    /// Line mode: also show every outgoing message as QR codes (text, on stderr).
    #[arg(long, global = true)]
    qr: bool,
    /// Line mode: also write every outgoing message's QR frames as PNG files into DIR.
    #[arg(long, global = true, value_name = "DIR")]
    qr_out: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a t-of-n key with the other participants; nobody ever holds the whole key.
    Dkg {
        /// How many participants must sign (t).
        #[arg(long, short = 't')]
        threshold: u16,
        /// How many participants take part (n).
        #[arg(long, short = 'n')]
        participants: u16,
        /// The name to store this participant's share under (for example identity or governance).
        #[arg(long)]
        name: String,
        /// Also write the share to this key file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Line mode: messages on stdin/stdout, everything else on stderr.
        #[arg(long)]
        no_tui: bool,
    },
    /// Split a fresh key among N participants with a trusted dealer.
    Deal {
        /// How many participants must sign (t).
        #[arg(long, short = 't')]
        threshold: u16,
        /// How many participants hold a share (n).
        #[arg(long, short = 'n')]
        participants: u16,
        /// Folder to write participant-1.toml .. participant-N.toml and group.toml into.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Store the shares under this name: share i in the i-th --homes folder, or, without
        /// --homes, share 1 in this machine's store.
        #[arg(long)]
        name: Option<String>,
        /// One key store folder per participant (as pcli's `deal --home A --home B ...`).
        #[arg(long, num_args = 1..)]
        homes: Vec<PathBuf>,
    },
    /// Take part in a signing ceremony as a follower.
    Follow {
        #[command(flatten)]
        key: KeyArgs,
        /// Line mode: messages on stdin/stdout, everything else on stderr.
        #[arg(long)]
        no_tui: bool,
        /// Approve the request without asking (scripts only: the review is still printed).
        #[arg(long)]
        yes: bool,
    },
    /// Coordinate a signing ceremony.
    Coordinate {
        #[command(subcommand)]
        request: CoordinateRequest,
    },
    /// Coordinate a key check: all participants sign a harmless test request.
    Check {
        #[command(flatten)]
        common: CoordinateArgs,
    },
    /// Write a validator definition template for a threshold key, as pcli's template command does.
    Template {
        #[command(subcommand)]
        what: TemplateKind,
    },
    /// List, show, import and export keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Read QR codes from images (PNG, JPEG) or UR parts and JSON from text files, and print
    /// each message as pcli JSON.
    Decode { files: Vec<PathBuf> },
    /// Scan QR codes with a camera (or from a folder of its frames) and print each message as
    /// pcli JSON.
    Scan(scan_cmd::ScanArgs),
    /// Turn pcli JSON messages (stdin) into UR parts (stdout) and, with --out, QR frames (PNG).
    Encode {
        #[arg(long)]
        out: Option<PathBuf>,
        /// All the messages as one bundle: a participant scans one code stream per round.
        #[arg(long)]
        bundle: bool,
    },
    /// The signing journal that refuses conflicting definitions and votes.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
}

#[derive(Subcommand, Debug)]
enum JournalCommand {
    /// What was signed with a key, and when.
    Show {
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Write the journal as an interchange file (modelled on EIP-3076).
    Export {
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Merge an interchange file into the journal (conflicts are kept, and refuse more).
    Import {
        #[command(flatten)]
        key: KeyArgs,
        file: PathBuf,
    },
    /// Refuse definitions at or below a sequence number (from the chain's current state).
    Watermark {
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long)]
        definition: u32,
    },
}

/// Which key to use: a key file, a stored key by name, or (neither) the store picks.
#[derive(clap::Args, Debug, Clone, Default)]
struct KeyArgs {
    /// A key file (a hoarfrost key file, or a pcli config with a threshold custody backend).
    #[arg(long, conflicts_with = "name")]
    key: Option<PathBuf>,
    /// A key in the store, by name.
    #[arg(long)]
    name: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
struct CoordinateArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Line mode: messages on stdin/stdout, everything else on stderr.
    #[arg(long)]
    no_tui: bool,
    /// How many signers to wait for in round 1, the coordinator included when it holds a share
    /// (default: the threshold; all participants for a key check).
    #[arg(long)]
    signers: Option<u16>,
}

#[derive(Subcommand, Debug)]
enum CoordinateRequest {
    /// Sign a validator definition (the TOML `pcli validator definition template` writes).
    Definition {
        #[command(flatten)]
        common: CoordinateArgs,
        /// The validator definition TOML.
        #[arg(long)]
        file: PathBuf,
    },
    /// Sign a validator vote with the governance key.
    Vote {
        #[command(flatten)]
        common: CoordinateArgs,
        /// The proposal number.
        #[arg(long)]
        proposal: u64,
        /// yes, no or abstain.
        #[arg(long)]
        vote: String,
        /// Why (at most 1024 bytes).
        #[arg(long, default_value = "")]
        reason: String,
        /// The voting validator's identity key (penumbravalid1...), when the governance key is
        /// held apart from the identity key.
        #[arg(long)]
        validator: Option<String>,
    },
    /// Sign a transaction plan (proto JSON).
    Tx {
        #[command(flatten)]
        common: CoordinateArgs,
        /// The TransactionPlan JSON file.
        #[arg(long)]
        plan: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum TemplateKind {
    /// A validator definition whose identity key is the threshold key.
    Definition {
        #[command(flatten)]
        key: KeyArgs,
        /// A separate governance key, from a file...
        #[arg(long, conflicts_with = "governance_name")]
        governance: Option<PathBuf>,
        /// ...or from the store, by name.
        #[arg(long)]
        governance_name: Option<String>,
        /// Write here instead of stdout.
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// List the keys in the store.
    List,
    /// Show a key: threshold, participants, identity and governance keys, FVK, fingerprint.
    Show {
        /// The stored key's name.
        name: Option<String>,
        /// Or a key file.
        #[arg(long, conflicts_with = "name")]
        key: Option<PathBuf>,
    },
    /// Read a share from a pcli config into the store (or a key file).
    ImportPcli {
        /// The pcli config (pcli-config.toml) or a bare threshold config.
        config: PathBuf,
        /// Which section holds the share.
        #[arg(long, value_enum, default_value = "custody")]
        section: PcliSection,
        /// Store it under this name...
        #[arg(long, required_unless_present = "out")]
        name: Option<String>,
        /// ...and/or write it to this key file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a share as a pcli config with a threshold custody backend.
    ExportPcli {
        /// The stored key's name.
        name: Option<String>,
        /// Or a key file.
        #[arg(long, conflicts_with = "name")]
        key: Option<PathBuf>,
        /// Which section to put the share in.
        #[arg(long, value_enum, default_value = "custody")]
        section: PcliSection,
        /// The pcli config's grpc_url.
        #[arg(long, default_value = "https://grpc.penumbra.zone/")]
        grpc_url: String,
        /// The pcli config file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    transport_cmd::configure(transport_cmd::QrOutput {
        ansi: cli.qr,
        dir: cli.qr_out.clone(),
    });
    let secrets = match crate::sealed::KdfParams::with_memory_mib(cli.kdf_memory_mib) {
        Ok(kdf) => secrets::Secrets {
            passphrase_file: cli.passphrase_file,
            unencrypted: cli.unencrypted,
            kdf,
        },
        Err(e) => {
            eprintln!("error: --kdf-memory-mib: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = Store::open(cli.home.as_deref()).and_then(|store| match cli.command {
        None => crate::tui::run(store, None, secrets.kdf),
        Some(command) => match tui_start(&command) {
            // Without --no-tui, at a terminal, a ceremony command opens the TUI on its form.
            Some(start) if crate::tui::available() => {
                crate::tui::run(store, Some(start), secrets.kdf)
            }
            _ => run(&store, &secrets, command),
        },
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The TUI form a ceremony command opens when --no-tui is absent, filled from its arguments.
fn tui_start(command: &Command) -> Option<crate::tui::Start> {
    use crate::tui::form::FormKind;
    let key_name = |k: &KeyArgs| k.name.clone().map(|n| ("Key", n));
    let signers = |c: &CoordinateArgs| c.signers.map(|n| ("Signers", n.to_string()));
    let with_common = |c: &CoordinateArgs, mut v: Vec<(&'static str, String)>| {
        v.extend(key_name(&c.key));
        v.extend(signers(c));
        v
    };
    match command {
        Command::Dkg {
            threshold,
            participants,
            name,
            no_tui: false,
            ..
        } => Some((
            FormKind::Dkg,
            vec![
                ("Threshold t", threshold.to_string()),
                ("Participants n", participants.to_string()),
                ("Name", name.clone()),
            ],
        )),
        Command::Follow {
            key, no_tui: false, ..
        } => Some((FormKind::Follow, key_name(key).into_iter().collect())),
        Command::Check { common } if !common.no_tui => {
            Some((FormKind::Check, with_common(common, vec![])))
        }
        Command::Coordinate { request } => match request {
            CoordinateRequest::Definition { common, file } if !common.no_tui => Some((
                FormKind::Definition,
                with_common(
                    common,
                    vec![("Definition file", file.display().to_string())],
                ),
            )),
            CoordinateRequest::Vote {
                common,
                proposal,
                vote,
                reason,
                validator,
            } if !common.no_tui => {
                let mut v = vec![
                    ("Proposal", proposal.to_string()),
                    ("Vote", vote.clone()),
                    ("Reason", reason.clone()),
                ];
                v.extend(validator.clone().map(|x| ("Validator", x)));
                Some((FormKind::Vote, with_common(common, v)))
            }
            CoordinateRequest::Tx { common, plan } if !common.no_tui => Some((
                FormKind::Transaction,
                with_common(common, vec![("Plan file", plan.display().to_string())]),
            )),
            _ => None,
        },
        _ => None,
    }
}

fn run(store: &Store, secrets: &secrets::Secrets, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Dkg {
            threshold,
            participants,
            name,
            out,
            no_tui: _,
        } => dkg::run(
            store,
            secrets,
            threshold,
            participants,
            &name,
            out.as_deref(),
        ),
        Command::Deal {
            threshold,
            participants,
            out,
            name,
            homes,
        } => keys::deal(
            store,
            secrets,
            threshold,
            participants,
            out.as_deref(),
            name.as_deref(),
            &homes,
        ),
        Command::Follow {
            key,
            yes,
            no_tui: _,
        } => sign::follow(store, secrets, &key, yes),
        Command::Coordinate { request } => sign::coordinate(store, secrets, request),
        Command::Check { common } => sign::check(store, secrets, common),
        Command::Template {
            what:
                TemplateKind::Definition {
                    key,
                    governance,
                    governance_name,
                    file,
                },
        } => {
            let governance = match (governance, governance_name) {
                (Some(path), _) => Some(KeyArgs {
                    key: Some(path),
                    name: None,
                }),
                (None, Some(name)) => Some(KeyArgs {
                    key: None,
                    name: Some(name),
                }),
                (None, None) => None,
            };
            keys::template(store, &key, governance.as_ref(), file.as_deref())
        }
        Command::Decode { files } => transport_cmd::decode(&files),
        Command::Scan(args) => scan_cmd::run(args),
        Command::Encode { out, bundle } => transport_cmd::encode(out.as_deref(), bundle),
        Command::Journal { command } => match command {
            JournalCommand::Show { key } => journal_cmd::show(store, &key),
            JournalCommand::Export { key, out } => journal_cmd::export_to(store, &key, &out),
            JournalCommand::Import { key, file } => journal_cmd::import_from(store, &key, &file),
            JournalCommand::Watermark { key, definition } => {
                journal_cmd::watermark(store, &key, definition)
            }
        },
        Command::Keys { command } => match command {
            KeysCommand::List => keys::list(store),
            KeysCommand::Show { name, key } => keys::show(store, &KeyArgs { key, name }),
            KeysCommand::ImportPcli {
                config,
                section,
                name,
                out,
            } => keys::import_pcli(
                store,
                secrets,
                &config,
                section,
                name.as_deref(),
                out.as_deref(),
            ),
            KeysCommand::ExportPcli {
                name,
                key,
                section,
                grpc_url,
                out,
            } => keys::export_pcli(
                store,
                secrets,
                &KeyArgs { key, name },
                section,
                &grpc_url,
                &out,
            ),
        },
    }
}

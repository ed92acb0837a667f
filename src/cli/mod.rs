//! The command line: argument parsing and the line-mode front end.
//!
//! In line mode stdout carries only protocol messages (one per line) and finally the result;
//! everything meant for a person goes to stderr; incoming messages are read from stdin.

mod keys;
mod lines;
mod sign;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::keyfile::PcliSection;

#[derive(Parser, Debug)]
#[command(
    name = "hoarfrost",
    version,
    about = "FROST threshold ceremonies for Penumbra: keys that never sit on one machine",
    long_about = "Hoarfrost steps a group through FROST threshold ceremonies over decaf377: \
                  dealing keys and signing Penumbra transactions, validator definitions and \
                  validator votes. Messages are pcli's own, carried by copy-paste, so \
                  hoarfrost and pcli participants can sign together."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Split a fresh key among N participants with a trusted dealer (one key file each).
    Deal {
        /// How many participants must sign (t).
        #[arg(long, short = 't')]
        threshold: u16,
        /// How many participants hold a share (n).
        #[arg(long, short = 'n')]
        participants: u16,
        /// Folder to write participant-1.toml .. participant-N.toml and group.toml into.
        #[arg(long)]
        out: PathBuf,
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
    /// Write a validator definition template for a threshold key, as pcli's template command does.
    Template {
        #[command(subcommand)]
        what: TemplateKind,
    },
    /// Move keys between hoarfrost and pcli.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(clap::Args, Debug, Clone)]
struct KeyArgs {
    /// The key file (a hoarfrost key file, or a pcli config with a threshold custody backend).
    #[arg(long)]
    key: PathBuf,
}

#[derive(clap::Args, Debug, Clone)]
struct CoordinateArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Line mode: messages on stdin/stdout, everything else on stderr.
    #[arg(long)]
    no_tui: bool,
    /// How many signers to wait for in round 1, the coordinator included when it holds a share
    /// (default: the threshold). More than t lets the ceremony survive a slow signer.
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
    /// Sign a validator vote.
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
        /// The voting validator's identity key (penumbravalid1...), if it is not this key's own.
        #[arg(long)]
        validator: Option<String>,
    },
    /// Sign a transaction plan (proto JSON, as pcli writes with --plan-file or a view service returns).
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
        /// A separate governance key file, when the governance key is held apart.
        #[arg(long)]
        governance: Option<PathBuf>,
        /// Write here instead of stdout.
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Read a share from a pcli config and write it as a hoarfrost key file.
    ImportPcli {
        /// The pcli config (pcli-config.toml) or a bare threshold config.
        config: PathBuf,
        /// Which section holds the share.
        #[arg(long, value_enum, default_value = "custody")]
        section: PcliSection,
        /// The hoarfrost key file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a hoarfrost share as a pcli config with a threshold custody backend.
    ExportPcli {
        #[command(flatten)]
        key: KeyArgs,
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
    /// Show a key: threshold, participants, identity and governance keys, FVK.
    Show {
        #[command(flatten)]
        key: KeyArgs,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            return ExitCode::SUCCESS;
        }
        Some(command) => run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Deal {
            threshold,
            participants,
            out,
        } => keys::deal(threshold, participants, &out),
        Command::Follow {
            key,
            yes,
            no_tui: _,
        } => sign::follow(&key.key, yes),
        Command::Coordinate { request } => sign::coordinate(request),
        Command::Template {
            what:
                TemplateKind::Definition {
                    key,
                    governance,
                    file,
                },
        } => keys::template(&key.key, governance.as_deref(), file.as_deref()),
        Command::Keys { command } => match command {
            KeysCommand::ImportPcli {
                config,
                section,
                out,
            } => keys::import_pcli(&config, section, &out),
            KeysCommand::ExportPcli {
                key,
                section,
                grpc_url,
                out,
            } => keys::export_pcli(&key.key, section, &grpc_url, &out),
            KeysCommand::Show { key } => keys::show(&key.key),
        },
    }
}

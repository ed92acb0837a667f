//! The command line's options. Each subcommand shows and accepts only its own options, and every
//! command that uses an existing key names it the same way: `--name NAME` (in the store) or
//! `--key FILE`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::keyfile::PcliSection;
use crate::spec::{parse_identity, parse_vote, KeyChoice, RequestSpec, Spec};

#[derive(Parser, Debug)]
#[command(
    name = "hoarfrost",
    version,
    about = "FROST threshold ceremonies for Penumbra: keys that never sit on one machine",
    long_about = "Hoarfrost steps a group through FROST threshold ceremonies over decaf377: \
                  distributed key generation and signing of Penumbra transactions, validator \
                  definitions and validator votes. Messages are pcli's own, carried by \
                  copy-paste or QR codes, so hoarfrost and pcli participants can work together. \
                  Without a command it opens the terminal UI."
)]
pub struct Cli {
    /// The key store folder (default: $HOARFROST_HOME, else the user's data directory).
    #[arg(long)]
    pub home: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The key store folder, for commands that use it.
#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// The key store folder (default: $HOARFROST_HOME, else the user's data directory).
    #[arg(long)]
    pub home: Option<PathBuf>,
}

/// Which existing key to use: a stored key by name or a key file (neither: the store decides).
#[derive(Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// A key in the store, by name.
    #[arg(long, conflicts_with = "key")]
    pub name: Option<String>,
    /// A key file (a hoarfrost key file, or a pcli config with a threshold custody backend).
    #[arg(long)]
    pub key: Option<PathBuf>,
}

impl KeyArgs {
    pub fn choice(&self) -> KeyChoice {
        KeyChoice::from_args(self.name.clone(), self.key.clone())
    }
}

/// How an encrypted key is opened.
#[derive(Args, Debug, Clone, Default)]
pub struct UnlockArgs {
    /// Read passphrases from this file (first line) instead of asking on the terminal.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// How new shares are protected at rest.
#[derive(Args, Debug, Clone)]
pub struct SealArgs {
    /// Read the new passphrase from this file (first line) instead of asking on the terminal.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
    /// Store new shares unencrypted (otherwise they are sealed under a passphrase).
    #[arg(long, conflicts_with = "passphrase_file")]
    pub unencrypted: bool,
    /// Argon2id memory for sealing new shares, in MiB (default 2048, pcli's; at least 64).
    #[arg(long, default_value_t = 2048)]
    pub kdf_memory_mib: u32,
}

/// Line mode: messages on stdin and stdout, everything for people on stderr.
#[derive(Args, Debug, Clone, Default)]
pub struct LineArgs {
    /// Line mode instead of the terminal UI.
    #[arg(long)]
    pub no_tui: bool,
    /// Line mode: also show every outgoing message as QR codes (text, on stderr).
    #[arg(long)]
    pub qr: bool,
    /// Line mode: also write every outgoing message's QR frames as PNG files into DIR.
    #[arg(long, value_name = "DIR")]
    pub qr_out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate a t-of-n key with the other participants; nobody ever holds the whole key.
    Dkg {
        #[command(flatten)]
        store: StoreArgs,
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
        /// Confirm the round-1 fingerprint without asking (scripts only: it is still printed).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        seal: SealArgs,
        #[command(flatten)]
        line: LineArgs,
    },
    /// Split a fresh key among N participants with a trusted dealer.
    Deal {
        #[command(flatten)]
        store: StoreArgs,
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
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Take part in a signing ceremony as a follower.
    Follow {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// Approve the request without asking (scripts only: the review is still printed).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        unlock: UnlockArgs,
        #[command(flatten)]
        line: LineArgs,
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
    /// Turn pcli JSON messages (stdin) into UR parts (stdout) and, with --out, QR frames (PNG).
    Encode {
        /// Folder to write the QR frames (PNG) into.
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
pub enum JournalCommand {
    /// What was signed with a key, and when.
    Show {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Write the journal as an interchange file (modelled on EIP-3076).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Merge an interchange file into the journal (conflicts are kept, and refuse more).
    Import {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
        file: PathBuf,
    },
    /// Refuse definitions at or below a sequence number (from the chain's current state).
    Watermark {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long)]
        definition: u32,
    },
}

#[derive(Args, Debug, Clone)]
pub struct CoordinateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// How many signers to wait for in round 1, the coordinator included when it holds a share
    /// (default: the threshold; all participants for a key check).
    #[arg(long)]
    pub signers: Option<u16>,
    #[command(flatten)]
    pub unlock: UnlockArgs,
    #[command(flatten)]
    pub line: LineArgs,
}

#[derive(Subcommand, Debug)]
pub enum CoordinateRequest {
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

impl CoordinateRequest {
    pub fn common(&self) -> &CoordinateArgs {
        match self {
            CoordinateRequest::Definition { common, .. }
            | CoordinateRequest::Vote { common, .. }
            | CoordinateRequest::Tx { common, .. } => common,
        }
    }

    /// The ceremony asked for; a value that does not parse is refused by name.
    pub fn spec(&self) -> anyhow::Result<Spec> {
        let request = match self {
            CoordinateRequest::Definition { file, .. } => {
                RequestSpec::Definition { file: file.clone() }
            }
            CoordinateRequest::Vote {
                proposal,
                vote,
                reason,
                validator,
                ..
            } => RequestSpec::Vote {
                proposal: *proposal,
                vote: parse_vote(vote).map_err(|e| anyhow::anyhow!("--vote: {e}"))?,
                reason: reason.clone(),
                validator: validator
                    .as_deref()
                    .map(parse_identity)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--validator: {e}"))?,
            },
            CoordinateRequest::Tx { plan, .. } => RequestSpec::Transaction { plan: plan.clone() },
        };
        let common = self.common();
        Ok(Spec::Sign {
            key: common.key.choice(),
            signers: common.signers,
            request,
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum TemplateKind {
    /// A validator definition whose identity key is the threshold key.
    Definition {
        #[command(flatten)]
        store: StoreArgs,
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
pub enum KeysCommand {
    /// List the keys in the store.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show a key: threshold, participants, identity and governance keys, FVK, fingerprint.
    Show {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Rename a key in the store; its signing journal moves with it.
    Rename {
        #[command(flatten)]
        store: StoreArgs,
        /// The key's current name.
        #[arg(long)]
        name: String,
        /// Its new name (never an existing key's).
        #[arg(long)]
        to: String,
    },
    /// Delete a key from the store (asks you to type its name, unless --yes); its journal is
    /// kept aside.
    Delete {
        #[command(flatten)]
        store: StoreArgs,
        /// The key to delete.
        #[arg(long)]
        name: String,
        /// Delete without asking (scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Read a share from a pcli config into the store (or a key file).
    ImportPcli {
        #[command(flatten)]
        store: StoreArgs,
        /// The pcli config (pcli-config.toml) or a bare threshold config.
        config: PathBuf,
        /// Which section holds the share.
        #[arg(long, value_enum, default_value = "custody")]
        section: SectionArg,
        /// Store it under this name...
        #[arg(long, required_unless_present = "out")]
        name: Option<String>,
        /// ...and/or write it to this key file.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Write a share as a pcli config with a threshold custody backend.
    ExportPcli {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// Which section to put the share in.
        #[arg(long, value_enum, default_value = "custody")]
        section: SectionArg,
        /// The pcli config's grpc_url.
        #[arg(long, default_value = "https://grpc.penumbra.zone/")]
        grpc_url: String,
        /// The pcli config file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
}

/// Which section of a pcli config holds the threshold key (the command line's spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SectionArg {
    /// `[custody]`: the spend authority (and validator identity).
    Custody,
    /// `[governance_custody]`: a separate validator governance key.
    GovernanceCustody,
}

impl From<SectionArg> for PcliSection {
    fn from(s: SectionArg) -> Self {
        match s {
            SectionArg::Custody => PcliSection::Custody,
            SectionArg::GovernanceCustody => PcliSection::GovernanceCustody,
        }
    }
}

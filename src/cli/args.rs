//! The command line's options. Each subcommand shows and accepts only its own options, and every
//! command that uses an existing key names it the same way: `--name NAME` (in the store) or
//! `--key FILE`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::keyfile::PcliSection;
use crate::spec::{parse_identity, parse_vote, KeyChoice, RequestSpec};

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

/// A key, and a file to write from it.
#[derive(Args, Debug, Clone)]
pub struct KeyToFile {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// A t-of-n key's size.
#[derive(Args, Debug, Clone, Copy)]
pub struct Size {
    /// How many participants must sign (t).
    #[arg(long, short = 't')]
    pub threshold: u16,
    /// How many participants hold a share (n).
    #[arg(long, short = 'n')]
    pub participants: u16,
}

/// Where new shares go (deal and split).
#[derive(Args, Debug, Clone, Default)]
pub struct ShareDestinations {
    /// Folder to write participant-1.toml .. participant-N.toml and group.toml into.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Store the shares under this name: share i in the i-th --homes folder, or, without
    /// --homes, share 1 in this machine's store.
    #[arg(long)]
    pub name: Option<String>,
    /// One key store folder per participant (as pcli's `deal --home A --home B ...`).
    #[arg(long, num_args = 1..)]
    pub homes: Vec<PathBuf>,
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
    /// Line mode: read the others' messages from a camera instead of stdin (answers are still
    /// typed): its number, device file or part of its name, as `hoarfrost scan --list-cameras`
    /// shows (default: the first that opens, infrared cameras last).
    #[arg(long, value_name = "DEVICE", conflicts_with = "frames")]
    pub camera: Option<Option<String>>,
    /// Line mode: read the others' messages from the QR pictures in DIR (PNG or JPEG, in
    /// file-name order, then each one added) instead of stdin; answers are still typed.
    #[arg(long, value_name = "DIR")]
    pub frames: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate a t-of-n key with the other participants; nobody ever holds the whole key.
    Dkg {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        size: Size,
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
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        to: ShareDestinations,
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Put an existing key (a seed phrase, or a pcli SoftKms config) into t-of-n custody: the
    /// same full viewing key, identity key and governance key. A trusted-dealer step: run it
    /// on an offline machine.
    Split {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        size: Size,
        /// Read the seed phrase from this file (otherwise it is asked for, without echo).
        #[arg(long, conflicts_with = "from_pcli")]
        phrase_file: Option<PathBuf>,
        /// Split the spend key of this pcli config (custody backend SoftKms).
        #[arg(long)]
        from_pcli: Option<PathBuf>,
        /// Which section of the pcli config holds the key.
        #[arg(long, value_enum, default_value = "custody", requires = "from_pcli")]
        section: SectionArg,
        #[command(flatten)]
        to: ShareDestinations,
        #[command(flatten)]
        seal: SealArgs,
    },
    /// Take part in a signing ceremony as a follower.
    Follow {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Refresh the shares of a key with the other members: every member who stays gets a new
    /// share of the same key (same identity, governance and viewing keys); members left out are
    /// removed. The threshold stays as it is: frost-core refuses to lower it. At a terminal it
    /// opens the terminal UI on its form (filled in from these options); in line mode
    /// (--no-tui) messages are on stdin and stdout, and every line can go to every member.
    ///
    /// The member who starts runs it with --start or --remove; the others run it without
    /// either and join from the first RefreshRound1 they see, after reviewing who stays and who
    /// is removed. Afterwards the new share replaces the old one in the store or key file
    /// (sealed under the same passphrase), and the old share is destroyed.
    Refresh {
        #[command(flatten)]
        part: PartArgs,
        /// A member to remove, by the participant id `keys show` prints (8 hex digits);
        /// repeatable. Starts the refresh here.
        #[arg(long, value_name = "PARTICIPANT")]
        remove: Vec<String>,
    },
    /// Replace a lost member: a newcomer, with a new participant key, receives a share of the
    /// key from at least t helpers, without any of them learning it. Then refresh without the
    /// lost member. At a terminal each role opens the terminal UI on its form (`hoarfrost`
    /// alone: m on the home screen guides through them); --no-tui runs line mode.
    // `repair help` is the helpers' command: `repair --help` shows the help.
    #[command(disable_help_subcommand = true)]
    Repair {
        #[command(subcommand)]
        command: RepairCommand,
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
    Scan(super::scan_cmd::ScanArgs),
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
    Export(KeyToFile),
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

#[derive(Subcommand, Debug)]
pub enum RepairCommand {
    /// The newcomer: prints its request (RepairRequest) for the helpers, then takes their
    /// messages and stores its new share under --name.
    Request {
        #[command(flatten)]
        store: StoreArgs,
        /// The key's public group description (`hoarfrost keys export-group` writes it).
        #[arg(long, value_name = "FILE")]
        group: PathBuf,
        /// The name to store the new share under.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        seal: SealArgs,
        #[command(flatten)]
        line: LineArgs,
    },
    /// A helper: the helper who starts (--start or --without) takes the newcomer's request;
    /// the others join from its RepairRound1. Each first confirms the newcomer's fingerprint
    /// with the newcomer itself. Afterwards the key's group description includes the newcomer.
    Help {
        #[command(flatten)]
        part: PartArgs,
        /// A member who does not help (the lost member; anyone who cannot take part now), by
        /// participant id; repeatable. Starts the repair here, from the newcomer's request.
        #[arg(long, value_name = "PARTICIPANT")]
        without: Vec<String>,
    },
    /// A member who did not help (or was absent): takes the helpers' RepairRound1 and
    /// RepairRound3 messages from the repair's relay, in any order, and once the newcomer's
    /// fingerprint is confirmed, its key's group description includes the newcomer.
    Admit {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// Also replace this public group description (group.toml) with the new one.
        #[arg(long, value_name = "FILE")]
        group: Option<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
    },
}

/// A member's part in a refresh or a repair: its key, whether it starts, and line mode.
#[derive(Args, Debug, Clone)]
pub struct PartArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Start here: the others join from this member's first message.
    #[arg(long)]
    pub start: bool,
    /// Also replace this public group description (group.toml) with the new one.
    #[arg(long, value_name = "FILE")]
    pub group: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// How a ceremony with a review question runs here: the answer (asked, or --yes), how the share
/// is opened, and line mode or the terminal UI.
#[derive(Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Line mode: answer the review's question yes without asking (scripts only: the review is
    /// still printed).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub unlock: UnlockArgs,
    #[command(flatten)]
    pub line: LineArgs,
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

    /// The request asked for; a value that does not parse is refused by name.
    pub fn request_spec(&self) -> anyhow::Result<RequestSpec> {
        Ok(match self {
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
    ImportPcli(ImportPcli),
    /// Write a key's public group description (no share): what a newcomer to the key needs,
    /// and what a coordinator without a share uses.
    ExportGroup(KeyToFile),
    /// Write a share as a pcli config with a threshold custody backend.
    ExportPcli(ExportPcli),
}

/// `keys import-pcli`: a pcli config's share, stored or written to a key file.
#[derive(Args, Debug)]
pub struct ImportPcli {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The pcli config (pcli-config.toml) or a bare threshold config.
    pub config: PathBuf,
    /// Which section holds the share.
    #[arg(long, value_enum, default_value = "custody")]
    pub section: SectionArg,
    /// Store it under this name...
    #[arg(long, required_unless_present = "out")]
    pub name: Option<String>,
    /// ...and/or write it to this key file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub seal: SealArgs,
}

/// `keys export-pcli`: a stored share written as a pcli config.
#[derive(Args, Debug)]
pub struct ExportPcli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Which section to put the share in.
    #[arg(long, value_enum, default_value = "custody")]
    pub section: SectionArg,
    /// The pcli config's grpc_url.
    #[arg(long, default_value = "https://grpc.penumbra.zone/")]
    pub grpc_url: String,
    /// The pcli config file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub unlock: UnlockArgs,
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

//! What a person asks for before a ceremony starts, typed: the command line parses into it and
//! the TUI's forms fill it in, so both start ceremonies from the same values.

use std::path::PathBuf;

use penumbra_sdk_governance::Vote;
use penumbra_sdk_stake::IdentityKey;

/// Which key a ceremony uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum KeyChoice {
    /// The store's key that the request needs (a follower), or its only key.
    #[default]
    Auto,
    /// A key in the store, by name.
    Name(String),
    /// A key file: a hoarfrost key file or a pcli config with a threshold backend.
    File(PathBuf),
}

impl KeyChoice {
    pub fn from_args(name: Option<String>, file: Option<PathBuf>) -> Self {
        match (name, file) {
            (_, Some(file)) => KeyChoice::File(file),
            (Some(name), None) => KeyChoice::Name(name),
            (None, None) => KeyChoice::Auto,
        }
    }

    /// How the choice reads in messages.
    pub fn label(&self) -> String {
        match self {
            KeyChoice::Auto => "automatic".into(),
            KeyChoice::Name(name) => name.clone(),
            KeyChoice::File(path) => path.display().to_string(),
        }
    }
}

/// What a signing ceremony signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestSpec {
    /// The validator definition TOML pcli's template writes.
    Definition { file: PathBuf },
    Vote {
        proposal: u64,
        vote: Vote,
        reason: String,
        /// The voting validator, when its governance key is held apart from its identity key.
        validator: Option<IdentityKey>,
    },
    /// A TransactionPlan in proto JSON.
    Transaction { plan: PathBuf },
    /// A harmless test signature that proves the key works.
    Check,
}

impl RequestSpec {
    pub fn title(&self) -> &'static str {
        match self {
            RequestSpec::Definition { .. } => "Coordinate a validator definition",
            RequestSpec::Vote { .. } => "Coordinate a validator vote",
            RequestSpec::Transaction { .. } => "Coordinate a transaction",
            RequestSpec::Check => "Check a key (every participant signs a harmless test)",
        }
    }
}

/// A ceremony, fully specified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// A t-of-n key generation whose share is stored as `name`.
    Dkg {
        threshold: u16,
        participants: u16,
        name: String,
    },
    /// A trusted dealer's t-of-n key, written into `folder`.
    Deal {
        threshold: u16,
        participants: u16,
        folder: PathBuf,
    },
    Follow {
        key: KeyChoice,
    },
    /// Coordinating a signature with `key`, waiting for `signers` signers (default: the
    /// threshold; every participant for a key check).
    Sign {
        key: KeyChoice,
        signers: Option<u16>,
        request: RequestSpec,
    },
    /// A refresh of `key`'s shares: started here (`start`; every member but `remove`, by
    /// participant id, stays) or joined from another member's first message. `group` is a
    /// public group description to replace as well.
    Refresh {
        key: KeyChoice,
        start: bool,
        remove: Vec<String>,
        group: Option<PathBuf>,
    },
    /// A repair helper with `key`: started here from the newcomer's request (`start`; every
    /// member but `without`, by participant id, helps) or joined from another helper's first
    /// message. `group` is a public group description to replace as well.
    Help {
        key: KeyChoice,
        start: bool,
        without: Vec<String>,
        group: Option<PathBuf>,
    },
    /// A member who did not help in a repair: the helpers' messages make its key's group
    /// include the newcomer. `group` is a public group description to replace as well.
    Admit {
        key: KeyChoice,
        group: Option<PathBuf>,
    },
    /// The newcomer of a repair of the key `group` describes (its public description); its
    /// share is stored as `name`.
    Newcomer {
        group: PathBuf,
        name: String,
    },
}

/// Parses a vote as pcli does: yes, no or abstain.
pub fn parse_vote(text: &str) -> Result<Vote, String> {
    text.trim()
        .parse::<Vote>()
        .map_err(|_| format!("vote must be yes, no or abstain, not {:?}", text.trim()))
}

/// Parses a validator's identity key (penumbravalid1...).
pub fn parse_identity(text: &str) -> Result<IdentityKey, String> {
    text.trim()
        .parse()
        .map_err(|e| format!("not a validator identity key (penumbravalid1...): {e}"))
}

impl RequestSpec {
    /// The file the request is read from, if any.
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            RequestSpec::Definition { file } => Some(file),
            RequestSpec::Transaction { plan } => Some(plan),
            RequestSpec::Vote { .. } | RequestSpec::Check => None,
        }
    }

    /// Builds the request, from the text of [`RequestSpec::file`]. A vote and a key check
    /// are made for a key, `group`; a definition or a plan names its key itself.
    pub fn build(
        &self,
        text: Option<&str>,
        group: Option<&crate::keys::GroupKey>,
        rng: &mut impl rand_core::CryptoRngCore,
    ) -> anyhow::Result<crate::request::SigningRequest> {
        use crate::request::SigningRequest;
        let file_text = || text.ok_or_else(|| anyhow::anyhow!("the request's file was not read"));
        let group =
            || group.ok_or_else(|| anyhow::anyhow!("a {} needs its key first", self.title()));
        Ok(match self {
            RequestSpec::Definition { file } => SigningRequest::ValidatorDefinition(
                crate::definition::parse_definition_toml(file_text()?)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?,
            ),
            RequestSpec::Transaction { plan } => {
                SigningRequest::Transaction(crate::validate::plan_from_json(file_text()?).map_err(
                    |e| anyhow::anyhow!("{}: not a usable TransactionPlan: {e}", plan.display()),
                )?)
            }
            RequestSpec::Vote {
                proposal,
                vote,
                reason,
                validator,
            } => SigningRequest::ValidatorVote(crate::definition::vote_body(
                group()?,
                *validator,
                *proposal,
                *vote,
                reason,
            )?),
            RequestSpec::Check => crate::check::check_request(rng, group()?),
        })
    }

    /// The definition file's name, as pcli's upload command should show it.
    pub fn definition_file_name(&self) -> Option<String> {
        match self {
            RequestSpec::Definition { file } => {
                file.file_name().map(|n| n.to_string_lossy().into_owned())
            }
            _ => None,
        }
    }
}

//! pcli's threshold custody config: exporting a share as one, and reading a share from one
//! (a full config's `[custody]` or `[governance_custody]` section, or a bare threshold table).

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{decode, KeyFileError, KeyMaterial, StoredKey, ThresholdTable};
use crate::keys::KeyShare;

/// Which section of a pcli config holds the threshold key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcliSection {
    /// `[custody]`: the spend authority (and validator identity).
    Custody,
    /// `[governance_custody]`: a separate validator governance key.
    GovernanceCustody,
}

impl PcliSection {
    fn key(self) -> &'static str {
        match self {
            PcliSection::Custody => "custody",
            PcliSection::GovernanceCustody => "governance_custody",
        }
    }
}

/// A pcli custody backend as pcli's config writes it: `backend = "..."` and, for a threshold
/// backend, the threshold table beside it.
#[derive(Serialize)]
struct PcliBackendOut<'a> {
    backend: &'static str,
    #[serde(flatten)]
    table: Option<&'a ThresholdTable>,
}

#[derive(Serialize)]
struct PcliConfigOut<'a> {
    grpc_url: &'a str,
    full_viewing_key: String,
    custody: PcliBackendOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    governance_custody: Option<PcliBackendOut<'a>>,
}

/// A complete pcli config whose `section` holds this share as a `Threshold` backend.
pub fn export_pcli(
    share: &KeyShare,
    grpc_url: &str,
    section: PcliSection,
) -> Result<Zeroizing<String>, KeyFileError> {
    let table = ThresholdTable::from_parts(share.group(), Some(share));
    let threshold = PcliBackendOut {
        backend: "Threshold",
        table: Some(&table),
    };
    let config = match section {
        PcliSection::Custody => PcliConfigOut {
            grpc_url,
            full_viewing_key: share.group().fvk().to_string(),
            custody: threshold,
            governance_custody: None,
        },
        // pcli requires a main custody backend; a governance-only config views the main key.
        PcliSection::GovernanceCustody => PcliConfigOut {
            grpc_url,
            full_viewing_key: share.group().fvk().to_string(),
            custody: PcliBackendOut {
                backend: "ViewOnly",
                table: None,
            },
            governance_custody: Some(threshold),
        },
    };
    Ok(Zeroizing::new(
        toml::to_string(&config).map_err(|e| KeyFileError::Pcli(e.to_string()))?,
    ))
}

/// What is needed to tell the kinds of key text apart, and nothing secret: every other field
/// is skipped, not copied.
#[derive(Deserialize)]
struct Probe {
    format: Option<serde::de::IgnoredAny>,
    spend_key_share: Option<serde::de::IgnoredAny>,
    custody: Option<BackendProbe>,
    governance_custody: Option<BackendProbe>,
}

#[derive(Deserialize)]
struct BackendProbe {
    backend: Option<String>,
}

impl Probe {
    fn read(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    fn backend(&self, section: PcliSection) -> Option<&BackendProbe> {
        match section {
            PcliSection::Custody => self.custody.as_ref(),
            PcliSection::GovernanceCustody => self.governance_custody.as_ref(),
        }
    }

    fn is_threshold(&self, section: PcliSection) -> bool {
        self.backend(section).and_then(|b| b.backend.as_deref()) == Some("Threshold")
    }
}

/// A threshold table read straight from its section (the `backend` field is ignored).
#[derive(Deserialize)]
struct CustodySection {
    custody: ThresholdTable,
}

#[derive(Deserialize)]
struct GovernanceSection {
    governance_custody: ThresholdTable,
}

/// Reads a threshold share from a pcli config (`section` of a full config) or from a bare
/// threshold table as pcli's `Config` serializes it.
pub fn import_pcli(text: &str, section: PcliSection) -> Result<KeyShare, KeyFileError> {
    let pcli = |e: toml::de::Error| KeyFileError::Pcli(e.message().to_string());
    let probe = Probe::read(text).map_err(pcli)?;
    let table: ThresholdTable = if probe.spend_key_share.is_some() {
        toml::from_str(text).map_err(pcli)?
    } else {
        let backend = probe
            .backend(section)
            .ok_or_else(|| KeyFileError::Pcli(format!("no [{}] section", section.key())))?;
        match backend.backend.as_deref() {
            Some("Threshold") => {}
            Some(other) => {
                return Err(KeyFileError::Pcli(format!(
                    "[{}] uses the {other} backend, not Threshold",
                    section.key()
                )))
            }
            None => {
                return Err(KeyFileError::Pcli(format!(
                    "[{}] has no backend",
                    section.key()
                )))
            }
        }
        match section {
            PcliSection::Custody => {
                toml::from_str::<CustodySection>(text)
                    .map_err(pcli)?
                    .custody
            }
            PcliSection::GovernanceCustody => {
                toml::from_str::<GovernanceSection>(text)
                    .map_err(pcli)?
                    .governance_custody
            }
        }
    };
    match table.into_material()? {
        KeyMaterial::Share(share) => Ok(share),
        _ => Err(KeyFileError::Pcli("the config holds no share".into())),
    }
}

/// Reads a hoarfrost key file or, failing that, a pcli config whose `[custody]` (or else
/// `[governance_custody]`) section is a threshold backend, or a bare pcli threshold table.
pub fn decode_any(text: &str) -> Result<StoredKey, KeyFileError> {
    let probe = Probe::read(text).map_err(|e| KeyFileError::Toml(e.message().to_string()))?;
    if probe.format.is_some() {
        return decode(text);
    }
    let section = if probe.is_threshold(PcliSection::Custody) || probe.spend_key_share.is_some() {
        PcliSection::Custody
    } else if probe.is_threshold(PcliSection::GovernanceCustody) {
        PcliSection::GovernanceCustody
    } else {
        return Err(KeyFileError::Unrecognised);
    };
    Ok(StoredKey {
        name: None,
        material: KeyMaterial::Share(import_pcli(text, section)?),
        transcript_fingerprint: None,
    })
}

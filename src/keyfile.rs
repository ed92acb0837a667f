//! Key files: hoarfrost's own versioned TOML format, and pcli's threshold custody config.
//!
//! A hoarfrost key file holds either a participant's share (secret) or only the public group
//! description (enough to coordinate without signing). Its `version` lets the format grow.

use std::collections::BTreeMap;
use std::str::FromStr;

use ed25519_consensus::{SigningKey, VerificationKey};
use penumbra_sdk_keys::FullViewingKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::{
    format_date, parse_date, participant_fingerprint, Generation, GroupKey, KeyError, KeyShare,
    RetiredGeneration,
};
use crate::sealed::{seal, unseal, KdfParams, SealError, SealedShare};
use crate::suite::{SigningShare, VerifyingShare};

/// The `format` value every hoarfrost key file carries.
pub const FORMAT: &str = "hoarfrost-key";
/// The newest key file version this build writes and reads. Version 2 added encrypted shares
/// (`[encrypted]`, with `participant`); version 3 added the key's generation (`generation`,
/// `refreshed` and `[[retired]]`, see [`crate::keys::Generation`]). Older files still read, as
/// generation 0.
pub const VERSION: u32 = 3;

/// Why a key file or pcli config was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("key file: not valid TOML: {0}")]
    Toml(String),
    #[error("key file: format is {0:?}, expected {FORMAT:?}")]
    Format(String),
    #[error("not a hoarfrost key file (format = \"hoarfrost-key\") nor a pcli config with a Threshold custody backend")]
    Unrecognised,
    #[error("key file: version {0} is newer than this hoarfrost understands (up to {VERSION})")]
    Version(u32),
    #[error("key file: {field}: {problem}")]
    Field { field: String, problem: String },
    #[error("key file: {0}")]
    Key(#[from] KeyError),
    #[error("pcli config: {0}")]
    Pcli(String),
}

fn bad(field: impl Into<String>, problem: impl ToString) -> KeyFileError {
    KeyFileError::Field {
        field: field.into(),
        problem: problem.to_string(),
    }
}

/// What a key file holds: a share (plain, or sealed under a passphrase), or only the public
/// group.
// Loaded a handful of times per command: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum KeyMaterial {
    Share(KeyShare),
    Sealed {
        group: GroupKey,
        participant: VerificationKey,
        sealed: SealedShare,
    },
    Public(GroupKey),
}

impl KeyMaterial {
    pub fn group(&self) -> &GroupKey {
        match self {
            KeyMaterial::Share(s) => s.group(),
            KeyMaterial::Sealed { group, .. } | KeyMaterial::Public(group) => group,
        }
    }

    /// The share, if it is at hand (not sealed).
    pub fn share(&self) -> Option<&KeyShare> {
        match self {
            KeyMaterial::Share(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this participant holds a share (plain or sealed).
    pub fn has_share(&self) -> bool {
        !matches!(self, KeyMaterial::Public(_))
    }

    pub fn is_sealed(&self) -> bool {
        matches!(self, KeyMaterial::Sealed { .. })
    }

    /// This participant's fingerprint, when it holds a share.
    pub fn participant_fingerprint(&self) -> Option<String> {
        match self {
            KeyMaterial::Share(s) => Some(s.fingerprint()),
            KeyMaterial::Sealed { participant, .. } => Some(participant_fingerprint(participant)),
            KeyMaterial::Public(_) => None,
        }
    }

    /// This participant's fingerprint, or "public" for public key data only.
    pub fn participant_label(&self) -> String {
        self.participant_fingerprint()
            .unwrap_or_else(|| "public".into())
    }

    /// The share, opening it with `passphrase` if it is sealed.
    pub fn unlock(&self, passphrase: Option<&[u8]>) -> Result<Option<KeyShare>, SealError> {
        match self {
            KeyMaterial::Share(s) => Ok(Some(s.clone())),
            KeyMaterial::Sealed {
                group,
                participant,
                sealed,
            } => {
                let passphrase = passphrase.ok_or(SealError::EmptyPassphrase)?;
                unseal(group, participant, sealed, passphrase).map(Some)
            }
            KeyMaterial::Public(_) => Ok(None),
        }
    }

    /// Seals a plain share under `passphrase`; other material is returned as it is.
    pub fn seal(
        self,
        passphrase: &[u8],
        params: KdfParams,
        rng: &mut impl rand_core::CryptoRngCore,
    ) -> Result<Self, SealError> {
        match self {
            KeyMaterial::Share(share) => Ok(KeyMaterial::Sealed {
                sealed: seal(&share, passphrase, params, rng)?,
                participant: share.verification_key(),
                group: share.group().clone(),
            }),
            other => Ok(other),
        }
    }
}

/// A key as stored: the material, an optional name and the DKG transcript fingerprint.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub name: Option<String>,
    pub material: KeyMaterial,
    pub transcript_fingerprint: Option<String>,
}

/// The fields shared by hoarfrost key files and pcli's threshold config.
#[derive(Serialize, Deserialize)]
struct ThresholdTable {
    threshold: u16,
    fvk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spend_key_share: Option<Zeroizing<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_key: Option<Zeroizing<String>>,
    verifying_shares: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transcript_fingerprint: Option<String>,
    /// This participant's ed25519 key, when its share is sealed (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    participant: Option<String>,
    /// Which refresh of the key this is, 0 for a fresh key (version 3).
    #[serde(default)]
    generation: u32,
    /// When the refresh that made this generation happened, RFC 3339 (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refreshed: Option<String>,
    #[serde(flatten)]
    table: ThresholdTable,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    encrypted: Option<EncryptedTable>,
    /// Earlier generations' verifying shares, oldest first, so that a share from before a
    /// refresh is recognised as such (version 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    retired: Vec<RetiredTable>,
}

/// One retired generation (version 3).
#[derive(Serialize, Deserialize)]
struct RetiredTable {
    generation: u32,
    /// When the refresh that replaced it happened, RFC 3339.
    retired: String,
    verifying_shares: BTreeMap<String, String>,
}

impl RetiredTable {
    fn from_retired(retired: &RetiredGeneration) -> Self {
        Self {
            generation: retired.number,
            retired: format_date(retired.retired_at),
            verifying_shares: encode_verifying_shares(retired.verifying_shares.iter()),
        }
    }

    fn into_retired(self, at: usize) -> Result<RetiredGeneration, KeyFileError> {
        let field = format!("retired[{at}]");
        Ok(RetiredGeneration {
            number: self.generation,
            retired_at: parse_date(&self.retired)
                .map_err(|e| bad(format!("{field}.retired"), e))?,
            verifying_shares: decode_verifying_shares(
                &format!("{field}.verifying_shares"),
                &self.verifying_shares,
            )?
            .into_iter()
            .map(|(vk, share)| (vk.to_bytes(), share))
            .collect(),
        })
    }
}

fn encode_verifying_shares<'a>(
    shares: impl Iterator<Item = (&'a [u8; 32], &'a VerifyingShare)>,
) -> BTreeMap<String, String> {
    shares
        .map(|(vk, share)| {
            (
                upper_hex(vk),
                upper_hex(
                    &share
                        .serialize()
                        .expect("verifying shares are never the identity"),
                ),
            )
        })
        .collect()
}

fn decode_verifying_shares(
    field: &str,
    shares: &BTreeMap<String, String>,
) -> Result<Vec<(VerificationKey, VerifyingShare)>, KeyFileError> {
    shares
        .iter()
        .map(|(vk, share)| {
            let field = format!("{field}.{vk}");
            let vk_bytes: Zeroizing<[u8; 32]> = decode_hex(&field, vk)?;
            let vk = VerificationKey::try_from(*vk_bytes)
                .map_err(|_| bad(&field, "not a valid ed25519 verification key"))?;
            let share_bytes: Zeroizing<[u8; 32]> = decode_hex(&field, share)?;
            let share =
                VerifyingShare::deserialize(share_bytes.as_ref()).map_err(|e| bad(&field, e))?;
            Ok((vk, share))
        })
        .collect()
}

/// A sealed share: Argon2id parameters, salt, nonce and ciphertext (version 2).
#[derive(Serialize, Deserialize)]
struct EncryptedTable {
    kdf: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
    nonce: String,
    ciphertext: String,
}

fn upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

fn decode_hex<const N: usize>(field: &str, text: &str) -> Result<Zeroizing<[u8; N]>, KeyFileError> {
    let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|e| bad(field, e))?);
    let mut out = Zeroizing::new([0u8; N]);
    if bytes.len() != N {
        return Err(bad(
            field,
            format!("expected {N} bytes, got {}", bytes.len()),
        ));
    }
    out.copy_from_slice(&bytes);
    Ok(out)
}

impl EncryptedTable {
    fn from_sealed(sealed: &SealedShare) -> Self {
        Self {
            kdf: "argon2id".into(),
            memory_kib: sealed.params.memory_kib,
            iterations: sealed.params.iterations,
            parallelism: sealed.params.parallelism,
            salt: upper_hex(&sealed.salt),
            nonce: upper_hex(&sealed.nonce),
            ciphertext: upper_hex(&sealed.ciphertext),
        }
    }

    fn into_sealed(self) -> Result<SealedShare, KeyFileError> {
        if self.kdf != "argon2id" {
            return Err(bad(
                "encrypted.kdf",
                format!("{:?} is not argon2id", self.kdf),
            ));
        }
        let salt: Zeroizing<[u8; 32]> = decode_hex("encrypted.salt", &self.salt)?;
        let nonce: Zeroizing<[u8; 12]> = decode_hex("encrypted.nonce", &self.nonce)?;
        let ciphertext =
            hex::decode(self.ciphertext.trim()).map_err(|e| bad("encrypted.ciphertext", e))?;
        Ok(SealedShare {
            params: KdfParams {
                memory_kib: self.memory_kib,
                iterations: self.iterations,
                parallelism: self.parallelism,
            },
            salt: *salt,
            nonce: *nonce,
            ciphertext,
        })
    }
}

impl ThresholdTable {
    fn from_material(material: &KeyMaterial) -> Self {
        let group = material.group();
        let share = material.share();
        Self {
            threshold: group.threshold(),
            fvk: group.fvk().to_string(),
            spend_key_share: share
                .map(|s| Zeroizing::new(upper_hex(&s.signing_share().serialize()))),
            signing_key: share.map(|s| Zeroizing::new(upper_hex(s.signing_key().as_bytes()))),
            verifying_shares: encode_verifying_shares(
                group
                    .participants()
                    .map(|p| (p.vk.as_bytes(), &p.verifying_share)),
            ),
        }
    }

    fn into_material(self, generation: Generation) -> Result<KeyMaterial, KeyFileError> {
        let fvk = FullViewingKey::from_str(&self.fvk).map_err(|e| bad("fvk", e))?;
        let shares = decode_verifying_shares("verifying_shares", &self.verifying_shares)?;
        let group = GroupKey::new(self.threshold, fvk, shares)?.with_generation(generation)?;
        match (self.spend_key_share, self.signing_key) {
            (None, None) => Ok(KeyMaterial::Public(group)),
            (Some(share), Some(key)) => {
                let share_bytes: Zeroizing<[u8; 32]> = decode_hex("spend_key_share", &share)?;
                let share = SigningShare::deserialize(share_bytes.as_ref())
                    .map_err(|e| bad("spend_key_share", e))?;
                let key_bytes: Zeroizing<[u8; 32]> = decode_hex("signing_key", &key)?;
                let key = SigningKey::from(*key_bytes);
                Ok(KeyMaterial::Share(KeyShare::new(group, share, key)?))
            }
            (Some(_), None) => Err(bad("signing_key", "missing (spend_key_share is present)")),
            (None, Some(_)) => Err(bad("spend_key_share", "missing (signing_key is present)")),
        }
    }
}

/// Writes a key file. The text holds secrets when the share is plain, hence `Zeroizing`.
pub fn encode(key: &StoredKey) -> Zeroizing<String> {
    let (participant, encrypted) = match &key.material {
        KeyMaterial::Sealed {
            participant,
            sealed,
            ..
        } => (
            Some(upper_hex(participant.as_bytes())),
            Some(EncryptedTable::from_sealed(sealed)),
        ),
        _ => (None, None),
    };
    let generation = key.material.group().generation();
    let file = KeyFile {
        format: FORMAT.into(),
        version: VERSION,
        name: key.name.clone(),
        transcript_fingerprint: key.transcript_fingerprint.clone(),
        participant,
        generation: generation.number,
        refreshed: generation.refreshed.map(format_date),
        table: ThresholdTable::from_material(&key.material),
        encrypted,
        retired: generation
            .retired
            .iter()
            .map(RetiredTable::from_retired)
            .collect(),
    };
    Zeroizing::new(toml::to_string(&file).expect("key files always serialize"))
}

/// Reads and checks a key file.
pub fn decode(text: &str) -> Result<StoredKey, KeyFileError> {
    let file: KeyFile =
        toml::from_str(text).map_err(|e| KeyFileError::Toml(e.message().to_string()))?;
    if file.format != FORMAT {
        return Err(KeyFileError::Format(file.format));
    }
    if file.version > VERSION || file.version == 0 {
        return Err(KeyFileError::Version(file.version));
    }
    let generation = Generation {
        number: file.generation,
        refreshed: file
            .refreshed
            .as_deref()
            .map(parse_date)
            .transpose()
            .map_err(|e| bad("refreshed", e))?,
        retired: file
            .retired
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.into_retired(i))
            .collect::<Result<_, _>>()?,
    };
    let material = match (file.encrypted, file.participant) {
        (None, _) => file.table.into_material(generation)?,
        (Some(_), None) => return Err(bad("participant", "missing (the share is encrypted)")),
        (Some(encrypted), Some(participant)) => {
            if file.table.spend_key_share.is_some() || file.table.signing_key.is_some() {
                return Err(bad(
                    "encrypted",
                    "a plain share is present beside the encrypted one",
                ));
            }
            let vk_bytes: Zeroizing<[u8; 32]> = decode_hex("participant", &participant)?;
            let participant = VerificationKey::try_from(*vk_bytes)
                .map_err(|_| bad("participant", "not a valid ed25519 verification key"))?;
            let group = match file.table.into_material(generation)? {
                KeyMaterial::Public(g) => g,
                _ => unreachable!("no plain secrets were present"),
            };
            if group.participant(&participant).is_none() {
                return Err(KeyFileError::Key(KeyError::NotAParticipant));
            }
            KeyMaterial::Sealed {
                group,
                participant,
                sealed: encrypted.into_sealed()?,
            }
        }
    };
    Ok(StoredKey {
        name: file.name,
        material,
        transcript_fingerprint: file.transcript_fingerprint,
    })
}

/// Which section of a pcli config holds the threshold key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PcliSection {
    /// `[custody]`: the spend authority (and validator identity).
    Custody,
    /// `[governance_custody]`: a separate validator governance key.
    GovernanceCustody,
}

impl PcliSection {
    pub(crate) fn key(self) -> &'static str {
        match self {
            PcliSection::Custody => "custody",
            PcliSection::GovernanceCustody => "governance_custody",
        }
    }
}

/// A complete pcli config whose `section` holds this share as a `Threshold` backend.
pub fn export_pcli(
    share: &KeyShare,
    grpc_url: &str,
    section: PcliSection,
) -> Result<Zeroizing<String>, KeyFileError> {
    let table = ThresholdTable::from_material(&KeyMaterial::Share(share.clone()));
    let mut backend =
        toml::Table::try_from(&table).map_err(|e| KeyFileError::Pcli(e.to_string()))?;
    backend.insert("backend".into(), "Threshold".into());
    let mut config = toml::Table::new();
    config.insert("grpc_url".into(), grpc_url.into());
    config.insert(
        "full_viewing_key".into(),
        share.group().fvk().to_string().into(),
    );
    if section == PcliSection::GovernanceCustody {
        // pcli requires a main custody backend; a governance-only config views the main key.
        let mut view_only = toml::Table::new();
        view_only.insert("backend".into(), "ViewOnly".into());
        config.insert("custody".into(), view_only.into());
    }
    config.insert(section.key().into(), backend.into());
    Ok(Zeroizing::new(
        toml::to_string(&config).map_err(|e| KeyFileError::Pcli(e.to_string()))?,
    ))
}

/// Reads a threshold share from a pcli config (`section` of a full config) or from a bare
/// threshold table as pcli's `Config` serializes it.
pub fn import_pcli(text: &str, section: PcliSection) -> Result<KeyShare, KeyFileError> {
    let value: toml::Table =
        toml::from_str(text).map_err(|e| KeyFileError::Pcli(e.message().to_string()))?;
    let table = if value.contains_key("spend_key_share") {
        value
    } else {
        let inner = value
            .get(section.key())
            .and_then(|v| v.as_table())
            .ok_or_else(|| KeyFileError::Pcli(format!("no [{}] section", section.key())))?;
        match inner.get("backend").and_then(|b| b.as_str()) {
            Some("Threshold") => inner.clone(),
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
    };
    let table: ThresholdTable = table
        .try_into()
        .map_err(|e: toml::de::Error| KeyFileError::Pcli(e.message().to_string()))?;
    match table.into_material(Generation::default())? {
        KeyMaterial::Share(share) => Ok(share),
        _ => Err(KeyFileError::Pcli("the config holds no share".into())),
    }
}

/// Reads a hoarfrost key file or, failing that, a pcli config whose `[custody]` (or else
/// `[governance_custody]`) section is a threshold backend, or a bare pcli threshold table.
pub fn decode_any(text: &str) -> Result<StoredKey, KeyFileError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| KeyFileError::Toml(e.message().to_string()))?;
    if table.contains_key("format") {
        return decode(text);
    }
    let is_threshold = |section: &str| {
        table
            .get(section)
            .and_then(|s| s.get("backend"))
            .and_then(|b| b.as_str())
            == Some("Threshold")
    };
    let section = if is_threshold("custody") || table.contains_key("spend_key_share") {
        PcliSection::Custody
    } else if is_threshold("governance_custody") {
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

#[cfg(test)]
mod tests;

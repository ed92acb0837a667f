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

mod pcli;

pub use pcli::{decode_any, export_pcli, import_pcli, PcliSection};

use crate::keys::{participant_fingerprint, GroupKey, KeyError, KeyShare};
use crate::sealed::{seal, unseal, KdfParams, SealError, SealedShare};
use crate::suite::{SigningShare, VerifyingShare};

/// The `format` value every hoarfrost key file carries.
pub const FORMAT: &str = "hoarfrost-key";
/// The newest key file version this build writes and reads. Version 2 added encrypted shares
/// (`[encrypted]`, with `participant`); version 1 files (plain shares) still read.
pub const VERSION: u32 = 2;

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

    /// This participant's ed25519 key, when it holds a share (plain or sealed).
    pub fn participant(&self) -> Option<VerificationKey> {
        match self {
            KeyMaterial::Share(s) => Some(s.verification_key()),
            KeyMaterial::Sealed { participant, .. } => Some(*participant),
            KeyMaterial::Public(_) => None,
        }
    }

    /// This participant's fingerprint, when it holds a share.
    pub fn participant_fingerprint(&self) -> Option<String> {
        self.participant().map(|vk| participant_fingerprint(&vk))
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

/// A key file as written. It is read in two parts, [`KeyFileHeader`] and [`ThresholdTable`]:
/// `#[serde(flatten)]` would buffer every field, the share's text too, in copies never wiped.
#[derive(Serialize)]
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
    #[serde(flatten)]
    table: ThresholdTable,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    encrypted: Option<EncryptedTable>,
}

/// Everything in a key file besides its threshold table (which is read on its own).
#[derive(Deserialize)]
struct KeyFileHeader {
    format: String,
    version: u32,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    transcript_fingerprint: Option<String>,
    #[serde(default)]
    participant: Option<String>,
    #[serde(default)]
    encrypted: Option<EncryptedTable>,
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

/// Secret bytes as upper-case hex, written into a buffer sized from the start (a growing buffer
/// would leave copies behind) and wiped when dropped.
fn secret_hex(bytes: &[u8]) -> Zeroizing<String> {
    use std::fmt::Write;
    let mut out = Zeroizing::new(String::with_capacity(2 * bytes.len()));
    for b in bytes {
        write!(out, "{b:02X}").expect("writing to a string cannot fail");
    }
    out
}

/// Decodes N bytes of hex straight into a buffer that is wiped when dropped.
fn decode_hex<const N: usize>(field: &str, text: &str) -> Result<Zeroizing<[u8; N]>, KeyFileError> {
    let text = text.trim();
    let mut out = Zeroizing::new([0u8; N]);
    if text.len() != 2 * N {
        return Err(bad(
            field,
            format!("expected {N} bytes, got {} hex digits", text.len()),
        ));
    }
    hex::decode_to_slice(text, out.as_mut()).map_err(|e| bad(field, e))?;
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
        Self::from_parts(material.group(), material.share())
    }

    fn from_parts(group: &GroupKey, share: Option<&KeyShare>) -> Self {
        Self {
            threshold: group.threshold(),
            fvk: group.fvk().to_string(),
            spend_key_share: share
                .map(|s| secret_hex(&Zeroizing::new(s.signing_share().serialize()))),
            signing_key: share.map(|s| secret_hex(s.signing_key().as_bytes())),
            verifying_shares: group
                .participants()
                .map(|p| {
                    (
                        upper_hex(p.vk.as_bytes()),
                        upper_hex(
                            &p.verifying_share
                                .serialize()
                                .expect("verifying shares are never the identity"),
                        ),
                    )
                })
                .collect(),
        }
    }

    fn into_material(self) -> Result<KeyMaterial, KeyFileError> {
        let fvk = FullViewingKey::from_str(&self.fvk).map_err(|e| bad("fvk", e))?;
        let shares = self
            .verifying_shares
            .iter()
            .map(|(vk, share)| {
                let field = format!("verifying_shares.{vk}");
                let vk_bytes: Zeroizing<[u8; 32]> = decode_hex(&field, vk)?;
                let vk = VerificationKey::try_from(*vk_bytes)
                    .map_err(|_| bad(&field, "not a valid ed25519 verification key"))?;
                let share_bytes: Zeroizing<[u8; 32]> = decode_hex(&field, share)?;
                let share = VerifyingShare::deserialize(share_bytes.as_ref())
                    .map_err(|e| bad(&field, e))?;
                Ok((vk, share))
            })
            .collect::<Result<Vec<_>, KeyFileError>>()?;
        let group = GroupKey::new(self.threshold, fvk, shares)?;
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
    let file = KeyFile {
        format: FORMAT.into(),
        version: VERSION,
        name: key.name.clone(),
        transcript_fingerprint: key.transcript_fingerprint.clone(),
        participant,
        table: ThresholdTable::from_material(&key.material),
        encrypted,
    };
    Zeroizing::new(toml::to_string(&file).expect("key files always serialize"))
}

/// Reads and checks a key file.
pub fn decode(text: &str) -> Result<StoredKey, KeyFileError> {
    let toml_error = |e: toml::de::Error| KeyFileError::Toml(e.message().to_string());
    let file: KeyFileHeader = toml::from_str(text).map_err(toml_error)?;
    if file.format != FORMAT {
        return Err(KeyFileError::Format(file.format));
    }
    if file.version > VERSION || file.version == 0 {
        return Err(KeyFileError::Version(file.version));
    }
    let table: ThresholdTable = toml::from_str(text).map_err(toml_error)?;
    let material = match (file.encrypted, file.participant) {
        (None, _) => table.into_material()?,
        (Some(_), None) => return Err(bad("participant", "missing (the share is encrypted)")),
        (Some(encrypted), Some(participant)) => {
            if table.spend_key_share.is_some() || table.signing_key.is_some() {
                return Err(bad(
                    "encrypted",
                    "a plain share is present beside the encrypted one",
                ));
            }
            let vk_bytes: Zeroizing<[u8; 32]> = decode_hex("participant", &participant)?;
            let participant = VerificationKey::try_from(*vk_bytes)
                .map_err(|_| bad("participant", "not a valid ed25519 verification key"))?;
            let group = match table.into_material()? {
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

#[cfg(test)]
mod tests;

//! Splitting a key that exists today into t-of-n custody: a Penumbra seed phrase (as
//! `pcli init soft-kms generate` makes, BIP-44 account 0) or a pcli config whose custody backend
//! is `SoftKms`. The FROST secret is the spend key's spend authorization key (ask); the group's
//! full viewing key is exactly the spend key's, so the identity, governance and viewing keys stay.
//!
//! This is a trusted-dealer step: the machine that runs it holds the whole key for a moment.
//! The spend key is wiped from memory when [`WipedSpendKey`] drops. penumbra-sdk-keys' own
//! derivation makes temporary copies this crate cannot reach (the PBKDF2 input and the BIP-32
//! seed inside `SpendKey::from_seed_phrase_bip44`), so the wipe covers what hoarfrost holds.

use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::str::FromStr;

use penumbra_sdk_keys::keys::{Bip44Path, SeedPhrase, SpendKey};
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::keyfile::PcliSection;
use crate::keys::{split, KeyError, KeyShare};
use crate::suite::Decaf377Rdsa;

/// Why a key could not be read or split. Never quotes the secret.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error("the seed phrase is not valid: {0}")]
    Phrase(String),
    #[error("pcli config: {0}")]
    Pcli(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// A spend key that is overwritten with zeros when dropped.
///
/// `SpendKey` does not zeroize itself. Its fields (the 32 seed bytes, ask, and the FVK: field
/// elements, group elements and byte arrays) are fixed-size values that own no heap memory, for
/// which all-zero bytes are a valid state, so the whole value is overwritten in place and its
/// destructor never runs afterwards.
pub struct WipedSpendKey(ManuallyDrop<SpendKey>);

impl WipedSpendKey {
    pub fn new(key: SpendKey) -> Self {
        Self(ManuallyDrop::new(key))
    }

    fn wipe(&mut self) {
        let key: &mut SpendKey = &mut self.0;
        // SAFETY: `SpendKey` owns no heap memory and its parts accept all-zero bytes (see the
        // type's documentation); the value is never used or dropped after the final wipe, since
        // it lives in a `ManuallyDrop` that is only wiped again.
        unsafe { zeroize::zeroize_flat_type(key as *mut SpendKey) }
    }
}

impl Deref for WipedSpendKey {
    type Target = SpendKey;

    fn deref(&self) -> &SpendKey {
        &self.0
    }
}

impl Drop for WipedSpendKey {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// The spend key of account 0 of a seed phrase (24 words, or the legacy 12), as pcli derives
/// it: `SpendKey::from_seed_phrase_bip44(phrase, &Bip44Path::new(0))`.
pub fn spend_key_from_phrase(phrase: &str) -> Result<WipedSpendKey, SplitError> {
    let phrase = SeedPhrase::from_str(phrase).map_err(|e| SplitError::Phrase(e.to_string()))?;
    Ok(WipedSpendKey::new(SpendKey::from_seed_phrase_bip44(
        phrase,
        &Bip44Path::new(0),
    )))
}

/// The spend key of a pcli config whose `section` uses the `SoftKms` backend. The config's
/// `full_viewing_key`, when the section is `[custody]`, must be the spend key's.
pub fn spend_key_from_pcli(text: &str, section: PcliSection) -> Result<WipedSpendKey, SplitError> {
    let bad = |problem: String| SplitError::Pcli(problem);
    let mut config: toml::Table = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
    let name = section.key();
    let custody = config
        .get_mut(name)
        .and_then(|v| v.as_table_mut())
        .ok_or_else(|| bad(format!("no [{name}] section")))?;
    match custody.get("backend").and_then(|b| b.as_str()) {
        Some("SoftKms") => {}
        Some("Threshold") => {
            return Err(bad(format!(
                "[{name}] already holds a threshold share (backend Threshold): a refresh, not a split, changes its custody"
            )))
        }
        Some(other) => {
            return Err(bad(format!(
                "[{name}] uses the {other} backend; only a SoftKms spend key can be split"
            )))
        }
        None => return Err(bad(format!("[{name}] has no backend"))),
    }
    let mut encoded = match custody.remove("spend_key") {
        Some(toml::Value::String(s)) => Zeroizing::new(s),
        Some(_) => return Err(bad(format!("[{name}] spend_key is not a string"))),
        None => return Err(bad(format!("[{name}] has no spend_key"))),
    };
    let key = SpendKey::from_str(encoded.trim())
        .map(WipedSpendKey::new)
        .map_err(|_| {
            bad(format!(
                "[{name}] spend_key is not a valid penumbraspendkey1..."
            ))
        });
    encoded.zeroize();
    let key = key?;
    if section == PcliSection::Custody {
        if let Some(fvk) = config.get("full_viewing_key").and_then(|v| v.as_str()) {
            if fvk != key.full_viewing_key().to_string() {
                return Err(bad(
                    "full_viewing_key is not the [custody] spend key's: the config is inconsistent"
                        .into(),
                ));
            }
        }
    }
    Ok(key)
}

/// Splits a spend key among `n` participants, any `threshold` of whom can sign: its ask is the
/// FROST secret, its FVK the group's.
pub fn split_spend_key(
    rng: &mut impl CryptoRngCore,
    spend_key: &SpendKey,
    threshold: u16,
    n: u16,
) -> Result<Vec<KeyShare>, KeyError> {
    let ask = Zeroizing::new(spend_key.spend_auth_key().to_bytes());
    // frost-core's SigningKey zeroizes itself on drop.
    let key = frost_core::SigningKey::<Decaf377Rdsa>::deserialize(ask.as_ref()).map_err(|e| {
        KeyError::Field {
            field: "spend key",
            problem: e.to_string(),
        }
    })?;
    split(rng, &key, spend_key.full_viewing_key(), threshold, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn the_wipe_leaves_only_zeros() {
        let mut key = WipedSpendKey::new(SpendKey::from_seed_phrase_bip44(
            SeedPhrase::generate(OsRng),
            &Bip44Path::new(0),
        ));
        assert_ne!(key.spend_auth_key().to_bytes(), [0u8; 32]);
        key.wipe();
        let size = std::mem::size_of::<SpendKey>();
        let ptr = &*key.0 as *const SpendKey as *const u8;
        // SAFETY: reads the value's bytes as bytes after the wipe has written every one of
        // them, padding included.
        let after = unsafe { std::slice::from_raw_parts(ptr, size) };
        assert!(after.iter().all(|b| *b == 0));
    }

    #[test]
    fn a_split_keeps_the_spend_keys_viewing_identity_and_governance_keys() {
        let phrase = SeedPhrase::generate(OsRng).to_string();
        let key = spend_key_from_phrase(&phrase).unwrap();
        let direct = SpendKey::from_seed_phrase_bip44(
            SeedPhrase::from_str(&phrase).unwrap(),
            &Bip44Path::new(0),
        );
        assert_eq!(key.full_viewing_key(), direct.full_viewing_key());
        let shares = split_spend_key(&mut OsRng, &key, 2, 3).unwrap();
        let group = shares[0].group();
        let fvk = direct.full_viewing_key();
        assert_eq!(group.fvk(), fvk);
        assert_eq!(group.fvk().nullifier_key(), fvk.nullifier_key());
        assert_eq!(
            group.identity_key(),
            penumbra_sdk_stake::IdentityKey((*fvk.spend_verification_key()).into())
        );
        assert_eq!(
            group.governance_key(),
            penumbra_sdk_stake::GovernanceKey(*fvk.spend_verification_key())
        );
        // The same key from its pcli SoftKms config.
        let config = format!(
            "full_viewing_key = \"{fvk}\"\n[custody]\nbackend = \"SoftKms\"\nspend_key = \"{}\"\n",
            direct
        );
        let from_config = spend_key_from_pcli(&config, PcliSection::Custody).unwrap();
        assert_eq!(from_config.full_viewing_key(), fvk);
        assert!(split_spend_key(&mut OsRng, &key, 4, 3).is_err());
    }

    #[test]
    fn bad_phrases_are_named_without_quoting_them() {
        let e = spend_key_from_phrase("abandon ability able").err().unwrap();
        assert!(e.to_string().contains("24 or 12 words"), "{e}");
        let words = ["zoo"; 24].join(" ");
        let e = spend_key_from_phrase(&words).err().unwrap().to_string();
        assert!(e.contains("checksum") && !e.contains("zoo"), "{e}");
        let e = spend_key_from_phrase(&["notaword"; 24].join(" "))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("invalid word") && !e.contains("notaword"), "{e}");
    }

    #[test]
    fn pcli_configs_other_than_soft_kms_are_refused_by_name() {
        let e = |text: &str| {
            spend_key_from_pcli(text, PcliSection::Custody)
                .err()
                .unwrap()
                .to_string()
        };
        assert!(e("grpc_url = 'x'").contains("no [custody] section"));
        assert!(e("[custody]\nbackend = 'Threshold'").contains("already holds a threshold share"));
        assert!(e("[custody]\nbackend = 'ViewOnly'").contains("ViewOnly backend"));
        assert!(e("[custody]\nbackend = 'SoftKms'").contains("no spend_key"));
        let e = e("[custody]\nbackend = 'SoftKms'\nspend_key = 'penumbraspendkey1secretbits'");
        assert!(
            e.contains("not a valid") && !e.contains("secretbits"),
            "{e}"
        );
    }
}

//! Shares encrypted at rest: Argon2id from a passphrase, then ChaCha20-Poly1305.
//!
//! The default cost is pcli's encrypted backend's (m = 2^21 KiB, t = 1, p = 4). The random
//! 32-byte salt and a digest of the key's public description are bound as associated data, so
//! a sealed share cannot be moved under another group's public data without failing to open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_consensus::SigningKey;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::keys::{GroupKey, KeyShare};
use crate::suite::SigningShare;

/// Argon2id cost parameters, recorded in every sealed share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// pcli's encrypted custody backend: 2 GiB, one pass, four lanes.
    pub const PCLI: KdfParams = KdfParams {
        memory_kib: 1 << 21,
        iterations: 1,
        parallelism: 4,
    };

    /// The least memory hoarfrost accepts when sealing (for small airgapped machines).
    pub const MIN_MEMORY_KIB: u32 = 64 * 1024;

    /// The most memory a key file may ask for: a hostile file cannot exhaust the machine.
    pub const MAX_MEMORY_KIB: u32 = 1 << 22;

    /// pcli's parameters with another memory cost (in MiB).
    pub fn with_memory_mib(mib: u32) -> Result<Self, SealError> {
        let memory_kib = mib.saturating_mul(1024);
        if !(Self::MIN_MEMORY_KIB..=Self::MAX_MEMORY_KIB).contains(&memory_kib) {
            return Err(SealError::Params(format!(
                "memory must be between {} and {} MiB",
                Self::MIN_MEMORY_KIB / 1024,
                Self::MAX_MEMORY_KIB / 1024
            )));
        }
        Ok(Self {
            memory_kib,
            ..Self::PCLI
        })
    }

    fn check(&self) -> Result<(), SealError> {
        if self.memory_kib > Self::MAX_MEMORY_KIB
            || self.iterations == 0
            || self.iterations > 16
            || self.parallelism == 0
            || self.parallelism > 64
        {
            return Err(SealError::Params(format!(
                "refusing Argon2 parameters m={} KiB, t={}, p={}",
                self.memory_kib, self.iterations, self.parallelism
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("wrong passphrase (or the key file was altered)")]
    WrongPassphrase,
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("{0}")]
    Params(String),
    #[error("the decrypted share does not belong to this key: {0}")]
    Mismatch(String),
}

/// A participant's share, sealed under a passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedShare {
    pub params: KdfParams,
    pub salt: [u8; 32],
    pub nonce: [u8; 12],
    pub ciphertext: Vec<u8>,
}

fn derive_key(
    passphrase: &[u8],
    salt: &[u8; 32],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, SealError> {
    params.check()?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(32),
        )
        .map_err(|e| SealError::Params(e.to_string()))?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, key.as_mut())
        .map_err(|e| SealError::Params(e.to_string()))?;
    Ok(key)
}

/// A digest of everything public about the key, bound into the ciphertext.
fn public_digest(group: &GroupKey, participant: &ed25519_consensus::VerificationKey) -> [u8; 32] {
    let mut state = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"hoarfrost-seal-1")
        .to_state();
    state.update(&group.threshold().to_le_bytes());
    state.update(group.fvk().to_string().as_bytes());
    for p in group.participants() {
        state.update(p.vk.as_bytes());
        state.update(&p.verifying_share.serialize().unwrap_or_default());
    }
    state.update(participant.as_bytes());
    state
        .finalize()
        .as_bytes()
        .try_into()
        .expect("32-byte hash")
}

fn aad(salt: &[u8; 32], digest: &[u8; 32]) -> Vec<u8> {
    [b"hoarfrost-key-v2".as_slice(), salt, digest].concat()
}

/// Seals a share under a passphrase.
pub fn seal(
    share: &KeyShare,
    passphrase: &[u8],
    params: KdfParams,
    rng: &mut impl CryptoRngCore,
) -> Result<SealedShare, SealError> {
    if passphrase.is_empty() {
        return Err(SealError::EmptyPassphrase);
    }
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut nonce);
    let key = derive_key(passphrase, &salt, params)?;
    let mut plaintext = Zeroizing::new(Vec::with_capacity(64));
    plaintext.extend_from_slice(&Zeroizing::new(share.signing_share().serialize()));
    plaintext.extend_from_slice(share.signing_key().as_bytes());
    let digest = public_digest(share.group(), &share.verification_key());
    let ciphertext = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &aad(&salt, &digest),
            },
        )
        .expect("encryption of 64 bytes cannot fail");
    Ok(SealedShare {
        params,
        salt,
        nonce,
        ciphertext,
    })
}

/// Opens a sealed share and checks it belongs to `group` as `participant`.
pub fn unseal(
    group: &GroupKey,
    participant: &ed25519_consensus::VerificationKey,
    sealed: &SealedShare,
    passphrase: &[u8],
) -> Result<KeyShare, SealError> {
    let key = derive_key(passphrase, &sealed.salt, sealed.params)?;
    let digest = public_digest(group, participant);
    let plaintext = Zeroizing::new(
        ChaCha20Poly1305::new(Key::from_slice(key.as_ref()))
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad(&sealed.salt, &digest),
                },
            )
            .map_err(|_| SealError::WrongPassphrase)?,
    );
    if plaintext.len() != 64 {
        return Err(SealError::Mismatch("wrong length".into()));
    }
    let share = SigningShare::deserialize(&plaintext[..32])
        .map_err(|e| SealError::Mismatch(e.to_string()))?;
    let mut key_bytes = Zeroizing::new([0u8; 32]);
    key_bytes.copy_from_slice(&plaintext[32..]);
    let signing_key = SigningKey::from(*key_bytes);
    if &signing_key.verification_key() != participant {
        return Err(SealError::Mismatch("another participant's key".into()));
    }
    KeyShare::new(group.clone(), share, signing_key).map_err(|e| SealError::Mismatch(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::deal;
    use rand_core::OsRng;

    fn light() -> KdfParams {
        KdfParams::with_memory_mib(64).unwrap()
    }

    #[test]
    fn seal_and_unseal() {
        let shares = deal(&mut OsRng, 2, 3).unwrap();
        let sealed = seal(&shares[1], b"correct horse", light(), &mut OsRng).unwrap();
        // `sealed` opened as participant 1's share, under `group`'s public data.
        let open = |group: &GroupKey, passphrase: &[u8]| {
            unseal(group, &shares[1].verification_key(), &sealed, passphrase)
        };
        let back = open(shares[1].group(), b"correct horse").unwrap();
        assert_eq!(back.signing_share(), shares[1].signing_share());
        assert_eq!(
            open(shares[1].group(), b"wrong").err(),
            Some(SealError::WrongPassphrase)
        );
        // Moved under another group's public data, it does not open.
        let other = deal(&mut OsRng, 2, 3).unwrap();
        assert_eq!(
            open(other[1].group(), b"correct horse").err(),
            Some(SealError::WrongPassphrase)
        );
        assert_eq!(
            seal(&shares[0], b"", light(), &mut OsRng).err(),
            Some(SealError::EmptyPassphrase)
        );
    }

    #[test]
    fn hostile_parameters_are_refused() {
        let shares = deal(&mut OsRng, 2, 2).unwrap();
        let mut sealed = seal(&shares[0], b"pw", light(), &mut OsRng).unwrap();
        sealed.params.memory_kib = u32::MAX;
        assert!(matches!(
            unseal(
                shares[0].group(),
                &shares[0].verification_key(),
                &sealed,
                b"pw"
            ),
            Err(SealError::Params(_))
        ));
        assert!(KdfParams::with_memory_mib(8).is_err());
        assert_eq!(KdfParams::PCLI.memory_kib, 2_097_152);
    }
}

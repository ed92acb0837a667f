//! Round-2 share encryption, byte-compatible with pcli's DKG.
//!
//! Each share is encrypted to its recipient's round-1 decaf377-ka key: an ephemeral key pair, a
//! symmetric key from BLAKE2b-512 ("dkg-encryption") over recipient key, ephemeral key and the
//! shared secret, then ChaCha20-Poly1305 with a zero nonce (every key is used once) and the
//! ephemeral key as associated data. Ciphertext = epk (32) || tag (16) || encrypted message.

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

const PK_SIZE: usize = 32;
const TAG_SIZE: usize = 16;

fn symmetric_key(
    recipient: &decaf377_ka::Public,
    epk: &decaf377_ka::Public,
    shared: &decaf377_ka::SharedSecret,
) -> Zeroizing<Key> {
    let hash = blake2b_simd::Params::new()
        .personal(b"dkg-encryption")
        .to_state()
        .update(&recipient.0)
        .update(&epk.0)
        .update(&shared.0)
        .finalize();
    Zeroizing::new(*Key::from_slice(&hash.as_bytes()[..32]))
}

/// A shared secret that cannot fail: an invalid recipient key yields a random secret, so what
/// is encrypted to it is simply unreadable, as with a key whose secret nobody knows.
fn agree(
    rng: &mut impl CryptoRngCore,
    secret: &decaf377_ka::Secret,
    public: &decaf377_ka::Public,
) -> decaf377_ka::SharedSecret {
    secret.key_agreement_with(public).unwrap_or_else(|_| {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        decaf377_ka::SharedSecret(bytes)
    })
}

/// Encrypts `message` to `recipient`.
pub fn encrypt(
    rng: &mut impl CryptoRngCore,
    recipient: &decaf377_ka::Public,
    message: &[u8],
) -> Vec<u8> {
    let esk = decaf377_ka::Secret::new(rng);
    let epk = esk.public();
    let shared = agree(rng, &esk, recipient);
    let key = symmetric_key(recipient, &epk, &shared);
    let mut out = Vec::with_capacity(PK_SIZE + TAG_SIZE + message.len());
    out.extend_from_slice(&epk.0);
    out.extend_from_slice(&[0u8; TAG_SIZE]);
    out.extend_from_slice(message);
    let tag = ChaCha20Poly1305::new(&key)
        .encrypt_in_place_detached(&[0u8; 12].into(), &epk.0, &mut out[PK_SIZE + TAG_SIZE..])
        .expect("ChaCha20-Poly1305 encrypts any message of this size");
    out[PK_SIZE..PK_SIZE + TAG_SIZE].copy_from_slice(&tag);
    out
}

/// Decrypts a ciphertext sent to the holder of `secret`. Fails if it was altered or meant for
/// another key.
pub fn decrypt(secret: &decaf377_ka::Secret, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if ciphertext.len() < PK_SIZE + TAG_SIZE {
        return None;
    }
    let (header, body) = ciphertext.split_at(PK_SIZE + TAG_SIZE);
    let epk = decaf377_ka::Public(header[..PK_SIZE].try_into().ok()?);
    // An ephemeral key that is not a valid element: nothing was encrypted to this key.
    let shared = secret.key_agreement_with(&epk).ok()?;
    let key = symmetric_key(&secret.public(), &epk, &shared);
    let mut message = Zeroizing::new(body.to_vec());
    ChaCha20Poly1305::new(&key)
        .decrypt_in_place_detached(
            &[0u8; 12].into(),
            &epk.0,
            &mut message,
            header[PK_SIZE..].into(),
        )
        .ok()?;
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn round_trip_and_tamper() {
        let sk = decaf377_ka::Secret::new(&mut OsRng);
        let ct = encrypt(&mut OsRng, &sk.public(), b"a share");
        assert_eq!(ct.len(), 32 + 16 + 7);
        assert_eq!(decrypt(&sk, &ct).unwrap().as_slice(), b"a share");
        let mut bad = ct.clone();
        bad[40] ^= 1;
        assert!(decrypt(&sk, &bad).is_none());
        let other = decaf377_ka::Secret::new(&mut OsRng);
        assert!(decrypt(&other, &ct).is_none());
        assert!(decrypt(&sk, &ct[..20]).is_none());
    }

    /// A ciphertext whose ephemeral key is not a decaf377 element opens to nothing; one sent to
    /// such a recipient key opens for nobody, its secret being random.
    #[test]
    fn invalid_keys_give_nothing_to_read() {
        let sk = decaf377_ka::Secret::new(&mut OsRng);
        let mut ct = encrypt(&mut OsRng, &sk.public(), b"a share");
        ct[..32].copy_from_slice(&[0xff; 32]);
        assert!(decrypt(&sk, &ct).is_none());

        let invalid = decaf377_ka::Public([0xff; 32]);
        let ct = encrypt(&mut OsRng, &invalid, b"a share");
        assert_eq!(ct.len(), 32 + 16 + 7);
        assert!(decrypt(&sk, &ct).is_none());
    }
}

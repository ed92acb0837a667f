//! The decaf377 ciphersuite for frost-core 3.
//!
//! The hashes match Penumbra's `decaf377-frost` exactly, so hoarfrost signers and pcli signers can
//! share one ceremony, and H2 equals decaf377-rdsa's challenge hash, so aggregated signatures verify
//! as ordinary `decaf377-rdsa` SpendAuth signatures. Unlike `decaf377-frost` 2.1.1 (frost-core 0.7),
//! the identity element is never serialized or accepted, as frost-core 3 requires.

use blake2b_simd::{Params, State};
use decaf377::{Element, Encoding, Fr};
use frost_core::{Ciphersuite, Field, FieldError, Group, GroupError};
use rand_core::{CryptoRng, RngCore};

/// The frost-core ciphersuite marker type for decaf377 with rdsa-compatible challenges.
#[derive(Debug, PartialEq, Eq, Copy, Clone)]
pub struct Decaf377Rdsa;

/// The scalar field of decaf377 (`Fr`), encoded as 32 bytes little endian.
#[derive(Copy, Clone)]
pub struct Decaf377ScalarField;

/// The decaf377 group, encoded with the 32-byte decaf377 encoding.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct Decaf377Group;

impl Field for Decaf377ScalarField {
    type Scalar = Fr;
    type Serialization = [u8; 32];

    fn zero() -> Fr {
        Fr::ZERO
    }

    fn one() -> Fr {
        Fr::ONE
    }

    fn invert(scalar: &Fr) -> Result<Fr, FieldError> {
        scalar.inverse().ok_or(FieldError::InvalidZeroScalar)
    }

    fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Fr {
        Fr::rand(rng)
    }

    fn serialize(scalar: &Fr) -> [u8; 32] {
        scalar.to_bytes()
    }

    fn little_endian_serialize(scalar: &Fr) -> [u8; 32] {
        scalar.to_bytes()
    }

    fn deserialize(buf: &[u8; 32]) -> Result<Fr, FieldError> {
        // `from_bytes_checked` rejects encodings of values >= r (non-canonical scalars).
        Fr::from_bytes_checked(buf).map_err(|_| FieldError::MalformedScalar)
    }
}

impl Group for Decaf377Group {
    type Field = Decaf377ScalarField;
    type Element = Element;
    type Serialization = [u8; 32];

    fn cofactor() -> <Self::Field as Field>::Scalar {
        // decaf377 is a prime-order group: the decaf construction removes the cofactor.
        Fr::ONE
    }

    fn identity() -> Element {
        Element::IDENTITY
    }

    fn generator() -> Element {
        Element::GENERATOR
    }

    fn serialize(element: &Element) -> Result<[u8; 32], GroupError> {
        if element.is_identity() {
            return Err(GroupError::InvalidIdentityElement);
        }
        Ok(element.vartime_compress().0)
    }

    fn deserialize(buf: &[u8; 32]) -> Result<Element, GroupError> {
        // Decompression rejects non-canonical encodings; the identity is rejected explicitly.
        let element = Encoding(*buf)
            .vartime_decompress()
            .map_err(|_| GroupError::MalformedElement)?;
        if element.is_identity() {
            return Err(GroupError::InvalidIdentityElement);
        }
        Ok(element)
    }
}

/// BLAKE2b-512 with a 16-byte-max personalization, as decaf377-frost uses.
struct Hasher(State);

impl Hasher {
    /// The FROST-internal hashes (H1, H3, H4, H5, HDKG, HID): personalization "FROST-decaf377".
    fn frost(label: &[u8]) -> Self {
        let mut state = Params::new()
            .hash_length(64)
            .personal(b"FROST-decaf377")
            .to_state();
        state.update(label);
        Self(state)
    }

    /// The challenge hash of decaf377-rdsa (its `HStar`): personalization "decaf377-rdsa---".
    fn challenge() -> Self {
        Self(
            Params::new()
                .hash_length(64)
                .personal(b"decaf377-rdsa---")
                .to_state(),
        )
    }

    fn update(mut self, data: &[u8]) -> Self {
        self.0.update(data);
        self
    }

    fn scalar(&self) -> Fr {
        Fr::from_le_bytes_mod_order(self.0.finalize().as_bytes())
    }

    fn first_32(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.0.finalize().as_bytes()[..32]);
        out
    }
}

#[allow(non_snake_case)]
impl Ciphersuite for Decaf377Rdsa {
    const ID: &'static str = "decaf377-rdsa";

    type Group = Decaf377Group;
    type HashOutput = [u8; 32];
    type SignatureSerialization = [u8; 64];

    fn H1(m: &[u8]) -> Fr {
        Hasher::frost(b"rho").update(m).scalar()
    }

    fn H2(m: &[u8]) -> Fr {
        Hasher::challenge().update(m).scalar()
    }

    fn H3(m: &[u8]) -> Fr {
        Hasher::frost(b"nonce").update(m).scalar()
    }

    fn H4(m: &[u8]) -> [u8; 32] {
        Hasher::frost(b"msg").update(m).first_32()
    }

    fn H5(m: &[u8]) -> [u8; 32] {
        Hasher::frost(b"com").update(m).first_32()
    }

    fn HDKG(m: &[u8]) -> Option<Fr> {
        Some(Hasher::frost(b"dkg").update(m).scalar())
    }

    fn HID(m: &[u8]) -> Option<Fr> {
        Some(Hasher::frost(b"id").update(m).scalar())
    }
}

impl frost_rerandomized::RandomizedCiphersuite for Decaf377Rdsa {
    fn hash_randomizer(m: &[u8]) -> Option<Fr> {
        // Penumbra's randomizers come from the transaction plan, so this hash only serves
        // frost-rerandomized's own seed-based API, which hoarfrost does not use for transactions.
        Some(Hasher::frost(b"randomizer").update(m).scalar())
    }
}

/// Short names for the frost-core types instantiated with this suite.
pub type Identifier = frost_core::Identifier<Decaf377Rdsa>;
pub type KeyPackage = frost_core::keys::KeyPackage<Decaf377Rdsa>;
pub type PublicKeyPackage = frost_core::keys::PublicKeyPackage<Decaf377Rdsa>;
pub type SigningShare = frost_core::keys::SigningShare<Decaf377Rdsa>;
pub type VerifyingShare = frost_core::keys::VerifyingShare<Decaf377Rdsa>;
pub type VerifyingKey = frost_core::VerifyingKey<Decaf377Rdsa>;
pub type SigningCommitments = frost_core::round1::SigningCommitments<Decaf377Rdsa>;
pub type SigningNonces = frost_core::round1::SigningNonces<Decaf377Rdsa>;
pub type SigningPackage = frost_core::SigningPackage<Decaf377Rdsa>;
pub type SignatureShare = frost_core::round2::SignatureShare<Decaf377Rdsa>;
pub type FrostError = frost_core::Error<Decaf377Rdsa>;

/// The FROST identifier of a participant: derived from its ed25519 verification key, as pcli does.
pub fn identifier_for(vk: &ed25519_consensus::VerificationKey) -> Identifier {
    Identifier::derive(vk.as_bytes()).expect("HID is defined for decaf377, so derive cannot fail")
}

/// Converts a frost signature into a decaf377-rdsa SpendAuth signature (same 64-byte layout R || s).
pub fn to_rdsa(
    signature: &frost_core::Signature<Decaf377Rdsa>,
) -> Result<decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth>, FrostError> {
    let bytes: [u8; 64] = signature
        .serialize()?
        .try_into()
        .map_err(|_| FrostError::MalformedSignature)?;
    Ok(decaf377_rdsa::Signature::from(bytes))
}

/// The group verification key as a decaf377-rdsa SpendAuth verification key.
pub fn to_rdsa_vk(
    vk: &VerifyingKey,
) -> Result<decaf377_rdsa::VerificationKey<decaf377_rdsa::SpendAuth>, FrostError> {
    let bytes: [u8; 32] = vk
        .serialize()?
        .try_into()
        .map_err(|_| FrostError::MalformedVerifyingKey)?;
    decaf377_rdsa::VerificationKey::try_from(bytes).map_err(|_| FrostError::MalformedVerifyingKey)
}

/// The decaf377-rdsa key as a FROST group verification key.
pub fn from_rdsa_vk(
    vk: &decaf377_rdsa::VerificationKey<decaf377_rdsa::SpendAuth>,
) -> Result<VerifyingKey, FrostError> {
    VerifyingKey::deserialize(&vk.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_neither_serialized_nor_accepted() {
        assert!(Decaf377Group::serialize(&Element::IDENTITY).is_err());
        assert_eq!(
            Decaf377Group::deserialize(&[0u8; 32]),
            Err(GroupError::InvalidIdentityElement)
        );
    }

    #[test]
    fn non_canonical_scalar_is_rejected() {
        assert!(Decaf377ScalarField::deserialize(&[0xff; 32]).is_err());
        let one = Decaf377ScalarField::serialize(&Fr::ONE);
        assert_eq!(Decaf377ScalarField::deserialize(&one), Ok(Fr::ONE));
    }

    #[test]
    fn non_canonical_element_is_rejected() {
        // A field element >= q cannot be a canonical encoding.
        assert_eq!(
            Decaf377Group::deserialize(&[0xff; 32]),
            Err(GroupError::MalformedElement)
        );
    }

    #[test]
    fn generator_round_trips() {
        let g = Decaf377Group::generator();
        let bytes = Decaf377Group::serialize(&g).unwrap();
        assert_eq!(Decaf377Group::deserialize(&bytes).unwrap(), g);
    }
}

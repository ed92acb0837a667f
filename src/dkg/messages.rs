//! The DKG round messages, byte for byte as `pcli init threshold dkg` makes them.

use std::collections::BTreeMap;

use decaf377::Fq;
use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use frost_core::keys::dkg::round1::Package;
use frost_core::keys::{CoefficientCommitment, VerifiableSecretSharingCommitment};
use penumbra_sdk_proto::crypto::decaf377_frost::v1 as frost_pb;
use penumbra_sdk_proto::custody::threshold::v1 as pb;
use penumbra_sdk_proto::Message as _;

use crate::keys::participant_fingerprint;
use crate::messages::{
    check_signed, decode_sig, decode_vk, field_error, fixed, Codec, DecodeError, MessageKind,
};
use crate::suite::Decaf377Rdsa;

pub type Round1Package = Package<Decaf377Rdsa>;

/// The nullifier-key commitment: the first 32 bytes of BLAKE2b-512 ("dkg-commit") over a share.
pub fn nullifier_commitment(share: &Fq) -> [u8; 32] {
    let hash = blake2b_simd::Params::new()
        .personal(b"dkg-commit")
        .hash(&share.to_bytes_le());
    hash.as_bytes()[..32]
        .try_into()
        .expect("BLAKE2b-512 has 64 bytes")
}

/// A participant's round-1 broadcast: its FROST commitment and proof of knowledge, a commitment
/// to its nullifier-key share, a fresh encryption key and its ed25519 identity. Unsigned.
#[derive(Clone, Debug, PartialEq)]
pub struct DkgRound1 {
    pub package: Round1Package,
    pub nullifier_commitment: [u8; 32],
    pub epk: decaf377_ka::Public,
    pub vk: VerificationKey,
}

impl DkgRound1 {
    pub fn sender(&self) -> String {
        participant_fingerprint(&self.vk)
    }

    /// How many coefficients the sender committed to: its threshold t.
    pub fn threshold(&self) -> usize {
        self.package
            .commitment()
            .serialize()
            .map(|c| c.len())
            .unwrap_or(0)
    }
}

impl Codec for DkgRound1 {
    const KIND: MessageKind = MessageKind::DkgRound1;
    type Proto = pb::DkgRound1;

    fn to_proto(&self) -> pb::DkgRound1 {
        pb::DkgRound1 {
            pkg: Some(frost_pb::DkgRound1Package {
                commitment: Some(frost_pb::VerifiableSecretSharingCommitment {
                    elements: self
                        .package
                        .commitment()
                        .serialize()
                        .expect("commitments held in memory are never the identity"),
                }),
                proof_of_knowledge: self
                    .package
                    .proof_of_knowledge()
                    .serialize()
                    .expect("proofs held in memory serialize"),
            }),
            nullifier_commitment: self.nullifier_commitment.to_vec(),
            epk: self.epk.0.to_vec(),
            vk: self.vk.to_bytes().to_vec(),
        }
    }

    fn from_proto(proto: pb::DkgRound1) -> Result<Self, DecodeError> {
        let kind = <Self as Codec>::KIND;
        let vk = decode_vk(kind, "vk", &proto.vk)?;
        let pkg = proto
            .pkg
            .ok_or_else(|| field_error(kind, "pkg", "missing"))?;
        let elements = pkg
            .commitment
            .ok_or_else(|| field_error(kind, "pkg.commitment", "missing"))?
            .elements;
        if elements.is_empty() {
            return Err(field_error(kind, "pkg.commitment.elements", "empty"));
        }
        let coefficients = elements
            .iter()
            .enumerate()
            .map(|(i, e)| {
                CoefficientCommitment::deserialize(e).map_err(|_| {
                    field_error(
                        kind,
                        format!("pkg.commitment.elements[{i}]"),
                        "not a valid decaf377 element (the identity is not allowed)",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let proof = frost_core::Signature::deserialize(&pkg.proof_of_knowledge).map_err(|_| {
            field_error(
                kind,
                "pkg.proofOfKnowledge",
                "not a 64-byte R || z signature",
            )
        })?;
        let epk: [u8; 32] = fixed(kind, "epk", &proto.epk)?;
        // pcli accepts any 32 bytes; a key that is not a group element could never receive.
        decaf377::Encoding(epk)
            .vartime_decompress()
            .map_err(|_| field_error(kind, "epk", "not a valid decaf377 element"))?;
        Ok(Self {
            package: Package::new(VerifiableSecretSharingCommitment::new(coefficients), proof),
            nullifier_commitment: fixed(kind, "nullifierCommitment", &proto.nullifier_commitment)?,
            epk: decaf377_ka::Public(epk),
            vk,
        })
    }
}

/// A participant's round-2 broadcast: a share encrypted to each other participant, the opening
/// of its nullifier commitment, all signed with its ed25519 key.
#[derive(Clone, Debug, PartialEq)]
pub struct DkgRound2 {
    /// Recipient ed25519 key bytes -> ciphertext. Sorted, as pcli sorts them before signing.
    pub encrypted_packages: BTreeMap<[u8; 32], Vec<u8>>,
    pub nullifier: Fq,
    pub vk: VerificationKey,
    pub sig: Signature,
}

fn round2_inner(packages: &BTreeMap<[u8; 32], Vec<u8>>, nullifier: &Fq) -> pb::dkg_round2::Inner {
    pb::dkg_round2::Inner {
        encrypted_packages: packages
            .iter()
            .map(|(vk, ct)| pb::dkg_round2::TargetedPackage {
                vk: vk.to_vec(),
                encrypted_package: ct.clone(),
            })
            .collect(),
        nullifier: nullifier.to_bytes_le().to_vec(),
    }
}

impl DkgRound2 {
    pub fn signed(
        key: &SigningKey,
        encrypted_packages: BTreeMap<[u8; 32], Vec<u8>>,
        nullifier: Fq,
    ) -> Self {
        let sig = key.sign(&round2_inner(&encrypted_packages, &nullifier).encode_to_vec());
        Self {
            encrypted_packages,
            nullifier,
            vk: key.verification_key(),
            sig,
        }
    }

    pub fn sender(&self) -> String {
        participant_fingerprint(&self.vk)
    }
}

impl Codec for DkgRound2 {
    const KIND: MessageKind = MessageKind::DkgRound2;
    type Proto = pb::DkgRound2;

    fn to_proto(&self) -> pb::DkgRound2 {
        pb::DkgRound2 {
            inner: Some(round2_inner(&self.encrypted_packages, &self.nullifier)),
            vk: self.vk.to_bytes().to_vec(),
            sig: self.sig.to_bytes().to_vec(),
        }
    }

    /// Decodes every field and checks the sender's signature over the canonical (sorted) inner.
    fn from_proto(proto: pb::DkgRound2) -> Result<Self, DecodeError> {
        let kind = <Self as Codec>::KIND;
        let vk = decode_vk(kind, "vk", &proto.vk)?;
        let sig = decode_sig(kind, "sig", &proto.sig)?;
        let inner = proto
            .inner
            .ok_or_else(|| field_error(kind, "inner", "missing"))?;
        let mut encrypted_packages = BTreeMap::new();
        for (i, p) in inner.encrypted_packages.into_iter().enumerate() {
            let at = format!("inner.encryptedPackages[{i}]");
            let recipient: [u8; 32] = fixed(kind, &format!("{at}.vk"), &p.vk)?;
            if encrypted_packages
                .insert(recipient, p.encrypted_package)
                .is_some()
            {
                return Err(field_error(
                    kind,
                    at,
                    "a second package for the same recipient",
                ));
            }
        }
        let nullifier_bytes: [u8; 32] = fixed(kind, "inner.nullifier", &inner.nullifier)?;
        let nullifier = Fq::from_bytes_checked(&nullifier_bytes)
            .map_err(|_| field_error(kind, "inner.nullifier", "not a canonical field element"))?;
        check_signed(
            kind,
            &vk,
            &sig,
            &round2_inner(&encrypted_packages, &nullifier),
        )?;
        Ok(Self {
            encrypted_packages,
            nullifier,
            vk,
            sig,
        })
    }
}

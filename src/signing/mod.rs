//! The signing ceremony as pure state machines: a [`Coordinator`] and a [`Follower`].
//!
//! No I/O happens here: each transition takes a decoded message and returns the reply or a
//! [`Refusal`]. A refused message leaves the state exactly as it was, so a wrong paste never
//! costs the ceremony. (A follower whose signing fails after every check has passed has used
//! its nonces: that failure ends its part, as nonces are never used twice.)

mod coordinator;
mod follower;
mod package;

pub use coordinator::{Coordinator, MAX_PACKAGES};
pub use follower::Follower;

use std::collections::BTreeMap;

use decaf377::Fr;
use frost_rerandomized::{RandomizedParams, Randomizer};
use penumbra_sdk_transaction::AuthorizationData;

use crate::keys::participant_fingerprint;
use crate::refusal::Refusal;
use crate::suite::{
    Decaf377Rdsa, FrostError, Identifier, KeyPackage, PublicKeyPackage, SignatureShare,
    SigningCommitments, SigningNonces, SigningPackage, VerifyingKey,
};

/// The outcome of a signing ceremony.
#[derive(Clone, Debug)]
pub enum SigningResult {
    /// Authorization data for a transaction (one randomized signature per spend and vote).
    Transaction(AuthorizationData),
    /// The identity key's signature over a validator definition.
    ValidatorDefinition(decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth>),
    /// The governance key's signature over a validator vote body.
    ValidatorVote(decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth>),
}

/// The bytes one ceremony signs and the randomizer of each signature.
#[derive(Clone, Debug)]
pub(crate) struct SignTarget {
    pub message: Vec<u8>,
    pub randomizers: Vec<Option<Fr>>,
}

impl SignTarget {
    /// The signed bytes as an effect hash (transactions only).
    pub fn effect_hash(&self) -> Result<penumbra_sdk_txhash::EffectHash, Refusal> {
        let bytes: [u8; 64] = self
            .message
            .as_slice()
            .try_into()
            .map_err(|_| Refusal::BadRequest("effect hash has the wrong length".into()))?;
        Ok(penumbra_sdk_txhash::EffectHash(bytes))
    }

    pub fn signing_packages(
        &self,
        packages: &[BTreeMap<Identifier, SigningCommitments>],
    ) -> Vec<SigningPackage> {
        packages
            .iter()
            .map(|commitments| SigningPackage::new(commitments.clone(), &self.message))
            .collect()
    }
}

fn randomized(vk: &VerifyingKey, randomizer: Fr) -> RandomizedParams<Decaf377Rdsa> {
    RandomizedParams::from_randomizer(vk, Randomizer::from_scalar(randomizer))
}

/// One signer's round-2 work: a share per signing package, randomized where the request says.
pub(crate) fn sign_all(
    packages: &[SigningPackage],
    nonces: &[SigningNonces],
    key_package: &KeyPackage,
    randomizers: &[Option<Fr>],
) -> Result<Vec<SignatureShare>, FrostError> {
    packages
        .iter()
        .zip(nonces)
        .zip(randomizers)
        .map(|((package, nonces), randomizer)| match randomizer {
            // Penumbra fixes each randomizer in the transaction plan, so the seed-based API
            // of frost-rerandomized 3 cannot be used; the scalar-based one is exactly pcli's.
            #[allow(deprecated)]
            Some(r) => {
                frost_rerandomized::sign(package, nonces, key_package, Randomizer::from_scalar(*r))
            }
            None => frost_core::round2::sign(package, nonces, key_package),
        })
        .collect()
}

/// Checks one signer's share against its verifying share (randomized where needed).
pub(crate) fn verify_share(
    identifier: Identifier,
    share: &SignatureShare,
    package: &SigningPackage,
    public: &PublicKeyPackage,
    randomizer: Option<Fr>,
) -> bool {
    let Some(verifying_share) = public.verifying_shares().get(&identifier) else {
        return false;
    };
    let result = match randomizer {
        None => frost_core::verify_signature_share(
            identifier,
            verifying_share,
            share,
            package,
            public.verifying_key(),
        ),
        Some(r) => {
            let params = randomized(public.verifying_key(), r);
            let randomized_share = frost_core::keys::VerifyingShare::new(
                verifying_share.to_element() + *params.randomizer_element(),
            );
            frost_core::verify_signature_share(
                identifier,
                &randomized_share,
                share,
                package,
                params.randomized_verifying_key(),
            )
        }
    };
    result.is_ok()
}

/// Aggregates one signature, naming every participant whose share is invalid.
pub(crate) fn aggregate_one(
    package: &SigningPackage,
    shares: &BTreeMap<Identifier, SignatureShare>,
    public: &PublicKeyPackage,
    randomizer: Option<Fr>,
    names: impl Fn(&Identifier) -> String,
) -> Result<decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth>, Refusal> {
    let detection = frost_core::CheaterDetection::AllCheaters;
    let result = match randomizer {
        None => frost_core::aggregate_custom(package, shares, public, detection),
        Some(r) => frost_rerandomized::aggregate_custom(
            package,
            shares,
            public,
            detection,
            &randomized(public.verifying_key(), r),
        ),
    };
    match result {
        Ok(signature) => Ok(crate::suite::to_rdsa(&signature)?),
        Err(e) if !e.culprits().is_empty() => Err(Refusal::Cheaters {
            participants: e.culprits().iter().map(&names).collect(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// A readable name for a participant in errors: its fingerprint if known, else the identifier.
pub(crate) fn name_of(group: &crate::keys::GroupKey, id: &Identifier) -> String {
    group
        .participant_by_id(id)
        .map(|p| participant_fingerprint(&p.vk))
        .unwrap_or_else(|| format!("with identifier {}", hex::encode(id.serialize())))
}

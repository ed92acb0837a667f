//! The signing ceremony as pure state machines: a [`Coordinator`] and a [`Follower`].
//!
//! No I/O happens here: each transition takes a decoded message and returns the reply or an
//! error. A rejected input leaves the state exactly as it was, so a wrong paste never costs the
//! ceremony.

mod coordinator;
mod follower;

pub use coordinator::{Coordinator, CoordinatorPhase};
pub use follower::{Follower, FollowerPhase};

use std::collections::BTreeMap;

use decaf377::Fr;
use frost_rerandomized::{RandomizedParams, Randomizer};
use penumbra_sdk_transaction::AuthorizationData;

use crate::keys::participant_fingerprint;
use crate::messages::{DecodeError, MessageKind};
use crate::request::RequestKind;
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

/// Why the engine refused an input or a step. Each names the message and participant involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("{kind} from participant {participant}: that is this participant's own message")]
    OwnMessage {
        kind: MessageKind,
        participant: String,
    },
    #[error("{kind} from participant {participant}: already received from this participant")]
    Duplicate {
        kind: MessageKind,
        participant: String,
    },
    #[error(
        "{kind} from participant {participant}: this key is not a participant of the signing key"
    )]
    UnknownParticipant {
        kind: MessageKind,
        participant: String,
    },
    #[error(
        "{kind} from participant {participant}: this participant was not chosen to sign in round 2"
    )]
    NotASigner {
        kind: MessageKind,
        participant: String,
    },
    #[error("{kind} from participant {participant}: carries {got} {what}, but the {request} needs {expected}")]
    WrongCount {
        kind: MessageKind,
        participant: String,
        what: &'static str,
        got: usize,
        expected: usize,
        request: RequestKind,
    },
    #[error("{kind}: {problem}")]
    BadPackage { kind: MessageKind, problem: String },
    #[error("{kind} from participant {participant}: signature share {index} is invalid")]
    InvalidShare {
        kind: MessageKind,
        participant: String,
        index: usize,
    },
    #[error("{kind} from participant {participant}: participant {participant} holds a share from before the refresh of {date}; it must sign with its refreshed key file")]
    StaleShare {
        kind: MessageKind,
        participant: String,
        date: String,
    },
    #[error("aggregation failed: invalid signature share from participant(s) {}", participants.join(", "))]
    Cheaters { participants: Vec<String> },
    #[error("{kind} is not expected now: {now}")]
    OutOfOrder {
        kind: MessageKind,
        now: &'static str,
    },
    #[error("not enough signers yet: {have} of the {need} needed")]
    NotEnoughSigners { have: usize, need: usize },
    #[error("the request does not match this key: {0}")]
    WrongKey(String),
    #[error("cannot sign this request: {0}")]
    BadRequest(String),
    #[error("FROST error: {0}")]
    Frost(String),
}

impl From<FrostError> for SignError {
    fn from(e: FrostError) -> Self {
        SignError::Frost(e.to_string())
    }
}

/// The bytes one ceremony signs and the randomizer of each signature.
#[derive(Clone, Debug)]
pub(crate) struct SignTarget {
    pub message: Vec<u8>,
    pub randomizers: Vec<Option<Fr>>,
}

impl SignTarget {
    /// The signed bytes as an effect hash (transactions only).
    pub fn effect_hash(&self) -> Result<penumbra_sdk_txhash::EffectHash, SignError> {
        let bytes: [u8; 64] = self
            .message
            .as_slice()
            .try_into()
            .map_err(|_| SignError::BadRequest("effect hash has the wrong length".into()))?;
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

/// When a signer's share does not verify: the date of the refresh that retired the generation
/// under whose verifying share it does verify, if any (the signer used an old key file).
pub(crate) fn stale_share_date(
    group: &crate::keys::GroupKey,
    identifier: Identifier,
    share: &SignatureShare,
    package: &SigningPackage,
    randomizer: Option<Fr>,
) -> Option<String> {
    group
        .generation()
        .retired
        .iter()
        .rev()
        .find(|retired| {
            let public = group.retired_public_key_package(retired);
            verify_share(identifier, share, package, &public, randomizer)
        })
        .map(|retired| crate::keys::format_date(retired.retired_at))
}

/// Aggregates one signature, naming every participant whose share is invalid.
pub(crate) fn aggregate_one(
    package: &SigningPackage,
    shares: &BTreeMap<Identifier, SignatureShare>,
    public: &PublicKeyPackage,
    randomizer: Option<Fr>,
    names: impl Fn(&Identifier) -> String,
) -> Result<decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth>, SignError> {
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
        Err(e) if !e.culprits().is_empty() => Err(SignError::Cheaters {
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

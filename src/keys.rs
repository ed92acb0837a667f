//! Threshold key material: the public group description and one participant's share.
//!
//! A share holds exactly what pcli's threshold custody config holds (threshold, FVK, spend key
//! share, the participant's ed25519 signing key and every participant's verifying share), so keys
//! move between the two tools without loss.

mod dealer;
mod generation;

pub use dealer::{deal, split};
pub use generation::{format_date, parse_date, Generation, RetiredGeneration};

use std::collections::BTreeMap;
use std::fmt;

use decaf377::{Element, Fr};
use ed25519_consensus::{SigningKey, VerificationKey};
use penumbra_sdk_keys::FullViewingKey;
use penumbra_sdk_stake::{GovernanceKey, IdentityKey};
use zeroize::ZeroizeOnDrop;

use crate::suite::{
    from_rdsa_vk, identifier_for, Identifier, KeyPackage, PublicKeyPackage, SigningShare,
    VerifyingShare,
};

/// Why key material was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("threshold {threshold} is invalid for {participants} participants (need 2 <= t <= n)")]
    InvalidThreshold { threshold: u16, participants: usize },
    #[error("the verifying shares do not match the group key: the key material is corrupt or mixed from two keys")]
    InconsistentShares,
    #[error("this participant's spend key share does not match its verifying share")]
    ShareMismatch,
    #[error("this participant's ed25519 key is not among the group's participants")]
    NotAParticipant,
    #[error("participant {0} is already a member of the group")]
    AlreadyAParticipant(String),
    #[error("generation: {0}")]
    Generation(String),
    #[error("{field}: {problem}")]
    Field {
        field: &'static str,
        problem: String,
    },
}

fn field(field: &'static str, problem: impl fmt::Display) -> KeyError {
    KeyError::Field {
        field,
        problem: problem.to_string(),
    }
}

/// A short, readable name for a participant: the first 4 bytes of its ed25519 key in hex.
pub fn participant_fingerprint(vk: &VerificationKey) -> String {
    hex::encode(&vk.as_bytes()[..4])
}

/// One member of the group, as every participant knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    pub vk: VerificationKey,
    pub identifier: Identifier,
    pub verifying_share: VerifyingShare,
}

impl Participant {
    pub fn fingerprint(&self) -> String {
        participant_fingerprint(&self.vk)
    }
}

/// The public description of a threshold key: enough to coordinate a ceremony and check replies.
#[derive(Clone, PartialEq)]
pub struct GroupKey {
    threshold: u16,
    fvk: FullViewingKey,
    participants: BTreeMap<[u8; 32], Participant>,
    generation: Generation,
}

impl fmt::Debug for GroupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupKey")
            .field("threshold", &self.threshold)
            .field("participants", &self.participants.len())
            .field("generation", &self.generation.number)
            .field("fvk", &self.fvk.to_string())
            .finish()
    }
}

impl GroupKey {
    /// Builds and checks a group: t within 2..=n, and the verifying shares consistent with the
    /// group key (every share lies on the same degree t-1 polynomial, which passes through ak).
    pub fn new(
        threshold: u16,
        fvk: FullViewingKey,
        verifying_shares: impl IntoIterator<Item = (VerificationKey, VerifyingShare)>,
    ) -> Result<Self, KeyError> {
        let participants: BTreeMap<[u8; 32], Participant> = verifying_shares
            .into_iter()
            .map(|(vk, verifying_share)| {
                (
                    vk.to_bytes(),
                    Participant {
                        vk,
                        identifier: identifier_for(&vk),
                        verifying_share,
                    },
                )
            })
            .collect();
        if threshold < 2 || usize::from(threshold) > participants.len() {
            return Err(KeyError::InvalidThreshold {
                threshold,
                participants: participants.len(),
            });
        }
        let group = Self {
            threshold,
            fvk,
            participants,
            generation: Generation::default(),
        };
        group.check_consistency(
            group
                .participants
                .values()
                .map(|p| (p.identifier, p.verifying_share)),
        )?;
        Ok(group)
    }

    /// Checks that verifying shares lie on one polynomial of degree t-1 through ak.
    fn check_consistency(
        &self,
        shares: impl Iterator<Item = (Identifier, VerifyingShare)>,
    ) -> Result<(), KeyError> {
        let points: Vec<(Fr, Element)> = shares
            .map(|(id, share)| (id.to_scalar(), share.to_element()))
            .collect();
        if points.len() < usize::from(self.threshold) {
            return Err(KeyError::InvalidThreshold {
                threshold: self.threshold,
                participants: points.len(),
            });
        }
        let (basis, rest) = points.split_at(usize::from(self.threshold));
        let group_element = self.ak_element()?;
        if interpolate(basis, Fr::ZERO) != group_element {
            return Err(KeyError::InconsistentShares);
        }
        for (x, y) in rest {
            if interpolate(basis, *x) != *y {
                return Err(KeyError::InconsistentShares);
            }
        }
        Ok(())
    }

    /// The same group with a generation record (see [`Generation`]), checked: coherent, and
    /// every retired generation's verifying shares consistent with this key.
    pub fn with_generation(mut self, generation: Generation) -> Result<Self, KeyError> {
        generation.check().map_err(KeyError::Generation)?;
        for retired in &generation.retired {
            let shares = retired
                .verifying_shares
                .iter()
                .map(|(vk, share)| {
                    let vk = VerificationKey::try_from(*vk).map_err(|_| {
                        KeyError::Generation(format!(
                            "retired generation {}: not an ed25519 key",
                            retired.number
                        ))
                    })?;
                    Ok((identifier_for(&vk), *share))
                })
                .collect::<Result<Vec<_>, KeyError>>()?;
            self.check_consistency(shares.into_iter()).map_err(|e| {
                KeyError::Generation(format!("retired generation {}: {e}", retired.number))
            })?;
        }
        self.generation = generation;
        Ok(self)
    }

    /// Which refresh of the key this description belongs to.
    pub fn generation(&self) -> &Generation {
        &self.generation
    }

    /// A digest of the key's state (threshold, FVK, every member and verifying share): two
    /// members hold shares of the same state exactly when their digests agree. The generation
    /// record is left out: it labels the state, and a share imported from a pcli config, which
    /// has no generation, reads as generation 0 whatever its state.
    pub fn digest(&self) -> [u8; 32] {
        let mut state = blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"hoarfrost-group1")
            .to_state();
        state.update(&self.threshold.to_le_bytes());
        state.update(self.fvk.to_string().as_bytes());
        for p in self.participants.values() {
            state.update(p.vk.as_bytes());
            state.update(&p.verifying_share.serialize().unwrap_or_default());
        }
        state
            .finalize()
            .as_bytes()
            .try_into()
            .expect("32-byte hash")
    }

    /// The verifying share any participant with `identifier` must have: the public verifying
    /// shares interpolated there. Anyone can check a newcomer's share with it.
    pub fn verifying_share_at(&self, identifier: &Identifier) -> VerifyingShare {
        let basis: Vec<(Fr, Element)> = self
            .participants
            .values()
            .take(usize::from(self.threshold))
            .map(|p| (p.identifier.to_scalar(), p.verifying_share.to_element()))
            .collect();
        VerifyingShare::new(interpolate(&basis, identifier.to_scalar()))
    }

    /// The group with one more participant, whose verifying share is the interpolated one.
    pub fn enrol(&self, vk: VerificationKey) -> Result<Self, KeyError> {
        if self.participants.contains_key(vk.as_bytes()) {
            return Err(KeyError::AlreadyAParticipant(participant_fingerprint(&vk)));
        }
        let identifier = identifier_for(&vk);
        let mut group = self.clone();
        group.participants.insert(
            vk.to_bytes(),
            Participant {
                vk,
                identifier,
                verifying_share: self.verifying_share_at(&identifier),
            },
        );
        Ok(group)
    }

    /// The group after a refresh at `date` (unix seconds) that gave its members `shares`: the
    /// same key, threshold and FVK, the next generation, this one retired.
    pub fn refreshed(
        &self,
        shares: impl IntoIterator<Item = (VerificationKey, VerifyingShare)>,
        date: u64,
    ) -> Result<Self, KeyError> {
        let current = self
            .participants
            .iter()
            .map(|(vk, p)| (*vk, p.verifying_share))
            .collect();
        let generation = self
            .generation
            .next(current, date)
            .map_err(KeyError::Generation)?;
        Self::new(self.threshold, self.fvk.clone(), shares)?.with_generation(generation)
    }

    /// The public key package of a retired generation, to recognise a share from before a
    /// refresh.
    pub fn retired_public_key_package(&self, retired: &RetiredGeneration) -> PublicKeyPackage {
        let shares = retired
            .verifying_shares
            .iter()
            .filter_map(|(vk, share)| {
                let vk = VerificationKey::try_from(*vk).ok()?;
                Some((identifier_for(&vk), *share))
            })
            .collect();
        PublicKeyPackage::new(
            shares,
            *self.public_key_package().verifying_key(),
            Some(self.threshold),
        )
    }

    fn ak_element(&self) -> Result<Element, KeyError> {
        Ok(from_rdsa_vk(self.fvk.spend_verification_key())
            .map_err(|e| field("fvk", e))?
            .to_element())
    }

    pub fn threshold(&self) -> u16 {
        self.threshold
    }

    pub fn fvk(&self) -> &FullViewingKey {
        &self.fvk
    }

    pub fn participants(&self) -> impl Iterator<Item = &Participant> {
        self.participants.values()
    }

    /// Every member's key with its verifying share, as [`GroupKey::new`] and
    /// [`GroupKey::refreshed`] take them.
    #[cfg(test)]
    pub(crate) fn verifying_shares(&self) -> Vec<(VerificationKey, VerifyingShare)> {
        self.participants()
            .map(|p| (p.vk, p.verifying_share))
            .collect()
    }

    pub fn participant_count(&self) -> usize {
        self.participants.len()
    }

    pub fn participant(&self, vk: &VerificationKey) -> Option<&Participant> {
        self.participants.get(vk.as_bytes())
    }

    pub fn participant_by_id(&self, id: &Identifier) -> Option<&Participant> {
        self.participants.values().find(|p| &p.identifier == id)
    }

    /// The key that signs validator definitions when this key is a validator's identity.
    pub fn identity_key(&self) -> IdentityKey {
        IdentityKey((*self.fvk.spend_verification_key()).into())
    }

    /// The key that signs validator votes when this key is a validator's governance key.
    pub fn governance_key(&self) -> GovernanceKey {
        GovernanceKey(*self.fvk.spend_verification_key())
    }

    pub fn public_key_package(&self) -> PublicKeyPackage {
        let shares = self
            .participants
            .values()
            .map(|p| (p.identifier, p.verifying_share))
            .collect();
        let vk = from_rdsa_vk(self.fvk.spend_verification_key())
            .expect("the FVK's ak was checked when the group was built");
        PublicKeyPackage::new(shares, vk, Some(self.threshold))
    }
}

/// Lagrange interpolation in the exponent: the value at `x` of the polynomial through `points`.
pub(crate) fn interpolate(points: &[(Fr, Element)], x: Fr) -> Element {
    let mut acc = Element::IDENTITY;
    for (i, (xi, yi)) in points.iter().enumerate() {
        let mut num = Fr::ONE;
        let mut den = Fr::ONE;
        for (j, (xj, _)) in points.iter().enumerate() {
            if i != j {
                num *= x - *xj;
                den *= *xi - *xj;
            }
        }
        let lambda = num * den.inverse().expect("identifiers are distinct");
        acc += yi * lambda;
    }
    acc
}

/// One participant's share of a threshold key, with its ed25519 identity. Secret: both secrets
/// are wiped when it is dropped. Neither foreign type wipes itself (frost's `SigningShare` is
/// `Copy` and ed25519-consensus's `SigningKey` only implements `Zeroize`), so this does.
#[derive(Clone, ZeroizeOnDrop)]
pub struct KeyShare {
    #[zeroize(skip)]
    group: GroupKey,
    signing_share: SigningShare,
    signing_key: SigningKey,
}

impl fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyShare")
            .field("group", &self.group)
            .field("participant", &self.fingerprint())
            .field("signing_share", &"<redacted>")
            .field("signing_key", &"<redacted>")
            .finish()
    }
}

impl KeyShare {
    /// Builds and checks a share: it must belong to the group and match its verifying share.
    pub fn new(
        group: GroupKey,
        signing_share: SigningShare,
        signing_key: SigningKey,
    ) -> Result<Self, KeyError> {
        let me = group
            .participant(&signing_key.verification_key())
            .ok_or(KeyError::NotAParticipant)?;
        if VerifyingShare::from(signing_share) != me.verifying_share {
            return Err(KeyError::ShareMismatch);
        }
        Ok(Self {
            group,
            signing_share,
            signing_key,
        })
    }

    pub fn group(&self) -> &GroupKey {
        &self.group
    }

    /// The same share under an updated description of its group (a newcomer enrolled), checked
    /// as [`KeyShare::new`] checks.
    pub fn with_group(&self, group: GroupKey) -> Result<Self, KeyError> {
        Self::new(group, self.signing_share, self.signing_key.clone())
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    pub fn signing_share(&self) -> &SigningShare {
        &self.signing_share
    }

    pub fn verification_key(&self) -> VerificationKey {
        self.signing_key.verification_key()
    }

    pub fn identifier(&self) -> Identifier {
        identifier_for(&self.verification_key())
    }

    pub fn fingerprint(&self) -> String {
        participant_fingerprint(&self.verification_key())
    }

    pub fn key_package(&self) -> KeyPackage {
        KeyPackage::new(
            self.identifier(),
            self.signing_share,
            VerifyingShare::from(self.signing_share),
            *self.group.public_key_package().verifying_key(),
            self.group.threshold,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn dealt_shares_are_consistent() {
        let shares = deal(&mut OsRng, 2, 3).unwrap();
        assert_eq!(shares.len(), 3);
        let group = shares[0].group().clone();
        for share in &shares {
            assert_eq!(share.group(), &group);
        }
    }

    #[test]
    fn invalid_thresholds_are_refused() {
        assert!(matches!(
            deal(&mut OsRng, 1, 3),
            Err(KeyError::InvalidThreshold { .. })
        ));
        assert!(matches!(
            deal(&mut OsRng, 4, 3),
            Err(KeyError::InvalidThreshold { .. })
        ));
    }

    #[test]
    fn mixed_groups_are_detected() {
        let a = deal(&mut OsRng, 2, 3).unwrap();
        let b = deal(&mut OsRng, 2, 3).unwrap();
        let mut shares = a[0].group().verifying_shares();
        let foreign = b[0].group().participants().next().unwrap();
        shares[2] = (foreign.vk, foreign.verifying_share);
        assert_eq!(
            GroupKey::new(2, a[0].group().fvk().clone(), shares).unwrap_err(),
            KeyError::InconsistentShares
        );
    }

    #[test]
    fn share_must_match_its_verifying_share() {
        let shares = deal(&mut OsRng, 2, 3).unwrap();
        let err = KeyShare::new(
            shares[0].group().clone(),
            *shares[1].signing_share(),
            shares[0].signing_key().clone(),
        )
        .unwrap_err();
        assert_eq!(err, KeyError::ShareMismatch);
    }

    #[test]
    fn enrolment_interpolates_the_newcomers_verifying_share() {
        let shares = deal(&mut OsRng, 2, 3).unwrap();
        let group = shares[0].group();
        let newcomer = SigningKey::new(OsRng).verification_key();
        let bigger = group.enrol(newcomer).unwrap();
        assert_eq!(bigger.participant_count(), 4);
        assert_ne!(bigger.digest(), group.digest());
        // Interpolating from other members gives every member's own verifying share.
        for p in group.participants() {
            assert_eq!(bigger.verifying_share_at(&p.identifier), p.verifying_share);
        }
        assert_eq!(
            group.enrol(shares[1].verification_key()).unwrap_err(),
            KeyError::AlreadyAParticipant(shares[1].fingerprint())
        );
    }

    #[test]
    fn a_refreshed_group_is_the_next_generation_with_this_one_retired() {
        let old = deal(&mut OsRng, 2, 3).unwrap();
        let other = deal(&mut OsRng, 2, 3).unwrap();
        let group = old[0].group();
        let next = group.refreshed(group.verifying_shares(), 1_000).unwrap();
        assert_eq!(next.generation().number, 1);
        assert_eq!(next.generation().retired[0].retired_at, 1_000);
        assert_eq!(
            next.digest(),
            group.digest(),
            "the digest covers the shares, not the generation's label"
        );
        // Verifying shares of another key are not a refresh of this one.
        let foreign = other[0].group().verifying_shares();
        assert_eq!(
            group.refreshed(foreign, 1_000).unwrap_err(),
            KeyError::InconsistentShares
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let share = &deal(&mut OsRng, 2, 2).unwrap()[0];
        let debug = format!("{share:?}");
        let secret_hex = hex::encode(share.signing_share().serialize());
        assert!(!debug.contains(&secret_hex));
        assert!(!debug.contains(&hex::encode(share.signing_key().as_bytes())));
        assert!(debug.contains("redacted"));
    }

    #[test]
    fn a_dropped_share_leaves_no_secret_behind() {
        let share = deal(&mut OsRng, 2, 2).unwrap().remove(0);
        assert_ne!(*share.signing_share(), SigningShare::default());
        let mut slot = std::mem::MaybeUninit::new(share);
        let place = slot.as_mut_ptr();
        // SAFETY: `slot` holds an initialised share, dropped exactly once here. Afterwards only
        // its inline secret fields are read, as plain bytes, from memory `slot` still owns.
        let (signing_share, seed) = unsafe {
            std::ptr::drop_in_place(place);
            (
                std::ptr::addr_of!((*place).signing_share).read(),
                *(*place).signing_key.as_bytes(),
            )
        };
        assert_eq!(signing_share, SigningShare::default());
        assert_eq!(seed, [0u8; 32]);
    }
}

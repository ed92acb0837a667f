//! A trusted dealer: splitting a key (a fresh one, or one that exists) among participants with
//! frost-core's `keys::split`, as pcli's `deal` does. The dealer knows the whole key for a
//! moment; a distributed key generation avoids that.

use std::collections::BTreeMap;

use decaf377::Fq;
use ed25519_consensus::SigningKey;
use frost_core::keys::SecretShare;
use penumbra_sdk_keys::{keys::NullifierKey, FullViewingKey};
use rand_core::CryptoRngCore;

use super::{field, GroupKey, KeyError, KeyShare};
use crate::suite::{identifier_for, to_rdsa_vk, Decaf377Rdsa, Identifier, PublicKeyPackage};

fn check_threshold(threshold: u16, n: u16) -> Result<(), KeyError> {
    if threshold < 2 || threshold > n {
        return Err(KeyError::InvalidThreshold {
            threshold,
            participants: usize::from(n),
        });
    }
    Ok(())
}

/// Splits `key` with frost-core's `keys::split` among `n` new participants, each with a fresh
/// ed25519 key from which its identifier derives, as pcli does.
#[allow(clippy::type_complexity)]
fn split_among(
    rng: &mut impl CryptoRngCore,
    participants: Vec<SigningKey>,
    key: &frost_core::SigningKey<Decaf377Rdsa>,
    threshold: u16,
) -> Result<
    (
        Vec<SigningKey>,
        BTreeMap<Identifier, SecretShare<Decaf377Rdsa>>,
        PublicKeyPackage,
    ),
    KeyError,
> {
    let identifiers: Vec<Identifier> = participants
        .iter()
        .map(|sk| identifier_for(&sk.verification_key()))
        .collect();
    let n =
        u16::try_from(participants.len()).map_err(|_| field("dealer", "too many participants"))?;
    let (shares, public) = frost_core::keys::split(
        key,
        n,
        threshold,
        frost_core::keys::IdentifierList::Custom(&identifiers),
        rng,
    )
    .map_err(|e| field("dealer", e))?;
    Ok((participants, shares, public))
}

/// Each participant's share of a split, under the group with `fvk`, which must view the split
/// key (the group checks that its verifying shares interpolate to the FVK's ak).
fn assemble(
    threshold: u16,
    fvk: FullViewingKey,
    participants: Vec<SigningKey>,
    shares: BTreeMap<Identifier, SecretShare<Decaf377Rdsa>>,
    public: PublicKeyPackage,
) -> Result<Vec<KeyShare>, KeyError> {
    let identifiers: Vec<Identifier> = participants
        .iter()
        .map(|sk| identifier_for(&sk.verification_key()))
        .collect();
    let group = GroupKey::new(
        threshold,
        fvk,
        participants
            .iter()
            .zip(&identifiers)
            .map(|(sk, id)| (sk.verification_key(), public.verifying_shares()[id])),
    )?;
    participants
        .into_iter()
        .zip(identifiers)
        .map(|(sk, id)| KeyShare::new(group.clone(), *shares[&id].signing_share(), sk))
        .collect()
}

fn new_participants(rng: &mut impl CryptoRngCore, n: u16) -> Vec<SigningKey> {
    (0..n).map(|_| SigningKey::new(&mut *rng)).collect()
}

/// Splits a fresh random key among `n` participants with a trusted dealer, as `pcli` does.
///
/// The dealer briefly knows the whole key; a distributed key generation avoids that.
pub fn deal(
    rng: &mut impl CryptoRngCore,
    threshold: u16,
    n: u16,
) -> Result<Vec<KeyShare>, KeyError> {
    check_threshold(threshold, n)?;
    let participants = new_participants(rng, n);
    let key = frost_core::SigningKey::new(rng);
    let (participants, shares, public) = split_among(rng, participants, &key, threshold)?;
    let ak = to_rdsa_vk(public.verifying_key()).map_err(|e| field("dealer", e))?;
    let fvk = FullViewingKey::from_components(ak, NullifierKey(Fq::rand(rng)));
    assemble(threshold, fvk, participants, shares, public)
}

/// Splits an existing key among `n` participants with a trusted dealer: `spend_auth` is its
/// spend authorization key (ask) and `fvk` its full viewing key, kept exactly (same nk), so the
/// group has the key's identity, governance and viewing keys.
pub fn split(
    rng: &mut impl CryptoRngCore,
    spend_auth: &frost_core::SigningKey<Decaf377Rdsa>,
    fvk: &FullViewingKey,
    threshold: u16,
    n: u16,
) -> Result<Vec<KeyShare>, KeyError> {
    check_threshold(threshold, n)?;
    let participants = new_participants(rng, n);
    let (participants, shares, public) = split_among(rng, participants, spend_auth, threshold)?;
    assemble(threshold, fvk.clone(), participants, shares, public)
}

//! Round-2 signing packages: which signers a package names, and building one (the
//! coordinator's own shares are computed as it is built).

use std::collections::{BTreeMap, BTreeSet};

use ed25519_consensus::VerificationKey;
use rand_core::CryptoRngCore;

use super::{sign_all, SignTarget};
use crate::keys::KeyShare;
use crate::messages::CoordinatorRound2;
use crate::refusal::Refusal;
use crate::suite::{Identifier, SignatureShare, SigningCommitments, SigningPackage};

/// Each signer's key and commitments (one pair per signature).
pub(super) type Commitments = BTreeMap<Identifier, (VerificationKey, Vec<SigningCommitments>)>;

/// One signing package sent in round 2 and the shares gathered for it.
pub(super) struct Package {
    pub round2: CoordinatorRound2,
    pub packages: Vec<SigningPackage>,
    pub signers: BTreeSet<Identifier>,
    pub shares: BTreeMap<Identifier, Vec<SignatureShare>>,
}

impl Package {
    pub fn complete(&self) -> bool {
        self.shares.len() == self.signers.len()
    }

    /// The commitments this package holds for signer `id` (one per signature).
    fn commitments_of(&self, id: &Identifier) -> Vec<SigningCommitments> {
        self.round2
            .packages
            .iter()
            .filter_map(|p| p.get(id).copied())
            .collect()
    }

    /// Whether the package can still complete: every signer that has not signed it still
    /// holds the commitments it names, unused. (The coordinator's own share signed it when it
    /// was built.)
    pub fn live(&self, latest: &Commitments, sent: &[Package]) -> bool {
        self.complete()
            || self
                .signers
                .iter()
                .filter(|id| !self.shares.contains_key(id))
                .all(|id| {
                    let mine = self.commitments_of(id);
                    latest.get(id).is_some_and(|(_, c)| *c == mine) && !used(id, &mine, sent)
                })
    }
}

/// Whether signer `id` signed some package with these commitments (its nonces are gone).
fn used(id: &Identifier, commitments: &[SigningCommitments], sent: &[Package]) -> bool {
    sent.iter()
        .any(|p| p.shares.contains_key(id) && p.commitments_of(id) == commitments)
}

/// The signers of a new package: the coordinator's own share (fresh nonces every time), then
/// the newest package's signers, then anyone else, each only while its latest commitments are
/// unused (not yet signed with), up to `target`.
pub(super) fn choose_signers(
    own: Option<&KeyShare>,
    commitments: &Commitments,
    sent: &[Package],
    target: usize,
) -> BTreeSet<Identifier> {
    let used = |id: &Identifier| {
        sent.iter().any(|p| {
            p.shares.contains_key(id)
                && p.round2.packages.first().and_then(|c| c.get(id)) == commitments[id].1.first()
        })
    };
    let latest = &sent.last().expect("round 2 has a package").signers;
    let mut candidates: Vec<&Identifier> = commitments.keys().filter(|id| !used(id)).collect();
    candidates.sort_by_key(|id| !latest.contains(id));
    own.map(KeyShare::identifier)
        .into_iter()
        .chain(candidates.into_iter().copied())
        .take(target)
        .collect()
}

/// Builds a signing package for `signers` from their latest `commitments`, with fresh
/// commitments of the coordinator's own share (if any), which signs it at once: its nonces are
/// used here, once, and dropped (frost zeroizes them).
pub(super) fn build_package(
    own: Option<&KeyShare>,
    target: &SignTarget,
    commitments: &Commitments,
    signers: BTreeSet<Identifier>,
    rng: &mut impl CryptoRngCore,
) -> Result<Package, Refusal> {
    let count = target.randomizers.len();
    let own = own.map(|share| {
        let (nonces, commitments): (Vec<_>, Vec<_>) = (0..count)
            .map(|_| frost_core::round1::commit(share.signing_share(), rng))
            .unzip();
        (share, nonces, commitments)
    });
    let commitment_of = |id: &Identifier, k: usize| match &own {
        Some((share, _, own)) if share.identifier() == *id => own[k],
        _ => commitments[id].1[k],
    };
    let round2 = CoordinatorRound2 {
        packages: (0..count)
            .map(|k| {
                signers
                    .iter()
                    .map(|id| (*id, commitment_of(id, k)))
                    .collect()
            })
            .collect(),
    };
    let packages = target.signing_packages(&round2.packages);
    let mut shares = BTreeMap::new();
    if let Some((share, nonces, _)) = own {
        let own_shares = sign_all(
            &packages,
            &nonces,
            &share.key_package(),
            &target.randomizers,
        )?;
        shares.insert(share.identifier(), own_shares);
    }
    Ok(Package {
        round2,
        packages,
        signers,
        shares,
    })
}

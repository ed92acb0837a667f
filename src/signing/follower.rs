//! The follower: reviews the request, commits, and signs the coordinator's package only if it
//! matches what was approved.

use rand_core::CryptoRngCore;
use zeroize::ZeroizeOnDrop;

use super::coordinator::check_request;
use super::{name_of, sign_all, SignTarget};
use crate::keys::KeyShare;
use crate::messages::{
    Codec, CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2, MessageKind,
};
use crate::refusal::Refusal;
use crate::request::SigningRequest;
use crate::suite::{SigningCommitments, SigningNonces};

/// Where a follower's ceremony stands.
enum Phase {
    /// The request awaits the person's approval.
    Review,
    /// Approved and committed: waiting for the coordinator's signing package. The nonces live
    /// only here, in memory, and are consumed by signing.
    Committed {
        nonces: Vec<SigningNonces>,
        commitments: Vec<SigningCommitments>,
    },
    /// The shares were sent; the nonces are gone.
    Signed,
    /// The person declined; nothing was signed.
    Declined,
}

impl Phase {
    /// Why a phase other than [`Phase::Committed`] signs nothing.
    fn not_committed(&self) -> &'static str {
        match self {
            Phase::Review => "the request has not been approved yet",
            Phase::Declined => "the request was declined",
            _ => "this ceremony's shares were already sent",
        }
    }
}

// Its only secret, the nonces, wipe themselves when dropped (frost derives `ZeroizeOnDrop` for
// `SigningNonces`); the phase is taken apart by value when signing, so it has no `Drop` itself.
impl ZeroizeOnDrop for Phase {}

/// A follower in one signing ceremony. Its secrets (the share and the nonces) are wiped when it
/// is dropped.
#[derive(ZeroizeOnDrop)]
pub struct Follower {
    share: KeyShare,
    #[zeroize(skip)]
    request: SigningRequest,
    #[zeroize(skip)]
    target: SignTarget,
    phase: Phase,
}

impl Follower {
    /// Opens a ceremony from the coordinator's first message, refusing requests this key cannot
    /// sign (a definition for another validator, a vote by another governance key).
    pub fn new(share: KeyShare, round1: CoordinatorRound1) -> Result<Self, Refusal> {
        let request = round1.request;
        let group = share.group();
        check_request(group, &request)?;
        let randomizers = request.randomizers();
        if randomizers.is_empty() {
            return Err(Refusal::BadRequest(
                "the transaction plan needs no signatures".into(),
            ));
        }
        let message = request
            .signed_bytes(group.fvk())
            .map_err(|e| Refusal::BadRequest(e.to_string()))?;
        Ok(Self {
            share,
            request,
            target: SignTarget {
                message,
                randomizers,
            },
            phase: Phase::Review,
        })
    }

    pub fn request(&self) -> &SigningRequest {
        &self.request
    }

    /// The bytes each signature signs (what the journal records).
    pub fn signed_bytes(&self) -> &[u8] {
        &self.target.message
    }

    pub fn share(&self) -> &KeyShare {
        &self.share
    }

    /// Whether the shares were sent (the nonces are gone).
    pub fn has_signed(&self) -> bool {
        matches!(self.phase, Phase::Signed)
    }

    /// The person approved the request: commit to fresh nonces and reply.
    pub fn approve(&mut self, rng: &mut impl CryptoRngCore) -> Result<FollowerRound1, Refusal> {
        if !matches!(self.phase, Phase::Review) {
            return Err(Refusal::OutOfOrder {
                kind: MessageKind::CoordinatorRound1,
                now: "the request was already answered",
            });
        }
        let (nonces, commitments): (Vec<_>, Vec<_>) = (0..self.target.randomizers.len())
            .map(|_| frost_core::round1::commit(self.share.signing_share(), rng))
            .unzip();
        let reply = FollowerRound1::signed(self.share.signing_key(), commitments.clone());
        self.phase = Phase::Committed {
            nonces,
            commitments,
        };
        Ok(reply)
    }

    /// The person declined: nothing is signed, now or later.
    pub fn decline(&mut self) {
        self.phase = Phase::Declined;
    }

    /// Signs the coordinator's round-2 package after checking it carries this participant's own
    /// commitments, at least t signers, only group members, and one package per signature.
    pub fn sign(&mut self, round2: CoordinatorRound2) -> Result<FollowerRound2, Refusal> {
        let kind = <CoordinatorRound2 as Codec>::KIND;
        let Phase::Committed { commitments, .. } = &self.phase else {
            let now = self.phase.not_committed();
            return Err(Refusal::OutOfOrder { kind, now });
        };
        let bad = |problem: String| Refusal::BadPackage { kind, problem };
        let expected = self.target.randomizers.len();
        if round2.packages.len() != expected {
            return Err(bad(format!(
                "carries {} signing packages, but the approved {} needs {expected}: it belongs to another request",
                round2.packages.len(),
                self.request.kind()
            )));
        }
        let group = self.share.group();
        let me = self.share.identifier();
        let threshold = usize::from(group.threshold());
        let signers: Vec<_> = round2.packages[0].keys().collect();
        for (k, package) in round2.packages.iter().enumerate() {
            match package.get(&me) {
                None => {
                    return Err(bad(format!(
                        "signing package {k} lacks this participant's commitment"
                    )))
                }
                Some(c) if c != &commitments[k] => {
                    return Err(bad(format!(
                        "signing package {k} has a different commitment for this participant: it belongs to another ceremony"
                    )))
                }
                Some(_) => {}
            }
            if package.len() < threshold {
                return Err(bad(format!(
                    "signing package {k} has {} commitments, but the key needs at least {threshold}",
                    package.len()
                )));
            }
            if let Some(stranger) = package
                .keys()
                .find(|id| group.participant_by_id(id).is_none())
            {
                return Err(bad(format!(
                    "signing package {k} includes participant {}, who is not in this key's group",
                    name_of(group, stranger)
                )));
            }
            if !package.keys().eq(signers.iter().copied()) {
                return Err(bad(format!(
                    "signing package {k} names other signers than package 0"
                )));
            }
        }
        let packages = self.target.signing_packages(&round2.packages);
        // Take the nonces out of the state only once every check has passed: they are used
        // exactly once and then dropped (frost zeroizes them), even if signing then fails, so
        // a failure here ends this follower's part of the ceremony.
        let Phase::Committed { nonces, .. } = std::mem::replace(&mut self.phase, Phase::Signed)
        else {
            unreachable!("checked above")
        };
        let shares = sign_all(
            &packages,
            &nonces,
            &self.share.key_package(),
            &self.target.randomizers,
        )?;
        Ok(FollowerRound2::signed(self.share.signing_key(), shares))
    }
}

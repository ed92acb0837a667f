//! The coordinator: sends the request, gathers commitments, sends the signing package, gathers
//! shares and aggregates.

use std::collections::{BTreeMap, BTreeSet};

use ed25519_consensus::VerificationKey;
use penumbra_sdk_transaction::AuthorizationData;
use rand_core::CryptoRngCore;

use super::{
    aggregate_one, name_of, sign_all, stale_share_date, verify_share, SignError, SignTarget,
    SigningResult,
};
use crate::keys::{participant_fingerprint, GroupKey, KeyShare};
use crate::messages::{
    CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2, MessageKind,
};
use crate::request::SigningRequest;
use crate::suite::{
    identifier_for, Identifier, SignatureShare, SigningCommitments, SigningNonces, SigningPackage,
};

/// Where a coordinator's ceremony stands.
pub enum CoordinatorPhase {
    /// Round 1: gathering signers' commitments.
    Commitments {
        received: BTreeMap<Identifier, (VerificationKey, Vec<SigningCommitments>)>,
        own_nonces: Option<Vec<SigningNonces>>,
    },
    /// Round 2: gathering the chosen signers' shares.
    Shares {
        round2: CoordinatorRound2,
        packages: Vec<SigningPackage>,
        signers: BTreeSet<Identifier>,
        shares: BTreeMap<Identifier, Vec<SignatureShare>>,
    },
    /// The ceremony is over.
    Done(SigningResult),
}

/// A signing coordinator, with or without a share of its own.
pub struct Coordinator {
    group: GroupKey,
    own: Option<KeyShare>,
    request: SigningRequest,
    target: SignTarget,
    phase: CoordinatorPhase,
}

impl Coordinator {
    /// Starts a ceremony. With a share of its own the coordinator signs too and needs t-1
    /// replies; without one (public key data only) it needs t.
    pub fn new(
        group: GroupKey,
        own: Option<KeyShare>,
        request: SigningRequest,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, CoordinatorRound1), SignError> {
        if let Some(share) = &own {
            if share.group() != &group {
                return Err(SignError::WrongKey(
                    "the coordinator's share belongs to another group key".into(),
                ));
            }
        }
        match &request {
            SigningRequest::ValidatorDefinition(v) => crate::definition::check_definition(v),
            SigningRequest::ValidatorVote(v) => crate::definition::check_vote(v),
            SigningRequest::Transaction(_) => Ok(()),
        }
        .map_err(|e| SignError::BadRequest(e.to_string()))?;
        let target = SignTarget {
            message: request
                .signed_bytes(group.fvk())
                .map_err(|e| SignError::BadRequest(e.to_string()))?,
            randomizers: request.randomizers(),
        };
        let phase = match (&request, target.randomizers.len()) {
            // pcli answers a plan that needs no signature at once, without a ceremony.
            (SigningRequest::Transaction(_), 0) => {
                CoordinatorPhase::Done(SigningResult::Transaction(AuthorizationData {
                    effect_hash: Some(target.effect_hash()?),
                    spend_auths: vec![],
                    delegator_vote_auths: vec![],
                    lqt_vote_auths: vec![],
                }))
            }
            _ => CoordinatorPhase::Commitments {
                received: BTreeMap::new(),
                own_nonces: None,
            },
        };
        let mut coordinator = Self {
            group,
            own,
            request: request.clone(),
            target,
            phase,
        };
        coordinator.commit_own(rng);
        Ok((coordinator, CoordinatorRound1 { request }))
    }

    fn commit_own(&mut self, rng: &mut impl CryptoRngCore) {
        let (
            Some(share),
            CoordinatorPhase::Commitments {
                received,
                own_nonces,
            },
        ) = (&self.own, &mut self.phase)
        else {
            return;
        };
        let (nonces, commitments): (Vec<_>, Vec<_>) = (0..self.target.randomizers.len())
            .map(|_| frost_core::round1::commit(share.signing_share(), rng))
            .unzip();
        received.insert(share.identifier(), (share.verification_key(), commitments));
        *own_nonces = Some(nonces);
    }

    pub fn group(&self) -> &GroupKey {
        &self.group
    }

    /// The bytes each signature signs (what the journal records).
    pub fn signed_bytes(&self) -> &[u8] {
        &self.target.message
    }

    pub fn request(&self) -> &SigningRequest {
        &self.request
    }

    pub fn phase(&self) -> &CoordinatorPhase {
        &self.phase
    }

    /// The coordinator's own participant fingerprint, when it holds a share.
    pub fn own_fingerprint(&self) -> Option<String> {
        self.own.as_ref().map(|s| s.fingerprint())
    }

    pub fn has_own_share(&self) -> bool {
        self.own.is_some()
    }

    /// The result, once the ceremony is done.
    pub fn result(&self) -> Option<&SigningResult> {
        match &self.phase {
            CoordinatorPhase::Done(result) => Some(result),
            _ => None,
        }
    }

    /// How many signers (the coordinator included when it has a share) have committed, and
    /// how many are needed.
    pub fn commitments_progress(&self) -> (usize, usize) {
        let have = match &self.phase {
            CoordinatorPhase::Commitments { received, .. } => received.len(),
            CoordinatorPhase::Shares { signers, .. } => signers.len(),
            CoordinatorPhase::Done(_) => 0,
        };
        (have, usize::from(self.group.threshold()))
    }

    /// How many chosen signers have sent their shares, and how many were chosen.
    pub fn shares_progress(&self) -> (usize, usize) {
        match &self.phase {
            CoordinatorPhase::Shares {
                signers, shares, ..
            } => (shares.len(), signers.len()),
            _ => (0, 0),
        }
    }

    /// The fingerprints of the participants heard from in the current round.
    pub fn heard_from(&self) -> Vec<String> {
        let ids: Vec<&Identifier> = match &self.phase {
            CoordinatorPhase::Commitments { received, .. } => received.keys().collect(),
            CoordinatorPhase::Shares { shares, .. } => shares.keys().collect(),
            CoordinatorPhase::Done(_) => vec![],
        };
        ids.into_iter().map(|id| name_of(&self.group, id)).collect()
    }

    fn check_sender(
        &self,
        kind: MessageKind,
        pk: &VerificationKey,
    ) -> Result<Identifier, SignError> {
        let participant = participant_fingerprint(pk);
        if self
            .own
            .as_ref()
            .is_some_and(|s| &s.verification_key() == pk)
        {
            return Err(SignError::OwnMessage { kind, participant });
        }
        if self.group.participant(pk).is_none() {
            return Err(SignError::UnknownParticipant { kind, participant });
        }
        Ok(identifier_for(pk))
    }

    fn check_count(
        &self,
        kind: MessageKind,
        pk: &VerificationKey,
        what: &'static str,
        got: usize,
    ) -> Result<(), SignError> {
        let expected = self.target.randomizers.len();
        if got != expected {
            return Err(SignError::WrongCount {
                kind,
                participant: participant_fingerprint(pk),
                what,
                got,
                expected,
                request: self.request.kind(),
            });
        }
        Ok(())
    }

    /// Accepts a signer's round-1 commitments. Returns the sender's fingerprint.
    pub fn accept_round1(&mut self, reply: FollowerRound1) -> Result<String, SignError> {
        let kind = FollowerRound1::KIND;
        let CoordinatorPhase::Commitments { received, .. } = &self.phase else {
            return Err(SignError::OutOfOrder {
                kind,
                now: "round 1 is closed",
            });
        };
        let id = self.check_sender(kind, &reply.pk)?;
        if received.contains_key(&id) {
            return Err(SignError::Duplicate {
                kind,
                participant: reply.sender(),
            });
        }
        self.check_count(kind, &reply.pk, "commitments", reply.commitments.len())?;
        let sender = reply.sender();
        if let CoordinatorPhase::Commitments { received, .. } = &mut self.phase {
            received.insert(id, (reply.pk, reply.commitments));
        }
        Ok(sender)
    }

    /// Closes round 1 with every signer heard from, and returns the round-2 message.
    pub fn start_round2(&mut self) -> Result<CoordinatorRound2, SignError> {
        let everyone: Vec<VerificationKey> = match &self.phase {
            CoordinatorPhase::Commitments { received, .. } => {
                received.values().map(|(vk, _)| *vk).collect()
            }
            _ => vec![],
        };
        self.start_round2_with(&everyone)
    }

    /// Closes round 1 with a chosen subset of the signers heard from (at least t; the
    /// coordinator's own share, if any, is always included).
    pub fn start_round2_with(
        &mut self,
        chosen: &[VerificationKey],
    ) -> Result<CoordinatorRound2, SignError> {
        let CoordinatorPhase::Commitments {
            received,
            own_nonces,
        } = &mut self.phase
        else {
            return Err(SignError::OutOfOrder {
                kind: MessageKind::CoordinatorRound2,
                now: "round 2 has already started",
            });
        };
        let mut signers: BTreeSet<Identifier> = chosen.iter().map(identifier_for).collect();
        if let Some(share) = &self.own {
            signers.insert(share.identifier());
        }
        if let Some(missing) = signers.iter().find(|id| !received.contains_key(id)) {
            return Err(SignError::BadPackage {
                kind: MessageKind::CoordinatorRound2,
                problem: format!(
                    "participant {} was chosen but has not committed",
                    name_of(&self.group, missing)
                ),
            });
        }
        let need = usize::from(self.group.threshold());
        if signers.len() < need {
            return Err(SignError::NotEnoughSigners {
                have: signers.len(),
                need,
            });
        }
        let round2 = CoordinatorRound2 {
            packages: (0..self.target.randomizers.len())
                .map(|k| signers.iter().map(|id| (*id, received[id].1[k])).collect())
                .collect(),
        };
        let packages = self.target.signing_packages(&round2.packages);
        let mut shares = BTreeMap::new();
        if let (Some(share), Some(nonces)) = (&self.own, own_nonces.take()) {
            let own_shares = sign_all(
                &packages,
                &nonces,
                &share.key_package(),
                &self.target.randomizers,
            )?;
            shares.insert(share.identifier(), own_shares);
        }
        self.phase = CoordinatorPhase::Shares {
            round2: round2.clone(),
            packages,
            signers,
            shares,
        };
        Ok(round2)
    }

    /// Accepts a chosen signer's round-2 shares, checking each share on arrival so an invalid
    /// one is refused with the name of its sender. Returns the sender's fingerprint.
    pub fn accept_round2(&mut self, reply: FollowerRound2) -> Result<String, SignError> {
        let kind = FollowerRound2::KIND;
        let CoordinatorPhase::Shares {
            packages,
            signers,
            shares,
            ..
        } = &self.phase
        else {
            return Err(SignError::OutOfOrder {
                kind,
                now: "the coordinator is not in round 2",
            });
        };
        let id = self.check_sender(kind, &reply.pk)?;
        if !signers.contains(&id) {
            return Err(SignError::NotASigner {
                kind,
                participant: reply.sender(),
            });
        }
        if shares.contains_key(&id) {
            return Err(SignError::Duplicate {
                kind,
                participant: reply.sender(),
            });
        }
        self.check_count(kind, &reply.pk, "signature shares", reply.shares.len())?;
        let public = self.group.public_key_package();
        for (index, ((share, package), randomizer)) in reply
            .shares
            .iter()
            .zip(packages)
            .zip(&self.target.randomizers)
            .enumerate()
        {
            if !verify_share(id, share, package, &public, *randomizer) {
                let participant = reply.sender();
                return Err(
                    match stale_share_date(&self.group, id, share, package, *randomizer) {
                        Some(date) => SignError::StaleShare {
                            kind,
                            participant,
                            date,
                        },
                        None => SignError::InvalidShare {
                            kind,
                            participant,
                            index,
                        },
                    },
                );
            }
        }
        let sender = reply.sender();
        if let CoordinatorPhase::Shares { shares, .. } = &mut self.phase {
            shares.insert(id, reply.shares);
        }
        Ok(sender)
    }

    /// True once every chosen signer's shares are in.
    pub fn ready_to_aggregate(&self) -> bool {
        matches!(&self.phase, CoordinatorPhase::Shares { signers, shares, .. } if signers.len() == shares.len())
    }

    /// Aggregates the shares into the final result and ends the ceremony.
    pub fn aggregate(&mut self) -> Result<SigningResult, SignError> {
        if let CoordinatorPhase::Done(result) = &self.phase {
            return Ok(result.clone());
        }
        let CoordinatorPhase::Shares {
            packages,
            signers,
            shares,
            ..
        } = &self.phase
        else {
            return Err(SignError::OutOfOrder {
                kind: MessageKind::FollowerRound2,
                now: "round 2 has not started",
            });
        };
        if shares.len() < signers.len() {
            return Err(SignError::NotEnoughSigners {
                have: shares.len(),
                need: signers.len(),
            });
        }
        let public = self.group.public_key_package();
        let mut signatures = Vec::with_capacity(packages.len());
        for (k, (package, randomizer)) in packages.iter().zip(&self.target.randomizers).enumerate()
        {
            let share_map: BTreeMap<Identifier, SignatureShare> =
                shares.iter().map(|(id, s)| (*id, s[k])).collect();
            signatures.push(aggregate_one(
                package,
                &share_map,
                &public,
                *randomizer,
                |id| name_of(&self.group, id),
            )?);
        }
        let result = match &self.request {
            SigningRequest::Transaction(plan) => {
                let spends = plan.spend_plans().count();
                let delegator_votes = plan.delegator_vote_plans().count();
                let lqt_vote_auths = signatures.split_off(spends + delegator_votes);
                let delegator_vote_auths = signatures.split_off(spends);
                SigningResult::Transaction(AuthorizationData {
                    effect_hash: Some(self.target.effect_hash()?),
                    spend_auths: signatures,
                    delegator_vote_auths,
                    lqt_vote_auths,
                })
            }
            SigningRequest::ValidatorDefinition(_) => {
                SigningResult::ValidatorDefinition(signatures[0])
            }
            SigningRequest::ValidatorVote(_) => SigningResult::ValidatorVote(signatures[0]),
        };
        self.phase = CoordinatorPhase::Done(result.clone());
        Ok(result)
    }
}

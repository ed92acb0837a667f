//! The coordinator: checks the request against its key, sends it, gathers commitments, sends
//! the signing package, gathers shares and aggregates.
//!
//! pcli's messages carry no ceremony id, so a FollowerRound1 saved from another ceremony looks
//! valid when it arrives. When the same signer's real reply comes after round 2 has started, the
//! package that holds the stale one can never complete: a fresh signing package goes out (with
//! fresh nonces of the coordinator's own, and only signers whose commitments are unused). The
//! earlier packages stay open, so whichever one all its signers complete is used.

use std::collections::{BTreeMap, BTreeSet};

use ed25519_consensus::VerificationKey;
use penumbra_sdk_transaction::AuthorizationData;
use rand_core::CryptoRngCore;
use zeroize::ZeroizeOnDrop;

use super::package::{build_package, choose_signers, Commitments, Package};
use super::{aggregate_one, name_of, stale_share_date, verify_share, SignTarget, SigningResult};
use crate::keys::{participant_fingerprint, GroupKey, KeyShare};
use crate::messages::{
    Codec, CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2, MessageKind,
};
use crate::refusal::Refusal;
use crate::request::SigningRequest;
use crate::suite::{identifier_for, Identifier, SignatureShare};

/// How many signing packages one ceremony may send out (each replaced reply makes one): a
/// relay replaying old replies cannot make the coordinator grow without bound.
pub const MAX_PACKAGES: usize = 8;

enum Phase {
    /// Round 1: gathering signers' commitments.
    Commitments(Commitments),
    /// Round 2: the packages sent (the newest last) and the latest commitments of everyone.
    Shares {
        commitments: Commitments,
        sent: Vec<Package>,
    },
    Done {
        result: SigningResult,
        signed_by: Vec<Identifier>,
    },
}

// No secret lives here: the coordinator's own nonces exist only while a package is built (and
// wipe themselves when dropped: frost derives `ZeroizeOnDrop` for `SigningNonces`).
impl ZeroizeOnDrop for Phase {}

/// A signing coordinator, with or without a share of its own. Its secrets (its share and its
/// nonces) are wiped when it is dropped.
#[derive(ZeroizeOnDrop)]
pub struct Coordinator {
    #[zeroize(skip)]
    group: GroupKey,
    own: Option<KeyShare>,
    #[zeroize(skip)]
    request: SigningRequest,
    #[zeroize(skip)]
    target: SignTarget,
    signers: usize,
    phase: Phase,
}

/// Refuses a request that `group` must not sign: a definition for another validator, a vote
/// by another governance key, anything the chain would refuse outright, and anything the
/// follower's review cannot show in full (or whose randomizers are unsafe): no follower signs
/// what its review refuses, so no coordinator asks.
pub(crate) fn check_request(group: &GroupKey, request: &SigningRequest) -> Result<(), Refusal> {
    match request {
        SigningRequest::ValidatorDefinition(v) if v.identity_key != group.identity_key() => {
            return Err(Refusal::WrongKey(format!(
                "the definition is for validator {}, but this key is {}",
                v.identity_key,
                group.identity_key()
            )));
        }
        SigningRequest::ValidatorVote(v) if v.governance_key != group.governance_key() => {
            return Err(Refusal::WrongKey(format!(
                "the vote is by governance key {}, but this key is {}",
                v.governance_key,
                group.governance_key()
            )));
        }
        _ => {}
    }
    match request {
        SigningRequest::ValidatorDefinition(v) => crate::definition::check_definition(v),
        SigningRequest::ValidatorVote(v) => crate::definition::check_vote(v),
        SigningRequest::Transaction(_) => Ok(()),
    }
    .map_err(|e| Refusal::BadRequest(e.to_string()))?;
    crate::review::check(request, group.fvk()).map_err(|e| Refusal::BadRequest(e.to_string()))
}

impl Coordinator {
    /// Starts a ceremony that waits for `signers` signers (default: the threshold), the
    /// coordinator included when it holds a share. With a share of its own the coordinator
    /// signs too; without one (public key data only) every signer is a follower.
    pub fn new(
        group: GroupKey,
        own: Option<KeyShare>,
        request: SigningRequest,
        signers: Option<usize>,
    ) -> Result<(Self, CoordinatorRound1), Refusal> {
        if let Some(share) = &own {
            if share.group() != &group {
                return Err(Refusal::WrongKey(
                    "the coordinator's share belongs to another group key".into(),
                ));
            }
        }
        check_request(&group, &request)?;
        let threshold = usize::from(group.threshold());
        let signers = signers.unwrap_or(threshold);
        if !(threshold..=group.participant_count()).contains(&signers) {
            return Err(Refusal::BadRequest(format!(
                "signers must be between the threshold {threshold} and the number of participants {}",
                group.participant_count()
            )));
        }
        let target = SignTarget {
            message: request
                .signed_bytes(group.fvk())
                .map_err(|e| Refusal::BadRequest(e.to_string()))?,
            randomizers: request.randomizers(),
        };
        let phase = match (&request, target.randomizers.len()) {
            // pcli answers a plan that needs no signature at once, without a ceremony.
            (SigningRequest::Transaction(_), 0) => Phase::Done {
                result: SigningResult::Transaction(AuthorizationData {
                    effect_hash: Some(target.effect_hash()?),
                    spend_auths: vec![],
                    delegator_vote_auths: vec![],
                    lqt_vote_auths: vec![],
                }),
                signed_by: vec![],
            },
            _ => Phase::Commitments(BTreeMap::new()),
        };
        let coordinator = Self {
            group,
            own,
            request: request.clone(),
            target,
            signers,
            phase,
        };
        Ok((coordinator, CoordinatorRound1 { request }))
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

    /// The coordinator's own participant fingerprint, when it holds a share.
    pub fn own_fingerprint(&self) -> Option<String> {
        self.own.as_ref().map(|s| s.fingerprint())
    }

    pub fn has_own_share(&self) -> bool {
        self.own.is_some()
    }

    /// How many signers the ceremony waits for in round 1 (the coordinator included).
    pub fn signer_target(&self) -> usize {
        self.signers
    }

    /// The result, once the ceremony is done.
    pub fn result(&self) -> Option<&SigningResult> {
        match &self.phase {
            Phase::Done { result, .. } => Some(result),
            _ => None,
        }
    }

    /// The newest round-2 message, once round 2 has started.
    pub fn round2(&self) -> Option<&CoordinatorRound2> {
        match &self.phase {
            Phase::Shares { sent, .. } => sent.last().map(|p| &p.round2),
            _ => None,
        }
    }

    /// How many signers (the coordinator included when it has a share) have committed, and
    /// how many the ceremony waits for.
    pub fn commitments_progress(&self) -> (usize, usize) {
        let have = match &self.phase {
            Phase::Commitments(received) => received.len() + usize::from(self.own.is_some()),
            Phase::Shares { sent, .. } => sent.last().map_or(0, |p| p.signers.len()),
            Phase::Done { .. } => self.signers,
        };
        (have, self.signers)
    }

    /// Whether enough signers have committed for round 2.
    pub fn ready_for_round2(&self) -> bool {
        matches!(self.phase, Phase::Commitments(_)) && self.commitments_progress().0 >= self.signers
    }

    /// How many chosen signers have sent their shares for the newest package, and how many
    /// were chosen.
    pub fn shares_progress(&self) -> (usize, usize) {
        match &self.phase {
            Phase::Shares { sent, .. } => sent
                .last()
                .map_or((0, 0), |p| (p.shares.len(), p.signers.len())),
            _ => (0, 0),
        }
    }

    /// The fingerprints of the participants heard from in the current round (the newest
    /// package's in round 2).
    pub fn heard_from(&self) -> Vec<String> {
        let ids: Vec<&Identifier> = match &self.phase {
            Phase::Commitments(received) => received.keys().collect(),
            Phase::Shares { sent, .. } => sent.last().map_or(vec![], |p| p.shares.keys().collect()),
            Phase::Done { .. } => vec![],
        };
        ids.into_iter().map(|id| name_of(&self.group, id)).collect()
    }

    /// The fingerprints of every signer whose shares went into the result.
    pub fn signed_by(&self) -> Vec<String> {
        match &self.phase {
            Phase::Done { signed_by, .. } => signed_by
                .iter()
                .map(|id| name_of(&self.group, id))
                .collect(),
            _ => vec![],
        }
    }

    fn check_sender(&self, kind: MessageKind, pk: &VerificationKey) -> Result<Identifier, Refusal> {
        let participant = participant_fingerprint(pk);
        if self
            .own
            .as_ref()
            .is_some_and(|s| &s.verification_key() == pk)
        {
            return Err(Refusal::OwnMessage { kind, participant });
        }
        if self.group.participant(pk).is_none() {
            return Err(Refusal::UnknownParticipant {
                kind,
                participant,
                why: "this key is not a participant of the signing key",
            });
        }
        Ok(identifier_for(pk))
    }

    fn check_count(
        &self,
        kind: MessageKind,
        pk: &VerificationKey,
        what: &'static str,
        got: usize,
    ) -> Result<(), Refusal> {
        let expected = self.target.randomizers.len();
        if got != expected {
            return Err(Refusal::WrongCount {
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

    /// Accepts a signer's round-1 commitments and returns the sender's fingerprint. In round 2
    /// a reply is kept as the signer's latest commitments: [`Coordinator::renew`] then says
    /// whether a new package must go out.
    pub fn accept_round1(&mut self, reply: FollowerRound1) -> Result<String, Refusal> {
        let kind = <FollowerRound1 as Codec>::KIND;
        let id = self.check_sender(kind, &reply.pk)?;
        self.check_count(kind, &reply.pk, "commitments", reply.body.len())?;
        let sender = reply.sender();
        let round1 = matches!(self.phase, Phase::Commitments(_));
        let received = match &mut self.phase {
            Phase::Commitments(received) => received,
            Phase::Shares { commitments, .. } => commitments,
            Phase::Done { .. } => {
                return Err(Refusal::OutOfOrder {
                    kind,
                    now: "the ceremony is over",
                })
            }
        };
        if received.get(&id).is_some_and(|(_, c)| c == &reply.body)
            || (round1 && received.contains_key(&id))
        {
            return Err(Refusal::Duplicate {
                kind,
                participant: sender,
            });
        }
        received.insert(id, (reply.pk, reply.body));
        Ok(sender)
    }

    /// In round 2, when no package sent can complete any more (a signer replaced its reply,
    /// or signed another package with the commitments this one holds), builds a new one from
    /// the signers whose latest commitments are unused, and returns it to be sent. None when
    /// no new package is needed, or when [`Coordinator::missing_signers`] more replies are
    /// needed first.
    pub fn renew(
        &mut self,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Option<CoordinatorRound2>, Refusal> {
        let Phase::Shares { commitments, sent } = &mut self.phase else {
            return Ok(None);
        };
        if sent.iter().any(|p| p.live(commitments, sent)) {
            return Ok(None);
        }
        let signers = choose_signers(self.own.as_ref(), commitments, sent, self.signers);
        if signers.len() < self.signers {
            return Ok(None);
        }
        if sent.len() >= MAX_PACKAGES {
            return Err(Refusal::OutOfOrder {
                kind: MessageKind::FollowerRound1,
                now: "too many replaced replies in this ceremony: start it again",
            });
        }
        let package = build_package(self.own.as_ref(), &self.target, commitments, signers, rng)?;
        let round2 = package.round2.clone();
        sent.push(package);
        Ok(Some(round2))
    }

    /// How many more signers' round-1 replies a new package needs (0 while a package sent
    /// can still complete).
    pub fn missing_signers(&self) -> usize {
        let Phase::Shares { commitments, sent } = &self.phase else {
            return 0;
        };
        if sent.iter().any(|p| p.live(commitments, sent)) {
            return 0;
        }
        let have = choose_signers(self.own.as_ref(), commitments, sent, self.signers).len();
        self.signers.saturating_sub(have)
    }

    /// Closes round 1 with every signer heard from, and returns the round-2 message.
    pub fn start_round2(
        &mut self,
        rng: &mut impl CryptoRngCore,
    ) -> Result<CoordinatorRound2, Refusal> {
        let everyone: Vec<VerificationKey> = match &self.phase {
            Phase::Commitments(received) => received.values().map(|(vk, _)| *vk).collect(),
            _ => vec![],
        };
        self.start_round2_with(&everyone, rng)
    }

    /// Closes round 1 with a chosen subset of the signers heard from (at least t; the
    /// coordinator's own share, if any, is always included).
    pub fn start_round2_with(
        &mut self,
        chosen: &[VerificationKey],
        rng: &mut impl CryptoRngCore,
    ) -> Result<CoordinatorRound2, Refusal> {
        let Phase::Commitments(received) = &self.phase else {
            return Err(Refusal::OutOfOrder {
                kind: MessageKind::CoordinatorRound2,
                now: "round 2 has already started",
            });
        };
        let mut signers: BTreeSet<Identifier> = chosen.iter().map(identifier_for).collect();
        if let Some(missing) = signers.iter().find(|id| !received.contains_key(id)) {
            return Err(Refusal::BadPackage {
                kind: MessageKind::CoordinatorRound2,
                problem: format!(
                    "participant {} was chosen but has not committed",
                    name_of(&self.group, missing)
                ),
            });
        }
        if let Some(share) = &self.own {
            signers.insert(share.identifier());
        }
        let need = usize::from(self.group.threshold());
        if signers.len() < need {
            return Err(Refusal::NotEnoughSigners {
                have: signers.len(),
                need,
            });
        }
        let package = build_package(self.own.as_ref(), &self.target, received, signers, rng)?;
        let round2 = package.round2.clone();
        self.phase = Phase::Shares {
            commitments: received.clone(),
            sent: vec![package],
        };
        Ok(round2)
    }

    /// Accepts a chosen signer's round-2 shares, checking each share on arrival so an invalid
    /// one is refused with the name of its sender. Returns the sender's fingerprint.
    pub fn accept_round2(&mut self, reply: FollowerRound2) -> Result<String, Refusal> {
        let kind = <FollowerRound2 as Codec>::KIND;
        let Phase::Shares { sent, .. } = &self.phase else {
            return Err(Refusal::OutOfOrder {
                kind,
                now: match self.phase {
                    Phase::Done { .. } => "the ceremony is over",
                    _ => "round 2 has not started",
                },
            });
        };
        let id = self.check_sender(kind, &reply.pk)?;
        let sender = reply.sender();
        if !sent.iter().any(|p| p.signers.contains(&id)) {
            return Err(Refusal::NotASigner {
                kind,
                participant: sender,
            });
        }
        self.check_count(kind, &reply.pk, "signature shares", reply.body.len())?;
        let open: Vec<usize> = (0..sent.len())
            .rev()
            .filter(|i| sent[*i].signers.contains(&id) && !sent[*i].shares.contains_key(&id))
            .collect();
        if open.is_empty() {
            return Err(Refusal::Duplicate {
                kind,
                participant: sender,
            });
        }
        let public = self.group.public_key_package();
        let invalid_at = |p: &Package| {
            reply
                .body
                .iter()
                .zip(&p.packages)
                .zip(&self.target.randomizers)
                .position(|((share, package), randomizer)| {
                    !verify_share(id, share, package, &public, *randomizer)
                })
        };
        let Some(at) = open
            .iter()
            .copied()
            .find(|i| invalid_at(&sent[*i]).is_none())
        else {
            let newest = &sent[open[0]];
            let index = invalid_at(newest).unwrap_or(0);
            // A share made with a key file from before a refresh verifies under the retired
            // verifying share: say so, rather than only "invalid".
            return Err(
                match stale_share_date(
                    &self.group,
                    id,
                    &reply.body[index],
                    &newest.packages[index],
                    self.target.randomizers[index],
                ) {
                    Some(date) => Refusal::StaleShare {
                        kind,
                        participant: sender,
                        date,
                    },
                    None => Refusal::InvalidShare {
                        kind,
                        participant: sender,
                        index,
                    },
                },
            );
        };
        if let Phase::Shares { sent, .. } = &mut self.phase {
            sent[at].shares.insert(id, reply.body);
        }
        Ok(sender)
    }

    /// True once every chosen signer of some package has sent its shares.
    pub fn ready_to_aggregate(&self) -> bool {
        matches!(&self.phase, Phase::Shares { sent, .. } if sent.iter().any(Package::complete))
    }

    /// Aggregates the shares into the final result and ends the ceremony.
    pub fn aggregate(&mut self) -> Result<SigningResult, Refusal> {
        if let Phase::Done { result, .. } = &self.phase {
            return Ok(result.clone());
        }
        let Phase::Shares { sent, .. } = &self.phase else {
            return Err(Refusal::OutOfOrder {
                kind: MessageKind::FollowerRound2,
                now: "round 2 has not started",
            });
        };
        let Some(package) = sent.iter().rev().find(|p| p.complete()) else {
            let newest = sent.last().expect("round 2 has a package");
            return Err(Refusal::NotEnoughSigners {
                have: newest.shares.len(),
                need: newest.signers.len(),
            });
        };
        let public = self.group.public_key_package();
        let mut signatures = Vec::with_capacity(package.packages.len());
        for (k, (signing_package, randomizer)) in package
            .packages
            .iter()
            .zip(&self.target.randomizers)
            .enumerate()
        {
            let share_map: BTreeMap<Identifier, SignatureShare> =
                package.shares.iter().map(|(id, s)| (*id, s[k])).collect();
            signatures.push(aggregate_one(
                signing_package,
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
        self.phase = Phase::Done {
            result: result.clone(),
            signed_by: package.signers.iter().copied().collect(),
        };
        Ok(result)
    }
}

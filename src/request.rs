//! What a signing ceremony signs: a transaction plan, a validator definition or a validator vote.

use decaf377::Fr;
use penumbra_sdk_governance::ValidatorVoteBody;
use penumbra_sdk_keys::FullViewingKey;
use penumbra_sdk_proto::core::component::{governance::v1 as governance_pb, stake::v1 as stake_pb};
use penumbra_sdk_proto::Message;
use penumbra_sdk_stake::validator::Validator;
use penumbra_sdk_transaction::TransactionPlan;

/// A request to sign, as carried in `CoordinatorRound1`.
#[derive(Clone, Debug)]
pub enum SigningRequest {
    Transaction(TransactionPlan),
    ValidatorDefinition(Validator),
    ValidatorVote(ValidatorVoteBody),
}

/// Which of the three kinds a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    Transaction,
    ValidatorDefinition,
    ValidatorVote,
}

impl std::fmt::Display for RequestKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RequestKind::Transaction => "transaction",
            RequestKind::ValidatorDefinition => "validator definition",
            RequestKind::ValidatorVote => "validator vote",
        })
    }
}

impl SigningRequest {
    pub fn kind(&self) -> RequestKind {
        match self {
            SigningRequest::Transaction(_) => RequestKind::Transaction,
            SigningRequest::ValidatorDefinition(_) => RequestKind::ValidatorDefinition,
            SigningRequest::ValidatorVote(_) => RequestKind::ValidatorVote,
        }
    }

    /// The randomizer of each signature, in the order pcli orders them: spends, delegator votes,
    /// liquidity tournament votes. Definitions and votes have one unrandomized signature.
    pub fn randomizers(&self) -> Vec<Option<Fr>> {
        match self {
            SigningRequest::Transaction(plan) => plan
                .spend_plans()
                .map(|p| p.randomizer)
                .chain(plan.delegator_vote_plans().map(|p| p.randomizer))
                .chain(plan.lqt_vote_plans().map(|p| p.randomizer))
                .map(Some)
                .collect(),
            SigningRequest::ValidatorDefinition(_) | SigningRequest::ValidatorVote(_) => {
                vec![None]
            }
        }
    }

    pub fn required_signatures(&self) -> usize {
        self.randomizers().len()
    }

    /// The bytes every signature of this request signs: the effect hash of a transaction (which
    /// depends on the FVK), or the proto encoding of a definition or vote body.
    pub fn signed_bytes(&self, fvk: &FullViewingKey) -> anyhow::Result<Vec<u8>> {
        Ok(match self {
            // The plan's fields were checked when it was decoded; should Penumbra still panic
            // on one, this request is refused rather than the program ended.
            SigningRequest::Transaction(plan) => crate::contain::contain(|| plan.effect_hash(fvk))
                .map_err(|caught| anyhow::anyhow!("computing the effect hash: {caught}"))??
                .as_bytes()
                .to_vec(),
            SigningRequest::ValidatorDefinition(v) => {
                stake_pb::Validator::from(v.clone()).encode_to_vec()
            }
            SigningRequest::ValidatorVote(v) => {
                governance_pb::ValidatorVoteBody::from(v.clone()).encode_to_vec()
            }
        })
    }
}

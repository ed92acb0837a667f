//! A ceremony's result in the forms people and pcli take.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;

use crate::messages::to_json;
use crate::request::SigningRequest;
use crate::signing::SigningResult;

/// The signature as pcli's `definition sign` and `vote sign` print it: URL-safe base64 (with
/// padding) of the proto-encoded `SpendAuthSignature`.
pub fn pcli_signature(sig: &decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth>) -> String {
    URL_SAFE.encode(penumbra_sdk_proto::DomainType::encode_to_vec(sig))
}

/// A finished signing ceremony's result, as people and pcli take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOutput {
    pub headline: String,
    /// Exactly what pcli takes: the signature, or the AuthorizationData JSON.
    pub text: String,
    /// What to do with it, in words.
    pub instructions: Vec<String>,
    /// The pcli command that uses the signature, on one line, when there is one.
    pub command: Option<String>,
}

impl SignedOutput {
    /// The result of a finished signing ceremony, in pcli's forms.
    pub fn of(
        result: &SigningResult,
        request: &SigningRequest,
        definition_file: Option<&str>,
    ) -> Self {
        match (result, request) {
            (SigningResult::ValidatorDefinition(sig), SigningRequest::ValidatorDefinition(v)) => {
                let text = pcli_signature(sig);
                SignedOutput {
                    headline: format!(
                        "Signed validator definition #{} for {}",
                        v.sequence_number, v.identity_key
                    ),
                    instructions: vec![
                        "To upload the definition, use this command with the exact same definition file:".into(),
                    ],
                    command: Some(format!(
                        "pcli validator definition upload --file {:?} --signature {text}",
                        definition_file.unwrap_or("VALIDATOR.toml")
                    )),
                    text,
                }
            }
            (SigningResult::ValidatorVote(sig), SigningRequest::ValidatorVote(v)) => {
                let text = pcli_signature(sig);
                SignedOutput {
                    headline: format!(
                        "Signed validator vote {} on proposal #{} by {}",
                        v.vote, v.proposal, v.identity_key
                    ),
                    instructions: vec!["To cast the vote, use this command:".into()],
                    command: Some(format!(
                        "pcli validator vote cast {} --on {} --reason {:?} --signature {text}",
                        v.vote, v.proposal, v.reason.0
                    )),
                    text,
                }
            }
            (SigningResult::Transaction(auth), _) => SignedOutput {
                headline: format!(
                    "Authorized the transaction: {} spend, {} delegator vote and {} liquidity tournament vote signatures",
                    auth.spend_auths.len(),
                    auth.delegator_vote_auths.len(),
                    auth.lqt_vote_auths.len()
                ),
                text: to_json(&penumbra_sdk_proto::core::transaction::v1::AuthorizationData::from(
                    auth.clone(),
                )),
                instructions: vec![
                    "The AuthorizationData (proto JSON) authorizes the transaction plan.".into(),
                ],
                command: None,
            },
            _ => SignedOutput {
                headline: "The result does not match the request".into(),
                text: String::new(),
                instructions: vec![],
                command: None,
            },
        }
    }
}

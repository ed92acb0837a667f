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

/// (headline, the text pcli takes, instructions) for a finished signing ceremony.
pub fn signing_outcome(
    result: &SigningResult,
    request: &SigningRequest,
    definition_file: Option<&str>,
) -> (String, String, Vec<String>) {
    match (result, request) {
        (SigningResult::ValidatorDefinition(sig), SigningRequest::ValidatorDefinition(v)) => {
            let text = pcli_signature(sig);
            (
                format!(
                    "Signed validator definition #{} for {}",
                    v.sequence_number, v.identity_key
                ),
                text.clone(),
                vec![
                    "To upload the definition, use the below command with the exact same definition file:".into(),
                    String::new(),
                    format!(
                        "  $ pcli validator definition upload --file {:?} \\",
                        definition_file.unwrap_or("VALIDATOR.toml")
                    ),
                    format!("      --signature {text}"),
                ],
            )
        }
        (SigningResult::ValidatorVote(sig), SigningRequest::ValidatorVote(v)) => {
            let text = pcli_signature(sig);
            (
                format!(
                    "Signed validator vote {} on proposal #{} by {}",
                    v.vote, v.proposal, v.identity_key
                ),
                text.clone(),
                vec![
                    "To cast the vote, use the below command:".into(),
                    String::new(),
                    format!(
                        "  $ pcli validator vote cast {} --on {} --reason {:?} \\",
                        v.vote, v.proposal, v.reason.0
                    ),
                    format!("      --signature {text}"),
                ],
            )
        }
        (SigningResult::Transaction(auth), _) => (
            format!(
                "Authorized the transaction: {} spend, {} delegator vote and {} liquidity tournament vote signatures",
                auth.spend_auths.len(),
                auth.delegator_vote_auths.len(),
                auth.lqt_vote_auths.len()
            ),
            to_json(&penumbra_sdk_proto::core::transaction::v1::AuthorizationData::from(
                auth.clone(),
            )),
            vec!["The AuthorizationData (proto JSON) authorizes the transaction plan.".into()],
        ),
        _ => (
            "The result does not match the request".into(),
            String::new(),
            vec![],
        ),
    }
}

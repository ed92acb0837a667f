//! Validator definitions and validator votes in words.

use penumbra_sdk_governance::ValidatorVoteBody;
use penumbra_sdk_keys::FullViewingKey;
use penumbra_sdk_stake::validator::Validator;
use penumbra_sdk_stake::FundingStream;

use super::words::{yes_no, Reviewer};

/// A validator definition, line by line; `fvk` marks the funding streams' addresses.
pub fn describe_definition(v: &Validator, fvk: &FullViewingKey) -> Vec<String> {
    definition_lines(v, &Reviewer::new(fvk, []))
}

fn percent(bps: u64) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

pub(crate) fn definition_lines(v: &Validator, r: &Reviewer) -> Vec<String> {
    let total: u64 = v
        .funding_streams
        .iter()
        .map(|s| u64::from(s.rate_bps()))
        .sum();
    let mut lines = vec![
        format!("Validator definition #{}", v.sequence_number),
        format!("  Name:            {:?}", v.name),
        format!("  Website:         {:?}", v.website),
        format!("  Description:     {:?}", v.description),
        format!(
            "  Enabled:         {} ({})",
            yes_no(v.enabled),
            if v.enabled {
                "accepts delegations"
            } else {
                "disabled: cannot be delegated to"
            }
        ),
        format!("  Sequence number: {}", v.sequence_number),
        format!("  Identity key:    {}", v.identity_key),
        format!("  Governance key:  {}", v.governance_key),
        format!(
            "  Consensus key:   {} (ed25519, as in the TOML)",
            base64::engine::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                v.consensus_key.to_bytes()
            )
        ),
        format!(
            "  Funding streams: {} (commission {} bps = {})",
            v.funding_streams.len(),
            total,
            percent(total)
        ),
    ];
    for (i, stream) in v.funding_streams.iter().enumerate() {
        let bps = u64::from(stream.rate_bps());
        let share = format!("    {}. {bps} bps ({})", i + 1, percent(bps));
        match stream {
            FundingStream::ToAddress { address, .. } => {
                let mut to = r.recipient_lines(6, "to", address);
                to[0] = format!("{share} {}", to[0].trim_start());
                lines.extend(to);
            }
            FundingStream::ToCommunityPool { .. } => {
                lines.push(format!("{share} to the community pool"));
            }
        }
    }
    lines
}

pub fn describe_vote(v: &ValidatorVoteBody) -> Vec<String> {
    vec![
        format!(
            "Validator vote: {} on proposal #{}",
            v.vote.to_string().to_uppercase(),
            v.proposal
        ),
        format!("  Proposal:       #{}", v.proposal),
        format!("  Vote:           {}", v.vote),
        format!("  Reason:         {:?}", v.reason.0),
        format!("  Validator:      {}", v.identity_key),
        format!("  Governance key: {}", v.governance_key),
    ]
}

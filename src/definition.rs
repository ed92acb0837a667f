//! Validator definitions and votes: reading pcli's definition TOML, writing a template, building
//! vote bodies, and the chain's stateless rules, checked before anything is signed.

use penumbra_sdk_governance::{ValidatorVoteBody, ValidatorVoteReason, Vote};
use penumbra_sdk_stake::validator::{FundingStreamToml, Validator, ValidatorToml};
use penumbra_sdk_stake::{FundingStream, FundingStreams, GovernanceKey, IdentityKey};
use rand_core::CryptoRngCore;

use crate::keys::GroupKey;

/// The chain's limit on a vote's reason, in bytes.
pub const MAX_VOTE_REASON_BYTES: usize = 1024;

/// Refuses a consensus key whose base64 tendermint's decoder (subtle-encoding) would choke on:
/// it panics on some malformed input, so the text must be canonical base64 of an ed25519 key
/// before it gets there.
fn check_consensus_key(text: &str) -> anyhow::Result<()> {
    use base64::Engine;
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("validator definition TOML: {}", e.message()))?;
    let Some(key) = table.get("consensus_key") else {
        return Ok(());
    };
    let value = key.get("value").and_then(|v| v.as_str()).ok_or_else(|| {
        anyhow::anyhow!("validator definition TOML: consensus_key.value: missing")
    })?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| {
            anyhow::anyhow!("validator definition TOML: consensus_key.value: not base64")
        })?;
    anyhow::ensure!(
        bytes.len() == 32,
        "validator definition TOML: consensus_key.value: {} bytes, an ed25519 key has 32",
        bytes.len()
    );
    Ok(())
}

/// Parses the TOML that `pcli validator definition template` writes (and people then edit).
pub fn parse_definition_toml(text: &str) -> anyhow::Result<Validator> {
    check_consensus_key(text)?;
    let toml: ValidatorToml = crate::contain::contain(|| toml::from_str(text))
        .map_err(|caught| anyhow::anyhow!("validator definition TOML: {caught}"))?
        .map_err(|e: toml::de::Error| {
            anyhow::anyhow!("validator definition TOML: {}", e.message())
        })?;
    // Penumbra adds the rates as u16, which overflows (a panic in a debug build, a wrapped total
    // in a release build): refuse a total over 100% before it does.
    let total: u64 = toml
        .funding_streams
        .iter()
        .map(|s| match s {
            FundingStreamToml::Address { rate_bps, .. }
            | FundingStreamToml::CommunityPool { rate_bps, .. } => u64::from(*rate_bps),
        })
        .sum();
    if total > 10_000 {
        anyhow::bail!(
            "validator definition: funding streams total {total} bps, more than 10000 bps (100%)"
        );
    }
    let validator =
        Validator::try_from(toml).map_err(|e| anyhow::anyhow!("validator definition TOML: {e}"))?;
    check_definition(&validator)?;
    Ok(validator)
}

/// The chain's stateless rules for a definition (penumbra-sdk-stake's `check_stateless`), so a
/// ceremony never produces a signature the chain would refuse anyway.
pub fn check_definition(v: &Validator) -> anyhow::Result<()> {
    let limits = [
        ("name", v.name.len(), 140),
        ("website", v.website.len(), 70),
        ("description", v.description.len(), 280),
    ];
    for (field, len, max) in limits {
        if len > max {
            anyhow::bail!(
                "validator definition: {field} is {len} bytes, the chain allows at most {max}"
            );
        }
    }
    let streams = v.funding_streams.len();
    if streams > 8 {
        anyhow::bail!(
            "validator definition: {streams} funding streams, the chain allows at most 8"
        );
    }
    let total_bps: u64 = v
        .funding_streams
        .iter()
        .map(|s| u64::from(s.rate_bps()))
        .sum();
    if total_bps > 10_000 {
        anyhow::bail!(
            "validator definition: funding streams total {total_bps} bps, more than 10000 bps (100%)"
        );
    }
    if v.sequence_number == u32::MAX && v.enabled {
        anyhow::bail!(
            "validator definition: sequence number {} (the last one) must have enabled = false",
            u32::MAX
        );
    }
    Ok(())
}

/// The chain's stateless rules for a vote body.
pub fn check_vote(v: &ValidatorVoteBody) -> anyhow::Result<()> {
    let len = v.reason.0.len();
    if len > MAX_VOTE_REASON_BYTES {
        anyhow::bail!(
            "validator vote: reason is {len} bytes, the chain allows at most {MAX_VOTE_REASON_BYTES}"
        );
    }
    Ok(())
}

/// A vote body as `pcli validator vote sign` builds it. The identity key defaults to the voting
/// key's own (a validator whose identity and governance keys are one threshold key).
pub fn vote_body(
    governance: &GroupKey,
    identity_key: Option<IdentityKey>,
    proposal: u64,
    vote: Vote,
    reason: &str,
) -> anyhow::Result<ValidatorVoteBody> {
    let body = ValidatorVoteBody {
        proposal,
        vote,
        identity_key: identity_key.unwrap_or_else(|| governance.identity_key()),
        governance_key: governance.governance_key(),
        reason: ValidatorVoteReason(reason.to_string()),
    };
    check_vote(&body)?;
    Ok(body)
}

/// A definition template for a threshold key, laid out as `pcli validator definition template`
/// writes it: identity key from this key, governance key from `governance` (or this key), a
/// random consensus key to replace, and pcli's two default funding streams.
pub fn definition_template(
    rng: &mut impl CryptoRngCore,
    identity: &GroupKey,
    governance: Option<GovernanceKey>,
) -> anyhow::Result<String> {
    let consensus = ed25519_consensus::SigningKey::new(&mut *rng);
    let consensus_key =
        tendermint::PublicKey::from_raw_ed25519(consensus.verification_key().as_bytes())
            .ok_or_else(|| anyhow::anyhow!("could not build a consensus key"))?;
    let address = identity.fvk().payment_address(0u32.into()).0;
    let validator = Validator {
        identity_key: identity.identity_key(),
        governance_key: governance.unwrap_or_else(|| identity.governance_key()),
        consensus_key,
        name: String::new(),
        website: String::new(),
        description: String::new(),
        enabled: false,
        funding_streams: FundingStreams::try_from(vec![
            FundingStream::ToAddress {
                address,
                rate_bps: 100,
            },
            FundingStream::ToCommunityPool { rate_bps: 100 },
        ])?,
        sequence_number: 0,
    };
    let body = toml::to_string_pretty(&ValidatorToml::from(validator))?;
    Ok(format!(
        "# This is a template for a validator definition.
#
# The identity_key and governance_key fields are auto-filled with values derived
# from the threshold key.
#
# The consensus_key field is random, and needs to be replaced with your
# tendermint instance's public key, which can be found in `priv_validator_key.json`.
#
# You should fill in the name, website, and description fields.
#
# By default, validators are disabled, and cannot be delegated to. To change
# this, set `enabled = true`.
#
# Every time you upload a new validator config, you'll need to increment the
# `sequence_number`.

{body}"
    ))
}

/// Parses `yes`, `no` or `abstain` as pcli does.
pub fn parse_vote(text: &str) -> anyhow::Result<Vote> {
    text.parse::<Vote>()
        .map_err(|_| anyhow::anyhow!("vote must be yes, no or abstain, not {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// subtle-encoding's base64 decoder underflows (a panic in debug builds) when the last
    /// block starts with padding; a definition file must be refused, not crash the program.
    #[test]
    fn malformed_consensus_keys_are_refused_not_panicked_on() {
        let shares = crate::keys::deal(&mut rand_core::OsRng, 2, 2).unwrap();
        let template = definition_template(&mut rand_core::OsRng, shares[0].group(), None).unwrap();
        let value = template
            .lines()
            .find_map(|l| l.strip_prefix("value = \""))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap()
            .to_string();
        for bad in [
            format!("{value}="),
            "AAAA=".into(),
            "A".into(),
            "".into(),
            "AAAA".into(),
        ] {
            let text = template.replace(&value, &bad);
            let err = parse_definition_toml(&text).unwrap_err().to_string();
            assert!(err.contains("consensus_key.value"), "{bad:?}: {err}");
        }
        assert!(parse_definition_toml(&template).is_ok());
    }
}

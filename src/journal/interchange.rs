//! The journal interchange file, modelled on EIP-3076's slashing protection interchange:
//! integers as strings, one entry per key, a digest ("signing_root") per signed payload.

use serde::{Deserialize, Serialize};

use super::{Journal, SignedDefinition, SignedVote};

pub const INTERCHANGE_VERSION: &str = "hoarfrost-1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interchange {
    pub metadata: Metadata,
    pub data: Vec<KeyRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub interchange_format_version: String,
    pub chain: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub key: String,
    #[serde(default)]
    pub signed_definitions: Vec<DefinitionRecord>,
    #[serde(default)]
    pub signed_votes: Vec<VoteRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_watermark: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionRecord {
    pub sequence_number: String,
    pub signing_root: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    pub proposal: String,
    pub signing_root: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
}

pub fn export(journal: &Journal) -> Interchange {
    Interchange {
        metadata: Metadata {
            interchange_format_version: INTERCHANGE_VERSION.into(),
            chain: "penumbra".into(),
        },
        data: vec![KeyRecord {
            key: journal.key.clone(),
            signed_definitions: journal
                .definitions
                .iter()
                .map(|d| DefinitionRecord {
                    sequence_number: d.sequence_number.to_string(),
                    signing_root: d.digest.clone(),
                    signed_at: Some(d.signed_at.clone()),
                })
                .collect(),
            signed_votes: journal
                .votes
                .iter()
                .map(|v| VoteRecord {
                    proposal: v.proposal.to_string(),
                    signing_root: v.digest.clone(),
                    vote: Some(v.vote.clone()),
                    signed_at: Some(v.signed_at.clone()),
                })
                .collect(),
            definition_watermark: journal.definition_watermark.map(|w| w.to_string()),
        }],
    }
}

fn number<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what}: {text:?} is not a number"))
}

fn root(what: &str, text: &str) -> Result<String, String> {
    let text = text.trim().trim_start_matches("0x").to_ascii_lowercase();
    match hex::decode(&text) {
        Ok(b) if b.len() == 32 => Ok(text),
        _ => Err(format!("{what}: signing_root must be 32 bytes of hex")),
    }
}

const UNKNOWN_TIME: &str = "an unknown time (imported)";

/// One record of the file as a journal of `template`'s key.
fn record_journal(template: &Journal, record: &KeyRecord) -> Result<Journal, String> {
    let mut journal = Journal {
        definitions: vec![],
        votes: vec![],
        definition_watermark: None,
        ..template.clone()
    };
    for d in &record.signed_definitions {
        journal.definitions.push(SignedDefinition {
            sequence_number: number("sequence_number", &d.sequence_number)?,
            digest: root("signed definition", &d.signing_root)?,
            signed_at: d.signed_at.clone().unwrap_or_else(|| UNKNOWN_TIME.into()),
        });
    }
    for v in &record.signed_votes {
        journal.votes.push(SignedVote {
            proposal: number("proposal", &v.proposal)?,
            vote: v.vote.clone().unwrap_or_else(|| "unknown".into()),
            digest: root("signed vote", &v.signing_root)?,
            signed_at: v.signed_at.clone().unwrap_or_else(|| UNKNOWN_TIME.into()),
        });
    }
    if let Some(w) = &record.definition_watermark {
        journal.definition_watermark = Some(number("definition_watermark", w)?);
    }
    Ok(journal)
}

/// Merges an interchange file into a journal (see [`Journal::merge`]): the union of everything
/// signed, and the higher watermark; conflicting entries are kept and reported.
pub fn import(journal: &Journal, file: &Interchange) -> Result<(Journal, Vec<String>), String> {
    if file.metadata.interchange_format_version != INTERCHANGE_VERSION {
        return Err(format!(
            "interchange version {:?} is not {INTERCHANGE_VERSION:?}",
            file.metadata.interchange_format_version
        ));
    }
    let records: Vec<Journal> = file
        .data
        .iter()
        .filter(|r| r.key == journal.key)
        .map(|r| record_journal(journal, r))
        .collect::<Result<_, _>>()?;
    if records.is_empty() {
        return Err(format!("the file holds no records for key {}", journal.key));
    }
    let mut merged = journal.clone();
    let mut conflicts = Vec::new();
    for record in &records {
        let (next, found) = merged.merge(record, "the file");
        merged = next;
        conflicts.extend(found);
    }
    Ok((merged, conflicts))
}

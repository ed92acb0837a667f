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

/// One key's entries. Both lists must be there, if empty, as EIP-3076 requires: a file that
/// lacks one is not read as "nothing signed", which would let the journal forget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub key: String,
    pub signed_definitions: Vec<DefinitionRecord>,
    pub signed_votes: Vec<VoteRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_watermark: Option<String>,
}

/// A signed definition: its sequence number, then what every entry records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionRecord {
    pub sequence_number: String,
    #[serde(flatten)]
    pub signed: SignedRecord,
}

/// A signed vote: its proposal and (in files hoarfrost writes) the vote, then what every entry
/// records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    pub proposal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<String>,
    #[serde(flatten)]
    pub signed: SignedRecord,
}

/// What every entry records: the digest of what was signed and (optionally) when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRecord {
    pub signing_root: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
}

impl SignedRecord {
    fn of(digest: &str, signed_at: &str) -> Self {
        Self {
            signing_root: digest.to_owned(),
            signed_at: Some(signed_at.to_owned()),
        }
    }

    /// The digest (32 bytes of hex, in the journal's lower case) and when it was signed, as the
    /// journal writes it; `what` names the entry in an error.
    fn read(&self, what: &str) -> Result<(String, String), String> {
        let text = self.signing_root.trim().trim_start_matches("0x");
        let digest = text.to_ascii_lowercase();
        match hex::decode(&digest) {
            Ok(b) if b.len() == 32 => {}
            _ => return Err(format!("{what}: signing_root must be 32 bytes of hex")),
        }
        let signed_at = self
            .signed_at
            .clone()
            .unwrap_or_else(|| "an unknown time (imported)".into());
        Ok((digest, signed_at))
    }
}

impl DefinitionRecord {
    fn of(d: &SignedDefinition) -> Self {
        Self {
            sequence_number: d.sequence_number.to_string(),
            signed: SignedRecord::of(&d.digest, &d.signed_at),
        }
    }

    fn read(&self) -> Result<SignedDefinition, String> {
        let (digest, signed_at) = self.signed.read("signed definition")?;
        Ok(SignedDefinition {
            sequence_number: number("sequence_number", &self.sequence_number)?,
            digest,
            signed_at,
        })
    }
}

impl VoteRecord {
    fn of(v: &SignedVote) -> Self {
        Self {
            proposal: v.proposal.to_string(),
            vote: Some(v.vote.clone()),
            signed: SignedRecord::of(&v.digest, &v.signed_at),
        }
    }

    fn read(&self) -> Result<SignedVote, String> {
        let (digest, signed_at) = self.signed.read("signed vote")?;
        Ok(SignedVote {
            proposal: number("proposal", &self.proposal)?,
            vote: self.vote.clone().unwrap_or_else(|| "unknown".into()),
            digest,
            signed_at,
        })
    }
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
                .map(DefinitionRecord::of)
                .collect(),
            signed_votes: journal.votes.iter().map(VoteRecord::of).collect(),
            definition_watermark: journal.definition_watermark.map(|w| w.to_string()),
        }],
    }
}

fn number<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what}: {text:?} is not a number"))
}

/// One record of the file as a journal of `template`'s key.
fn record_journal(template: &Journal, record: &KeyRecord) -> Result<Journal, String> {
    let watermark = record.definition_watermark.as_deref();
    Ok(Journal {
        definitions: record
            .signed_definitions
            .iter()
            .map(DefinitionRecord::read)
            .collect::<Result<_, _>>()?,
        votes: record
            .signed_votes
            .iter()
            .map(VoteRecord::read)
            .collect::<Result<_, _>>()?,
        definition_watermark: watermark
            .map(|w| number("definition_watermark", w))
            .transpose()?,
        ..template.clone()
    })
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

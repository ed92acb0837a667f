//! A form's values checked all at once: either the ceremony they ask for, typed, or an error
//! for every field that is wrong.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::fields::{FieldId, FormKind, KeyPick, Values, VOTES};
use super::members::{problems, Roster};
use crate::spec::{parse_identity, parse_vote, KeyChoice, RequestSpec, Spec};
use crate::tui::screens::Ctx;

/// What a valid form asks for.
pub struct FormOutput {
    pub spec: Spec,
    /// The passphrase that seals a new key, or that opens the chosen one.
    pub passphrase: Option<Zeroizing<String>>,
}

pub type FieldErrors = Vec<(FieldId, String)>;

/// Checks every visible field of a `kind` form at once; `roster` is the chosen key's members
/// (for a refresh or a repair).
pub fn validate(
    kind: FormKind,
    fields: &[FieldId],
    values: &Values,
    ctx: &Ctx,
    roster: &Result<Roster, String>,
) -> Result<FormOutput, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let text = |id: FieldId| values.text(id).trim().to_string();
    let mut number = |id: FieldId, required: bool| -> Option<u64> {
        let t = text(id);
        if t.is_empty() {
            if required {
                errors.push((id, "required".into()));
            }
            return None;
        }
        match t.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push((id, format!("{t:?} is not a number")));
                None
            }
        }
    };
    let threshold = fields
        .contains(&FieldId::Threshold)
        .then(|| number(FieldId::Threshold, true))
        .flatten();
    let participants = fields
        .contains(&FieldId::Participants)
        .then(|| number(FieldId::Participants, true))
        .flatten();
    let proposal = fields
        .contains(&FieldId::Proposal)
        .then(|| number(FieldId::Proposal, true))
        .flatten();
    let signers = number(FieldId::Signers, false);
    let mut small = |id: FieldId, n: Option<u64>| -> Option<u16> {
        let n = n?;
        match u16::try_from(n) {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push((id, format!("{n} is too large")));
                None
            }
        }
    };
    let threshold = small(FieldId::Threshold, threshold);
    let participants = small(FieldId::Participants, participants);
    let signers = small(FieldId::Signers, signers);
    if let (Some(t), Some(n)) = (threshold, participants) {
        if n < 2 {
            errors.push((FieldId::Participants, "at least 2".into()));
        } else if t < 2 || t > n {
            errors.push((FieldId::Threshold, format!("between 2 and n = {n}")));
        }
    }
    if signers == Some(0) {
        errors.push((FieldId::Signers, "at least 1 (or blank)".into()));
    }
    let passphrase = Zeroizing::new(values.text(FieldId::Passphrase).to_string());
    if kind.makes_keys() && values.encrypt {
        if passphrase.is_empty() {
            errors.push((
                FieldId::Passphrase,
                "required to encrypt the share (or set Encrypt to no)".into(),
            ));
        } else if values.text(FieldId::Repeat) != passphrase.as_str() {
            errors.push((FieldId::Repeat, "the passphrases differ".into()));
        }
    }
    let choice = if fields.contains(&FieldId::Key) {
        key_choice(kind, values, ctx, &passphrase, &mut errors)
    } else {
        KeyChoice::Auto
    };
    let spec = match kind {
        FormKind::Dkg => {
            let name = text(FieldId::Name);
            new_name(&name, ctx, &mut errors);
            Spec::Dkg {
                threshold: threshold.unwrap_or_default(),
                participants: participants.unwrap_or_default(),
                name,
            }
        }
        FormKind::Deal => Spec::Deal {
            threshold: threshold.unwrap_or_default(),
            participants: participants.unwrap_or_default(),
            folder: required_path(values, FieldId::Folder, &mut errors),
        },
        FormKind::Follow => Spec::Follow { key: choice },
        FormKind::Definition => Spec::Sign {
            key: choice,
            signers,
            request: RequestSpec::Definition {
                file: required_path(values, FieldId::DefinitionFile, &mut errors),
            },
        },
        FormKind::Transaction => Spec::Sign {
            key: choice,
            signers,
            request: RequestSpec::Transaction {
                plan: required_path(values, FieldId::PlanFile, &mut errors),
            },
        },
        FormKind::Check => Spec::Sign {
            key: choice,
            signers,
            request: RequestSpec::Check,
        },
        FormKind::Refresh | FormKind::Help => {
            let members = if fields.contains(&FieldId::Members) {
                let own = match kind {
                    FormKind::Refresh => "another member must start a refresh that removes you",
                    _ => "the member who starts a repair helps",
                };
                // Members not listed yet (a key file still being read) are checked when the
                // ceremony starts, as line mode checks them.
                if let Ok(roster) = roster {
                    for problem in problems(values, roster, own) {
                        errors.push((FieldId::Members, problem));
                    }
                }
                values.members.clone()
            } else {
                vec![]
            };
            let group = Some(text(FieldId::GroupFile))
                .filter(|g| !g.is_empty())
                .map(PathBuf::from);
            if kind == FormKind::Refresh {
                Spec::Refresh {
                    key: choice,
                    start: values.starts,
                    remove: members,
                    group,
                }
            } else {
                Spec::Help {
                    key: choice,
                    start: values.starts,
                    without: members,
                    group,
                }
            }
        }
        FormKind::Admit => Spec::Admit {
            key: choice,
            group: Some(text(FieldId::GroupFile))
                .filter(|g| !g.is_empty())
                .map(PathBuf::from),
        },
        FormKind::Newcomer => {
            let name = text(FieldId::Name);
            new_name(&name, ctx, &mut errors);
            Spec::Newcomer {
                group: required_path(values, FieldId::GroupFile, &mut errors),
                name,
            }
        }
        FormKind::Vote => {
            let vote = parse_vote(VOTES[values.vote % VOTES.len()]).expect("listed votes parse");
            let reason = values.text(FieldId::Reason).to_string();
            if reason.len() > crate::definition::MAX_VOTE_REASON_BYTES {
                errors.push((
                    FieldId::Reason,
                    format!(
                        "{} bytes: at most {}",
                        reason.len(),
                        crate::definition::MAX_VOTE_REASON_BYTES
                    ),
                ));
            }
            let validator = match text(FieldId::Validator).as_str() {
                "" => None,
                t => match parse_identity(t) {
                    Ok(id) => Some(id),
                    Err(e) => {
                        errors.push((FieldId::Validator, e));
                        None
                    }
                },
            };
            Spec::Sign {
                key: choice,
                signers,
                request: RequestSpec::Vote {
                    proposal: proposal.unwrap_or_default(),
                    vote,
                    reason,
                    validator,
                },
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let passphrase = if kind.makes_keys() && !values.encrypt {
        None
    } else {
        Some(passphrase).filter(|p| !p.is_empty())
    };
    Ok(FormOutput { spec, passphrase })
}

/// A new key's name: valid, and not taken in the store.
fn new_name(name: &str, ctx: &Ctx, errors: &mut FieldErrors) {
    if let Err(e) = crate::store::check_name(name) {
        errors.push((FieldId::Name, e.to_string()));
    } else if ctx.key(name).is_some() || ctx.broken.iter().any(|(n, _)| n == name) {
        errors.push((
            FieldId::Name,
            format!(
                "a key named {name:?} already exists in {}",
                ctx.store_label()
            ),
        ));
    }
}

fn required_path(values: &Values, id: FieldId, errors: &mut FieldErrors) -> PathBuf {
    let text = values.text(id).trim();
    if text.is_empty() {
        errors.push((id, "required".into()));
    }
    PathBuf::from(text)
}

/// Whether the automatic key choice can find the key before the ceremony starts: it can when
/// the request names it (a definition's identity key, the key a follower's request needs),
/// and otherwise only when the store holds one key (or, for a vote, one named "governance").
fn auto_finds_key(kind: FormKind, ctx: &Ctx) -> bool {
    match kind {
        FormKind::Follow | FormKind::Definition | FormKind::Transaction => true,
        FormKind::Vote => ctx.keys.len() <= 1 || ctx.key("governance").is_some(),
        _ => ctx.keys.len() <= 1,
    }
}

/// The Key field: a stored key that exists (with a share, to follow), a key file, or the
/// automatic choice when the store can make it.
fn key_choice(
    kind: FormKind,
    values: &Values,
    ctx: &Ctx,
    passphrase: &str,
    errors: &mut FieldErrors,
) -> KeyChoice {
    let store = ctx.store_label();
    match values.pick() {
        KeyPick::File => {
            let path = values.text(FieldId::KeyFile).trim().to_string();
            if path.is_empty() {
                errors.push((FieldId::KeyFile, "required: the key file's path".into()));
            }
            KeyChoice::File(PathBuf::from(path))
        }
        KeyPick::Name(name) => {
            match ctx.key(&name) {
                None => errors.push((FieldId::Key, format!("no key named {name:?} in {store}"))),
                Some(k) if kind == FormKind::Follow && !k.material.has_share() => errors.push((
                    FieldId::Key,
                    format!("{name} holds no share: a follower signs with its share"),
                )),
                Some(k) if kind.replaces_share() && !k.material.has_share() => errors.push((
                    FieldId::Key,
                    format!(
                        "{name} holds no share (public key data only): only a member can take part"
                    ),
                )),
                Some(k) if k.material.is_sealed() && passphrase.is_empty() => errors.push((
                    FieldId::Passphrase,
                    format!("key {name} is encrypted: type its passphrase"),
                )),
                Some(_) => {}
            }
            KeyChoice::Name(name)
        }
        KeyPick::Auto => {
            if kind == FormKind::Follow && !ctx.keys.iter().any(|(_, k)| k.material.has_share()) {
                errors.push((
                    FieldId::Key,
                    format!("no key with a share in {store}: create one, or choose a key file"),
                ));
            } else if ctx.keys.is_empty() {
                errors.push((
                    FieldId::Key,
                    format!("no keys in {store}: choose a key file, or create a key first"),
                ));
            } else if kind.replaces_share() && ctx.keys.len() > 1 {
                errors.push((
                    FieldId::Key,
                    format!("several keys in {store}: choose the one to refresh or repair"),
                ));
            } else if !auto_finds_key(kind, ctx) {
                errors.push((
                    FieldId::Key,
                    format!("several keys in {store}: choose one with \u{2190} \u{2192}"),
                ));
            }
            KeyChoice::Auto
        }
    }
}

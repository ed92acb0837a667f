//! Line-mode signing: `follow` and `coordinate`.

use anyhow::Context;
use rand_core::OsRng;

use super::keys::resolve;
use super::lines::{emit, say, Input, Line};
use super::secrets::Secrets;
use super::{CoordinateArgs, CoordinateRequest, KeyArgs};
use crate::check::{check_request, is_check};
use crate::definition::{parse_definition_toml, parse_vote, vote_body};
use crate::journal::{self, JournalGuard, Verdict};
use crate::keyfile::StoredKey;
use crate::messages::{CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2};
use crate::output::signing_outcome;
use crate::request::SigningRequest;
use crate::review::describe;
use crate::session::check_coordination;
use crate::signing::{Coordinator, Follower, SigningResult};
use crate::store::Store;

fn explicit(args: &KeyArgs) -> bool {
    args.key.is_some() || args.name.is_some()
}

pub fn follow(store: &Store, secrets: &Secrets, key: &KeyArgs, yes: bool) -> anyhow::Result<()> {
    let chosen = if explicit(key) {
        let (label, stored) = resolve(store, key)?;
        let share = secrets.unlock(&label, &stored)?.ok_or_else(|| {
            anyhow::anyhow!("{label} holds no share: a follower signs with its share")
        })?;
        say(format!(
            "Following with key {label}: participant {} of a {}-of-{} key.",
            share.fingerprint(),
            share.group().threshold(),
            share.group().participant_count()
        ));
        Some((label, share))
    } else {
        say(format!(
            "Following with whichever key in {} the request needs.",
            store.home().display()
        ));
        None
    };
    let mut input = Input::stdin();
    say("Paste the coordinator's first message (CoordinatorRound1):");
    let (label, share, mut follower) = input.until("the coordinator's first message", |line| {
        let round1 = CoordinatorRound1::from_json(line).map_err(|e| e.to_string())?;
        let (label, share) = match &chosen {
            Some(c) => c.clone(),
            None => {
                let (name, stored) = store
                    .find_for(&round1.request, true)
                    .map_err(|e| format!("{e:#}"))?;
                say(format!("The request needs key {name}."));
                let share = secrets
                    .unlock(&name, &stored)
                    .map_err(|e| format!("{e:#}"))?
                    .ok_or_else(|| format!("{name} holds no share"))?;
                (name, share)
            }
        };
        let follower = Follower::new(share.clone(), round1).map_err(|e| e.to_string())?;
        Ok(Some((label, share, follower)))
    })?;
    // The journal, locked for this ceremony: a conflicting request is refused before review.
    let mut guard = open_journal(store, key, &label, share.group())?;
    check_journal(&guard, follower.request(), follower.signed_bytes())?;
    say("");
    say(format!(
        "You are asked to sign with key {label} (participant {}):",
        share.fingerprint()
    ));
    for line in describe(follower.request(), share.group().fvk()) {
        say(format!("  {line}"));
    }
    say("");
    if yes {
        say("Approved with --yes.");
    } else {
        say("Sign this? Type yes to approve; anything else declines:");
        let approved = matches!(input.next_line()?, Some(Line::Text(answer))
            if matches!(answer.to_ascii_lowercase().as_str(), "yes" | "y"));
        if !approved {
            follower.decline();
            anyhow::bail!("declined: nothing was signed");
        }
    }
    let reply = follower.approve(&mut OsRng)?;
    emit(&reply.to_json())?;
    say("Send the line above (FollowerRound1) to the coordinator.");
    say("Then paste the coordinator's second message (CoordinatorRound2):");
    let request = follower.request().clone();
    let bytes = follower.signed_bytes().to_vec();
    let reply = input.until("the coordinator's second message", |line| {
        let round2 = CoordinatorRound2::from_json(line).map_err(|e| e.to_string())?;
        let reply = follower.sign(round2).map_err(|e| e.to_string())?;
        // Durable before the share leaves: a crash after this line cannot hide the signature.
        guard
            .record(&request, &bytes)
            .map_err(|e| format!("{e:#}; the share was not sent"))?;
        Ok(Some(reply))
    })?;
    emit(&reply.to_json())?;
    say("Send the line above (FollowerRound2) to the coordinator. This participant is done.");
    Ok(())
}

/// Opens (and locks) the journal of the key a command uses: beside a key file, or in the store.
fn journal_path(store: &Store, args: &KeyArgs, label: &str) -> std::path::PathBuf {
    match &args.key {
        Some(path) => journal::path_for_file(path),
        None => journal::path_for_name(store.home(), label),
    }
}

fn open_journal(
    store: &Store,
    args: &KeyArgs,
    label: &str,
    group: &crate::keys::GroupKey,
) -> anyhow::Result<JournalGuard> {
    open_journal_for(&journal_path(store, args, label), group)
}

fn open_journal_for(
    path: &std::path::Path,
    group: &crate::keys::GroupKey,
) -> anyhow::Result<JournalGuard> {
    JournalGuard::open(path, group)
}

/// Refuses (and says what was signed before, and when) anything that conflicts.
fn check_journal(
    guard: &JournalGuard,
    request: &SigningRequest,
    bytes: &[u8],
) -> anyhow::Result<()> {
    match guard.check(request, bytes)? {
        Verdict::Repeat => say(
            "The journal shows this exact request was signed before: signing it again is harmless.",
        ),
        Verdict::New => {}
    }
    Ok(())
}

/// The key for a vote when none is named: the store's only key, or the one named "governance".
fn governance_key(store: &Store, args: &KeyArgs) -> anyhow::Result<(String, StoredKey)> {
    if explicit(args) || store.names()?.len() <= 1 {
        return resolve(store, args);
    }
    store
        .load("governance")
        .map(|k| ("governance".to_string(), k))
        .context("several keys in the store and none named \"governance\": pass --name")
}

/// What a coordinator needs before it sends anything: its options, the request, its key (with
/// a label for messages) and, for a definition, the file name to show in pcli's upload command.
struct Plan {
    args: CoordinateArgs,
    request: SigningRequest,
    key: (String, StoredKey),
    definition_file: Option<String>,
    journal: std::path::PathBuf,
}

/// Builds the request and finds its key.
fn build_request(store: &Store, request: CoordinateRequest) -> anyhow::Result<Plan> {
    let (args, request, key, definition_file) = match request {
        CoordinateRequest::Definition { common, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let validator = parse_definition_toml(&text)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let request = SigningRequest::ValidatorDefinition(validator);
            let key = if explicit(&common.key) {
                resolve(store, &common.key)?
            } else {
                store.find_for(&request, false)?
            };
            (common, request, key, name)
        }
        CoordinateRequest::Vote {
            common,
            proposal,
            vote,
            reason,
            validator,
        } => {
            let key = governance_key(store, &common.key)?;
            let identity = validator
                .map(|v| {
                    v.parse()
                        .map_err(|e| anyhow::anyhow!("--validator: not an identity key: {e}"))
                })
                .transpose()?;
            let body = vote_body(
                key.1.material.group(),
                identity,
                proposal,
                parse_vote(&vote)?,
                &reason,
            )?;
            (common, SigningRequest::ValidatorVote(body), key, None)
        }
        CoordinateRequest::Tx { common, plan } => {
            let text = std::fs::read_to_string(&plan)
                .with_context(|| format!("cannot read {}", plan.display()))?;
            let plan = crate::validate::plan_from_json(&text).map_err(|e| {
                anyhow::anyhow!("{}: not a usable TransactionPlan: {e}", plan.display())
            })?;
            let request = SigningRequest::Transaction(plan);
            let key = if explicit(&common.key) {
                resolve(store, &common.key)?
            } else {
                store.find_for(&request, false)?
            };
            (common, request, key, None)
        }
    };
    let journal = journal_path(store, &args.key, &key.0);
    Ok(Plan {
        args,
        request,
        key,
        definition_file,
        journal,
    })
}

pub fn coordinate(
    store: &Store,
    secrets: &Secrets,
    request: CoordinateRequest,
) -> anyhow::Result<()> {
    let plan = build_request(store, request)?;
    run_coordinator(secrets, plan)
}

/// Coordinates a key check: by default every participant signs.
pub fn check(store: &Store, secrets: &Secrets, args: CoordinateArgs) -> anyhow::Result<()> {
    let key = resolve(store, &args.key)?;
    let request = check_request(&mut OsRng, key.1.material.group());
    let all = u16::try_from(key.1.material.group().participant_count())?;
    let args = CoordinateArgs {
        signers: Some(args.signers.unwrap_or(all)),
        ..args
    };
    run_coordinator(
        secrets,
        Plan {
            journal: journal_path(store, &args.key, &key.0),
            args,
            request,
            key,
            definition_file: None,
        },
    )
}

fn run_coordinator(secrets: &Secrets, plan: Plan) -> anyhow::Result<()> {
    let Plan {
        args,
        request,
        key: (label, stored),
        definition_file,
        journal: journal_path,
    } = plan;
    let group = stored.material.group().clone();
    let target = check_coordination(&label, &group, &request, args.signers.map(usize::from))?;
    let threshold = group.threshold();
    let n = group.participant_count();
    let own = secrets.unlock(&label, &stored)?;
    say(match &own {
        Some(s) => format!(
            "Coordinating with key {label}: participant {} of a {threshold}-of-{n} key.",
            s.fingerprint()
        ),
        None => format!(
            "Coordinating with key {label}, a {threshold}-of-{n} key, without a share of its own."
        ),
    });
    say("Requesting signatures on:");
    for line in describe(&request, group.fvk()) {
        say(format!("  {line}"));
    }
    let mut guard = match &own {
        Some(share) => {
            let guard = open_journal_for(&journal_path, share.group())?;
            Some(guard)
        }
        None => None,
    };
    let (mut coordinator, round1) = Coordinator::new(group, own, request, &mut OsRng)?;
    if let Some(guard) = &guard {
        check_journal(guard, coordinator.request(), coordinator.signed_bytes())?;
    }
    if let Some(result) = coordinator.result().cloned() {
        say("The plan needs no signatures.");
        return finish(&result, coordinator.request(), definition_file.as_deref());
    }
    emit(&round1.to_json())?;
    let mut input = Input::stdin();
    let (have, _) = coordinator.commitments_progress();
    say(format!(
        "Send the line above (CoordinatorRound1) to the other signers, then paste their replies \
         (FollowerRound1): {} needed.",
        target - have
    ));
    input.until("the signers' round-1 replies", |line| {
        let reply = FollowerRound1::from_json(line).map_err(|e| e.to_string())?;
        let who = coordinator
            .accept_round1(reply)
            .map_err(|e| e.to_string())?;
        let (have, _) = coordinator.commitments_progress();
        say(format!(
            "accepted FollowerRound1 from participant {who} ({have} of {target} signers)"
        ));
        Ok((have >= target).then_some(()))
    })?;
    if let Some(guard) = &mut guard {
        // This participant's share is computed next: record first.
        guard.record(coordinator.request(), coordinator.signed_bytes())?;
    }
    let round2 = coordinator.start_round2()?;
    emit(&round2.to_json())?;
    let (have, chosen) = coordinator.shares_progress();
    say(format!(
        "Send the line above (CoordinatorRound2) to the same signers, then paste their replies \
         (FollowerRound2): {} needed.",
        chosen - have
    ));
    input.until("the signers' round-2 replies", |line| {
        let reply = FollowerRound2::from_json(line).map_err(|e| e.to_string())?;
        let who = coordinator
            .accept_round2(reply)
            .map_err(|e| e.to_string())?;
        let (have, chosen) = coordinator.shares_progress();
        say(format!(
            "accepted FollowerRound2 from participant {who} ({have} of {chosen} shares)"
        ));
        Ok(coordinator.ready_to_aggregate().then_some(()))
    })?;
    let result = coordinator.aggregate()?;
    if is_check(coordinator.request()) {
        say(format!(
            "Key check passed: {} participants signed and the signature verifies. The key works.",
            chosen
        ));
        return Ok(());
    }
    finish(&result, coordinator.request(), definition_file.as_deref())
}

fn finish(
    result: &SigningResult,
    request: &SigningRequest,
    definition_file: Option<&str>,
) -> anyhow::Result<()> {
    let (headline, text, instructions) = signing_outcome(result, request, definition_file);
    anyhow::ensure!(!text.is_empty(), "the result does not match the request");
    emit(&text)?;
    say(headline);
    for line in instructions {
        say(line);
    }
    Ok(())
}

//! Line-mode distributed key generation.

use std::path::Path;

use rand_core::OsRng;

use super::keys::print_group;
use super::lines::{emit, say, Input};
use super::secrets::Secrets;
use crate::dkg::{Dkg, DkgOutput, DkgRound1, DkgRound2};
use crate::keyfile::{KeyMaterial, StoredKey};
use crate::messages::{recognise, MessageKind};
use crate::store::{check_name, write_key_file, Store};

pub fn run(
    store: &Store,
    secrets: &Secrets,
    threshold: u16,
    participants: u16,
    name: &str,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    // Refuse now, not after the ceremony, if the result could not be saved.
    check_name(name)?;
    let path = store.path_of(name)?;
    anyhow::ensure!(
        !path.exists(),
        "{} already exists: choose another --name",
        path.display()
    );
    if let Some(out) = out {
        anyhow::ensure!(!out.exists(), "{} already exists", out.display());
    }
    // The passphrase comes first, so nobody waits on it in the middle of the ceremony.
    let passphrase = secrets.for_new_key(&format!("key {name:?}"))?;
    let (mut dkg, round1) = Dkg::new(threshold, participants, &mut OsRng)?;
    let others = usize::from(participants) - 1;
    say(format!(
        "Key generation {threshold}-of-{participants} as participant {}. Nothing is written until it has finished.",
        dkg.fingerprint()
    ));
    if usize::from(threshold) * 2 <= usize::from(participants) {
        say(format!(
            "warning: t = {threshold} is at most half of n = {participants}: two disjoint groups could sign conflicting things"
        ));
    }
    emit(&round1.to_json())?;
    say(format!(
        "Round 1 of 2: send the line above (DKGRound1) to all other participants, then paste their {others} DKGRound1 messages:"
    ));
    let mut input = Input::stdin();
    // A round-2 message pasted early (a fast peer) is kept for round 2, not lost.
    let mut early = Vec::new();
    input.until("the other participants' round-1 messages", |line| {
        if matches!(recognise(line), Ok((MessageKind::DkgRound2, _))) {
            early.push(line.to_string());
            say("kept a DKGRound2 message for round 2 (it arrived before round 1 was complete)");
            return Ok(None);
        }
        let msg = DkgRound1::from_json(line).map_err(|e| e.to_string())?;
        let who = dkg.accept_round1(msg).map_err(|e| e.to_string())?;
        let (have, need) = dkg.progress();
        say(format!(
            "accepted DKGRound1 from participant {who} ({have} of {need})"
        ));
        Ok((have == need).then_some(()))
    })?;
    let fingerprint = dkg.transcript_fingerprint().expect("round 1 is complete");
    say(format!(
        "Round 1 fingerprint: {fingerprint}\n  Read it aloud and compare: every participant must see the same code."
    ));
    let round2 = dkg.start_round2(&mut OsRng)?;
    emit(&round2.to_json())?;
    say(format!(
        "Round 2 of 2: send the line above (DKGRound2) to all other participants, then paste their {others} DKGRound2 messages:"
    ));
    let mut accept = |line: &str| -> Result<Option<()>, String> {
        let msg = DkgRound2::from_json(line).map_err(|e| e.to_string())?;
        let who = dkg
            .accept_round2(msg, &mut OsRng)
            .map_err(|e| e.to_string())?;
        let (have, need) = dkg.progress();
        say(format!(
            "accepted DKGRound2 from participant {who} ({have} of {need})"
        ));
        Ok((have == need).then_some(()))
    };
    let mut done = false;
    for line in early {
        match accept(&line) {
            Ok(finished) => done |= finished.is_some(),
            Err(problem) => say(format!("error: {problem}")),
        }
    }
    if !done {
        input.until("the other participants' round-2 messages", accept)?;
    }
    // The share moves into the key as it is: no copy stays behind.
    let DkgOutput {
        share,
        transcript_fingerprint,
    } = dkg.finish()?;
    let group = share.group().clone();
    let material = match &passphrase {
        Some(p) => KeyMaterial::Share(share).seal(p.as_bytes(), secrets.kdf, &mut OsRng)?,
        None => KeyMaterial::Share(share),
    };
    let stored = StoredKey {
        name: Some(name.to_string()),
        material,
        transcript_fingerprint: Some(transcript_fingerprint.clone()),
    };
    let saved = store.save(name, &stored)?;
    say(format!("stored {}", saved.display()));
    if let Some(out) = out {
        write_key_file(out, &stored)?;
        say(format!("wrote {}", out.display()));
    }
    print_group(&group, Some(&transcript_fingerprint));
    say(
        "Compare the fingerprint and the identity key with every participant, then prove the key \
         works with `hoarfrost check` (one coordinator) and `hoarfrost follow` (everyone else).",
    );
    emit(&group.identity_key().to_string())?;
    Ok(())
}

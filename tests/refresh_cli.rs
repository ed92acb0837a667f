//! Refresh and repair through the real binary in line mode, every line relayed to every
//! participant: a 2-of-3 refresh, then a definition signed with the refreshed shares under the
//! original identity key; "replace a lost laptop" end to end (request, helpers, a refresh that
//! removes the lost member, a signature with the newcomer); a key check after each ceremony.

mod common;

use std::path::{Path, PathBuf};

use common::process::*;
use hoarfrost::keyfile::{self, KeyMaterial};
use hoarfrost::keys::KeyShare;
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::Message;

const PASSPHRASE: &[u8] = b"correct horse battery staple";

fn homes(dir: &Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| dir.join(n).display().to_string())
        .collect()
}

/// A 2-of-3 key dealt into three stores, as `identity`.
fn deal_into(homes: &[String]) {
    let mut args = vec![
        "deal", "-t", "2", "-n", "3", "--name", "identity", "--homes",
    ];
    args.extend(homes.iter().map(String::as_str));
    run_ok(&args);
}

fn key_file(home: &str) -> PathBuf {
    Path::new(home).join("keys").join("identity.toml")
}

/// The share a store holds as `identity`, opened with the test passphrase.
fn share_in(home: &str) -> KeyShare {
    let key = keyfile::decode(&std::fs::read_to_string(key_file(home)).unwrap()).unwrap();
    assert!(key.material.is_sealed(), "the share stays sealed");
    key.material.unlock(Some(PASSPHRASE)).unwrap().unwrap()
}

fn start(args: &[&str]) -> Process {
    Process::start(args)
}

fn finish_all(processes: Vec<Process>) -> Vec<String> {
    processes.into_iter().map(Process::finish).collect()
}

/// A key check coordinated from `homes[0]`, followed from the others: every share signs.
fn key_check(homes: &[String]) {
    let mut processes = vec![start(&[
        "--home", &homes[0], "check", "--name", "identity", "--no-tui",
    ])];
    for home in &homes[1..] {
        processes.push(start(&["--home", home, "follow", "--no-tui", "--yes"]));
    }
    relay(&mut processes);
    let stderr = finish_all(processes).remove(0);
    assert!(
        stderr.contains(&format!(
            "Key check passed: {} participants signed",
            homes.len()
        )),
        "{stderr}"
    );
}

/// A definition signed by `coordinator` and `follower`, checked under `identity`.
fn sign_definition(
    dir: &Path,
    coordinator: &str,
    follower: &str,
    identity: decaf377_rdsa::VerificationKey<decaf377_rdsa::SpendAuth>,
) {
    let file = write_definition(dir, 7, "Refreshed Validator");
    let signature = ceremony_with(
        &[
            "--home",
            coordinator,
            "coordinate",
            "definition",
            "--name",
            "identity",
            "--file",
            file.to_str().unwrap(),
            "--no-tui",
        ],
        &[vec![
            "--home".into(),
            follower.into(),
            "follow".into(),
            "--no-tui".into(),
            "--yes".into(),
        ]],
    );
    let validator =
        hoarfrost::definition::parse_definition_toml(&std::fs::read_to_string(&file).unwrap())
            .unwrap();
    identity
        .verify(
            &stake_pb::Validator::from(validator).encode_to_vec(),
            &decode_signature(&signature),
        )
        .expect("the refreshed shares sign under the original identity key");
}

#[test]
fn a_refresh_in_line_mode_keeps_the_identity_key_and_the_new_shares_sign() {
    let dir = temp();
    let dir = dir.path();
    let homes = homes(dir, &["a", "b", "c"]);
    deal_into(&homes);
    let before: Vec<KeyShare> = homes.iter().map(|h| share_in(h)).collect();
    let identity = *before[0].group().fvk().spend_verification_key();
    let mut processes = vec![start(&[
        "--home", &homes[0], "refresh", "--name", "identity", "--start", "--no-tui",
    ])];
    // b is asked; c joins with --yes.
    processes.push(start(&[
        "--home", &homes[1], "refresh", "--name", "identity", "--no-tui",
    ]));
    processes.push(start(&[
        "--home", &homes[2], "refresh", "--name", "identity", "--yes", "--no-tui",
    ]));
    // The starter's first line is its round-1 message.
    let invitation = processes[0].recv();
    assert!(
        invitation.starts_with("{\"refreshRound1\":"),
        "{invitation}"
    );
    processes[2].send(&invitation);
    let joined = processes[2].recv();
    processes[0].send(&joined);
    // b gets both round-1 messages in one paste, as a relay gives them, before it answers:
    // the second is kept, and the question asked again.
    processes[1].send(&format!("{invitation}\n{joined}"));
    processes[1].wait_line("kept the RefreshRound1");
    processes[1].send("yes");
    relay(&mut processes);
    let stderrs = finish_all(processes);
    assert!(stderrs[0].contains("The threshold stays 2: frost-core refuses to lower it"));
    assert!(stderrs[1].contains("You are asked to take part in a refresh"));
    assert!(stderrs[1].contains("Removed (0):   nobody"));
    for (home, stderr) in homes.iter().zip(&stderrs) {
        assert!(
            stderr.contains("Refresh finished: generation 1 of the key"),
            "{stderr}"
        );
        assert!(stderr.contains("the old share is destroyed"), "{stderr}");
        let keys: Vec<_> = std::fs::read_dir(Path::new(home).join("keys"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(keys, ["identity.toml"], "no copy of the old share is left");
    }
    let after: Vec<KeyShare> = homes.iter().map(|h| share_in(h)).collect();
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(new.group(), after[0].group());
        assert_eq!(new.group().generation().number, 1);
        assert_eq!(new.verification_key(), old.verification_key());
        assert_ne!(new.signing_share(), old.signing_share());
    }
    let show = run_ok(&["--home", &homes[1], "keys", "show", "--name", "identity"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("generation:       1 (refreshed "));
    // The new shares sign under the original identity key; and every one of them checks.
    run_ok(&[
        "--home",
        &homes[0],
        "keys",
        "export-group",
        "--name",
        "identity",
        "--out",
        dir.join("group.toml").to_str().unwrap(),
    ]);
    sign_definition(dir, &homes[2], &homes[0], identity);
    key_check(&homes);
}

/// `member` exports the group description to `group`; the newcomer, started with it, prints
/// its request. Returns the newcomer's process, and its request.
fn newcomer_request(member: &str, newcomer: &str, group: &str) -> (Vec<Process>, String) {
    run_ok(&[
        "--home",
        member,
        "keys",
        "export-group",
        "--name",
        "identity",
        "--out",
        group,
    ]);
    let process = start(&[
        "--home", newcomer, "repair", "request", "--group", group, "--name", "identity",
    ]);
    let request = process.recv();
    assert!(request.starts_with("{\"repairRequest\":"), "{request}");
    (vec![process], request)
}

#[test]
fn replace_a_lost_laptop_end_to_end() {
    let dir = temp();
    let dir = dir.path();
    // a, b and c hold the key; c's laptop is lost; d is the newcomer.
    let all = homes(dir, &["a", "b", "c", "d"]);
    let (members, lost, newcomer) = (&all[..2], &all[2], &all[3]);
    deal_into(&all[..3]);
    let identity = *share_in(&all[0]).group().fvk().spend_verification_key();
    let lost_id = share_in(lost).fingerprint();
    let group = dir.join("group.toml");
    let group_arg = group.to_str().unwrap();
    // The newcomer prints its request; the helpers (a starts, without c) enrol it.
    let (mut processes, request) = newcomer_request(&members[0], newcomer, group_arg);
    processes.push(start(&[
        "--home",
        &members[0],
        "repair",
        "help",
        "--name",
        "identity",
        "--without",
        &lost_id,
        "--group",
        group_arg,
        "--yes",
        "--no-tui",
    ]));
    processes.push(start(&[
        "--home",
        &members[1],
        "repair",
        "help",
        "--name",
        "identity",
        "--yes",
        "--no-tui",
    ]));
    for p in &mut processes[1..] {
        p.send(&request);
    }
    relay(&mut processes);
    let stderrs = finish_all(processes);
    let newcomer_id = share_in(newcomer).fingerprint();
    assert!(
        stderrs[1].contains(&format!("Newcomer:      participant {newcomer_id}")),
        "{}",
        stderrs[1]
    );
    assert!(stderrs[0].contains("starts a new signing journal"));
    for home in [&members[0], &members[1], newcomer] {
        assert_eq!(share_in(home).group().participant_count(), 4);
    }
    // A refresh without the lost member; the newcomer takes part.
    let mut processes = vec![start(&[
        "--home",
        &members[0],
        "refresh",
        "--name",
        "identity",
        "--remove",
        &lost_id,
        "--group",
        group_arg,
        "--no-tui",
    ])];
    for home in [&members[1], newcomer] {
        processes.push(start(&[
            "--home", home, "refresh", "--name", "identity", "--yes", "--no-tui",
        ]));
    }
    relay(&mut processes);
    let stderrs = finish_all(processes);
    assert!(
        stderrs[0].contains(&format!("Removed: {lost_id}")),
        "{}",
        stderrs[0]
    );
    let survivors = [members[0].clone(), members[1].clone(), newcomer.clone()];
    let after = share_in(newcomer);
    assert_eq!(after.group().participant_count(), 3);
    assert!(after
        .group()
        .participant(&share_in(lost).verification_key())
        .is_none());
    let public = keyfile::decode(&std::fs::read_to_string(&group).unwrap()).unwrap();
    assert!(matches!(&public.material, KeyMaterial::Public(g) if g == after.group()));
    // The newcomer coordinates a definition under the original identity key.
    sign_definition(dir, newcomer, &members[1], identity);
    key_check(&survivors);
    // The newcomer takes over what another member's journal holds, as the README says.
    let journal = dir.join("journal.json");
    let journal = journal.to_str().unwrap();
    run_ok(&[
        "--home",
        &members[1],
        "journal",
        "export",
        "--name",
        "identity",
        "--out",
        journal,
    ]);
    run_ok(&[
        "--home", newcomer, "journal", "import", "--name", "identity", journal,
    ]);
}

/// A 2-of-4 key: d is lost, a and b help, c is away during the repair and admits the newcomer
/// from the relay's lines afterwards; the refresh that removes d then takes c and the newcomer.
#[test]
fn a_member_away_during_a_repair_admits_the_newcomer_and_takes_part_in_the_refresh() {
    let dir = temp();
    let dir = dir.path();
    let all = homes(dir, &["a", "b", "c", "d", "e"]);
    let (a, b, away, newcomer) = (&all[0], &all[1], &all[2], &all[4]);
    run_ok(&[
        "deal", "-t", "2", "-n", "4", "--name", "identity", "--homes", a, b, away, &all[3],
    ]);
    let lost_id = share_in(&all[3]).fingerprint();
    let before = share_in(away);
    let away_id = before.fingerprint();
    let group = dir.join("group.toml");
    let group_arg = group.to_str().unwrap();
    let (mut processes, request) = newcomer_request(a, newcomer, group_arg);
    processes.push(start(&[
        "--home",
        a,
        "repair",
        "help",
        "--name",
        "identity",
        "--without",
        &lost_id,
        "--without",
        &away_id,
        "--yes",
        "--no-tui",
    ]));
    processes.push(start(&[
        "--home", b, "repair", "help", "--name", "identity", "--yes", "--no-tui",
    ]));
    processes.push(start(&[
        "--home", away, "repair", "admit", "--name", "identity", "--group", group_arg, "--yes",
    ]));
    for p in &mut processes[1..] {
        p.send(&request);
    }
    relay(&mut processes);
    let stderrs = finish_all(processes);
    let newcomer_share = share_in(newcomer);
    assert!(
        stderrs[3].contains(&format!(
            "Newcomer: participant {}",
            newcomer_share.fingerprint()
        )),
        "{}",
        stderrs[3]
    );
    assert!(
        stderrs[3].contains("skipped: RepairRequest"),
        "{}",
        stderrs[3]
    );
    assert!(
        stderrs[3].contains("the same share, under the new group description"),
        "{}",
        stderrs[3]
    );
    assert_eq!(share_in(away).group(), newcomer_share.group());
    assert_eq!(
        share_in(away).signing_share(),
        before.signing_share(),
        "the same share, under the group with the newcomer"
    );
    let public = keyfile::decode(&std::fs::read_to_string(&group).unwrap()).unwrap();
    assert!(matches!(&public.material, KeyMaterial::Public(g) if g == newcomer_share.group()));
    // The refresh that removes the lost member: the member who was away takes part.
    let mut processes = vec![start(&[
        "--home", a, "refresh", "--name", "identity", "--remove", &lost_id, "--no-tui",
    ])];
    for home in [b, away, newcomer] {
        processes.push(start(&[
            "--home", home, "refresh", "--name", "identity", "--yes", "--no-tui",
        ]));
    }
    relay(&mut processes);
    finish_all(processes);
    for home in [a, b, away, newcomer] {
        assert_eq!(share_in(home).group().participant_count(), 4);
        assert_eq!(share_in(home).group().generation().number, 1);
    }
}

#[test]
fn key_files_and_their_group_description_are_refreshed_in_place() {
    // As the README's split walkthrough leaves them: key files, and a public group.toml.
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let files: Vec<String> = (1..=3).map(|i| key(dir, i)).collect();
    let group = dir.join("group.toml").display().to_string();
    let mut processes: Vec<Process> = files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let mut args = vec!["refresh", "--key", file, "--no-tui"];
            if i == 0 {
                args.extend(["--start", "--group", &group]);
            } else {
                args.push("--yes");
            }
            start(&args)
        })
        .collect();
    relay(&mut processes);
    finish_all(processes);
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "group.toml",
            "participant-1.toml",
            "participant-2.toml",
            "participant-3.toml"
        ]
    );
    let public = keyfile::decode(&std::fs::read_to_string(&group).unwrap()).unwrap();
    for file in &files {
        let key = keyfile::decode(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(key.material.group().generation().number, 1);
        assert_eq!(key.material.group(), public.material.group());
    }
}

#[test]
fn refresh_refuses_what_it_cannot_do_before_anything_is_sent() {
    let dir = temp();
    let dir = dir.path();
    let homes = homes(dir, &["a", "b", "c"]);
    deal_into(&homes);
    let refused = |args: &[&str], needle: &str| {
        let out = run(args);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing was sent");
    };
    let base = [
        "--home", &homes[0], "refresh", "--name", "identity", "--no-tui",
    ];
    refused(
        &[&base[..], &["--remove", "00000000"]].concat(),
        "--remove 00000000: no member of this key has this participant id",
    );
    // Removing two of three members would leave fewer than the threshold of 2.
    let ids: Vec<String> = homes[1..]
        .iter()
        .map(|h| share_in(h).fingerprint())
        .collect();
    refused(
        &[&base[..], &["--remove", &ids[0], "--remove", &ids[1]]].concat(),
        "keeps the threshold 2",
    );
    // A pcli config is not rewritten in hoarfrost's format.
    let pcli = dir.join("pcli.toml");
    run_ok(&[
        "--home",
        &homes[0],
        "keys",
        "export-pcli",
        "--name",
        "identity",
        "--out",
        pcli.to_str().unwrap(),
    ]);
    refused(
        &[
            "refresh",
            "--key",
            pcli.to_str().unwrap(),
            "--start",
            "--no-tui",
        ],
        "is not a hoarfrost key file",
    );
    // A newcomer is given the public description, never a share.
    refused(
        &[
            "--home",
            &dir.join("d").display().to_string(),
            "repair",
            "request",
            "--group",
            key_file(&homes[0]).to_str().unwrap(),
            "--name",
            "identity",
        ],
        "holds a share",
    );
}

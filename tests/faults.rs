//! Key safety on the real binary: the journal refuses conflicting signatures, a lock lets only
//! one process sign with a key at a time, and processes killed (SIGKILL) at every step of a
//! ceremony leave every key file intact, the journal consistent, and a restart that succeeds.

mod common;

use std::path::Path;
use std::time::Duration;

use common::process::*;
use hoarfrost::definition::parse_definition_toml;
use hoarfrost::journal::Journal;
use hoarfrost::keyfile;
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::Message;

fn definition_args<'a>(key: &'a str, file: &'a Path) -> Vec<&'a str> {
    vec![
        "coordinate",
        "definition",
        "--key",
        key,
        "--file",
        file.to_str().unwrap(),
        "--no-tui",
    ]
}

fn follower(dir: &Path, i: usize) -> Vec<String> {
    vec![
        "follow".into(),
        "--key".into(),
        key(dir, i),
        "--no-tui".into(),
        "--yes".into(),
    ]
}

fn journal_of(dir: &Path, i: usize) -> Journal {
    journal_of_key(&key(dir, i)).expect("a journal")
}

/// Every key file decrypts and matches the group.
fn keys_intact(dir: &Path, n: usize) {
    for i in 1..=n {
        let out = run(&[
            "keys",
            "export-pcli",
            "--key",
            &key(dir, i),
            "--out",
            dir.join(format!(
                "check-{i}-{}.toml",
                rand_core::RngCore::next_u32(&mut rand_core::OsRng)
            ))
            .to_str()
            .unwrap(),
        ]);
        assert!(
            out.status.success(),
            "participant {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn conflicting_definitions_and_votes_are_refused_repeats_are_not() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let k1 = key(dir, 1);
    let first = write_definition(dir, 5, "first");
    let sig = ceremony_with(&definition_args(&k1, &first), &[follower(dir, 2)]);
    let validator = parse_definition_toml(&std::fs::read_to_string(&first).unwrap()).unwrap();
    group_vk(dir)
        .verify(
            &stake_pb::Validator::from(validator).encode_to_vec(),
            &decode_signature(&sig),
        )
        .unwrap();
    assert_eq!(journal_of(dir, 1).definitions.len(), 1);
    assert_eq!(journal_of(dir, 2).definitions.len(), 1);

    // A different definition #5: the coordinator refuses before sending anything, saying what
    // was signed and when.
    let conflicting = write_definition(dir, 5, "second");
    let out = run(&definition_args(&k1, &conflicting));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("different validator definition #5 was signed at"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing was sent");

    // A coordinator whose own journal has not seen it (participant 3) asks participant 2, who
    // refuses before review and signs nothing.
    let mut c = Process::start(&definition_args(&key(dir, 3), &conflicting));
    let round1 = c.recv();
    let mut f = Process::start(
        &follower(dir, 2)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    f.send(&round1);
    drop(f.stdin.take());
    assert!(!f.child.wait().unwrap().success());
    assert!(
        f.stdout.recv_timeout(Duration::from_secs(2)).is_err(),
        "no reply at all"
    );
    std::thread::sleep(Duration::from_millis(50));
    assert!(f.stderr().contains("refusing to sign"), "{}", f.stderr());
    drop(c.stdin.take());
    let _ = c.child.kill();

    // A lower number is refused too; the identical #5 again is a harmless repeat and signs.
    let lower = write_definition(dir, 4, "lower");
    let out = run(&definition_args(&k1, &lower));
    assert!(String::from_utf8_lossy(&out.stderr).contains("#4 is not higher"));
    let sig2 = ceremony_with(&definition_args(&k1, &first), &[follower(dir, 2)]);
    assert_eq!(sig2.len(), 88);
    assert_eq!(journal_of(dir, 1).definitions.len(), 1);

    // Votes: the second, different vote on a proposal is refused.
    let vote = |v: &str| {
        run(&[
            "coordinate",
            "vote",
            "--key",
            &k1,
            "--proposal",
            "9",
            "--vote",
            v,
            "--no-tui",
        ])
    };
    let mut c = Process::start(&[
        "coordinate",
        "vote",
        "--key",
        &k1,
        "--proposal",
        "9",
        "--vote",
        "yes",
        "--no-tui",
    ]);
    let round1 = c.recv();
    let mut f = Process::start(
        &follower(dir, 2)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    f.send(&round1);
    c.send(&f.recv());
    f.send(&c.recv());
    c.send(&f.recv());
    c.recv();
    c.finish();
    f.finish();
    let out = vote("no");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("vote yes on proposal #9 was signed at"),
        "{stderr}"
    );
}

#[test]
fn two_processes_racing_to_sign_conflicting_definitions_at_most_one_signs() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let k1 = key(dir, 1);
    let a = write_definition(dir, 8, "a");
    let b = write_definition(dir, 8, "b");
    // Both start at the same moment with participant 1's key.
    let mut first = Process::start(&definition_args(&k1, &a));
    let mut second = Process::start(&definition_args(&k1, &b));
    let outcomes: Vec<Option<String>> = [&mut first, &mut second]
        .into_iter()
        .map(|p| p.stdout.recv_timeout(Duration::from_secs(20)).ok())
        .collect();
    let started = outcomes.iter().filter(|o| o.is_some()).count();
    assert_eq!(started, 1, "exactly one process may hold the key");
    let (winner, loser) = if outcomes[0].is_some() {
        (first, second)
    } else {
        (second, first)
    };
    drop(loser.stdin);
    let mut loser_child = loser.child;
    assert!(!loser_child.wait().unwrap().success());
    std::thread::sleep(Duration::from_millis(50));
    assert!(loser
        .stderr
        .lock()
        .unwrap()
        .contains("in use by another hoarfrost process"));
    // The winner completes with a follower.
    let mut w = winner;
    let round1 = outcomes.into_iter().flatten().next().unwrap();
    let mut f = Process::start(
        &follower(dir, 2)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    f.send(&round1);
    w.send(&f.recv());
    f.send(&w.recv());
    w.send(&f.recv());
    let _sig = w.recv();
    w.finish();
    f.finish();
    // Now the conflicting definition is refused by the journal.
    let out_a = run(&definition_args(&k1, &a));
    let out_b = run(&definition_args(&k1, &b));
    let refused = [&out_a, &out_b]
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("refusing to sign"))
        .count();
    assert!(refused >= 1, "the conflicting definition must be refused");
    let j = journal_of(dir, 1);
    assert_eq!(
        j.definitions
            .iter()
            .filter(|d| d.sequence_number == 8)
            .count(),
        1
    );
}

/// Runs a signing ceremony, killing `victim` (0 = coordinator, 1 = follower) after it has
/// printed `after` lines; then checks the aftermath and that a fresh ceremony succeeds.
fn kill_signing_at(victim: usize, after: usize) {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let k1 = key(dir, 1);
    let file = write_definition(dir, 2, "survivor");
    let mut c = Process::start(&definition_args(&k1, &file));
    let mut f = Process::start(
        &follower(dir, 2)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let mut printed = [0usize, 0usize];
    let mut killed = false;
    let step = |procs: &mut [&mut Process; 2],
                from: usize,
                to: Option<usize>,
                printed: &mut [usize; 2]|
     -> bool {
        if procs[victim].child.try_wait().unwrap().is_some() {
            return false;
        }
        let line = match procs[from].stdout.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => l,
            Err(_) => return false,
        };
        printed[from] += 1;
        if from == victim && printed[from] >= after {
            procs[victim].child.kill().unwrap();
            procs[victim].child.wait().unwrap();
            return false;
        }
        if let Some(to) = to {
            procs[to].send(&line);
        }
        true
    };
    if after == 0 {
        let p = if victim == 0 { &mut c } else { &mut f };
        p.child.kill().unwrap();
        p.child.wait().unwrap();
        killed = true;
    }
    if !killed {
        let mut procs = [&mut c, &mut f];
        // CoordinatorRound1 -> follower, FollowerRound1 -> coordinator, CoordinatorRound2 ->
        // follower, FollowerRound2 -> coordinator, signature.
        let _ = step(&mut procs, 0, Some(1), &mut printed)
            && step(&mut procs, 1, Some(0), &mut printed)
            && step(&mut procs, 0, Some(1), &mut printed)
            && step(&mut procs, 1, Some(0), &mut printed)
            && step(&mut procs, 0, None, &mut printed);
    }
    for p in [&mut c, &mut f] {
        drop(p.stdin.take());
        let _ = p.child.kill();
        let _ = p.child.wait();
    }
    // Afterwards: every key file is intact and decrypts; the journals read and hold at most
    // one definition at #2; a restarted ceremony succeeds (nonces are never reused: it starts
    // from round 1 with fresh ones).
    keys_intact(dir, 3);
    for i in 1..=2 {
        if let Some(j) = journal_of_key(&key(dir, i)) {
            assert!(
                j.definitions
                    .iter()
                    .filter(|d| d.sequence_number == 2)
                    .count()
                    <= 1
            );
        }
    }
    let sig = ceremony_with(&definition_args(&k1, &file), &[follower(dir, 2)]);
    let validator = parse_definition_toml(&std::fs::read_to_string(&file).unwrap()).unwrap();
    group_vk(dir)
        .verify(
            &stake_pb::Validator::from(validator).encode_to_vec(),
            &decode_signature(&sig),
        )
        .unwrap();
}

#[test]
fn killed_at_every_step_of_signing() {
    // The coordinator prints 3 lines (round 1, round 2, signature); the follower 2.
    for after in 0..=3 {
        kill_signing_at(0, after);
    }
    for after in 0..=2 {
        kill_signing_at(1, after);
    }
}

#[test]
fn killed_at_every_step_of_a_dkg() {
    for kill_after in 0..=2 {
        let homes: Vec<tempfile::TempDir> = (0..3).map(|_| temp()).collect();
        let start = |h: &Path| {
            Process::start(&[
                "--home",
                h.to_str().unwrap(),
                "dkg",
                "-t",
                "2",
                "-n",
                "3",
                "--name",
                "cold",
                "--no-tui",
                "--yes",
            ])
        };
        let mut procs: Vec<Process> = homes.iter().map(|h| start(h.path())).collect();
        // Participant 0 dies after printing `kill_after` messages.
        let mut round1 = Vec::new();
        for p in &procs {
            round1.push(p.recv());
        }
        if kill_after == 0 {
            procs[0].child.kill().unwrap();
        }
        for (i, p) in procs.iter_mut().enumerate() {
            for (j, m) in round1.iter().enumerate() {
                match (i, j) {
                    _ if i == j => {}
                    // Its stdin may be closed already, depending on how fast it died.
                    (0, _) if kill_after == 0 => p.offer(m),
                    _ => p.send(m),
                }
            }
        }
        if kill_after >= 1 {
            let _ = procs[0].recv();
            procs[0].child.kill().unwrap();
        }
        for p in &mut procs {
            drop(p.stdin.take());
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        // Nothing was written by anyone: a key exists only once the ceremony has finished.
        for h in &homes {
            assert!(!h.path().join("keys/cold.toml").exists());
        }
        // A restarted key generation succeeds.
        let mut procs: Vec<Process> = homes.iter().map(|h| start(h.path())).collect();
        for _ in 0..2 {
            let msgs: Vec<String> = procs.iter().map(|p| p.recv()).collect();
            for (i, p) in procs.iter_mut().enumerate() {
                for (j, m) in msgs.iter().enumerate() {
                    if i != j {
                        p.send(m);
                    }
                }
            }
        }
        let identities: Vec<String> = procs.iter().map(|p| p.recv()).collect();
        assert!(identities.iter().all(|k| k == &identities[0]));
        for p in procs {
            p.finish();
        }
        for h in &homes {
            let text = std::fs::read_to_string(h.path().join("keys/cold.toml")).unwrap();
            assert!(keyfile::decode(&text).unwrap().material.is_sealed());
        }
    }
}

/// `hoarfrost keys list | head -1`: the reader goes away; the program stops quietly, as Unix
/// tools do, rather than panicking over its standard output.
#[test]
fn a_closed_standard_output_ends_the_program_quietly() {
    let dir = temp();
    let homes: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|h| dir.path().join(h).display().to_string())
        .collect();
    let mut deal = vec![
        "deal", "-t", "2", "-n", "3", "--name", "identity", "--homes",
    ];
    deal.extend(homes.iter().map(String::as_str));
    run_ok(&deal);
    let home = homes[0].as_str();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = command()
        .args(["--home", home, "keys", "show", "--name", "identity"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

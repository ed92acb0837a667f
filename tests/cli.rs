//! The real `hoarfrost` binary in line mode: coordinator and followers as separate processes,
//! wired together by pipes, through whole ceremonies.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::process::*;
use hoarfrost::definition::{parse_definition_toml, vote_body};
use hoarfrost::keyfile;
use penumbra_sdk_proto::core::component::{governance::v1 as governance_pb, stake::v1 as stake_pb};
use penumbra_sdk_proto::Message;
use penumbra_sdk_transaction::{AuthorizationData, TransactionPlan};

#[test]
fn definition_ceremonies_2_of_3_and_3_of_5() {
    for (t, n) in [(2u16, 3u16), (3, 5)] {
        let dir = temp();
        let dir = dir.path();
        deal(dir, t, n);
        let file: PathBuf = dir.join("validator.toml");
        run_ok(&[
            "template",
            "definition",
            "--key",
            &key(dir, 1),
            "--file",
            file.to_str().unwrap(),
        ]);
        let edited = std::fs::read_to_string(&file)
            .unwrap()
            .replace("name = \"\"", "name = \"Piped Validator\"")
            .replace("sequence_number = 0", "sequence_number = 3");
        std::fs::write(&file, edited).unwrap();
        let k1 = key(dir, 1);
        let sig = ceremony(
            dir,
            usize::from(t),
            &[
                "coordinate",
                "definition",
                "--key",
                &k1,
                "--file",
                file.to_str().unwrap(),
                "--no-tui",
            ],
        );
        let validator = parse_definition_toml(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let bytes = stake_pb::Validator::from(validator).encode_to_vec();
        group_vk(dir)
            .verify(&bytes, &decode_signature(&sig))
            .unwrap();
    }
}

#[test]
fn vote_ceremonies_2_of_3_and_3_of_5() {
    for (t, n) in [(2u16, 3u16), (3, 5)] {
        let dir = temp();
        let dir = dir.path();
        deal(dir, t, n);
        let k1 = key(dir, 1);
        let sig = ceremony(
            dir,
            usize::from(t),
            &[
                "coordinate",
                "vote",
                "--key",
                &k1,
                "--proposal",
                "17",
                "--vote",
                "no",
                "--reason",
                "too soon",
                "--no-tui",
            ],
        );
        let group =
            keyfile::decode(&std::fs::read_to_string(dir.join("group.toml")).unwrap()).unwrap();
        let body = vote_body(
            group.material.group(),
            None,
            17,
            "no".parse().unwrap(),
            "too soon",
        )
        .unwrap();
        let bytes = governance_pb::ValidatorVoteBody::from(body).encode_to_vec();
        group_vk(dir)
            .verify(&bytes, &decode_signature(&sig))
            .unwrap();
    }
}

#[test]
fn transaction_ceremonies_2_of_3_and_3_of_5() {
    let plan_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plan.json");
    let plan: TransactionPlan =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    for (t, n) in [(2u16, 3u16), (3, 5)] {
        let dir = temp();
        let dir = dir.path();
        deal(dir, t, n);
        let k1 = key(dir, 1);
        let json = ceremony(
            dir,
            usize::from(t),
            &[
                "coordinate",
                "tx",
                "--key",
                &k1,
                "--plan",
                plan_path.to_str().unwrap(),
                "--no-tui",
            ],
        );
        let proto: penumbra_sdk_proto::core::transaction::v1::AuthorizationData =
            serde_json::from_str(&json).unwrap();
        let auth = AuthorizationData::try_from(proto).unwrap();
        let group =
            keyfile::decode(&std::fs::read_to_string(dir.join("group.toml")).unwrap()).unwrap();
        let fvk = group.material.group().fvk().clone();
        let hash = plan.effect_hash(&fvk).unwrap();
        assert_eq!(auth.effect_hash, Some(hash));
        assert_eq!(auth.spend_auths.len(), 1);
        for (spend, sig) in plan.spend_plans().zip(&auth.spend_auths) {
            fvk.spend_verification_key()
                .randomize(&spend.randomizer)
                .verify(hash.as_bytes(), sig)
                .unwrap();
        }
    }
}

#[test]
fn coordinator_without_a_share_and_follower_that_declines() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let group = dir.join("group.toml").display().to_string();
    let mut coordinator = Process::start(&[
        "coordinate",
        "vote",
        "--key",
        &group,
        "--proposal",
        "1",
        "--vote",
        "yes",
        "--no-tui",
    ]);
    let round1 = coordinator.recv();
    // A follower that declines signs nothing and says so.
    let mut decliner = Process::start(&["follow", "--key", &key(dir, 3), "--no-tui"]);
    decliner.send(&round1);
    decliner.send("no");
    drop(decliner.stdin.take());
    let status = decliner.child.wait().unwrap();
    assert!(!status.success());
    assert!(
        decliner
            .stdout
            .recv_timeout(Duration::from_secs(5))
            .is_err(),
        "a decliner prints no message"
    );
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        decliner.stderr().contains("declined: nothing was signed"),
        "{}",
        decliner.stderr()
    );
    // Two followers who approve interactively complete it.
    let mut followers: Vec<Process> = (1..=2)
        .map(|i| Process::start(&["follow", "--key", &key(dir, i), "--no-tui"]))
        .collect();
    for f in &mut followers {
        f.send(&round1);
        f.send("yes");
        coordinator.send(&f.recv());
    }
    let round2 = coordinator.recv();
    for f in &mut followers {
        f.send(&round2);
        coordinator.send(&f.recv());
    }
    let sig = decode_signature(&coordinator.recv());
    let stderr = coordinator.finish();
    assert!(stderr.contains("without a share"), "{stderr}");
    let keyfile =
        keyfile::decode(&std::fs::read_to_string(dir.join("group.toml")).unwrap()).unwrap();
    let body = vote_body(
        keyfile.material.group(),
        None,
        1,
        "yes".parse().unwrap(),
        "",
    )
    .unwrap();
    group_vk(dir)
        .verify(
            &governance_pb::ValidatorVoteBody::from(body).encode_to_vec(),
            &sig,
        )
        .unwrap();
}

#[test]
fn deal_refuses_to_overwrite_and_keys_round_trip_through_pcli() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let again = run(&["deal", "-t", "2", "-n", "3", "--out", dir.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));
    let pcli = dir.join("pcli-config.toml");
    run_ok(&[
        "keys",
        "export-pcli",
        "--key",
        &key(dir, 2),
        "--out",
        pcli.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&pcli).unwrap();
    assert!(text.contains("backend = \"Threshold\""), "{text}");
    let back = dir.join("back.toml");
    run_ok(&[
        "keys",
        "import-pcli",
        pcli.to_str().unwrap(),
        "--out",
        back.to_str().unwrap(),
    ]);
    let original = keyfile::decode(&std::fs::read_to_string(key(dir, 2)).unwrap()).unwrap();
    let imported = keyfile::decode(&std::fs::read_to_string(&back).unwrap()).unwrap();
    assert_eq!(original.material.group(), imported.material.group());
    // A pcli config works directly as --key too.
    let show = run_ok(&["keys", "show", "--key", pcli.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("2-of-3"));
}

/// A DKG among processes, one per home, wired by pipes. Returns the identity key every
/// participant printed and checks they all saw the same fingerprint.
fn dkg_via_pipes(homes: &[&Path], t: u16, name: &str) -> String {
    let n = homes.len().to_string();
    let t = t.to_string();
    let mut procs: Vec<Process> = homes
        .iter()
        .map(|h| {
            Process::start(&[
                "--home",
                h.to_str().unwrap(),
                "dkg",
                "-t",
                &t,
                "-n",
                &n,
                "--name",
                name,
                "--no-tui",
            ])
        })
        .collect();
    let round1: Vec<String> = procs.iter().map(|p| p.recv()).collect();
    // A participant's own message is skipped and the ceremony goes on.
    procs[0].send(&round1[0]);
    // Everyone but participant 0 completes round 1 first, so participant 0 receives round-2
    // messages before its round 1 is complete: they must be kept, not lost.
    let deliver = |procs: &mut Vec<Process>, to: usize, msgs: &[String]| {
        for (from, m) in msgs.iter().enumerate() {
            if from != to {
                procs[to].send(m);
            }
        }
    };
    // Each person compares the fingerprint and types it to confirm, as the prompt asks.
    let confirm = |p: &mut Process| {
        let code = p.wait_line("Round 1 fingerprint: ");
        p.send(&code.to_ascii_lowercase());
    };
    for to in 1..procs.len() {
        deliver(&mut procs, to, &round1);
        confirm(&mut procs[to]);
    }
    let mut round2 = vec![String::new()];
    round2.extend(procs[1..].iter().map(|p| p.recv()));
    for m in &round2[1..] {
        procs[0].send(m);
    }
    deliver(&mut procs, 0, &round1);
    confirm(&mut procs[0]);
    round2[0] = procs[0].recv();
    for to in 1..procs.len() {
        deliver(&mut procs, to, &round2);
    }
    let identity: Vec<String> = procs.iter().map(|p| p.recv()).collect();
    assert!(identity
        .iter()
        .all(|k| k == &identity[0] && k.starts_with("penumbravalid1")));
    let mut fingerprints = Vec::new();
    for (i, p) in procs.into_iter().enumerate() {
        let stderr = p.finish();
        if i == 0 {
            assert!(
                stderr.contains("skipped your own DKGRound1: send it to the others"),
                "{stderr}"
            );
        }
        let fp = stderr
            .lines()
            .find_map(|l| l.strip_prefix("Round 1 fingerprint: "))
            .unwrap()
            .to_string();
        fingerprints.push(fp);
    }
    assert!(
        fingerprints.iter().all(|f| f == &fingerprints[0]),
        "{fingerprints:?}"
    );
    identity[0].clone()
}

fn stored_group(home: &Path, name: &str) -> hoarfrost::keys::GroupKey {
    let text = std::fs::read_to_string(home.join("keys").join(format!("{name}.toml"))).unwrap();
    keyfile::decode(&text).unwrap().material.group().clone()
}

fn follower_in(home: &Path) -> Vec<String> {
    [
        "--home",
        home.to_str().unwrap(),
        "follow",
        "--no-tui",
        "--yes",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn dkg_then_definition_and_vote_with_separate_identity_and_governance_keys() {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| temp()).collect();
    let homes: Vec<&Path> = dirs.iter().map(|d| d.path()).collect();
    let identity = dkg_via_pipes(&homes, 2, "identity");
    let governance_identity = dkg_via_pipes(&homes, 2, "governance");
    assert_ne!(identity, governance_identity);
    let home_a = homes[0].to_str().unwrap();

    // The store lists both keys.
    let list = run(&["--home", home_a, "keys", "list"]);
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(
        listing.contains("identity") && listing.contains("governance"),
        "{listing}"
    );
    // Encrypted shares are listed by their participant, not as public key data.
    assert!(!listing.contains("public"), "{listing}");

    // A definition with the identity key, naming the separate governance key.
    let file = homes[0].join("validator.toml");
    run_ok(&[
        "--home",
        home_a,
        "template",
        "definition",
        "--name",
        "identity",
        "--governance-name",
        "governance",
        "--file",
        file.to_str().unwrap(),
    ]);
    // The coordinator and the follower each pick the identity key from the request.
    let sig = ceremony_with(
        &[
            "--home",
            home_a,
            "coordinate",
            "definition",
            "--file",
            file.to_str().unwrap(),
            "--no-tui",
        ],
        &[follower_in(homes[1])],
    );
    let validator = parse_definition_toml(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let identity_group = stored_group(homes[0], "identity");
    let governance_group = stored_group(homes[0], "governance");
    assert_eq!(validator.identity_key.to_string(), identity);
    assert_eq!(validator.governance_key, governance_group.governance_key());
    identity_group
        .fvk()
        .spend_verification_key()
        .verify(
            &stake_pb::Validator::from(validator).encode_to_vec(),
            &decode_signature(&sig),
        )
        .unwrap();

    // A vote with the governance key, for the validator whose identity key is the other one.
    let sig = ceremony_with(
        &[
            "--home",
            home_a,
            "coordinate",
            "vote",
            "--name",
            "governance",
            "--proposal",
            "3",
            "--vote",
            "yes",
            "--validator",
            &identity,
            "--no-tui",
        ],
        &[follower_in(homes[2])],
    );
    let body = vote_body(
        &governance_group,
        Some(identity.parse().unwrap()),
        3,
        "yes".parse().unwrap(),
        "",
    )
    .unwrap();
    governance_group
        .fvk()
        .spend_verification_key()
        .verify(
            &governance_pb::ValidatorVoteBody::from(body).encode_to_vec(),
            &decode_signature(&sig),
        )
        .unwrap();

    // A key check: all three sign; followers pick the key by the check's FVK.
    let mut coordinator =
        Process::start(&["--home", home_a, "check", "--name", "identity", "--no-tui"]);
    let round1 = coordinator.recv();
    let mut followers: Vec<Process> = homes[1..]
        .iter()
        .map(|h| {
            Process::start(
                &follower_in(h)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    for f in &mut followers {
        f.send(&round1);
        coordinator.send(&f.recv());
    }
    let round2 = coordinator.recv();
    for f in &mut followers {
        f.send(&round2);
        coordinator.send(&f.recv());
    }
    let stderr = coordinator.finish();
    assert!(
        stderr.contains("Key check passed: 3 participants signed"),
        "{stderr}"
    );
    for f in followers {
        let stderr = f.finish();
        assert!(stderr.contains("KEY CHECK"), "{stderr}");
    }

    // A follower with an empty store is refused before anything is pasted, naming the store.
    let empty = temp();
    let refused = run(&follower_in(empty.path())
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("no key with a share") && said.contains(&empty.path().display().to_string()),
        "{said}"
    );
    // A follower with no matching key says so and signs nothing.
    let stranger = temp();
    let other = hoarfrost::keys::deal(&mut rand_core::OsRng, 2, 3).unwrap();
    hoarfrost::store::Store::open(Some(stranger.path()))
        .unwrap()
        .save(
            "other",
            &keyfile::StoredKey {
                name: None,
                material: keyfile::KeyMaterial::Share(other[0].clone()),
                transcript_fingerprint: None,
            },
        )
        .unwrap();
    let mut lost = Process::start(
        &follower_in(stranger.path())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    lost.send(&round1);
    drop(lost.stdin.take());
    assert!(!lost.child.wait().unwrap().success());
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        lost.stderr().contains("can sign this transaction"),
        "{}",
        lost.stderr()
    );
}

#[test]
fn deal_into_each_participants_store_and_import_pcli_by_name() {
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| temp()).collect();
    let homes: Vec<&str> = dirs.iter().map(|d| d.path().to_str().unwrap()).collect();
    let mut args = vec![
        "deal", "-t", "2", "-n", "3", "--name", "identity", "--homes",
    ];
    args.extend(&homes[..3]);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let groups: Vec<_> = dirs[..3]
        .iter()
        .map(|d| stored_group(d.path(), "identity"))
        .collect();
    assert!(groups.iter().all(|g| g == &groups[0]));
    // Each store holds a different participant's share.
    let fingerprints: std::collections::BTreeSet<String> = homes[..3]
        .iter()
        .map(|h| {
            let show = run(&["--home", h, "keys", "show", "--name", "identity"]);
            assert!(show.status.success());
            String::from_utf8_lossy(&show.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("this participant: ").map(str::to_string))
                .unwrap()
        })
        .collect();
    assert_eq!(fingerprints.len(), 3);
    // Export one as a pcli config and import it by name into a fourth store.
    let pcli = dirs[3].path().join("pcli.toml");
    run_ok(&[
        "--home",
        homes[0],
        "keys",
        "export-pcli",
        "--name",
        "identity",
        "--out",
        pcli.to_str().unwrap(),
    ]);
    run_ok(&[
        "--home",
        homes[3],
        "keys",
        "import-pcli",
        pcli.to_str().unwrap(),
        "--name",
        "imported",
    ]);
    assert_eq!(stored_group(dirs[3].path(), "imported"), groups[0]);
    // Names are checked and keys never overwritten.
    let again = run(&[
        "--home",
        homes[3],
        "keys",
        "import-pcli",
        pcli.to_str().unwrap(),
        "--name",
        "imported",
    ]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = run(&["--home", homes[3], "keys", "show", "--name", "../etc"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("use 1 to 64 letters"));
}

#[test]
fn keys_are_encrypted_unless_said_otherwise() {
    let dir = temp();
    let out_dir = dir.path().join("keys");
    let out = out_dir.to_str().unwrap();
    // No passphrase source and no terminal: refused, saying what to do; nothing written.
    let refused = run_plain(&["deal", "-t", "2", "-n", "3", "--out", out]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--passphrase-file") && stderr.contains("--unencrypted"),
        "{stderr}"
    );
    assert!(!out_dir.join("participant-1.toml").exists());
    // Explicitly unencrypted.
    let plain = run_plain(&["deal", "-t", "2", "-n", "3", "--out", out, "--unencrypted"]);
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let show = run_plain(&[
        "keys",
        "show",
        "--key",
        out_dir.join("participant-1.toml").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("UNENCRYPTED"));
    // Encrypted: the file holds no share in the clear, and a wrong passphrase is named.
    let sealed_dir = dir.path().join("sealed");
    run_ok(&[
        "deal",
        "-t",
        "2",
        "-n",
        "3",
        "--out",
        sealed_dir.to_str().unwrap(),
    ]);
    let file = sealed_dir.join("participant-2.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[encrypted]") && !text.contains("spend_key_share"),
        "{text}"
    );
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "not it\n").unwrap();
    let export = run_plain(&[
        "keys",
        "export-pcli",
        "--passphrase-file",
        wrong.to_str().unwrap(),
        "--key",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("x.toml").to_str().unwrap(),
    ]);
    assert!(!export.status.success());
    assert!(String::from_utf8_lossy(&export.stderr).contains("wrong passphrase"));
}

#[test]
fn keys_are_renamed_and_deleted_only_when_confirmed() {
    let dir = temp();
    let home = dir.path().to_str().unwrap();
    let deal_as = |name: &str| {
        let out = dir.path().join(format!("dealt-{name}"));
        run_ok(&[
            "--home",
            home,
            "deal",
            "-t",
            "2",
            "-n",
            "3",
            "--name",
            name,
            "--out",
            out.to_str().unwrap(),
        ]);
    };
    deal_as("gov");
    run_ok(&[
        "--home",
        home,
        "keys",
        "rename",
        "--name",
        "gov",
        "--to",
        "governance",
    ]);
    let list = run_ok(&["--home", home, "keys", "list"]);
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("governance") && !list.contains("gov "),
        "{list}"
    );
    // Never over another key.
    deal_as("other");
    let clash = run(&[
        "--home",
        home,
        "keys",
        "rename",
        "--name",
        "other",
        "--to",
        "governance",
    ]);
    assert!(String::from_utf8_lossy(&clash.stderr).contains("refusing to overwrite"));
    // Deleting asks for the name; a wrong answer deletes nothing.
    let delete = |answer: &str| {
        let mut p = Process::start(&["--home", home, "keys", "delete", "--name", "governance"]);
        p.send(answer);
        drop(p.stdin.take());
        let ok = p.child.wait().unwrap().success();
        std::thread::sleep(std::time::Duration::from_millis(50));
        (ok, p.stderr())
    };
    let (ok, stderr) = delete("gov");
    assert!(!ok);
    assert!(stderr.contains("share of a 2-of-3 key"), "{stderr}");
    assert!(dir.path().join("keys/governance.toml").exists());
    assert!(delete("governance").0);
    assert!(!dir.path().join("keys/governance.toml").exists());
    run_ok(&["--home", home, "keys", "delete", "--name", "other", "--yes"]);
    let list = run_ok(&["--home", home, "keys", "list"]);
    assert!(String::from_utf8_lossy(&list.stderr).contains("no keys"));
}

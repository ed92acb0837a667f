//! `hoarfrost split` through the real binary: an existing Penumbra key (a seed phrase, or a
//! pcli SoftKms config) into t-of-n custody, keeping its full viewing key, identity key and
//! governance key; and the split key signing a validator definition that verifies under the
//! original identity key.

mod common;

use std::path::Path;

use common::process::*;
use hoarfrost::definition::parse_definition_toml;
use hoarfrost::keyfile;
use hoarfrost::keys::GroupKey;
use penumbra_sdk_keys::keys::{Bip44Path, SeedPhrase, SpendKey};
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::Message;
use penumbra_sdk_stake::{GovernanceKey, IdentityKey};

/// A seed phrase as `pcli init soft-kms generate` shows it, and the spend key pcli derives.
fn phrase() -> (String, SpendKey) {
    let phrase = SeedPhrase::generate(rand_core::OsRng);
    let text = phrase.to_string();
    let key = SpendKey::from_seed_phrase_bip44(phrase, &Bip44Path::new(0));
    (text, key)
}

fn group_of(path: &Path) -> GroupKey {
    keyfile::decode(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .material
        .group()
        .clone()
}

/// The split group is the original key: same FVK (nk included), identity and governance keys.
fn assert_same_key(group: &GroupKey, key: &SpendKey) {
    let fvk = key.full_viewing_key();
    assert_eq!(group.fvk(), fvk);
    assert_eq!(group.fvk().nullifier_key(), fvk.nullifier_key());
    assert_eq!(
        group.identity_key(),
        IdentityKey((*fvk.spend_verification_key()).into())
    );
    assert_eq!(
        group.governance_key(),
        GovernanceKey(*fvk.spend_verification_key())
    );
}

#[test]
fn a_seed_phrase_splits_non_interactively_and_signs_under_the_original_identity() {
    let dir = temp();
    let dir = dir.path();
    let (words, spend_key) = phrase();
    let words_file = dir.join("words.txt");
    std::fs::write(&words_file, format!("{words}\n")).unwrap();
    let out_dir = dir.join("keys");
    let out = run_plain(&[
        "split",
        "-t",
        "2",
        "-n",
        "3",
        "--phrase-file",
        words_file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--unencrypted",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("trusted-dealer step") && stderr.contains("offline"),
        "{stderr}"
    );
    let identity = IdentityKey((*spend_key.full_viewing_key().spend_verification_key()).into());
    assert!(stderr.contains(&identity.to_string()), "{stderr}");
    assert!(stderr.contains("Compare the identity key"), "{stderr}");
    // Any two consecutive words: single words of the list ("public", "machine", "destroy")
    // are ordinary English that the program's own text may hold.
    let list: Vec<&str> = words.split_whitespace().collect();
    for pair in list.windows(2) {
        assert!(
            !stderr.contains(&pair.join(" ")),
            "the phrase must not be echoed: {stderr}"
        );
    }
    let group = group_of(&out_dir.join("group.toml"));
    assert_same_key(&group, &spend_key);
    assert_eq!((group.threshold(), group.participant_count()), (2, 3));
    for i in 1..=3 {
        assert_eq!(
            group_of(&out_dir.join(format!("participant-{i}.toml"))),
            group
        );
    }
    // The 2-of-3 key signs a validator definition that verifies under the original key.
    let file = dir.join("validator.toml");
    run_ok(&[
        "template",
        "definition",
        "--key",
        &key(&out_dir, 1),
        "--file",
        file.to_str().unwrap(),
    ]);
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("name = \"\"", "name = \"Split Validator\"");
    std::fs::write(&file, edited).unwrap();
    let sig = ceremony(
        &out_dir,
        2,
        &[
            "coordinate",
            "definition",
            "--key",
            &key(&out_dir, 1),
            "--file",
            file.to_str().unwrap(),
            "--no-tui",
        ],
    );
    let validator = parse_definition_toml(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(validator.identity_key, identity);
    let bytes = stake_pb::Validator::from(validator).encode_to_vec();
    spend_key
        .full_viewing_key()
        .spend_verification_key()
        .verify(&bytes, &decode_signature(&sig))
        .unwrap();
}

/// A pcli config with a SoftKms custody backend in `section`, as `pcli init soft-kms` writes.
fn pcli_config(key: &SpendKey, section: &str) -> String {
    let backend =
        toml::to_string(&penumbra_sdk_custody::soft_kms::Config::from(key.clone())).unwrap();
    format!(
        "grpc_url = \"https://grpc.penumbra.zone/\"\nfull_viewing_key = \"{}\"\n\n[{section}]\nbackend = \"SoftKms\"\n{backend}",
        key.full_viewing_key()
    )
}

#[test]
fn a_pcli_soft_kms_config_splits_into_each_participants_store_sealed() {
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| temp()).collect();
    let homes: Vec<&str> = dirs[..3]
        .iter()
        .map(|d| d.path().to_str().unwrap())
        .collect();
    let (_, spend_key) = phrase();
    let config = dirs[3].path().join("config.toml");
    std::fs::write(&config, pcli_config(&spend_key, "custody")).unwrap();
    let mut args = vec![
        "split",
        "-t",
        "2",
        "-n",
        "3",
        "--from-pcli",
        config.to_str().unwrap(),
        "--name",
        "identity",
        "--homes",
    ];
    args.extend(&homes);
    run_ok(&args);
    for home in &homes {
        let path = Path::new(home).join("keys/identity.toml");
        let stored = keyfile::decode(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(stored.material.is_sealed());
        assert_same_key(stored.material.group(), &spend_key);
    }
    // A separate governance key in [governance_custody] splits the same way.
    let (_, governance) = phrase();
    std::fs::write(&config, pcli_config(&governance, "governance_custody")).unwrap();
    let out_dir = dirs[3].path().join("governance");
    run_ok(&[
        "split",
        "-t",
        "2",
        "-n",
        "2",
        "--from-pcli",
        config.to_str().unwrap(),
        "--section",
        "governance-custody",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_same_key(&group_of(&out_dir.join("group.toml")), &governance);
}

#[test]
fn split_refuses_by_name_and_writes_nothing() {
    let dir = temp();
    let dir = dir.path();
    let (words, spend_key) = phrase();
    let out_dir = dir.join("keys");
    let err = |args: &[&str]| {
        let out = run(args);
        assert!(!out.status.success());
        assert!(!out_dir.exists(), "nothing is written");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let out = out_dir.to_str().unwrap();
    // A 2-of-3 split of the key `source` names (`--phrase-file` or `--from-pcli`), refused.
    let split_2_of_3 = |source: &str, file: &str| {
        err(&["split", "-t", "2", "-n", "3", source, file, "--out", out])
    };
    // A phrase with one word changed fails its checksum; the words are not repeated.
    let mut changed: Vec<&str> = words.split_whitespace().collect();
    changed[3] = if changed[3] == "abandon" {
        "ability"
    } else {
        "abandon"
    };
    let bad = file("bad.txt", &changed.join(" "));
    let e = split_2_of_3("--phrase-file", &bad);
    // Two words in a row: one word alone may be part of the program's own text.
    let quoted = changed[..2].join(" ");
    assert!(e.contains("checksum") && !e.contains(&quoted), "{e}");
    let short = file("short.txt", "zoo zoo zoo");
    let e = split_2_of_3("--phrase-file", &short);
    assert!(e.contains("24 or 12 words"), "{e}");
    // A threshold config is already split.
    let threshold = file(
        "threshold.toml",
        "[custody]\nbackend = \"Threshold\"\nthreshold = 2\n",
    );
    let e = split_2_of_3("--from-pcli", &threshold);
    assert!(e.contains("already holds a threshold share"), "{e}");
    // A config whose FVK is not its spend key's.
    let (_, other) = phrase();
    let mixed = pcli_config(&spend_key, "custody").replace(
        &spend_key.full_viewing_key().to_string(),
        &other.full_viewing_key().to_string(),
    );
    let mixed = file("mixed.toml", &mixed);
    let e = split_2_of_3("--from-pcli", &mixed);
    assert!(e.contains("inconsistent"), "{e}");
    // Destinations and parameters.
    let good = file("words.txt", &words);
    let e = err(&["split", "-t", "2", "-n", "3", "--phrase-file", &good]);
    assert!(e.contains("say where the shares go"), "{e}");
    let e = err(&[
        "split",
        "-t",
        "4",
        "-n",
        "3",
        "--phrase-file",
        &good,
        "--out",
        out,
    ]);
    assert!(
        e.contains("threshold 4 is invalid for 3 participants"),
        "{e}"
    );
    // Sealing needs a passphrase: without a terminal, a script must say how.
    let plain = run_plain(&[
        "split",
        "-t",
        "2",
        "-n",
        "3",
        "--phrase-file",
        &good,
        "--out",
        out,
    ]);
    assert!(!plain.status.success());
    assert!(String::from_utf8_lossy(&plain.stderr).contains("--passphrase-file"));
    assert!(!out_dir.exists());
}

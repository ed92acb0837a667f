//! After a refresh or repair the new share replaces the old one in its key file: atomically,
//! sealed again under the same passphrase, read back, and with nothing of the old share left
//! beside it; the journal's identity is unchanged; anything unexpected is refused untouched.

mod common;

use std::path::Path;

use common::process::temp;
use common::*;
use hoarfrost::fsutil::backup_path;
use hoarfrost::journal::ShareId;
use hoarfrost::keyfile::{self, KeyMaterial, StoredKey};
use hoarfrost::sealed::KdfParams;
use hoarfrost::store::{replace_share, write_key_file, Store};

const PASSPHRASE: &[u8] = b"correct horse battery staple";

fn sealed(material: KeyMaterial, seed: u64) -> StoredKey {
    let kdf = KdfParams::with_memory_mib(64).unwrap();
    StoredKey {
        name: Some("identity".into()),
        material: material.seal(PASSPHRASE, kdf, &mut rng(seed)).unwrap(),
        transcript_fingerprint: Some("QT97-2Z0T-H1ZD-33QN-XPPV".into()),
    }
}

fn load(path: &Path) -> StoredKey {
    keyfile::decode(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_refreshed_share_replaces_the_old_one_and_nothing_of_it_is_left() {
    let old = dealt(2, 3, 120);
    let new = refreshed(&old, &[0, 1, 2], 121);
    let home = temp();
    let store = Store::open(Some(home.path())).unwrap();
    let before = sealed(KeyMaterial::Share(old[0].clone()), 122);
    let path = store.save("identity", &before).unwrap();
    let old_text = std::fs::read_to_string(&path).unwrap();
    // What an earlier backup and a crash mid-write would have left beside it.
    std::fs::write(backup_path(&path), &old_text).unwrap();
    let crashed = path.with_file_name(".identity.toml.0123456789abcdef.tmp");
    std::fs::write(&crashed, &old_text).unwrap();
    let group_file = home.path().join("group.toml");
    write_key_file(
        &group_file,
        &StoredKey {
            name: None,
            material: KeyMaterial::Public(old[0].group().clone()),
            transcript_fingerprint: None,
        },
    )
    .unwrap();
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());

    let replaced = replace_share(
        &path,
        &store.load("identity").unwrap(),
        &new[0],
        Some(PASSPHRASE),
        Some(&group_file),
    )
    .unwrap();
    assert_eq!(replaced.removed.len(), 2, "{replaced:?}");
    assert_eq!(names_in(path.parent().unwrap()), ["identity.toml"]);
    #[cfg(unix)]
    assert_ne!(
        inode,
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap()),
        "a new file was renamed over the old one, not written into it"
    );
    // Sealed again, under the same passphrase and cost, to the new share; the name and the
    // key generation's fingerprint are kept.
    let after = load(&path);
    let KeyMaterial::Sealed { sealed, .. } = &after.material else {
        panic!("still sealed")
    };
    assert_eq!(sealed.params, KdfParams::with_memory_mib(64).unwrap());
    let share = after.material.unlock(Some(PASSPHRASE)).unwrap().unwrap();
    assert_eq!(share.signing_share(), new[0].signing_share());
    assert_eq!(share.group().generation().number, 1);
    assert_eq!(after.name.as_deref(), Some("identity"));
    assert_eq!(after.transcript_fingerprint, before.transcript_fingerprint);
    // The journal is found by the same identity.
    assert_eq!(ShareId::of_share(&share), ShareId::of_share(&old[0]));
    // The public description is the new generation.
    assert_eq!(load(&group_file).material.group(), new[0].group());
}

#[test]
fn a_plain_share_stays_plain_and_needs_no_passphrase() {
    let old = dealt(2, 3, 130);
    let new = refreshed(&old, &[0, 1], 131);
    let dir = temp();
    let path = dir.path().join("participant-2.toml");
    let before = StoredKey {
        name: None,
        material: KeyMaterial::Share(old[1].clone()),
        transcript_fingerprint: None,
    };
    write_key_file(&path, &before).unwrap();
    replace_share(&path, &before, &new[1], None, None).unwrap();
    let after = load(&path);
    assert!(!after.material.is_sealed());
    assert_eq!(
        after.material.share().unwrap().signing_share(),
        new[1].signing_share()
    );
}

#[test]
fn anything_unexpected_is_refused_and_left_as_it_was() {
    let old = dealt(2, 3, 140);
    let new = refreshed(&old, &[0, 1, 2], 141);
    let dir = temp();
    let path = dir.path().join("key.toml");
    let before = sealed(KeyMaterial::Share(old[0].clone()), 142);
    write_key_file(&path, &before).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let refused = |e: anyhow::Error, needle: &str| {
        let e = format!("{e:#}");
        assert!(e.contains(needle), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "untouched");
    };
    // Another participant's new share.
    refused(
        replace_share(&path, &before, &new[1], Some(PASSPHRASE), None).unwrap_err(),
        "not this participant's share",
    );
    // A sealed share without its passphrase.
    refused(
        replace_share(&path, &before, &new[0], None, None).unwrap_err(),
        "its passphrase is needed",
    );
    // The file holds something else than when the ceremony started.
    let other = sealed(KeyMaterial::Share(old[1].clone()), 143);
    refused(
        replace_share(&path, &other, &new[1], Some(PASSPHRASE), None).unwrap_err(),
        "changed since the ceremony started",
    );
    // A "group file" that holds a share is not overwritten.
    let not_a_group = dir.path().join("share.toml");
    write_key_file(
        &not_a_group,
        &StoredKey {
            name: None,
            material: KeyMaterial::Share(old[2].clone()),
            transcript_fingerprint: None,
        },
    )
    .unwrap();
    let share_text = std::fs::read_to_string(&not_a_group).unwrap();
    refused(
        replace_share(
            &path,
            &before,
            &new[0],
            Some(PASSPHRASE),
            Some(&not_a_group),
        )
        .unwrap_err(),
        "is not this key's public group description",
    );
    assert_eq!(std::fs::read_to_string(&not_a_group).unwrap(), share_text);
}

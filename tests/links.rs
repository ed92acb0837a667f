//! Files never follow planted links: for every writer of the real binary, a symbolic link to a
//! victim file planted at the destination or at its backup name (`<dest>.bak`) makes the write
//! refuse (or replace the link itself), and the victim keeps its content and its mode.
#![cfg(unix)]

mod common;

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use common::process::*;
use common::{dealt, definition_request};
use hoarfrost::messages::Codec;
use hoarfrost::signing::Coordinator;

/// A file that must never change: readable by everyone, with known content.
struct Victim {
    path: PathBuf,
}

impl Victim {
    fn new(dir: &Path) -> Self {
        let path = dir.join("victim.txt");
        std::fs::write(&path, "the victim's own content\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Self { path }
    }

    fn plant(&self, at: &Path) {
        symlink(&self.path, at).unwrap();
    }

    fn assert_untouched(&self, what: &str) {
        assert_eq!(
            std::fs::read_to_string(&self.path).unwrap(),
            "the victim's own content\n",
            "{what}: the victim's content changed"
        );
        let mode = std::fs::metadata(&self.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{what}: the victim's mode changed");
    }
}

fn backup_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Either refused, or the link itself was replaced by a regular file.
fn refused_or_replaced(out: &std::process::Output, at: &Path) {
    let is_link = std::fs::symlink_metadata(at)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    assert!(
        !out.status.success() || !is_link,
        "{} still links to the victim after a successful write",
        at.display()
    );
}

fn round1_json() -> String {
    let shares = dealt(2, 3, 41);
    let (_, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        definition_request(&shares[0], 1),
        None,
    )
    .unwrap();
    round1.to_json()
}

fn encode_into(out: &Path, message: &str) -> std::process::Output {
    run_with_input(
        &["encode", "--out", out.to_str().unwrap()],
        &format!("{message}\n"),
    )
}

#[test]
fn qr_frames_never_follow_a_link() {
    let dir = temp();
    let victim = Victim::new(dir.path());
    let message = round1_json();
    // At the frame's own name.
    let frames = dir.path().join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    let first = frames.join("coordinatorround1-001.png");
    victim.plant(&first);
    let out = encode_into(&frames, &message);
    victim.assert_untouched("a link at the frame");
    refused_or_replaced(&out, &first);
    // At the backup's name, with a frame already there.
    let again = dir.path().join("again");
    assert!(encode_into(&again, &message).status.success());
    let frame = again.join("coordinatorround1-001.png");
    victim.plant(&backup_of(&frame));
    let out = encode_into(&again, &message);
    victim.assert_untouched("a link at the frame's backup");
    refused_or_replaced(&out, &backup_of(&frame));
}

#[test]
fn keys_and_exports_never_follow_a_link() {
    let dir = temp();
    let victim = Victim::new(dir.path());
    // A dealt key file.
    let keys = dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    victim.plant(&keys.join("participant-2.toml"));
    let out = run(&[
        "deal",
        "-t",
        "2",
        "-n",
        "3",
        "--out",
        keys.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    victim.assert_untouched("a link at a dealt key file");
    // A pcli export, and a journal export.
    let dealt_dir = dir.path().join("dealt");
    deal(&dealt_dir, 2, 3);
    let pcli = dir.path().join("pcli.toml");
    victim.plant(&pcli);
    let out = run(&[
        "keys",
        "export-pcli",
        "--key",
        &key(&dealt_dir, 1),
        "--out",
        pcli.to_str().unwrap(),
    ]);
    victim.assert_untouched("a link at a pcli export");
    refused_or_replaced(&out, &pcli);
    let exported = dir.path().join("journal.json");
    victim.plant(&exported);
    let out = run(&[
        "journal",
        "export",
        "--key",
        &key(&dealt_dir, 1),
        "--out",
        exported.to_str().unwrap(),
    ]);
    victim.assert_untouched("a link at a journal export");
    refused_or_replaced(&out, &exported);
}

#[test]
fn the_journal_and_its_lock_never_follow_a_link() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let victim = Victim::new(dir);
    let file = key(dir, 1);
    let material = hoarfrost::keyfile::decode(&std::fs::read_to_string(&file).unwrap())
        .unwrap()
        .material;
    let id = hoarfrost::journal::ShareId::of_material(&material).unwrap();
    let folder = state_dir().join("journal");
    std::fs::create_dir_all(&folder).unwrap();
    let watermark = |n: &str| run(&["journal", "watermark", "--key", &file, "--definition", n]);
    for (what, at) in [
        ("the lock", id.lock_in(&folder)),
        ("the journal", id.journal_in(&folder)),
    ] {
        victim.plant(&at);
        let out = watermark("3");
        assert!(!out.status.success(), "a link at {what} was followed");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("symbolic link"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        victim.assert_untouched(what);
        std::fs::remove_file(&at).unwrap();
    }
    // With a journal in place, a link at its backup's name.
    assert!(watermark("3").status.success());
    let backup = backup_of(&id.journal_in(&folder));
    let _ = std::fs::remove_file(&backup);
    victim.plant(&backup);
    let out = watermark("4");
    victim.assert_untouched("the journal's backup");
    refused_or_replaced(&out, &backup);
}

//! One journal and one lock per share, whatever route loaded it: the store by name, the key
//! file `deal --out` wrote, a pcli config exported from it, or a copy of the file in another
//! home. What one route signed, every other route sees; while one route signs, every other
//! route is refused. Journals of the previous layout are taken over on first use.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::process::*;
use hoarfrost::definition::parse_definition_toml;
use hoarfrost::journal::Journal;
use hoarfrost::keyfile;
use hoarfrost::request::SigningRequest;

/// The four ways participant 1's share can be named, with a label for failure messages.
struct Route {
    label: &'static str,
    args: Vec<String>,
}

impl Route {
    fn args(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// Deals a 2-of-3 key into `dir` and lays out every route to participant 1's share: the key
/// file, a pcli config exported from it, the pcli config imported by name into one home, and
/// the key file copied by hand into another home.
fn routes(dir: &Path) -> Vec<Route> {
    deal(dir, 2, 3);
    let file = key(dir, 1);
    let pcli = dir.join("participant-1-pcli.toml");
    run_ok(&[
        "keys",
        "export-pcli",
        "--key",
        &file,
        "--out",
        pcli.to_str().unwrap(),
    ]);
    let imported = dir.join("home-imported");
    run_ok(&[
        "--home",
        imported.to_str().unwrap(),
        "keys",
        "import-pcli",
        pcli.to_str().unwrap(),
        "--name",
        "identity",
    ]);
    let copied = dir.join("home-copied");
    std::fs::create_dir_all(copied.join("keys")).unwrap();
    std::fs::copy(&file, copied.join("keys/validator.toml")).unwrap();
    vec![
        Route {
            label: "key file",
            args: strings(&["--key", &file]),
        },
        Route {
            label: "pcli config",
            args: strings(&["--key", pcli.to_str().unwrap()]),
        },
        Route {
            label: "store name",
            args: strings(&["--home", imported.to_str().unwrap(), "--name", "identity"]),
        },
        Route {
            label: "copy in another home",
            args: strings(&["--home", copied.to_str().unwrap(), "--name", "validator"]),
        },
    ]
}

fn coordinate_definition<'a>(route: &'a Route, file: &'a Path) -> Vec<&'a str> {
    let mut args = vec!["coordinate", "definition"];
    args.extend(route.args());
    args.extend(["--file", file.to_str().unwrap(), "--no-tui"]);
    args
}

fn follower(dir: &Path, i: usize) -> Vec<String> {
    strings(&["follow", "--key", &key(dir, i), "--no-tui", "--yes"])
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn what_one_route_signed_every_other_route_refuses_to_contradict() {
    for first in 0..4 {
        let dir = temp();
        let dir = dir.path();
        let routes = routes(dir);
        let signed = write_definition(dir, 5, "first");
        let conflicting = write_definition(dir, 5, "second");
        let sig = ceremony_with(
            &coordinate_definition(&routes[first], &signed),
            &[follower(dir, 2)],
        );
        assert_eq!(sig.len(), 88);
        for other in routes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != first)
            .map(|(_, r)| r)
        {
            // As coordinator: refused before anything is sent.
            let out = run(&coordinate_definition(other, &conflicting));
            let stderr = stderr_of(&out);
            assert!(
                !out.status.success()
                    && stderr.contains("different validator definition #5 was signed at"),
                "signed via {}, then a different #5 via {}: {stderr}",
                routes[first].label,
                other.label
            );
            assert!(
                out.stdout.is_empty(),
                "nothing was sent via {}",
                other.label
            );
            // The journal commands show the same journal.
            let mut show = vec!["journal", "show"];
            show.extend(other.args());
            let out = run_ok(&show);
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("validator definitions signed: 1") && text.contains("#5"),
                "journal show via {} after signing via {}: {text}",
                other.label,
                routes[first].label
            );
        }
    }
}

#[test]
fn as_a_follower_every_route_refuses_what_another_route_signed() {
    let dir = temp();
    let dir = dir.path();
    let routes = routes(dir);
    let signed = write_definition(dir, 5, "first");
    let conflicting = write_definition(dir, 5, "second");
    ceremony_with(
        &coordinate_definition(&routes[0], &signed),
        &[follower(dir, 2)],
    );
    // Participant 3, whose journal has not seen #5, asks participant 1 to sign another #5.
    let file3 = key(dir, 3);
    let mut coordinator = Process::start(&[
        "coordinate",
        "definition",
        "--key",
        &file3,
        "--file",
        conflicting.to_str().unwrap(),
        "--no-tui",
    ]);
    let round1 = coordinator.recv();
    for route in &routes[1..] {
        let mut args = vec!["follow"];
        args.extend(route.args());
        args.extend(["--no-tui", "--yes"]);
        let mut f = Process::start(&args);
        f.send(&round1);
        drop(f.stdin.take());
        assert!(!f.child.wait().unwrap().success());
        assert!(
            f.stdout.recv_timeout(Duration::from_secs(2)).is_err(),
            "no reply via {}",
            route.label
        );
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            f.stderr()
                .contains("different validator definition #5 was signed at"),
            "follower via {}: {}",
            route.label,
            f.stderr()
        );
    }
    drop(coordinator.stdin.take());
    let _ = coordinator.child.kill();
    let _ = coordinator.child.wait();
}

#[test]
fn while_one_route_signs_every_other_route_is_refused_by_the_lock() {
    let dir = temp();
    let dir = dir.path();
    let routes = routes(dir);
    let a = write_definition(dir, 3, "a");
    let b = write_definition(dir, 3, "b");
    for (h, holder) in routes.iter().enumerate() {
        // The holder has sent its first message and waits for replies: it holds the share.
        let mut running = Process::start(&coordinate_definition(holder, &a));
        let _round1 = running.recv();
        for other in routes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != h)
            .map(|(_, r)| r)
        {
            let out = run(&coordinate_definition(other, &b));
            let stderr = stderr_of(&out);
            assert!(
                !out.status.success()
                    && stderr.contains("in use by another hoarfrost process")
                    && stderr.contains(".lock"),
                "{} holds the share; {} must be refused naming the lock: {stderr}",
                holder.label,
                other.label
            );
            assert!(out.stdout.is_empty());
        }
        drop(running.stdin.take());
        let _ = running.child.kill();
        let _ = running.child.wait();
    }
}

#[test]
fn a_watermark_set_through_one_route_holds_for_every_route() {
    let dir = temp();
    let dir = dir.path();
    let routes = routes(dir);
    let mut watermark = vec!["journal", "watermark"];
    watermark.extend(routes[2].args());
    watermark.extend(["--definition", "7"]);
    run_ok(&watermark);
    let seven = write_definition(dir, 7, "seven");
    for route in &routes {
        let mut show = vec!["journal", "show"];
        show.extend(route.args());
        let text = String::from_utf8_lossy(&run_ok(&show).stdout).into_owned();
        assert!(
            text.contains("definitions up to #7 are refused"),
            "{}: {text}",
            route.label
        );
        let stderr = stderr_of(&run(&coordinate_definition(route, &seven)));
        assert!(
            stderr.contains("at or below the low watermark #7"),
            "{}: {stderr}",
            route.label
        );
    }
}

/// A journal as the previous layout wrote it, holding `entries` signed at a fixed time.
fn old_journal(dir: &Path, entries: &[(&SigningRequest, Vec<u8>)]) -> String {
    let group = keyfile::decode(&std::fs::read_to_string(dir.join("group.toml")).unwrap())
        .unwrap()
        .material
        .group()
        .clone();
    let mut journal = Journal::new(&group);
    for (request, bytes) in entries {
        journal.record(request, bytes, "2026-01-02T03:04:05Z");
    }
    serde_json::to_string_pretty(&journal).unwrap()
}

fn definition_entry(dir: &Path, file: &Path) -> (SigningRequest, Vec<u8>) {
    let group = keyfile::decode(&std::fs::read_to_string(dir.join("group.toml")).unwrap())
        .unwrap()
        .material
        .group()
        .clone();
    let request = SigningRequest::ValidatorDefinition(
        parse_definition_toml(&std::fs::read_to_string(file).unwrap()).unwrap(),
    );
    let bytes = request.signed_bytes(group.fvk()).unwrap();
    (request, bytes)
}

fn migrated(old: &Path) -> PathBuf {
    let mut name = old.file_name().unwrap().to_os_string();
    name.push(".migrated");
    old.with_file_name(name)
}

#[test]
fn journals_of_the_old_layout_are_taken_over_on_first_use() {
    let dir = temp();
    let dir = dir.path();
    let routes = routes(dir);
    // The old layout: beside the key file, and in the copied home under the key's name. Each
    // route signed something the other did not see.
    let old_five = write_definition(dir, 5, "old");
    let (request, bytes) = definition_entry(dir, &old_five);
    let beside_file = PathBuf::from(format!("{}.journal.json", key(dir, 1)));
    std::fs::write(&beside_file, old_journal(dir, &[(&request, bytes)])).unwrap();
    let old_nine = write_definition(dir, 9, "old");
    let (request, bytes) = definition_entry(dir, &old_nine);
    let in_home = dir.join("home-copied/journal/validator.json");
    std::fs::create_dir_all(in_home.parent().unwrap()).unwrap();
    std::fs::write(&in_home, old_journal(dir, &[(&request, bytes)])).unwrap();

    // First use through the key file: its old journal is honoured and put aside.
    let other_five = write_definition(dir, 5, "other");
    let stderr = stderr_of(&run(&coordinate_definition(&routes[0], &other_five)));
    assert!(
        stderr.contains("different validator definition #5 was signed at 2026-01-02T03:04:05Z"),
        "{stderr}"
    );
    assert!(!beside_file.exists() && migrated(&beside_file).exists());
    // Through the pcli config (no old journal of its own), the same journal refuses too.
    let stderr = stderr_of(&run(&coordinate_definition(&routes[1], &other_five)));
    assert!(
        stderr.contains("different validator definition #5 was signed at 2026-01-02T03:04:05Z"),
        "{stderr}"
    );
    // First use through the copied home merges its old journal too: #9 now stands for every
    // route, and the old file is not merged twice.
    let other_nine = write_definition(dir, 9, "other");
    let stderr = stderr_of(&run(&coordinate_definition(&routes[3], &other_nine)));
    assert!(
        stderr.contains("different validator definition #9 was signed at 2026-01-02T03:04:05Z"),
        "{stderr}"
    );
    assert!(!in_home.exists() && migrated(&in_home).exists());
    for route in &routes {
        let mut show = vec!["journal", "show"];
        show.extend(route.args());
        let text = String::from_utf8_lossy(&run_ok(&show).stdout).into_owned();
        assert!(
            text.contains("validator definitions signed: 2"),
            "{}: {text}",
            route.label
        );
    }
}

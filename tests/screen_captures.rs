//! The screen captures people read stay current: each capture in `assets/screens` is its
//! snapshot (trailing blanks trimmed, the tests' temporary store shown as a home folder), and
//! each whole screen the README shows is one of them. `UPDATE_CAPTURES=1` rewrites the
//! captures from the snapshots.

use std::path::Path;

/// The store path the snapshot tests print, and what the captures show instead (the same
/// length, so borders stay aligned).
const TEST_STORE: &str = "/tmp/t_________/home";
const SHOWN_STORE: &str = "/home/ada/.hoarfrost";

/// A snapshot file's screen, as a capture shows it.
fn screen_of(snapshot: &str) -> String {
    snapshot
        .lines()
        .skip_while(|l| *l != "---")
        .skip(1)
        .skip_while(|l| *l != "---")
        .skip(1)
        .map(|l| {
            let l = l
                .strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or(l);
            l.replace(TEST_STORE, SHOWN_STORE).trim_end().to_string() + "\n"
        })
        .collect()
}

#[test]
fn captures_are_the_current_snapshots_and_the_readme_shows_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut captures = Vec::new();
    for entry in std::fs::read_dir(root.join("assets/screens")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let capture = std::fs::read_to_string(&path).unwrap();
        let suffix = format!("__{name}.snap");
        let snapshot = std::fs::read_dir(root.join("tests/snapshots"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_str().is_some_and(|p| p.ends_with(&suffix)));
        let mut capture = capture;
        if let Some(snapshot) = snapshot.map(|p| std::fs::read_to_string(p).unwrap()) {
            let screen = screen_of(&snapshot);
            if std::env::var_os("UPDATE_CAPTURES").is_some() {
                std::fs::write(&path, &screen).unwrap();
                capture = screen;
            }
            assert_eq!(
                capture,
                screen_of(&snapshot),
                "assets/screens/{name}.txt is not its snapshot: run this test with UPDATE_CAPTURES=1"
            );
        }
        captures.push(capture);
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for block in readme.split("```text\n").skip(1) {
        let block = block.split("```").next().unwrap();
        // A whole screen: its title bar and, last, its key bar.
        let whole = block.starts_with(" Hoarfrost") && block.lines().count() == 24;
        if whole {
            assert!(
                captures.iter().any(|c| c == block),
                "a README screen is not a current capture:\n{block}"
            );
        }
    }
}

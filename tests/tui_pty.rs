//! The real binary's TUI in pseudo-terminals: three participants run a 2-of-3 DKG and then a
//! validator definition signing. Every message is carried from one process's saved file into
//! another's bracketed paste, as people carry them over an airgap; the signature must verify.

mod common;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hoarfrost::definition::{definition_template, parse_definition_toml};
use hoarfrost::keyfile;
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::{DomainType, Message};
use portable_pty::{native_pty_system, CommandBuilder, PtySize};

const BIN: &str = env!("CARGO_BIN_EXE_hoarfrost");

struct Tui {
    name: &'static str,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Tui {
    fn start(name: &'static str, home: &Path, cwd: &Path) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(["--home", home.to_str().unwrap(), "--kdf-memory-mib", "64"]);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOARFROST_STATE", common::process::state_dir());
        let child = pty.slave.spawn_command(cmd).unwrap();
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(24).unwrap(),
            NonZeroU16::new(80).unwrap(),
            0,
        )));
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        // Keep the master open as long as the test runs.
        std::mem::forget(pty.master);
        Self {
            name,
            writer,
            screen,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{}: {text:?} never appeared; the screen:\n{}",
            self.name,
            self.contents()
        );
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }

    /// A bracketed paste, as a terminal sends it.
    fn paste(&mut self, text: &str) {
        self.keys(&format!("\x1b[200~{text}\x1b[201~"));
    }

    fn quit(mut self) {
        self.keys("\x03");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "{} exited with {status:?}", self.name);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not quit", self.name);
    }
}

const TAB: &str = "\t";
const ENTER: &str = "\r";
const BACKSPACE: &str = "\x7f";

/// The newest saved message of a kind in `dir` (the TUI names files by kind and participant).
fn saved(dir: &Path, kind: &str, not_older_than: &mut Vec<PathBuf>) -> String {
    let start = Instant::now();
    loop {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with(&format!("hoarfrost-{kind}")) && name.ends_with(".txt")
            })
            .filter(|p| !not_older_than.contains(p))
            .collect();
        files.sort();
        if let Some(path) = files.pop() {
            not_older_than.push(path.clone());
            return std::fs::read_to_string(path).unwrap();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no saved {kind} in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn three_tuis_generate_a_key_and_sign_a_definition() {
    let workdir = tempfile::tempdir().unwrap();
    let homes: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    // Each participant saves its messages in its own folder, the "USB stick" it hands over.
    let outboxes: Vec<PathBuf> = (0..3)
        .map(|i| {
            let p = workdir.path().join(format!("outbox-{i}"));
            std::fs::create_dir(&p).unwrap();
            p
        })
        .collect();
    let names = ["alice", "bob", "carol"];
    let mut tuis: Vec<Tui> = (0..3)
        .map(|i| Tui::start(names[i], homes[i].path(), &outboxes[i]))
        .collect();
    let mut seen = Vec::new();

    // The key generation.
    for t in &mut tuis {
        t.wait_for("Actions");
        t.keys("g");
        t.wait_for("Start or join a key generation");
        t.keys(TAB);
        t.keys(TAB);
        t.keys(&BACKSPACE.repeat(8));
        t.keys("identity");
        // Encrypt: yes; the passphrase twice.
        t.keys(TAB);
        t.keys(TAB);
        t.keys(&format!("pass {}", t.name));
        t.keys(TAB);
        t.keys(&format!("pass {}{ENTER}", t.name));
        t.wait_for("Round 1 of 2");
        t.keys(TAB);
        t.keys("s");
        t.wait_for("DKGRound1 saved to");
        t.keys(TAB);
    }
    let round1: Vec<String> = outboxes
        .iter()
        .map(|o| saved(o, "dkground1", &mut seen))
        .collect();
    for (i, t) in tuis.iter_mut().enumerate() {
        // Two messages in one paste, with whitespace between them.
        let others: Vec<&str> = (0..3)
            .filter(|j| *j != i)
            .map(|j| round1[j].as_str())
            .collect();
        t.paste(&format!("{}\n\n  {}", others[0], others[1]));
        t.wait_for("Round 2 of 2");
        t.wait_for("Round 1 fingerprint");
    }
    let fingerprints: Vec<String> = tuis
        .iter()
        .map(|t| {
            let c = t.contents();
            let line = c
                .lines()
                .find(|l| l.contains("Round 1 fingerprint"))
                .unwrap();
            line.split(": ").nth(1).unwrap().trim().to_string()
        })
        .collect();
    assert!(
        fingerprints.iter().all(|f| f == &fingerprints[0]),
        "{fingerprints:?}"
    );
    for t in &mut tuis {
        t.keys(TAB);
        t.keys("s");
        t.wait_for("DKGRound2 saved to");
    }
    let round2: Vec<String> = outboxes
        .iter()
        .map(|o| saved(o, "dkground2", &mut seen))
        .collect();
    for (i, t) in tuis.iter_mut().enumerate() {
        for (j, m) in round2.iter().enumerate() {
            if i != j {
                t.paste(m);
            }
        }
        t.wait_for("Key generation finished");
        t.wait_for("saved to");
        t.keys(ENTER);
        t.wait_for("identity");
    }
    let group = |i: usize| {
        let text = std::fs::read_to_string(homes[i].path().join("keys/identity.toml")).unwrap();
        let key = keyfile::decode(&text).unwrap();
        assert!(key.material.is_sealed(), "the TUI stores shares encrypted");
        key.material.group().clone()
    };
    assert!(group(1) == group(0) && group(2) == group(0));

    // A definition, written where alice's TUI looks for it.
    let template = definition_template(&mut rand_core::OsRng, &group(0), None).unwrap();
    let toml = template.replace("name = \"\"", "name = \"Three Terminals\"");
    std::fs::write(outboxes[0].join("validator.toml"), &toml).unwrap();

    // Alice coordinates; bob follows; carol rests.
    let (alice, rest) = tuis.split_at_mut(1);
    let alice = &mut alice[0];
    let bob = &mut rest[0];
    alice.keys("v");
    alice.wait_for("Coordinate a validator definition");
    alice.keys(&TAB.repeat(3));
    alice.keys(&format!("pass alice{ENTER}"));
    alice.wait_for("Send this CoordinatorRound1");
    alice.keys("s");
    let c1 = saved(&outboxes[0], "coordinatorround1", &mut seen);
    bob.keys("f");
    bob.wait_for("Follow a signing ceremony");
    bob.keys(TAB);
    bob.keys(&format!("pass bob{ENTER}"));
    bob.wait_for("Waiting for the coordinator");
    bob.paste(&c1);
    bob.wait_for("Review the request");
    bob.wait_for("Three Terminals");
    bob.keys("a");
    bob.wait_for("Send this FollowerRound1");
    bob.keys("s");
    let f1 = saved(&outboxes[1], "followerround1", &mut seen);
    alice.paste(&f1);
    alice.wait_for("Send this CoordinatorRound2");
    alice.keys("s");
    let c2 = saved(&outboxes[0], "coordinatorround2", &mut seen);
    bob.paste(&c2);
    bob.wait_for("Send this last message");
    bob.keys("s");
    let f2 = saved(&outboxes[1], "followerround2", &mut seen);
    alice.paste(&f2);
    alice.wait_for("Signed validator definition");
    alice.keys("s");
    let signature = saved(&outboxes[0], "signature", &mut seen);

    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(signature.trim())
        .unwrap();
    let sig = <decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth> as DomainType>::decode(
        bytes.as_slice(),
    )
    .unwrap();
    let validator = parse_definition_toml(&toml).unwrap();
    group(0)
        .fvk()
        .spend_verification_key()
        .verify(&stake_pb::Validator::from(validator).encode_to_vec(), &sig)
        .unwrap();
    for t in tuis {
        t.quit();
    }
}

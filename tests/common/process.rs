//! Running the real binary: processes wired by pipes, the test passphrase, key fixtures.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use hoarfrost::keyfile;
use penumbra_sdk_proto::DomainType;

pub const BIN: &str = env!("CARGO_BIN_EXE_hoarfrost");

pub struct Process {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub stdout: Receiver<String>,
    pub stderr: Arc<Mutex<String>>,
}

/// Every key these tests make is sealed under this passphrase, with a light Argon2 cost.
pub fn secret_args() -> [String; 4] {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let path = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let path = dir.join("passphrase");
        std::fs::write(&path, "correct horse battery staple\n").unwrap();
        path
    });
    [
        "--passphrase-file".into(),
        path.display().to_string(),
        "--kdf-memory-mib".into(),
        "64".into(),
    ]
}

impl Process {
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .args(secret_args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hoarfrost");
        let (tx, stdout) = channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Self {
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
        }
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Writes raw bytes to stdin: what a person's terminal or a broken pipe might send.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn recv(&self) -> String {
        self.stdout
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                panic!("no output; stderr so far:\n{}", self.stderr.lock().unwrap())
            })
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn finish(mut self) -> String {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let stderr = self.stderr();
        assert!(status.success(), "hoarfrost failed:\n{stderr}");
        stderr
    }
}

pub fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .args(secret_args())
        .output()
        .unwrap()
}

/// Runs and requires success, showing stderr otherwise.
pub fn run_ok(args: &[&str]) -> std::process::Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Without the test passphrase: as a person or script would call it.
pub fn run_plain(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

pub fn deal(dir: &Path, t: u16, n: u16) {
    run_ok(&[
        "deal",
        "-t",
        &t.to_string(),
        "-n",
        &n.to_string(),
        "--out",
        dir.to_str().unwrap(),
    ]);
}

pub fn key(dir: &Path, i: usize) -> String {
    dir.join(format!("participant-{i}.toml"))
        .display()
        .to_string()
}

pub fn group_vk(dir: &Path) -> decaf377_rdsa::VerificationKey<decaf377_rdsa::SpendAuth> {
    let text = std::fs::read_to_string(dir.join("group.toml")).unwrap();
    *keyfile::decode(&text)
        .unwrap()
        .material
        .group()
        .fvk()
        .spend_verification_key()
}

/// Runs a ceremony: `coordinator_args` start the coordinator; followers 2..=t follow their key
/// files with --yes.
pub fn ceremony(dir: &Path, t: usize, coordinator_args: &[&str]) -> String {
    let followers: Vec<Vec<String>> = (2..=t)
        .map(|i| {
            vec![
                "follow".into(),
                "--key".into(),
                key(dir, i),
                "--no-tui".into(),
                "--yes".into(),
            ]
        })
        .collect();
    ceremony_with(coordinator_args, &followers)
}

/// Runs a signing ceremony between one coordinator and the given followers. Garbage and a
/// wrong-round message are pasted along the way; the ceremony must go on.
pub fn ceremony_with(coordinator_args: &[&str], follower_args: &[Vec<String>]) -> String {
    let mut coordinator = Process::start(coordinator_args);
    let round1 = coordinator.recv();
    let mut followers: Vec<Process> = follower_args
        .iter()
        .map(|args| Process::start(&args.iter().map(String::as_str).collect::<Vec<_>>()))
        .collect();
    coordinator.send("this is not a message");
    for f in &mut followers {
        f.send("{\"truncated\":");
        f.send(&round1);
        let reply = f.recv();
        coordinator.send(&reply);
    }
    let round2 = coordinator.recv();
    for f in &mut followers {
        f.send(&round1); // a replay of round 1 is refused by name, and the ceremony goes on
        f.send(&round2);
        coordinator.send(&f.recv());
    }
    let result = coordinator.recv();
    let stderr = coordinator.finish();
    assert!(stderr.contains("error: not a ceremony message"), "{stderr}");
    for f in followers {
        let stderr = f.finish();
        assert!(stderr.contains("expected CoordinatorRound2"), "{stderr}");
        assert!(stderr.contains("You are asked to sign"), "{stderr}");
    }
    result
}

pub fn decode_signature(text: &str) -> decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth> {
    assert_eq!(text.len(), 88, "pcli prints 88 characters: {text}");
    let bytes = URL_SAFE.decode(text).unwrap();
    <decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth> as DomainType>::decode(bytes.as_slice())
        .unwrap()
}

pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

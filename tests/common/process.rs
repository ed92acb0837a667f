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
use hoarfrost::definition::definition_template;
use hoarfrost::keyfile;
use penumbra_sdk_proto::DomainType;

pub const BIN: &str = env!("CARGO_BIN_EXE_hoarfrost");

pub struct Process {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub stdout: Receiver<String>,
    pub stderr: Arc<Mutex<String>>,
}

/// The test passphrase options a command takes: every command that opens or seals a share gets
/// the passphrase file, and every command that seals new shares a light Argon2 cost.
pub fn secret_args_for(args: &[&str]) -> Vec<String> {
    let command: Vec<&str> = args
        .iter()
        .copied()
        .skip_while(|a| *a == "--home" || a.starts_with('/') || a.starts_with('.'))
        .take(2)
        .collect();
    let (opens, seals) = match command.as_slice() {
        ["dkg" | "deal" | "split", ..] | ["keys", "import-pcli"] | ["repair", "request"] => {
            (true, true)
        }
        ["refresh", ..] | ["repair", "help" | "admit"] => (true, false),
        ["follow" | "coordinate" | "check", ..] | ["keys", "export-pcli"] => (true, false),
        _ => (false, false),
    };
    let [file_flag, file, kdf_flag, kdf] = secret_args();
    let mut out = vec![];
    if opens {
        out.extend([file_flag, file]);
    }
    if seals {
        out.extend([kdf_flag, kdf]);
    }
    out
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

/// The state folder (where the signing journals live) of every process these tests start: one
/// temporary folder per test process, so nothing is written to the real user's folders.
/// Processes standing for different machines hold different participants' shares, so their
/// journals never meet here.
pub fn state_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap().keep())
}

/// The journal of the share in `key_file`, where the binary keeps it: None before it signed.
pub fn journal_of_key(key_file: &str) -> Option<hoarfrost::journal::Journal> {
    let key = keyfile::decode_any(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    let id = hoarfrost::journal::ShareId::of_material(&key.material).expect("a share");
    let path = id.journal_in(&state_dir().join("journal"));
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

/// The binary, with its state folder set to [`state_dir`].
pub fn command() -> Command {
    let mut command = Command::new(BIN);
    command.env("HOARFROST_STATE", state_dir());
    command
}

impl Process {
    pub fn start(args: &[&str]) -> Self {
        let mut child = command()
            .args(args)
            .args(secret_args_for(args))
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

    /// Sends a line if the process still reads: a process that finished takes nothing more.
    pub fn offer(&mut self, line: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = writeln!(stdin, "{line}").and_then(|_| stdin.flush());
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr has a line starting with `prefix`, and returns the rest of it.
    pub fn wait_line(&self, prefix: &str) -> String {
        let start = std::time::Instant::now();
        loop {
            if let Some(rest) = self
                .stderr()
                .lines()
                .find_map(|l| l.strip_prefix(prefix).map(str::to_string))
            {
                return rest;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "never printed {prefix:?}; stderr so far:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
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

/// One relay that carries every line each process prints on stdout to all the others (as one
/// shared channel, a bundle or a QR stream would), until every process has exited.
pub fn relay(processes: &mut [Process]) {
    use std::sync::mpsc::TryRecvError;
    let start = std::time::Instant::now();
    let mut open = vec![true; processes.len()];
    while open.iter().any(|o| *o) {
        let mut lines = Vec::new();
        for (i, p) in processes.iter().enumerate() {
            loop {
                match p.stdout.try_recv() {
                    Ok(line) => lines.push((i, line)),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        open[i] = false;
                        break;
                    }
                }
            }
        }
        for (from, line) in &lines {
            for (j, p) in processes.iter_mut().enumerate() {
                if j != *from {
                    p.offer(line);
                }
            }
        }
        if lines.is_empty() {
            let stuck: Vec<String> = processes.iter().map(Process::stderr).collect();
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the ceremony is stuck; stderr of each:\n{}",
                stuck.join("\n-----\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

pub fn run(args: &[&str]) -> std::process::Output {
    command()
        .args(args)
        .args(secret_args_for(args))
        .output()
        .unwrap()
}

/// Runs with `input` on stdin (and without the test passphrase's options).
pub fn run_with_input(args: &[&str], input: &str) -> std::process::Output {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
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
    command().args(args).stdin(Stdio::null()).output().unwrap()
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
        assert!(
            stderr.contains("skipped a CoordinatorRound1 already held"),
            "{stderr}"
        );
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

/// A validator definition file for the key dealt into `dir`, at sequence number `seq`, named
/// `name`: the same consensus key for every file in one folder, so a repeat is byte-identical.
pub fn write_definition(dir: &Path, seq: u32, name: &str) -> PathBuf {
    let group = keyfile::decode(&std::fs::read_to_string(dir.join("group.toml")).unwrap())
        .unwrap()
        .material
        .group()
        .clone();
    let template = definition_template(&mut rand_core::OsRng, &group, None).unwrap();
    // The consensus key is random in a template: keep one per test folder so a repeat is identical.
    let consensus = dir.join("consensus.txt");
    let text = if let Ok(line) = std::fs::read_to_string(&consensus) {
        let fresh = template
            .lines()
            .find(|l| l.starts_with("value = "))
            .unwrap()
            .to_string();
        template.replace(&fresh, &line)
    } else {
        let line = template
            .lines()
            .find(|l| l.starts_with("value = "))
            .unwrap()
            .to_string();
        std::fs::write(&consensus, &line).unwrap();
        template
    };
    let text = text
        .replace("sequence_number = 0", &format!("sequence_number = {seq}"))
        .replace("name = \"\"", &format!("name = {name:?}"));
    let path = dir.join(format!("validator-{seq}-{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes `dir/plan.json`: the plan `plan` makes for the group key dealt into `dir`.
pub fn plan_file(
    dir: &Path,
    plan: impl FnOnce(&penumbra_sdk_keys::FullViewingKey) -> penumbra_sdk_transaction::TransactionPlan,
) -> String {
    let group = keyfile::decode(&std::fs::read_to_string(dir.join("group.toml")).unwrap()).unwrap();
    let path = dir.join("plan.json");
    std::fs::write(
        &path,
        serde_json::to_string(&plan(group.material.group().fvk())).unwrap(),
    )
    .unwrap();
    path.display().to_string()
}

/// A pseudo-terminal of 80 columns and 24 rows, the size every terminal test uses.
pub fn pty_80x24() -> portable_pty::PtyPair {
    portable_pty::native_pty_system()
        .openpty(portable_pty::PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap()
}

//! The real binary's TUI in pseudo-terminals (portable-pty, screens read with vt100), driven as
//! people at separate machines would: messages are copied from one screen (a selection of its
//! lines) or a saved file, and pasted (bracketed) into another. Every keystroke besides
//! pastes and passphrases is counted.

mod common;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::tui::{paint, sealed, stale_reply, verify_vote_signature, PASSPHRASE};
use common::*;
use hoarfrost::keyfile;
use hoarfrost::messages::{Codec, CoordinatorRound1, FollowerRound1};
use hoarfrost::store::Store;
use hoarfrost::transport::qr::decode_greyscale;
use hoarfrost::transport::ur::Received;
use portable_pty::{CommandBuilder, MasterPty, PtySize};

const BIN: &str = env!("CARGO_BIN_EXE_hoarfrost");
const WAIT: Duration = Duration::from_secs(90);
const TAB: &str = "\t";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const LEFT: &str = "\x1b[D";

struct Pty {
    name: String,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Keys pressed, besides pastes and passphrases.
    keystrokes: usize,
}

impl Pty {
    /// Starts `hoarfrost ARGS` at 80x24 in `cwd`, with the state folder in `state`.
    fn start(name: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Self {
        let pty = common::process::pty_80x24();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOARFROST_STATE", cwd.join("state"));
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(24).unwrap(),
            NonZeroU16::new(80).unwrap(),
            0,
        )));
        let sink = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Self {
            name: name.to_string(),
            master: pty.master,
            writer,
            parser,
            child,
            keystrokes: 0,
        }
    }

    fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < WAIT {
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

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    /// One key press, counted.
    fn key(&mut self, key: &str) {
        self.keystrokes += 1;
        self.send(key);
    }

    /// A passphrase typed (not counted).
    fn secret(&mut self, text: &str) {
        self.send(text);
    }

    /// A bracketed paste, as a terminal sends it (not counted).
    fn paste(&mut self, text: &str) {
        self.send(&format!("\x1b[200~{text}\x1b[201~"));
    }

    fn resize(&mut self, rows: u16, cols: u16) {
        self.parser.lock().unwrap().screen_mut().set_size(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
        );
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// What a person selects on screen: the lines under the rule whose title holds `title`,
    /// down to the first blank line, each without trailing spaces.
    fn selection(&self, title: &str) -> String {
        let contents = self.contents();
        let lines: Vec<&str> = contents.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains(title) && l.contains('\u{2500}'))
            .unwrap_or_else(|| panic!("{}: no {title:?} on screen:\n{contents}", self.name));
        let body: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|l| !l.trim().is_empty() && !l.starts_with('\u{2193}'))
            .map(|l| l.trim_end())
            .collect();
        assert!(
            !lines[at + 1 + body.len()..]
                .first()
                .is_some_and(|l| l.starts_with('\u{2193}')),
            "{}: {title} is not whole on screen:\n{contents}",
            self.name
        );
        body.join("\n")
    }

    /// Waits for the process to end and returns its exit code.
    fn exit_code(&mut self) -> u32 {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not exit", self.name);
    }

    /// Leaves a finished ceremony (Esc twice) and quits from the home screen.
    fn leave_and_quit(&mut self) {
        self.key(ESC);
        self.key(ESC);
        self.wait_for("Actions");
        self.send("q");
        assert_eq!(self.exit_code(), 0, "{} quit", self.name);
    }
}

/// The newest saved file whose name starts with `prefix` in `dir`.
fn saved(dir: &Path, prefix: &str) -> String {
    let start = Instant::now();
    loop {
        let found = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with(prefix) && name.ends_with(".txt")
            });
        if let Some(path) = found {
            return std::fs::read_to_string(path).unwrap();
        }
        assert!(
            start.elapsed() < WAIT,
            "no {prefix} saved in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Each participant's folder: its store in `home`, its saved messages beside it.
fn folders(n: usize) -> (tempfile::TempDir, Vec<PathBuf>) {
    let root = tempfile::tempdir().unwrap();
    let dirs = (0..n)
        .map(|i| {
            let d = root.path().join(format!("p{i}"));
            std::fs::create_dir(&d).unwrap();
            d
        })
        .collect();
    (root, dirs)
}

fn home(dir: &Path) -> String {
    dir.join("home").display().to_string()
}

#[test]
fn a_dkg_where_everyone_pastes_before_sending_finishes_with_one_key_in_few_keys() {
    let (_root, dirs) = folders(3);
    let mut tuis: Vec<Pty> = dirs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let home = home(d);
            Pty::start(
                &format!("p{i}"),
                &[
                    "--home",
                    &home,
                    "dkg",
                    "-t",
                    "2",
                    "-n",
                    "3",
                    "--name",
                    "identity",
                    "--kdf-memory-mib",
                    "64",
                ],
                d,
                &[],
            )
        })
        .collect();
    for t in &mut tuis {
        t.wait_for("seals the share at rest");
        t.secret("pass phrase");
        t.key(TAB);
        t.secret("pass phrase");
        t.key(ENTER);
        t.wait_for("Send this DKGRound1");
    }
    // Round 1: everyone's message copied off its screen, nobody has sent anything yet; each
    // participant pastes the others' messages first.
    let round1: Vec<String> = tuis.iter().map(|t| t.selection("DKGRound1")).collect();
    for (i, t) in tuis.iter_mut().enumerate() {
        for (j, m) in round1.iter().enumerate() {
            if i != j {
                t.paste(m);
            }
        }
        t.wait_for("Read this code aloud");
    }
    // The own round-1 message is still offered: saved now, it is what the screen showed.
    for (t, (dir, mine)) in tuis.iter_mut().zip(dirs.iter().zip(&round1)) {
        assert_eq!(t.selection("DKGRound1"), *mine);
        t.key("s");
        let file = saved(dir, "hoarfrost-dkground1");
        assert_eq!(file.replace('\n', ""), mine.replace('\n', ""));
    }
    // Everyone sees the same code, large on screen and in the log.
    let codes: Vec<String> = tuis
        .iter()
        .map(|t| {
            let c = t.contents();
            let marker = "complete: fingerprint ";
            let at = c.find(marker).expect("the code in the log") + marker.len();
            let code = c[at..at + 24].to_string();
            let spaced: String = code
                .chars()
                .map(|ch| {
                    if ch == '-' {
                        "   ".to_string()
                    } else {
                        format!("{ch} ")
                    }
                })
                .collect();
            assert!(
                c.contains(spaced.trim()),
                "{}: the code {spaced:?} is not shown large:\n{c}",
                t.name
            );
            code
        })
        .collect();
    assert!(codes.iter().all(|c| c == &codes[0]), "{codes:?}");
    // Round 2: two participants confirm; the third gets their round 2 before confirming.
    for t in tuis.iter_mut().take(2) {
        t.key("y");
        t.wait_for("Send this DKGRound2");
    }
    let early: Vec<String> = tuis[..2].iter().map(|t| t.selection("DKGRound2")).collect();
    for m in &early {
        tuis[2].paste(m);
    }
    tuis[2].wait_for("kept the DKGRound2");
    tuis[2].key("y");
    tuis[2].wait_for("Key generation finished");
    // Finished first, it still offers the message the others need.
    tuis[2].wait_for("the others may still need it");
    tuis[2].key("s");
    let last = saved(&dirs[2], "hoarfrost-dkground2");
    tuis[0].paste(&early[1]);
    tuis[0].paste(&last);
    tuis[1].paste(&early[0]);
    tuis[1].paste(&last);
    let mut groups = Vec::new();
    for (t, d) in tuis.iter_mut().zip(&dirs) {
        t.wait_for("Key generation finished");
        t.wait_for("stored in");
        let key =
            keyfile::decode(&std::fs::read_to_string(d.join("home/keys/identity.toml")).unwrap())
                .unwrap();
        assert!(key.material.is_sealed(), "stored encrypted");
        groups.push(key.material.group().clone());
    }
    assert!(groups.iter().all(|g| *g == groups[0]));
    for t in &mut tuis {
        t.leave_and_quit();
        assert!(
            t.keystrokes <= 12,
            "{}: {} keystrokes",
            t.name,
            t.keystrokes
        );
        eprintln!(
            "{}: {} keystrokes for the key generation",
            t.name, t.keystrokes
        );
    }
}

/// Stores holding shares 0 (the coordinator's) and 1 (a follower's) of a dealt key, sealed.
fn signing_stores(dirs: &[PathBuf], seed: u64) -> Vec<hoarfrost::keys::KeyShare> {
    let shares = dealt(2, 3, seed);
    for (i, d) in dirs.iter().enumerate() {
        Store::open(Some(&d.join("home")))
            .unwrap()
            .save("governance", &sealed(&shares[i]))
            .unwrap();
    }
    shares
}

fn vote_body(round1: &str) -> penumbra_sdk_governance::ValidatorVoteBody {
    match CoordinatorRound1::from_json(round1).unwrap().request {
        hoarfrost::request::SigningRequest::ValidatorVote(v) => v,
        _ => panic!("not a vote"),
    }
}

#[test]
fn a_stale_follower_reply_is_replaced_without_starting_over() {
    let (_root, dirs) = folders(2);
    let shares = signing_stores(&dirs, 41);
    let stale = stale_reply(&shares);
    let (h0, h1) = (home(&dirs[0]), home(&dirs[1]));
    let mut coordinator = Pty::start(
        "coordinator",
        &[
            "--home",
            &h0,
            "coordinate",
            "vote",
            "--name",
            "governance",
            "--proposal",
            "42",
            "--vote",
            "yes",
        ],
        &dirs[0],
        &[],
    );
    let mut follower = Pty::start("follower", &["--home", &h1, "follow"], &dirs[1], &[]);
    coordinator.wait_for("Coordinate a validator vote");
    coordinator.secret(PASSPHRASE);
    coordinator.key(ENTER);
    coordinator.wait_for("Send this CoordinatorRound1");
    let round1 = coordinator.selection("CoordinatorRound1");
    follower.wait_for("Follow a signing ceremony");
    follower.key(ENTER);
    follower.wait_for("Paste the coordinator's request");
    follower.paste(&round1);
    follower.wait_for("Passphrase of key governance");
    follower.secret(PASSPHRASE);
    follower.key(ENTER);
    follower.wait_for("You are asked to sign");
    follower.key("a");
    follower.wait_for("Send this FollowerRound1");
    let reply1 = follower.selection("FollowerRound1");
    FollowerRound1::from_json(&reply1.replace('\n', "")).unwrap();
    // The stale reply arrives first and a round-2 package goes out; then the real one.
    coordinator.paste(&stale);
    coordinator.wait_for("CoordinatorRound2");
    coordinator.paste(&reply1);
    coordinator.wait_for("NEW CoordinatorRound2");
    let round2 = coordinator.selection("NEW CoordinatorRound2");
    follower.paste(&round2);
    follower.wait_for("Your FollowerRound2");
    let reply2 = follower.selection("Your FollowerRound2");
    coordinator.paste(&reply2);
    coordinator.wait_for("Signed validator vote");
    coordinator.key(LEFT);
    coordinator.wait_for("The signature");
    let signature = coordinator.selection("The signature").replace('\n', "");
    verify_vote_signature(
        &signature,
        &shares[0],
        &vote_body(&round1.replace('\n', "")),
    );
    follower.leave_and_quit();
    assert!(
        follower.keystrokes <= 8,
        "follower: {} keystrokes",
        follower.keystrokes
    );
    eprintln!(
        "follower: {} keystrokes for the signing",
        follower.keystrokes
    );
    coordinator.leave_and_quit();
}

#[test]
fn key_files_given_on_the_command_line_are_used() {
    let (_root, dirs) = folders(2);
    let shares = dealt(2, 3, 42);
    let files: Vec<PathBuf> = dirs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let path = d.join(format!("participant-{}.toml", i + 1));
            hoarfrost::store::write_key_file(&path, &sealed(&shares[i])).unwrap();
            path
        })
        .collect();
    let (f0, f1) = (
        files[0].display().to_string(),
        files[1].display().to_string(),
    );
    let (h0, h1) = (home(&dirs[0]), home(&dirs[1]));
    let mut coordinator = Pty::start(
        "coordinator",
        &[
            "--home",
            &h0,
            "coordinate",
            "vote",
            "--key",
            &f0,
            "--proposal",
            "5",
            "--vote",
            "no",
            "--reason",
            "not yet",
        ],
        &dirs[0],
        &[],
    );
    let mut follower = Pty::start(
        "follower",
        &["--home", &h1, "follow", "--key", &f1],
        &dirs[1],
        &[],
    );
    coordinator.wait_for("participant-1.toml");
    coordinator.secret(PASSPHRASE);
    coordinator.key(ENTER);
    coordinator.wait_for("Send this CoordinatorRound1");
    let round1 = coordinator.selection("CoordinatorRound1");
    follower.wait_for("participant-2.toml");
    follower.secret(PASSPHRASE);
    follower.key(ENTER);
    follower.wait_for("Following with key");
    follower.paste(&round1);
    follower.wait_for("You are asked to sign");
    follower.wait_for("not yet");
    follower.key("a");
    follower.wait_for("Send this FollowerRound1");
    coordinator.paste(&follower.selection("FollowerRound1"));
    coordinator.wait_for("Send this CoordinatorRound2");
    follower.paste(&coordinator.selection("CoordinatorRound2"));
    follower.wait_for("Your FollowerRound2");
    coordinator.paste(&follower.selection("Your FollowerRound2"));
    coordinator.wait_for("Signed validator vote");
    coordinator.key(LEFT);
    coordinator.wait_for("The signature");
    let signature = coordinator.selection("The signature").replace('\n', "");
    verify_vote_signature(
        &signature,
        &shares[0],
        &vote_body(&round1.replace('\n', "")),
    );
    // Each key file's share has its journal, in its machine's state folder.
    for (f, dir) in files.iter().zip(&dirs) {
        let key = hoarfrost::keyfile::decode(&std::fs::read_to_string(f).unwrap()).unwrap();
        let id = hoarfrost::journal::ShareId::of_material(&key.material).unwrap();
        assert!(
            id.journal_in(&dir.join("state").join("journal")).exists(),
            "{}",
            f.display()
        );
    }
    assert!(
        follower.keystrokes <= 8,
        "follower: {} keystrokes",
        follower.keystrokes
    );
    follower.leave_and_quit();
    coordinator.leave_and_quit();
}

/// Reads the QR code on a pseudo-terminal's screen, frame by frame (n steps), until the
/// message is whole.
fn scan(t: &mut Pty) -> Vec<hoarfrost::messages::AnyMessage> {
    let mut collector = hoarfrost::transport::ur_collector();
    let mut last = String::new();
    let start = Instant::now();
    while start.elapsed() < WAIT {
        let found = {
            let parser = t.parser.lock().unwrap();
            let screen = parser.screen();
            let (rows, cols) = screen.size();
            let black = vt100::Color::Rgb(0, 0, 0);
            let (w, h, px) = paint(
                usize::from(cols.get()),
                usize::from(rows.get()),
                4,
                |x, y| match screen.cell(y as u16, x as u16) {
                    Some(c) if c.contents() == "\u{2580}" => {
                        (c.fgcolor() == black, c.bgcolor() == black)
                    }
                    _ => (false, false),
                },
            );
            decode_greyscale(w, h, |x, y| px[y * w + x])
        };
        match found.as_slice() {
            [text] if *text != last => {
                last = text.clone();
                if let Received::Complete(payloads) = collector.receive(text).unwrap() {
                    return payloads
                        .iter()
                        .map(|p| {
                            hoarfrost::messages::AnyMessage::from_ur(&p.ur_type, &p.bytes).unwrap()
                        })
                        .collect();
                }
                t.send("n");
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    panic!(
        "{}: the code was never read whole:\n{}",
        t.name,
        t.contents()
    );
}

#[test]
fn the_qr_code_reads_back_without_colour_and_after_a_resize() {
    let (_root, dirs) = folders(1);
    let h = home(&dirs[0]);
    let mut t = Pty::start(
        "qr",
        &[
            "--home",
            &h,
            "dkg",
            "-t",
            "2",
            "-n",
            "3",
            "--name",
            "k",
            "--unencrypted",
        ],
        &dirs[0],
        &[("NO_COLOR", "1")],
    );
    t.wait_for("Threshold t");
    t.key(ENTER);
    t.wait_for("Send this DKGRound1");
    let message = t.selection("DKGRound1").replace('\n', "");
    t.key("q");
    t.wait_for("quiet zone 4 modules");
    assert_eq!(scan(&mut t)[0].to_json(), message, "80x24, NO_COLOR");
    t.resize(40, 120);
    t.wait_for("version 12");
    assert_eq!(scan(&mut t)[0].to_json(), message, "120x40");
    t.resize(24, 80);
    t.wait_for("version 5");
    assert_eq!(scan(&mut t)[0].to_json(), message, "back at 80x24");
    // Ctrl-C in the middle of the ceremony: the terminal is given back, the status is 130.
    t.send("\x03");
    assert_eq!(t.exit_code(), 130);
    assert!(!t.parser.lock().unwrap().screen().alternate_screen());
}

/// A TUI's refresh key-file share, opened with the test passphrase.
fn refreshed_share(dir: &Path) -> hoarfrost::keys::KeyShare {
    let text = std::fs::read_to_string(dir.join("home/keys/identity.toml")).unwrap();
    let key = keyfile::decode(&text).unwrap();
    assert!(key.material.is_sealed(), "the new share is sealed again");
    key.material
        .unlock(Some(PASSPHRASE.as_bytes()))
        .unwrap()
        .unwrap()
}

#[test]
fn a_refresh_among_three_tuis_replaces_every_share_and_the_new_shares_sign() {
    let (_root, dirs) = folders(3);
    let old = dealt(2, 3, 43);
    for (share, d) in old.iter().zip(&dirs) {
        Store::open(Some(&d.join("home")))
            .unwrap()
            .save("identity", &sealed(share))
            .unwrap();
    }
    let homes: Vec<String> = dirs.iter().map(|d| home(d)).collect();
    let mut tuis: Vec<Pty> = homes
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut args = vec!["--home", h.as_str(), "refresh", "--name", "identity"];
            if i == 0 {
                args.push("--start");
            }
            Pty::start(&format!("p{i}"), &args, &dirs[i], &[])
        })
        .collect();
    for t in &mut tuis {
        t.wait_for("opens the key, seals the new share");
        t.secret(PASSPHRASE);
        t.key(ENTER);
    }
    tuis[0].wait_for("Send this RefreshRound1");
    let invitation = tuis[0].selection("RefreshRound1");
    // p1 joins from the starter's message; p2 from p1's; nothing goes out before each approves.
    let join = |t: &mut Pty, from: &str| {
        t.wait_for("Paste the RefreshRound1");
        t.paste(from);
        t.wait_for("You are asked to take part in a refresh");
        t.wait_for("Removed (0):   nobody");
        t.key("a");
        t.wait_for("Send this RefreshRound1");
        t.selection("RefreshRound1")
    };
    let r1 = join(&mut tuis[1], &invitation);
    let r2 = join(&mut tuis[2], &r1);
    // p2 completes round 1 with the starter's message; its round 2 reaches p1 early, and is kept.
    tuis[2].paste(&invitation);
    tuis[2].wait_for("Send this RefreshRound2");
    let early = tuis[2].selection("RefreshRound2");
    tuis[1].paste(&early);
    tuis[1].wait_for("kept the RefreshRound2");
    tuis[1].paste(&r2);
    tuis[1].wait_for("Send this RefreshRound2");
    let s1 = tuis[1].selection("RefreshRound2");
    // The starter gets everything so far in one paste, round 2 included.
    tuis[0].paste(&format!("{r1}\n{r2}\n{early}"));
    tuis[0].wait_for("Send this RefreshRound2");
    let s0 = tuis[0].selection("RefreshRound2");
    tuis[0].paste(&s1);
    tuis[1].paste(&s0);
    tuis[2].paste(&s0);
    tuis[2].paste(&s1);
    let mut new = Vec::new();
    for (t, d) in tuis.iter_mut().zip(&dirs) {
        t.wait_for("Refresh finished: generation 1");
        t.wait_for("The threshold stays 2");
        t.wait_for("the old share is destroyed");
        // Finished, it still offers its last message: the others may need it.
        t.wait_for("the others may still need it");
        let share = refreshed_share(d);
        let files: Vec<_> = std::fs::read_dir(d.join("home/keys"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            files,
            ["identity.toml"],
            "nothing of the old share beside it"
        );
        new.push(share);
    }
    for (n, o) in new.iter().zip(&old) {
        assert_eq!(n.group(), new[0].group());
        assert_eq!(n.group().fvk(), o.group().fvk(), "the same key");
        assert_eq!(n.group().generation().number, 1);
        assert!(
            n.signing_share() != o.signing_share(),
            "the old share is gone"
        );
    }
    for t in &mut tuis {
        t.leave_and_quit();
        eprintln!("{}: {} keystrokes for the refresh", t.name, t.keystrokes);
    }
    // The refreshed key files sign: a key check in line mode, every member taking part.
    let mut processes = vec![common::process::Process::start(&[
        "--home", &homes[0], "check", "--name", "identity", "--no-tui",
    ])];
    for h in &homes[1..] {
        processes.push(common::process::Process::start(&[
            "--home", h, "follow", "--no-tui", "--yes",
        ]));
    }
    common::process::relay(&mut processes);
    let stderr: Vec<String> = processes
        .into_iter()
        .map(common::process::Process::finish)
        .collect();
    assert!(
        stderr[0].contains("Key check passed: 3 participants signed"),
        "{}",
        stderr[0]
    );
}

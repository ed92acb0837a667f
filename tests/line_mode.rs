//! Line mode reads what the TUI reads: QR parts (one per line, any order, any case, repeated), a
//! relay's bundle, and JSON a terminal wrapped over several lines. And a key generation sends
//! nothing of round 2 until its person confirmed the round-1 fingerprint.

mod common;

use std::time::Duration;

use common::process::*;
use hoarfrost::messages::AnyMessage;
use hoarfrost::transport::ur::UrParts;
use penumbra_sdk_proto::core::component::stake::v1 as stake_pb;
use penumbra_sdk_proto::Message;

/// A message as UR parts, out of order, some repeated, some lowercase: what a camera sees of a
/// looping code.
fn scrambled_parts(json: &str, fragment: usize) -> Vec<String> {
    let message = AnyMessage::from_json(json).unwrap();
    let mut parts = UrParts::new(&message.to_bytes(), message.kind().ur_type(), fragment).unwrap();
    let n = parts.fragment_count();
    assert!(n > 2, "a multi-part message");
    let mut lines: Vec<String> = (0..n + 4)
        .rev()
        .map(|i| parts.part(i).to_string())
        .collect();
    lines.insert(2, lines[0].clone());
    lines[1] = lines[1].to_ascii_lowercase();
    lines
}

/// Checks a definition's signature under the group key dealt into `dir`.
fn verify_definition(
    dir: &std::path::Path,
    file: &std::path::Path,
    signature: &decaf377_rdsa::Signature<decaf377_rdsa::SpendAuth>,
) {
    let validator =
        hoarfrost::definition::parse_definition_toml(&std::fs::read_to_string(file).unwrap())
            .unwrap();
    group_vk(dir)
        .verify(
            &stake_pb::Validator::from(validator).encode_to_vec(),
            signature,
        )
        .unwrap();
}

/// The text as a terminal shows it in an 80-column panel, a line each.
fn wrapped(json: &str) -> Vec<String> {
    let chars: Vec<char> = json.chars().collect();
    chars.chunks(80).map(|c| c.iter().collect()).collect()
}

#[test]
fn line_mode_reads_qr_parts_and_wrapped_json() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let file = write_definition(dir, 4, "Scanned Validator");
    let k1 = key(dir, 1);
    let mut coordinator = Process::start(&[
        "coordinate",
        "definition",
        "--key",
        &k1,
        "--file",
        file.to_str().unwrap(),
        "--no-tui",
    ]);
    let round1 = coordinator.recv();
    let mut follower = Process::start(&["follow", "--key", &key(dir, 2), "--no-tui", "--yes"]);
    for part in scrambled_parts(&round1, 60) {
        follower.send(&part);
    }
    let reply = follower.recv();
    for line in wrapped(&reply) {
        coordinator.send(&line);
    }
    let round2 = coordinator.recv();
    for line in wrapped(&round2) {
        follower.send(&line);
    }
    for line in wrapped(&follower.recv()) {
        coordinator.send(&line);
    }
    let signature = decode_signature(&coordinator.recv());
    coordinator.finish();
    let stderr = follower.finish();
    assert!(stderr.contains(" parts"), "progress is reported: {stderr}");
    verify_definition(dir, &file, &signature);
}

fn dkg(home: &std::path::Path, yes: bool) -> Process {
    let mut args = vec![
        "--home",
        home.to_str().unwrap(),
        "dkg",
        "-t",
        "2",
        "-n",
        "3",
        "--name",
        "relayed",
        "--no-tui",
    ];
    if yes {
        args.push("--yes");
    }
    Process::start(&args)
}

#[test]
fn line_mode_takes_a_relays_bundle() {
    let homes: Vec<_> = (0..3).map(|_| temp()).collect();
    let mut procs: Vec<Process> = homes.iter().map(|h| dkg(h.path(), true)).collect();
    let round1: Vec<String> = procs.iter().map(Process::recv).collect();
    // Participant 0 relays: it gathers everyone's round 1 and shows them as one bundle, which
    // the others scan (their own message in it is skipped).
    procs[0].send(&round1[1]);
    procs[0].send(&round1[2]);
    let messages: Vec<AnyMessage> = round1
        .iter()
        .map(|m| AnyMessage::from_json(m).unwrap())
        .collect();
    let payloads: Vec<_> = messages.iter().map(AnyMessage::to_payload).collect();
    let mut parts = UrParts::bundle(&payloads, 120).unwrap();
    let frames: Vec<String> = (0..2 * parts.fragment_count())
        .map(|i| parts.part(i).to_string())
        .collect();
    for p in &mut procs[1..] {
        for frame in &frames {
            p.send(frame);
        }
    }
    let round2: Vec<String> = procs.iter().map(Process::recv).collect();
    for (i, p) in procs.iter_mut().enumerate() {
        for (j, m) in round2.iter().enumerate() {
            if i != j {
                p.send(m);
            }
        }
    }
    let keys: Vec<String> = procs.iter().map(Process::recv).collect();
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
    for p in procs.into_iter().skip(1) {
        assert!(p.finish().contains("already held (from the bundle)"));
    }
}

/// The attack: round 1 is unauthenticated, so a relay swaps participant 1's round-1 message,
/// as participant 2 sees it, for one of its own. Participant 2's round-2 shares would then be
/// encrypted to the relay. Participant 2's fingerprint differs from the others'; its person
/// types the code the others read aloud, and nothing of round 2 ever leaves.
#[test]
fn a_swapped_round1_stops_before_round2_leaves() {
    let homes: Vec<_> = (0..4).map(|_| temp()).collect();
    let mut procs: Vec<Process> = homes[..3].iter().map(|h| dkg(h.path(), false)).collect();
    let mut relay = dkg(homes[3].path(), true);
    let round1: Vec<String> = procs.iter().map(Process::recv).collect();
    let rogue = relay.recv();
    procs[0].send(&round1[1]);
    procs[0].send(&round1[2]);
    procs[2].send(&round1[0]);
    procs[2].send(&rogue);
    let honest = procs[0].wait_line("Round 1 fingerprint: ");
    let victim = procs[2].wait_line("Round 1 fingerprint: ");
    assert_ne!(honest, victim);
    // Participant 2's person hears participant 0's code and types it: it does not match.
    procs[2].send(&honest);
    drop(procs[2].stdin.take());
    let status = procs[2].child.wait().unwrap();
    assert!(!status.success());
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        procs[2]
            .stdout
            .recv_timeout(Duration::from_millis(200))
            .is_err(),
        "no round-2 message left the victim"
    );
    assert!(procs[2]
        .stderr()
        .contains("not confirmed: nothing more was sent"));
    let _ = relay.child.kill();
    for p in &mut procs {
        let _ = p.child.kill();
    }
}

/// Writes a message's QR frames (every fragment, then as many fountain parts) as PNG pictures
/// into `dir`, named `{stem}-NNN.png`: what a camera pointed at its loop would save.
fn write_frames(dir: &std::path::Path, stem: &str, json: &str) {
    use hoarfrost::transport::qr::{modules, plan_payload, to_png};
    let message = AnyMessage::from_json(json).unwrap();
    let (version, mut parts) =
        plan_payload(&message.to_bytes(), message.kind().ur_type(), 8).unwrap();
    let count = 2 * parts.fragment_count();
    for i in 0..count {
        let png = to_png(&modules(parts.part(i), version).unwrap(), 4);
        // Written under another name first: the follower never reads half a picture.
        let path = dir.join(format!("{stem}-{i:03}.png"));
        std::fs::write(path.with_extension("part"), png).unwrap();
        std::fs::rename(path.with_extension("part"), path).unwrap();
    }
}

#[test]
fn a_follower_reads_its_messages_from_frames_and_its_approval_from_the_keyboard() {
    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let file = write_definition(dir, 5, "Framed Validator");
    let frames = dir.join("frames");
    std::fs::create_dir(&frames).unwrap();
    let mut coordinator = Process::start(&[
        "coordinate",
        "definition",
        "--key",
        &key(dir, 1),
        "--file",
        file.to_str().unwrap(),
        "--no-tui",
    ]);
    // No --yes: the approval is asked, and typed on stdin, while messages come from the frames.
    let mut follower = Process::start(&[
        "follow",
        "--key",
        &key(dir, 2),
        "--no-tui",
        "--frames",
        frames.to_str().unwrap(),
    ]);
    // The answer waits on stdin until the review asks for it.
    follower.send("yes");
    write_frames(&frames, "a-round1", &coordinator.recv());
    coordinator.send(&follower.recv());
    write_frames(&frames, "b-round2", &coordinator.recv());
    coordinator.send(&follower.recv());
    let signature = decode_signature(&coordinator.recv());
    coordinator.finish();
    let stderr = follower.finish();
    assert!(stderr.contains("messages come from the scan"), "{stderr}");
    assert!(
        stderr.contains("Scan the coordinator's first message"),
        "{stderr}"
    );
    assert!(stderr.contains("Type yes to approve"), "{stderr}");
    assert!(stderr.contains("CoordinatorRound1: 1 of "), "{stderr}");
    assert!(stderr.contains("CoordinatorRound1: collected "), "{stderr}");
    verify_definition(dir, &file, &signature);
}

/// A relay pasted whole into a terminal runs on past the line that ends a ceremony. What is
/// left must not reach the shell that started hoarfrost, which would run each line as a
/// command: here a shell reads one line after hoarfrost ends, and must get the line typed
/// then, not the rest of the paste.
#[cfg(unix)]
#[test]
fn lines_left_when_line_mode_ends_never_reach_the_shell() {
    use portable_pty::CommandBuilder;
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};

    let dir = temp();
    let dir = dir.path();
    deal(dir, 2, 3);
    let (k1, k2) = (key(dir, 1), key(dir, 2));
    let coordinator = Process::start(&["check", "--key", &k1, "--no-tui"]);
    let round1 = coordinator.recv();

    let pty = pty_80x24();
    let follow = ["follow", "--key", &k2, "--no-tui"];
    let mut cmd = CommandBuilder::new("sh");
    cmd.args([
        "-c",
        "\"$0\" \"$@\"; echo ENDED; read -r rest; echo \"shell got:$rest.\"",
        env!("CARGO_BIN_EXE_hoarfrost"),
    ]);
    cmd.args(follow);
    cmd.args(secret_args_for(&follow));
    cmd.env("HOARFROST_STATE", state_dir());
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let screen = Arc::new(Mutex::new(String::new()));
    let sink = screen.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut buffer) {
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    let wait_for = |text: &str| {
        let until = std::time::Instant::now() + Duration::from_secs(60);
        while !screen.lock().unwrap().contains(text) {
            assert!(
                std::time::Instant::now() < until,
                "no {text:?} in:\n{}",
                screen.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };

    writer.write_all(format!("{round1}\n").as_bytes()).unwrap();
    wait_for("Type yes to approve");
    // The answer and the rest of the relay, in one paste.
    writer.write_all(b"no\nrest-of-the-relay\n").unwrap();
    wait_for("ENDED");
    std::thread::sleep(Duration::from_millis(300));
    writer.write_all(b"typed-later\n").unwrap();
    wait_for("shell got:");
    wait_for(".\r\n");
    child.wait().unwrap();
    let screen = screen.lock().unwrap().clone();
    assert!(screen.contains("declined"), "{screen}");
    assert!(screen.contains("shell got:typed-later."), "{screen}");
    drop(coordinator);
}

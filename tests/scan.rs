//! Scanning: the decoder on the webcam test set (at least as many frames as zbar reads), and
//! `hoarfrost scan` through the real binary: a folder of camera frames with unreadable photos
//! and parts out of order, too few frames, and no camera.

mod common;

use std::path::Path;
use std::process::Command;

use common::photo::{camera_frames, frame_folder};
use common::process::{run, BIN};
use common::*;
use hoarfrost::dkg::Dkg;
use hoarfrost::messages::AnyMessage;
use hoarfrost::transport::qr::decode_image;

struct SetFrame {
    file: String,
    text: String,
    zbar: bool,
}

fn the_set() -> (std::path::PathBuf, Vec<SetFrame>, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scan");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let frames = manifest["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| SetFrame {
            file: f["file"].as_str().unwrap().into(),
            text: f["text"].as_str().unwrap().into(),
            zbar: f["zbarimg"].as_bool().unwrap(),
        })
        .collect();
    let zbar_reads = manifest["zbarimg_reads"].as_u64().unwrap() as usize;
    (dir, frames, zbar_reads)
}

/// zbar's answer for one frame, when zbarimg is installed.
fn zbarimg_reads(path: &Path, text: &str) -> Option<bool> {
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(path)
        .output()
        .ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l == text),
    )
}

#[test]
fn the_decoder_reads_at_least_what_zbar_reads_of_the_webcam_set() {
    let (dir, frames, zbar_reads) = the_set();
    assert_eq!(frames.len(), 48);
    assert_eq!(frames.iter().filter(|f| f.zbar).count(), zbar_reads);
    let mut read = 0;
    for f in &frames {
        let found = decode_image(&std::fs::read(dir.join(&f.file)).unwrap()).unwrap_or_default();
        // A frame is read, or not: never misread.
        assert!(found.iter().all(|t| t == &f.text), "{}: {found:?}", f.file);
        read += usize::from(!found.is_empty());
    }
    eprintln!(
        "hoarfrost read {read} of {} frames; zbar {zbar_reads}",
        frames.len()
    );
    assert!(read >= zbar_reads, "read {read}, zbar read {zbar_reads}");
    // With zbarimg installed, zbar's recorded answers are checked again.
    let rerun: Option<Vec<bool>> = frames
        .iter()
        .map(|f| zbarimg_reads(&dir.join(&f.file), &f.text))
        .collect();
    match rerun {
        Some(answers) => {
            for (f, now) in frames.iter().zip(answers) {
                assert_eq!(now, f.zbar, "zbarimg on {} changed its answer", f.file);
            }
        }
        None => eprintln!("zbarimg is not installed: its recorded answers were not re-checked"),
    }
}

/// Two messages of different kinds: a definition's `CoordinatorRound1` and a `DKGRound1`.
fn two_messages() -> Vec<AnyMessage> {
    let shares = dealt(2, 3, 31);
    let mut r = rng(32);
    let (_, round1) = coordinate(&shares, definition_request(&shares[0], 1));
    let (_, dkg1) = Dkg::new(2, 3, &mut r).unwrap();
    vec![
        AnyMessage::CoordinatorRound1(round1),
        AnyMessage::DkgRound1(dkg1),
    ]
}

#[test]
fn scan_reads_a_folder_of_camera_frames_through_the_binary() {
    let messages = two_messages();
    let dir = frame_folder(&camera_frames(&messages, 0));
    let out = run(&["scan", "--frames", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mut printed: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut expected: Vec<String> = messages.iter().map(|m| m.to_json()).collect();
    printed.sort();
    expected.sort();
    assert_eq!(printed, expected);
    // Progress and problems on stderr, naming the broken file.
    assert!(stderr.contains(" of "), "{stderr}");
    assert!(stderr.contains("parts"), "{stderr}");
    assert!(
        stderr.contains("frame-0002.jpg: not a PNG or JPEG picture"),
        "{stderr}"
    );
}

#[test]
fn scan_says_how_many_parts_it_has_when_frames_are_missing() {
    let messages = two_messages();
    let dir = frame_folder(&camera_frames(&messages[..1], 2));
    let out = run(&["scan", "--frames", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: incomplete: "), "{stderr}");
    assert!(stderr.contains("more frames are needed"), "{stderr}");
    assert!(out.stdout.is_empty());
    // An empty folder and a missing one are refused by name.
    let empty = tempfile::tempdir().unwrap();
    let out = run(&["scan", "--frames", empty.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no PNG or JPEG pictures in it"), "{stderr}");
}

#[test]
fn scan_without_a_camera_says_so_in_one_line() {
    let cameras = hoarfrost::transport::scan::list_cameras();
    if matches!(&cameras, Ok(c) if !c.is_empty()) {
        eprintln!("this machine has a camera: the no-camera answers cannot be checked here");
        return;
    }
    for args in [
        vec!["scan"],
        vec!["scan", "--camera", "2"],
        vec!["scan", "--list-cameras"],
    ] {
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: no camera found")
                || stderr.starts_with("error: camera capture is not available"),
            "{args:?}: {stderr}"
        );
    }
    // Choosing a camera and a folder at once is refused before anything is opened.
    let out = Command::new(BIN)
        .args(["scan", "--camera", "0", "--frames", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

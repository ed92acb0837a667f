//! The scan view (`v` on a ceremony screen) without a camera: stand-in cameras give a folder of
//! photographed QR frames of a real ceremony message, which enters the ceremony as a paste
//! would; the view at 80x24 and 160x48; and a machine without cameras says so in one line.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::photo::{camera_frames, frame_folder};
use common::tui::*;
use crossterm::event::KeyCode;
use hoarfrost::messages::AnyMessage;
use hoarfrost::transport::scan::{CameraInfo, Cameras, FolderSource, FrameSource, ScanError};
use hoarfrost::tui::app::Msg;
use hoarfrost::tui::screens::ceremony::Ceremony;
use hoarfrost::tui::screens::scan::ScanScreen;

/// A laptop's cameras: an infrared one listed first (it sees no screen: opening it fails), and
/// one whose frames are the pictures of a folder.
struct StandIn {
    frames: PathBuf,
}

impl Cameras for StandIn {
    fn list(&self) -> Result<Vec<CameraInfo>, ScanError> {
        let camera = |index: &str, name: &str| CameraInfo {
            index: index.into(),
            name: name.into(),
            description: "a stand-in".into(),
        };
        Ok(vec![
            camera("0", "Integrated IR Camera"),
            camera("2", "Stand-in camera (a folder of frames)"),
        ])
    }

    fn open(&self, camera: &CameraInfo) -> Result<Box<dyn FrameSource>, ScanError> {
        if camera.looks_infrared() {
            return Err(ScanError::Camera {
                camera: camera.to_string(),
                problem: "an infrared camera sees no screen".into(),
            });
        }
        Ok(Box::new(FolderSource::open(&self.frames)?))
    }
}

struct NoCameras;

impl Cameras for NoCameras {
    fn list(&self) -> Result<Vec<CameraInfo>, ScanError> {
        Ok(vec![])
    }

    fn open(&self, _: &CameraInfo) -> Result<Box<dyn FrameSource>, ScanError> {
        Err(ScanError::NoCamera)
    }
}

fn scan_view(t: &Tui) -> &ScanScreen {
    t.app
        .top()
        .as_any()
        .downcast_ref::<ScanScreen>()
        .expect("the scan view on top")
}

/// Ticks (as the runtime does, eight a second, here faster) until `done` or a minute passed.
fn tick_until(t: &mut Tui, done: impl Fn(&Tui) -> bool) {
    let start = Instant::now();
    while !done(t) {
        assert!(start.elapsed() < Duration::from_secs(60), "{}", t.screen());
        t.send(Msg::Tick);
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_scanned_message_enters_the_ceremony_as_a_paste_would() {
    let (mut t, peers) = dkg(41);
    let theirs = AnyMessage::from_json(&peers[0].view().outgoing().unwrap().json).unwrap();
    let frames = frame_folder(&camera_frames(std::slice::from_ref(&theirs), 0));
    t.app.ctx.cameras = Arc::new(StandIn {
        frames: frames.path().to_path_buf(),
    });
    t.type_text("v");
    // The infrared camera is listed first but not chosen.
    let view = scan_view(&t);
    assert_eq!(view.camera().unwrap().index, "2");
    tick_until(&mut t, |t| t.top_is::<Ceremony>());
    let log = t.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("accepted DKGRound1 from ")),
        "{log:?}"
    );
    assert!(
        t.ceremony().view().progress.contains("1 of 2"),
        "{}",
        t.ceremony().view().progress
    );
    // The same message again, pasted: already held, as for any paste.
    t.paste(&theirs.to_json());
    assert!(
        t.log().last().unwrap().contains("already held"),
        "{:?}",
        t.log()
    );
    // The camera chosen is remembered for the next scan.
    assert_eq!(t.app.ctx.camera.as_deref(), Some("2"));
}

#[test]
fn the_scan_view_shows_the_preview_progress_and_refusals() {
    let (mut t, peers) = dkg(42);
    let theirs = AnyMessage::from_json(&peers[0].view().outgoing().unwrap().json).unwrap();
    // Two parts missing: the message never completes, and the view stays. The frames sit in
    // the test's folder (its path is masked in snapshots), a broken file among them.
    let frames = t.dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    for (i, frame) in camera_frames(std::slice::from_ref(&theirs), 2)
        .iter()
        .enumerate()
    {
        std::fs::write(frames.join(format!("frame-{:04}.jpg", 2 * i)), frame).unwrap();
    }
    std::fs::write(frames.join("frame-0001.jpg"), b"a broken file").unwrap();
    t.app.ctx.cameras = Arc::new(StandIn { frames });
    // Shades instead of grey half blocks, so the snapshot shows the picture.
    t.app.ctx.palette.no_color = true;
    t.type_text("v");
    tick_until(&mut t, |t| scan_view(t).problem().is_some());
    assert!(scan_view(&t).progress().unwrap().starts_with("DKGRound1: "));
    snap!("scan_view", t);
    // Choosing the infrared camera says why it cannot scan; Esc goes back, the ceremony goes on.
    t.type_text("1");
    assert!(scan_view(&t).problem().unwrap().contains("infrared"));
    t.press(KeyCode::Esc);
    assert!(t.top_is::<Ceremony>());
    t.paste(&peers[1].view().outgoing().unwrap().json);
    assert!(
        t.log()
            .last()
            .unwrap()
            .starts_with("accepted DKGRound1 from "),
        "{:?}",
        t.log()
    );
}

#[test]
fn without_a_camera_the_view_says_so_in_one_line() {
    let (mut t, _) = dkg(43);
    t.app.ctx.cameras = Arc::new(NoCameras);
    t.type_text("v");
    let screen = t.screen();
    let said: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("no camera found"))
        .collect();
    assert_eq!(said.len(), 1, "{screen}");
    snap!("scan_no_camera", t);
    // Keys that choose a camera do nothing; Esc goes back.
    t.type_text("1");
    t.press(KeyCode::Down);
    t.press(KeyCode::Esc);
    assert!(t.top_is::<Ceremony>());
}

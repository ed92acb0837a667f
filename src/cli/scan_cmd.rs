//! `hoarfrost scan`: QR codes from a webcam, or from a folder of its frames, to pcli JSON on
//! stdout (one message a line); which camera, progress and problems on stderr.

use std::path::PathBuf;

use crate::transport::scan::{
    list_cameras, open_camera, FolderSource, FrameSource, ScanEvent, ScanOptions, Scanner,
};

use super::transport_cmd::MessagePrinter;

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// The camera: its number, its device file or part of its name, as --list-cameras shows
    /// (default: the first camera that opens, infrared cameras last).
    #[arg(long, value_name = "DEVICE", conflicts_with = "frames")]
    camera: Option<String>,
    /// Read the frames from a folder of pictures taken in order (PNG or JPEG, in file-name
    /// order) instead of a camera.
    #[arg(long, value_name = "DIR")]
    frames: Option<PathBuf>,
    /// List the cameras, and exit.
    #[arg(long, conflicts_with_all = ["camera", "frames"])]
    list_cameras: bool,
    /// Stop after this many messages (default: at Ctrl-C, or at the end of the frames).
    #[arg(long, value_name = "N")]
    count: Option<usize>,
}

fn list() -> anyhow::Result<()> {
    let cameras = list_cameras()?;
    anyhow::ensure!(
        !cameras.is_empty(),
        crate::transport::scan::ScanError::NoCamera
    );
    for camera in cameras {
        let note = if camera.looks_infrared() {
            "  [infrared: used only when chosen]"
        } else {
            ""
        };
        println!(
            "{}  {}  ({}){note}",
            camera.index, camera.name, camera.description
        );
    }
    Ok(())
}

/// Tells which camera is used and how to choose another.
pub(super) fn camera_hint(scanner: &Scanner, chosen: Option<&str>) {
    eprintln!("scanning with {}", scanner.description());
    if chosen.is_none() {
        let others: Vec<String> = list_cameras()
            .unwrap_or_default()
            .iter()
            .filter(|c| !scanner.description().contains(&c.to_string()))
            .map(ToString::to_string)
            .collect();
        if !others.is_empty() {
            eprintln!(
                "other cameras: {} (choose with --camera)",
                others.join(", ")
            );
        }
    }
    eprintln!("hold the code steady, filling a third of the picture or more; Ctrl-C stops");
}

pub fn run(args: ScanArgs) -> anyhow::Result<()> {
    if args.list_cameras {
        return list();
    }
    let source: Box<dyn FrameSource> = match &args.frames {
        Some(folder) => Box::new(FolderSource::open(folder)?),
        None => open_camera(args.camera.as_deref())?,
    };
    let live = source.is_live();
    let scanner = Scanner::start(source, ScanOptions::default());
    if live {
        camera_hint(&scanner, args.camera.as_deref());
    } else {
        eprintln!("scanning {}", scanner.description());
    }
    let mut printer = MessagePrinter::scanning();
    let mut failure = None;
    while let Some(event) = scanner.recv() {
        match event {
            ScanEvent::Decoded(text) => {
                printer.feed(&text);
                if args.count.is_some_and(|n| printer.printed() >= n) {
                    break;
                }
            }
            ScanEvent::Error {
                message,
                fatal: true,
            } => failure = Some(message),
            ScanEvent::Error { message, .. } => eprintln!("error: {message}"),
            ScanEvent::Finished => break,
            ScanEvent::Preview(_) | ScanEvent::Progress(_) => {}
        }
    }
    let stats = scanner.stats();
    scanner.stop();
    if !live {
        eprintln!(
            "read {} distinct codes from {} frames",
            stats.texts, stats.frames
        );
    }
    if let Some(message) = failure {
        anyhow::bail!(message);
    }
    printer.finish()
}

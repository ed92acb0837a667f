//! Scanning QR codes with a camera: where frames come from (a webcam, or a folder of pictures
//! taken in order), and a [`Scanner`] that decodes them on its own threads so that a screen
//! showing the scan stays live.
//!
//! A screen polls [`Scanner::try_recv`] on each tick (it never waits), draws
//! [`ScanEvent::Preview`] frames (asked for with [`ScanOptions::preview`], e.g. `(80, 48)` for
//! an 80x24 view in half blocks: one pixel a column, two a row), and hands each
//! [`ScanEvent::Decoded`] text to whatever collects UR parts (a session's paste, or
//! `UrCollector`). Line mode waits with [`Scanner::recv`]:
//!
//! ```no_run
//! use hoarfrost::transport::scan::{open_camera, ScanEvent, ScanOptions, Scanner};
//!
//! let camera = open_camera(None).expect("a camera");
//! let scanner = Scanner::start(camera, ScanOptions::default());
//! while let Some(event) = scanner.recv() {
//!     match event {
//!         ScanEvent::Decoded(text) => println!("{text}"),
//!         ScanEvent::Finished => break,
//!         _ => {}
//!     }
//! }
//! ```

use std::path::PathBuf;

mod camera;
mod collect;
mod folder;
mod frame;
mod scanner;

pub use camera::{candidates, list_cameras, open_camera, CameraInfo, Cameras, SystemCameras};
pub use collect::{as_paste, ur_type_name, Collected, MessageCollector};
pub use folder::FolderSource;
pub use frame::{to_gray, GrayFrame, PixelLayout};
pub use scanner::{ScanEvent, ScanOptions, ScanStats, Scanner};

/// What can go wrong while scanning. [`ScanError::is_fatal`] says whether the source can go on.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// This build or platform cannot capture from a camera.
    #[error("camera capture is not available: {0}")]
    Unsupported(String),
    #[error("no camera found (is one connected, and may this user open it?)")]
    NoCamera,
    #[error("no camera {wanted:?}; the cameras are: {}", available.join(", "))]
    UnknownCamera {
        wanted: String,
        available: Vec<String>,
    },
    #[error("several cameras match {wanted:?}: {}; choose one by its number", matching.join(", "))]
    AmbiguousCamera {
        wanted: String,
        matching: Vec<String>,
    },
    /// The camera could not be opened or stopped delivering frames.
    #[error("camera {camera}: {problem}")]
    Camera { camera: String, problem: String },
    /// The folder of frames cannot be read.
    #[error("{}: {problem}", folder.display())]
    Folder { folder: PathBuf, problem: String },
    /// One frame could not be read; the next may be fine.
    #[error("{frame}: {problem}")]
    BadFrame { frame: String, problem: String },
}

impl ScanError {
    /// Whether the source is done for: everything but a single bad frame.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, ScanError::BadFrame { .. })
    }
}

/// Where frames come from.
pub trait FrameSource: Send {
    /// The next frame; `None` when there are no more (a folder read to its end). An error that
    /// is not [fatal](ScanError::is_fatal) skips one frame.
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, ScanError>;

    /// Whether frames arrive in real time (a camera): a scanner then drops the frames it has no
    /// time for. Otherwise (pictures) it decodes every frame.
    fn is_live(&self) -> bool;

    /// What the source is, for people: "camera 0 (HD Webcam)", "frames/ (23 pictures)".
    fn describe(&self) -> String;

    /// The scan's stop flag, for a source that may wait long inside [`FrameSource::next_frame`]
    /// (a watched folder): once it is set, the source ends instead of waiting on.
    fn stop_with(&mut self, _stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {}
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;

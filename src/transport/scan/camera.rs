//! Webcams: listing them with their names, choosing one (laptops often list an infrared camera
//! first), and capturing greyscale frames through nokhwa (V4L2 on Linux, AVFoundation on
//! macOS, Media Foundation on Windows) when built with the `camera` feature.

use super::{FrameSource, ScanError};

/// A camera as the system lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CameraInfo {
    /// What `--camera` takes: the system's index ("0"), or its identifier where there is none.
    pub index: String,
    /// The product's name ("Integrated Camera").
    pub name: String,
    /// More detail from the system (on Linux its device file).
    pub description: String,
}

impl CameraInfo {
    /// Infrared cameras (for face login) see no screen: never chosen unless asked for.
    pub fn looks_infrared(&self) -> bool {
        let name = self.name.to_ascii_lowercase();
        name.contains("infrared")
            || name
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| word == "ir")
    }
}

impl std::fmt::Display for CameraInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}", self.index, self.name)
    }
}

/// The cameras to try, in order, for `--camera wanted` (an index, a device file or part of a
/// name), or without it every camera, infrared ones last.
pub fn candidates<'a>(
    cameras: &'a [CameraInfo],
    wanted: Option<&str>,
) -> Result<Vec<&'a CameraInfo>, ScanError> {
    if cameras.is_empty() {
        return Err(ScanError::NoCamera);
    }
    let Some(wanted) = wanted.map(str::trim) else {
        let (infrared, visible): (Vec<&CameraInfo>, Vec<&CameraInfo>) =
            cameras.iter().partition(|c| c.looks_infrared());
        return Ok(visible.into_iter().chain(infrared).collect());
    };
    // A number is an index, never part of a name ("C920").
    if let Some(camera) = cameras.iter().find(|c| c.index == wanted) {
        return Ok(vec![camera]);
    }
    let by_device = cameras
        .iter()
        .find(|c| c.description.split_whitespace().any(|word| word == wanted));
    if let Some(camera) = by_device {
        return Ok(vec![camera]);
    }
    let lower = wanted.to_ascii_lowercase();
    let named: Vec<&CameraInfo> = if lower.is_empty() || lower.bytes().all(|b| b.is_ascii_digit()) {
        vec![]
    } else {
        cameras
            .iter()
            .filter(|c| c.name.to_ascii_lowercase().contains(&lower))
            .collect()
    };
    match named.len() {
        1 => Ok(named),
        0 => Err(ScanError::UnknownCamera {
            wanted: wanted.to_string(),
            available: cameras.iter().map(ToString::to_string).collect(),
        }),
        _ => Err(ScanError::AmbiguousCamera {
            wanted: wanted.to_string(),
            matching: named.iter().map(ToString::to_string).collect(),
        }),
    }
}

/// Opens the camera `wanted` names (see [`candidates`]), or the first that is not infrared and
/// opens, and starts it streaming.
pub fn open_camera(wanted: Option<&str>) -> Result<Box<dyn FrameSource>, ScanError> {
    let cameras = list_cameras()?;
    let mut first_error = None;
    for camera in candidates(&cameras, wanted)? {
        match capture::CameraSource::open(camera) {
            Ok(source) => return Ok(Box::new(source)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(ScanError::NoCamera))
}

/// The cameras this machine has.
pub fn list_cameras() -> Result<Vec<CameraInfo>, ScanError> {
    capture::list()
}

/// Where a scan view finds its cameras: the system's, or (in tests) stand-ins that give
/// photographed frames. Both calls may take long (a permission prompt, a device opening):
/// callers run them off the UI thread.
pub trait Cameras: Send + Sync {
    fn list(&self) -> Result<Vec<CameraInfo>, ScanError>;
    /// Opens `camera` (one [`Cameras::list`] gave) and starts it streaming.
    fn open(&self, camera: &CameraInfo) -> Result<Box<dyn FrameSource>, ScanError>;
}

/// This machine's cameras.
pub struct SystemCameras;

impl Cameras for SystemCameras {
    fn list(&self) -> Result<Vec<CameraInfo>, ScanError> {
        list_cameras()
    }

    fn open(&self, camera: &CameraInfo) -> Result<Box<dyn FrameSource>, ScanError> {
        Ok(Box::new(capture::CameraSource::open(camera)?))
    }
}

#[cfg(feature = "camera")]
mod capture {
    use nokhwa::utils::{
        ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
        Resolution,
    };

    use super::super::frame::{to_gray, PixelLayout};
    use super::super::{FrameSource, GrayFrame, ScanError};
    use super::CameraInfo;

    /// Every layout `to_gray` reads.
    const FORMATS: [FrameFormat; 6] = [
        FrameFormat::YUYV,
        FrameFormat::MJPEG,
        FrameFormat::GRAY,
        FrameFormat::NV12,
        FrameFormat::RAWRGB,
        FrameFormat::RAWBGR,
    ];

    /// After this many failed reads in a row the camera is taken as gone.
    const FAILURES_IN_A_ROW: u32 = 10;

    fn backend() -> Result<ApiBackend, ScanError> {
        nokhwa::native_api_backend().ok_or_else(|| {
            ScanError::Unsupported(format!(
                "hoarfrost cannot capture from cameras on {}",
                std::env::consts::OS
            ))
        })
    }

    /// Asks for the camera permission where the system requires it (macOS); elsewhere it is
    /// granted at once.
    fn permission() -> Result<(), ScanError> {
        let (tx, rx) = std::sync::mpsc::channel();
        nokhwa::nokhwa_initialize(move |granted| {
            let _ = tx.send(granted);
        });
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(true) => Ok(()),
            _ => Err(ScanError::Unsupported(
                "this program was not allowed to use the camera".into(),
            )),
        }
    }

    pub fn list() -> Result<Vec<CameraInfo>, ScanError> {
        let backend = backend()?;
        permission()?;
        let found = nokhwa::query(backend).map_err(|e| ScanError::Camera {
            camera: "list".into(),
            problem: e.to_string(),
        })?;
        Ok(found
            .into_iter()
            .map(|c| CameraInfo {
                index: c.index().to_string(),
                name: c.human_name(),
                description: c.description().to_string(),
            })
            .collect())
    }

    fn layout(format: FrameFormat) -> PixelLayout {
        match format {
            FrameFormat::MJPEG => PixelLayout::Mjpeg,
            FrameFormat::YUYV => PixelLayout::Yuyv,
            FrameFormat::NV12 => PixelLayout::Nv12,
            FrameFormat::GRAY => PixelLayout::Gray,
            FrameFormat::RAWRGB => PixelLayout::Rgb,
            FrameFormat::RAWBGR => PixelLayout::Bgr,
        }
    }

    pub struct CameraSource {
        camera: nokhwa::Camera,
        info: CameraInfo,
        failures: u32,
    }

    impl CameraSource {
        /// Opens the camera at (or near) 640x480 and 30 frames a second: enough for codes of
        /// version 12 held to fill the frame, cheap to decode.
        pub fn open(info: &CameraInfo) -> Result<Self, ScanError> {
            let problem = |e: nokhwa::NokhwaError| ScanError::Camera {
                camera: info.to_string(),
                problem: e.to_string(),
            };
            let index = match info.index.parse::<u32>() {
                Ok(i) => CameraIndex::Index(i),
                Err(_) => CameraIndex::String(info.index.clone()),
            };
            let wanted = RequestedFormatType::Closest(CameraFormat::new(
                Resolution::new(640, 480),
                FrameFormat::YUYV,
                30,
            ));
            let formats = RequestedFormat::with_formats(wanted, &FORMATS);
            let mut camera = nokhwa::Camera::new(index, formats).map_err(problem)?;
            camera.open_stream().map_err(problem)?;
            Ok(Self {
                camera,
                info: info.clone(),
                failures: 0,
            })
        }
    }

    impl FrameSource for CameraSource {
        fn next_frame(&mut self) -> Result<Option<GrayFrame>, ScanError> {
            let read = self
                .camera
                .frame()
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    let size = b.resolution();
                    to_gray(
                        layout(b.source_frame_format()),
                        size.width() as usize,
                        size.height() as usize,
                        b.buffer(),
                    )
                });
            match read {
                Ok(frame) => {
                    self.failures = 0;
                    Ok(Some(frame))
                }
                Err(problem) => {
                    self.failures += 1;
                    if self.failures >= FAILURES_IN_A_ROW {
                        Err(ScanError::Camera {
                            camera: self.info.to_string(),
                            problem: format!("{FAILURES_IN_A_ROW} frames failed: {problem}"),
                        })
                    } else {
                        Err(ScanError::BadFrame {
                            frame: format!("camera {}", self.info),
                            problem,
                        })
                    }
                }
            }
        }

        fn is_live(&self) -> bool {
            true
        }

        fn describe(&self) -> String {
            let format = self.camera.camera_format();
            format!(
                "camera {} ({}x{} {} at {} frames/s)",
                self.info,
                format.width(),
                format.height(),
                format.format(),
                format.frame_rate()
            )
        }
    }

    impl Drop for CameraSource {
        fn drop(&mut self) {
            // Releasing the device lets the next scan (or another program) open it.
            let _ = self.camera.stop_stream();
        }
    }
}

#[cfg(not(feature = "camera"))]
mod capture {
    use super::super::{FrameSource, GrayFrame, ScanError};
    use super::CameraInfo;

    fn unsupported() -> ScanError {
        ScanError::Unsupported(
            "this hoarfrost was built without the `camera` feature; scan pictures with --frames"
                .into(),
        )
    }

    pub fn list() -> Result<Vec<CameraInfo>, ScanError> {
        Err(unsupported())
    }

    /// Never made: without the feature no camera opens.
    pub enum CameraSource {}

    impl CameraSource {
        pub fn open(_: &CameraInfo) -> Result<Self, ScanError> {
            Err(unsupported())
        }
    }

    impl FrameSource for CameraSource {
        fn next_frame(&mut self) -> Result<Option<GrayFrame>, ScanError> {
            match *self {}
        }

        fn is_live(&self) -> bool {
            match *self {}
        }

        fn describe(&self) -> String {
            match *self {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camera(index: &str, name: &str, device: &str) -> CameraInfo {
        CameraInfo {
            index: index.into(),
            name: name.into(),
            description: format!("Video4Linux Device @ {device}"),
        }
    }

    fn laptop() -> Vec<CameraInfo> {
        vec![
            camera("0", "Integrated IR Camera: Integrate", "/dev/video0"),
            camera("2", "Integrated Camera: Integrated C", "/dev/video2"),
            camera("4", "HD Pro Webcam C920", "/dev/video4"),
        ]
    }

    #[test]
    fn the_infrared_camera_is_tried_last() {
        let cameras = laptop();
        let order: Vec<&str> = candidates(&cameras, None)
            .unwrap()
            .iter()
            .map(|c| c.index.as_str())
            .collect();
        assert_eq!(order, ["2", "4", "0"]);
        assert!(cameras[0].looks_infrared());
        assert!(!cameras[1].looks_infrared());
        assert!(camera("1", "Infrared Camera", "/dev/video1").looks_infrared());
        // "ir" inside a word is not infrared.
        assert!(!camera("1", "Firewire Cam", "/dev/video1").looks_infrared());
    }

    #[test]
    fn a_camera_is_chosen_by_index_device_or_name() {
        let cameras = laptop();
        let chosen = |wanted| candidates(&cameras, Some(wanted)).unwrap()[0].index.clone();
        assert_eq!(chosen("0"), "0");
        assert_eq!(chosen("/dev/video4"), "4");
        assert_eq!(chosen("c920"), "4");
        assert_eq!(chosen(" integrated camera "), "2");
        let e = candidates(&cameras, Some("Integrated"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("several cameras match \"Integrated\"") && e.contains("0 \"Integrated IR"),
            "{e}"
        );
        let Err(ScanError::AmbiguousCamera { matching, .. }) =
            candidates(&cameras, Some("Integrated"))
        else {
            panic!("two cameras are named Integrated");
        };
        assert_eq!(matching.len(), 2, "{matching:?}");
        let e = candidates(&cameras, Some("9")).unwrap_err().to_string();
        assert!(
            e.contains("no camera \"9\"") && e.contains("2 \"Integrated Camera"),
            "{e}"
        );
        assert!(candidates(&cameras, Some("")).is_err());
    }

    #[test]
    fn no_camera_at_all_says_so() {
        let e = candidates(&[], None).unwrap_err();
        assert!(matches!(e, ScanError::NoCamera));
        assert!(e.is_fatal());
        assert!(candidates(&[], Some("0")).is_err());
    }

    /// On this machine, whatever it has: listing never panics, and opening either gives a
    /// camera or one of the errors a person can act on.
    #[test]
    fn listing_and_opening_the_machines_cameras_answer_plainly() {
        match list_cameras() {
            Ok(cameras) if cameras.is_empty() => {
                let e = open_camera(None).err().expect("no camera to open");
                assert!(matches!(e, ScanError::NoCamera), "{e}");
                assert_eq!(
                    e.to_string(),
                    "no camera found (is one connected, and may this user open it?)"
                );
            }
            Ok(_) => {
                if let Err(e) = open_camera(None) {
                    assert!(matches!(e, ScanError::Camera { .. }), "{e}");
                }
            }
            Err(e) => assert!(matches!(e, ScanError::Unsupported(_)), "{e}"),
        }
    }
}

//! The scanner's threads: drop-when-busy for live sources, every frame for pictures, errors,
//! previews, repeated texts, and stopping.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;

fn frame(value: u8) -> GrayFrame {
    GrayFrame::new(64, 48, vec![value; 64 * 48]).unwrap()
}

/// Frames from memory, then the end; `wait_before` holds back the frame at that position until
/// a signal arrives.
struct MemorySource {
    frames: std::vec::IntoIter<Result<GrayFrame, ScanError>>,
    live: bool,
    wait_before: Option<(usize, Receiver<()>)>,
    served: usize,
    dropped: Arc<AtomicBool>,
}

impl MemorySource {
    fn new(frames: Vec<Result<GrayFrame, ScanError>>, live: bool) -> Self {
        Self {
            frames: frames.into_iter(),
            live,
            wait_before: None,
            served: 0,
            dropped: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl FrameSource for MemorySource {
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, ScanError> {
        if let Some((at, signal)) = &self.wait_before {
            if *at == self.served {
                signal.recv().expect("the signal comes");
            }
        }
        self.served += 1;
        self.frames.next().transpose()
    }

    fn is_live(&self) -> bool {
        self.live
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

impl Drop for MemorySource {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// Polls until `done` holds; a generous deadline only turns a hang into a failure.
fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// All events up to `Finished`.
fn drain(scanner: &Scanner) -> Vec<ScanEvent> {
    let mut events = Vec::new();
    while let Some(event) = scanner.recv() {
        let finished = event == ScanEvent::Finished;
        events.push(event);
        if finished {
            break;
        }
    }
    events
}

fn decoded(events: &[ScanEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ScanEvent::Decoded(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// A decoder that reads each frame's value as its text, and can be held on its first frame.
struct GatedDecoder {
    started: Sender<()>,
    gate: Mutex<Receiver<()>>,
}

#[test]
fn a_live_source_is_never_held_up_by_a_busy_decoder() {
    let (started_tx, started_rx) = channel();
    let (gate_tx, gate_rx) = channel();
    let decoder = GatedDecoder {
        started: started_tx,
        gate: Mutex::new(gate_rx),
    };
    let mut source = MemorySource::new((0..200).map(|i| Ok(frame(i as u8))).collect(), true);
    // Frame 2 comes only once the decoder is busy with frame 1.
    source.wait_before = Some((1, started_rx));
    let scanner = Scanner::start_with(Box::new(source), ScanOptions::default(), move |f| {
        if f.pixels[0] == 0 {
            decoder.started.send(()).unwrap();
            decoder.gate.lock().unwrap().recv().unwrap();
        }
        vec![format!("frame {}", f.pixels[0])]
    });
    // The whole source is read while the decoder is stuck: one frame waits, the rest are
    // dropped, and the caller's polling never waits either.
    wait_until(|| scanner.stats().frames == 200);
    assert_eq!(scanner.try_recv(), None);
    let stats = scanner.stats();
    assert_eq!((stats.decoded, stats.dropped), (0, 198));
    gate_tx.send(()).unwrap();
    let events = drain(&scanner);
    assert_eq!(decoded(&events), ["frame 0", "frame 1"]);
    let stats = scanner.stats();
    assert_eq!(
        (stats.frames, stats.decoded, stats.dropped, stats.texts),
        (200, 2, 198, 2)
    );
    assert!(events.contains(&ScanEvent::Progress(stats)));
}

#[test]
fn pictures_are_all_decoded_in_order() {
    let source = MemorySource::new((0..50).map(|i| Ok(frame(i))).collect(), false);
    let scanner = Scanner::start_with(Box::new(source), ScanOptions::default(), |f| {
        std::thread::sleep(Duration::from_millis(1));
        vec![format!("frame {}", f.pixels[0])]
    });
    let events = drain(&scanner);
    let expected: Vec<String> = (0..50).map(|i| format!("frame {i}")).collect();
    assert_eq!(decoded(&events), expected);
    let stats = scanner.stats();
    assert_eq!((stats.frames, stats.decoded, stats.dropped), (50, 50, 0));
    assert_eq!(events.last(), Some(&ScanEvent::Finished));
}

#[test]
fn a_text_seen_in_many_frames_is_reported_once() {
    let source = MemorySource::new((0..10).map(|_| Ok(frame(1))).collect(), false);
    let scanner = Scanner::start_with(Box::new(source), ScanOptions::default(), |_| {
        vec!["UR:PCLI-F1/1-3/A".into(), "UR:PCLI-F1/2-3/B".into()]
    });
    let events = drain(&scanner);
    assert_eq!(decoded(&events), ["UR:PCLI-F1/1-3/A", "UR:PCLI-F1/2-3/B"]);
    assert_eq!(scanner.stats().texts, 2);
}

#[test]
fn a_bad_frame_is_reported_and_the_scan_goes_on_but_a_fatal_error_ends_it() {
    let bad = || ScanError::BadFrame {
        frame: "b.png".into(),
        problem: "not a PNG or JPEG picture".into(),
    };
    let frames = vec![
        Ok(frame(1)),
        Err(bad()),
        Ok(frame(2)),
        Err(ScanError::Camera {
            camera: "0 \"Webcam\"".into(),
            problem: "unplugged".into(),
        }),
        Ok(frame(3)),
    ];
    let source = MemorySource::new(frames, false);
    let dropped = source.dropped.clone();
    let scanner = Scanner::start_with(Box::new(source), ScanOptions::default(), |f| {
        vec![f.pixels[0].to_string()]
    });
    let events = drain(&scanner);
    assert_eq!(decoded(&events), ["1", "2"]);
    let errors: Vec<&ScanEvent> = events
        .iter()
        .filter(|e| matches!(e, ScanEvent::Error { .. }))
        .collect();
    assert_eq!(
        errors,
        [
            &ScanEvent::Error {
                message: "b.png: not a PNG or JPEG picture".into(),
                fatal: false
            },
            &ScanEvent::Error {
                message: "camera 0 \"Webcam\": unplugged".into(),
                fatal: true
            }
        ]
    );
    assert_eq!(events.last(), Some(&ScanEvent::Finished));
    // The source (a camera) is released once the scan ends.
    wait_until(|| dropped.load(Ordering::SeqCst));
}

#[test]
fn previews_are_shrunk_to_the_view() {
    let big = GrayFrame::new(640, 480, vec![90; 640 * 480]).unwrap();
    let source = MemorySource::new(vec![Ok(big)], false);
    let options = ScanOptions {
        preview: Some((80, 48)),
    };
    let scanner = Scanner::start_with(Box::new(source), options, |_| vec![]);
    let events = drain(&scanner);
    let preview = events
        .iter()
        .find_map(|e| match e {
            ScanEvent::Preview(p) => Some(p),
            _ => None,
        })
        .expect("a preview");
    assert_eq!((preview.width, preview.height), (64, 48));
    assert!(preview.pixels.iter().all(|p| *p == 90));
    // Without the option, no previews.
    let source = MemorySource::new(vec![Ok(frame(1))], false);
    let scanner = Scanner::start_with(Box::new(source), ScanOptions::default(), |_| vec![]);
    assert!(!drain(&scanner)
        .iter()
        .any(|e| matches!(e, ScanEvent::Preview(_))));
}

/// An endless live source: a camera nobody stops.
struct EndlessCamera {
    dropped: Arc<AtomicBool>,
}

impl FrameSource for EndlessCamera {
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, ScanError> {
        std::thread::sleep(Duration::from_millis(1));
        Ok(Some(frame(7)))
    }

    fn is_live(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        "endless".into()
    }
}

impl Drop for EndlessCamera {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

#[test]
fn stopping_or_dropping_a_scan_releases_the_camera_even_when_nobody_reads_events() {
    let options = ScanOptions {
        preview: Some((8, 6)),
    };
    // Every frame gives a new text, so the event queue fills up unread.
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let texts = move |_: &GrayFrame| vec![counter.fetch_add(1, Ordering::SeqCst).to_string()];
    let dropped = Arc::new(AtomicBool::new(false));
    let camera = EndlessCamera {
        dropped: dropped.clone(),
    };
    let scanner = Scanner::start_with(Box::new(camera), options, texts.clone());
    wait_until(|| scanner.stats().frames > 200);
    scanner.stop();
    assert!(dropped.load(Ordering::SeqCst), "stop waits for the release");

    let dropped = Arc::new(AtomicBool::new(false));
    let camera = EndlessCamera {
        dropped: dropped.clone(),
    };
    let scanner = Scanner::start_with(Box::new(camera), options, texts);
    wait_until(|| scanner.stats().frames > 200);
    drop(scanner);
    wait_until(|| dropped.load(Ordering::SeqCst));
}

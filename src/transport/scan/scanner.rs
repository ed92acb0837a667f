//! The scanner: a capture thread reads the source, a decoder thread reads codes, and the caller
//! polls events without ever waiting. A live source's frames are dropped while the decoder is
//! busy, so nothing queues up and what is decoded is always recent.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::{FrameSource, GrayFrame};

/// Events waiting for the caller beyond this many: previews and counters are dropped, texts and
/// errors wait (and with them the decoder, while the camera's frames are dropped).
const EVENT_CAPACITY: usize = 64;

/// Texts remembered to report each once; past this many the memory starts afresh (a repeat
/// then costs a collector one duplicate), so an endless fountain stream stays bounded.
const REMEMBERED_TEXTS: usize = 4096;

/// What a scan view wants besides the decoded texts.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanOptions {
    /// Send each frame shrunk to fit this many pixels (columns, rows), for a preview: an
    /// 80x24 half-block view shows 80x48.
    pub preview: Option<(usize, usize)>,
}

/// Counters since the scan started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Frames read from the source.
    pub frames: u64,
    /// Frames the decoder looked at.
    pub decoded: u64,
    /// Frames dropped because the decoder was busy (live sources only).
    pub dropped: u64,
    /// Distinct texts read.
    pub texts: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanEvent {
    /// The latest frame, shrunk as [`ScanOptions::preview`] asked.
    Preview(GrayFrame),
    /// A code's text, the first time it is read in this scan.
    Decoded(String),
    /// The counters, after each decoded frame.
    Progress(ScanStats),
    /// A problem: a frame that could not be read, or (`fatal`) the source failing, after which
    /// the scan finishes.
    Error { message: String, fatal: bool },
    /// No more events: the source ended or failed, or the scan was stopped.
    Finished,
}

#[derive(Default)]
struct Counters {
    frames: AtomicU64,
    decoded: AtomicU64,
    dropped: AtomicU64,
    texts: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> ScanStats {
        ScanStats {
            frames: self.frames.load(Ordering::Relaxed),
            decoded: self.decoded.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            texts: self.texts.load(Ordering::Relaxed),
        }
    }
}

/// A running scan. Dropping it stops the threads without waiting for them; [`Scanner::stop`]
/// waits until the source (a camera) is released.
pub struct Scanner {
    events: Receiver<ScanEvent>,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
    description: String,
    threads: Vec<JoinHandle<()>>,
}

impl Scanner {
    /// Starts reading `source` and decoding its frames.
    pub fn start(source: Box<dyn FrameSource>, options: ScanOptions) -> Self {
        Self::start_with(source, options, |f: &GrayFrame| {
            crate::transport::qr::decode_luma(f.width, f.height, &f.pixels)
        })
    }

    /// As [`Scanner::start`], with `decode` reading the codes of a frame.
    pub fn start_with(
        mut source: Box<dyn FrameSource>,
        options: ScanOptions,
        decode: impl Fn(&GrayFrame) -> Vec<String> + Send + 'static,
    ) -> Self {
        let (event_tx, events) = sync_channel(EVENT_CAPACITY);
        // One frame waits while one is decoded; a live source's further frames are dropped.
        let (frame_tx, frame_rx) = sync_channel::<GrayFrame>(1);
        let stop = Arc::new(AtomicBool::new(false));
        source.stop_with(stop.clone());
        let counters = Arc::new(Counters::default());
        let description = source.describe();
        let capture = {
            let (stop, counters, events) = (stop.clone(), counters.clone(), event_tx.clone());
            std::thread::Builder::new()
                .name("scan-capture".into())
                .spawn(move || capture(source, options, frame_tx, events, &stop, &counters))
                .expect("the capture thread starts")
        };
        let decoder = {
            let (stop, counters) = (stop.clone(), counters.clone());
            std::thread::Builder::new()
                .name("scan-decode".into())
                .spawn(move || decode_frames(frame_rx, event_tx, decode, &stop, &counters))
                .expect("the decoder thread starts")
        };
        Self {
            events,
            stop,
            counters,
            description,
            threads: vec![capture, decoder],
        }
    }

    /// The next event if there is one; never waits.
    pub fn try_recv(&self) -> Option<ScanEvent> {
        match self.events.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => None,
        }
    }

    /// Waits for the next event (for line mode); `None` once the scan has finished and every
    /// event was taken.
    pub fn recv(&self) -> Option<ScanEvent> {
        self.events.recv().ok()
    }

    /// The counters now.
    pub fn stats(&self) -> ScanStats {
        self.counters.snapshot()
    }

    /// The source, for people (from [`FrameSource::describe`]).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Stops the scan and waits for its threads: at most one frame read and one decode.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Without a receiver every send fails at once, so no thread waits on the queue.
        drop(std::mem::replace(&mut self.events, sync_channel(0).1));
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn capture(
    mut source: Box<dyn FrameSource>,
    options: ScanOptions,
    frames: SyncSender<GrayFrame>,
    events: SyncSender<ScanEvent>,
    stop: &AtomicBool,
    counters: &Counters,
) {
    let live = source.is_live();
    while !stop.load(Ordering::Relaxed) {
        match source.next_frame() {
            Ok(Some(frame)) => {
                counters.frames.fetch_add(1, Ordering::Relaxed);
                if let Some((columns, rows)) = options.preview {
                    let _ = events.try_send(ScanEvent::Preview(frame.shrink_to_fit(columns, rows)));
                }
                let handed = if live {
                    match frames.try_send(frame) {
                        Ok(()) => Ok(()),
                        Err(TrySendError::Full(_)) => {
                            counters.dropped.fetch_add(1, Ordering::Relaxed);
                            Ok(())
                        }
                        Err(TrySendError::Disconnected(_)) => Err(()),
                    }
                } else {
                    frames.send(frame).map_err(|_| ())
                };
                if handed.is_err() {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                let fatal = e.is_fatal();
                let event = ScanEvent::Error {
                    message: e.to_string(),
                    fatal,
                };
                if events.send(event).is_err() || fatal {
                    break;
                }
            }
        }
    }
    // Dropping the frame channel tells the decoder to finish; dropping the source releases it.
}

fn decode_frames(
    frames: Receiver<GrayFrame>,
    events: SyncSender<ScanEvent>,
    decode: impl Fn(&GrayFrame) -> Vec<String>,
    stop: &AtomicBool,
    counters: &Counters,
) {
    let mut seen = HashSet::new();
    for frame in frames {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        for text in decode(&frame) {
            if seen.len() >= REMEMBERED_TEXTS {
                seen.clear();
            }
            if seen.insert(text.clone()) {
                counters.texts.fetch_add(1, Ordering::Relaxed);
                if events.send(ScanEvent::Decoded(text)).is_err() {
                    return;
                }
            }
        }
        counters.decoded.fetch_add(1, Ordering::Relaxed);
        let _ = events.try_send(ScanEvent::Progress(counters.snapshot()));
    }
    let _ = events.send(ScanEvent::Finished);
}

//! Line mode's `--camera [DEVICE]` and `--frames DIR`: the others' messages come from a camera
//! (or a folder its frames are saved into) instead of stdin, while the person's answers (the
//! fingerprint, an approval) are still typed on stdin. Progress goes to stderr as
//! "DKGRound1: 7 of 13 parts".

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::PathBuf;

use super::driver::Lines;
use super::lines::{say, Input, Line};
use crate::transport::scan::{
    as_paste, open_camera, Collected, FolderSource, FrameSource, MessageCollector, ScanEvent,
    ScanOptions, Scanner,
};

/// Where line mode reads the others' messages from.
#[derive(Clone, Debug, Default)]
pub enum MessageSource {
    #[default]
    Stdin,
    /// A camera: the one named, or the first that opens (infrared ones last).
    Camera(Option<String>),
    /// A folder of a camera's frames: its pictures in file-name order, then those added.
    Frames(PathBuf),
}

impl MessageSource {
    /// The lines a ceremony's driver reads: stdin, or scanned messages and typed answers.
    pub fn open(&self) -> anyhow::Result<Box<dyn Lines>> {
        let source: Box<dyn FrameSource> = match self {
            MessageSource::Stdin => return Ok(Box::new(Input::stdin())),
            MessageSource::Camera(wanted) => open_camera(wanted.as_deref())?,
            MessageSource::Frames(folder) => Box::new(FolderSource::watch(folder)?),
        };
        let live = source.is_live();
        let scanner = Scanner::start(source, ScanOptions::default());
        match self {
            MessageSource::Camera(wanted) if live => {
                super::scan_cmd::camera_hint(&scanner, wanted.as_deref())
            }
            _ => say(format!("scanning {}", scanner.description())),
        }
        say("messages come from the scan; answers are typed here");
        Ok(Box::new(ScannedLines::new(scanner, Input::stdin())))
    }
}

/// Messages from a scanner, answers from `answers`.
pub struct ScannedLines<R> {
    scanner: Scanner,
    collector: MessageCollector,
    /// Complete messages not yet read, as the text a paste would carry.
    ready: VecDeque<String>,
    answers: Input<R>,
}

impl<R: BufRead> ScannedLines<R> {
    pub fn new(scanner: Scanner, answers: Input<R>) -> Self {
        Self {
            scanner,
            collector: MessageCollector::default(),
            ready: VecDeque::new(),
            answers,
        }
    }

    fn take(&mut self, text: &str) {
        for collected in self.collector.feed(text) {
            if let Some(line) = collected.report(true) {
                say(line);
            }
            if let Collected::Complete { messages, .. } = collected {
                self.ready.push_back(as_paste(&messages));
            }
        }
    }
}

impl<R: BufRead> Lines for ScannedLines<R> {
    /// Waits for the next complete message; None when the frames ended. A camera that fails is
    /// an error: the ceremony cannot go on without it.
    fn message(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            if let Some(text) = self.ready.pop_front() {
                return Ok(Some(Line::Text(text)));
            }
            match self.scanner.recv() {
                Some(ScanEvent::Decoded(text)) => self.take(&text),
                Some(ScanEvent::Error {
                    message,
                    fatal: true,
                }) => return Err(std::io::Error::other(message)),
                Some(ScanEvent::Error { message, .. }) => say(format!("error: {message}")),
                Some(ScanEvent::Preview(_) | ScanEvent::Progress(_)) => {}
                Some(ScanEvent::Finished) | None => {
                    if let Some((have, total)) = self.collector.incomplete() {
                        say(format!(
                            "the scan ended with {have} of {total} parts of a message"
                        ));
                    }
                    return Ok(None);
                }
            }
        }
    }

    fn answer(&mut self) -> std::io::Result<Option<Line>> {
        self.answers.next_line()
    }
}

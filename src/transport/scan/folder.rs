//! Frames from a folder of pictures taken in order (a camera's frames saved as PNG or JPEG):
//! the whole scanner without a camera.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{FrameSource, GrayFrame, ScanError};

/// How often a watched folder is looked at again for new pictures.
const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// The PNG and JPEG pictures of a folder, in file-name order; when watched, then each picture
/// added later whose name sorts after the last one read (a phone's photos synced in).
pub struct FolderSource {
    folder: PathBuf,
    pictures: Vec<PathBuf>,
    next: usize,
    watching: bool,
    /// Set when the scan stops: a watched folder then ends instead of waiting on.
    stop: Arc<AtomicBool>,
}

fn is_picture(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
}

impl FolderSource {
    /// Lists the folder's `.png`, `.jpg` and `.jpeg` files (other files are left alone).
    pub fn open(folder: &Path) -> Result<Self, ScanError> {
        let source = Self::listed(folder, false)?;
        if source.pictures.is_empty() {
            return Err(source.problem("no PNG or JPEG pictures in it".into()));
        }
        Ok(source)
    }

    /// The folder's pictures, then those added later, without end: a scan of a folder that
    /// may start empty. Frames still come in file-name order: a picture whose name sorts
    /// before the last one read is left alone.
    pub fn watch(folder: &Path) -> Result<Self, ScanError> {
        Self::listed(folder, true)
    }

    fn listed(folder: &Path, watching: bool) -> Result<Self, ScanError> {
        let mut source = Self {
            folder: folder.to_path_buf(),
            pictures: Vec::new(),
            next: 0,
            watching,
            stop: Arc::default(),
        };
        source.pictures = source.list(None)?;
        Ok(source)
    }

    fn problem(&self, problem: String) -> ScanError {
        ScanError::Folder {
            folder: self.folder.clone(),
            problem,
        }
    }

    /// The pictures whose names sort after `after`, in order.
    fn list(&self, after: Option<&Path>) -> Result<Vec<PathBuf>, ScanError> {
        let entries = std::fs::read_dir(&self.folder).map_err(|e| self.problem(e.to_string()))?;
        let mut pictures = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| self.problem(e.to_string()))?.path();
            let later = after.is_none_or(|a| path.file_name() > a.file_name());
            if later && path.is_file() && is_picture(&path) {
                pictures.push(path);
            }
        }
        pictures.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(pictures)
    }

    /// Waits until pictures were added after the last one (a watched folder), or the scan
    /// stops.
    fn wait_for_more(&mut self) -> Result<(), ScanError> {
        while !self.stop.load(Ordering::Relaxed) {
            let last = self.pictures.last().cloned();
            let added = self.list(last.as_deref())?;
            if !added.is_empty() {
                self.pictures.extend(added);
                return Ok(());
            }
            std::thread::sleep(WATCH_INTERVAL);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.pictures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pictures.is_empty()
    }
}

impl FrameSource for FolderSource {
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, ScanError> {
        if self.watching && self.next >= self.pictures.len() {
            self.wait_for_more()?;
        }
        let Some(path) = self.pictures.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        let bad = |problem: String| ScanError::BadFrame {
            frame: path.display().to_string(),
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        GrayFrame::decode(&bytes).map(Some).map_err(bad)
    }

    fn is_live(&self) -> bool {
        false
    }

    fn stop_with(&mut self, stop: Arc<AtomicBool>) {
        self.stop = stop;
    }

    fn describe(&self) -> String {
        if self.watching {
            return format!("{} (its pictures, then those added)", self.folder.display());
        }
        format!(
            "{} ({} pictures)",
            self.folder.display(),
            self.pictures.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(value: u8) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::GrayImage::from_pixel(3, 2, image::Luma([value]))
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn pictures_come_in_file_name_order_and_a_broken_one_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.PNG"), png(2)).unwrap();
        std::fs::write(dir.path().join("a.png"), png(1)).unwrap();
        std::fs::write(dir.path().join("c.jpg"), b"not a picture").unwrap();
        std::fs::write(dir.path().join("d.png"), png(4)).unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"ignored").unwrap();
        std::fs::create_dir(dir.path().join("e.png")).unwrap();
        let mut source = FolderSource::open(dir.path()).unwrap();
        assert_eq!(source.len(), 4);
        assert!(!source.is_live());
        assert!(source.describe().contains("(4 pictures)"));
        let first = source.next_frame().unwrap().unwrap();
        assert_eq!((first.width, first.height, first.pixel(2, 1)), (3, 2, 1));
        assert_eq!(source.next_frame().unwrap().unwrap().pixel(0, 0), 2);
        let e = source.next_frame().unwrap_err();
        assert!(!e.is_fatal());
        assert!(e.to_string().contains("c.jpg: not a PNG or JPEG"), "{e}");
        assert_eq!(source.next_frame().unwrap().unwrap().pixel(0, 0), 4);
        assert!(source.next_frame().unwrap().is_none());
        assert!(source.next_frame().unwrap().is_none());
    }

    #[test]
    fn a_watched_folder_gives_the_pictures_added_later_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.png"), png(2)).unwrap();
        let mut source = FolderSource::watch(dir.path()).unwrap();
        assert_eq!(source.next_frame().unwrap().unwrap().pixel(0, 0), 2);
        let folder = dir.path().to_path_buf();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            // Sorts before the last one read: never read.
            std::fs::write(folder.join("a.png"), png(1)).unwrap();
            std::fs::write(folder.join("c.png"), png(3)).unwrap();
        });
        assert_eq!(source.next_frame().unwrap().unwrap().pixel(0, 0), 3);
        writer.join().unwrap();
        assert!(FolderSource::watch(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn stopping_a_scan_of_a_watched_folder_ends_its_wait() {
        let dir = tempfile::tempdir().unwrap();
        let source = FolderSource::watch(dir.path()).unwrap();
        let scanner = super::super::Scanner::start(Box::new(source), Default::default());
        // Joins the capture thread, which waits for pictures that never come until the stop.
        scanner.stop();
    }

    #[test]
    fn a_missing_or_empty_folder_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let e = FolderSource::open(dir.path()).err().unwrap();
        assert!(e.is_fatal());
        assert!(e.to_string().contains("no PNG or JPEG pictures"), "{e}");
        let missing = dir.path().join("missing");
        let e = FolderSource::open(&missing).err().unwrap();
        assert!(
            e.to_string().starts_with(&missing.display().to_string()),
            "{e}"
        );
    }
}

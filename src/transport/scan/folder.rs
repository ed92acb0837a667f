//! Frames from a folder of pictures taken in order (a camera's frames saved as PNG or JPEG):
//! the whole scanner without a camera.

use std::path::{Path, PathBuf};

use super::{FrameSource, GrayFrame, ScanError};

/// The PNG and JPEG pictures of a folder, in file-name order.
pub struct FolderSource {
    folder: PathBuf,
    pictures: Vec<PathBuf>,
    next: usize,
}

fn is_picture(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
}

impl FolderSource {
    /// Lists the folder's `.png`, `.jpg` and `.jpeg` files (other files are left alone).
    pub fn open(folder: &Path) -> Result<Self, ScanError> {
        let problem = |problem: String| ScanError::Folder {
            folder: folder.display().to_string(),
            problem,
        };
        let entries = std::fs::read_dir(folder).map_err(|e| problem(e.to_string()))?;
        let mut pictures = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| problem(e.to_string()))?.path();
            if path.is_file() && is_picture(&path) {
                pictures.push(path);
            }
        }
        if pictures.is_empty() {
            return Err(problem("no PNG or JPEG pictures in it".into()));
        }
        pictures.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(Self {
            folder: folder.to_path_buf(),
            pictures,
            next: 0,
        })
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

    fn describe(&self) -> String {
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

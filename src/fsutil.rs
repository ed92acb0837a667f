//! Crash-safe file writes: a file is either absent or complete, never half-written.
//!
//! The text goes to a temporary file in the same folder (mode 0600), is synced, and is then
//! moved into place and the folder synced, so a crash at any point leaves the old state.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether an existing file at the destination may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse if the destination exists (the default for keys).
    Never,
    /// Replace the destination atomically, keeping the old file as `<name>.bak`.
    WithBackup,
}

fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let nonce: u64 = rand_core::RngCore::next_u64(&mut rand_core::OsRng);
    dest.with_file_name(format!(".{name}.{nonce:016x}.tmp"))
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn sync_folder(dest: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let folder = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(folder)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dest;
    Ok(())
}

/// Writes `contents` to `dest` durably and atomically, with owner-only permissions.
pub fn write_atomic(dest: &Path, contents: &[u8], overwrite: Overwrite) -> std::io::Result<()> {
    let tmp = temp_path(dest);
    let result = (|| {
        let mut file = open_private(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        match overwrite {
            // A hard link fails if the destination exists, so two writers can never both win.
            Overwrite::Never => {
                fs::hard_link(&tmp, dest)?;
                fs::remove_file(&tmp)?;
            }
            Overwrite::WithBackup => {
                if dest.exists() {
                    let backup = dest.with_file_name(format!(
                        "{}.bak",
                        dest.file_name().unwrap_or_default().to_string_lossy()
                    ));
                    fs::copy(dest, &backup)?;
                    File::open(&backup)?.sync_all()?;
                }
                fs::rename(&tmp, dest)?;
            }
        }
        sync_folder(dest)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("key.toml");
        write_atomic(&dest, b"one", Overwrite::Never).unwrap();
        let err = write_atomic(&dest, b"two", Overwrite::Never).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&dest).unwrap(), b"one");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn replaces_with_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("journal.json");
        write_atomic(&dest, b"old", Overwrite::Never).unwrap();
        write_atomic(&dest, b"new", Overwrite::WithBackup).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert_eq!(
            fs::read(dir.path().join("journal.json.bak")).unwrap(),
            b"old"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("key.toml");
        write_atomic(&dest, b"secret", Overwrite::Never).unwrap();
        let mode = fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

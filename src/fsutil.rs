//! Crash-safe file writes: a file is either absent or complete, never half-written.
//!
//! The text goes to a temporary file in the same folder (mode 0600), is synced, and is then
//! moved into place and the folder synced, so a crash at any point leaves the old state.
//!
//! Nothing is ever written through a symbolic link: every file is created new (O_EXCL) or opened
//! with O_NOFOLLOW, and a link found at a destination or at its backup name is refused.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Whether an existing file at the destination may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse if the destination exists (the default for keys).
    Never,
    /// Replace the destination atomically, keeping the old file as `<name>.bak`.
    WithBackup,
    /// Replace the destination atomically and keep nothing of the old file (a share a refresh
    /// retires must not survive as a backup): the new file is written and synced beside it,
    /// then renamed over it. The old file is never opened for writing.
    Replace,
}

fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let nonce: u64 = rand_core::RngCore::next_u64(&mut rand_core::OsRng);
    dest.with_file_name(format!(".{name}.{nonce:016x}.tmp"))
}

/// `<dest>.bak`: where the previous version of a replaced file is kept.
pub fn backup_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    dest.with_file_name(name)
}

/// Options that never follow a symbolic link at the path itself (O_NOFOLLOW) and create
/// files readable by the owner only.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options
}

/// Refuses a symbolic link, or anything else that is not a regular file, at `path`; nothing
/// there is fine. Opening with O_NOFOLLOW makes a link planted after this check fail too:
/// this check only gives the refusal a clear message.
pub fn refuse_link(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(std::io::Error::other(format!(
            "{} is a symbolic link: refusing to follow it (move it away)",
            path.display()
        ))),
        Ok(m) if !m.is_file() => Err(std::io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Reads a whole regular file into a buffer sized from the start, so no copy of the contents
/// is left behind in memory by a growing buffer; the buffer is wiped when dropped.
fn read_whole(mut file: File, path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    let size = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    let mut bytes = Zeroizing::new(Vec::with_capacity(size.saturating_add(1)));
    // The file may have grown since; reading more would move the buffer, so that is refused.
    (&mut file).take(size as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > size {
        return Err(std::io::Error::other(format!(
            "{} changed while it was read",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Reads a regular file without following a link at its name. `Ok(None)` if there is none.
pub fn read_regular(path: &Path) -> std::io::Result<Option<Zeroizing<Vec<u8>>>> {
    refuse_link(path)?;
    match private_options().read(true).open(path) {
        Ok(file) => read_whole(file, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads a file that may hold secrets (a key file, a pcli config, a passphrase) as text, wiped
/// when dropped. Links are followed: reading through one harms nothing.
pub fn read_secret_text(path: &Path) -> std::io::Result<Zeroizing<String>> {
    let mut bytes = read_whole(File::open(path)?, path)?;
    // The bytes move into the string as they are: no copy.
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            let message = format!("{} is not text: {}", path.display(), e.utf8_error());
            zeroize::Zeroize::zeroize(&mut e.into_bytes());
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                message,
            ))
        }
    }
}

/// Opens (creating it, owner-only) a file to lock or append to, never through a link.
pub fn open_private(path: &Path, append: bool) -> std::io::Result<File> {
    refuse_link(path)?;
    let mut options = private_options();
    options.create(true);
    if append {
        options.append(true);
    } else {
        options.write(true).truncate(false);
    }
    options.open(path)
}

/// Creates a folder (and its parents) that only the owner can enter.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn create_new_private(path: &Path) -> std::io::Result<File> {
    // O_CREAT | O_EXCL never follows a link either: a link at the name makes it fail.
    private_options().write(true).create_new(true).open(path)
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

/// Writes `contents` to a new temporary file beside `dest`, synced. Returns its path.
fn write_temp(dest: &Path, contents: &[u8]) -> std::io::Result<PathBuf> {
    let tmp = temp_path(dest);
    let written = (|| {
        let mut file = create_new_private(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()
    })();
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Moves a written temporary file over `dest`. A rename replaces whatever is at `dest`, a
/// link included, without following it.
fn replace_with(tmp: &Path, dest: &Path) -> std::io::Result<()> {
    let result = fs::rename(tmp, dest);
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

/// Writes `contents` to `dest` durably and atomically, with owner-only permissions. A symbolic
/// link at `dest`, or at its backup name, is refused, never followed.
pub fn write_atomic(dest: &Path, contents: &[u8], overwrite: Overwrite) -> std::io::Result<()> {
    match overwrite {
        // A hard link fails if anything (a link included) is at the destination, so two
        // writers can never both win and nothing is written through a link.
        Overwrite::Never => {
            let tmp = write_temp(dest, contents)?;
            let linked = fs::hard_link(&tmp, dest);
            let _ = fs::remove_file(&tmp);
            linked?;
        }
        Overwrite::WithBackup => {
            let backup = backup_path(dest);
            refuse_link(dest)?;
            refuse_link(&backup)?;
            if let Some(old) = read_regular(dest)? {
                let tmp = write_temp(&backup, &old)?;
                replace_with(&tmp, &backup)?;
            }
            let tmp = write_temp(dest, contents)?;
            replace_with(&tmp, dest)?;
        }
        Overwrite::Replace => {
            refuse_link(dest)?;
            let tmp = write_temp(dest, contents)?;
            replace_with(&tmp, dest)?;
        }
    }
    sync_folder(dest)
}

/// Removes what earlier writes of `dest` may have left beside it: its backup (`<name>.bak`)
/// and temporary files a crash left behind (`.<name>.<nonce>.tmp`). Links are removed, never
/// followed. Returns what was removed.
pub fn remove_leftovers(dest: &Path) -> std::io::Result<Vec<PathBuf>> {
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(vec![]);
    };
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (backup, temp) = (format!("{name}.bak"), format!(".{name}."));
    let mut removed = Vec::new();
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let other = entry.file_name().to_string_lossy().into_owned();
        if other == backup || (other.starts_with(&temp) && other.ends_with(".tmp")) {
            fs::remove_file(entry.path())?;
            removed.push(entry.path());
        }
    }
    if !removed.is_empty() {
        sync_folder(dest)?;
    }
    Ok(removed)
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

    #[test]
    fn replaces_without_a_trace_of_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("key.toml");
        write_atomic(&dest, b"old", Overwrite::Never).unwrap();
        // What an earlier backup and a crash mid-write would have left.
        fs::write(backup_path(&dest), b"old").unwrap();
        fs::write(dir.path().join(".key.toml.00000000000000ff.tmp"), b"old").unwrap();
        fs::write(dir.path().join("other.toml.bak"), b"keep").unwrap();
        write_atomic(&dest, b"new", Overwrite::Replace).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        let mut removed = remove_leftovers(&dest).unwrap();
        removed.sort();
        assert_eq!(
            removed,
            vec![
                dir.path().join(".key.toml.00000000000000ff.tmp"),
                backup_path(&dest)
            ]
        );
        let mut left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["key.toml", "other.toml.bak"]);
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

    #[cfg(unix)]
    mod links {
        use super::*;
        use std::os::unix::fs::{symlink, PermissionsExt};

        fn victim(dir: &Path) -> PathBuf {
            let path = dir.join("victim");
            fs::write(&path, b"victim").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            path
        }

        /// A folder holding a victim file and, at `name`, a symbolic link to it.
        fn link_to_victim(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
            let dir = tempfile::tempdir().unwrap();
            let victim = victim(dir.path());
            let link = dir.path().join(name);
            symlink(&victim, &link).unwrap();
            (dir, victim, link)
        }

        fn untouched(victim: &Path) {
            assert_eq!(fs::read(victim).unwrap(), b"victim");
            let mode = fs::metadata(victim).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }

        #[test]
        fn a_link_at_the_destination_is_refused() {
            for overwrite in [Overwrite::Never, Overwrite::WithBackup, Overwrite::Replace] {
                let (_dir, victim, dest) = link_to_victim("journal.json");
                assert!(write_atomic(&dest, b"new", overwrite).is_err());
                untouched(&victim);
                assert!(!backup_path(&dest).exists(), "the victim was not copied");
                assert!(fs::symlink_metadata(&dest)
                    .unwrap()
                    .file_type()
                    .is_symlink());
            }
        }

        #[test]
        fn a_link_at_the_backup_name_is_refused() {
            let dir = tempfile::tempdir().unwrap();
            let victim = victim(dir.path());
            let dest = dir.path().join("journal.json");
            write_atomic(&dest, b"old", Overwrite::Never).unwrap();
            symlink(&victim, backup_path(&dest)).unwrap();
            let e = write_atomic(&dest, b"new", Overwrite::WithBackup).unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
            untouched(&victim);
            assert_eq!(fs::read(&dest).unwrap(), b"old", "nothing was replaced");
        }

        #[test]
        fn a_link_planted_after_the_check_is_replaced_not_followed() {
            // The race the checks cannot see: the backup is made with a rename, which replaces
            // a link instead of writing through it.
            let (_dir, victim, backup) = link_to_victim("journal.json.bak");
            let tmp = write_temp(&backup, b"old").unwrap();
            replace_with(&tmp, &backup).unwrap();
            untouched(&victim);
            assert_eq!(fs::read(&backup).unwrap(), b"old");
        }

        #[test]
        fn locks_logs_and_reads_never_follow_a_link() {
            let (dir, victim, at) = link_to_victim("share.lock");
            assert!(open_private(&at, false).is_err());
            assert!(open_private(&at, true).is_err());
            assert!(read_regular(&at).is_err());
            untouched(&victim);
            // Without a link: created owner-only, and absent files read as None.
            let lock = dir.path().join("other.lock");
            open_private(&lock, false).unwrap();
            let mode = fs::metadata(&lock).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            assert!(read_regular(&dir.path().join("absent")).unwrap().is_none());
        }
    }
}

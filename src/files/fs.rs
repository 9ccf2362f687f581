//! Reading and crash-safe writing of the files (spec/wallet.md §1): the
//! part of [`crate::files`] that needs a file system, behind the `files`
//! feature.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::{FileError, MAX_FILE_LEN};

/// Whether [`write_atomic`] may replace an existing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replace {
    /// Replace it.
    Yes,
    /// Fail with [`io::ErrorKind::AlreadyExists`].
    No,
}

/// Reads a file of at most [`MAX_FILE_LEN`] bytes into memory that is
/// zeroized when dropped.
///
/// # Errors
/// [`FileError::Read`]; [`FileError::TooLarge`].
pub fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, FileError> {
    let f = File::open(path).map_err(|e| read_error(path, &e))?;
    read_from(f, path)
}

pub(crate) fn read_from(f: impl Read, path: &Path) -> Result<Zeroizing<Vec<u8>>, FileError> {
    let mut out = Zeroizing::new(Vec::new());
    f.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut out)
        .map_err(|e| read_error(path, &e))?;
    if out.len() as u64 > MAX_FILE_LEN {
        return Err(FileError::TooLarge(path.to_owned()));
    }
    Ok(out)
}

pub(crate) fn read_error(path: &Path, e: &io::Error) -> FileError {
    FileError::Read {
        path: path.to_owned(),
        kind: e.kind(),
    }
}

pub(crate) fn write_error(path: &Path, e: &io::Error) -> FileError {
    if e.kind() == io::ErrorKind::AlreadyExists {
        FileError::Exists(path.to_owned())
    } else {
        FileError::Write {
            path: path.to_owned(),
            kind: e.kind(),
        }
    }
}

/// The prefix of every temporary file [`write_atomic`] creates for `path`:
/// `.<file name>.credence-tmp-`, followed by six random letters and digits
/// (spec/wallet.md §1).
fn temporary_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.credence-tmp-")
}

/// How many random characters follow the prefix of a temporary file.
const TEMPORARY_RANDOM_LEN: usize = 6;

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` crash-safely (spec/wallet.md §1): a temporary file
/// named `.<file name>.credence-tmp-XXXXXX` in the same directory with
/// permissions `mode` (Unix), written, synced, renamed over (or, with
/// [`Replace::No`], linked to) `path`, then the directory is synced. On any
/// failure the temporary file is removed and `path` is untouched; a process
/// killed mid-write leaves the temporary file behind, which
/// `wallet::WalletFile::open` removes for a wallet.
///
/// # Errors
/// The I/O error; [`io::ErrorKind::AlreadyExists`] when `path` exists and
/// `replace` is [`Replace::No`].
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32, replace: Replace) -> io::Result<()> {
    write_atomic_file(path, bytes, mode, replace, false).map(drop)
}

/// [`write_atomic`], returning the new file open, and locked exclusively
/// before it replaced `path` when `lock` is set.
pub(crate) fn write_atomic_file(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    replace: Replace,
    lock: bool,
) -> io::Result<File> {
    let dir = parent(path);
    if replace == Replace::No && path.symlink_metadata().is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it already exists",
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(&temporary_prefix(path))
        .rand_bytes(TEMPORARY_RANDOM_LEN)
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    if lock {
        // A fresh file nobody else has opened: this cannot block.
        fs4::FileExt::lock(tmp.as_file())?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    let file = match replace {
        Replace::Yes => tmp.persist(path).map_err(|e| e.error)?,
        Replace::No => tmp.persist_noclobber(path).map_err(|e| e.error)?,
    };
    sync_dir(dir)?;
    Ok(file)
}

/// Removes what [`write_atomic`] left of writes to `path` that were killed
/// before their rename: the files named by its temporary prefix and six
/// letters or digits. Returns how many were removed.
///
/// The caller must hold the lock that writers of `path` hold.
pub(crate) fn remove_temporary_files(path: &Path) -> io::Result<usize> {
    let prefix = temporary_prefix(path);
    let mut removed = 0;
    for entry in std::fs::read_dir(parent(path))? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(prefix.as_str()) else {
            continue;
        };
        if rest.len() != TEMPORARY_RANDOM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        if entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    if removed > 0 {
        sync_dir(parent(path))?;
    }
    Ok(removed)
}

/// Syncs a directory, so that a creation, rename or removal in it is durable.
///
/// # Errors
/// The I/O error.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_named_after_their_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.json");
        write_atomic(&path, b"{}", 0o600, Replace::No).unwrap();
        for name in [".w.json.credence-tmp-a1B2c3", ".w.json.credence-tmp-zzzzzz"] {
            std::fs::write(dir.path().join(name), b"secret").unwrap();
        }
        let others = [
            ".w.json.credence-tmp-a1B2c",
            ".w.json.credence-tmp-a1B2c3d",
            ".w.json.credence-tmp-a1B2c.",
            ".v.json.credence-tmp-a1B2c3",
            "w.json.credence-tmp-a1B2c3",
        ];
        for name in others {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(remove_temporary_files(&path).unwrap(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected: Vec<String> = others.iter().map(|s| (*s).to_owned()).collect();
        expected.push("w.json".into());
        expected.sort();
        assert_eq!(left, expected);
    }
}

/// Why [`lock_current`] could not take a lock.
#[derive(Debug)]
pub(crate) enum LockError {
    /// Another process held the lock for the whole wait.
    Busy,
    /// The file could not be opened or locked.
    Io(io::Error),
}

/// Takes the exclusive lock of the file at `path`, waiting up to `wait`,
/// and returns the locked file, open for reading.
///
/// The lock is the file's own (`flock` on Unix). A save replaces the file by
/// a rename, so a lock taken on the file a save replaced is worthless: after
/// locking, the file at `path` must still be the one locked, else the lock is
/// taken again on the new file. A save locks its new file before the rename
/// ([`write_atomic_file`] with `lock`).
pub(crate) fn lock_current(path: &Path, wait: Duration) -> Result<File, LockError> {
    let deadline = Instant::now() + wait;
    loop {
        let file = File::open(path).map_err(LockError::Io)?;
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => break,
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs4::TryLockError::WouldBlock) => return Err(LockError::Busy),
                Err(fs4::TryLockError::Error(e)) => return Err(LockError::Io(e)),
            }
        }
        if is_current(&file, path).map_err(LockError::Io)? {
            return Ok(file);
        }
        if Instant::now() >= deadline {
            return Err(LockError::Busy);
        }
    }
}

/// Whether `file` is the file now at `path`.
#[cfg(unix)]
fn is_current(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let (open, now) = (file.metadata()?, std::fs::metadata(path)?);
    Ok(open.dev() == now.dev() && open.ino() == now.ino())
}
/// Whether `file` is the file now at `path`: elsewhere a file that is open
/// cannot be replaced, so it is.
#[cfg(not(unix))]
fn is_current(_file: &File, _path: &Path) -> io::Result<bool> {
    Ok(true)
}

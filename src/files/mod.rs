//! The files the library and the `credence` tool keep (spec/wallet.md §1,
//! §7): crash-safe writing, JSON that holds secrets, and the rater's key and
//! issued-credentials files. The wallet file is in `wallet::Wallet` and
//! `wallet::WalletFile`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::errors::DecodeError;

mod rater;

pub use rater::{IssuedCredentialsFile, RaterKeyFile};

/// The largest file the library reads (64 MiB).
pub const MAX_FILE_LEN: u64 = 64 << 20;

/// Whether [`write_atomic`] may replace an existing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replace {
    /// Replace it.
    Yes,
    /// Fail with [`io::ErrorKind::AlreadyExists`].
    No,
}

/// Why a file could not be read, decoded or written. Messages name the file,
/// the field and the position, never a value from the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read {}: {kind}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        kind: io::ErrorKind,
    },
    /// The file could not be written.
    #[error("cannot write {}: {kind}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        kind: io::ErrorKind,
    },
    /// The file is larger than [`MAX_FILE_LEN`].
    #[error("cannot read {}: larger than {MAX_FILE_LEN} bytes", .0.display())]
    TooLarge(PathBuf),
    /// The file to create already exists.
    #[error("{} already exists; refusing to overwrite it", .0.display())]
    Exists(PathBuf),
    /// The file is not JSON of the expected shape.
    #[error("{} {problem}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        problem: JsonProblem,
    },
    /// The file's `format` or `version` is not one this library reads.
    #[error("{} is not a version 1 `{format}` file", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The format expected.
        format: &'static str,
    },
    /// A field does not decode.
    #[error("{}: {field}: {error}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The field, and its index in a list.
        field: FieldName,
        /// What is wrong with it.
        error: DecodeError,
    },
    /// A value could not be encoded as JSON.
    #[error("cannot encode {what} as JSON")]
    Encode {
        /// What was encoded.
        what: &'static str,
    },
}

/// A field of a file, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldName {
    /// The field's name.
    pub name: &'static str,
    /// Its index, when the field is one item of a list.
    pub index: Option<usize>,
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "{} {i}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// What is wrong with a JSON file, by class and position only: the messages
/// serde builds for wrong types quote the offending value, which may be a
/// secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonProblem {
    /// The class of the problem.
    pub what: &'static str,
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

impl JsonProblem {
    /// Describes `e` without quoting the input.
    pub fn of(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Io => "cannot be read",
            Category::Syntax => "is not valid JSON",
            Category::Data => "has a missing, unknown or invalid field",
            Category::Eof => "ends early",
        };
        JsonProblem {
            what,
            line: e.line(),
            column: e.column(),
        }
    }
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {}, column {})",
            self.what, self.line, self.column
        )
    }
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

/// Counts bytes, so that the output buffer can be allocated once and no
/// unzeroized copy of a secret is left behind by a reallocation.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Pretty JSON with a final newline, in one allocation that is zeroized when
/// dropped (so that no copy of a secret it holds is left behind).
///
/// # Errors
/// serde's error when `value` cannot be serialized.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Zeroizing<Vec<u8>>, serde_json::Error> {
    let mut counter = Counter(0);
    serde_json::to_writer_pretty(&mut counter, value)?;
    let mut out = Zeroizing::new(Vec::with_capacity(counter.0.saturating_add(1)));
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.push(b'\n');
    Ok(out)
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

/// Base64url without padding for secret bytes (spec/wallet.md §1), in
/// constant time (RustCrypto's `base64ct`): the same text as the table-driven
/// encoder gives for public values.
pub(crate) mod secret_b64 {
    use base64ct::{Base64UrlUnpadded, Encoding};
    use zeroize::Zeroizing;

    use crate::errors::DecodeError;
    use crate::wire::caps;

    /// Encodes secret bytes.
    pub fn encode(bytes: &[u8]) -> String {
        Base64UrlUnpadded::encode_string(bytes)
    }

    /// Decodes secret bytes into memory that is zeroized when dropped.
    pub fn decode(s: &str, what: &'static str) -> Result<Zeroizing<Vec<u8>>, DecodeError> {
        if s.len() > caps::OBJECT_LEN {
            return Err(DecodeError::CapExceeded {
                what,
                cap: caps::OBJECT_LEN,
                found: s.len(),
            });
        }
        Base64UrlUnpadded::decode_vec(s)
            .map(Zeroizing::new)
            .map_err(|_| DecodeError::Base64(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_base64_matches_the_public_encoder() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        for len in 0..100usize {
            let bytes: Vec<u8> = (0..len)
                .map(|i| u8::try_from((i * 37 + len) % 256).unwrap())
                .collect();
            let text = secret_b64::encode(&bytes);
            assert_eq!(text, URL_SAFE_NO_PAD.encode(&bytes));
            assert_eq!(*secret_b64::decode(&text, "x").unwrap(), bytes);
        }
        // Padding, the standard alphabet, whitespace and non-zero trailing
        // bits are refused, as by the public decoder.
        for bad in ["AA==", "+/8", "/w", "AB", "AA A", "AQ\n"] {
            assert!(secret_b64::decode(bad, "x").is_err(), "{bad}");
            assert!(URL_SAFE_NO_PAD.decode(bad).is_err(), "{bad}");
        }
    }

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

//! Files, JSON and failures for the `credence` tool.

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

/// Exit code: the command succeeded, or the verdict is satisfied.
pub const OK: u8 = 0;
/// Exit code: not satisfied, replayed, declined, or the wallet cannot or will
/// not prove.
pub const NO: u8 = 1;
/// Exit code: usage error, or input that cannot be read or is not valid.
pub const BAD_INPUT: u8 = 2;

/// Largest input file read.
const MAX_INPUT: u64 = 64 << 20;

/// Why a command stopped: an exit code and a one-line message (never a secret).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad usage or bad input: exit code 2.
    pub fn input(message: impl Display) -> Self {
        Failure {
            code: BAD_INPUT,
            message: message.to_string(),
        }
    }
    /// Declined or not satisfied: exit code 1.
    pub fn no(message: impl Display) -> Self {
        Failure {
            code: NO,
            message: message.to_string(),
        }
    }
}

/// What a command returns: its exit code, or why it stopped.
pub type Outcome = Result<u8, Failure>;

/// `path` for messages.
pub fn show(path: &Path) -> String {
    path.display().to_string()
}

/// Reads a file into memory that is zeroized when dropped.
pub fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let cannot = |e: io::Error| Failure::input(format!("cannot read {}: {e}", show(path)));
    let f = std::fs::File::open(path).map_err(cannot)?;
    let mut out = Zeroizing::new(Vec::new());
    f.take(MAX_INPUT + 1)
        .read_to_end(&mut out)
        .map_err(cannot)?;
    if out.len() as u64 > MAX_INPUT {
        return Err(Failure::input(format!(
            "cannot read {}: larger than {MAX_INPUT} bytes",
            show(path)
        )));
    }
    Ok(out)
}

/// Reads and decodes a JSON file holding public data; errors quote serde's
/// message, which may quote the input.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, Failure> {
    let bytes = read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| Failure::input(format!("{}: {e}", show(path))))
}

/// Reads and decodes a JSON file holding secrets; errors name the position
/// only, never a value from the file.
pub fn read_secret_json<T: DeserializeOwned>(path: &Path) -> Result<T, Failure> {
    use serde_json::error::Category;
    let bytes = read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let what = match e.classify() {
            Category::Io | Category::Eof => "ends early",
            Category::Syntax => "is not valid JSON",
            Category::Data => "has a missing, unknown or invalid field",
        };
        Failure::input(format!(
            "{} {what} (line {}, column {})",
            show(path),
            e.line(),
            e.column()
        ))
    })
}

/// Counts bytes written.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Pretty JSON with a final newline, in one allocation (so that no copy of
/// a secret is left behind by a reallocation) that is zeroized when dropped.
pub fn to_json<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let fail = |e: serde_json::Error| Failure::input(format!("cannot encode JSON: {e}"));
    let mut counter = Counter(0);
    serde_json::to_writer_pretty(&mut counter, value).map_err(fail)?;
    let mut out = Zeroizing::new(Vec::with_capacity(counter.0 + 1));
    serde_json::to_writer_pretty(&mut *out, value).map_err(fail)?;
    out.push(b'\n');
    Ok(out)
}

/// Writes to standard output.
pub fn print(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))
}

/// Writes `bytes` to `path` crash-safely: a temporary file in the same
/// directory with permissions `mode`, written, synced, renamed over `path`
/// (or, unless `replace`, linked to it without replacing anything), then the
/// directory is synced. On failure nothing is left behind.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), Failure> {
    let fail = |e: io::Error| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            Failure::input(format!(
                "{} already exists; refusing to overwrite it",
                show(path)
            ))
        } else {
            Failure::input(format!("cannot write {}: {e}", show(path)))
        }
    };
    if !replace && path.symlink_metadata().is_ok() {
        return Err(fail(io::ErrorKind::AlreadyExists.into()));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".credence-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    if replace {
        tmp.persist(path).map_err(|e| fail(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| fail(e.error))?;
    }
    sync_dir(dir).map_err(fail)
}

/// Syncs a directory, so that a creation or rename in it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

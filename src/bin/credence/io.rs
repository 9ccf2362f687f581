//! Files, JSON and failures for the `credence` tool.

use std::fmt::Display;
use std::io::{self, Write};
use std::path::Path;

use credence::files::{FileError, Replace};
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
    credence::files::read(path).map_err(Failure::input)
}

/// Reads and decodes a JSON file holding public data; errors quote serde's
/// message, which may quote the input.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, Failure> {
    let bytes = read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| Failure::input(format!("{}: {e}", show(path))))
}

/// Pretty JSON with a final newline, zeroized when dropped.
pub fn to_json<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, Failure> {
    credence::files::to_json(value).map_err(|e| Failure::input(format!("cannot encode JSON: {e}")))
}

/// Writes to standard output.
pub fn print(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))
}

/// Writes `bytes` to `path` crash-safely with permissions `mode`, replacing
/// an existing file only when `replace` (see [`credence::files::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), Failure> {
    let replace = if replace { Replace::Yes } else { Replace::No };
    credence::files::write_atomic(path, bytes, mode, replace).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            Failure::input(FileError::Exists(path.to_owned()))
        } else {
            Failure::input(format!("cannot write {}: {e}", show(path)))
        }
    })
}

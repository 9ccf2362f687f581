//! The files the library and the `credence` tool keep (spec/wallet.md §1,
//! §7): crash-safe writing, JSON that holds secrets, and the rater's key and
//! issued-credentials files. The wallet file is in `wallet::Wallet` and
//! `wallet::WalletFile`.
//!
//! Reading and writing files needs the `files` feature (on by default); the
//! JSON forms do not, so that a build without a file system (WebAssembly)
//! reads and writes the same formats.

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::errors::DecodeError;

#[cfg(feature = "files")]
pub(crate) mod fs;
mod rater;
mod records;

#[cfg(feature = "files")]
pub(crate) use fs::{
    lock_current, remove_temporary_files, write_atomic_file, write_error, LockError,
};
#[cfg(feature = "files")]
pub use fs::{read, sync_dir, write_atomic, Replace};
pub use rater::{IssuedCredentialsFile, RaterKeyFile};
#[cfg(feature = "files")]
pub use records::IssuanceRecordsFile;
pub use records::{
    check_subject, IssuanceRecord, IssuanceRecords, PublishedList, RecordsError, Revoke,
    MAX_SUBJECT_LEN,
};

/// The largest file the library reads (64 MiB).
pub const MAX_FILE_LEN: u64 = 64 << 20;

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
    /// Another command held the file's lock for the whole wait.
    #[error("{} is in use by another command; try again", .0.display())]
    Locked(PathBuf),
    /// Issuance records refuse a change.
    #[error("{}: {error}", path.display())]
    Records {
        /// The file.
        path: PathBuf,
        /// What they refuse.
        error: RecordsError,
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
}

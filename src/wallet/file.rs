//! The wallet file: its JSON form (spec/wallet.md §3) and crash-safe writing.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::DisclosureRecord;
use crate::descriptor::RaterDescriptor;

/// The value of the `format` field.
pub(crate) const FORMAT: &str = "credence-wallet";
/// The only version this library reads and writes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The JSON form. Fields holding secret encodings are zeroized on drop.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWallet {
    pub format: String,
    pub version: u32,
    pub link_secret: String,
    pub credentials: Vec<RawHeld>,
    pub pending: Vec<RawPending>,
    pub min_intervals: BTreeMap<String, u64>,
    pub disclosures: BTreeMap<String, Vec<DisclosureRecord>>,
}

impl Drop for RawWallet {
    fn drop(&mut self) {
        self.link_secret.zeroize();
    }
}

/// A held credential, the rater it was issued under, and whether it was used.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeld {
    pub rater: RaterDescriptor,
    pub credential: String,
    pub used: bool,
}

impl Drop for RawHeld {
    fn drop(&mut self) {
        self.credential.zeroize();
    }
}

/// An issuance request awaiting the rater's answer.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPending {
    pub rater: RaterDescriptor,
    pub issuance: String,
}

impl Drop for RawPending {
    fn drop(&mut self) {
        self.issuance.zeroize();
    }
}

/// Counts bytes, so that the output buffer can be allocated once and no
/// unzeroized copy of a secret is left behind by a reallocation.
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

/// Pretty JSON in one zeroizing allocation.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, serde_json::Error> {
    let mut counter = Counter(0);
    serde_json::to_writer_pretty(&mut counter, value)?;
    let mut out = Zeroizing::new(Vec::with_capacity(counter.0 + 1));
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.push(b'\n');
    Ok(out)
}

/// Describes a JSON error by its class and position only: the messages serde
/// builds for wrong types quote the offending value, which may be a secret.
pub(crate) fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "cannot be read",
        Category::Syntax => "is not valid JSON",
        Category::Data => "has a missing, unknown or invalid field",
        Category::Eof => "ends early",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// Whether [`write_atomic`] may replace an existing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replace {
    /// Replace it.
    Yes,
    /// Fail with [`io::ErrorKind::AlreadyExists`].
    No,
}

/// Writes `bytes` to `path` crash-safely: a temporary file in the same
/// directory with permissions `mode` (Unix), written, synced, renamed over (or,
/// with [`Replace::No`], linked to) `path`, then the directory is synced. On
/// any failure the temporary file is removed and `path` is untouched.
pub(crate) fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    replace: Replace,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if replace == Replace::No && path.symlink_metadata().is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it already exists",
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".credence-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    match replace {
        Replace::Yes => tmp.persist(path).map_err(|e| e.error)?,
        Replace::No => tmp.persist_noclobber(path).map_err(|e| e.error)?,
    };
    sync_dir(dir)
}

/// Syncs a directory, so that a rename or creation in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
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

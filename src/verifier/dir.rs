//! A [`NonceStore`] in a directory, shared by every process that opens it
//! (spec/wallet.md §8).

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::store::{
    refusal, Attempt, NonceStore, RequestRecord, RequestTerms, Settlement, StoreError,
};
use super::{DEFAULT_LIFETIME, DEFAULT_MAX_FAILURES, MAX_FAILURES_CAP};
use crate::files::{write_atomic, Replace};
use crate::request::ProofRequest;

/// The value of a request record's `format` field.
const FORMAT: &str = "credence-verifier-request";
/// The only version this library writes.
const FORMAT_VERSION: u32 = 1;
/// The largest state file read.
const MAX_FILE: u64 = 16 << 20;
/// What an attempt file holds.
const SATISFIED: &[u8] = b"satisfied\n";
const REJECTED: &[u8] = b"rejected\n";

/// A [`NonceStore`] in a directory `DIR` (spec/wallet.md §8):
///
/// - `DIR/requests/<nonce>.json`: each request issued, with its terms;
/// - `DIR/attempts/<nonce>.<k>`: the `k`-th presentation counted for it
///   (`k` from 0), holding `satisfied` or `rejected`.
///
/// Each attempt claims the first free slot `k` by creating its file without
/// replacing any (a hard link or a rename that refuses to replace), so of two
/// processes racing for one slot exactly one wins, and the loser reads the
/// winner's outcome and decides again. The slots are thus a log of the
/// attempts in order, and the decision of each is a function of the slots
/// before it. A request's files are never replaced or removed.
///
/// Directories written by earlier versions are read too: a bare request in
/// `requests/` counts as issued at its file's modification time with the
/// default terms, and a file `used/<nonce>` marks its nonce spent.
#[derive(Clone, Debug)]
pub struct DirNonceStore {
    dir: PathBuf,
}

/// The JSON form of `requests/<nonce>.json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    format: String,
    version: u32,
    issued_at: u64,
    expires_at: u64,
    max_failures: u32,
    request: ProofRequest,
}

/// The record of a request as stored, in the current or the earlier form.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Record(RawRecord),
    Legacy(ProofRequest),
}

fn hex(bytes: &[u8; 32]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(64);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Reads a file of at most [`MAX_FILE`] bytes; `None` when it does not exist.
fn read_file(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("read", path)(e)),
    };
    let mut out = Vec::new();
    f.take(MAX_FILE.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(io_error("read", path))?;
    if out.len() as u64 > MAX_FILE {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
        });
    }
    Ok(Some(out))
}

impl DirNonceStore {
    /// The store in `dir`. Nothing is created until a request is recorded.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DirNonceStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the request with `nonce`.
    pub fn request_path(&self, nonce: &[u8; 32]) -> PathBuf {
        self.dir
            .join("requests")
            .join(format!("{}.json", hex(nonce)))
    }

    fn attempt_path(&self, nonce: &[u8; 32], k: u32) -> PathBuf {
        self.dir
            .join("attempts")
            .join(format!("{}.{k}", hex(nonce)))
    }

    fn legacy_used_path(&self, nonce: &[u8; 32]) -> PathBuf {
        self.dir.join("used").join(hex(nonce))
    }

    fn create_dir(&self, name: &str) -> Result<PathBuf, StoreError> {
        let d = self.dir.join(name);
        std::fs::create_dir_all(&d).map_err(io_error("create", &d))?;
        Ok(d)
    }

    /// The terms recorded for `nonce`, if any.
    fn terms(&self, nonce: &[u8; 32]) -> Result<Option<RequestTerms>, StoreError> {
        let path = self.request_path(nonce);
        let Some(bytes) = read_file(&path)? else {
            return Ok(None);
        };
        let corrupt = || StoreError::Corrupt { path: path.clone() };
        let (request, terms) =
            match serde_json::from_slice::<Stored>(&bytes).map_err(|_| corrupt())? {
                Stored::Record(r) => {
                    if r.format != FORMAT || r.version != FORMAT_VERSION {
                        return Err(corrupt());
                    }
                    let terms = RequestTerms {
                        digest: r.request.digest(),
                        issued_at: r.issued_at,
                        expires_at: r.expires_at,
                        max_failures: r.max_failures.min(MAX_FAILURES_CAP),
                    };
                    (r.request, terms)
                }
                Stored::Legacy(request) => {
                    let issued_at = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .map_err(io_error("read", &path))?
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    let terms = RequestTerms {
                        digest: request.digest(),
                        issued_at,
                        expires_at: issued_at.saturating_add(DEFAULT_LIFETIME.as_secs()),
                        max_failures: DEFAULT_MAX_FAILURES,
                    };
                    (request, terms)
                }
            };
        // A record filed under another nonce is not this request's.
        if request.nonce() != nonce {
            return Err(corrupt());
        }
        Ok(Some(terms))
    }

    /// The outcome recorded in slot `k`, if the slot is taken.
    fn slot(&self, nonce: &[u8; 32], k: u32) -> Result<Option<Attempt>, StoreError> {
        let path = self.attempt_path(nonce, k);
        match read_file(&path)?.as_deref() {
            None => Ok(None),
            Some(SATISFIED) => Ok(Some(Attempt::Satisfied)),
            Some(REJECTED) => Ok(Some(Attempt::Rejected)),
            Some(_) => Err(StoreError::Corrupt { path }),
        }
    }

    fn spent_by_earlier_version(&self, nonce: &[u8; 32]) -> bool {
        self.legacy_used_path(nonce).symlink_metadata().is_ok()
    }
}

impl NonceStore for DirNonceStore {
    fn record(&self, request: &ProofRequest, terms: &RequestTerms) -> Result<(), StoreError> {
        let raw = RawRecord {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            issued_at: terms.issued_at,
            expires_at: terms.expires_at,
            max_failures: terms.max_failures,
            request: request.clone(),
        };
        let mut json =
            serde_json::to_vec_pretty(&raw).map_err(|e| StoreError::Backend(e.into()))?;
        json.push(b'\n');
        self.create_dir("requests")?;
        let path = self.request_path(request.nonce());
        write_atomic(&path, &json, 0o644, Replace::No).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                StoreError::NonceExists
            } else {
                io_error("write", &path)(e)
            }
        })
    }

    fn lookup(&self, nonce: &[u8; 32]) -> Result<Option<RequestRecord>, StoreError> {
        let Some(terms) = self.terms(nonce)? else {
            return Ok(None);
        };
        let mut failures = 0u32;
        let mut spent = self.spent_by_earlier_version(nonce);
        let mut k = 0u32;
        while !spent && k <= terms.max_failures {
            match self.slot(nonce, k)? {
                None => break,
                Some(Attempt::Satisfied) => spent = true,
                Some(Attempt::Rejected) => failures = failures.saturating_add(1),
            }
            k = k.saturating_add(1);
        }
        Ok(Some(RequestRecord {
            terms,
            failures,
            spent,
        }))
    }

    fn settle(
        &self,
        nonce: &[u8; 32],
        attempt: Attempt,
        now: u64,
    ) -> Result<Settlement, StoreError> {
        let Some(terms) = self.terms(nonce)? else {
            return Ok(Settlement::Unknown);
        };
        if self.spent_by_earlier_version(nonce) {
            return Ok(Settlement::Replayed);
        }
        let mut failures = 0u32;
        // At most `max_failures` rejected slots and one satisfied one exist,
        // since no slot is claimed once the request is spent or closed.
        let mut k = 0u32;
        while k <= terms.max_failures {
            match self.slot(nonce, k)? {
                Some(Attempt::Satisfied) => return Ok(Settlement::Replayed),
                Some(Attempt::Rejected) => {
                    failures = failures.saturating_add(1);
                    k = k.saturating_add(1);
                }
                None => {
                    if let Some(refused) = refusal(&terms, failures, false, now) {
                        return Ok(refused);
                    }
                    self.create_dir("attempts")?;
                    let path = self.attempt_path(nonce, k);
                    let content = match attempt {
                        Attempt::Satisfied => SATISFIED,
                        Attempt::Rejected => REJECTED,
                    };
                    match write_atomic(&path, content, 0o644, Replace::No) {
                        Ok(()) => {
                            return Ok(match attempt {
                                Attempt::Satisfied => Settlement::Spent,
                                Attempt::Rejected => Settlement::Counted {
                                    failures: failures.saturating_add(1),
                                },
                            })
                        }
                        // Another process took slot `k` first: read its
                        // outcome and decide again.
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                        Err(e) => return Err(io_error("write", &path)(e)),
                    }
                }
            }
        }
        Ok(Settlement::Closed)
    }
}

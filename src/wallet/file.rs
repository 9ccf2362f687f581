//! The wallet file: its JSON form (spec/wallet.md §3), crash-safe writing,
//! and the lock that makes commands on one wallet take turns.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::log::DisclosureRecord;
use super::{Held, Pending, Wallet, WalletError};
use crate::credential::{HeldCredential, LinkSecret};
use crate::descriptor::RaterDescriptor;
use crate::errors::DecodeError;
use crate::files::{self, secret_b64, JsonProblem};
use crate::issuance::PendingIssuance;
use crate::policy::AttrRef;

// `write_atomic` moved to `crate::files`; reachable here as before.
#[allow(unused_imports)]
pub(crate) use crate::files::{sync_dir, write_atomic, Replace};

/// The value of the `format` field.
pub(crate) const FORMAT: &str = "credence-wallet";
/// The only version this library reads and writes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The JSON form. Fields holding secret encodings are zeroized on drop.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWallet {
    format: String,
    version: u32,
    link_secret: String,
    credentials: Vec<RawHeld>,
    pending: Vec<RawPending>,
    min_intervals: BTreeMap<String, u64>,
    disclosures: BTreeMap<String, Vec<DisclosureRecord>>,
}

impl Drop for RawWallet {
    fn drop(&mut self) {
        self.link_secret.zeroize();
    }
}

/// A held credential, the rater it was issued under, and whether it was used.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeld {
    rater: RaterDescriptor,
    credential: String,
    used: bool,
}

impl Drop for RawHeld {
    fn drop(&mut self) {
        self.credential.zeroize();
    }
}

/// An issuance request awaiting the rater's answer.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPending {
    rater: RaterDescriptor,
    issuance: String,
}

impl Drop for RawPending {
    fn drop(&mut self) {
        self.issuance.zeroize();
    }
}

fn io_error(path: &Path, e: &io::Error) -> WalletError {
    WalletError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn write_error(path: &Path, e: &io::Error) -> WalletError {
    if e.kind() == io::ErrorKind::AlreadyExists {
        WalletError::Exists(path.to_owned())
    } else {
        io_error(path, e)
    }
}

impl Wallet {
    /// The wallet file's JSON (spec/wallet.md §3), zeroized when dropped: it
    /// holds every secret of the wallet. Secrets are base64url-encoded in
    /// constant time.
    ///
    /// # Errors
    /// [`WalletError::Encode`] if the wallet cannot be serialized (nothing
    /// should then be saved).
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, WalletError> {
        let raw = RawWallet {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            link_secret: secret_b64::encode(&*self.link.to_bytes()),
            credentials: self
                .credentials
                .iter()
                .map(|h| RawHeld {
                    rater: h.rater.clone(),
                    credential: secret_b64::encode(&h.held.to_bytes()),
                    used: h.used,
                })
                .collect(),
            pending: self
                .pending
                .iter()
                .map(|p| RawPending {
                    rater: p.rater.clone(),
                    issuance: secret_b64::encode(&p.issuance.to_bytes()),
                })
                .collect(),
            min_intervals: self
                .min_intervals
                .iter()
                .map(|(a, w)| (a.to_string(), *w))
                .collect(),
            disclosures: self.disclosures.clone(),
        };
        files::to_json(&raw).map_err(|_| WalletError::Encode)
    }

    /// Decodes a wallet file, checking every credential against the schema
    /// and rater key it was issued under and against the link secret.
    ///
    /// # Errors
    /// [`WalletError::Format`] naming what is wrong (never a secret).
    pub fn from_json(bytes: &[u8]) -> Result<Self, WalletError> {
        let bad = WalletError::Format;
        let raw: RawWallet =
            serde_json::from_slice(bytes).map_err(|e| bad(JsonProblem::of(&e).to_string()))?;
        if raw.format != FORMAT {
            return Err(bad(format!("the format is not `{FORMAT}`")));
        }
        if raw.version != FORMAT_VERSION {
            return Err(bad(format!("unsupported version {}", raw.version)));
        }
        let decoded =
            secret_b64::decode(&raw.link_secret, "link secret").map_err(|e| bad(e.to_string()))?;
        let secret: &[u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            bad(DecodeError::WrongLength {
                what: "link secret",
                expected: 32,
                found: decoded.len(),
            }
            .to_string())
        })?;
        let link = LinkSecret::from_bytes(secret).map_err(|e| bad(e.to_string()))?;
        let mut credentials = Vec::with_capacity(raw.credentials.len());
        for (i, r) in raw.credentials.iter().enumerate() {
            let at = |e: String| bad(format!("credential {i}: {e}"));
            let bytes = secret_b64::decode(&r.credential, "held credential")
                .map_err(|e| at(e.to_string()))?;
            let held = HeldCredential::from_bytes(&bytes).map_err(|e| at(e.to_string()))?;
            held.check(r.rater.schema(), r.rater.key())
                .map_err(|e| at(e.to_string()))?;
            if !held.is_held_by(&link) {
                return Err(at("it is not held by this wallet's link secret".into()));
            }
            credentials.push(Held {
                held,
                rater: r.rater.clone(),
                used: r.used,
            });
        }
        let mut pending = Vec::with_capacity(raw.pending.len());
        for (i, r) in raw.pending.iter().enumerate() {
            let at = |e: String| bad(format!("pending request {i}: {e}"));
            let bytes = secret_b64::decode(&r.issuance, "pending issuance")
                .map_err(|e| at(e.to_string()))?;
            pending.push(Pending {
                issuance: PendingIssuance::from_bytes(&bytes).map_err(|e| at(e.to_string()))?,
                rater: r.rater.clone(),
            });
        }
        let mut min_intervals = BTreeMap::new();
        for (a, w) in &raw.min_intervals {
            let attr = AttrRef::parse(a).map_err(|e| bad(e.to_string()))?;
            if *w > 0 {
                min_intervals.insert(attr, *w);
            }
        }
        Ok(Wallet {
            link,
            credentials,
            pending,
            min_intervals,
            disclosures: raw.disclosures.clone(),
        })
    }

    /// Reads and decodes a wallet file, without locking it: to change a
    /// wallet file, open it with [`WalletFile::open`] instead, so that no
    /// other command changes it in between.
    ///
    /// # Errors
    /// [`WalletError::Io`] when it cannot be read; as [`Wallet::from_json`].
    pub fn load(path: &Path) -> Result<Self, WalletError> {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| io_error(path, &e))?);
        Self::from_json(&bytes)
    }

    /// Writes a new wallet file crash-safely with mode 0600, refusing to
    /// overwrite an existing file.
    ///
    /// # Errors
    /// [`WalletError::Exists`]; [`WalletError::Io`]; [`WalletError::Encode`].
    pub fn create(&self, path: &Path) -> Result<(), WalletError> {
        files::write_atomic(path, &self.to_json()?, 0o600, Replace::No)
            .map_err(|e| write_error(path, &e))
    }

    /// Replaces the wallet file crash-safely (temporary file, fsync, rename,
    /// directory fsync), with mode 0600, under the wallet's lock: after a
    /// crash the file is either the old wallet or the new one. To load,
    /// change and save without another command changing the file in between,
    /// use [`WalletFile`].
    ///
    /// # Errors
    /// [`WalletError::Locked`] when another command, or a [`WalletFile`] of
    /// this process, holds the wallet for longer than [`WalletFile::LOCK_WAIT`]; [`WalletError::Io`]; [`WalletError::Encode`].
    pub fn save(&self, path: &Path) -> Result<(), WalletError> {
        let json = self.to_json()?;
        // A wallet saved to a new path has no lock to take yet.
        let _lock = match path.symlink_metadata() {
            Ok(_) => Some(lock(path, WalletFile::LOCK_WAIT)?),
            Err(_) => None,
        };
        files::write_atomic_file(path, &json, 0o600, Replace::Yes, false)
            .map(drop)
            .map_err(|e| write_error(path, &e))
    }
}

/// Takes the exclusive lock of the wallet file at `path`, waiting up to
/// `wait`, and returns the locked file, open for reading.
///
/// The lock is the file's own (`flock` on Unix). A save replaces the file by
/// a rename, so a lock taken on the file a save replaced is worthless: after
/// locking, the file at `path` must still be the one locked, else the lock is
/// taken again on the new file. A save locks its new file before the rename.
fn lock(path: &Path, wait: Duration) -> Result<File, WalletError> {
    let deadline = Instant::now() + wait;
    loop {
        let file = File::open(path).map_err(|e| io_error(path, &e))?;
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => break,
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(WalletError::Locked(path.to_owned()))
                }
                Err(fs4::TryLockError::Error(e)) => return Err(io_error(path, &e)),
            }
        }
        if is_current(&file, path).map_err(|e| io_error(path, &e))? {
            return Ok(file);
        }
        if Instant::now() >= deadline {
            return Err(WalletError::Locked(path.to_owned()));
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

/// A wallet file held open under an exclusive lock (spec/wallet.md §3), so
/// that commands on one wallet take turns: a command loads, changes and saves
/// the wallet while no other command can read it for a change of its own.
/// Two presentations can therefore never use one credential, and a change
/// (an added batch, a used mark) is never lost.
///
/// Opening waits up to [`WalletFile::LOCK_WAIT`] for the lock, then fails with
/// [`WalletError::Locked`]. The lock is released when the value is dropped.
/// It dereferences to the [`Wallet`].
///
/// # Example
/// ```
/// # use credence::AttrRef;
/// use credence::wallet::{Wallet, WalletFile};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("mei.wallet");
/// let mut wallet = WalletFile::create(&path, Wallet::generate())?;
/// wallet.set_min_interval(AttrRef::parse("bank.liquidity_eur")?, 1000);
/// wallet.save()?;
/// drop(wallet);
/// assert_eq!(WalletFile::open(&path)?.min_intervals().len(), 1);
/// # Ok(())
/// # }
/// ```
pub struct WalletFile {
    path: PathBuf,
    lock: File,
    wallet: Wallet,
}

impl std::fmt::Debug for WalletFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletFile")
            .field("path", &self.path)
            .field("wallet", &self.wallet)
            .finish_non_exhaustive()
    }
}

impl WalletFile {
    /// How long [`WalletFile::open`] and [`Wallet::save`] wait for another
    /// command to finish with the wallet.
    pub const LOCK_WAIT: Duration = Duration::from_secs(5);

    /// Locks the wallet file at `path` (waiting up to [`WalletFile::LOCK_WAIT`]), removes
    /// what writes killed before their rename left behind (temporary files
    /// named `.<file name>.credence-tmp-XXXXXX`, each a full copy of a
    /// wallet), and loads the wallet.
    ///
    /// # Errors
    /// [`WalletError::Locked`]; [`WalletError::Io`]; as [`Wallet::from_json`].
    pub fn open(path: &Path) -> Result<Self, WalletError> {
        Self::open_waiting(path, Self::LOCK_WAIT)
    }

    /// [`WalletFile::open`], waiting up to `wait` for the lock.
    ///
    /// # Errors
    /// As [`WalletFile::open`].
    pub fn open_waiting(path: &Path, wait: Duration) -> Result<Self, WalletError> {
        let lock = lock(path, wait)?;
        files::remove_temporary_files(path).map_err(|e| io_error(path, &e))?;
        let mut bytes = Zeroizing::new(Vec::new());
        io::Read::read_to_end(&mut io::Read::take(&lock, files::MAX_FILE_LEN), &mut bytes)
            .map_err(|e| io_error(path, &e))?;
        Ok(WalletFile {
            path: path.to_owned(),
            lock,
            wallet: Wallet::from_json(&bytes)?,
        })
    }

    /// Writes `wallet` to a new file at `path` crash-safely with mode 0600,
    /// refusing to overwrite an existing file, and keeps it locked.
    ///
    /// # Errors
    /// [`WalletError::Exists`]; [`WalletError::Io`]; [`WalletError::Encode`].
    pub fn create(path: &Path, wallet: Wallet) -> Result<Self, WalletError> {
        let lock = files::write_atomic_file(path, &wallet.to_json()?, 0o600, Replace::No, true)
            .map_err(|e| write_error(path, &e))?;
        Ok(WalletFile {
            path: path.to_owned(),
            lock,
            wallet,
        })
    }

    /// Replaces the wallet file with the wallet as it is now, crash-safely,
    /// keeping the lock (the new file is locked before it replaces the old).
    ///
    /// # Errors
    /// [`WalletError::Io`]; [`WalletError::Encode`]. The file is unchanged on
    /// error.
    pub fn save(&mut self) -> Result<(), WalletError> {
        let json = self.wallet.to_json()?;
        self.lock = files::write_atomic_file(&self.path, &json, 0o600, Replace::Yes, true)
            .map_err(|e| write_error(&self.path, &e))?;
        Ok(())
    }

    /// The wallet file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Deref for WalletFile {
    type Target = Wallet;
    fn deref(&self) -> &Wallet {
        &self.wallet
    }
}

impl DerefMut for WalletFile {
    fn deref_mut(&mut self) -> &mut Wallet {
        &mut self.wallet
    }
}

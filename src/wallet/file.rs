//! The wallet file on disk: crash-safe writing, and the lock that makes
//! commands on one wallet take turns (spec/wallet.md §1, §3). Behind the
//! `files` feature.

use std::fs::File;
use std::io;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use super::{Wallet, WalletError};
use crate::files::{self, Replace};

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
/// `wait` ([`files::lock_current`]).
fn lock(path: &Path, wait: Duration) -> Result<File, WalletError> {
    files::lock_current(path, wait).map_err(|e| match e {
        files::LockError::Busy => WalletError::Locked(path.to_owned()),
        files::LockError::Io(e) => io_error(path, &e),
    })
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

//! The SQLite store's schema, its migrations and statements, and its
//! errors.

use std::path::PathBuf;
use std::time::Duration;

/// The schema version this build creates and reads, kept in the database's
/// `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 2;

/// How long an operation waits for another connection's write lock before it
/// fails, unless [`SqliteNonceStore::open_with_busy_timeout`](super::SqliteNonceStore::open_with_busy_timeout) says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The migrations, in order: migration `i` takes the schema from version `i`
/// to version `i + 1`.
pub(super) const MIGRATIONS: [&str; 2] = [
    // Version 1 (spec/wallet.md §8.4).
    "CREATE TABLE credence_requests (
         nonce        BLOB    NOT NULL PRIMARY KEY CHECK (length(nonce) = 32),
         digest       BLOB    NOT NULL CHECK (length(digest) = 32),
         request      BLOB    NOT NULL,
         issued_at    INTEGER NOT NULL CHECK (issued_at >= 0),
         expires_at   INTEGER NOT NULL CHECK (expires_at >= 0),
         max_failures INTEGER NOT NULL CHECK (max_failures BETWEEN 0 AND 4294967295),
         failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures BETWEEN 0 AND max_failures),
         spent        INTEGER NOT NULL DEFAULT 0 CHECK (spent IN (0, 1))
     ) STRICT, WITHOUT ROWID;
     CREATE INDEX credence_requests_expires_at ON credence_requests (expires_at);",
    // Version 2: the service's transactions (spec/wallet.md §8.5).
    "ALTER TABLE credence_requests ADD COLUMN tx_hash BLOB
         CHECK (tx_hash IS NULL OR length(tx_hash) = 32);
     ALTER TABLE credence_requests ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0
         CHECK (cancelled IN (0, 1));
     ALTER TABLE credence_requests ADD COLUMN answered_at INTEGER
         CHECK (answered_at IS NULL OR answered_at >= 0);
     ALTER TABLE credence_requests ADD COLUMN verdict TEXT;
     CREATE UNIQUE INDEX credence_requests_tx_hash ON credence_requests (tx_hash);",
];

// The last migration reaches the current version.
const _: () = assert!(SCHEMA_VERSION == MIGRATIONS.len() as i64);

/// Records a request, under a transaction or none; a nonce or transaction
/// already recorded changes no row.
pub(super) const RECORD: &str = "INSERT INTO credence_requests
         (nonce, digest, request, issued_at, expires_at, max_failures, tx_hash)
     VALUES (:nonce, :digest, :request, :issued_at, :expires_at, :max_failures, :tx_hash)
     ON CONFLICT DO NOTHING";

/// Settles one attempt: the single atomic check-and-set of spec/wallet.md
/// §8.2 step 5. A row comes back only when the attempt was recorded.
pub(super) const SETTLE: &str = "UPDATE credence_requests
        SET spent = spent OR :satisfied,
            failures = failures + CASE WHEN :satisfied THEN 0 ELSE 1 END,
            answered_at = :now,
            verdict = :verdict
      WHERE nonce = :nonce AND spent = 0
        AND expires_at > :now AND failures < max_failures
     RETURNING failures, spent";

/// A request's terms and state.
pub(super) const SELECT: &str =
    "SELECT digest, issued_at, expires_at, max_failures, failures, spent
       FROM credence_requests WHERE nonce = :nonce";

/// The columns of a request and its transaction: those of [`SELECT`], then
/// the transaction's and the request's canonical bytes.
pub(super) const TRANSACTION_COLUMNS: &str =
    "digest, issued_at, expires_at, max_failures, failures, spent,
        nonce, cancelled, answered_at, verdict, request";

/// Cancels a transaction whose nonce is not spent: its lifetime ends now.
pub(super) const CANCEL: &str = "UPDATE credence_requests
        SET cancelled = 1, expires_at = min(expires_at, :now)
      WHERE tx_hash = :tx AND spent = 0";

/// Forgets the requests expired at `:now`.
pub(super) const FORGET_EXPIRED: &str = "DELETE FROM credence_requests WHERE expires_at <= :now";

/// Why a [`SqliteNonceStore`](super::SqliteNonceStore) failed; it reaches callers as
/// [`StoreError::Backend`](credence::verifier::StoreError::Backend).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// SQLite reported an error.
    #[error("SQLite nonce store {}: cannot {action}: {source}", .path.display())]
    Sqlite {
        /// What was being done: `open`, `migrate`, `record`, `settle`, …
        action: &'static str,
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database has a schema version this build does not know (a newer
    /// build created it).
    #[error(
        "SQLite nonce store {}: schema version {found} is not one this build knows \
         (up to {SCHEMA_VERSION})",
        .path.display()
    )]
    SchemaVersion {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
    },
    /// The database could not be put in write-ahead-log mode.
    #[error("SQLite nonce store {}: journal mode is {mode}, not WAL", .path.display())]
    JournalMode {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite kept.
        mode: String,
    },
    /// A time is beyond what the store can hold (2^63 - 1 seconds since
    /// 1970-01-01 UTC); nothing was recorded.
    #[error("SQLite nonce store: {what} is beyond 2^63 - 1 seconds")]
    OutOfRange {
        /// Which term: `issued_at` or `expires_at`.
        what: &'static str,
    },
}

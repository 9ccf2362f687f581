//! The PostgreSQL store's schema, migrations and statements
//! (spec/wallet.md §8.6).

/// The schema version this build creates and reads, kept in the table
/// `credence_schema_version`.
pub const SCHEMA_VERSION: i32 = 2;

/// The migrations, in order: migration `i` takes the schema from version `i`
/// to version `i + 1`. Each runs in its own transaction.
pub(super) const MIGRATIONS: [&str; 2] = [
    // Version 1: the requests and their state (spec/wallet.md §8.6).
    "CREATE TABLE credence_requests (
         nonce        BYTEA   NOT NULL PRIMARY KEY CHECK (length(nonce) = 32),
         digest       BYTEA   NOT NULL CHECK (length(digest) = 32),
         request      BYTEA   NOT NULL,
         issued_at    BIGINT  NOT NULL CHECK (issued_at >= 0),
         expires_at   BIGINT  NOT NULL CHECK (expires_at >= 0),
         max_failures BIGINT  NOT NULL CHECK (max_failures BETWEEN 0 AND 4294967295),
         failures     BIGINT  NOT NULL DEFAULT 0 CHECK (failures BETWEEN 0 AND max_failures),
         spent        BOOLEAN NOT NULL DEFAULT false
     );
     CREATE INDEX credence_requests_expires_at ON credence_requests (expires_at);",
    // Version 2: the service's transactions beside the requests.
    "ALTER TABLE credence_requests
         ADD COLUMN tx_hash     BYTEA   UNIQUE CHECK (length(tx_hash) = 32),
         ADD COLUMN cancelled   BOOLEAN NOT NULL DEFAULT false,
         ADD COLUMN answered_at BIGINT  CHECK (answered_at >= 0),
         ADD COLUMN verdict     TEXT;",
];

// The last migration reaches the current version.
const _: () = assert!(SCHEMA_VERSION as usize == MIGRATIONS.len());

/// The table that holds the schema version: one row, created by the first
/// start.
pub(super) const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS credence_schema_version (
         one     BOOLEAN NOT NULL PRIMARY KEY DEFAULT true CHECK (one),
         version INTEGER NOT NULL CHECK (version >= 0)
     )";

/// Serialises the migrations of the instances that start together on one
/// schema: a transaction-scoped advisory lock, keyed by the schema the
/// tables go to.
pub(super) const MIGRATION_LOCK: &str =
    "SELECT pg_advisory_xact_lock(1668441444, hashtext(coalesce(current_schema(), '')))";

pub(super) const READ_VERSION: &str = "SELECT version FROM credence_schema_version";

pub(super) const WRITE_VERSION: &str =
    "INSERT INTO credence_schema_version (one, version) VALUES (true, $1)
     ON CONFLICT (one) DO UPDATE SET version = excluded.version";

/// Records a request, under a transaction or none; a nonce or transaction
/// hash already recorded changes no row.
pub(super) const RECORD: &str = "INSERT INTO credence_requests
         (nonce, digest, request, issued_at, expires_at, max_failures, tx_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING";

/// Settles one attempt: the single atomic check-and-set of spec/wallet.md
/// §8.2 step 5, which also keeps the attempt's verdict. A row comes back
/// only when the attempt was recorded.
pub(super) const SETTLE: &str = "UPDATE credence_requests
        SET spent = spent OR $2,
            failures = failures + CASE WHEN $2 THEN 0 ELSE 1 END,
            answered_at = $3,
            verdict = $4
      WHERE nonce = $1 AND NOT spent
        AND expires_at > $3 AND failures < max_failures
     RETURNING failures, spent";

/// A request's terms and state.
pub(super) const SELECT: &str =
    "SELECT digest, issued_at, expires_at, max_failures, failures, spent
       FROM credence_requests WHERE nonce = $1";

/// A request's transaction and canonical bytes, by nonce.
pub(super) const SELECT_REQUEST: &str = "SELECT nonce, digest, issued_at, expires_at, max_failures,
            failures, spent, cancelled, answered_at, verdict, request
       FROM credence_requests WHERE nonce = $1";

/// A request's transaction and canonical bytes, by transaction hash.
pub(super) const SELECT_TRANSACTION: &str =
    "SELECT nonce, digest, issued_at, expires_at, max_failures,
            failures, spent, cancelled, answered_at, verdict, request
       FROM credence_requests WHERE tx_hash = $1";

/// Cancels a transaction whose nonce is not spent.
pub(super) const CANCEL: &str = "UPDATE credence_requests
        SET expires_at = LEAST(expires_at, $2), cancelled = true
      WHERE tx_hash = $1 AND NOT spent";

/// Whether a transaction exists.
pub(super) const EXISTS: &str = "SELECT 1 FROM credence_requests WHERE tx_hash = $1";

/// Forgets the requests whose lifetime ended at `$1`.
pub(super) const PURGE: &str = "DELETE FROM credence_requests WHERE expires_at <= $1";

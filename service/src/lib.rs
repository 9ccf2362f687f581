//! Credence's verifier service: what a verifier deploys around the library's
//! [`credence::verifier::Verifier`].
//!
//! For now this crate holds the durable nonce stores: [`SqliteNonceStore`], a
//! [`NonceStore`](credence::verifier::NonceStore) in one SQLite file, which
//! every thread and every process that opens the file shares
//! (spec/wallet.md §8.4), and [`PgNonceStore`], on a PostgreSQL server that
//! several verifier instances share (spec/wallet.md §8.6). The HTTP service
//! builds on them.
//!
//! # Example
//! ```
//! use credence_verifier::SqliteNonceStore;
//! use credence::verifier::Verifier;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! let store = SqliteNonceStore::open(dir.path().join("verifier.sqlite"))?;
//! let verifier = Verifier::new("consulate.example", Vec::new(), store)?;
//! # let _ = verifier;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod postgres;
mod sqlite;
mod store;

pub use postgres::{PgNonceStore, PgOptions, PostgresError, SCHEMA_VERSION as PG_SCHEMA_VERSION};
pub use sqlite::{SqliteError, SqliteNonceStore, DEFAULT_BUSY_TIMEOUT, SCHEMA_VERSION};
pub use store::{Transaction, TransactionStore, TxHash};

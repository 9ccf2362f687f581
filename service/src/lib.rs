//! Credence's verifier service: what a verifier deploys around the library's
//! [`credence::verifier::Verifier`].
//!
//! - [`App`]: the HTTP service (axum). The verifier backend creates
//!   transactions (`POST /v1/transactions`), reads their state and verdict
//!   with long polling, and cancels them; wallets fetch requests and post
//!   presentations, which are verified in batches and settled in one write
//!   each batch. `/healthz`, `/readyz` and `/metrics` serve operators.
//! - [`TransactionStore`]: what the service keeps per request (the
//!   library's [`NonceStore`](credence::verifier::NonceStore) and the
//!   transaction); [`SqliteNonceStore`] keeps it in one SQLite file that
//!   every thread and every process that opens it shares (spec/wallet.md
//!   §8.4, §8.5), and [`PgNonceStore`] on a PostgreSQL server that several
//!   instances share (spec/wallet.md §8.6).
//! - [`Config`]: a TOML file overridden by `CREDENCE_VERIFIER_*` variables.
//! - [`desk`] and [`wallet_page`]: the pages a verifier's desk and a
//!   subject's browser serve from the service.
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

mod app;
mod batch;
mod config;
pub mod desk;
mod error;
pub mod limits;
pub mod lists;
mod metrics;
mod postgres;
mod requests;
mod sqlite;
mod store;
mod wait;
pub mod wallet_page;

pub use app::{open_store, App, StartError};
pub use config::{Config, ConfigError, Secret, StoreUrl, CONFIG_ENV, ENV_PREFIX};
pub use error::ApiError;
pub use lists::{ListSource, ListSources, ListsError};
pub use metrics::Metrics;
pub use postgres::{PgNonceStore, PgOptions, PostgresError, SCHEMA_VERSION as PG_SCHEMA_VERSION};
pub use sqlite::{SqliteError, SqliteNonceStore, DEFAULT_BUSY_TIMEOUT, SCHEMA_VERSION};
pub use store::{Transaction, TransactionStore, TxHash};

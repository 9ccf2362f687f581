//! A [`NonceStore`] and [`TransactionStore`] on a PostgreSQL server, shared
//! by any number of verifier instances (spec/wallet.md §8.6).

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::mpsc;
use std::time::Duration;

use credence::verifier::{
    Attempt, NonceStore, RequestRecord, RequestTerms, Settlement, Settling, StoreError,
};
use credence::ProofRequest;
use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime, Timeouts,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

use crate::store::{Transaction, TransactionStore, TxHash};

mod queries;
mod sql;

use queries::*;
pub use sql::SCHEMA_VERSION;
use sql::*;

/// How a [`PgNonceStore`] connects and how long it waits.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PgOptions {
    /// The most connections the store holds open (default 8).
    pub pool_size: usize,
    /// How long opening a connection may take, the TCP connection and the
    /// server's start-up included (default 3 s). A server that is down
    /// fails an operation after about this long.
    pub connect_timeout: Duration,
    /// How long an operation waits for a free connection when all of them
    /// are in use (default 5 s).
    pub wait_timeout: Duration,
    /// How long one operation may take, once it has its connection, before
    /// it fails (default 30 s). An operation that fails so may or may not
    /// have been recorded.
    pub operation_timeout: Duration,
    /// How many threads the store's own runtime runs its connections on
    /// (default 1).
    pub worker_threads: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: 8,
            connect_timeout: Duration::from_secs(3),
            wait_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(30),
            worker_threads: 1,
        }
    }
}

/// Why a [`PgNonceStore`] failed; it reaches callers as
/// [`StoreError::Backend`].
///
/// No error carries the connection URL's password, nor any value read from
/// or written to the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// The connection URL could not be parsed (it is not repeated here: it
    /// may hold a password).
    #[error("PostgreSQL nonce store: the connection URL is not valid")]
    Url,
    /// The URL names no host, or only Unix sockets, which this store does
    /// not use.
    #[error("PostgreSQL nonce store: the connection URL names no TCP host")]
    NoHost,
    /// The store's runtime could not be started, or stopped.
    #[error("PostgreSQL nonce store: its runtime {0}")]
    Runtime(String),
    /// No connection could be had: the server is down or unreachable, it
    /// refused the login, or every connection stayed busy.
    #[error("PostgreSQL nonce store {location}: cannot {action}: no connection: {reason}")]
    Connection {
        /// What was being done: `migrate`, `record`, `settle`, …
        action: &'static str,
        /// The server and database (never the password).
        location: String,
        /// Why.
        reason: String,
    },
    /// The server reported an error, or the connection broke during the
    /// operation.
    #[error("PostgreSQL nonce store {location}: cannot {action}: {source}")]
    Postgres {
        /// What was being done: `migrate`, `record`, `settle`, …
        action: &'static str,
        /// The server and database (never the password).
        location: String,
        /// The client's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The operation took longer than [`PgOptions::operation_timeout`].
    #[error("PostgreSQL nonce store {location}: cannot {action}: no answer in time")]
    Timeout {
        /// What was being done.
        action: &'static str,
        /// The server and database.
        location: String,
    },
    /// The database has a schema version this build does not know (a newer
    /// build created it).
    #[error(
        "PostgreSQL nonce store {location}: schema version {found} is not one this build \
         knows (up to {SCHEMA_VERSION})"
    )]
    SchemaVersion {
        /// The server and database.
        location: String,
        /// The version found in the database.
        found: i64,
    },
    /// A time is beyond what the store can hold (2^63 - 1 seconds since
    /// 1970-01-01 UTC); nothing was recorded.
    #[error("PostgreSQL nonce store: {what} is beyond 2^63 - 1 seconds")]
    OutOfRange {
        /// Which term: `issued_at` or `expires_at`.
        what: &'static str,
    },
}

/// A [`NonceStore`] and [`TransactionStore`] on a PostgreSQL server
/// (spec/wallet.md §8.6): a table `credence_requests` with one row per
/// request, in the first schema of the connection's `search_path`, created
/// or migrated when the store connects.
///
/// Any number of handles, in one process or in several verifier instances,
/// can share one database: each decision is one conditional `UPDATE` that
/// the server runs under the row's lock, so of concurrent satisfied
/// attempts for one nonce exactly one is told [`Settlement::Spent`].
/// [`NonceStore::settle_batch`] settles a batch in one database
/// transaction (group commit).
///
/// A handle holds a pool of connections and a small runtime of its own,
/// which runs the queries; its methods block the calling thread until the
/// server answered. Call them from plain threads, or from an async program
/// through `tokio::task::spawn_blocking`, but not from inside an async task:
/// there a call would block the task's worker thread.
///
/// A server that is down makes each operation fail after about
/// [`PgOptions::connect_timeout`] with a [`StoreError::Backend`], never a
/// panic; broken connections are dropped from the pool, so the store
/// recovers by itself once the server is back.
///
/// # Example
/// ```no_run
/// use credence::verifier::NonceStore;
/// use credence_verifier::PgNonceStore;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PgNonceStore::connect("postgres://verifier@db.example/credence")?;
/// assert_eq!(store.lookup(&[7; 32])?, None);
/// # Ok(())
/// # }
/// ```
pub struct PgNonceStore {
    pool: Pool,
    runtime: OwnRuntime,
    location: String,
    operation_timeout: Duration,
}

impl fmt::Debug for PgNonceStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgNonceStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// The store's runtime. Dropping it never blocks (and so never panics
/// inside an async context): its threads are left to finish by themselves.
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl OwnRuntime {
    fn handle(&self) -> Option<&tokio::runtime::Handle> {
        self.0.as_ref().map(tokio::runtime::Runtime::handle)
    }
}

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A time as the store holds it.
fn db_time(t: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(t).map_err(|_| backend(PostgresError::OutOfRange { what }))
}

/// A time to compare with: every recorded time fits in an i64, so a later
/// one decides as the latest one the store can hold.
fn cmp_time(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}

fn backend(e: PostgresError) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// Where the store is, for messages: user, hosts, ports and database name,
/// never the password.
fn location(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            Host::Tcp(h) if h.contains(':') => format!("[{h}]:{port}"),
            Host::Tcp(h) => format!("{h}:{port}"),
            #[cfg(unix)]
            Host::Unix(p) => format!("{}:{port}", p.display()),
        })
        .collect();
    let user = config.get_user().unwrap_or("");
    let dbname = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{}/{dbname}", hosts.join(","))
}

/// What a connection, a statement or a transaction failed with.
enum OpError {
    /// No connection could be had.
    Pool(PoolError),
    /// The server or the connection failed.
    Db(tokio_postgres::Error),
    /// A row not in the schema's ranges.
    Corrupt,
    /// A nonce or transaction hash already recorded.
    Exists,
    /// A time beyond the store's range.
    OutOfRange(&'static str),
    /// A schema version this build does not know.
    SchemaVersion(i64),
}

impl From<tokio_postgres::Error> for OpError {
    fn from(e: tokio_postgres::Error) -> Self {
        OpError::Db(e)
    }
}

impl From<PoolError> for OpError {
    fn from(e: PoolError) -> Self {
        OpError::Pool(e)
    }
}

/// Why no connection could be had, without the client's own wording where
/// that could name more than the failure.
fn pool_reason(e: &PoolError) -> String {
    match e {
        PoolError::Timeout(_) => "timed out".to_owned(),
        PoolError::Backend(e) => e.to_string(),
        PoolError::Closed => "the pool is closed".to_owned(),
        PoolError::NoRuntimeSpecified => "no runtime".to_owned(),
        PoolError::PostCreateHook(e) => e.to_string(),
    }
}

impl PgNonceStore {
    /// Connects to the database at `url` (a `postgres://` URL or a
    /// `key=value` connection string, without TLS) with the default
    /// [`PgOptions`].
    ///
    /// # Errors
    /// As [`PgNonceStore::connect_with`].
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &PgOptions::default())
    }

    /// Connects to the database at `url` and creates or migrates its schema
    /// to [`SCHEMA_VERSION`]: each migration in its own transaction, under
    /// an advisory lock, so that instances starting together migrate once.
    ///
    /// The tables go to the first schema of the connection's `search_path`
    /// (set it in the URL, with `options=-csearch_path%3D…`, to use another
    /// schema than `public`).
    ///
    /// # Errors
    /// [`StoreError::Backend`] with a [`PostgresError`]: the URL is not
    /// valid, the server cannot be reached or refuses the login, or the
    /// database has a schema version this build does not know.
    pub fn connect_with(url: &str, options: &PgOptions) -> Result<Self, StoreError> {
        let mut config =
            tokio_postgres::Config::from_str(url).map_err(|_| backend(PostgresError::Url))?;
        #[cfg(unix)]
        let tcp = config
            .get_hosts()
            .iter()
            .any(|h| matches!(h, tokio_postgres::config::Host::Tcp(_)));
        #[cfg(not(unix))]
        let tcp = !config.get_hosts().is_empty();
        if !tcp {
            return Err(backend(PostgresError::NoHost));
        }
        config.connect_timeout(options.connect_timeout);
        if config.get_application_name().is_none() {
            config.application_name("credence-verifier");
        }
        let location = location(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.worker_threads.max(1))
            .thread_name("credence-postgres")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| backend(PostgresError::Runtime(format!("cannot start: {e}"))))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(options.wait_timeout),
                create: Some(options.connect_timeout),
                recycle: Some(options.connect_timeout),
            })
            .build()
            .map_err(|e| backend(PostgresError::Runtime(format!("cannot make a pool: {e}"))))?;
        let store = PgNonceStore {
            pool,
            runtime: OwnRuntime(Some(runtime)),
            location,
            operation_timeout: options.operation_timeout,
        };
        store.run("migrate", |pool| async move { migrate(&pool).await })?;
        Ok(store)
    }

    /// Runs `op` on the store's runtime and waits for it, at most
    /// [`PgOptions::operation_timeout`] once it has its connection (and the
    /// connection timeouts before).
    fn run<T, F, Fut>(&self, action: &'static str, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, OpError>> + Send + 'static,
    {
        let Some(handle) = self.runtime.handle() else {
            return Err(backend(PostgresError::Runtime("is stopped".to_owned())));
        };
        let limit = self.operation_timeout + self.connect_timeouts();
        let fut = op(self.pool.clone());
        let (send, receive) = mpsc::sync_channel(1);
        handle.spawn(async move {
            let outcome = tokio::time::timeout(limit, fut).await;
            // The caller waits for this; if it is gone, so is the answer.
            let _ = send.send(outcome);
        });
        match receive.recv() {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(e))) => Err(self.error(action, e)),
            Ok(Err(_)) => Err(backend(PostgresError::Timeout {
                action,
                location: self.location.clone(),
            })),
            Err(_) => Err(backend(PostgresError::Runtime(
                "stopped before answering".to_owned(),
            ))),
        }
    }

    /// How long getting a connection may take at most.
    fn connect_timeouts(&self) -> Duration {
        let t = self.pool.timeouts();
        [t.wait, t.create, t.recycle]
            .into_iter()
            .flatten()
            .fold(Duration::ZERO, |a, b| a.saturating_add(b))
    }

    fn error(&self, action: &'static str, e: OpError) -> StoreError {
        let location = self.location.clone();
        match e {
            OpError::Pool(e) => backend(PostgresError::Connection {
                action,
                location,
                reason: pool_reason(&e),
            }),
            OpError::Db(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                StoreError::NonceExists
            }
            OpError::Db(source) => backend(PostgresError::Postgres {
                action,
                location,
                source,
            }),
            OpError::Corrupt => self.corrupt(),
            OpError::Exists => StoreError::NonceExists,
            OpError::OutOfRange(what) => backend(PostgresError::OutOfRange { what }),
            OpError::SchemaVersion(found) => {
                backend(PostgresError::SchemaVersion { location, found })
            }
        }
    }

    fn corrupt(&self) -> StoreError {
        StoreError::Corrupt {
            path: format!("{} (credence_requests)", self.location).into(),
        }
    }

    /// The request of a transaction, decoded from its canonical bytes; it
    /// must have the transaction's nonce and recorded digest.
    fn decode(
        &self,
        (transaction, bytes): (Transaction, Vec<u8>),
    ) -> Result<(ProofRequest, Transaction), StoreError> {
        let request = ProofRequest::from_bytes(&bytes).map_err(|_| self.corrupt())?;
        if *request.nonce() != transaction.nonce
            || request.digest() != transaction.record.terms.digest
        {
            return Err(self.corrupt());
        }
        Ok((request, transaction))
    }

    /// The server and database the store is on, as
    /// `postgres://user@host:port/dbname` (never with a password).
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl NonceStore for PgNonceStore {
    fn record(&self, request: &ProofRequest, terms: &RequestTerms) -> Result<(), StoreError> {
        db_time(terms.issued_at, "issued_at")?;
        db_time(terms.expires_at, "expires_at")?;
        let (bytes, nonce, terms) = (request.to_bytes(), *request.nonce(), terms.clone());
        self.run("record", |pool| async move {
            insert(&pool, &bytes, &nonce, &terms, None).await
        })
    }

    fn lookup(&self, nonce: &[u8; 32]) -> Result<Option<RequestRecord>, StoreError> {
        let nonce = *nonce;
        self.run("read", |pool| async move {
            let client = pool.get().await?;
            select(&client, &nonce).await
        })
    }

    fn settle(
        &self,
        nonce: &[u8; 32],
        attempt: Attempt,
        now: u64,
    ) -> Result<Settlement, StoreError> {
        let (nonce, now) = (*nonce, cmp_time(now));
        self.run("settle", |pool| async move {
            let client = pool.get().await?;
            settle_on(&client, &nonce, attempt, now, None).await
        })
    }

    /// Settles the attempts in one database transaction (group commit):
    /// each as [`NonceStore::settle`] would, with its verdict as JSON. The
    /// updates run in the order of their nonces (attempts on one nonce in
    /// their given order), so that concurrent batches take the rows' locks
    /// in one order and cannot deadlock.
    fn settle_batch(
        &self,
        attempts: &[Settling<'_>],
        now: u64,
    ) -> Result<Vec<Settlement>, StoreError> {
        if attempts.is_empty() {
            return Ok(Vec::new());
        }
        let now = cmp_time(now);
        let mut owned = Vec::with_capacity(attempts.len());
        for (i, a) in attempts.iter().enumerate() {
            let verdict = serde_json::to_string(a.verdict)
                .map_err(|e| StoreError::Backend(format!("cannot encode a verdict: {e}").into()))?;
            owned.push((i, *a.nonce, a.attempt, verdict));
        }
        owned.sort_by_key(|a| (a.1, a.0));
        self.run("settle", |pool| async move {
            let mut client = pool.get().await?;
            let tx = client.transaction().await?;
            let mut settled = vec![Settlement::Unknown; owned.len()];
            for (i, nonce, attempt, verdict) in &owned {
                let s = settle_on(&tx, nonce, *attempt, now, Some(verdict)).await?;
                if let Some(slot) = settled.get_mut(*i) {
                    *slot = s;
                }
            }
            tx.commit().await?;
            Ok(settled)
        })
    }
}

impl TransactionStore for PgNonceStore {
    fn create(
        &self,
        tx: &TxHash,
        request: &ProofRequest,
        terms: &RequestTerms,
    ) -> Result<(), StoreError> {
        db_time(terms.issued_at, "issued_at")?;
        db_time(terms.expires_at, "expires_at")?;
        let (bytes, nonce, terms, tx) = (request.to_bytes(), *request.nonce(), terms.clone(), *tx);
        self.run("create a transaction in", |pool| async move {
            insert(&pool, &bytes, &nonce, &terms, Some(&tx)).await
        })
    }

    fn request(&self, nonce: &[u8; 32]) -> Result<Option<(ProofRequest, Transaction)>, StoreError> {
        let nonce = *nonce;
        let found = self.run("read", |pool| async move {
            select_transaction(&pool, SELECT_REQUEST, nonce).await
        })?;
        found.map(|found| self.decode(found)).transpose()
    }

    fn transaction(&self, tx: &TxHash) -> Result<Option<Transaction>, StoreError> {
        let tx = *tx;
        let found = self.run("read", |pool| async move {
            select_transaction(&pool, SELECT_TRANSACTION, tx).await
        })?;
        Ok(found
            .map(|found| self.decode(found))
            .transpose()?
            .map(|(_, t)| t))
    }

    fn cancel(&self, tx: &TxHash, now: u64) -> Result<bool, StoreError> {
        let (tx, now) = (*tx, cmp_time(now));
        self.run("cancel a transaction in", |pool| async move {
            let client = pool.get().await?;
            let stmt = client.prepare_cached(CANCEL).await?;
            if client.execute(&stmt, &[&&tx[..], &now]).await? > 0 {
                return Ok(true);
            }
            let stmt = client.prepare_cached(EXISTS).await?;
            Ok(client.query_opt(&stmt, &[&&tx[..]]).await?.is_some())
        })
    }

    fn purge(&self, before: u64) -> Result<usize, StoreError> {
        let before = cmp_time(before);
        self.run("purge", |pool| async move {
            let client = pool.get().await?;
            let stmt = client.prepare_cached(PURGE).await?;
            let n = client.execute(&stmt, &[&before]).await?;
            usize::try_from(n).map_err(|_| OpError::Corrupt)
        })
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.run("answer", |pool| async move {
            let client = pool.get().await?;
            client.simple_query("SELECT 1").await?;
            Ok(())
        })
    }
}

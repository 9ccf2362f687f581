//! A [`NonceStore`] in one SQLite file (spec/wallet.md §8.4).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::store::{Transaction, TransactionStore, TxHash};
use credence::verifier::{
    Attempt, NonceStore, RequestRecord, RequestTerms, Settlement, Settling, StoreError,
};
use credence::ProofRequest;
use rusqlite::types::ValueRef;
use rusqlite::{named_params, Connection, OpenFlags, TransactionBehavior};

mod schema;

pub use schema::{SqliteError, DEFAULT_BUSY_TIMEOUT, SCHEMA_VERSION};
use schema::{CANCEL, FORGET_EXPIRED, MIGRATIONS, RECORD, SELECT, SETTLE, TRANSACTION_COLUMNS};

/// A [`NonceStore`] in one SQLite file (spec/wallet.md §8.4): a table
/// `credence_requests` with one row per request, created on open.
///
/// The file is in write-ahead-log mode with `synchronous = FULL`, so that a
/// recorded request or a spent nonce survives a crash or a power loss once
/// the call returned. Any number of handles, in one process or in several,
/// can open the same file: each decision is one conditional `UPDATE` that
/// SQLite runs under its write lock, so of concurrent satisfied attempts for
/// one nonce exactly one is told [`Settlement::Spent`]. A handle waits up to
/// its busy timeout for another connection's write lock.
///
/// One handle holds one connection for writes behind a mutex, and a few
/// more for reads, so that reads go on while a write waits for its `fsync`:
/// it is `Send + Sync`, and a `Verifier<SqliteNonceStore>` can be shared by
/// threads, whose writes take turns. A read sees every write committed
/// before it began.
///
/// # Example
/// ```
/// use credence::verifier::NonceStore;
/// use credence_verifier::SqliteNonceStore;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let store = SqliteNonceStore::open(dir.path().join("verifier.sqlite"))?;
/// assert_eq!(store.lookup(&[7; 32])?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SqliteNonceStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Connections for reads only (`PRAGMA query_only`).
    readers: Vec<Mutex<Connection>>,
}

/// How many read connections a handle opens.
const READERS: usize = 4;

/// An integer column as an integer of type `T`; anything else is a corrupt
/// row.
fn int_column<T: TryFrom<i64>>(row: &rusqlite::Row<'_>, i: usize) -> Option<T> {
    match row.get_ref(i) {
        Ok(ValueRef::Integer(v)) => T::try_from(v).ok(),
        _ => None,
    }
}

/// A blob column, if it is one.
fn blob_column<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Option<&'r [u8]> {
    match row.get_ref(i) {
        Ok(ValueRef::Blob(b)) => Some(b),
        _ => None,
    }
}

/// A `spent` column: 0 or 1.
fn flag_column(row: &rusqlite::Row<'_>, i: usize) -> Option<bool> {
    match int_column::<i64>(row, i)? {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// A request's terms and state from the first columns of a row (those of
/// [`SELECT`], in order); `None` for a row that does not hold them.
fn record_of(row: &rusqlite::Row<'_>) -> Option<RequestRecord> {
    Some(RequestRecord {
        terms: RequestTerms {
            digest: blob_column(row, 0)?.try_into().ok()?,
            issued_at: int_column(row, 1)?,
            expires_at: int_column(row, 2)?,
            max_failures: int_column(row, 3)?,
        },
        failures: int_column(row, 4)?,
        spent: flag_column(row, 5)?,
    })
}

/// A time as the store holds it.
fn db_time(t: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(t).map_err(|_| StoreError::Backend(Box::new(SqliteError::OutOfRange { what })))
}

impl SqliteNonceStore {
    /// Opens (or creates) the store in the file `path`, with a busy timeout
    /// of [`DEFAULT_BUSY_TIMEOUT`].
    ///
    /// # Errors
    /// As [`SqliteNonceStore::open_with_busy_timeout`].
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        Self::open_with_busy_timeout(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens (or creates) the store in the file `path`: puts it in WAL mode
    /// with `synchronous = FULL`, and creates or migrates its schema to
    /// [`SCHEMA_VERSION`] (in one transaction, so that processes opening a
    /// new file together create it once). Operations wait up to
    /// `busy_timeout` for another connection's write lock.
    ///
    /// # Errors
    /// [`StoreError::Backend`] with a [`SqliteError`]: the file cannot be
    /// opened or created, is not an SQLite database, cannot be put in WAL
    /// mode, or has a schema version this build does not know.
    pub fn open_with_busy_timeout(
        path: impl Into<PathBuf>,
        busy_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let path = path.into();
        let sqlite = |action| {
            let path = path.clone();
            move |source| {
                StoreError::Backend(Box::new(SqliteError::Sqlite {
                    action,
                    path,
                    source,
                }))
            }
        };
        // A plain file name: no `file:` URIs, no shared cache; the mutex
        // around the connection serialises its users.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(sqlite("open"))?;
        conn.busy_timeout(busy_timeout).map_err(sqlite("open"))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(sqlite("set the journal mode of"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(Box::new(SqliteError::JournalMode {
                path,
                mode,
            })));
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite("set synchronous = FULL on"))?;

        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite("migrate"))?;
        let found: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sqlite("migrate"))?;
        let from = usize::try_from(found)
            .ok()
            .filter(|&v| v <= MIGRATIONS.len())
            .ok_or_else(|| {
                StoreError::Backend(Box::new(SqliteError::SchemaVersion {
                    path: path.clone(),
                    found,
                }))
            })?;
        if from < MIGRATIONS.len() {
            for migration in &MIGRATIONS[from..] {
                tx.execute_batch(migration).map_err(sqlite("migrate"))?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(sqlite("migrate"))?;
        }
        tx.commit().map_err(sqlite("migrate"))?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(&path, flags).map_err(sqlite("open"))?;
                reader.busy_timeout(busy_timeout).map_err(sqlite("open"))?;
                reader
                    .pragma_update(None, "query_only", "ON")
                    .map_err(sqlite("open"))?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(SqliteNonceStore {
            path,
            conn: Mutex::new(conn),
            readers,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Forgets every request expired at `now` (seconds since 1970-01-01
    /// UTC), and returns how many. A presentation for a forgotten request is
    /// then refused as not issued by this verifier.
    ///
    /// # Errors
    /// A backend error; then nothing was forgotten.
    pub fn forget_expired(&self, now: u64) -> Result<usize, StoreError> {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(FORGET_EXPIRED)
            .map_err(self.sqlite("forget expired requests in"))?;
        stmt.execute(named_params! {":now": now})
            .map_err(self.sqlite("forget expired requests in"))
    }

    /// The connection. Every change is one statement in its own transaction,
    /// so a panic while it was held cannot have left a change half made.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A read connection: the first one free, else one to wait for.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let i = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.readers.get(i % self.readers.len().max(1)) {
            Some(r) => r.lock().unwrap_or_else(PoisonError::into_inner),
            None => self.lock(),
        }
    }

    fn sqlite(&self, action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| {
            StoreError::Backend(Box::new(SqliteError::Sqlite {
                action,
                path: self.path.clone(),
                source,
            }))
        }
    }

    fn corrupt(&self) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
        }
    }

    /// Records `request` under the transaction `tx`, if any.
    fn insert(
        &self,
        request: &ProofRequest,
        terms: &RequestTerms,
        tx: Option<&TxHash>,
    ) -> Result<(), StoreError> {
        let issued_at = db_time(terms.issued_at, "issued_at")?;
        let expires_at = db_time(terms.expires_at, "expires_at")?;
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(RECORD).map_err(self.sqlite("record"))?;
        let inserted = stmt
            .execute(named_params! {
                ":nonce": &request.nonce()[..],
                ":digest": &terms.digest[..],
                ":request": request.to_bytes(),
                ":issued_at": issued_at,
                ":expires_at": expires_at,
                ":max_failures": i64::from(terms.max_failures),
                ":tx_hash": tx.map(|t| &t[..]),
            })
            .map_err(self.sqlite("record"))?;
        if inserted == 0 {
            return Err(StoreError::NonceExists);
        }
        Ok(())
    }

    /// Settles one attempt on `conn` (spec/wallet.md §8.2 step 5), keeping
    /// `verdict` with it when it is recorded.
    fn settle_on(
        &self,
        conn: &Connection,
        nonce: &[u8; 32],
        attempt: Attempt,
        now: u64,
        verdict: Option<&str>,
    ) -> Result<Settlement, StoreError> {
        let satisfied = attempt == Attempt::Satisfied;
        // Every recorded time fits in an i64, so a later `now` decides as
        // the latest one the store can hold.
        let now_db = i64::try_from(now).unwrap_or(i64::MAX);
        let updated = {
            let mut stmt = conn.prepare_cached(SETTLE).map_err(self.sqlite("settle"))?;
            let mut rows = stmt
                .query(named_params! {
                    ":nonce": &nonce[..],
                    ":satisfied": i64::from(satisfied),
                    ":now": now_db,
                    ":verdict": verdict,
                })
                .map_err(self.sqlite("settle"))?;
            let first = rows
                .next()
                .map_err(self.sqlite("settle"))?
                .map(|row| (int_column::<u32>(row, 0), flag_column(row, 1)));
            // The statement commits when it runs to its end: step it there,
            // so that a failed commit is an error here and never a `Spent`.
            while rows.next().map_err(self.sqlite("settle"))?.is_some() {}
            first
        };
        match (updated, attempt) {
            (Some((_, Some(true))), Attempt::Satisfied) => return Ok(Settlement::Spent),
            (Some((Some(failures), Some(false))), Attempt::Rejected) => {
                return Ok(Settlement::Counted { failures })
            }
            (Some(_), _) => return Err(self.corrupt()),
            (None, _) => {}
        }
        // No row was updated: the request is unknown, or in one of its final
        // states, which a read tells apart.
        let Some(r) = self.select(conn, nonce)? else {
            return Ok(Settlement::Unknown);
        };
        // Open now, so recorded after the update ran: unknown then, and
        // nothing was recorded for this attempt.
        Ok(r.refusal(now).unwrap_or(Settlement::Unknown))
    }

    /// The transaction of the one row `sql` selects (the columns of
    /// [`TRANSACTION_COLUMNS`]), if any, with its request decoded and
    /// checked against the row when `with_request` (a status read needs
    /// only the transaction, and skips the decoding).
    fn select_transaction(
        &self,
        sql: &str,
        params: &[(&str, &dyn rusqlite::ToSql)],
        with_request: bool,
    ) -> Result<Option<(Option<ProofRequest>, Transaction)>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(sql).map_err(self.sqlite("read"))?;
        let mut rows = stmt.query(params).map_err(self.sqlite("read"))?;
        let Some(row) = rows.next().map_err(self.sqlite("read"))? else {
            return Ok(None);
        };
        let found = (|| {
            let record = record_of(row)?;
            let nonce: [u8; 32] = blob_column(row, 6)?.try_into().ok()?;
            let answered_at = match row.get_ref(8).ok()? {
                ValueRef::Null => None,
                ValueRef::Integer(t) => Some(u64::try_from(t).ok()?),
                _ => return None,
            };
            let verdict = match row.get_ref(9).ok()? {
                ValueRef::Null => None,
                ValueRef::Text(t) => Some(String::from_utf8(t.to_vec()).ok()?),
                _ => return None,
            };
            let bytes = blob_column(row, 10)?;
            let request = match with_request {
                true => {
                    let request = ProofRequest::from_bytes(bytes).ok()?;
                    if request.nonce() != &nonce || request.digest() != record.terms.digest {
                        return None;
                    }
                    Some(request)
                }
                false => None,
            };
            let transaction = Transaction {
                nonce,
                record,
                cancelled: flag_column(row, 7)?,
                answered_at,
                verdict,
            };
            Some((request, transaction))
        })();
        found.map(Some).ok_or_else(|| self.corrupt())
    }

    /// The record of `nonce`, read on `conn`.
    fn select(
        &self,
        conn: &Connection,
        nonce: &[u8; 32],
    ) -> Result<Option<RequestRecord>, StoreError> {
        let mut stmt = conn.prepare_cached(SELECT).map_err(self.sqlite("read"))?;
        let mut rows = stmt
            .query(named_params! {":nonce": &nonce[..]})
            .map_err(self.sqlite("read"))?;
        let Some(row) = rows.next().map_err(self.sqlite("read"))? else {
            return Ok(None);
        };
        record_of(row).map(Some).ok_or_else(|| self.corrupt())
    }
}

impl NonceStore for SqliteNonceStore {
    fn record(&self, request: &ProofRequest, terms: &RequestTerms) -> Result<(), StoreError> {
        self.insert(request, terms, None)
    }

    fn lookup(&self, nonce: &[u8; 32]) -> Result<Option<RequestRecord>, StoreError> {
        let conn = self.reader();
        self.select(&conn, nonce)
    }

    fn settle(
        &self,
        nonce: &[u8; 32],
        attempt: Attempt,
        now: u64,
    ) -> Result<Settlement, StoreError> {
        let conn = self.lock();
        self.settle_on(&conn, nonce, attempt, now, None)
    }

    fn settle_batch(
        &self,
        attempts: &[Settling<'_>],
        now: u64,
    ) -> Result<Vec<Settlement>, StoreError> {
        let verdicts = attempts
            .iter()
            .map(|a| serde_json::to_string(a.verdict))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        let mut conn = self.lock();
        // One transaction, one commit (and one fsync) for the whole batch.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.sqlite("settle"))?;
        let settled = attempts
            .iter()
            .zip(&verdicts)
            .map(|(a, verdict)| self.settle_on(&tx, a.nonce, a.attempt, now, Some(verdict)))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(self.sqlite("settle"))?;
        Ok(settled)
    }
}

impl TransactionStore for SqliteNonceStore {
    fn create(
        &self,
        tx: &TxHash,
        request: &ProofRequest,
        terms: &RequestTerms,
    ) -> Result<(), StoreError> {
        self.insert(request, terms, Some(tx))
    }

    fn request(&self, nonce: &[u8; 32]) -> Result<Option<(ProofRequest, Transaction)>, StoreError> {
        let sql =
            format!("SELECT {TRANSACTION_COLUMNS} FROM credence_requests WHERE nonce = :nonce");
        match self.select_transaction(&sql, named_params! {":nonce": &nonce[..]}, true)? {
            Some((Some(request), t)) => Ok(Some((request, t))),
            Some((None, _)) => Err(self.corrupt()),
            None => Ok(None),
        }
    }

    fn transaction(&self, tx: &TxHash) -> Result<Option<Transaction>, StoreError> {
        let sql =
            format!("SELECT {TRANSACTION_COLUMNS} FROM credence_requests WHERE tx_hash = :tx");
        Ok(self
            .select_transaction(&sql, named_params! {":tx": &tx[..]}, false)?
            .map(|(_, t)| t))
    }

    fn cancel(&self, tx: &TxHash, now: u64) -> Result<bool, StoreError> {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(CANCEL).map_err(self.sqlite("cancel"))?;
        stmt.execute(named_params! {":tx": &tx[..], ":now": now})
            .map_err(self.sqlite("cancel"))?;
        let mut exists = conn
            .prepare_cached("SELECT 1 FROM credence_requests WHERE tx_hash = :tx")
            .map_err(self.sqlite("cancel"))?;
        exists
            .exists(named_params! {":tx": &tx[..]})
            .map_err(self.sqlite("cancel"))
    }

    fn purge(&self, before: u64) -> Result<usize, StoreError> {
        self.forget_expired(before)
    }

    fn ping(&self) -> Result<(), StoreError> {
        let conn = self.reader();
        conn.query_row("SELECT count(*) FROM credence_requests WHERE 0", [], |_| {
            Ok(())
        })
        .map_err(self.sqlite("read"))
    }
}

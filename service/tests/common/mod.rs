//! The nonce store suite (spec/wallet.md §8.2 step 5), generic over a
//! [`StoreFactory`], so that every store, in memory, in a directory, in
//! SQLite or on a database server, is held to the same rules.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use credence::fixtures::{a, date, World, UNTIL};
use credence::verifier::{
    Attempt, DirNonceStore, MemoryNonceStore, NonceStore, RequestRecord, RequestTerms, Settlement,
    Settling, StoreError,
};
use credence::wallet::Wallet;
use credence::{Predicate, ProofRequest, RaterDescriptor, Verdict};
use credence_verifier::{PgNonceStore, PgOptions, SqliteNonceStore, Transaction, TransactionStore};
use curve25519_dalek::ristretto::CompressedRistretto;

/// Opens handles on one fresh store.
pub trait StoreFactory {
    /// A handle.
    type Store: NonceStore + Send + Sync + 'static;
    /// A new handle on the same store, as another process would open it.
    fn open(&self) -> Self::Store;
}

/// Handles on one memory store.
pub struct Memory(Arc<MemoryNonceStore>);

impl Memory {
    pub fn new() -> Self {
        Memory(Arc::new(MemoryNonceStore::new()))
    }
}

impl StoreFactory for Memory {
    type Store = Arc<MemoryNonceStore>;
    fn open(&self) -> Self::Store {
        Arc::clone(&self.0)
    }
}

/// Directory stores on one fresh directory.
pub struct Dir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
}

impl Dir {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state");
        Dir { _tmp: tmp, path }
    }
}

impl StoreFactory for Dir {
    type Store = DirNonceStore;
    fn open(&self) -> Self::Store {
        DirNonceStore::new(&self.path)
    }
}

/// SQLite stores on one fresh file, each with its own connection.
pub struct Sqlite {
    _tmp: tempfile::TempDir,
    pub path: PathBuf,
}

impl Sqlite {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("verifier.sqlite");
        Sqlite { _tmp: tmp, path }
    }
}

impl StoreFactory for Sqlite {
    type Store = SqliteNonceStore;
    fn open(&self) -> Self::Store {
        SqliteNonceStore::open(&self.path).unwrap()
    }
}

/// The environment variable naming the PostgreSQL server the PostgreSQL
/// tests use (any database on it: each factory makes a schema of its own).
pub const POSTGRES_ENV: &str = "CREDENCE_TEST_POSTGRES";

/// The URL of the PostgreSQL server for the tests, from [`POSTGRES_ENV`].
/// Without it, a test says on stderr that it was skipped and gets `None`;
/// but under CI (the variable `CI` set) it fails: CI must never skip the
/// PostgreSQL tests silently.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{POSTGRES_ENV} is not set, and CI is: CI must run the PostgreSQL tests \
             (.ci/run starts a server and sets it)"
        ),
        _ => {
            // Straight to stderr, past the test harness's capture, so that
            // the skip shows in every run.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: set {POSTGRES_ENV} (a PostgreSQL server's URL, such as \
                 postgres://postgres@127.0.0.1:55432/postgres) to run the PostgreSQL tests"
            );
            None
        }
    }
}

/// Runs `sql` (one or more statements) on the database at `url`, on a
/// connection of its own.
pub fn pg_execute(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    pg_query(url, sql).map(|_| ())
}

/// Runs `sql` on the database at `url`; returns the first column of each
/// row of its last result, as text.
pub fn pg_query(url: &str, sql: &str) -> Result<Vec<Option<String>>, tokio_postgres::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        let driver = tokio::spawn(connection);
        let mut values = Vec::new();
        for m in client.simple_query(sql).await? {
            match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => {
                    values.push(row.get(0).map(str::to_owned))
                }
                tokio_postgres::SimpleQueryMessage::CommandComplete(_) => {}
                _ => {}
            }
        }
        drop(client);
        let _ = driver.await;
        Ok(values)
    })
}

/// PostgreSQL stores in one fresh schema on the server of [`POSTGRES_ENV`],
/// each handle with its own pool; the schema is dropped with the factory.
pub struct Postgres {
    /// The server's URL, as given.
    pub admin_url: String,
    /// The factory's schema.
    pub schema: String,
    /// The URL that puts the schema first in the connections' search path.
    pub url: String,
}

impl Postgres {
    /// A fresh schema, or `None` (the test is skipped) when no server is
    /// configured.
    pub fn new() -> Option<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let admin_url = postgres_url()?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let schema = format!(
            "credence_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        pg_execute(&admin_url, &format!("CREATE SCHEMA {schema}")).unwrap();
        let url = with_search_path(&admin_url, &schema);
        Some(Postgres {
            admin_url,
            schema,
            url,
        })
    }

    /// A handle with `options`.
    pub fn open_with(&self, options: &PgOptions) -> Result<PgNonceStore, StoreError> {
        PgNonceStore::connect_with(&self.url, options)
    }

    /// Runs `sql` in the factory's schema.
    pub fn execute(&self, sql: &str) {
        pg_execute(&self.url, sql).unwrap()
    }

    /// Runs `sql` in the factory's schema; the first column of its rows.
    pub fn query(&self, sql: &str) -> Vec<Option<String>> {
        pg_query(&self.url, sql).unwrap()
    }
}

/// `url` with `schema` as the connections' search path.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg_execute(
            &self.admin_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema),
        );
    }
}

impl StoreFactory for Postgres {
    type Store = PgNonceStore;
    fn open(&self) -> Self::Store {
        let mut options = PgOptions::default();
        options.pool_size = 2;
        self.open_with(&options).unwrap()
    }
}

/// An arbitrary time, in seconds since 1970.
pub const T0: u64 = 1_800_000_000;
/// The lifetime of the suite's requests.
pub const LIFETIME: u64 = 600;

/// A request with nonce `[n; 32]`.
pub fn request(n: u8) -> ProofRequest {
    World::new()
        .request(vec![Predicate::at_least(a("bank.liquidity_eur"), 5000)])
        .build_with_nonce([n; 32])
        .unwrap()
}

pub fn terms(request: &ProofRequest, max_failures: u32) -> RequestTerms {
    RequestTerms {
        digest: request.digest(),
        issued_at: T0,
        expires_at: T0 + LIFETIME,
        max_failures,
    }
}

/// Records request `n` with `max_failures` in `store`; returns its nonce.
pub fn recorded(store: &impl NonceStore, n: u8, max_failures: u32) -> [u8; 32] {
    let r = request(n);
    store.record(&r, &terms(&r, max_failures)).unwrap();
    *r.nonce()
}

fn state(store: &impl NonceStore, nonce: &[u8; 32]) -> (u32, bool) {
    let r = store.lookup(nonce).unwrap().expect("recorded");
    (r.failures, r.spent)
}

const NOW: u64 = T0 + 1;

pub fn records_and_looks_up(f: impl StoreFactory) {
    let (s, other) = (f.open(), f.open());
    let r = request(1);
    s.record(&r, &terms(&r, 5)).unwrap();
    let expected = RequestRecord {
        terms: terms(&r, 5),
        failures: 0,
        spent: false,
    };
    assert_eq!(s.lookup(r.nonce()).unwrap(), Some(expected.clone()));
    assert_eq!(other.lookup(r.nonce()).unwrap(), Some(expected.clone()));
    // A nonce is recorded once; nothing is overwritten.
    let mut changed = terms(&r, 1);
    changed.expires_at += 1;
    assert!(matches!(
        other.record(&r, &changed),
        Err(StoreError::NonceExists)
    ));
    assert_eq!(s.lookup(r.nonce()).unwrap(), Some(expected));
    assert_eq!(s.lookup(&[2; 32]).unwrap(), None);
}

pub fn a_satisfied_attempt_spends_once(f: impl StoreFactory) {
    let (s, other) = (f.open(), f.open());
    let n = recorded(&s, 1, 5);
    assert_eq!(
        s.settle(&n, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Spent
    );
    assert_eq!(state(&other, &n), (0, true));
    // A replay, through this handle or another, satisfied or not, records
    // nothing.
    assert_eq!(
        s.settle(&n, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Replayed
    );
    assert_eq!(
        other.settle(&n, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Replayed
    );
    assert_eq!(
        other.settle(&n, Attempt::Rejected, NOW).unwrap(),
        Settlement::Replayed
    );
    assert_eq!(state(&s, &n), (0, true));
}

pub fn an_unknown_nonce_is_refused(f: impl StoreFactory) {
    let s = f.open();
    recorded(&s, 1, 5);
    for attempt in [Attempt::Satisfied, Attempt::Rejected] {
        assert_eq!(
            s.settle(&[9; 32], attempt, NOW).unwrap(),
            Settlement::Unknown
        );
    }
    assert_eq!(s.lookup(&[9; 32]).unwrap(), None);
}

pub fn an_expired_request_takes_nothing(f: impl StoreFactory) {
    let s = f.open();
    let n = recorded(&s, 1, 5);
    let expiry = T0 + LIFETIME;
    for now in [expiry, expiry + 1, u64::MAX] {
        for attempt in [Attempt::Satisfied, Attempt::Rejected] {
            assert_eq!(s.settle(&n, attempt, now).unwrap(), Settlement::Expired);
        }
    }
    assert_eq!(state(&s, &n), (0, false));
    // One second before the end it is still open.
    assert_eq!(
        s.settle(&n, Attempt::Satisfied, expiry - 1).unwrap(),
        Settlement::Spent
    );
}

pub fn a_rejected_attempt_is_counted_and_spends_nothing(f: impl StoreFactory) {
    let (s, other) = (f.open(), f.open());
    let n = recorded(&s, 1, 5);
    assert_eq!(
        s.settle(&n, Attempt::Rejected, NOW).unwrap(),
        Settlement::Counted { failures: 1 }
    );
    assert_eq!(
        other.settle(&n, Attempt::Rejected, NOW).unwrap(),
        Settlement::Counted { failures: 2 }
    );
    assert_eq!(state(&s, &n), (2, false));
    assert_eq!(
        other.settle(&n, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Spent
    );
    assert_eq!(state(&s, &n), (2, true));
}

pub fn the_attempt_cap_closes_the_request(f: impl StoreFactory) {
    let s = f.open();
    let n = recorded(&s, 1, 3);
    for k in 1..=3 {
        assert_eq!(
            s.settle(&n, Attempt::Rejected, NOW).unwrap(),
            Settlement::Counted { failures: k }
        );
    }
    for attempt in [Attempt::Rejected, Attempt::Satisfied] {
        assert_eq!(s.settle(&n, attempt, NOW).unwrap(), Settlement::Closed);
    }
    assert_eq!(state(&s, &n), (3, false));
    // A request that takes no rejection is closed from the start.
    let z = recorded(&s, 2, 0);
    assert_eq!(
        s.settle(&z, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Closed
    );
    assert_eq!(state(&s, &z), (0, false));
}

pub fn final_states_keep_their_precedence(f: impl StoreFactory) {
    let s = f.open();
    let late = T0 + LIFETIME;
    // Spent before expired.
    let spent = recorded(&s, 1, 1);
    assert_eq!(
        s.settle(&spent, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Spent
    );
    assert_eq!(
        s.settle(&spent, Attempt::Satisfied, late).unwrap(),
        Settlement::Replayed
    );
    // Expired before closed.
    let closed = recorded(&s, 2, 1);
    assert_eq!(
        s.settle(&closed, Attempt::Rejected, NOW).unwrap(),
        Settlement::Counted { failures: 1 }
    );
    assert_eq!(
        s.settle(&closed, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Closed
    );
    assert_eq!(
        s.settle(&closed, Attempt::Satisfied, late).unwrap(),
        Settlement::Expired
    );
}

/// Runs `attempt` on request `n` from `threads` threads at once, each with
/// its own handle; returns the settlements.
fn race(f: &impl StoreFactory, n: &[u8; 32], threads: usize, attempt: Attempt) -> Vec<Settlement> {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let store = f.open();
            let barrier = Arc::clone(&barrier);
            let n = *n;
            std::thread::spawn(move || {
                barrier.wait();
                store.settle(&n, attempt, NOW).unwrap()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

pub fn racing_settlers_spend_a_nonce_once(f: impl StoreFactory) {
    let n = recorded(&f.open(), 1, 5);
    let outcomes = race(&f, &n, 16, Attempt::Satisfied);
    let spent = outcomes.iter().filter(|&&o| o == Settlement::Spent).count();
    let replayed = outcomes
        .iter()
        .filter(|&&o| o == Settlement::Replayed)
        .count();
    assert_eq!((spent, replayed), (1, 15), "{outcomes:?}");
    assert_eq!(state(&f.open(), &n), (0, true));
}

pub fn racing_rejections_are_each_counted_once(f: impl StoreFactory) {
    let n = recorded(&f.open(), 1, 10);
    let outcomes = race(&f, &n, 16, Attempt::Rejected);
    let mut counts: Vec<u32> = outcomes
        .iter()
        .filter_map(|o| match o {
            Settlement::Counted { failures } => Some(*failures),
            _ => None,
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<_>>(), "{outcomes:?}");
    let closed = outcomes
        .iter()
        .filter(|&&o| o == Settlement::Closed)
        .count();
    assert_eq!(closed, 6, "{outcomes:?}");
    assert_eq!(state(&f.open(), &n), (10, false));
}

/// For stores that outlive their handles: every handle is dropped, and a new
/// one finds every request and every decision.
pub fn a_reopened_store_keeps_everything(f: impl StoreFactory) {
    let (spent, counted, closed, open);
    {
        let s = f.open();
        spent = recorded(&s, 1, 5);
        counted = recorded(&s, 2, 5);
        closed = recorded(&s, 3, 1);
        open = recorded(&s, 4, 5);
        assert_eq!(
            s.settle(&spent, Attempt::Satisfied, NOW).unwrap(),
            Settlement::Spent
        );
        assert_eq!(
            s.settle(&counted, Attempt::Rejected, NOW).unwrap(),
            Settlement::Counted { failures: 1 }
        );
        assert_eq!(
            s.settle(&closed, Attempt::Rejected, NOW).unwrap(),
            Settlement::Counted { failures: 1 }
        );
    }
    let s = f.open();
    for (n, max, failures, is_spent) in [
        (spent, 5, 0, true),
        (counted, 5, 1, false),
        (closed, 1, 1, false),
        (open, 5, 0, false),
    ] {
        let r = request(n[0]);
        assert_eq!(
            s.lookup(&n).unwrap(),
            Some(RequestRecord {
                terms: terms(&r, max),
                failures,
                spent: is_spent,
            })
        );
    }
    assert_eq!(
        s.settle(&spent, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Replayed
    );
    assert_eq!(
        s.settle(&closed, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Closed
    );
    assert_eq!(
        s.settle(&counted, Attempt::Rejected, NOW).unwrap(),
        Settlement::Counted { failures: 2 }
    );
    assert!(matches!(
        s.record(&request(4), &terms(&request(4), 5)),
        Err(StoreError::NonceExists)
    ));
    assert_eq!(
        s.settle(&open, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Spent
    );
}

/// A wallet holding `count` single-use bank credentials of `w`.
pub fn wallet(w: &World, count: usize) -> Wallet {
    holder(w, count, 0).0
}

/// A wallet holding `bank` bank credentials (liquidity 12,000) and `court`
/// court credentials (no outstanding default) of `w`, valid until
/// [`UNTIL`]; the digests of its court credentials.
pub fn holder(w: &World, bank: usize, court: usize) -> (Wallet, Vec<CompressedRistretto>) {
    let until = date(UNTIL).days();
    let mut wallet = Wallet::generate();
    let bank_values = [
        ("liquidity_eur", 12_000),
        ("on_time_payments", 30),
        ("late_payments", 5),
        ("account_digest", 7),
        ("valid_until", until),
    ];
    let court_values = [("outstanding_defaults", 0), ("valid_until", until)];
    let mut digests = Vec::new();
    for (rater, values, count) in [
        (&w.bank, &bank_values[..], bank),
        (&w.court, &court_values[..], court),
    ] {
        if count == 0 {
            continue;
        }
        let descriptor = RaterDescriptor::new(rater.schema.clone(), rater.public());
        let request = wallet.request_issuance(&descriptor);
        let issued = rater
            .key
            .issue(&rater.schema, &request, values, count)
            .unwrap();
        if std::ptr::eq(rater, &w.court) {
            digests.extend(issued.iter().map(|i| *i.digest().unwrap().point()));
        }
        wallet.add(issued).unwrap();
    }
    (wallet, digests)
}

/// A satisfied verdict (a presentation for request 1, checked against it)
/// and a rejected one (the same presentation checked against request 2).
pub fn verdicts() -> &'static (Verdict, Verdict) {
    static VERDICTS: OnceLock<(Verdict, Verdict)> = OnceLock::new();
    VERDICTS.get_or_init(|| {
        let presentation = wallet(&World::new(), 1).prove(&request(1)).unwrap();
        let ok = presentation.verify(&request(1));
        let no = presentation.verify(&request(2));
        assert!(ok.is_satisfied() && !no.is_satisfied());
        (ok, no)
    })
}

/// A batch is settled in its order, each attempt as `settle` would: two
/// satisfying presentations for one request, the first spends the nonce and
/// the second is a replay; every recorded attempt is kept.
pub fn a_batch_settles_in_order(f: impl StoreFactory) {
    let (s, other) = (f.open(), f.open());
    let (ok, no) = verdicts();
    let one = recorded(&s, 1, 5);
    let two = recorded(&s, 2, 5);
    let closed = recorded(&s, 3, 0);
    let unknown = [9; 32];
    let batch = [
        (&one, Attempt::Satisfied, ok),
        (&two, Attempt::Rejected, no),
        (&one, Attempt::Satisfied, ok),
        (&unknown, Attempt::Satisfied, ok),
        (&closed, Attempt::Rejected, no),
        (&two, Attempt::Rejected, no),
        (&one, Attempt::Rejected, no),
    ];
    let settling: Vec<Settling<'_>> = batch
        .iter()
        .map(|&(nonce, attempt, verdict)| Settling {
            nonce,
            attempt,
            verdict,
        })
        .collect();
    assert_eq!(
        s.settle_batch(&settling, NOW).unwrap(),
        [
            Settlement::Spent,
            Settlement::Counted { failures: 1 },
            Settlement::Replayed,
            Settlement::Unknown,
            Settlement::Closed,
            Settlement::Counted { failures: 2 },
            Settlement::Replayed,
        ]
    );
    assert_eq!(state(&other, &one), (0, true));
    assert_eq!(state(&other, &two), (2, false));
    assert_eq!(state(&other, &closed), (0, false));
    assert_eq!(s.settle_batch(&[], NOW).unwrap(), []);
    // Expired: nothing recorded.
    assert_eq!(
        s.settle_batch(&settling[1..2], T0 + LIFETIME).unwrap(),
        [Settlement::Expired]
    );
    assert_eq!(state(&other, &two), (2, false));
}

/// Handles on one fresh [`TransactionStore`].
pub trait TransactionStoreFactory: StoreFactory<Store = Self::TxStore> {
    /// The store's type.
    type TxStore: TransactionStore;
}

impl<F: StoreFactory> TransactionStoreFactory for F
where
    F::Store: TransactionStore,
{
    type TxStore = F::Store;
}

/// A transaction hash for the tests.
pub fn tx(n: u8) -> [u8; 32] {
    [0x70 ^ n; 32]
}

/// Creates request `n` under transaction `tx(n)`; returns its nonce.
pub fn created(store: &impl TransactionStore, n: u8, max_failures: u32) -> [u8; 32] {
    let r = request(n);
    store.create(&tx(n), &r, &terms(&r, max_failures)).unwrap();
    *r.nonce()
}

fn transaction(store: &impl TransactionStore, n: u8) -> Transaction {
    store.transaction(&tx(n)).unwrap().expect("created")
}

/// A transaction is created with its request in one write, read back by its
/// nonce and by its hash, and never overwritten: a nonce or a hash already
/// recorded is refused.
pub fn transactions_are_created_and_read(f: impl TransactionStoreFactory) {
    let (s, other) = (f.open(), f.open());
    s.ping().unwrap();
    let n = created(&s, 1, 5);
    let expected = Transaction {
        nonce: n,
        record: RequestRecord {
            terms: terms(&request(1), 5),
            failures: 0,
            spent: false,
        },
        cancelled: false,
        answered_at: None,
        verdict: None,
    };
    let (r, t) = other.request(&n).unwrap().expect("created");
    assert_eq!(r.to_bytes(), request(1).to_bytes());
    assert_eq!(t, expected);
    assert_eq!(transaction(&other, 1), expected);
    assert_eq!(other.lookup(&n).unwrap(), Some(expected.record.clone()));
    assert!(s.request(&[9; 32]).unwrap().is_none());
    assert!(s.transaction(&tx(9)).unwrap().is_none());

    // The same hash for another request, or another hash for the same
    // request: refused, nothing written.
    let r2 = request(2);
    assert!(matches!(
        other.create(&tx(1), &r2, &terms(&r2, 5)),
        Err(StoreError::NonceExists)
    ));
    assert_eq!(s.lookup(r2.nonce()).unwrap(), None);
    let r1 = request(1);
    let mut changed = terms(&r1, 1);
    changed.expires_at += 1;
    assert!(matches!(
        other.create(&tx(2), &r1, &changed),
        Err(StoreError::NonceExists)
    ));
    assert!(s.transaction(&tx(2)).unwrap().is_none());
    assert_eq!(transaction(&s, 1), expected);
    // A request recorded without a transaction keeps its nonce too.
    let r3 = request(3);
    s.record(&r3, &terms(&r3, 5)).unwrap();
    assert!(matches!(
        s.create(&tx(3), &r3, &terms(&r3, 5)),
        Err(StoreError::NonceExists)
    ));
    assert!(s.transaction(&tx(3)).unwrap().is_none());
    let (_, t3) = s.request(r3.nonce()).unwrap().expect("recorded");
    assert_eq!(
        (t3.cancelled, t3.answered_at, t3.verdict),
        (false, None, None)
    );
}

/// The verdict of the last recorded attempt is kept with its time; once the
/// nonce is spent, the spending verdict stays.
pub fn verdicts_are_kept_with_the_transaction(f: impl TransactionStoreFactory) {
    let (s, other) = (f.open(), f.open());
    let (ok, no) = verdicts();
    let json = |v: &Verdict| Some(serde_json::to_string(v).unwrap());
    let n = created(&s, 1, 5);
    let settle = |attempt, verdict, now| {
        s.settle_batch(
            &[Settling {
                nonce: &n,
                attempt,
                verdict,
            }],
            now,
        )
        .unwrap()
    };
    assert_eq!(
        settle(Attempt::Rejected, no, NOW),
        [Settlement::Counted { failures: 1 }]
    );
    let t = transaction(&other, 1);
    assert_eq!((t.answered_at, t.verdict), (Some(NOW), json(no)));
    assert_eq!(settle(Attempt::Satisfied, ok, NOW + 1), [Settlement::Spent]);
    let t = transaction(&other, 1);
    assert_eq!(
        (t.answered_at, t.verdict.clone()),
        (Some(NOW + 1), json(ok))
    );
    assert_eq!((t.record.failures, t.record.spent), (1, true));
    // A replay records nothing.
    assert_eq!(
        settle(Attempt::Rejected, no, NOW + 2),
        [Settlement::Replayed]
    );
    assert_eq!(transaction(&other, 1), t);
    // `settle` records the time without a verdict.
    let m = created(&s, 2, 5);
    assert_eq!(
        s.settle(&m, Attempt::Rejected, NOW + 3).unwrap(),
        Settlement::Counted { failures: 1 }
    );
    let t = transaction(&other, 2);
    assert_eq!((t.answered_at, t.verdict), (Some(NOW + 3), None));
}

/// Cancelling ends a transaction's lifetime at once, unless its nonce is
/// spent; an unknown transaction is not found.
pub fn cancelling_ends_a_transaction(f: impl TransactionStoreFactory) {
    let (s, other) = (f.open(), f.open());
    let n = created(&s, 1, 5);
    assert!(other.cancel(&tx(1), NOW).unwrap());
    let t = transaction(&s, 1);
    assert!(t.cancelled);
    assert_eq!(t.record.terms.expires_at, NOW);
    assert_eq!(
        s.settle(&n, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Expired
    );
    // Cancelling again, later, keeps the earlier end.
    assert!(s.cancel(&tx(1), NOW + 5).unwrap());
    assert_eq!(transaction(&s, 1).record.terms.expires_at, NOW);
    // A spent transaction is unchanged.
    let m = created(&s, 2, 5);
    assert_eq!(
        s.settle(&m, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Spent
    );
    let before = transaction(&s, 2);
    assert!(s.cancel(&tx(2), NOW).unwrap());
    assert_eq!(transaction(&s, 2), before);
    assert!(!before.cancelled);
    assert!(!s.cancel(&tx(9), NOW).unwrap());
}

/// Purging forgets the transactions whose lifetime ended, cancelled ones
/// included, and nothing else.
pub fn purging_forgets_ended_transactions(f: impl TransactionStoreFactory) {
    let s = f.open();
    let open = created(&s, 1, 5);
    let cancelled = created(&s, 2, 5);
    assert!(s.cancel(&tx(2), NOW).unwrap());
    assert_eq!(s.purge(NOW - 1).unwrap(), 0);
    assert_eq!(s.purge(NOW).unwrap(), 1);
    assert!(s.transaction(&tx(2)).unwrap().is_none());
    assert!(s.request(&cancelled).unwrap().is_none());
    assert_eq!(
        s.settle(&cancelled, Attempt::Satisfied, NOW).unwrap(),
        Settlement::Unknown
    );
    assert_eq!(s.purge(T0 + LIFETIME - 1).unwrap(), 0);
    assert!(s.transaction(&tx(1)).unwrap().is_some());
    assert_eq!(s.purge(u64::MAX).unwrap(), 1);
    assert_eq!(s.lookup(&open).unwrap(), None);
    assert_eq!(s.purge(u64::MAX).unwrap(), 0);
}

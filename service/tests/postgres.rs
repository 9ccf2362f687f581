//! What only the PostgreSQL store has: its schema and migrations
//! (spec/wallet.md §8.6), rows it cannot trust, group commit, a server that
//! goes away and comes back, and errors that keep the password to
//! themselves.
//!
//! These tests need a server: set `CREDENCE_TEST_POSTGRES` to its URL (each
//! test makes a schema of its own there). Without it they say on stderr that
//! they were skipped, except under CI, where they fail.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::*;
use credence::verifier::{Attempt, NonceStore, Settlement, Settling, StoreError};
use credence_verifier::{
    PgNonceStore, PgOptions, PostgresError, TransactionStore, PG_SCHEMA_VERSION,
};

fn backend(e: StoreError) -> PostgresError {
    match e {
        StoreError::Backend(e) => *e.downcast::<PostgresError>().expect("a PostgresError"),
        other => panic!("not a backend error: {other:?}"),
    }
}

/// Drops every check constraint of the table, so that rows no store writes
/// can be made.
const DROP_CHECKS: &str = "DO $$
    DECLARE c text;
    BEGIN
        FOR c IN SELECT conname FROM pg_constraint
                  WHERE conrelid = 'credence_requests'::regclass AND contype = 'c'
        LOOP
            EXECUTE format('ALTER TABLE credence_requests DROP CONSTRAINT %I', c);
        END LOOP;
    END $$";

#[test]
fn the_tables_are_in_the_search_path_schema_at_the_current_version() {
    let Some(f) = Postgres::new() else { return };
    let s = f.open();
    recorded(&s, 1, 5);
    let version = f.query("SELECT version FROM credence_schema_version");
    assert_eq!(version, [Some(PG_SCHEMA_VERSION.to_string())]);
    let tables = f.query(&format!(
        "SELECT table_name FROM information_schema.tables
          WHERE table_schema = '{}' ORDER BY table_name",
        f.schema
    ));
    assert_eq!(
        tables,
        [
            Some("credence_requests".to_owned()),
            Some("credence_schema_version".to_owned())
        ]
    );
    // Connecting again migrates nothing and keeps the row.
    drop(s);
    assert!(f.open().lookup(&[1; 32]).unwrap().is_some());
    assert_eq!(
        f.query("SELECT count(*) FROM credence_schema_version"),
        [Some("1".to_owned())]
    );
}

#[test]
fn instances_starting_together_migrate_once() {
    const STARTS: usize = 8;
    let Some(f) = Postgres::new() else { return };
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(STARTS));
    let handles: Vec<_> = (0..STARTS)
        .map(|_| {
            let (f, barrier) = (Arc::clone(&f), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                f.open()
            })
        })
        .collect();
    let stores: Vec<PgNonceStore> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    recorded(&stores[0], 1, 5);
    assert!(stores[STARTS - 1].lookup(&[1; 32]).unwrap().is_some());
    assert_eq!(
        f.query("SELECT version FROM credence_schema_version"),
        [Some(PG_SCHEMA_VERSION.to_string())]
    );
}

#[test]
fn a_database_of_the_first_version_is_migrated_and_keeps_its_rows() {
    let Some(f) = Postgres::new() else { return };
    let n = recorded(&f.open(), 1, 5);
    // Back to version 1: the table as it was before transactions.
    f.execute(
        "ALTER TABLE credence_requests
             DROP COLUMN tx_hash, DROP COLUMN cancelled,
             DROP COLUMN answered_at, DROP COLUMN verdict;
         UPDATE credence_schema_version SET version = 1",
    );
    let s = f.open();
    assert_eq!(
        f.query("SELECT version FROM credence_schema_version"),
        [Some(PG_SCHEMA_VERSION.to_string())]
    );
    let (_, t) = s.request(&n).unwrap().expect("kept");
    assert_eq!((t.cancelled, t.answered_at, t.verdict), (false, None, None));
    assert_eq!(
        s.settle(&n, Attempt::Satisfied, T0 + 1).unwrap(),
        Settlement::Spent
    );
    created(&s, 2, 5);
}

#[test]
fn a_newer_schema_version_is_refused() {
    let Some(f) = Postgres::new() else { return };
    drop(f.open());
    f.execute(&format!(
        "UPDATE credence_schema_version SET version = {}",
        PG_SCHEMA_VERSION + 1
    ));
    let e = backend(f.open_with(&PgOptions::default()).unwrap_err());
    assert!(
        matches!(e, PostgresError::SchemaVersion { found, .. } if found == i64::from(PG_SCHEMA_VERSION) + 1),
        "{e}"
    );
    assert!(e.to_string().contains("schema version"), "{e}");
}

#[test]
fn the_request_is_kept_in_canonical_bytes() {
    let Some(f) = Postgres::new() else { return };
    let s = f.open();
    let n = created(&s, 3, 5);
    let (back, _) = s.request(&n).unwrap().expect("created");
    assert_eq!(back.to_bytes(), request(3).to_bytes());
    let stored = f.query("SELECT encode(request, 'hex') FROM credence_requests");
    assert_eq!(stored, [Some(hex(&request(3).to_bytes()))]);
    let hash = f.query("SELECT encode(tx_hash, 'hex') FROM credence_requests");
    assert_eq!(hash, [Some(hex(&tx(3)))]);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn times_beyond_the_store_range_are_refused_or_decided() {
    let Some(f) = Postgres::new() else { return };
    let s = f.open();
    let r = request(1);
    let mut t = terms(&r, 5);
    t.expires_at = u64::MAX;
    let e = backend(s.record(&r, &t).unwrap_err());
    assert!(
        matches!(e, PostgresError::OutOfRange { what: "expires_at" }),
        "{e}"
    );
    let e = backend(s.create(&tx(1), &r, &t).unwrap_err());
    assert!(
        matches!(e, PostgresError::OutOfRange { what: "expires_at" }),
        "{e}"
    );
    assert_eq!(s.lookup(r.nonce()).unwrap(), None);
    t.expires_at = i64::MAX as u64;
    s.record(&r, &t).unwrap();
    assert_eq!(
        s.settle(r.nonce(), Attempt::Satisfied, u64::MAX).unwrap(),
        Settlement::Expired
    );
    assert_eq!(
        s.settle(r.nonce(), Attempt::Satisfied, i64::MAX as u64 - 1)
            .unwrap(),
        Settlement::Spent
    );
}

/// Rows written by something else, with values no store writes: each read or
/// settle says the store is corrupt, and none panics.
#[test]
fn out_of_range_rows_are_corrupt() {
    let updates = [
        "UPDATE credence_requests SET failures = -1, max_failures = -1",
        "UPDATE credence_requests SET failures = 4294967296, max_failures = 4294967297",
        "UPDATE credence_requests SET max_failures = -3",
        "UPDATE credence_requests SET issued_at = -1",
        "UPDATE credence_requests SET expires_at = -1",
        "UPDATE credence_requests SET digest = '\\x0102'",
        "ALTER TABLE credence_requests ALTER COLUMN spent DROP NOT NULL;
         UPDATE credence_requests SET spent = NULL",
        "UPDATE credence_requests SET answered_at = -5",
        "UPDATE credence_requests SET request = '\\x00'",
        "UPDATE credence_requests SET digest = '\\x0000000000000000000000000000000000000000000000000000000000000000'",
    ];
    for (i, sql) in updates.iter().enumerate() {
        let Some(f) = Postgres::new() else { return };
        let s = f.open();
        let n = created(&s, 1, 5);
        f.execute(DROP_CHECKS);
        f.execute(sql);
        let corrupt = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Corrupt { .. }));
        assert!(corrupt(s.request(&n).map(|_| ())), "{sql}");
        assert!(corrupt(s.transaction(&tx(1)).map(|_| ())), "{sql}");
        // The last three damage only what the transaction adds.
        if i < updates.len() - 3 {
            assert!(corrupt(s.lookup(&n).map(|_| ())), "{sql}");
            assert!(
                corrupt(s.settle(&n, Attempt::Rejected, u64::MAX).map(|_| ())),
                "{sql}"
            );
        }
    }
}

/// A batch is one transaction: when one of its attempts fails, none of them
/// is recorded.
#[test]
fn a_batch_is_committed_together_or_not_at_all() {
    let Some(f) = Postgres::new() else { return };
    let s = f.open();
    let (ok, no) = verdicts();
    let good = recorded(&s, 1, 5);
    let bad = recorded(&s, 2, 5);
    assert!(good < bad);
    f.execute(DROP_CHECKS);
    f.execute(&format!(
        "UPDATE credence_requests SET max_failures = -3 WHERE nonce = '\\x{}'",
        hex(&bad)
    ));
    let batch = [
        Settling {
            nonce: &good,
            attempt: Attempt::Satisfied,
            verdict: ok,
        },
        Settling {
            nonce: &bad,
            attempt: Attempt::Rejected,
            verdict: no,
        },
    ];
    assert!(matches!(
        s.settle_batch(&batch, T0 + 1),
        Err(StoreError::Corrupt { .. })
    ));
    let record = s.lookup(&good).unwrap().unwrap();
    assert_eq!((record.failures, record.spent), (0, false));
    assert_eq!(
        f.query("SELECT count(*) FROM credence_requests WHERE answered_at IS NOT NULL"),
        [Some("0".to_owned())]
    );
    assert_eq!(
        s.settle_batch(&batch[..1], T0 + 1).unwrap(),
        [Settlement::Spent]
    );
}

/// Batches on the same nonces in opposite orders, from many threads at
/// once: none deadlocks, and each nonce is spent once.
#[test]
fn racing_batches_spend_each_nonce_once() {
    const THREADS: usize = 8;
    let Some(f) = Postgres::new() else { return };
    let nonces: Vec<[u8; 32]> = (1..=4).map(|n| recorded(&f.open(), n, 5)).collect();
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let store = f.open();
            let barrier = Arc::clone(&barrier);
            let mut order = nonces.clone();
            if i % 2 == 1 {
                order.reverse();
            }
            std::thread::spawn(move || {
                let (ok, _) = verdicts();
                let batch: Vec<Settling<'_>> = order
                    .iter()
                    .map(|nonce| Settling {
                        nonce,
                        attempt: Attempt::Satisfied,
                        verdict: ok,
                    })
                    .collect();
                barrier.wait();
                let settled = store.settle_batch(&batch, T0 + 1).unwrap();
                order.into_iter().zip(settled).collect::<Vec<_>>()
            })
        })
        .collect();
    let outcomes: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    for nonce in &nonces {
        let spent = outcomes
            .iter()
            .filter(|(n, s)| n == nonce && *s == Settlement::Spent)
            .count();
        let replayed = outcomes
            .iter()
            .filter(|(n, s)| n == nonce && *s == Settlement::Replayed)
            .count();
        assert_eq!((spent, replayed), (1, THREADS - 1), "{outcomes:?}");
    }
}

/// The store works from the blocking threads of an async program.
#[test]
fn the_store_works_from_spawn_blocking() {
    let Some(f) = Postgres::new() else { return };
    let store = Arc::new(f.open());
    let n = recorded(&*store, 1, 5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let settled = runtime.block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let store = Arc::clone(&store);
                tokio::task::spawn_blocking(move || store.settle(&n, Attempt::Satisfied, T0 + 1))
            })
            .collect();
        let mut settled = Vec::new();
        for t in tasks {
            settled.push(t.await.unwrap().unwrap());
        }
        settled
    });
    assert_eq!(
        settled.iter().filter(|&&s| s == Settlement::Spent).count(),
        1,
        "{settled:?}"
    );
    // Dropping the store inside the async program does not panic.
    runtime.block_on(async move { drop(store) });
}

/// A server that is not there: an error, soon, and never the password.
#[test]
fn an_unreachable_server_fails_fast_without_telling_the_password() {
    // A port nothing listens on: bound, then closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://verifier:s3cret-pw@127.0.0.1:{port}/credence");
    let mut options = PgOptions::default();
    options.connect_timeout = Duration::from_millis(500);
    let start = Instant::now();
    let e = PgNonceStore::connect_with(&url, &options).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let message = format!("{e} {e:?}");
    assert!(!message.contains("s3cret"), "{message}");
    assert!(
        matches!(backend(e), PostgresError::Connection { .. }),
        "{message}"
    );
    for bad in [
        "postgres://verifier:s3cret-pw@127.0.0.1:notaport/credence",
        "postgres://verifier:s3cret-pw@/credence?host=/tmp",
        "host=127.0.0.1 password='s3cret-pw",
    ] {
        let e = PgNonceStore::connect_with(bad, &options).unwrap_err();
        let message = format!("{e} {e:?}");
        assert!(!message.contains("s3cret"), "{message}");
        assert!(matches!(e, StoreError::Backend(_)), "{message}");
    }
}

/// A TCP relay to the server that can be cut and restored, as a server
/// that goes down and comes back on the same address.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    accepter: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    /// A relay on `port` (0: any) to the server of `url`.
    fn start(port: u16, target: (String, u16)) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let streams = Arc::new(Mutex::new(Vec::new()));
        let accepter = {
            let (up, streams) = (Arc::clone(&up), Arc::clone(&streams));
            std::thread::spawn(move || {
                while up.load(Ordering::SeqCst) {
                    let Ok((client, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(2));
                        continue;
                    };
                    client.set_nonblocking(false).unwrap();
                    let Ok(server) = TcpStream::connect((target.0.as_str(), target.1)) else {
                        continue;
                    };
                    let mut all = streams.lock().unwrap();
                    for (from, to) in [(&client, &server), (&server, &client)] {
                        let (mut from, mut to) =
                            (from.try_clone().unwrap(), to.try_clone().unwrap());
                        std::thread::spawn(move || {
                            let mut buf = [0; 8192];
                            while let Ok(n @ 1..) = from.read(&mut buf) {
                                if to.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                            let _ = to.shutdown(Shutdown::Both);
                        });
                    }
                    all.extend([client, server]);
                }
            })
        };
        Relay {
            port,
            up,
            streams,
            accepter: Some(accepter),
        }
    }

    /// Closes the listener and cuts every connection.
    fn cut(mut self) -> u16 {
        self.up.store(false, Ordering::SeqCst);
        if let Some(a) = self.accepter.take() {
            a.join().unwrap();
        }
        for s in self.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        self.port
    }
}

/// The server goes away under a store and comes back: operations fail
/// with errors (never a panic, never a decision) while it is away, and the
/// store recovers by itself, every decision kept.
#[test]
fn the_store_recovers_when_the_server_comes_back() {
    let Some(f) = Postgres::new() else { return };
    let config: tokio_postgres::Config = f.url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        #[allow(unreachable_patterns)]
        _ => panic!("a TCP host"),
    };
    let target = (host, config.get_ports().first().copied().unwrap_or(5432));
    let relay = Relay::start(0, target.clone());
    let url = f
        .url
        .replacen(&format!(":{}/", target.1), &format!(":{}/", relay.port), 1);
    assert_ne!(url, f.url, "the URL names the port");
    let mut options = PgOptions::default();
    options.pool_size = 2;
    options.connect_timeout = Duration::from_millis(500);
    options.wait_timeout = Duration::from_millis(500);
    let s = PgNonceStore::connect_with(&url, &options).unwrap();
    let spent = created(&s, 1, 5);
    let open = created(&s, 2, 5);
    assert_eq!(
        s.settle(&spent, Attempt::Satisfied, T0 + 1).unwrap(),
        Settlement::Spent
    );
    s.ping().unwrap();

    let port = relay.cut();
    for _ in 0..3 {
        let start = Instant::now();
        assert!(matches!(s.ping(), Err(StoreError::Backend(_))));
        assert!(matches!(
            s.settle(&open, Attempt::Satisfied, T0 + 1),
            Err(StoreError::Backend(_))
        ));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    let relay = Relay::start(port, target);
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.ping().is_err() {
        assert!(Instant::now() < deadline, "the store did not recover");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        s.settle(&spent, Attempt::Satisfied, T0 + 1).unwrap(),
        Settlement::Replayed
    );
    assert_eq!(
        s.settle(&open, Attempt::Satisfied, T0 + 1).unwrap(),
        Settlement::Spent
    );
    drop(s);
    relay.cut();
}

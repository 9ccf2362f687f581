//! What only the SQLite store has: its file format (spec/wallet.md §8.4),
//! its schema version, rows it cannot trust, and times beyond its range.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use credence::verifier::{Attempt, NonceStore, Settlement, StoreError};
use credence_verifier::{SqliteError, SqliteNonceStore, TransactionStore, SCHEMA_VERSION};
use rusqlite::Connection;

fn backend(e: StoreError) -> SqliteError {
    match e {
        StoreError::Backend(e) => *e.downcast::<SqliteError>().expect("a SqliteError"),
        other => panic!("not a backend error: {other:?}"),
    }
}

#[test]
fn the_file_is_in_wal_mode_at_the_current_schema_version() {
    let f = Sqlite::new();
    let s = f.open();
    recorded(&s, 1, 5);
    let raw = Connection::open(&f.path).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let rows: i64 = raw
        .query_row("SELECT count(*) FROM credence_requests", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);
    // Opening it again migrates nothing and keeps the row.
    drop(s);
    assert!(f.open().lookup(&[1; 32]).unwrap().is_some());
}

#[test]
fn the_request_is_kept_in_canonical_bytes() {
    let f = Sqlite::new();
    let s = f.open();
    let n = recorded(&s, 3, 5);
    let (back, t) = TransactionStore::request(&s, &n)
        .unwrap()
        .expect("recorded");
    assert_eq!(back.to_bytes(), request(3).to_bytes());
    assert_eq!(t.nonce, n);
    assert!(TransactionStore::request(&s, &[4; 32]).unwrap().is_none());
}

#[test]
fn a_newer_schema_version_is_refused() {
    let f = Sqlite::new();
    drop(f.open());
    let raw = Connection::open(&f.path).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let e = backend(SqliteNonceStore::open(&f.path).unwrap_err());
    assert!(
        matches!(e, SqliteError::SchemaVersion { found, .. } if found == SCHEMA_VERSION + 1),
        "{e}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let f = Sqlite::new();
    std::fs::write(&f.path, vec![0x5a; 8192]).unwrap();
    let e = backend(SqliteNonceStore::open(&f.path).unwrap_err());
    assert!(matches!(e, SqliteError::Sqlite { .. }), "{e}");
    let missing = f.path.join("no-such-dir").join("db.sqlite");
    assert!(matches!(
        SqliteNonceStore::open(missing),
        Err(StoreError::Backend(_))
    ));
}

#[test]
fn times_beyond_the_store_range_are_refused_or_decided() {
    let f = Sqlite::new();
    let s = f.open();
    let r = request(1);
    let mut t = terms(&r, 5);
    t.expires_at = u64::MAX;
    let e = backend(s.record(&r, &t).unwrap_err());
    assert!(
        matches!(e, SqliteError::OutOfRange { what: "expires_at" }),
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
        "UPDATE credence_requests SET failures = -1",
        "UPDATE credence_requests SET failures = 4294967296, max_failures = 4294967297",
        "UPDATE credence_requests SET max_failures = -3",
        "UPDATE credence_requests SET spent = 7",
        "UPDATE credence_requests SET issued_at = -1",
        "UPDATE credence_requests SET expires_at = -1",
        "UPDATE credence_requests SET digest = x'0102'",
        "UPDATE credence_requests SET request = x'00', digest = zeroblob(32)",
    ];
    for (i, sql) in updates.iter().enumerate() {
        let f = Sqlite::new();
        let s = f.open();
        let n = recorded(&s, 1, 5);
        let raw = Connection::open(&f.path).unwrap();
        raw.pragma_update(None, "ignore_check_constraints", true)
            .unwrap();
        assert_eq!(raw.execute(sql, []).unwrap(), 1, "{sql}");
        let corrupt = |r: Result<_, StoreError>| matches!(r, Err(StoreError::Corrupt { .. }));
        if i == updates.len() - 1 {
            // Only the request bytes are damaged.
            assert!(
                corrupt(TransactionStore::request(&s, &n).map(|_| ())),
                "{sql}"
            );
        } else {
            assert!(corrupt(s.lookup(&n).map(|_| ())), "{sql}");
            assert!(
                corrupt(s.settle(&n, Attempt::Rejected, u64::MAX).map(|_| ())),
                "{sql}"
            );
        }
    }
}

#[test]
fn forgetting_expired_requests() {
    let f = Sqlite::new();
    let s = f.open();
    let n = recorded(&s, 1, 5);
    assert_eq!(s.forget_expired(T0 + LIFETIME - 1).unwrap(), 0);
    assert_eq!(s.forget_expired(T0 + LIFETIME).unwrap(), 1);
    assert_eq!(s.lookup(&n).unwrap(), None);
    assert_eq!(
        s.settle(&n, Attempt::Satisfied, T0).unwrap(),
        Settlement::Unknown
    );
}

/// Where a settler process finds the store's file.
const SETTLER_ENV: &str = "CREDENCE_TEST_SQLITE_SETTLER";
const SETTLERS: usize = 8;

/// The body of one process of `racing_processes_spend_a_nonce_once`, which
/// runs this test binary filtered to it: opens the store, says it is ready,
/// waits for the start, settles request 1 and prints the settlement.
#[test]
#[ignore = "run by racing_processes_spend_a_nonce_once in child processes"]
fn settler_process() {
    let path = std::env::var_os(SETTLER_ENV).expect("a store file, from the racing test");
    let path = std::path::PathBuf::from(path);
    let store = SqliteNonceStore::open(&path).unwrap();
    std::fs::write(
        path.with_extension(format!("ready.{}", std::process::id())),
        b"",
    )
    .unwrap();
    let go = path.with_extension("go");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !go.exists() {
        assert!(Instant::now() < deadline, "no start signal");
        std::thread::sleep(Duration::from_millis(1));
    }
    let outcome = store.settle(&[1; 32], Attempt::Satisfied, T0 + 1).unwrap();
    println!("settlement: {outcome:?}");
}

/// Processes, each with its own connection and file locks, race to settle
/// one nonce: exactly one spends it.
#[test]
fn racing_processes_spend_a_nonce_once() {
    let f = Sqlite::new();
    recorded(&f.open(), 1, 5);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..SETTLERS)
        .map(|_| {
            Command::new(&exe)
                .args(["settler_process", "--exact", "--ignored", "--nocapture"])
                .env(SETTLER_ENV, &f.path)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let dir = f.path.parent().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().contains(".ready.")
            })
            .count();
        if ready == SETTLERS {
            break;
        }
        assert!(Instant::now() < deadline, "{ready} settlers ready");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::write(f.path.with_extension("go"), b"").unwrap();
    let mut outcomes = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        outcomes.extend(
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix("settlement: "))
                .map(str::to_owned),
        );
    }
    let spent = outcomes.iter().filter(|o| *o == "Spent").count();
    let replayed = outcomes.iter().filter(|o| *o == "Replayed").count();
    assert_eq!((spent, replayed), (1, SETTLERS - 1), "{outcomes:?}");
    assert!(f.open().lookup(&[1; 32]).unwrap().unwrap().spent);
}

#[test]
fn a_version_1_file_is_migrated_keeping_its_requests() {
    let f = Sqlite::new();
    let s = f.open();
    let n = recorded(&s, 1, 5);
    assert_eq!(
        s.settle(&n, Attempt::Rejected, T0 + 1).unwrap(),
        Settlement::Counted { failures: 1 }
    );
    drop(s);
    // Take the file back to version 1: without the transaction columns.
    let raw = Connection::open(&f.path).unwrap();
    raw.execute_batch(
        "DROP INDEX credence_requests_tx_hash;
         ALTER TABLE credence_requests DROP COLUMN tx_hash;
         ALTER TABLE credence_requests DROP COLUMN cancelled;
         ALTER TABLE credence_requests DROP COLUMN answered_at;
         ALTER TABLE credence_requests DROP COLUMN verdict;
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(raw);
    let s = f.open();
    let record = s.lookup(&n).unwrap().expect("kept");
    assert_eq!((record.failures, record.spent), (1, false));
    let (_, t) = TransactionStore::request(&s, &n).unwrap().expect("kept");
    assert_eq!((t.cancelled, t.answered_at, t.verdict), (false, None, None));
    assert_eq!(
        s.settle(&n, Attempt::Satisfied, T0 + 2).unwrap(),
        Settlement::Spent
    );
}

#[test]
fn a_batch_is_settled_in_one_transaction_with_its_verdicts() {
    use credence::fixtures::World;
    use credence::verifier::Settling;
    let f = Sqlite::new();
    let s = f.open();
    let w = World::new();
    let r = request(1);
    s.create(&[9; 32], &r, &terms(&r, 5)).unwrap();
    let other = request(2);
    s.create(&[8; 32], &other, &terms(&other, 5)).unwrap();
    // Two presentations for `r` in one batch, and a rejected one for
    // `other`: real verdicts, so the stored JSON is the verdict's.
    let (link, creds) = w.subject(12_000, 0);
    let p =
        credence::Presentation::prove_with_rng(&r, &link, &creds, &mut credence::fixtures::rng(3))
            .unwrap();
    let good = p.verify(&r);
    let bad = p.verify(&other);
    assert!(good.is_satisfied() && !bad.is_satisfied());
    let attempts = [
        Settling {
            nonce: r.nonce(),
            attempt: Attempt::Satisfied,
            verdict: &good,
        },
        Settling {
            nonce: r.nonce(),
            attempt: Attempt::Satisfied,
            verdict: &good,
        },
        Settling {
            nonce: other.nonce(),
            attempt: Attempt::Rejected,
            verdict: &bad,
        },
        Settling {
            nonce: &[7; 32],
            attempt: Attempt::Rejected,
            verdict: &bad,
        },
    ];
    let settled = s.settle_batch(&attempts, T0 + 1).unwrap();
    assert_eq!(
        settled,
        [
            Settlement::Spent,
            Settlement::Replayed,
            Settlement::Counted { failures: 1 },
            Settlement::Unknown
        ]
    );
    let t = s.transaction(&[9; 32]).unwrap().expect("recorded");
    assert_eq!(t.nonce, *r.nonce());
    assert!(t.record.spent);
    assert_eq!(t.answered_at, Some(T0 + 1));
    assert_eq!(
        t.verdict.as_deref(),
        Some(serde_json::to_string(&good).unwrap().as_str())
    );
    let o = s.transaction(&[8; 32]).unwrap().expect("recorded");
    assert_eq!(
        o.verdict.as_deref(),
        Some(serde_json::to_string(&bad).unwrap().as_str())
    );
    // A transaction hash is unique, as a nonce is.
    let third = request(3);
    assert!(matches!(
        s.create(&[9; 32], &third, &terms(&third, 5)),
        Err(StoreError::NonceExists)
    ));
    assert!(s.lookup(third.nonce()).unwrap().is_none());
    // Cancelling: a spent transaction stays as it is; an open one ends now.
    assert!(s.cancel(&[9; 32], T0 + 2).unwrap());
    assert!(!s.transaction(&[9; 32]).unwrap().unwrap().cancelled);
    assert!(s.cancel(&[8; 32], T0 + 2).unwrap());
    let o = s.transaction(&[8; 32]).unwrap().unwrap();
    assert!(o.cancelled);
    assert_eq!(o.record.terms.expires_at, T0 + 2);
    assert_eq!(
        s.settle(other.nonce(), Attempt::Satisfied, T0 + 3).unwrap(),
        Settlement::Expired
    );
    assert!(!s.cancel(&[6; 32], T0 + 2).unwrap());
    // Purging forgets what ended, with its verdict.
    assert_eq!(s.purge(T0 + 2).unwrap(), 1);
    assert!(s.transaction(&[8; 32]).unwrap().is_none());
    assert!(s.transaction(&[9; 32]).unwrap().is_some());
    s.ping().unwrap();
}

#[test]
fn reads_go_on_while_a_write_of_the_same_handle_waits() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let f = Sqlite::new();
    let s = SqliteNonceStore::open_with_busy_timeout(&f.path, Duration::from_secs(30)).unwrap();
    let r = request(1);
    s.create(&[1; 32], &r, &terms(&r, 5)).unwrap();
    let n = *r.nonce();
    // Another connection takes the write lock and changes the row, without
    // committing yet.
    let mut other = Connection::open(&f.path).unwrap();
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    tx.execute("UPDATE credence_requests SET spent = 1", [])
        .unwrap();
    let settled = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // A write through the handle waits for that lock...
        let writer = scope.spawn(|| {
            let r = s.settle(&n, Attempt::Satisfied, T0 + 1);
            settled.store(true, Ordering::SeqCst);
            r
        });
        std::thread::sleep(Duration::from_millis(200));
        // ... and meanwhile the handle still reads, from what was committed.
        assert!(!s.lookup(&n).unwrap().expect("recorded").spent);
        let t = s.transaction(&[1; 32]).unwrap().expect("recorded");
        assert!(!t.record.spent);
        assert!(TransactionStore::request(&s, &n).unwrap().is_some());
        s.ping().unwrap();
        assert!(!settled.load(Ordering::SeqCst), "the write did not wait");
        // Once the change commits, the write goes on, and sees it.
        tx.commit().unwrap();
        assert_eq!(writer.join().unwrap().unwrap(), Settlement::Replayed);
    });
    assert!(s.lookup(&n).unwrap().expect("recorded").spent);
}

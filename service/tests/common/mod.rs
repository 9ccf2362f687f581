//! The nonce store suite (spec/wallet.md §8.2 step 5), generic over a
//! [`StoreFactory`], so that every store, in memory, in a directory, in
//! SQLite or on a database server, is held to the same rules.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use credence::fixtures::{a, World};
use credence::verifier::{
    Attempt, DirNonceStore, MemoryNonceStore, NonceStore, RequestRecord, RequestTerms, Settlement,
    StoreError,
};
use credence::{Predicate, ProofRequest};
use credence_verifier::SqliteNonceStore;

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

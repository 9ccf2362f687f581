//! The library's `Verifier` on the SQLite store, end to end: a wallet proves,
//! the verifier checks, a replay is refused, across threads and across a
//! restart on the same file.

mod common;

use std::sync::{Arc, Barrier};

use common::{wallet, Sqlite};
use credence::fixtures::{a, date, World, ON};
use credence::verifier::{NonceStore, Verifier};
use credence::{Predicate, ProofRequest, RaterDescriptor, Rejection};
use credence_verifier::SqliteNonceStore;

fn verifier(w: &World, store: SqliteNonceStore) -> Verifier<SqliteNonceStore> {
    let trusted = vec![RaterDescriptor::new(w.bank.schema.clone(), w.bank.public())];
    Verifier::new("consulate.example", trusted, store).unwrap()
}

fn ask(v: &Verifier<SqliteNonceStore>) -> ProofRequest {
    v.request(date(ON))
        .purpose("visa fast track")
        .predicate(Predicate::at_least(a("bank.liquidity_eur"), 5000))
        .issue()
        .unwrap()
}

#[test]
fn a_wallet_proves_once_and_a_replay_is_refused_after_a_restart() {
    let w = World::new();
    let f = Sqlite::new();
    let mut holder = wallet(&w, 3);
    let (first, other, presentation, stray);
    {
        let v = verifier(&w, SqliteNonceStore::open(&f.path).unwrap());
        first = ask(&v);
        other = ask(&v);
        presentation = holder.prove(&first).unwrap();
        stray = holder.prove(&other).unwrap();

        // A presentation made for another request is rejected and counted,
        // and spends nothing.
        let wrong = v.check(&first, &stray).unwrap();
        assert!(!wrong.is_satisfied(), "{wrong:?}");
        let record = v.store().lookup(first.nonce()).unwrap().unwrap();
        assert_eq!((record.failures, record.spent), (1, false));

        let verdict = v.check(&first, &presentation).unwrap();
        assert!(verdict.is_satisfied(), "{verdict:?}");
        let again = v.check(&first, &presentation).unwrap();
        assert_eq!(again.rejection(), Some(&Rejection::Replayed));
    }
    // The verifier restarts on the same file: the spent nonce stays spent,
    // and the other request can still be answered once.
    let v = verifier(&w, SqliteNonceStore::open(&f.path).unwrap());
    let replay = v.check(&first, &presentation).unwrap();
    assert_eq!(replay.rejection(), Some(&Rejection::Replayed));
    assert!(v.check(&other, &stray).unwrap().is_satisfied());
    let again = v.check(&other, &stray).unwrap();
    assert_eq!(again.rejection(), Some(&Rejection::Replayed));
}

#[test]
fn a_shared_verifier_accepts_a_presentation_once_across_threads() {
    const THREADS: usize = 8;
    let w = World::new();
    let f = Sqlite::new();
    let v = Arc::new(verifier(&w, SqliteNonceStore::open(&f.path).unwrap()));
    let request = Arc::new(ask(&v));
    let presentation = Arc::new(wallet(&w, 1).prove(&request).unwrap());
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (v, request, presentation, barrier) = (
                Arc::clone(&v),
                Arc::clone(&request),
                Arc::clone(&presentation),
                Arc::clone(&barrier),
            );
            std::thread::spawn(move || {
                barrier.wait();
                v.check(&request, &presentation).unwrap()
            })
        })
        .collect();
    let verdicts: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let satisfied = verdicts.iter().filter(|v| v.is_satisfied()).count();
    let replayed = verdicts
        .iter()
        .filter(|v| v.rejection() == Some(&Rejection::Replayed))
        .count();
    assert_eq!((satisfied, replayed), (1, THREADS - 1), "{verdicts:?}");
}

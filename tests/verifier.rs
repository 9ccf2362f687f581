//! The verifier role (spec/wallet.md §8): requests recorded in a nonce store,
//! spent only by a satisfying presentation, counted and capped otherwise,
//! with a lifetime; keys and schemas checked against the current trust list.
//! Every behaviour is checked on the in-memory store and the directory store.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use common::*;
use credence::verifier::{
    Attempt, DirNonceStore, MemoryNonceStore, NonceStore, Settlement, StoreError, Verifier,
    VerifierError,
};
use credence::*;

type Store = Box<dyn NonceStore + Send + Sync>;

const POLICY: &str = "bank.liquidity_eur >= 5000";

fn descriptors(w: &World) -> Vec<RaterDescriptor> {
    vec![
        RaterDescriptor::new(w.bank.schema.clone(), w.bank.public()),
        RaterDescriptor::new(w.court.schema.clone(), w.court.public()),
    ]
}

fn ask<S: NonceStore>(v: &Verifier<S>, policy: &str) -> ProofRequest {
    v.request(date("2027-03-01"))
        .purpose("test")
        .predicates(parse_policy(policy).unwrap())
        .issue()
        .unwrap()
}

/// A subject's presentation for `request`.
fn answer(w: &World, request: &ProofRequest) -> Presentation {
    let (link, creds) = w.subject(12_000, 0);
    Presentation::prove_with_rng(request, &link, &creds, &mut rng(9)).unwrap()
}

fn reason(v: &Verdict) -> Rejection {
    assert!(!v.is_satisfied(), "{v:?}");
    assert!(v.disclosed().is_empty());
    v.rejection().cloned().expect("a reason")
}

/// Runs `f` with two handles on one fresh store, for each kind of store: two
/// handles on one memory store, then two directory stores on one directory
/// (as two processes would open it).
fn each_store(f: impl Fn(Store, Store)) {
    let m = Arc::new(MemoryNonceStore::new());
    f(Box::new(Arc::clone(&m)), Box::new(m));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    f(
        Box::new(DirNonceStore::new(&state)),
        Box::new(DirNonceStore::new(&state)),
    );
}

fn verifier(w: &World, store: Store) -> Verifier<Store> {
    Verifier::new("consulate.example", descriptors(w), store).unwrap()
}

fn after(d: Duration) -> SystemTime {
    SystemTime::now() + d
}

#[test]
fn a_satisfying_presentation_spends_the_nonce_once() {
    let w = World::new();
    each_store(|store, shared| {
        let v = verifier(&w, store);
        let req = ask(&v, POLICY);
        let p = answer(&w, &req);
        let first = v.check(&req, &p).unwrap();
        assert!(first.is_satisfied(), "{first:?}");
        assert_eq!(first.statements().len(), 2);
        let record = v.store().lookup(req.nonce()).unwrap().unwrap();
        assert!(record.spent);
        assert_eq!(record.failures, 0);
        let again = v.check(&req, &p).unwrap();
        assert_eq!(reason(&again), Rejection::Replayed);
        // The replay keeps the request's statements.
        assert_eq!(again.statements(), first.statements());
        // Another handle on the same store (another process) sees it spent.
        let twin = verifier(&w, shared);
        assert_eq!(reason(&twin.check(&req, &p).unwrap()), Rejection::Replayed);
        // A verifier with another store never issued it.
        let other = verifier(&w, Box::new(MemoryNonceStore::new()));
        assert!(matches!(
            other.check(&req, &p),
            Err(VerifierError::UnknownRequest)
        ));
    });
}

#[test]
fn a_rejected_presentation_does_not_spend_the_nonce() {
    let w = World::new();
    each_store(|store, _| {
        let v = verifier(&w, store);
        let req = ask(&v, POLICY);
        let other = ask(&v, "court.outstanding_defaults == 0");
        let wrong = answer(&w, &other);
        let v1 = v.check(&req, &wrong).unwrap();
        assert_eq!(reason(&v1), Rejection::RequestMismatch);
        let record = v.store().lookup(req.nonce()).unwrap().unwrap();
        assert!(!record.spent);
        assert_eq!(record.failures, 1);
        // The right presentation is still accepted, and spends the nonce.
        let right = answer(&w, &req);
        assert!(v.check(&req, &right).unwrap().is_satisfied());
        assert_eq!(reason(&v.check(&req, &right).unwrap()), Rejection::Replayed);
        // Once spent, a rejected presentation is a replay too.
        assert_eq!(reason(&v.check(&req, &wrong).unwrap()), Rejection::Replayed);
        // The other request was untouched by all this.
        let o = v.store().lookup(other.nonce()).unwrap().unwrap();
        assert_eq!((o.spent, o.failures), (false, 0));
    });
}

#[test]
fn too_many_rejected_presentations_close_the_request() {
    let w = World::new();
    each_store(|store, _| {
        let v = verifier(&w, store).with_max_failures(3);
        let req = ask(&v, POLICY);
        let wrong = answer(&w, &ask(&v, "court.outstanding_defaults == 0"));
        for i in 1..=3 {
            let verdict = v.check(&req, &wrong).unwrap();
            assert_eq!(reason(&verdict), Rejection::RequestMismatch, "attempt {i}");
            let r = v.store().lookup(req.nonce()).unwrap().unwrap();
            assert_eq!(r.failures, i);
        }
        // Closed: even the right presentation is refused now, and nothing
        // more is counted.
        let right = answer(&w, &req);
        assert_eq!(reason(&v.check(&req, &right).unwrap()), Rejection::Closed);
        assert_eq!(reason(&v.check(&req, &wrong).unwrap()), Rejection::Closed);
        let r = v.store().lookup(req.nonce()).unwrap().unwrap();
        assert_eq!((r.spent, r.failures), (false, 3));
        // The store's own decisions: expiry is judged before the cap.
        let store = v.store();
        assert_eq!(
            store.settle(req.nonce(), Attempt::Satisfied, 0).unwrap(),
            Settlement::Closed
        );
        assert_eq!(
            store
                .settle(req.nonce(), Attempt::Satisfied, u64::MAX)
                .unwrap(),
            Settlement::Expired
        );
    });
}

#[test]
fn requests_expire() {
    let w = World::new();
    each_store(|store, _| {
        let v = verifier(&w, store);
        let req = ask(&v, POLICY);
        let p = answer(&w, &req);
        // Past the default lifetime of 10 minutes: expired, nothing spent.
        let late = v
            .check_at(&req, &p, after(Duration::from_secs(601)))
            .unwrap();
        assert_eq!(reason(&late), Rejection::Expired);
        let r = v.store().lookup(req.nonce()).unwrap().unwrap();
        assert_eq!((r.spent, r.failures), (false, 0));
        assert_eq!(r.terms.expires_at - r.terms.issued_at, 600);
        // Within it: accepted.
        let in_time = v
            .check_at(&req, &p, after(Duration::from_secs(540)))
            .unwrap();
        assert!(in_time.is_satisfied(), "{in_time:?}");

        // A lifetime set on the verifier, and one set on a single request.
        let v = v.with_lifetime(Duration::from_secs(60));
        let short = ask(&v, POLICY);
        let p = answer(&w, &short);
        let verdict = v
            .check_at(&short, &p, after(Duration::from_secs(120)))
            .unwrap();
        assert_eq!(reason(&verdict), Rejection::Expired);
        let long = v
            .request(date("2027-03-01"))
            .predicates(parse_policy(POLICY).unwrap())
            .lifetime(Duration::from_secs(3600))
            .issue()
            .unwrap();
        let p = answer(&w, &long);
        let verdict = v
            .check_at(&long, &p, after(Duration::from_secs(120)))
            .unwrap();
        assert!(verdict.is_satisfied(), "{verdict:?}");
    });
}

#[test]
fn a_request_the_verifier_did_not_record_is_refused() {
    let w = World::new();
    each_store(|store, _| {
        let v = verifier(&w, store);
        // Built by hand, never recorded.
        let stray = w
            .request(parse_policy(POLICY).unwrap())
            .build_with_rng(&mut rng(5))
            .unwrap();
        let p = answer(&w, &stray);
        assert!(matches!(
            v.check(&stray, &p),
            Err(VerifierError::UnknownRequest)
        ));
        assert_eq!(v.store().lookup(stray.nonce()).unwrap(), None);
        // Recorded, but presented altered under the same nonce.
        let req = ask(&v, POLICY);
        let altered = ProofRequest::builder("consulate.example", date("2027-03-01"))
            .purpose("test")
            .predicates(parse_policy("bank.liquidity_eur >= 50").unwrap())
            .trust_descriptors(&descriptors(&w)[..1])
            .unwrap()
            .build_with_nonce(*req.nonce())
            .unwrap();
        assert_ne!(altered.digest(), req.digest());
        let p = answer(&w, &altered);
        assert!(matches!(
            v.check(&altered, &p),
            Err(VerifierError::RequestDiffers)
        ));
        let r = v.store().lookup(req.nonce()).unwrap().unwrap();
        assert_eq!((r.spent, r.failures), (false, 0));
        // Recording the same nonce twice is refused.
        assert!(matches!(
            v.store().record(&req, &r.terms),
            Err(StoreError::NonceExists)
        ));
    });
}

#[test]
fn a_key_retired_after_the_request_is_refused() {
    let w = World::new();
    let next = Rater::new(bank_schema(), 11);
    each_store(|store, shared| {
        // The bank rotates keys: both are trusted when the request is made.
        let mut trusted = descriptors(&w);
        trusted.push(RaterDescriptor::new(bank_schema(), next.public()));
        let before = Verifier::new("consulate.example", trusted, store).unwrap();
        let req = ask(&before, POLICY);
        assert_eq!(req.trusted()[0].keys().len(), 2);
        let p = answer(&w, &req);
        // Then the old key (which signed the subject's credential) is dropped.
        let now = Verifier::new(
            "consulate.example",
            vec![RaterDescriptor::new(bank_schema(), next.public())],
            shared,
        )
        .unwrap();
        let verdict = now.check(&req, &p).unwrap();
        assert_eq!(
            reason(&verdict),
            Rejection::RetiredKey {
                credential: 0,
                schema: "bank".into()
            }
        );
        // The rater dropped altogether: the same reason.
        let none = Verifier::new("consulate.example", vec![], now.store()).unwrap();
        assert!(matches!(
            reason(&none.check(&req, &p).unwrap()),
            Rejection::RetiredKey { credential: 0, .. }
        ));
        // Refusals do not spend the nonce: the verifier that still trusts
        // the key accepts.
        assert!(before.check(&req, &p).unwrap().is_satisfied());
    });
}

#[test]
fn a_schema_changed_under_its_id_is_refused() {
    let w = World::new();
    each_store(|store, shared| {
        let before = verifier(&w, store);
        let req = ask(&before, POLICY);
        let p = answer(&w, &req);
        // The verifier now trusts version 2 of `bank`, with the same key.
        let mut v2 = bank_schema().attributes().to_vec();
        v2.push(Attribute::uint(
            "savings_eur",
            1_000_000,
            Category::Financial,
        ));
        let v2 = Schema::new("bank", 2, v2).unwrap();
        assert_ne!(v2.digest(), bank_schema().digest());
        let now = Verifier::new(
            "consulate.example",
            vec![RaterDescriptor::new(v2, w.bank.public())],
            shared,
        )
        .unwrap();
        assert_eq!(
            reason(&now.check(&req, &p).unwrap()),
            Rejection::SchemaChanged {
                credential: 0,
                schema: "bank".into()
            }
        );
        assert!(before.check(&req, &p).unwrap().is_satisfied());
    });
}

#[test]
fn racing_presentations_spend_a_nonce_once() {
    const THREADS: usize = 12;
    let w = World::new();
    each_store(|store, _| {
        let v = verifier(&w, store);
        // At the store: every thread tries to spend, or to be counted.
        for round in 0..4 {
            let req = ask(&v, POLICY);
            let gate = Barrier::new(THREADS);
            let outcomes: Vec<Settlement> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|i| {
                        let (v, req, gate) = (&v, &req, &gate);
                        s.spawn(move || {
                            let attempt = if round % 2 == 0 || i % 3 != 0 {
                                Attempt::Satisfied
                            } else {
                                Attempt::Rejected
                            };
                            gate.wait();
                            v.store().settle(req.nonce(), attempt, 0).unwrap()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let spent = outcomes.iter().filter(|o| **o == Settlement::Spent).count();
            assert_eq!(spent, 1, "round {round}: {outcomes:?}");
            let counted = outcomes
                .iter()
                .filter(|o| matches!(o, Settlement::Counted { .. }))
                .count();
            let r = v.store().lookup(req.nonce()).unwrap().unwrap();
            assert!(r.spent);
            assert_eq!(r.failures as usize, counted, "round {round}");
            assert!(counted <= 5);
        }
        // Through the verifier, with real presentations.
        let req = ask(&v, POLICY);
        let p = answer(&w, &req);
        let gate = Barrier::new(4);
        let verdicts: Vec<Verdict> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (v, req, p, gate) = (&v, &req, &p, &gate);
                    s.spawn(move || {
                        gate.wait();
                        v.check(req, p).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(verdicts.iter().filter(|v| v.is_satisfied()).count(), 1);
        for v in verdicts.iter().filter(|v| !v.is_satisfied()) {
            assert_eq!(reason(v), Rejection::Replayed);
        }
    });
}

#[test]
fn racing_rejections_respect_the_cap() {
    const THREADS: usize = 12;
    let w = World::new();
    each_store(|store, _| {
        let v = verifier(&w, store).with_max_failures(3);
        let req = ask(&v, POLICY);
        let gate = Barrier::new(THREADS);
        let outcomes: Vec<Settlement> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (v, req, gate) = (&v, &req, &gate);
                    s.spawn(move || {
                        gate.wait();
                        v.store().settle(req.nonce(), Attempt::Rejected, 0).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut counted: Vec<u32> = outcomes
            .iter()
            .filter_map(|o| match *o {
                Settlement::Counted { failures } => Some(failures),
                _ => None,
            })
            .collect();
        counted.sort_unstable();
        assert_eq!(counted, [1, 2, 3], "{outcomes:?}");
        let closed = outcomes
            .iter()
            .filter(|o| **o == Settlement::Closed)
            .count();
        assert_eq!(closed, THREADS - 3);
    });
}

#[test]
fn verifier_ids_have_one_normalised_form() {
    let w = World::new();
    for good in ["consulate.example", "v", "bikes.example", "a-1.b2"] {
        assert!(
            Verifier::new(good, vec![], MemoryNonceStore::new()).is_ok(),
            "{good}"
        );
    }
    let bad = [
        "Consulate.example",
        "consulate.example.",
        "consulate..example",
        "-consulate.example",
        "consulate_example",
        "consulate\u{200b}.example", // zero-width space
        "consulate.exam\u{200d}ple", // zero-width joiner
        "\u{feff}consulate.example", // byte order mark
        "c\u{043e}nsulate.example",  // Cyrillic o
        "consulate.\u{0435}xample",  // Cyrillic e
        "consulate\u{2024}example",  // one dot leader
        "ｃonsulate.example",        // fullwidth c
    ];
    for id in bad {
        let e = Verifier::new(id, vec![], MemoryNonceStore::new()).unwrap_err();
        assert!(matches!(e, VerifierError::Id(_)), "{id:?}: {e}");
        let built = ProofRequest::builder(id, date("2027-03-01"))
            .trust(bank_schema(), vec![w.bank.public()])
            .predicates(parse_policy(POLICY).unwrap())
            .build();
        match built {
            Err(Error::Policy(PolicyError::VerifierId(e))) => {
                let text = e.to_string();
                assert!(text.contains("verifier id"), "{text}");
                if !id.is_ascii() {
                    assert!(text.contains("U+"), "{id:?}: {text}");
                }
            }
            other => panic!("{id:?}: {other:?}"),
        }
    }
    // Decoding refuses them as well, from JSON and from bytes.
    let good = w
        .request(parse_policy(POLICY).unwrap())
        .build_with_rng(&mut rng(3))
        .unwrap();
    let json = serde_json::to_string(&good).unwrap();
    for id in ["consulate\u{200b}.example", "c\u{043e}nsulate.example"] {
        let tampered = json.replace("consulate.example", id);
        assert_ne!(tampered, json);
        let e = serde_json::from_str::<ProofRequest>(&tampered).unwrap_err();
        assert!(e.to_string().contains("verifier id"), "{e}");
    }
    let bytes = good.to_bytes();
    let at = bytes
        .windows(17)
        .position(|x| x == b"consulate.example")
        .unwrap();
    let mut upper = bytes.clone();
    upper[at] = b'C';
    assert!(matches!(
        ProofRequest::from_bytes(&upper),
        Err(DecodeError::Invalid(e)) if e.to_string().contains("verifier id")
    ));
    assert_eq!(ProofRequest::from_bytes(&bytes).unwrap(), good);
}

#[test]
fn the_directory_store_layout() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let store = DirNonceStore::new(dir.path());
    let v = Verifier::new("consulate.example", descriptors(&w), &store).unwrap();
    let req = ask(&v, POLICY);
    let hex: String = req.nonce().iter().map(|b| format!("{b:02x}")).collect();
    let file = dir.path().join("requests").join(format!("{hex}.json"));
    assert_eq!(store.request_path(req.nonce()), file);
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(record["format"], "credence-verifier-request");
    assert_eq!(record["version"], 1);
    assert_eq!(record["max_failures"], 5);
    assert_eq!(
        record["expires_at"].as_u64().unwrap() - record["issued_at"].as_u64().unwrap(),
        600
    );
    let stored: ProofRequest = serde_json::from_value(record["request"].clone()).unwrap();
    assert_eq!(stored, req);

    let wrong = answer(&w, &ask(&v, "court.outstanding_defaults == 0"));
    let right = answer(&w, &req);
    v.check(&req, &wrong).unwrap();
    v.check(&req, &right).unwrap();
    let attempts = dir.path().join("attempts");
    let slot = |k: u32| std::fs::read(attempts.join(format!("{hex}.{k}"))).unwrap();
    assert_eq!(slot(0), b"rejected\n");
    assert_eq!(slot(1), b"satisfied\n");
    assert!(!attempts.join(format!("{hex}.2")).exists());
    v.check(&req, &right).unwrap();
    assert!(
        !attempts.join(format!("{hex}.2")).exists(),
        "a replay is not logged"
    );

    // A damaged slot is an error, never an acceptance.
    let req2 = ask(&v, POLICY);
    let hex2: String = req2.nonce().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(attempts.join(format!("{hex2}.0")), b"maybe\n").unwrap();
    let p2 = answer(&w, &req2);
    assert!(matches!(
        v.check(&req2, &p2),
        Err(VerifierError::Store(StoreError::Corrupt { .. }))
    ));
}

#[test]
fn the_directory_store_reads_the_earlier_layout() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let store = DirNonceStore::new(dir.path());
    let v = Verifier::new("consulate.example", descriptors(&w), &store).unwrap();
    // Earlier versions wrote the bare request, and `used/<nonce>` on the
    // first check.
    let write_legacy = |req: &ProofRequest| {
        std::fs::create_dir_all(dir.path().join("requests")).unwrap();
        std::fs::write(
            store.request_path(req.nonce()),
            serde_json::to_vec_pretty(req).unwrap(),
        )
        .unwrap();
    };
    let open = w
        .request(parse_policy(POLICY).unwrap())
        .build_with_rng(&mut rng(21))
        .unwrap();
    write_legacy(&open);
    let p = answer(&w, &open);
    let r = store.lookup(open.nonce()).unwrap().unwrap();
    assert_eq!(r.terms.max_failures, 5);
    assert!(v.check(&open, &p).unwrap().is_satisfied());
    assert_eq!(reason(&v.check(&open, &p).unwrap()), Rejection::Replayed);

    let used = w
        .request(parse_policy(POLICY).unwrap())
        .build_with_rng(&mut rng(22))
        .unwrap();
    write_legacy(&used);
    let hex: String = used.nonce().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(dir.path().join("used")).unwrap();
    std::fs::write(dir.path().join("used").join(hex), b"").unwrap();
    assert!(store.lookup(used.nonce()).unwrap().unwrap().spent);
    let p = answer(&w, &used);
    assert_eq!(reason(&v.check(&used, &p).unwrap()), Rejection::Replayed);
    // A legacy request is given the default lifetime from its file's time.
    let late = v
        .check_at(&open, &p, after(Duration::from_secs(3600)))
        .unwrap();
    assert_eq!(reason(&late), Rejection::Replayed);
    let fresh = w
        .request(parse_policy(POLICY).unwrap())
        .build_with_rng(&mut rng(23))
        .unwrap();
    write_legacy(&fresh);
    let p = answer(&w, &fresh);
    let late = v
        .check_at(&fresh, &p, after(Duration::from_secs(3600)))
        .unwrap();
    assert_eq!(reason(&late), Rejection::Expired);
}

#[test]
fn memory_store_forgets_expired_requests() {
    let w = World::new();
    let store = MemoryNonceStore::new();
    let v = Verifier::new("consulate.example", descriptors(&w), &store).unwrap();
    let req = ask(&v, POLICY);
    let r = store.lookup(req.nonce()).unwrap().unwrap();
    assert_eq!(store.forget_expired(r.terms.expires_at - 1), 0);
    assert_eq!(store.forget_expired(r.terms.expires_at), 1);
    let p = answer(&w, &req);
    assert!(matches!(
        v.check(&req, &p),
        Err(VerifierError::UnknownRequest)
    ));
}

#[test]
fn a_batch_is_checked_and_settled_like_presentations_one_by_one() {
    let w = World::new();
    each_store(|store, _| {
        let v = verifier(&w, store).with_max_failures(1);
        let a = ask(&v, POLICY);
        let b = ask(&v, POLICY);
        let c = ask(&v, "court.outstanding_defaults == 0");
        let pa = answer(&w, &a);
        let pb = answer(&w, &b);
        // A presentation made for `c`'s nonce, shown for `b`: rejected.
        let wrong = answer(&w, &c);
        let stranger =
            Verifier::new("bikes.example", descriptors(&w), MemoryNonceStore::new()).unwrap();
        let foreign = ask(&stranger, POLICY);
        let pf = answer(&w, &foreign);
        let results = v
            .check_batch(&[
                (&a, &pa),
                (&a, &pa),
                (&b, &wrong),
                (&b, &pb),
                (&foreign, &pf),
                (&c, &wrong),
            ])
            .unwrap();
        assert_eq!(results.len(), 6);
        let verdicts: Vec<Option<&Verdict>> = results.iter().map(|r| r.as_ref().ok()).collect();
        // The first of two identical satisfying presentations spends the
        // nonce; the second is a replay.
        assert!(verdicts[0].unwrap().is_satisfied());
        assert_eq!(reason(verdicts[1].unwrap()), Rejection::Replayed);
        // A rejected presentation is counted; with a cap of one, the next
        // presentation for that request finds it closed, even a good one.
        assert_eq!(reason(verdicts[2].unwrap()), Rejection::RequestMismatch);
        assert_eq!(reason(verdicts[3].unwrap()), Rejection::Closed);
        // A request this verifier never issued: an error for that item only.
        assert!(matches!(results[4], Err(VerifierError::UnknownRequest)));
        assert!(verdicts[5].unwrap().is_satisfied());
        let state = |r: &ProofRequest| {
            let rec = v.store().lookup(r.nonce()).unwrap().unwrap();
            (rec.spent, rec.failures)
        };
        assert_eq!(state(&a), (true, 0));
        assert_eq!(state(&b), (false, 1));
        assert_eq!(state(&c), (true, 0));
        // The same presentations one by one, on fresh requests, give the
        // same verdicts.
        let a2 = ask(&v, POLICY);
        let pa2 = answer(&w, &a2);
        assert!(v.check(&a2, &pa2).unwrap().is_satisfied());
        assert_eq!(reason(&v.check(&a2, &pa2).unwrap()), Rejection::Replayed);
        // An empty batch settles nothing.
        assert!(v.check_batch(&[]).unwrap().is_empty());
    });
}

//! End-to-end flows for every predicate kind, with boundaries.

mod common;
use common::*;
use credence::wallet::*;
use credence::*;

/// Proves and verifies `predicates` for a subject with liquidity 12 000 and no
/// defaults; returns the verdict, or the prover's error.
fn run(w: &World, predicates: Vec<Predicate>) -> Result<Verdict, Error> {
    let (link, creds) = w.subject(12_000, 0);
    let req = w.request(predicates).build_with_rng(&mut rng(7))?;
    let p = Presentation::prove_with_rng(&req, &link, &creds, &mut rng(8))?;
    // Every presentation survives both encodings unchanged.
    assert_eq!(Presentation::from_bytes(&p.to_bytes()).unwrap(), p);
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Presentation>(&json).unwrap(), p);
    Ok(p.verify(&req))
}

fn holds(w: &World, p: Predicate) -> bool {
    match run(w, vec![p]) {
        Ok(v) => {
            assert!(v.is_satisfied(), "{v:?}");
            true
        }
        Err(Error::PredicateNotMet { predicate: 0, .. }) => false,
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn at_least_boundaries() {
    let w = World::new();
    let liq = a("bank.liquidity_eur");
    assert!(holds(&w, Predicate::at_least(liq.clone(), 0)));
    assert!(holds(&w, Predicate::at_least(liq.clone(), 11_999)));
    assert!(holds(&w, Predicate::at_least(liq.clone(), 12_000)));
    assert!(!holds(&w, Predicate::at_least(liq.clone(), 12_001)));
    assert!(!holds(&w, Predicate::at_least(liq, 1_000_000_000)));
}

#[test]
fn at_most_and_between_boundaries() {
    let w = World::new();
    let liq = a("bank.liquidity_eur");
    assert!(holds(&w, Predicate::at_most(liq.clone(), 12_000)));
    assert!(!holds(&w, Predicate::at_most(liq.clone(), 11_999)));
    assert!(!holds(&w, Predicate::at_most(liq.clone(), 0)));
    assert!(holds(&w, Predicate::at_most(liq.clone(), 1_000_000_000)));
    assert!(holds(&w, Predicate::between(liq.clone(), 12_000, 12_000)));
    assert!(holds(&w, Predicate::between(liq.clone(), 0, 1_000_000_000)));
    assert!(!holds(&w, Predicate::between(liq.clone(), 12_001, 20_000)));
    assert!(!holds(&w, Predicate::between(liq, 0, 11_999)));
}

#[test]
fn equality_and_zero() {
    let w = World::new();
    assert!(holds(
        &w,
        Predicate::equals(a("court.outstanding_defaults"), 0)
    ));
    assert!(!holds(
        &w,
        Predicate::equals(a("court.outstanding_defaults"), 1)
    ));
    assert!(holds(
        &w,
        Predicate::equals(a("bank.liquidity_eur"), 12_000)
    ));
    assert!(!holds(
        &w,
        Predicate::equals(a("bank.liquidity_eur"), 12_001)
    ));
}

#[test]
fn values_at_the_schema_maximum() {
    let w = World::new();
    let link = LinkSecret::generate(&mut rng(77));
    let until = date("2149-06-06").days();
    let creds = w.bank.issue(
        &link,
        &[
            ("liquidity_eur", 1_000_000_000),
            ("on_time_payments", 1000),
            ("late_payments", 0),
            ("account_digest", u64::MAX),
            ("valid_until", until),
        ],
        1,
    );
    let req = w
        .request(vec![
            Predicate::at_least(a("bank.liquidity_eur"), 1_000_000_000),
            Predicate::at_least(a("bank.account_digest"), u64::MAX),
            Predicate::at_most(a("bank.account_digest"), u64::MAX),
            Predicate::equals(a("bank.on_time_payments"), 1000),
        ])
        .build()
        .unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    assert!(p.verify(&req).is_satisfied());
}

#[test]
fn reveal_discloses_exactly_the_value() {
    let w = World::new();
    let v = run(
        &w,
        vec![
            Predicate::reveal(a("bank.account_digest")),
            Predicate::at_least(a("bank.liquidity_eur"), 5000),
        ],
    )
    .unwrap();
    assert!(v.is_satisfied());
    assert_eq!(
        v.disclosed(),
        vec![Disclosure {
            attribute: "bank.account_digest".into(),
            value: 0xdead_beef_cafe_f00d
        }]
    );
}

#[test]
fn linear_scores_over_several_raters() {
    let w = World::new();
    // on_time 30, late 5, liquidity 12 000, defaults 0.
    let score = |t: i64, cmp: Comparison| {
        Predicate::linear(
            vec![
                (3, a("bank.on_time_payments")),
                (-2, a("bank.late_payments")),
                (1, a("bank.liquidity_eur")),
                (-1000, a("court.outstanding_defaults")),
            ],
            cmp,
            t,
        )
    };
    // 3·30 - 2·5 + 12 000 - 0 = 12 080.
    assert!(holds(&w, score(12_080, Comparison::AtLeast)));
    assert!(!holds(&w, score(12_081, Comparison::AtLeast)));
    assert!(holds(&w, score(12_080, Comparison::AtMost)));
    assert!(!holds(&w, score(12_079, Comparison::AtMost)));
    assert!(holds(&w, score(-5_000_000, Comparison::AtLeast)));
    // Negative result: -2·late = -10 <= -10.
    let neg = Predicate::linear(vec![(-2, a("bank.late_payments"))], Comparison::AtMost, -10);
    assert!(holds(&w, neg));
    let neg = Predicate::linear(vec![(-2, a("bank.late_payments"))], Comparison::AtMost, -11);
    assert!(!holds(&w, neg));
}

#[test]
fn verdict_lists_attributes_and_categories() {
    let w = World::new();
    let v = run(
        &w,
        vec![
            Predicate::at_least(a("bank.liquidity_eur"), 5000),
            Predicate::equals(a("court.outstanding_defaults"), 0),
        ],
    )
    .unwrap();
    assert!(v.is_satisfied());
    assert_eq!(v.statements().len(), 4);
    assert_eq!(v.statements()[0].statement, "bank.liquidity_eur >= 5000");
    assert_eq!(
        v.statements()[0].attributes[0].category,
        Category::Financial
    );
    assert_eq!(v.statements()[1].attributes[0].category, Category::Judicial);
    assert_eq!(
        v.statements()[2].statement,
        "bank.valid_until >= 2027-03-01"
    );
    assert_eq!(
        v.statements()[3].statement,
        "court.valid_until >= 2027-03-01"
    );
    assert!(!v.uses_category(Category::Behavioural));
    assert!(v.disclosed().is_empty());
}

#[test]
fn batch_issuance_gives_unlinkable_credentials() {
    let w = World::new();
    let link = LinkSecret::generate(&mut rng(5));
    let until = date("2027-12-31").days();
    let batch = w.court.issue(
        &link,
        &[("outstanding_defaults", 0), ("valid_until", until)],
        4,
    );
    assert_eq!(batch.len(), 4);
    for (i, x) in batch.iter().enumerate() {
        for y in &batch[i + 1..] {
            let (cx, cy) = (x.credential(), y.credential());
            assert_ne!(cx.holder_commitment(), cy.holder_commitment());
            for (p, q) in cx.commitments().iter().zip(cy.commitments()) {
                assert_ne!(p, q);
            }
        }
    }
    // Each of them proves on its own.
    let req = ProofRequest::builder("bikes.example", date("2027-01-01"))
        .trust(w.court.schema.clone(), vec![w.court.public()])
        .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
        .build()
        .unwrap();
    for h in &batch {
        let p = Presentation::prove(&req, &link, std::slice::from_ref(h)).unwrap();
        assert!(p.verify(&req).is_satisfied());
        assert_eq!(p.credential(0).unwrap(), h.credential());
    }
}

#[test]
fn key_rotation_accepts_either_trusted_key() {
    let w = World::new();
    let next = Rater::new(court_schema(), 99);
    let link = LinkSecret::generate(&mut rng(6));
    let until = date("2027-12-31").days();
    let creds = next.issue(
        &link,
        &[("outstanding_defaults", 0), ("valid_until", until)],
        1,
    );
    let req = ProofRequest::builder("bikes.example", date("2027-01-01"))
        .trust(court_schema(), vec![w.court.public(), next.public()])
        .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
        .build()
        .unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    assert!(p.verify(&req).is_satisfied());
}

#[test]
fn expiry_boundaries() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let ask = |d: &str| {
        let req = ProofRequest::builder("consulate.example", date(d))
            .trust(w.court.schema.clone(), vec![w.court.public()])
            .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
            .build()
            .unwrap();
        Presentation::prove(&req, &link, &creds).map(|p| p.verify(&req).is_satisfied())
    };
    assert_eq!(ask("2027-12-31"), Ok(true));
    assert_eq!(ask("1970-01-01"), Ok(true));
    assert_eq!(
        ask("2028-01-01"),
        Err(Error::Expired {
            schema: "court".into()
        })
    );
}

#[test]
fn the_wallet_skips_an_expired_credential_for_a_valid_one() {
    let w = World::new();
    let link = LinkSecret::generate(&mut rng(12));
    let old = date("2027-01-31").days();
    let new = date("2028-01-31").days();
    let mut creds = w.court.issue(
        &link,
        &[("outstanding_defaults", 0), ("valid_until", old)],
        1,
    );
    creds.extend(w.court.issue(
        &link,
        &[("outstanding_defaults", 0), ("valid_until", new)],
        1,
    ));
    let req = ProofRequest::builder("consulate.example", date("2027-03-01"))
        .trust(w.court.schema.clone(), vec![w.court.public()])
        .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
        .build()
        .unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    assert_eq!(p.credential(0).unwrap(), creds[1].credential());
    assert!(p.verify(&req).is_satisfied());
    assert_eq!(
        Presentation::prove(&req, &link, &creds[..1]).unwrap_err(),
        Error::Expired {
            schema: "court".into()
        }
    );
}

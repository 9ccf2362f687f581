//! Requests that cannot be proven soundly are refused when built or decoded.

mod common;
use common::*;
use credence::*;

fn build(w: &World, p: Predicate) -> Result<ProofRequest, Error> {
    w.request(vec![p]).build()
}

fn policy_err(r: Result<ProofRequest, Error>) -> PolicyError {
    match r {
        Err(Error::Policy(e)) => e,
        other => panic!("expected a policy error, got {other:?}"),
    }
}

#[test]
fn unknown_names() {
    let w = World::new();
    assert_eq!(
        policy_err(build(&w, Predicate::at_least(a("tax.income"), 1))),
        PolicyError::UnknownSchema {
            predicate: 0,
            schema: "tax".into()
        }
    );
    assert_eq!(
        policy_err(build(&w, Predicate::at_least(a("bank.income"), 1))),
        PolicyError::UnknownAttribute {
            predicate: 0,
            schema: "bank".into(),
            attribute: "income".into()
        }
    );
}

#[test]
fn unsatisfiable_predicates() {
    let w = World::new();
    let d = || a("court.outstanding_defaults"); // max 255
    for p in [
        Predicate::at_least(d(), 256),
        Predicate::equals(d(), 256),
        Predicate::between(d(), 10, 9),
        Predicate::linear(vec![(1, d())], Comparison::AtLeast, 256),
        Predicate::linear(vec![(-1, d())], Comparison::AtLeast, 1),
        Predicate::linear(vec![(1, d())], Comparison::AtMost, -1),
    ] {
        assert_eq!(
            policy_err(build(&w, p.clone())),
            PolicyError::Unsatisfiable { predicate: 0 },
            "{p}"
        );
    }
    // The bound itself is fine.
    assert!(build(&w, Predicate::at_least(d(), 255)).is_ok());
}

#[test]
fn statements_wider_than_64_bits_are_refused() {
    let w = World::new();
    let big = || a("bank.account_digest"); // max u64::MAX
    let small = || a("bank.on_time_payments"); // max 1000
                                               // u64::MAX + 1000 does not fit 64 bits.
    let p = Predicate::linear(vec![(1, big()), (1, small())], Comparison::AtLeast, 0);
    assert_eq!(
        policy_err(build(&w, p)),
        PolicyError::TooWide { predicate: 0 }
    );
    // But subtracting the threshold brings it back: hi = u64::MAX + 1000 - 1000.
    let p = Predicate::linear(vec![(1, big()), (1, small())], Comparison::AtLeast, 1000);
    assert!(build(&w, p).is_ok());
    // Weights that overflow any integer type.
    let p = Predicate::linear(vec![(i64::MAX, big()); 16], Comparison::AtLeast, 0);
    assert_eq!(
        policy_err(build(&w, p)),
        PolicyError::TooWide { predicate: 0 }
    );
    let p = Predicate::linear(vec![(i64::MIN, big())], Comparison::AtMost, i64::MAX);
    assert_eq!(
        policy_err(build(&w, p)),
        PolicyError::TooWide { predicate: 0 }
    );
    // 2·u64::MAX is too wide for >=, and so is its mirror image for <=.
    let p = Predicate::linear(vec![(2, big())], Comparison::AtLeast, 0);
    assert_eq!(
        policy_err(build(&w, p)),
        PolicyError::TooWide { predicate: 0 }
    );
    let p = Predicate::linear(vec![(-2, big())], Comparison::AtMost, 0);
    assert_eq!(
        policy_err(build(&w, p)),
        PolicyError::TooWide { predicate: 0 }
    );
}

#[test]
fn malformed_formulas_and_requests() {
    let w = World::new();
    let d = || a("court.outstanding_defaults");
    assert!(matches!(
        policy_err(build(
            &w,
            Predicate::linear(vec![(0, d())], Comparison::AtLeast, 0)
        )),
        PolicyError::BadFormula { predicate: 0, .. }
    ));
    assert!(matches!(
        policy_err(build(&w, Predicate::linear(vec![], Comparison::AtLeast, 0))),
        PolicyError::BadFormula { .. }
    ));
    assert!(matches!(
        policy_err(build(
            &w,
            Predicate::linear(vec![(1, d()); 17], Comparison::AtLeast, 0)
        )),
        PolicyError::BadFormula { .. }
    ));
    assert!(matches!(
        policy_err(w.request(vec![]).build()),
        PolicyError::Invalid(_)
    ));
    let no_keys = ProofRequest::builder("v", date("2027-01-01"))
        .trust(court_schema(), vec![])
        .predicate(Predicate::equals(d(), 0))
        .build();
    assert!(matches!(policy_err(no_keys), PolicyError::Invalid(_)));
    let twice = ProofRequest::builder("v", date("2027-01-01"))
        .trust(court_schema(), vec![w.court.public()])
        .trust(court_schema(), vec![w.court.public()])
        .predicate(Predicate::equals(d(), 0))
        .build();
    assert!(matches!(policy_err(twice), PolicyError::Invalid(_)));
    let anonymous = ProofRequest::builder("", date("2027-01-01"))
        .trust(court_schema(), vec![w.court.public()])
        .predicate(Predicate::equals(d(), 0))
        .build();
    assert!(matches!(policy_err(anonymous), PolicyError::Invalid(_)));
    let control = ProofRequest::builder("v\u{7}", date("2027-01-01"))
        .trust(court_schema(), vec![w.court.public()])
        .predicate(Predicate::equals(d(), 0))
        .build();
    assert!(matches!(policy_err(control), PolicyError::Invalid(_)));
}

#[test]
fn requests_round_trip_and_decoding_applies_the_same_checks() {
    let w = World::new();
    let req = w
        .request(vec![
            Predicate::at_least(a("bank.liquidity_eur"), 5000),
            Predicate::between(a("bank.on_time_payments"), 3, 900),
            Predicate::equals(a("court.outstanding_defaults"), 0),
            Predicate::reveal(a("bank.account_digest")),
            Predicate::linear(
                vec![
                    (3, a("bank.on_time_payments")),
                    (-2, a("bank.late_payments")),
                ],
                Comparison::AtLeast,
                40,
            ),
        ])
        .build()
        .unwrap();
    let bytes = req.to_bytes();
    assert_eq!(ProofRequest::from_bytes(&bytes).unwrap(), req);
    let json = serde_json::to_string_pretty(&req).unwrap();
    let back: ProofRequest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, req);
    assert_eq!(back.digest(), req.digest());

    // A request edited to ask about an unknown attribute is refused on decode,
    // in both encodings.
    let edited = json.replace("bank.liquidity_eur", "bank.liquidity_usd");
    assert!(serde_json::from_str::<ProofRequest>(&edited).is_err());
    let mut bad = bytes.clone();
    let at = bad.windows(9).position(|x| x == b"liquidity").unwrap();
    bad[at] = b'x';
    assert!(matches!(
        ProofRequest::from_bytes(&bad),
        Err(DecodeError::Invalid(_))
    ));
    // Unknown JSON fields are refused.
    let extra = json.replacen('{', r#"{"extra": 1,"#, 1);
    assert!(serde_json::from_str::<ProofRequest>(&extra).is_err());
}

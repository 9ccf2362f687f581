//! Property tests: proving succeeds exactly when the plain arithmetic says the
//! predicate holds, verification accepts exactly those proofs, and encodings
//! round-trip while any change to them is rejected.

mod common;
use common::*;
use credence::rater::*;
use credence::wallet::*;
use credence::*;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    }
}

struct Fixture {
    world: World,
}

fn fixture() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| Fixture {
        world: World::new(),
    })
}

/// A subject with bank (liquidity, on_time, late) and court (defaults) values.
fn subject(
    liq: u64,
    on_time: u64,
    late: u64,
    defaults: u64,
    seed: u64,
) -> (LinkSecret, Vec<HeldCredential>) {
    let w = &fixture().world;
    let link = LinkSecret::generate(&mut rng(seed));
    let until = date("2030-01-01").days();
    let mut creds = w.bank.issue(
        &link,
        &[
            ("liquidity_eur", liq),
            ("on_time_payments", on_time),
            ("late_payments", late),
            ("account_digest", seed),
            ("valid_until", until),
        ],
        1,
    );
    creds.extend(w.court.issue(
        &link,
        &[("outstanding_defaults", defaults), ("valid_until", until)],
        1,
    ));
    (link, creds)
}

/// Proves and verifies; returns whether a proof was produced, after checking
/// that any proof produced verifies and that a refusal names the predicate.
fn prove_and_verify(pred: Predicate, link: &LinkSecret, creds: &[HeldCredential]) -> bool {
    let req = fixture()
        .world
        .request(vec![pred])
        .build()
        .expect("valid request");
    match Presentation::prove(&req, link, creds) {
        Ok(p) => {
            let v = Presentation::from_bytes(&p.to_bytes())
                .unwrap()
                .verify(&req);
            assert!(v.is_satisfied(), "{v:?}");
            true
        }
        Err(Error::PredicateNotMet { predicate: 0, .. }) => false,
        Err(e) => panic!("unexpected {e}"),
    }
}

fn cmp_strategy() -> impl Strategy<Value = Comparison> {
    prop_oneof![Just(Comparison::AtLeast), Just(Comparison::AtMost)]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn single_attribute_predicates(
        v in 0u64..=1000,
        t in 0u64..=1000,
        u in 0u64..=1000,
        kind in 0u8..4,
        seed in any::<u64>(),
    ) {
        let (link, creds) = subject(5, v, 0, 0, seed);
        let attr = a("bank.on_time_payments");
        let (pred, expected) = match kind {
            0 => (Predicate::at_least(attr, t), v >= t),
            1 => (Predicate::at_most(attr, t), v <= t),
            2 => (Predicate::equals(attr, t), v == t),
            _ => {
                let (lo, hi) = (t.min(u), t.max(u));
                (Predicate::between(attr, lo, hi), lo <= v && v <= hi)
            }
        };
        prop_assert_eq!(prove_and_verify(pred, &link, &creds), expected);
    }

    #[test]
    fn linear_scores(
        liq in 0u64..=1_000_000_000,
        on_time in 0u64..=1000,
        late in 0u64..=1000,
        defaults in 0u64..=255,
        weights in proptest::collection::vec(prop_oneof![-1_000_000i64..=-1, 1i64..=1_000_000], 4),
        threshold in -2_000_000_000_000i64..=2_000_000_000_000,
        near in proptest::bool::ANY,
        cmp in cmp_strategy(),
        seed in any::<u64>(),
    ) {
        let (link, creds) = subject(liq, on_time, late, defaults, seed);
        let values = [liq, on_time, late, defaults];
        let names = ["bank.liquidity_eur", "bank.on_time_payments", "bank.late_payments", "court.outstanding_defaults"];
        let score: i128 = values.iter().zip(&weights).map(|(v, w)| i128::from(*v) * i128::from(*w)).sum();
        // Half the cases put the threshold right next to the score.
        let threshold = if near { (score + i128::from(threshold % 2)) as i64 } else { threshold };
        let expected = match cmp {
            Comparison::AtLeast => score >= i128::from(threshold),
            Comparison::AtMost => score <= i128::from(threshold),
        };
        let terms = weights.iter().zip(names).map(|(w, n)| (*w, a(n))).collect();
        let pred = Predicate::linear(terms, cmp, threshold);
        // Some thresholds are outside what the weights can reach: the request
        // is refused when built, and the arithmetic agrees it never holds.
        match fixture().world.request(vec![pred.clone()]).build() {
            Ok(_) => prop_assert_eq!(prove_and_verify(pred, &link, &creds), expected),
            Err(Error::Policy(PolicyError::Unsatisfiable { .. })) => prop_assert!(!expected),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn any_changed_byte_is_rejected(at in any::<prop::sample::Index>(), bit in 0u8..8, seed in any::<u64>()) {
        let (link, creds) = subject(70_000, 12, 3, 0, seed % 4);
        let req = fixture().world.request(vec![
            Predicate::at_least(a("bank.liquidity_eur"), 5000),
            Predicate::equals(a("court.outstanding_defaults"), 0),
            Predicate::reveal(a("bank.late_payments")),
        ]).build_with_nonce([9; 32]).unwrap();
        let p = Presentation::prove(&req, &link, &creds).unwrap();
        let mut bytes = p.to_bytes();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Ok(q) = Presentation::from_bytes(&bytes) {
            prop_assert!(!q.verify(&req).is_satisfied());
        }
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), tag in 1u8..9) {
        let mut b = bytes;
        if b.len() >= 2 {
            b[0] = 1;
            b[1] = tag;
        }
        let _ = Schema::from_bytes(&b);
        let _ = Credential::from_bytes(&b);
        let _ = IssuanceRequest::from_bytes(&b);
        let _ = IssuedCredential::from_bytes(&b);
        let _ = HeldCredential::from_bytes(&b);
        let _ = ProofRequest::from_bytes(&b);
        let _ = Presentation::from_bytes(&b);
        let s = String::from_utf8_lossy(&b).into_owned();
        let _ = serde_json::from_str::<ProofRequest>(&s);
        let _ = serde_json::from_str::<Schema>(&s);
    }

    #[test]
    fn schemas_round_trip(maxes in proptest::collection::vec(any::<u64>(), 1..10), version in any::<u32>()) {
        let mut attrs: Vec<Attribute> = maxes.iter().enumerate().map(|(i, m)| Attribute {
            name: format!("a{i}"),
            kind: AttributeKind::Uint { max: *m },
            category: Category::Financial,
        }).collect();
        attrs.push(Attribute { name: "valid_until".into(), kind: AttributeKind::Date, category: Category::Validity });
        let s = Schema::new("s", version, attrs).unwrap();
        prop_assert_eq!(Schema::from_bytes(&s.to_bytes()).unwrap(), s.clone());
        let json = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(serde_json::from_str::<Schema>(&json).unwrap(), s);
    }
}

mod common;
use common::*;
use credence::*;

#[test]
fn consulate_smoke() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let req = w
        .request(vec![
            Predicate::at_least(a("bank.liquidity_eur"), 5000),
            Predicate::equals(a("court.outstanding_defaults"), 0),
        ])
        .build_with_rng(&mut rng(9))
        .unwrap();
    let p = Presentation::prove_with_rng(&req, &link, &creds, &mut rng(10)).unwrap();
    let v = p.verify(&req);
    assert!(v.is_satisfied(), "{v:?}");
}

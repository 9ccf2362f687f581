//! Batch verification agrees with one-by-one verification on mixed sets of
//! valid and invalid presentations.

mod common;
use common::*;
use credence::verifier::*;
use credence::*;
use proptest::prelude::*;

struct Pool {
    requests: Vec<ProofRequest>,
    /// (request index, presentation bytes)
    presentations: Vec<(usize, Vec<u8>)>,
}

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let w = World::new();
        let requests = vec![
            w.request(vec![
                Predicate::at_least(a("bank.liquidity_eur"), 5000),
                Predicate::equals(a("court.outstanding_defaults"), 0),
            ])
            .build_with_nonce([1; 32])
            .unwrap(),
            w.request(vec![
                Predicate::reveal(a("bank.on_time_payments")),
                Predicate::linear(
                    vec![
                        (3, a("bank.on_time_payments")),
                        (-2, a("bank.late_payments")),
                    ],
                    Comparison::AtLeast,
                    40,
                ),
                Predicate::at_most(a("social.websites_flagged"), 100),
            ])
            .build_with_nonce([2; 32])
            .unwrap(),
        ];
        let mut presentations = Vec::new();
        for (k, liquidity) in [9_000u64, 20_000, 70_000].into_iter().enumerate() {
            let (link, creds) = w.subject(liquidity, 0);
            for (r, req) in requests.iter().enumerate() {
                let p = Presentation::prove_with_rng(
                    req,
                    &link,
                    &creds,
                    &mut rng(k as u64 * 10 + r as u64),
                )
                .unwrap();
                presentations.push((r, p.to_bytes()));
            }
        }
        Pool {
            requests,
            presentations,
        }
    })
}

/// One item of a batch: a pool presentation, possibly changed, checked against
/// its own request or the other one.
#[derive(Clone, Debug)]
struct Item {
    which: usize,
    flip: Option<(usize, u8)>,
    other_request: bool,
}

fn item() -> impl Strategy<Value = Item> {
    (
        any::<prop::sample::Index>(),
        proptest::option::weighted(0.3, (any::<usize>(), 0u8..8)),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(i, flip, other_request)| Item {
            which: i.index(pool().presentations.len()),
            flip,
            other_request,
        })
}

fn materialise(items: &[Item]) -> Vec<(&'static ProofRequest, Presentation)> {
    let pool = pool();
    items
        .iter()
        .filter_map(|it| {
            let (r, bytes) = &pool.presentations[it.which];
            let mut bytes = bytes.clone();
            if let Some((at, bit)) = it.flip {
                let i = at % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            let p = Presentation::from_bytes(&bytes).ok()?;
            let r = if it.other_request { 1 - r } else { *r };
            Some((&pool.requests[r], p))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn batch_and_single_agree(items in proptest::collection::vec(item(), 1..12)) {
        let owned = materialise(&items);
        let pairs: Vec<(&ProofRequest, &Presentation)> = owned.iter().map(|(r, p)| (*r, p)).collect();
        let single: Vec<Verdict> = pairs.iter().map(|(r, p)| p.verify(r)).collect();
        prop_assert_eq!(verify_batch(&pairs), single.clone());
        #[cfg(feature = "parallel")]
        prop_assert_eq!(verify_batch_parallel(&pairs), single);
    }
}

#[test]
fn exactly_one_flipped_byte_is_found() {
    let pool = pool();
    let mut pairs: Vec<(&ProofRequest, Presentation)> = Vec::new();
    for _ in 0..3 {
        for (r, bytes) in &pool.presentations {
            pairs.push((&pool.requests[*r], Presentation::from_bytes(bytes).unwrap()));
        }
    }
    // Flip the last bit whose change still decodes but no longer verifies (in
    // the sigma proof's responses) in presentation 7 of 18.
    let target = 7;
    let (r, bytes) = &pool.presentations[target % pool.presentations.len()];
    let mut bad = bytes.clone();
    let mut found = None;
    for i in (0..bad.len()).rev() {
        let mut b = bad.clone();
        b[i] ^= 1;
        if let Ok(p) = Presentation::from_bytes(&b) {
            if !p.verify(&pool.requests[*r]).is_satisfied() {
                found = Some(p);
                bad = b;
                break;
            }
        }
    }
    assert_ne!(&bad, bytes);
    pairs[target].1 = found.unwrap();
    let refs: Vec<(&ProofRequest, &Presentation)> = pairs.iter().map(|(r, p)| (*r, p)).collect();
    let verdicts = verify_batch(&refs);
    for (i, v) in verdicts.iter().enumerate() {
        assert_eq!(v.is_satisfied(), i != target, "item {i}: {v:?}");
    }
    assert_eq!(
        verdicts[target].rejection(),
        refs[target].1.verify(refs[target].0).rejection()
    );
    #[cfg(feature = "parallel")]
    assert_eq!(verify_batch_parallel(&refs), verdicts);
}

#[test]
fn empty_and_all_valid_batches() {
    assert!(verify_batch(&[]).is_empty());
    let pool = pool();
    let owned: Vec<(&ProofRequest, Presentation)> = pool
        .presentations
        .iter()
        .map(|(r, b)| (&pool.requests[*r], Presentation::from_bytes(b).unwrap()))
        .collect();
    let refs: Vec<(&ProofRequest, &Presentation)> = owned.iter().map(|(r, p)| (*r, p)).collect();
    assert!(verify_batch(&refs).iter().all(Verdict::is_satisfied));
}

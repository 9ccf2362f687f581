//! What the membership proof alone stands for: a presentation whose other
//! proofs are all valid, over a list that does not hold the credential.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};

use super::*;
use crate::descriptor::TrustedRater;
use crate::epoch::{EpochList, EpochLists, EpochWindow};
use crate::fixtures::{a, date, rng, World, ON};
use crate::policy::Predicate;
use crate::request::ProofRequest;
use crate::verdict::Rejection;

fn list(w: &World, epoch: u64, digests: &[CompressedRistretto]) -> EpochList {
    let window = EpochWindow {
        epoch,
        not_before: 1,
        not_after: 2,
    };
    EpochList::sign(&w.court.key, &w.court.schema, window, 4, digests).unwrap()
}

#[test]
fn a_membership_proof_over_another_list_is_refused() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let mut r = rng(5);
    let crowd: Vec<CompressedRistretto> = (0..40)
        .map(|_| RistrettoPoint::random(&mut r).compress())
        .collect();
    let mut with_mine = crowd.clone();
    with_mine.push(*creds[1].digest().unwrap().point());
    let mut without = crowd;
    without.push(RistrettoPoint::random(&mut r).compress());
    let listed = list(&w, 1, &with_mine);
    let revoked = list(&w, 2, &without);

    let court = TrustedRater::new(w.court.schema.clone(), vec![w.court.public()])
        .unwrap()
        .anonymous(&[&revoked])
        .unwrap();
    let req = ProofRequest::builder("consulate.example", date(ON))
        .trust_rater(court)
        .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
        .build_with_rng(&mut rng(6))
        .unwrap();

    // The prover binds the revoked list's digest but proves over the list
    // that still holds its credential.
    let mut forged = EpochLists::new();
    forged
        .insert(
            revoked.with_entries_of(&listed),
            &w.court.public(),
            &w.court.schema,
        )
        .unwrap();
    let chosen = [&creds[1]];
    let p =
        Presentation::prove_chosen_with_rng(&req, &link, &chosen, &forged, &mut rng(7)).unwrap();

    let mut honest = EpochLists::new();
    honest
        .insert(revoked.clone(), &w.court.public(), &w.court.schema)
        .unwrap();
    // The forged list makes it check out: every other proof is valid.
    assert!(p.verify_with_lists(&req, &forged).is_satisfied());
    // Against the real list, the membership proof fails, alone and in a
    // batch.
    assert_eq!(
        p.verify_with_lists(&req, &honest).rejection(),
        Some(&Rejection::ProofInvalid)
    );
    let batch = crate::presentation::verify_batch_with_lists(&[(&req, &p), (&req, &p)], &honest);
    assert!(batch
        .iter()
        .all(|v| v.rejection() == Some(&Rejection::ProofInvalid)));
}

//! Batch verification of many presentations (spec §8.3).

use std::sync::OnceLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use rand_core::{CryptoRng, RngCore};

use super::verify::{PendingMember, SignatureCheck};
use super::Presentation;
use crate::epoch::EpochLists;
use crate::membership::{self, BatchItem};
use crate::msm::{self, Msm};
use crate::request::ProofRequest;
use crate::statement::BasepointMultiples;
use crate::verdict::{Rejection, Verdict};

type Outcome = Result<(), Rejection>;

/// The encodings of the points of small order: the eight torsion points, and
/// the two with `x = 0` written with the sign bit set.
fn small_order_encodings() -> &'static [[u8; 32]] {
    static LIST: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut list: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|p| p.compress().to_bytes())
            .collect();
        for p in [EIGHT_TORSION[0], EIGHT_TORSION[4]] {
            let mut b = p.compress().to_bytes();
            b[31] |= 0x80;
            list.push(b);
        }
        list
    })
}

/// Whether a signature passes the checks `verify_strict` makes beyond the
/// verification equation: a key and an `R` that are not of small order, and a
/// canonical `R` (its decompression is left to the batch check).
fn strict_form(s: &SignatureCheck<'_>) -> bool {
    if s.key.verifying_key().is_weak() {
        return false;
    }
    let r = s.signature.r_bytes();
    // The y coordinate (the top bit is x's sign) must be below p = 2^255 - 19.
    let y_is_canonical =
        !(r[31] & 0x7f == 0x7f && r[1..31].iter().all(|b| *b == 0xff) && r[0] >= 0xed);
    y_is_canonical && !small_order_encodings().contains(r)
}

/// Verifies many `(request, presentation)` pairs together and returns one
/// verdict per pair, in order, equal to what [`Presentation::verify`] returns
/// for each (spec §8.3).
///
/// The rater signatures are checked with ed25519-dalek's batch verification,
/// and every range-proof and sigma equation of every presentation, each
/// weighted by a fresh random scalar, with one multiscalar multiplication.
/// When a combined check fails, the failing presentations are found by
/// bisection. The caller must still refuse a nonce answered before.
pub fn verify_batch_with_rng<R: RngCore + CryptoRng>(
    items: &[(&ProofRequest, &Presentation)],
    rng: &mut R,
) -> Vec<Verdict> {
    verify_batch_with_lists_rng(items, &EpochLists::new(), rng)
}

/// [`verify_batch_with_rng`] for requests that ask for the anonymous mode:
/// `lists` holds the epoch lists they name. The membership proofs against
/// one list are checked together, with one multiscalar multiplication over
/// the list (spec §8.3).
pub fn verify_batch_with_lists_rng<R: RngCore + CryptoRng>(
    items: &[(&ProofRequest, &Presentation)],
    lists: &EpochLists,
    rng: &mut R,
) -> Vec<Verdict> {
    let (mut outcomes, members) = all_but_members(items, lists, rng);
    check_members(members, &mut outcomes, false);
    verdicts(items, outcomes)
}

/// The outcomes so far, and the membership proofs still to check.
type Partial<'a> = (Vec<Option<Outcome>>, Vec<(usize, PendingMember<'a>)>);

/// Everything of a batch but the membership proofs: the outcome of each
/// presentation whose signatures, range proofs and sigma proof are checked
/// (none where they hold and a membership proof remains), and its pending
/// membership proofs.
fn all_but_members<'a, R: RngCore + CryptoRng>(
    items: &[(&'a ProofRequest, &'a Presentation)],
    lists: &'a EpochLists,
    rng: &mut R,
) -> Partial<'a> {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut signatures: Vec<(usize, SignatureCheck<'_>)> = Vec::new();
    let mut slot_lists = vec![Vec::new(); items.len()];
    for (i, (request, presentation)) in items.iter().enumerate() {
        match presentation.check_structure(request, lists) {
            Ok(st) => {
                signatures.extend(st.signatures.into_iter().map(|s| (i, s)));
                slot_lists[i] = st.lists;
            }
            Err(r) => outcomes[i] = Some(Err(r)),
        }
    }

    // Signatures: one batch; on failure, each strictly, in credential order.
    let batch_ok = signatures.iter().all(|(_, s)| strict_form(s)) && {
        let messages: Vec<&[u8]> = signatures
            .iter()
            .map(|(_, s)| s.message.as_slice())
            .collect();
        let sigs: Vec<_> = signatures.iter().map(|(_, s)| s.signature).collect();
        let keys: Vec<_> = signatures
            .iter()
            .map(|(_, s)| *s.key.verifying_key())
            .collect();
        ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
    };
    if !batch_ok {
        for (i, s) in &signatures {
            if outcomes[*i].is_none()
                && s.key
                    .verifying_key()
                    .verify_strict(&s.message, &s.signature)
                    .is_err()
            {
                outcomes[*i] = Some(Err(s.rejection()));
            }
        }
    }

    // Proofs: one accumulator per presentation, checked together.
    let mut indices: Vec<usize> = Vec::new();
    let mut msms: Vec<Msm<'_>> = Vec::new();
    let mut ranges = Vec::new();
    let mut members: Vec<(usize, PendingMember<'_>)> = Vec::new();
    let mut base = BasepointMultiples::default();
    for (i, (request, presentation)) in items.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        match presentation.checks(request, &slot_lists[i], &mut base, rng) {
            Ok(c) => {
                indices.push(i);
                msms.push(c.msm);
                ranges.push(c.ranges);
                members.extend(c.members.into_iter().map(|m| (i, m)));
            }
            Err(r) => outcomes[i] = Some(Err(r)),
        }
    }
    crate::range::verify::finish(msms.iter_mut().zip(ranges).collect(), rng);
    let refs: Vec<(usize, &Msm<'_>)> = indices.into_iter().zip(&msms).collect();
    bisect(&refs, &mut outcomes);
    (outcomes, members)
}

/// The verdict of each presentation from its outcome.
fn verdicts(
    items: &[(&ProofRequest, &Presentation)],
    outcomes: Vec<Option<Outcome>>,
) -> Vec<Verdict> {
    items
        .iter()
        .zip(outcomes)
        // Every presentation has an outcome by now; none is ever assumed valid.
        .map(|((request, presentation), o)| {
            presentation.verdict(request, o.unwrap_or(Err(Rejection::ProofInvalid)))
        })
        .collect()
}

/// Checks the membership proofs of the presentations still satisfied, one
/// batch per list (its multiplication spread across rayon's threads when
/// `parallel`); a presentation with a failing proof becomes invalid.
fn check_members(
    mut members: Vec<(usize, PendingMember<'_>)>,
    outcomes: &mut [Option<Outcome>],
    parallel: bool,
) {
    members.retain(|(i, _)| matches!(outcomes[*i], Some(Ok(()))));
    // Group by list: the lists are few, so a linear scan per proof is cheap.
    let mut groups: Vec<Vec<(usize, PendingMember<'_>)>> = Vec::new();
    for (i, m) in members {
        match groups.iter_mut().find(|g| {
            g.first()
                .is_some_and(|(_, f)| f.list.digest() == m.list.digest())
        }) {
            Some(g) => g.push((i, m)),
            None => groups.push(vec![(i, m)]),
        }
    }
    for mut group in groups {
        let Some(list) = group.first().map(|(_, m)| m.list) else {
            continue;
        };
        let params = list.params();
        // One multiplication over the list for the group; each proof alone
        // only when that fails.
        let mut items: Vec<BatchItem<'_>> = group
            .iter_mut()
            .map(|(_, m)| BatchItem {
                transcript: &mut m.transcript,
                offset: &m.offset,
                proof: &m.proof,
            })
            .collect();
        let verdicts = membership::verify_each_with(&params, list.points(), &mut items, parallel);
        drop(items);
        for ((i, _), ok) in group.iter().zip(verdicts) {
            if !ok {
                outcomes[*i] = Some(Err(Rejection::ProofInvalid));
            }
        }
    }
}

/// Marks every presentation in `eqs` satisfied when their sum holds, else
/// splits them in halves until the failing ones are found.
fn bisect(eqs: &[(usize, &Msm<'_>)], outcomes: &mut [Option<Outcome>]) {
    if eqs.is_empty() {
        return;
    }
    let all: Vec<&Msm<'_>> = eqs.iter().map(|(_, e)| *e).collect();
    if msm::holds(&all) {
        for (i, _) in eqs {
            outcomes[*i] = Some(Ok(()));
        }
    } else if let [(i, _)] = eqs {
        outcomes[*i] = Some(Err(Rejection::ProofInvalid));
    } else {
        let (a, b) = eqs.split_at(eqs.len() / 2);
        bisect(a, outcomes);
        bisect(b, outcomes);
    }
}

/// [`verify_batch_with_rng`] with a ChaCha RNG seeded from the operating
/// system.
pub fn verify_batch(items: &[(&ProofRequest, &Presentation)]) -> Vec<Verdict> {
    verify_batch_with_rng(items, &mut super::verify::weights_rng())
}

/// [`verify_batch_with_lists_rng`] with a ChaCha RNG seeded from the
/// operating system.
pub fn verify_batch_with_lists(
    items: &[(&ProofRequest, &Presentation)],
    lists: &EpochLists,
) -> Vec<Verdict> {
    verify_batch_with_lists_rng(items, lists, &mut super::verify::weights_rng())
}

/// [`verify_batch`] split across the threads of rayon's global pool: each
/// thread batch-verifies a contiguous share of `items`.
#[cfg(feature = "parallel")]
pub fn verify_batch_parallel(items: &[(&ProofRequest, &Presentation)]) -> Vec<Verdict> {
    verify_batch_parallel_with_lists(items, &EpochLists::new())
}

/// [`verify_batch_with_lists`] split across the threads of rayon's global
/// pool: each thread batch-verifies a contiguous share of `items` but for
/// the membership proofs, which are then checked together, one batch per
/// list for all of `items`, each with its multiplication over the list
/// spread across the threads.
#[cfg(feature = "parallel")]
pub fn verify_batch_parallel_with_lists(
    items: &[(&ProofRequest, &Presentation)],
    lists: &EpochLists,
) -> Vec<Verdict> {
    use rayon::prelude::*;
    let threads = rayon::current_num_threads().max(1);
    let share = items.len().div_ceil(threads).max(1);
    let parts: Vec<Partial<'_>> = items
        .par_chunks(share)
        .map(|chunk| all_but_members(chunk, lists, &mut super::verify::weights_rng()))
        .collect();
    let mut outcomes = Vec::with_capacity(items.len());
    let mut members = Vec::new();
    for (o, m) in parts {
        let start = outcomes.len();
        members.extend(m.into_iter().map(|(i, m)| (start + i, m)));
        outcomes.extend(o);
    }
    check_members(members, &mut outcomes, true);
    verdicts(items, outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;

    #[test]
    fn small_order_list_is_exactly_the_small_order_encodings() {
        let list = small_order_encodings();
        assert_eq!(list.len(), 10);
        for b in list {
            let p = CompressedEdwardsY(*b).decompress().unwrap();
            assert!(p.is_small_order());
        }
        // Points of large order are not listed, with or without torsion.
        for k in 1u64..50 {
            let p = EdwardsPoint::mul_base(&Scalar::from(k));
            assert!(!list.contains(&p.compress().to_bytes()));
            let q = p + EIGHT_TORSION[1];
            assert!(!q.is_small_order());
            assert!(!list.contains(&q.compress().to_bytes()));
        }
    }
}

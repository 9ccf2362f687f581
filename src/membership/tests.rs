//! Unit tests of the membership proof's internals, each against a naive
//! computation; the role-level and negative tests are in tests/membership.rs.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use rand::rngs::OsRng;
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::prove::{commit, digits};
use super::verify::add_list_scalars;
use super::*;
use crate::generators::{blinding_mul, pedersen_gens};

fn random_list(count: usize) -> Vec<RistrettoPoint> {
    (0..count)
        .map(|_| RistrettoPoint::random(&mut OsRng))
        .collect()
}

/// A list of `count` random points with element `l` equal to
/// `D' + τ·B_blinding`: the list, `D'` and the witness.
fn instance(count: usize, l: usize) -> (Vec<RistrettoPoint>, RistrettoPoint, Witness) {
    let mut list = random_list(count);
    let tau = Scalar::random(&mut OsRng);
    let offset = RistrettoPoint::random(&mut OsRng);
    list[l] = offset + blinding_mul(&tau);
    (list, offset, Witness::new(l, tau))
}

/// Digit `j` of `k` in base `n`, by division.
fn digit(k: usize, n: usize, j: usize) -> usize {
    (k / n.pow(j as u32)) % n
}

#[test]
fn digits_without_division_are_exact() {
    let mut rng = OsRng;
    for n in 2..=MAX_BASE {
        // Enough digits for every l < 2^20.
        let m = (1..).find(|m| n.pow(*m) >= MAX_CAPACITY).unwrap() as usize;
        let samples = (0..4096)
            .chain(MAX_CAPACITY - 4096..MAX_CAPACITY)
            .chain((0..4096).map(|_| rng.gen_range(0..MAX_CAPACITY)));
        for l in samples {
            let d = digits(l, n, m);
            for (j, dj) in d.iter().enumerate() {
                assert_eq!(*dj as usize, digit(l, n, j), "l = {l}, n = {n}, j = {j}");
            }
        }
    }
}

/// The coefficients of `p_k(x) = Π_j (σ_{j,k_j}·x + a_{j,k_j})`, lowest first.
fn naive_poly(k: usize, l: usize, n: usize, m: usize, a: &[Scalar]) -> Vec<Scalar> {
    let mut poly = vec![Scalar::ONE];
    for j in 0..m {
        let kj = digit(k, n, j);
        let sigma = if kj == digit(l, n, j) {
            Scalar::ONE
        } else {
            Scalar::ZERO
        };
        let alpha = a[j * n + kj];
        let mut next = vec![Scalar::ZERO; poly.len() + 1];
        for (t, c) in poly.iter().enumerate() {
            next[t] += c * alpha;
            next[t + 1] += c * sigma;
        }
        poly = next;
    }
    poly
}

#[test]
fn folding_equals_the_m_msm_computation() {
    for (n, m) in [(2, 1), (2, 3), (3, 2), (4, 2), (4, 3), (5, 2), (16, 1)] {
        let params = Parameters::new(n, m).unwrap();
        let cap = params.capacity();
        for count in [1, 2, cap.div_ceil(2) + 1, cap - 1, cap] {
            let count = count.clamp(1, cap);
            let list = random_list(count);
            let l = OsRng.gen_range(0..count);
            let mut a = vec![Scalar::ZERO; m * n];
            for row in a.chunks_mut(n) {
                let mut sum = Scalar::ZERO;
                for c in row.iter_mut().skip(1) {
                    *c = Scalar::random(&mut OsRng);
                    sum += *c;
                }
                row[0] = -sum;
            }
            // Y_t = Σ_k p_{k,t}·D_k over the padded list.
            let mut expected = vec![RistrettoPoint::identity(); m + 1];
            for k in 0..cap {
                let d = list[k.min(count - 1)];
                for (t, c) in naive_poly(k, l, n, m, &a).iter().enumerate() {
                    expected[t] += d * c;
                }
            }
            assert_eq!(expected[m], list[l]);
            let d = digits(l, n, m);
            for parallel in [false, true] {
                let folded = super::prove::fold(&list, n, m, &d, &a, parallel).to_vec();
                assert_eq!(folded, expected, "n = {n}, m = {m}, count = {count}");
            }
        }
    }
}

#[test]
fn list_scalars_equal_the_naive_products() {
    for (n, m) in [(2, 1), (2, 4), (3, 3), (4, 2), (4, 3), (16, 2)] {
        let params = Parameters::new(n, m).unwrap();
        let cap = params.capacity();
        let x = Scalar::random(&mut OsRng);
        let f: Vec<Scalar> = (0..m * n).map(|_| Scalar::random(&mut OsRng)).collect();
        let w = Scalar::random(&mut OsRng);
        // Σ_k p_k(x) = x^m when each row of f sums to x.
        let mut f_fixed = f.clone();
        for row in f_fixed.chunks_mut(n) {
            let rest: Scalar = row[1..].iter().sum();
            row[0] = x - rest;
        }
        let x_m = (0..m).fold(Scalar::ONE, |p, _| p * x);
        for count in [1, 2, n, cap / 2 + 1, cap - 1, cap] {
            let count = count.clamp(1, cap);
            let mut naive = vec![Scalar::ZERO; count];
            for k in 0..cap {
                let p: Scalar = (0..m).map(|j| f_fixed[j * n + digit(k, n, j)]).product();
                naive[k.min(count - 1)] += w * p;
            }
            let mut acc = vec![Scalar::ONE; count];
            add_list_scalars(&mut acc, &params, &f_fixed, w, w * x_m);
            for (a, b) in acc.iter().zip(&naive) {
                assert_eq!(*a, b + Scalar::ONE, "n = {n}, m = {m}, count = {count}");
            }
        }
    }
}

#[test]
fn complete_for_every_index_and_transcripts_agree() {
    for (n, m) in [
        (2, 1),
        (2, 2),
        (2, 3),
        (3, 1),
        (3, 2),
        (3, 3),
        (4, 1),
        (4, 2),
        (4, 3),
    ] {
        let params = Parameters::new(n, m).unwrap();
        let cap = params.capacity();
        for count in [cap, (cap / 2 + 1).max(1), 1] {
            for l in 0..count {
                let (list, offset, witness) = instance(count, l);
                let mut tp = Transcript::new(b"test");
                let proof = prove(&params, &mut tp, &list, &offset, &witness).unwrap();
                let mut tv = Transcript::new(b"test");
                assert_eq!(verify(&params, &mut tv, &list, &offset, &proof), Ok(()));
                let (mut cp, mut cv) = ([0u8; 32], [0u8; 32]);
                tp.challenge_bytes(b"after", &mut cp);
                tv.challenge_bytes(b"after", &mut cv);
                assert_eq!(cp, cv);
            }
        }
    }
}

#[test]
fn parallel_prover_makes_the_same_proof() {
    let params = Parameters::new(4, 3).unwrap();
    let (list, offset, witness) = instance(50, 17);
    let a = prove_with_rng(
        &params,
        &mut Transcript::new(b"t"),
        &list,
        &offset,
        &witness,
        &mut ChaCha20Rng::from_seed([3; 32]),
    )
    .unwrap();
    #[cfg(feature = "parallel")]
    {
        let b = prove_parallel_with_rng(
            &params,
            &mut Transcript::new(b"t"),
            &list,
            &offset,
            &witness,
            &mut ChaCha20Rng::from_seed([3; 32]),
        )
        .unwrap();
        assert_eq!(a, b);
    }
    assert_eq!(a.to_bytes().len(), params.proof_len());
}

#[test]
fn the_commitment_key_is_built_once_and_independent() {
    let key = commitment_key();
    assert!(std::ptr::eq(key, commitment_key()));
    assert_eq!(key.len(), 1 + 2 * MAX_CELLS);
    let pc = pedersen_gens();
    for (i, g) in key.iter().enumerate() {
        assert_ne!(*g, pc.B);
        assert_ne!(*g, pc.B_blinding);
        assert!(key[..i].iter().all(|h| h != g));
    }
    // Com is linear and hiding in r.
    let u = [Scalar::ONE, Scalar::ZERO];
    let v = [Scalar::ZERO, Scalar::from(2u8)];
    let c = commit(&u, &v, &Scalar::ZERO);
    assert_eq!(c, key[1] + key[4] * Scalar::from(2u8));
    assert_eq!(commit(&u, &v, &Scalar::ONE) - c, key[0]);
}

#[test]
fn a_witness_does_not_print_its_secrets() {
    let w = Witness::new(12345, Scalar::from(987654321u64));
    let text = format!("{w:?}");
    assert_eq!(text, "Witness");
}

#[test]
fn the_prover_refuses_a_false_witness() {
    let params = Parameters::new(4, 2).unwrap();
    let (list, offset, witness) = instance(10, 3);
    let mut t = Transcript::new(b"t");
    let wrong_index = Witness::new(4, witness.blinding);
    assert_eq!(
        prove(&params, &mut t, &list, &offset, &wrong_index),
        Err(MembershipError::NotAMember)
    );
    let out_of_range = Witness::new(10, witness.blinding);
    assert_eq!(
        prove(&params, &mut t, &list, &offset, &out_of_range),
        Err(MembershipError::NotAMember)
    );
    let wrong_blinding = Witness::new(3, witness.blinding + Scalar::ONE);
    assert_eq!(
        prove(&params, &mut t, &list, &offset, &wrong_blinding),
        Err(MembershipError::NotAMember)
    );
    assert_eq!(
        prove(&params, &mut t, &random_list(17), &offset, &witness),
        Err(MembershipError::ListSize {
            count: 17,
            capacity: 16
        })
    );
    assert!(prove(&params, &mut t, &list, &offset, &witness).is_ok());
}

//! Verification of an aggregated range proof as bulletproofs 5's
//! `verify_multiple` does it (spec §8.1.1), written as a check for the
//! multiscalar accumulator so that many proofs verify together (spec §8.3).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use super::RangeProofParts;
use crate::msm::{weight, GeneratorBlock, Invalid, Msm};
use crate::transcript::TranscriptProtocol;
use crate::wire::{caps, Point};
use curve25519_dalek::traits::IsIdentity;

/// Appends a point that must not be the identity, as bulletproofs'
/// `validate_and_append_point` does.
fn validated(t: &mut Transcript, label: &'static [u8], p: &Point) -> Result<(), Invalid> {
    if p.compressed.is_identity() {
        return Err(Invalid);
    }
    t.append_point(label, &p.compressed);
    Ok(())
}

/// The product of `xs` (1 when empty).
fn product(xs: &[Scalar]) -> Scalar {
    match xs.split_first() {
        Some((first, rest)) => rest.iter().fold(*first, |acc, x| acc * x),
        None => Scalar::ONE,
    }
}

/// `Σ_{i<n} x^i` for `n` a power of two: `(1 + x)(1 + x²)(1 + x⁴)…`.
fn sum_of_powers(x: &Scalar, n: usize) -> Scalar {
    if n <= 1 {
        return Scalar::from(n as u64);
    }
    let mut sum = Scalar::ONE + x;
    let mut square = *x;
    let mut k = 2;
    while k < n {
        square = square * square;
        sum += square * sum;
        k *= 2;
    }
    sum
}

/// A range proof replayed on the transcript, waiting for its scalars: the
/// inversions of every pending proof are done together (spec §8.3).
#[allow(non_snake_case)]
pub(crate) struct PendingRange<'a> {
    n: usize,
    m: usize,
    y: Scalar,
    z: Scalar,
    x: Scalar,
    w: Scalar,
    /// The inner-product challenges, in creation order.
    u: Vec<Scalar>,
    parts: &'a RangeProofParts,
    /// The value commitments that are not the identity, with their index.
    V: Vec<(usize, RistrettoPoint)>,
}

/// Replays one aggregated range proof on the transcript, exactly as
/// bulletproofs 5's `verify_multiple` does (spec §8.1.1). Its check is
/// added to an accumulator by [`finish`], with a fresh random weight.
///
/// `commitments` are the padded value commitments, computed by the
/// verifier.
#[allow(non_snake_case)]
pub(crate) fn replay<'a>(
    t: &mut Transcript,
    n: usize,
    commitments: &[Point],
    p: &'a RangeProofParts,
) -> Result<PendingRange<'a>, Invalid> {
    let m = commitments.len();
    if !matches!(n, 8 | 16 | 32 | 64)
        || m == 0
        || !m.is_power_of_two()
        || m > caps::RANGE_STATEMENTS_PER_WIDTH
    {
        return Err(Invalid);
    }
    let N = n * m;
    let q = p.L.len();
    if q >= 32 || N != 1 << q || p.R.len() != q {
        return Err(Invalid);
    }

    t.append_message(b"dom-sep", b"rangeproof v1");
    t.append_u64(b"n", n as u64);
    t.append_u64(b"m", m as u64);
    for V in commitments {
        t.append_point(b"V", &V.compressed);
    }
    validated(t, b"A", &p.A)?;
    validated(t, b"S", &p.S)?;
    let y = t.challenge_scalar(b"y");
    let z = t.challenge_scalar(b"z");
    validated(t, b"T_1", &p.T_1)?;
    validated(t, b"T_2", &p.T_2)?;
    let x = t.challenge_scalar(b"x");
    t.append_message(b"t_x", p.t_x.as_bytes());
    t.append_message(b"t_x_blinding", p.t_x_blinding.as_bytes());
    t.append_message(b"e_blinding", p.e_blinding.as_bytes());
    let w = t.challenge_scalar(b"w");
    t.append_message(b"dom-sep", b"ipp v1");
    t.append_u64(b"n", N as u64);
    let mut u = Vec::with_capacity(q);
    for (l, r) in p.L.iter().zip(&p.R) {
        validated(t, b"L", l)?;
        validated(t, b"R", r)?;
        u.push(t.challenge_scalar(b"u"));
    }
    let V = commitments
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.compressed.is_identity())
        .map(|(j, v)| (j, v.point))
        .collect();
    Ok(PendingRange {
        n,
        m,
        y,
        z,
        x,
        w,
        u,
        parts: p,
        V,
    })
}

impl<'a> PendingRange<'a> {
    /// Adds this proof's check to `msm`, given `y⁻¹` and the inverses of its
    /// inner-product challenges.
    #[allow(non_snake_case)]
    fn add_to(self, msm: &mut Msm<'a>, y_inv: Scalar, u_inv: &[Scalar], rho: Scalar, c: Scalar) {
        let p = self;
        let (n, m) = (p.n, p.m);
        let N = n * m;
        let q = p.u.len();
        let parts = p.parts;
        let u_sq: Vec<Scalar> = p.u.iter().map(|x| x * x).collect();
        let u_inv_sq: Vec<Scalar> = u_inv.iter().map(|x| x * x).collect();
        // s_0 = Π u_r⁻¹; s_i = s_{i − 2^β}·u_{q−β}² with β = ⌊log2 i⌋. The
        // recursion is multiplicative: any x_i = x_{i − 2^β}·f_β follows it
        // with the factors f_β.
        let recurse = |first: Scalar, factors: &[Scalar]| {
            let mut v = Vec::with_capacity(N);
            v.push(first);
            for i in 1..N {
                let lg_i = (usize::BITS - 1 - i.leading_zeros()) as usize;
                v.push(v[i - (1 << lg_i)] * factors[lg_i]);
            }
            v
        };
        // −ρa·s_i, with f_β = u²_{q−β}.
        let f_s: Vec<Scalar> = u_sq.iter().rev().copied().collect();
        let g = recurse(-(rho * parts.a * product(u_inv)), &f_s);
        // w_i = y^−i·ρb·s_{N−1−i} = y^−i·ρb/s_i (reversing i flips every
        // challenge's exponent), with f_β = u⁻²_{q−β}·y^−(2^β).
        let mut y_inv_pow2 = Vec::with_capacity(q + 1);
        let mut y_p = y_inv;
        for _ in 0..=q {
            y_inv_pow2.push(y_p);
            y_p = y_p * y_p;
        }
        let f_w: Vec<Scalar> = u_inv_sq
            .iter()
            .rev()
            .zip(&y_inv_pow2)
            .map(|(a, b)| a * b)
            .collect();
        let mut h = recurse(rho * parts.b * product(&p.u), &f_w);
        let (x, z) = (p.x, p.z);
        let zz = z * z;
        // Σ_{k<n} 2^k = 2^n - 1.
        let sum_2 = Scalar::from((1u128 << n) - 1);
        let delta = (z - zz) * sum_of_powers(&p.y, N) - zz * z * sum_2 * sum_of_powers(&z, m);

        let rho_x = rho * x;
        let rho_c = rho * c;
        let rho_c_x = rho_c * x;
        let rho_c_zz = rho_c * zz;
        msm.reserve_borrowed(4 + 2 * q);
        msm.add_borrowed(rho, &parts.A.point);
        msm.add_borrowed(rho_x, &parts.S.point);
        msm.add_borrowed(rho_c_x, &parts.T_1.point);
        msm.add_borrowed(rho_c_x * x, &parts.T_2.point);
        for ((l, r), (us, uis)) in parts.L.iter().zip(&parts.R).zip(u_sq.iter().zip(&u_inv_sq)) {
            msm.add_borrowed(rho * us, &l.point);
            msm.add_borrowed(rho * uis, &r.point);
        }
        // The value commitments: ρc·z²·z^j.
        let mut z_pow = Vec::with_capacity(m);
        let mut zj = rho_c_zz;
        for _ in 0..m {
            z_pow.push(zj);
            zj *= z;
        }
        for (j, V) in p.V {
            msm.add_owned(z_pow[j], V);
        }
        msm.add_b_blinding(-(rho * parts.e_blinding + rho_c * parts.t_x_blinding));
        msm.add_b(rho * p.w * (parts.t_x - parts.a * parts.b) + rho_c * (delta - parts.t_x));

        // g_i = −ρz − ρa·s_i; h_i = ρz + t_i − w_i with
        // t_i = y^−i·ρ·z²·z^j·2^k for i = j·n + k. The ∓ρz parts are kept
        // apart and added once per group shape.
        let rho_z = rho * z;
        let two_y_inv = y_inv + y_inv;
        // y^−n (`log2 n ≤ q`), for the step from one party to the next.
        let step = z * y_inv_pow2[n.trailing_zeros() as usize];
        let mut t_party = rho * zz;
        for party in h.chunks_mut(n) {
            let mut t = t_party;
            for h_i in party {
                *h_i = t - *h_i;
                t *= two_y_inv;
            }
            t_party *= step;
        }
        msm.add_generators(GeneratorBlock {
            n,
            m,
            g,
            h,
            g_common: -rho_z,
            h_common: rho_z,
        });
    }
}

/// Adds every pending range proof's check to its accumulator, each weighted
/// by a fresh random scalar, with one scalar inversion for all of them
/// (spec §8.3).
pub(crate) fn finish<'a, R: RngCore + CryptoRng>(
    pending: Vec<(&mut Msm<'a>, Vec<PendingRange<'a>>)>,
    rng: &mut R,
) {
    // y and the inner-product challenges of every pending proof, inverted
    // together.
    let mut inverses: Vec<Scalar> = Vec::new();
    for (_, ps) in &pending {
        for p in ps {
            inverses.push(p.y);
            inverses.extend_from_slice(&p.u);
        }
    }
    Scalar::batch_invert(&mut inverses);
    let mut at = 0;
    for (msm, ps) in pending {
        for p in ps {
            let q = p.u.len();
            let Some([y_inv, u_inv @ ..]) = inverses.get(at..at + 1 + q) else {
                return;
            };
            at += 1 + q;
            let rho = weight(rng);
            let c = weight(rng);
            p.add_to(msm, *y_inv, u_inv, rho, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generators::{bulletproof_gens, pedersen_gens};
    use crate::msm;
    use bulletproofs::RangeProof;
    use curve25519_dalek::ristretto::CompressedRistretto;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    /// Our replay of a range proof, on a fresh transcript.
    fn ours(n: usize, v: &[CompressedRistretto], proof: &[u8]) -> bool {
        let commitments: Option<Vec<_>> = v
            .iter()
            .map(|c| {
                c.decompress().map(|point| Point {
                    compressed: *c,
                    point,
                })
            })
            .collect();
        let (Some(commitments), Ok(parts)) = (commitments, RangeProofParts::decode(proof)) else {
            return false;
        };
        let mut t = Transcript::new(b"cross-check");
        let Ok(pending) = replay(&mut t, n, &commitments, &parts) else {
            return false;
        };
        let mut msm = Msm::default();
        finish(vec![(&mut msm, vec![pending])], &mut OsRng);
        msm::holds(&[&msm])
    }

    /// The bulletproofs crate's own verification.
    fn crate_verify(n: usize, v: &[CompressedRistretto], proof: &[u8]) -> bool {
        let Ok(p) = RangeProof::from_bytes(proof) else {
            return false;
        };
        p.verify_multiple(
            bulletproof_gens(),
            pedersen_gens(),
            &mut Transcript::new(b"cross-check"),
            v,
            n,
        )
        .is_ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// For valid proofs and proofs with one flipped bit, in the proof or in
        /// a commitment, our equations agree with the crate's verification.
        #[test]
        fn agrees_with_the_bulletproofs_crate(
            width in 0usize..4,
            lg_m in 0usize..3,
            seed_values in proptest::collection::vec(any::<u64>(), 4),
            flip in proptest::option::of((any::<prop::sample::Index>(), 0u8..8, any::<bool>())),
        ) {
            let n = [8, 16, 32, 64][width];
            let m = 1 << lg_m;
            let values: Vec<u64> = (0..m)
                .map(|j| if n == 64 { seed_values[j] } else { seed_values[j] % (1u64 << n) })
                .collect();
            let blindings: Vec<Scalar> = (0..m).map(|_| Scalar::random(&mut OsRng)).collect();
            let (proof, mut v) = RangeProof::prove_multiple(
                bulletproof_gens(),
                pedersen_gens(),
                &mut Transcript::new(b"cross-check"),
                &values,
                &blindings,
                n,
            )
            .unwrap();
            let mut bytes = proof.to_bytes();
            if let Some((at, bit, in_commitment)) = flip {
                if in_commitment {
                    let j = at.index(m);
                    let mut c = v[j].to_bytes();
                    c[at.index(32)] ^= 1 << bit;
                    v[j] = CompressedRistretto(c);
                } else {
                    let i = at.index(bytes.len());
                    bytes[i] ^= 1 << bit;
                }
            }
            let expected = crate_verify(n, &v, &bytes);
            prop_assert_eq!(ours(n, &v, &bytes), expected);
            if flip.is_none() {
                prop_assert!(expected);
            }
        }
    }

    #[test]
    fn a_commitment_to_another_value_fails_in_both() {
        let b = Scalar::random(&mut OsRng);
        let (proof, _) = RangeProof::prove_single(
            bulletproof_gens(),
            pedersen_gens(),
            &mut Transcript::new(b"cross-check"),
            200,
            &b,
            8,
        )
        .unwrap();
        let other = pedersen_gens().commit(Scalar::from(201u64), b).compress();
        assert!(!crate_verify(8, &[other], &proof.to_bytes()));
        assert!(!ours(8, &[other], &proof.to_bytes()));
        // 2^8 does not fit 8 bits, whatever the proof.
        let big = pedersen_gens().commit(Scalar::from(256u64), b).compress();
        assert!(!ours(8, &[big], &proof.to_bytes()));
    }
}

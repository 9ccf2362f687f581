//! Verification equations: the range proofs' and the sigma proof's checks as
//! linear combinations of points that must sum to the identity (spec §8.1.1,
//! §8.3). One presentation's equations, or many presentations', are checked
//! with one multiscalar multiplication.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use crate::errors::DecodeError;
use crate::generators::{bulletproof_g, bulletproof_h, pedersen_gens, MAX_BITS};
use crate::sigma::{self, Base, Relation, SigmaProof};
use crate::transcript::TranscriptProtocol;
use crate::wire::{caps, Point, Reader};

/// Coefficients of one range group's generators `G_{j,k}`, `H_{j,k}`, `j < m`,
/// `k < n`, stored at `j·n + k`.
struct GroupCoefficients {
    n: usize,
    m: usize,
    /// The part of each coefficient that varies with the index.
    g: Vec<Scalar>,
    h: Vec<Scalar>,
    /// The part common to every index (`−ρz` for `G`, `ρz` for `H`), added
    /// once per group shape when equations are summed.
    g_common: Scalar,
    h_common: Scalar,
}

/// `b·B + b_blinding·B_blinding + Σ g·G + Σ h·H + Σ sᵢ·Pᵢ`, which must be the
/// identity.
#[derive(Default)]
pub(crate) struct Equation<'a> {
    b: Scalar,
    b_blinding: Scalar,
    groups: Vec<GroupCoefficients>,
    /// Terms on points of the presentation, which are not copied.
    borrowed: Vec<(Scalar, &'a RistrettoPoint)>,
    /// Terms on points the verifier derived.
    owned: Vec<(Scalar, RistrettoPoint)>,
    pending: Vec<PendingRange<'a>>,
}

/// A transcript-level failure: the proof cannot be checked at all.
#[derive(Debug)]
pub(crate) struct Invalid;

/// The fields of a range proof, in the layout of bulletproofs' `to_bytes`
/// (spec §3.9), with every point decompressed once.
#[allow(non_snake_case)]
#[derive(Clone, Debug)]
pub(crate) struct RangeProofParts {
    A: Point,
    S: Point,
    T_1: Point,
    T_2: Point,
    t_x: Scalar,
    t_x_blinding: Scalar,
    e_blinding: Scalar,
    L: Vec<Point>,
    R: Vec<Point>,
    a: Scalar,
    b: Scalar,
}

impl RangeProofParts {
    /// Strict decoding: four points, three scalars, `q ≤ 12` pairs of points,
    /// two scalars; every point decompresses, every scalar is canonical.
    #[allow(non_snake_case)]
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let bad = || DecodeError::Invalid("range proof layout".into());
        if bytes.len() % 32 != 0 || bytes.len() < 9 * 32 {
            return Err(bad());
        }
        let n = bytes.len() / 32;
        if (n - 9) % 2 != 0 || (n - 9) / 2 > 12 {
            return Err(bad());
        }
        let q = (n - 9) / 2;
        let mut r = Reader::new(bytes)?;
        let A = r.full_point("range proof point")?;
        let S = r.full_point("range proof point")?;
        let T_1 = r.full_point("range proof point")?;
        let T_2 = r.full_point("range proof point")?;
        let t_x = r.scalar("range proof scalar")?;
        let t_x_blinding = r.scalar("range proof scalar")?;
        let e_blinding = r.scalar("range proof scalar")?;
        let mut L = Vec::with_capacity(q);
        let mut R = Vec::with_capacity(q);
        for _ in 0..q {
            L.push(r.full_point("range proof point")?);
            R.push(r.full_point("range proof point")?);
        }
        let a = r.scalar("range proof scalar")?;
        let b = r.scalar("range proof scalar")?;
        r.finish()?;
        Ok(RangeProofParts {
            A,
            S,
            T_1,
            T_2,
            t_x,
            t_x_blinding,
            e_blinding,
            L,
            R,
            a,
            b,
        })
    }
}

/// Appends a point that must not be the identity, as bulletproofs'
/// `validate_and_append_point` does.
fn validated(t: &mut Transcript, label: &'static [u8], p: &Point) -> Result<(), Invalid> {
    if p.compressed.is_identity() {
        return Err(Invalid);
    }
    t.append_point(label, &p.compressed);
    Ok(())
}

/// A random 128-bit weight: combining checks with such weights lets a false
/// one pass with probability at most 2^-128.
fn weight<R: RngCore + CryptoRng>(rng: &mut R) -> Scalar {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    Scalar::from(u128::from_le_bytes(b))
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
struct PendingRange<'a> {
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

impl<'a> Equation<'a> {
    /// Replays one aggregated range proof on the transcript, exactly as
    /// bulletproofs 5's `verify_multiple` does (spec §8.1.1). Its check is
    /// added by [`finish`], with a fresh random weight.
    ///
    /// `commitments` are the padded value commitments, computed by the
    /// verifier.
    #[allow(non_snake_case)]
    pub fn add_range_proof(
        &mut self,
        t: &mut Transcript,
        n: usize,
        commitments: &[Point],
        p: &'a RangeProofParts,
    ) -> Result<(), Invalid> {
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
        self.pending.push(PendingRange {
            n,
            m,
            y,
            z,
            x,
            w,
            u,
            parts: p,
            V,
        });
        Ok(())
    }

    /// Adds a replayed range proof's check, given `y⁻¹` and the inverses of its
    /// inner-product challenges.
    #[allow(non_snake_case)]
    fn add_range_check(
        &mut self,
        p: PendingRange<'a>,
        y_inv: Scalar,
        u_inv: &[Scalar],
        rho: Scalar,
        c: Scalar,
    ) {
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
        self.borrowed.reserve(4 + 2 * q);
        self.borrowed.push((rho, &parts.A.point));
        self.borrowed.push((rho_x, &parts.S.point));
        self.borrowed.push((rho_c_x, &parts.T_1.point));
        self.borrowed.push((rho_c_x * x, &parts.T_2.point));
        for ((l, r), (us, uis)) in parts.L.iter().zip(&parts.R).zip(u_sq.iter().zip(&u_inv_sq)) {
            self.borrowed.push((rho * us, &l.point));
            self.borrowed.push((rho * uis, &r.point));
        }
        // The value commitments: ρc·z²·z^j.
        let mut z_pow = Vec::with_capacity(m);
        let mut zj = rho_c_zz;
        for _ in 0..m {
            z_pow.push(zj);
            zj *= z;
        }
        for (j, V) in p.V {
            self.owned.push((z_pow[j], V));
        }
        self.b_blinding -= rho * parts.e_blinding + rho_c * parts.t_x_blinding;
        self.b += rho * p.w * (parts.t_x - parts.a * parts.b) + rho_c * (delta - parts.t_x);

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
        self.groups.push(GroupCoefficients {
            n,
            m,
            g,
            h,
            g_common: -rho_z,
            h_common: rho_z,
        });
    }

    /// Adds the sigma proof's relations `Σ z_j·G_j − c·P_i − A_i = 0`, each
    /// weighted by a fresh random scalar, after replaying its transcript.
    pub fn add_sigma<R: RngCore + CryptoRng>(
        &mut self,
        t: &mut Transcript,
        relations: &[Relation],
        witnesses: usize,
        proof: &'a SigmaProof,
        rng: &mut R,
    ) -> Result<(), Invalid> {
        let c = sigma::replay(t, relations, witnesses, proof).ok_or(Invalid)?;
        for (r, a) in relations.iter().zip(&proof.commitments) {
            let rho = weight(rng);
            for (j, base) in &r.terms {
                let z = proof.responses.get(*j).ok_or(Invalid)?;
                match base {
                    Base::Value => self.b += rho * z,
                    Base::Blinding => self.b_blinding += rho * z,
                }
            }
            self.owned.push((-(rho * c), r.lhs.point));
            self.borrowed.push((-rho, &a.point));
        }
        Ok(())
    }
}

/// Adds every pending range proof's check to its equation, each weighted by
/// a fresh random scalar, with one scalar inversion for all of them.
pub(crate) fn finish<R: RngCore + CryptoRng>(equations: &mut [&mut Equation<'_>], rng: &mut R) {
    // y and the inner-product challenges of every pending proof, inverted
    // together.
    let mut inverses: Vec<Scalar> = Vec::new();
    for e in equations.iter() {
        for p in &e.pending {
            inverses.push(p.y);
            inverses.extend_from_slice(&p.u);
        }
    }
    Scalar::batch_invert(&mut inverses);
    let mut at = 0;
    for e in equations.iter_mut() {
        for p in std::mem::take(&mut e.pending) {
            let q = p.u.len();
            let Some([y_inv, u_inv @ ..]) = inverses.get(at..at + 1 + q) else {
                return;
            };
            at += 1 + q;
            let rho = weight(rng);
            let c = weight(rng);
            e.add_range_check(p, *y_inv, u_inv, rho, c);
        }
    }
}

/// Whether the sum of `equations` is the identity: one multiscalar
/// multiplication over all of them. Pending range proofs must have been
/// finished.
pub(crate) fn holds(equations: &[&Equation<'_>]) -> bool {
    if equations.iter().any(|e| !e.pending.is_empty()) {
        return false;
    }
    const P: usize = caps::RANGE_STATEMENTS_PER_WIDTH;
    let (mut max_n, mut max_m) = (0, 0);
    for e in equations {
        for g in &e.groups {
            max_n = max_n.max(g.n);
            max_m = max_m.max(g.m);
        }
    }
    let mut g = vec![Scalar::ZERO; max_n * max_m];
    let mut h = vec![Scalar::ZERO; max_n * max_m];
    let mut used = vec![false; max_n * max_m];
    let (mut b, mut b_blinding) = (Scalar::ZERO, Scalar::ZERO);
    // The common parts, summed per group shape (n, m).
    let mut common: Vec<((usize, usize), Scalar, Scalar)> = Vec::new();
    for e in equations {
        b += e.b;
        b_blinding += e.b_blinding;
        for grp in &e.groups {
            match common
                .iter_mut()
                .find(|(shape, _, _)| *shape == (grp.n, grp.m))
            {
                Some((_, gc, hc)) => {
                    *gc += grp.g_common;
                    *hc += grp.h_common;
                }
                None => common.push(((grp.n, grp.m), grp.g_common, grp.h_common)),
            }
            for j in 0..grp.m {
                for k in 0..grp.n {
                    let at = j * max_n + k;
                    let i = j * grp.n + k;
                    g[at] += grp.g[i];
                    h[at] += grp.h[i];
                    used[at] = true;
                }
            }
        }
    }
    for ((n, m), gc, hc) in common {
        for j in 0..m {
            for k in 0..n {
                let at = j * max_n + k;
                g[at] += gc;
                h[at] += hc;
            }
        }
    }
    let pc = pedersen_gens();
    let (gs, hs) = (bulletproof_g(), bulletproof_h());
    let dynamic: usize = equations
        .iter()
        .map(|e| e.borrowed.len() + e.owned.len())
        .sum();
    let fixed = 2 + 2 * used.iter().filter(|u| **u).count();
    let count = fixed + dynamic;
    let mut scalars = Vec::with_capacity(fixed);
    let mut points = Vec::with_capacity(fixed);
    scalars.push(b);
    points.push(pc.B);
    scalars.push(b_blinding);
    points.push(pc.B_blinding);
    for j in 0..max_m.min(P) {
        for k in 0..max_n.min(MAX_BITS) {
            let at = j * max_n + k;
            if used[at] {
                scalars.push(g[at]);
                points.push(gs[j][k]);
                scalars.push(h[at]);
                points.push(hs[j][k]);
            }
        }
    }
    // The dynamic terms go to the multiplication without being copied.
    let dyn_scalars = equations.iter().flat_map(|e| {
        e.borrowed
            .iter()
            .map(|(s, _)| s)
            .chain(e.owned.iter().map(|(s, _)| s))
    });
    let dyn_points = equations.iter().flat_map(|e| {
        e.borrowed
            .iter()
            .map(|(_, p)| *p)
            .chain(e.owned.iter().map(|(_, p)| p))
    });
    RistrettoPoint::vartime_multiscalar_mul(
        Exact::new(scalars.iter().chain(dyn_scalars), count),
        Exact::new(points.iter().chain(dyn_points), count),
    )
    .is_identity()
}

/// An iterator of known length, as the multiscalar multiplication requires.
struct Exact<I> {
    inner: I,
    left: usize,
}

impl<I> Exact<I> {
    fn new(inner: I, len: usize) -> Self {
        Exact { inner, left: len }
    }
}

impl<I: Iterator> Iterator for Exact<I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<I::Item> {
        let x = self.inner.next()?;
        self.left = self.left.saturating_sub(1);
        Some(x)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generators::bulletproof_gens;
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
        let (Some(commitments), Ok(parts)) = (commitments, RangeProofParts::parse(proof)) else {
            return false;
        };
        let mut eq = Equation::default();
        let mut t = Transcript::new(b"cross-check");
        if eq.add_range_proof(&mut t, n, &commitments, &parts).is_err() {
            return false;
        }
        finish(&mut [&mut eq], &mut OsRng);
        holds(&[&eq])
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

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
    g: Vec<Scalar>,
    h: Vec<Scalar>,
}

/// `b·B + b_blinding·B_blinding + Σ g·G + Σ h·H + Σ sᵢ·Pᵢ`, which must be the
/// identity.
#[derive(Default)]
pub(crate) struct Equation {
    b: Scalar,
    b_blinding: Scalar,
    groups: Vec<GroupCoefficients>,
    dynamic: Vec<(Scalar, RistrettoPoint)>,
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
fn validated(
    t: &mut Transcript,
    label: &'static [u8],
    p: &Point,
) -> Result<RistrettoPoint, Invalid> {
    if p.compressed.is_identity() {
        return Err(Invalid);
    }
    t.append_point(label, &p.compressed);
    Ok(p.point)
}

/// `Σ_{i<n} x^i`.
fn sum_of_powers(x: &Scalar, n: usize) -> Scalar {
    let mut sum = Scalar::ZERO;
    let mut p = Scalar::ONE;
    for _ in 0..n {
        sum += p;
        p *= x;
    }
    sum
}

impl Equation {
    /// Replays one aggregated range proof on the transcript, exactly as
    /// bulletproofs 5's `verify_multiple` does, and adds its check, weighted by
    /// a fresh random scalar (spec §8.1.1).
    ///
    /// `commitments` are the padded value commitments, already computed by the
    /// verifier, with their compressed encodings.
    #[allow(non_snake_case)]
    pub fn add_range_proof<R: RngCore + CryptoRng>(
        &mut self,
        t: &mut Transcript,
        n: usize,
        commitments: &[Point],
        p: &RangeProofParts,
        rng: &mut R,
    ) -> Result<(), Invalid> {
        let m = commitments.len();
        if !matches!(n, 8 | 16 | 32 | 64)
            || n > MAX_BITS
            || m == 0
            || !m.is_power_of_two()
            || m > caps::RANGE_STATEMENTS_PER_WIDTH
        {
            return Err(Invalid);
        }
        let N = n * m;
        let q = p.L.len();
        if q >= 32 || N != 1 << q {
            return Err(Invalid);
        }

        t.append_message(b"dom-sep", b"rangeproof v1");
        t.append_u64(b"n", n as u64);
        t.append_u64(b"m", m as u64);
        for V in commitments {
            t.append_point(b"V", &V.compressed);
        }
        let A = validated(t, b"A", &p.A)?;
        let S = validated(t, b"S", &p.S)?;
        let y = t.challenge_scalar(b"y");
        let z = t.challenge_scalar(b"z");
        let T_1 = validated(t, b"T_1", &p.T_1)?;
        let T_2 = validated(t, b"T_2", &p.T_2)?;
        let x = t.challenge_scalar(b"x");
        t.append_message(b"t_x", p.t_x.as_bytes());
        t.append_message(b"t_x_blinding", p.t_x_blinding.as_bytes());
        t.append_message(b"e_blinding", p.e_blinding.as_bytes());
        let w = t.challenge_scalar(b"w");

        // The inner-product argument's challenges and its scalars s_i.
        t.append_message(b"dom-sep", b"ipp v1");
        t.append_u64(b"n", N as u64);
        let mut u = Vec::with_capacity(q);
        let mut L = Vec::with_capacity(q);
        let mut R = Vec::with_capacity(q);
        for (l, r) in p.L.iter().zip(&p.R) {
            L.push(validated(t, b"L", l)?);
            R.push(validated(t, b"R", r)?);
            u.push(t.challenge_scalar(b"u"));
        }
        let mut u_inv = u.clone();
        let all_inv = Scalar::batch_invert(&mut u_inv);
        let u_sq: Vec<Scalar> = u.iter().map(|x| x * x).collect();
        let u_inv_sq: Vec<Scalar> = u_inv.iter().map(|x| x * x).collect();
        let mut s = Vec::with_capacity(N);
        s.push(all_inv);
        for i in 1..N {
            let lg_i = (usize::BITS - 1 - i.leading_zeros()) as usize;
            let k = 1 << lg_i;
            s.push(s[i - k] * u_sq[(q - 1) - lg_i]);
        }

        let c = Scalar::random(rng);
        let rho = Scalar::random(rng);
        let zz = z * z;
        let y_inv = y.invert();
        let delta = (z - zz) * sum_of_powers(&y, N)
            - zz * z * sum_of_powers(&Scalar::from(2u64), n) * sum_of_powers(&z, m);

        self.dynamic.push((rho, A));
        self.dynamic.push((rho * x, S));
        self.dynamic.push((rho * c * x, T_1));
        self.dynamic.push((rho * c * x * x, T_2));
        for ((l, r), (us, uis)) in L.into_iter().zip(R).zip(u_sq.iter().zip(&u_inv_sq)) {
            self.dynamic.push((rho * us, l));
            self.dynamic.push((rho * uis, r));
        }
        let mut z_j = rho * c * zz;
        for V in commitments {
            self.dynamic.push((z_j, V.point));
            z_j *= z;
        }
        self.b_blinding -= rho * (p.e_blinding + c * p.t_x_blinding);
        self.b += rho * (w * (p.t_x - p.a * p.b) + c * (delta - p.t_x));

        let mut g = Vec::with_capacity(N);
        let mut h = Vec::with_capacity(N);
        let mut y_inv_i = rho;
        let mut z_party = zz;
        for j in 0..m {
            let mut two_k = Scalar::ONE;
            for k in 0..n {
                let i = j * n + k;
                g.push(rho * (-z - p.a * s[i]));
                h.push(rho * z + y_inv_i * (z_party * two_k - p.b * s[N - 1 - i]));
                y_inv_i *= y_inv;
                two_k += two_k;
            }
            z_party *= z;
        }
        self.groups.push(GroupCoefficients { n, m, g, h });
        Ok(())
    }

    /// Adds the sigma proof's relations `Σ z_j·G_j − c·P_i − A_i = 0`, each
    /// weighted by a fresh random scalar, after replaying its transcript.
    pub fn add_sigma<R: RngCore + CryptoRng>(
        &mut self,
        t: &mut Transcript,
        relations: &[Relation],
        witnesses: usize,
        proof: &SigmaProof,
        rng: &mut R,
    ) -> Result<(), Invalid> {
        let c = sigma::replay(t, relations, witnesses, proof).ok_or(Invalid)?;
        for (r, a) in relations.iter().zip(&proof.commitments) {
            let rho = Scalar::random(rng);
            for (j, base) in &r.terms {
                let z = proof.responses.get(*j).ok_or(Invalid)?;
                match base {
                    Base::Value => self.b += rho * z,
                    Base::Blinding => self.b_blinding += rho * z,
                }
            }
            self.dynamic.push((-(rho * c), r.lhs));
            self.dynamic.push((-rho, a.point));
        }
        Ok(())
    }
}

/// Whether the sum of `equations` is the identity: one multiscalar
/// multiplication over all of them.
pub(crate) fn holds(equations: &[&Equation]) -> bool {
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
    let mut dynamic = 0;
    for e in equations {
        b += e.b;
        b_blinding += e.b_blinding;
        dynamic += e.dynamic.len();
        for grp in &e.groups {
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
    let pc = pedersen_gens();
    let (gs, hs) = (bulletproof_g(), bulletproof_h());
    let count = 2 + 2 * used.iter().filter(|u| **u).count() + dynamic;
    let mut scalars = Vec::with_capacity(count);
    let mut points = Vec::with_capacity(count);
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
    for e in equations {
        for (s, p) in &e.dynamic {
            scalars.push(*s);
            points.push(*p);
        }
    }
    RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
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
        eq.add_range_proof(&mut t, n, &commitments, &parts, &mut OsRng)
            .is_ok()
            && holds(&[&eq])
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

//! The verifier's multiscalar accumulator (spec §8.1, §8.3): checks written
//! as linear combinations of points that must sum to the identity, for one
//! presentation or many, evaluated with one multiscalar multiplication.
//!
//! Terms are of two kinds. Shared terms are on points every check uses (`B`,
//! `B_blinding` and the Bulletproofs generators `G_{j,k}`, `H_{j,k}`): their
//! coefficients are summed across all accumulators before the
//! multiplication. Instance terms are on points of one presentation (its
//! proof elements, or commitments the verifier derived from it).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_core::{CryptoRng, RngCore};

use crate::generators::{bulletproof_g, bulletproof_h, pedersen_gens, MAX_BITS};
use crate::wire::caps;

/// Coefficients of one block of Bulletproofs generators `G_{j,k}`, `H_{j,k}`,
/// `j < m`, `k < n`, stored at `j·n + k`.
pub(crate) struct GeneratorBlock {
    pub n: usize,
    pub m: usize,
    /// The part of each coefficient that varies with the index.
    pub g: Vec<Scalar>,
    pub h: Vec<Scalar>,
    /// The part common to every index, added once per block shape when
    /// accumulators are summed.
    pub g_common: Scalar,
    pub h_common: Scalar,
}

/// `b·B + b_blinding·B_blinding + Σ g·G + Σ h·H + Σ sᵢ·Pᵢ`, which must be the
/// identity.
#[derive(Default)]
pub(crate) struct Msm<'a> {
    b: Scalar,
    b_blinding: Scalar,
    blocks: Vec<GeneratorBlock>,
    /// Instance terms on points of the presentation, which are not copied.
    borrowed: Vec<(Scalar, &'a RistrettoPoint)>,
    /// Instance terms on points the verifier derived.
    owned: Vec<(Scalar, RistrettoPoint)>,
}

impl<'a> Msm<'a> {
    /// Adds `s·B`.
    pub fn add_b(&mut self, s: Scalar) {
        self.b += s;
    }
    /// Adds `s·B_blinding`.
    pub fn add_b_blinding(&mut self, s: Scalar) {
        self.b_blinding += s;
    }
    /// Adds a block of coefficients of the Bulletproofs generators.
    pub fn add_generators(&mut self, block: GeneratorBlock) {
        self.blocks.push(block);
    }
    /// Adds `s·P` for a point the accumulator borrows.
    pub fn add_borrowed(&mut self, s: Scalar, p: &'a RistrettoPoint) {
        self.borrowed.push((s, p));
    }
    /// Adds `s·P` for a point the verifier computed.
    pub fn add_owned(&mut self, s: Scalar, p: RistrettoPoint) {
        self.owned.push((s, p));
    }
    /// Room for `n` more borrowed terms.
    pub fn reserve_borrowed(&mut self, n: usize) {
        self.borrowed.reserve(n);
    }
}

/// A check that cannot be evaluated at all: a proof of the wrong shape, or
/// with an element that must not be the identity.
#[derive(Debug)]
pub(crate) struct Invalid;

/// A random 128-bit weight: combining checks with such weights lets a false
/// one pass with probability at most 2^-128.
pub(crate) fn weight<R: RngCore + CryptoRng>(rng: &mut R) -> Scalar {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    Scalar::from(u128::from_le_bytes(b))
}

/// Whether the sum of `msms` is the identity: one multiscalar multiplication
/// over all of them.
pub(crate) fn holds(msms: &[&Msm<'_>]) -> bool {
    const P: usize = caps::RANGE_STATEMENTS_PER_WIDTH;
    let (mut max_n, mut max_m) = (0, 0);
    for e in msms {
        for g in &e.blocks {
            max_n = max_n.max(g.n);
            max_m = max_m.max(g.m);
        }
    }
    let mut g = vec![Scalar::ZERO; max_n * max_m];
    let mut h = vec![Scalar::ZERO; max_n * max_m];
    let mut used = vec![false; max_n * max_m];
    let (mut b, mut b_blinding) = (Scalar::ZERO, Scalar::ZERO);
    // The common parts, summed per block shape (n, m).
    let mut common: Vec<((usize, usize), Scalar, Scalar)> = Vec::new();
    for e in msms {
        b += e.b;
        b_blinding += e.b_blinding;
        for blk in &e.blocks {
            match common
                .iter_mut()
                .find(|(shape, _, _)| *shape == (blk.n, blk.m))
            {
                Some((_, gc, hc)) => {
                    *gc += blk.g_common;
                    *hc += blk.h_common;
                }
                None => common.push(((blk.n, blk.m), blk.g_common, blk.h_common)),
            }
            for j in 0..blk.m {
                for k in 0..blk.n {
                    let at = j * max_n + k;
                    let i = j * blk.n + k;
                    g[at] += blk.g[i];
                    h[at] += blk.h[i];
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
    let instance: usize = msms.iter().map(|e| e.borrowed.len() + e.owned.len()).sum();
    let shared = 2 + 2 * used.iter().filter(|u| **u).count();
    let count = shared + instance;
    let mut scalars = Vec::with_capacity(shared);
    let mut points = Vec::with_capacity(shared);
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
    // The instance terms go to the multiplication without being copied.
    let instance_scalars = msms.iter().flat_map(|e| {
        e.borrowed
            .iter()
            .map(|(s, _)| s)
            .chain(e.owned.iter().map(|(s, _)| s))
    });
    let instance_points = msms.iter().flat_map(|e| {
        e.borrowed
            .iter()
            .map(|(_, p)| *p)
            .chain(e.owned.iter().map(|(_, p)| p))
    });
    RistrettoPoint::vartime_multiscalar_mul(
        Exact::new(scalars.iter().chain(instance_scalars), count),
        Exact::new(points.iter().chain(instance_points), count),
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
    use rand::rngs::OsRng;

    #[test]
    fn shared_and_instance_terms_sum_across_accumulators() {
        let pc = pedersen_gens();
        let x = Scalar::random(&mut OsRng);
        let p = pc.B * x;
        // x·B - P = 0, split over two accumulators.
        let mut a = Msm::default();
        a.add_b(x);
        let mut b = Msm::default();
        b.add_borrowed(-Scalar::ONE, &p);
        assert!(!holds(&[&a]));
        assert!(holds(&[&a, &b]));
        // A generator block whose coefficients cancel with its common part.
        let mut c = Msm::default();
        c.add_generators(GeneratorBlock {
            n: 8,
            m: 1,
            g: vec![Scalar::ONE; 8],
            h: vec![-Scalar::ONE; 8],
            g_common: -Scalar::ONE,
            h_common: Scalar::ONE,
        });
        assert!(holds(&[&a, &b, &c]));
        c.add_owned(Scalar::ONE, pc.B_blinding);
        assert!(!holds(&[&a, &b, &c]));
    }
}

//! The verifier (spec/membership.md §7): single, batched over one list, and
//! batched across threads. Everything here is on public data and variable
//! time.
//!
//! Each proof gives two equations that must hold:
//!
//! ```text
//! (E1)  Σ_k p_k(x)·D_k − x^m·D' − Σ_j x^j·X_j − z·B_blinding = 𝟘
//! (E2)  x·B + A − z_A·H − Σ_c (f_c·G_{2c} + f_c·(x − f_c)·G_{2c+1}) = 𝟘
//! ```
//!
//! weighted and summed into one multiscalar multiplication. The list
//! scalars `p_k(x) = Π_j f_{j,k_j}` are computed for all `k` at once with a
//! product tree (one multiplication per element and per inner node); the
//! elements repeated by padding are not multiplied at all: the last element
//! takes `x^m − Σ_{k<N−1} p_k(x)`, the sum of the scalars of its copies. In a
//! batch the list scalars of all proofs are summed, so the list appears once.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;

use super::{
    bind_commitments, bind_responses, bind_statement, commitment_key, MembershipError,
    MembershipProof, Parameters,
};
use crate::generators::pedersen_gens;
use crate::msm::weight;

/// One proof of a batch: its transcript (as the caller prepared it for
/// [`verify`]), its offset `D'` and the proof.
pub struct BatchItem<'a> {
    /// The proof's transcript, with the list and the context bound.
    pub transcript: &'a mut Transcript,
    /// The offset `D'`.
    pub offset: &'a RistrettoPoint,
    /// The proof.
    pub proof: &'a MembershipProof,
}

/// Verifies `proof` that some `list[l] − offset` is a multiple of
/// `B_blinding`, appending to `transcript` as [`prove()`](super::prove()) did
/// (spec §7.1).
///
/// # Errors
/// [`MembershipError::WrongParameters`] for a proof made for other
/// parameters; [`MembershipError::ListSize`] for a list that is empty or
/// longer than `n^m`; [`MembershipError::Invalid`] when the proof does not
/// verify.
pub fn verify(
    params: &Parameters,
    transcript: &mut Transcript,
    list: &[RistrettoPoint],
    offset: &RistrettoPoint,
    proof: &MembershipProof,
) -> Result<(), MembershipError> {
    let r = replay(params, transcript, list.len(), offset, proof)?;
    let mut eq = Equation::new(params, list.len());
    eq.add_proof(&r, Scalar::ONE, weight(&mut rand_core::OsRng));
    if eq.holds(list, false) {
        Ok(())
    } else {
        Err(MembershipError::Invalid)
    }
}

/// Verifies many proofs against one list (spec §7.2): both equations of
/// every proof, each weighted by an independent random 128-bit scalar, are
/// checked with one multiscalar multiplication in which every list element
/// appears once.
///
/// The result is that of verifying each proof with [`verify`], except with
/// probability at most `2^−128` when some proof is invalid.
///
/// # Errors
/// As [`verify`], for the first proof whose parameters do not fit or for
/// the batch as a whole ([`MembershipError::Invalid`]); [`verify_each`]
/// says which proofs fail.
pub fn verify_batch(
    params: &Parameters,
    list: &[RistrettoPoint],
    items: &mut [BatchItem<'_>],
) -> Result<(), MembershipError> {
    batch(params, list, items, false)
}

/// [`verify_batch`] with the list scalars of the proofs and the
/// multiplication over the list spread across the threads of rayon's global
/// pool.
///
/// # Errors
/// As [`verify_batch`].
#[cfg(feature = "parallel")]
pub fn verify_batch_parallel(
    params: &Parameters,
    list: &[RistrettoPoint],
    items: &mut [BatchItem<'_>],
) -> Result<(), MembershipError> {
    batch(params, list, items, true)
}

/// The verdict on each proof: `true` when it verifies. Checks them all as a
/// batch first and, if the batch fails, each one alone.
pub fn verify_each(
    params: &Parameters,
    list: &[RistrettoPoint],
    items: &mut [BatchItem<'_>],
) -> Vec<bool> {
    verify_each_with(params, list, items, false)
}

/// [`verify_each`], with the batch's list scalars and multiplication over
/// the list spread across the threads of rayon's global pool when
/// `parallel` (and the `parallel` feature is on).
pub(crate) fn verify_each_with(
    params: &Parameters,
    list: &[RistrettoPoint],
    items: &mut [BatchItem<'_>],
    parallel: bool,
) -> Vec<bool> {
    let replayed: Vec<Option<Replayed<'_>>> = items
        .iter_mut()
        .map(|it| replay(params, it.transcript, list.len(), it.offset, it.proof).ok())
        .collect();
    let good: Vec<&Replayed<'_>> = replayed.iter().flatten().collect();
    if good.is_empty() || check(params, list, &good, parallel) {
        return replayed.iter().map(Option::is_some).collect();
    }
    replayed
        .iter()
        .map(|r| r.as_ref().is_some_and(|r| check(params, list, &[r], false)))
        .collect()
}

fn batch(
    params: &Parameters,
    list: &[RistrettoPoint],
    items: &mut [BatchItem<'_>],
    parallel: bool,
) -> Result<(), MembershipError> {
    let replayed = items
        .iter_mut()
        .map(|it| replay(params, it.transcript, list.len(), it.offset, it.proof))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&Replayed<'_>> = replayed.iter().collect();
    if refs.is_empty() || check(params, list, &refs, parallel) {
        Ok(())
    } else {
        Err(MembershipError::Invalid)
    }
}

/// A proof whose transcript has been replayed.
struct Replayed<'a> {
    proof: &'a MembershipProof,
    offset: &'a RistrettoPoint,
    x: Scalar,
    /// `x^0..x^m`.
    powers: Vec<Scalar>,
    /// `f_{j,i}` at `j·n + i`, with `f_{j,0} = x − Σ_{i≥1} f_{j,i}`.
    f: Vec<Scalar>,
}

/// Replays a proof's messages on `t` without checking it, so that the
/// statements after it can be replayed; the proof is checked later from a
/// copy of `t` taken before ([`verify`], [`verify_batch`]).
pub(crate) fn absorb(
    params: &Parameters,
    t: &mut Transcript,
    count: usize,
    offset: &RistrettoPoint,
    proof: &MembershipProof,
) -> Result<(), MembershipError> {
    replay(params, t, count, offset, proof).map(drop)
}

/// Checks the shapes, replays the transcript (spec §5) and derives the
/// challenge, its powers and the full matrix `f`.
fn replay<'a>(
    params: &Parameters,
    t: &mut Transcript,
    count: usize,
    offset: &'a RistrettoPoint,
    proof: &'a MembershipProof,
) -> Result<Replayed<'a>, MembershipError> {
    if proof.params != *params {
        return Err(MembershipError::WrongParameters);
    }
    params.check_list(count)?;
    let (n, m) = (params.n, params.m);
    bind_statement(t, params, count, &offset.compress());
    let x = bind_commitments(t, &proof.A.compressed, &proof.B.compressed, &proof.X);
    bind_responses(t, &proof.f, &proof.z_A, &proof.z);
    let mut powers = Vec::with_capacity(m + 1);
    let mut p = Scalar::ONE;
    for _ in 0..=m {
        powers.push(p);
        p *= x;
    }
    let mut f = Vec::with_capacity(m * n);
    for row in proof.f.chunks(n - 1) {
        let rest: Scalar = row.iter().sum();
        f.push(x - rest);
        f.extend_from_slice(row);
    }
    Ok(Replayed {
        proof,
        offset,
        x,
        powers,
        f,
    })
}

/// Whether the weighted sum of the equations of `proofs` holds.
fn check(
    params: &Parameters,
    list: &[RistrettoPoint],
    proofs: &[&Replayed<'_>],
    parallel: bool,
) -> bool {
    let mut rng = rand_core::OsRng;
    let weights: Vec<(Scalar, Scalar)> = proofs
        .iter()
        .map(|_| (weight(&mut rng), weight(&mut rng)))
        .collect();
    let mut eq = Equation::new(params, list.len());
    for (r, (w1, w2)) in proofs.iter().zip(&weights) {
        eq.add_small(r, *w1, *w2);
    }
    if parallel {
        eq.list = parallel::list_scalars(params, list.len(), proofs, &weights);
    } else {
        for (r, (w1, _)) in proofs.iter().zip(&weights) {
            add_list_scalars(&mut eq.list, params, &r.f, *w1, *w1 * r.powers[params.m]);
        }
    }
    eq.holds(list, parallel)
}

/// A weighted sum of equations: coefficients of the list elements, of the
/// commitment key, of `B_blinding`, and of points of single proofs.
struct Equation {
    list: Vec<Scalar>,
    key: Vec<Scalar>,
    blinding: Scalar,
    instance_scalars: Vec<Scalar>,
    instance_points: Vec<RistrettoPoint>,
}

impl Equation {
    fn new(params: &Parameters, count: usize) -> Self {
        Equation {
            list: vec![Scalar::ZERO; count],
            key: vec![Scalar::ZERO; 1 + 2 * params.m * params.n],
            blinding: Scalar::ZERO,
            instance_scalars: Vec::new(),
            instance_points: Vec::new(),
        }
    }

    /// Adds `w1·(E1) + w2·(E2)` of one proof.
    fn add_proof(&mut self, r: &Replayed<'_>, w1: Scalar, w2: Scalar) {
        self.add_small(r, w1, w2);
        let params = r.proof.params;
        add_list_scalars(&mut self.list, &params, &r.f, w1, w1 * r.powers[params.m]);
    }

    /// Adds `w1·(E1) + w2·(E2)` of one proof, but for its list terms.
    #[allow(non_snake_case)]
    fn add_small(&mut self, r: &Replayed<'_>, w1: Scalar, w2: Scalar) {
        let p = r.proof;
        let m = p.params.m;
        self.key[0] -= w2 * p.z_A;
        for (c, f) in r.f.iter().enumerate() {
            let wf = w2 * f;
            self.key[1 + 2 * c] -= wf;
            self.key[2 + 2 * c] -= wf * (r.x - f);
        }
        self.blinding -= w1 * p.z;
        self.push(w2, p.A.point);
        self.push(w2 * r.x, p.B.point);
        self.push(-(w1 * r.powers[m]), *r.offset);
        for (X, power) in p.X.iter().zip(&r.powers) {
            self.push(-(w1 * power), X.point);
        }
    }

    fn push(&mut self, s: Scalar, p: RistrettoPoint) {
        self.instance_scalars.push(s);
        self.instance_points.push(p);
    }

    /// Whether the sum is the identity: one multiscalar multiplication, or,
    /// in parallel, one per thread over a slice of the list.
    fn holds(&self, list: &[RistrettoPoint], parallel: bool) -> bool {
        let key = &commitment_key()[..self.key.len()];
        let blinding = pedersen_gens().B_blinding;
        let small_scalars = self
            .key
            .iter()
            .chain(&self.instance_scalars)
            .chain([&self.blinding]);
        let small_points = key.iter().chain(&self.instance_points).chain([&blinding]);
        if parallel {
            let small = RistrettoPoint::vartime_multiscalar_mul(small_scalars, small_points);
            (small + parallel::list_msm(&self.list, list)).is_identity()
        } else {
            RistrettoPoint::vartime_multiscalar_mul(
                self.list.iter().chain(small_scalars),
                list.iter().chain(small_points),
            )
            .is_identity()
        }
    }
}

/// Adds `w·p_k(x)` to `acc[k]` for every `k < N − 1` and `w·x^m − Σ_{k<N−1}
/// w·p_k(x)` to `acc[N − 1]`, with `N = acc.len()` and `w_xm = w·x^m`:
/// a product tree from the top digit down, over the nodes that cover some
/// `k < N − 1` only.
pub(super) fn add_list_scalars(
    acc: &mut [Scalar],
    params: &Parameters,
    f: &[Scalar],
    w: Scalar,
    w_xm: Scalar,
) {
    let (n, m) = (params.n, params.m);
    let Some(exact) = acc.len().checked_sub(1) else {
        return;
    };
    let mut sum = Scalar::ZERO;
    if exact > 0 {
        let mut cur = vec![w];
        let mut span = params.capacity;
        for j in (1..m).rev() {
            span /= n;
            let need = exact.div_ceil(span);
            let row = &f[j * n..(j + 1) * n];
            cur = cur
                .iter()
                .flat_map(|c| row.iter().map(move |fi| c * fi))
                .take(need)
                .collect();
        }
        for (chunk, c) in acc[..exact].chunks_mut(n).zip(&cur) {
            for (slot, fi) in chunk.iter_mut().zip(&f[..n]) {
                let p = c * fi;
                *slot += p;
                sum += p;
            }
        }
    }
    acc[exact] += w_xm - sum;
}

#[cfg(feature = "parallel")]
mod parallel {
    use rayon::prelude::*;

    use super::*;

    /// The summed list scalars of `proofs`, one accumulator per thread.
    pub(super) fn list_scalars(
        params: &Parameters,
        count: usize,
        proofs: &[&Replayed<'_>],
        weights: &[(Scalar, Scalar)],
    ) -> Vec<Scalar> {
        let threads = rayon::current_num_threads().max(1);
        let per = proofs.len().div_ceil(threads).max(1);
        proofs
            .par_iter()
            .zip(weights)
            .with_min_len(per)
            .fold(
                || vec![Scalar::ZERO; count],
                |mut acc, (r, (w1, _))| {
                    add_list_scalars(&mut acc, params, &r.f, *w1, *w1 * r.powers[params.m]);
                    acc
                },
            )
            .reduce_with(|mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            })
            .unwrap_or_else(|| vec![Scalar::ZERO; count])
    }

    /// `Σ_k scalars[k]·points[k]`, one slice per thread.
    pub(super) fn list_msm(scalars: &[Scalar], points: &[RistrettoPoint]) -> RistrettoPoint {
        let threads = rayon::current_num_threads().max(1);
        let chunk = points.len().div_ceil(threads).max(1);
        scalars
            .par_chunks(chunk)
            .zip(points.par_chunks(chunk))
            .map(|(s, p)| RistrettoPoint::vartime_multiscalar_mul(s, p))
            .sum()
    }
}

#[cfg(not(feature = "parallel"))]
mod parallel {
    use super::*;

    pub(super) fn list_scalars(
        params: &Parameters,
        count: usize,
        proofs: &[&Replayed<'_>],
        weights: &[(Scalar, Scalar)],
    ) -> Vec<Scalar> {
        let mut acc = vec![Scalar::ZERO; count];
        for (r, (w1, _)) in proofs.iter().zip(weights) {
            add_list_scalars(&mut acc, params, &r.f, *w1, *w1 * r.powers[params.m]);
        }
        acc
    }

    pub(super) fn list_msm(scalars: &[Scalar], points: &[RistrettoPoint]) -> RistrettoPoint {
        RistrettoPoint::vartime_multiscalar_mul(scalars, points)
    }
}

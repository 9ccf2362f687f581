//! The prover (spec/membership.md §6), constant time in the index `l` and in
//! every secret scalar.
//!
//! The points `X_j` are the coefficients of `Σ_k p_k(x)·D_k`, where
//! `p_k(x) = Π_j (σ_{j,k_j}·x + a_{j,k_j})`. Rather than one `N`-point
//! multiplication per coefficient, the list is folded one digit at a time:
//! each block of `n` polynomials (with point coefficients) becomes
//! `x·Q_{l_j} + Σ_i a_{j,i}·Q_i`, the first term a constant-time select,
//! the second an `(n−1)`-point constant-time multiscalar multiplication per
//! coefficient. About `N·n/(n−1)` constant-time point multiplications in all;
//! every memory access is at a public index.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, MultiscalarMul};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{
    bind_commitments, bind_responses, bind_statement, commitment_key, MembershipError,
    MembershipProof, Parameters, Witness,
};
use crate::generators::blinding_mul;
use crate::transcript::label;
use crate::wire::Point;

/// Proves that `list[l] − offset = τ·B_blinding` for the witness `(l, τ)`,
/// appending to `transcript` (spec §5, §6), with randomness from the
/// operating system.
///
/// # Errors
/// As [`prove_with_rng`].
pub fn prove(
    params: &Parameters,
    transcript: &mut Transcript,
    list: &[RistrettoPoint],
    offset: &RistrettoPoint,
    witness: &Witness,
) -> Result<MembershipProof, MembershipError> {
    prove_with_rng(
        params,
        transcript,
        list,
        offset,
        witness,
        &mut rand_core::OsRng,
    )
}

/// [`prove()`] with the caller's RNG. The masks come from the transcript's
/// RNG, rekeyed with the witness and finalized with `rng` (spec §6 step 2).
///
/// # Errors
/// [`MembershipError::ListSize`] for an empty list or one longer than
/// `n^m`; [`MembershipError::NotAMember`] when the witness does not open
/// `list[l] − offset` (checked in constant time, before anything but the
/// statement is appended to the transcript).
///
/// # Security
/// The caller binds the list (its digest) and the context to `transcript`
/// first. Nothing branches on, or indexes memory by, `l` or a secret scalar.
pub fn prove_with_rng<R: RngCore + CryptoRng>(
    params: &Parameters,
    transcript: &mut Transcript,
    list: &[RistrettoPoint],
    offset: &RistrettoPoint,
    witness: &Witness,
    rng: &mut R,
) -> Result<MembershipProof, MembershipError> {
    prove_inner(params, transcript, list, offset, witness, rng, false)
}

/// [`prove_with_rng`] with the folding spread across the threads of rayon's
/// global pool. The proof is the same as [`prove_with_rng`]'s for the same
/// RNG.
///
/// # Errors
/// As [`prove_with_rng`].
#[cfg(feature = "parallel")]
pub fn prove_parallel_with_rng<R: RngCore + CryptoRng>(
    params: &Parameters,
    transcript: &mut Transcript,
    list: &[RistrettoPoint],
    offset: &RistrettoPoint,
    witness: &Witness,
    rng: &mut R,
) -> Result<MembershipProof, MembershipError> {
    prove_inner(params, transcript, list, offset, witness, rng, true)
}

#[allow(non_snake_case)]
fn prove_inner<R: RngCore + CryptoRng>(
    params: &Parameters,
    t: &mut Transcript,
    list: &[RistrettoPoint],
    offset: &RistrettoPoint,
    witness: &Witness,
    rng: &mut R,
    parallel: bool,
) -> Result<MembershipProof, MembershipError> {
    let (n, m) = (params.n, params.m);
    params.check_list(list.len())?;
    // Reveals only that the witness is invalid.
    if witness.index >= list.len() {
        return Err(MembershipError::NotAMember);
    }
    bind_statement(t, params, list.len(), &offset.compress());
    let mut trng = t
        .build_rng()
        .rekey_with_witness_bytes(label::WITNESS, witness.blinding.as_bytes())
        .rekey_with_witness_bytes(label::WITNESS, &(witness.index as u64).to_le_bytes())
        .finalize(rng);

    // Masks, in the order of spec §6 step 3: a_{j,i} (j < m, 1 ≤ i < n),
    // r_A, r_B, ρ_0..ρ_{m−1}; a_{j,0} = −Σ_{i≥1} a_{j,i}.
    let mut a = Zeroizing::new(vec![Scalar::ZERO; m * n]);
    for row in a.chunks_mut(n) {
        let mut sum = Scalar::ZERO;
        for cell in row.iter_mut().skip(1) {
            *cell = Scalar::random(&mut trng);
            sum += *cell;
        }
        row[0] = -sum;
    }
    let r_A = Zeroizing::new(Scalar::random(&mut trng));
    let r_B = Zeroizing::new(Scalar::random(&mut trng));
    let rho: Zeroizing<Vec<Scalar>> =
        Zeroizing::new((0..m).map(|_| Scalar::random(&mut trng)).collect());

    let digits = digits(witness.index, n, m);
    let mut sigma = Zeroizing::new(vec![Scalar::ZERO; m * n]);
    for (j, row) in sigma.chunks_mut(n).enumerate() {
        for (i, cell) in row.iter_mut().enumerate() {
            *cell = Scalar::conditional_select(
                &Scalar::ZERO,
                &Scalar::ONE,
                digits[j].ct_eq(&(i as u32)),
            );
        }
    }

    // A = Com(a, −a∘a; r_A), B = Com(σ, a∘(1−2σ); r_B).
    let two = Scalar::from(2u8);
    let mut u = Zeroizing::new(Vec::with_capacity(m * n));
    let mut v = Zeroizing::new(Vec::with_capacity(m * n));
    for (s, x) in sigma.iter().zip(a.iter()) {
        u.push(*s);
        v.push(x * (Scalar::ONE - two * s));
    }
    let B = Point::new(commit(&u, &v, &r_B));
    u.clear();
    v.clear();
    for x in a.iter() {
        u.push(*x);
        v.push(-(x * x));
    }
    let A = Point::new(commit(&u, &v, &r_A));

    // Y_0..Y_m, the coefficients of Σ_k p_k(x)·D_k; Y_m = D_l.
    let Y = fold(list, n, m, &digits, &a, parallel);
    let member = (Y[m] - offset).ct_eq(&blinding_mul(&witness.blinding));
    if !bool::from(member) {
        return Err(MembershipError::NotAMember);
    }
    let X: Vec<Point> = (0..m)
        .map(|j| Point::new(Y[j] + blinding_mul(&rho[j])))
        .collect();

    let x = bind_commitments(t, &A.compressed, &B.compressed, &X);

    let mut f = Vec::with_capacity(m * (n - 1));
    for (s_row, a_row) in sigma.chunks(n).zip(a.chunks(n)) {
        for i in 1..n {
            f.push(s_row[i] * x + a_row[i]);
        }
    }
    let z_A = *r_B * x + *r_A;
    // z = τ·x^m − Σ_j ρ_j·x^j
    let mut z = Scalar::ZERO;
    let mut power = Scalar::ONE;
    for r in rho.iter() {
        z -= r * power;
        power *= x;
    }
    z += witness.blinding * power;
    bind_responses(t, &f, &z_A, &z);
    Ok(MembershipProof {
        params: *params,
        A,
        B,
        X,
        f,
        z_A,
        z,
    })
}

/// `Com(u, v; r) = r·H + Σ_k (u_k·G_{2k} + v_k·G_{2k+1})`, in constant time.
pub(super) fn commit(u: &[Scalar], v: &[Scalar], r: &Scalar) -> RistrettoPoint {
    let key = commitment_key();
    let mut scalars = Zeroizing::new(Vec::with_capacity(1 + 2 * u.len()));
    scalars.push(*r);
    for (a, b) in u.iter().zip(v) {
        scalars.push(*a);
        scalars.push(*b);
    }
    RistrettoPoint::multiscalar_mul(scalars.iter(), &key[..scalars.len()])
}

/// The `m` base-`n` digits of `l < 2^20`, least significant first, without
/// a division: `⌊r/n⌋ = (r·M) >> 40` with `M = ⌊2^40/n⌋ + 1` is exact for
/// `r < 2^21` and `n ≤ 16`, and integer multiplication takes the same time
/// for every operand.
pub(super) fn digits(l: usize, n: usize, m: usize) -> Zeroizing<Vec<u32>> {
    let magic = (1u64 << 40) / n as u64 + 1;
    let mut r = l as u64;
    let mut out = Zeroizing::new(Vec::with_capacity(m));
    for _ in 0..m {
        let q = r.wrapping_mul(magic) >> 40;
        out.push(r.wrapping_sub(q.wrapping_mul(n as u64)) as u32);
        r = q;
    }
    out
}

/// The coefficients `Y_0..Y_m` of `Σ_k p_k(x)·D_k` over the list padded to
/// `n^m` with its last element, by folding one digit per level.
///
/// At level `j` the polynomials have degree `j` and are stored flat, `j + 1`
/// coefficients each. Entries from `len` on are all equal to `pad`,
/// `x^j·D_{count−1}`, and are not stored: blocks made only of them fold to
/// `x^{j+1}·D_{count−1}` without arithmetic. Which blocks those are depends
/// on the list's length only.
pub(super) fn fold(
    list: &[RistrettoPoint],
    n: usize,
    m: usize,
    digits: &[u32],
    a: &[Scalar],
    parallel: bool,
) -> Zeroizing<Vec<RistrettoPoint>> {
    let identity = RistrettoPoint::identity();
    let mut level: Zeroizing<Vec<RistrettoPoint>> = Zeroizing::new(Vec::new());
    let mut len = list.len();
    let mut pad = Zeroizing::new(vec![list.last().copied().unwrap_or(identity)]);
    for j in 0..m {
        let stride = j + 1;
        let next_len = len.div_ceil(n);
        let mut next = Zeroizing::new(vec![identity; next_len * (stride + 1)]);
        let children = Children {
            src: if j == 0 { list } else { &level },
            len,
            stride,
            pad: &pad,
        };
        let a_j = &a[j * n..(j + 1) * n];
        let digit = digits[j];
        let block = |(b, out): (usize, &mut [RistrettoPoint])| {
            fold_block(n, b * n, &children, a_j, digit, out);
        };
        if parallel {
            par_for_each(&mut next, stride + 1, block);
        } else {
            next.chunks_mut(stride + 1).enumerate().for_each(block);
        }
        level = next;
        len = next_len;
        pad.insert(0, identity);
    }
    level
}

/// The polynomials of one level: `len` stored ones of `stride`
/// coefficients, then copies of `pad`.
struct Children<'a> {
    src: &'a [RistrettoPoint],
    len: usize,
    stride: usize,
    pad: &'a [RistrettoPoint],
}

impl<'a> Children<'a> {
    /// Polynomial `k`; `k` is public.
    fn get(&self, k: usize) -> &'a [RistrettoPoint] {
        if k < self.len {
            &self.src[k * self.stride..(k + 1) * self.stride]
        } else {
            self.pad
        }
    }
}

/// One block, of children `Q_i = children[first + i]`:
/// `out = x·Q_digit + Σ_{i≥1} a_i·(Q_i − Q_0)`.
fn fold_block(
    n: usize,
    first: usize,
    children: &Children<'_>,
    a: &[Scalar],
    digit: u32,
    out: &mut [RistrettoPoint],
) {
    let s = children.stride;
    let mut selected = Zeroizing::new(vec![RistrettoPoint::identity(); s]);
    for i in 0..n {
        let choice = digit.ct_eq(&(i as u32));
        for (sel, c) in selected.iter_mut().zip(children.get(first + i)) {
            sel.conditional_assign(c, choice);
        }
    }
    let q0 = children.get(first);
    for (t, o) in out.iter_mut().enumerate().take(s) {
        let diffs = (1..n).map(|i| children.get(first + i)[t] - q0[t]);
        *o = RistrettoPoint::multiscalar_mul(&a[1..], diffs);
    }
    for (o, sel) in out[1..].iter_mut().zip(selected.iter()) {
        *o += sel;
    }
}

#[cfg(feature = "parallel")]
fn par_for_each<F>(out: &mut [RistrettoPoint], chunk: usize, f: F)
where
    F: Fn((usize, &mut [RistrettoPoint])) + Sync + Send,
{
    use rayon::prelude::*;
    out.par_chunks_mut(chunk).enumerate().for_each(f);
}

#[cfg(not(feature = "parallel"))]
fn par_for_each<F>(out: &mut [RistrettoPoint], chunk: usize, f: F)
where
    F: Fn((usize, &mut [RistrettoPoint])),
{
    out.chunks_mut(chunk).enumerate().for_each(f);
}

//! One-out-of-many proofs of membership (spec/membership.md): a proof that
//! some element of a public list, minus a public offset, is a multiple of
//! `B_blinding`, without saying which.
//!
//! The relation is `{ (D_0..D_{N−1}, D'); (l, τ) : D_l − D' = τ·B_blinding }`,
//! proven with the Groth–Kohlweiss / Bootle et al. protocol in the smaller
//! form of Esgin et al. (two matrix commitments `A`, `B`), as in Lelantus
//! Spark without its linking tag. A list of `N ≤ n^m` elements is padded to
//! `n^m` by repeating its last element.
//!
//! - [`prove()`] is constant time in the index and the secret scalars: it
//!   folds the list one digit at a time (spec/membership.md §6).
//! - [`verify()`] is one variable-time multiscalar multiplication over the list
//!   and `O(mn)` other points; [`verify_batch`] checks many proofs against one
//!   list with a single multiplication over it.
//!
//! The caller owns the transcript and binds the list (its digest) and the
//! context before calling; the proof binds `n`, `m`, the list length, `D'`
//! and every proof element itself (spec/membership.md §5).

use std::sync::OnceLock;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::errors::DecodeError;
use crate::generators::generators_chain;
use crate::transcript::{label, TranscriptProtocol};
use crate::wire::{Point, Reader, Writer};

mod prove;
mod verify;

#[cfg(feature = "parallel")]
pub use prove::prove_parallel_with_rng;
pub use prove::{prove, prove_with_rng};
pub(crate) use verify::absorb;
#[cfg(feature = "parallel")]
pub use verify::verify_batch_parallel;
pub(crate) use verify::verify_each_with;
pub use verify::{verify, verify_batch, verify_each, BatchItem};

/// Largest base `n`.
pub const MAX_BASE: usize = 16;
/// Largest padded list size `n^m`.
pub const MAX_CAPACITY: usize = 1 << 20;
/// The base [`Parameters::for_list`] chooses: it gives the smallest proofs.
pub const DEFAULT_BASE: usize = 4;
/// Largest `m·n` of any valid parameters (`n = 16`, `m = 5`).
const MAX_CELLS: usize = 80;
/// Bytes of the longest encoded proof.
pub(crate) const MAX_PROOF_LEN: usize = 32 * (MAX_CELLS + 4);

/// Label of the chain the commitment key is derived from (spec §2).
const KEY_CHAIN: &[u8] = b"credence.membership.v1";

/// The commitment key of the matrix commitments (spec §2): `H` (blinding),
/// then for each cell `k < 80` the pair `G_{2k}`, `G_{2k+1}`. Built once.
fn commitment_key() -> &'static [RistrettoPoint] {
    static KEY: OnceLock<Vec<RistrettoPoint>> = OnceLock::new();
    KEY.get_or_init(|| generators_chain(KEY_CHAIN, 1 + 2 * MAX_CELLS))
}

/// Why a membership proof could not be made or does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MembershipError {
    /// The base is not 2 to 16, the number of digits is 0, or `n^m` is above
    /// `2^20`.
    #[error("membership parameters need a base n of 2 to 16, m ≥ 1 digits and n^m ≤ 2^20")]
    Parameters,
    /// The list is empty or longer than `n^m`.
    #[error("the list has {count} elements; these parameters take 1 to {capacity}")]
    ListSize {
        /// The list's length.
        count: usize,
        /// `n^m`.
        capacity: usize,
    },
    /// The witness's index is not in the list, or the element it names minus
    /// the offset is not its blinding times `B_blinding`.
    #[error("the witness does not open a list element minus the offset")]
    NotAMember,
    /// The proof was made for other parameters.
    #[error("the proof was made for other parameters")]
    WrongParameters,
    /// The proof does not verify.
    #[error("the membership proof is invalid")]
    Invalid,
}

/// The shape of a proof: the base `n` and the number of digits `m`, so that
/// lists of up to `n^m` elements are covered (spec §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Parameters {
    n: usize,
    m: usize,
    capacity: usize,
}

impl Parameters {
    /// Base `n` (2 to 16) and `m ≥ 1` digits, with `n^m ≤ 2^20`.
    ///
    /// # Errors
    /// [`MembershipError::Parameters`] otherwise.
    pub fn new(n: usize, m: usize) -> Result<Self, MembershipError> {
        if !(2..=MAX_BASE).contains(&n) || m == 0 {
            return Err(MembershipError::Parameters);
        }
        let capacity = u32::try_from(m)
            .ok()
            .and_then(|m| n.checked_pow(m))
            .filter(|c| *c <= MAX_CAPACITY)
            .ok_or(MembershipError::Parameters)?;
        Ok(Parameters { n, m, capacity })
    }

    /// The smallest parameters of base [`DEFAULT_BASE`] for a list of
    /// `count` elements.
    ///
    /// # Errors
    /// As [`Parameters::for_list_with_base`].
    pub fn for_list(count: usize) -> Result<Self, MembershipError> {
        Self::for_list_with_base(DEFAULT_BASE, count)
    }

    /// The smallest `m` with `n^m ≥ count`.
    ///
    /// # Errors
    /// [`MembershipError::Parameters`] for a base out of range;
    /// [`MembershipError::ListSize`] for an empty list or one that no
    /// parameters of this base cover.
    pub fn for_list_with_base(n: usize, count: usize) -> Result<Self, MembershipError> {
        if !(2..=MAX_BASE).contains(&n) {
            return Err(MembershipError::Parameters);
        }
        let mut p = Parameters::new(n, 1)?;
        while p.capacity < count {
            match Parameters::new(n, p.m + 1) {
                Ok(next) => p = next,
                Err(_) => {
                    return Err(MembershipError::ListSize {
                        count,
                        capacity: p.capacity,
                    })
                }
            }
        }
        p.check_list(count)?;
        Ok(p)
    }

    /// The base `n`.
    pub fn base(&self) -> usize {
        self.n
    }

    /// The number of digits `m`.
    pub fn digits(&self) -> usize {
        self.m
    }

    /// `n^m`, the largest list these parameters cover.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes of an encoded proof: `32·(m·n + 4)`.
    pub fn proof_len(&self) -> usize {
        32 * (self.m * self.n + 4)
    }

    /// Checks that a list of `count` elements fits.
    fn check_list(&self, count: usize) -> Result<(), MembershipError> {
        if count == 0 || count > self.capacity {
            Err(MembershipError::ListSize {
                count,
                capacity: self.capacity,
            })
        } else {
            Ok(())
        }
    }
}

/// What the prover knows: the index `l` of its element in the list and the
/// blinding `τ` with `D_l − D' = τ·B_blinding`.
///
/// # Security
/// Secret: not `Copy`, no derived `Debug`, zeroized on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Witness {
    index: usize,
    blinding: Scalar,
}

impl Witness {
    /// The witness for list element `index` with blinding `τ`.
    pub fn new(index: usize, blinding: Scalar) -> Self {
        Witness { index, blinding }
    }
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Witness")
    }
}

/// A membership proof (spec §3): `A`, `B`, `X_0..X_{m−1}`, the responses
/// `f_{j,i}` for `j < m`, `1 ≤ i < n`, then `z_A` and `z`.
#[allow(non_snake_case)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipProof {
    params: Parameters,
    A: Point,
    B: Point,
    X: Vec<Point>,
    /// `f_{j,i}` at `j·(n−1) + i − 1`.
    f: Vec<Scalar>,
    z_A: Scalar,
    z: Scalar,
}

impl MembershipProof {
    /// The parameters the proof was made for.
    pub fn params(&self) -> Parameters {
        self.params
    }

    /// The canonical encoding (spec §3): `params.proof_len()` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.point(&self.A.compressed);
        w.point(&self.B.compressed);
        for x in &self.X {
            w.point(&x.compressed);
        }
        for f in &self.f {
            w.scalar(f);
        }
        w.scalar(&self.z_A);
        w.scalar(&self.z);
        w.into_vec()
    }

    /// Strict decoding of [`MembershipProof::to_bytes`] for `params`.
    ///
    /// # Errors
    /// [`DecodeError::WrongLength`] unless `bytes` is exactly
    /// `params.proof_len()` long; [`DecodeError::InvalidPoint`] for a point
    /// that is not a canonical ristretto255 encoding;
    /// [`DecodeError::NonCanonicalScalar`] for a scalar `≥ ℓ`.
    #[allow(non_snake_case)]
    pub fn from_bytes(params: &Parameters, bytes: &[u8]) -> Result<Self, DecodeError> {
        let expected = params.proof_len();
        if bytes.len() != expected {
            return Err(DecodeError::WrongLength {
                what: "membership proof",
                expected,
                found: bytes.len(),
            });
        }
        let mut r = Reader::new(bytes)?;
        let A = r.full_point("membership proof A")?;
        let B = r.full_point("membership proof B")?;
        let X = (0..params.m)
            .map(|_| r.full_point("membership proof X"))
            .collect::<Result<Vec<_>, _>>()?;
        let f = (0..params.m * (params.n - 1))
            .map(|_| r.scalar("membership proof f"))
            .collect::<Result<Vec<_>, _>>()?;
        let z_A = r.scalar("membership proof z_A")?;
        let z = r.scalar("membership proof z")?;
        r.finish()?;
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
}

/// Value of the domain message the proof starts with (spec §5).
const DOMAIN: &[u8] = b"credence.membership.v1";

/// Appends the statement (spec §5 steps 1–5): the domain, `n`, `m`, the
/// list length and the offset. Prover and verifier share it, so that their
/// transcripts cannot drift.
fn bind_statement(
    t: &mut Transcript,
    params: &Parameters,
    count: usize,
    offset: &CompressedRistretto,
) {
    t.append_message(label::MEMBERSHIP_DOMAIN, DOMAIN);
    t.append_u64(label::MEMBERSHIP_N, params.n as u64);
    t.append_u64(label::MEMBERSHIP_M, params.m as u64);
    t.append_u64(label::MEMBERSHIP_COUNT, count as u64);
    t.append_point(label::MEMBERSHIP_OFFSET, offset);
}

/// Appends the commitments and draws the challenge `x` (spec §5 steps 6–9).
#[allow(non_snake_case)]
fn bind_commitments(
    t: &mut Transcript,
    A: &CompressedRistretto,
    B: &CompressedRistretto,
    X: &[Point],
) -> Scalar {
    t.append_point(label::MEMBERSHIP_A, A);
    t.append_point(label::MEMBERSHIP_B, B);
    for x in X {
        t.append_point(label::MEMBERSHIP_X, &x.compressed);
    }
    t.challenge_scalar(label::MEMBERSHIP_CHALLENGE)
}

/// Appends the responses as one message (spec §5 step 10), so that whatever
/// the caller proves next is bound to the whole proof.
#[allow(non_snake_case)]
fn bind_responses(t: &mut Transcript, f: &[Scalar], z_A: &Scalar, z: &Scalar) {
    let mut w = Writer::default();
    for s in f.iter().chain([z_A, z]) {
        w.scalar(s);
    }
    t.append_message(label::MEMBERSHIP_RESPONSE, &w.into_vec());
}

#[cfg(test)]
mod tests;

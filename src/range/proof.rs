//! The wire form of one aggregated range proof (spec §3.9).

use curve25519_dalek::scalar::Scalar;

use crate::errors::DecodeError;
use crate::wire::{Point, Reader};

/// The fields of a range proof, with every point decompressed once.
///
/// # Layout
/// The layout of bulletproofs' `RangeProof::to_bytes` (spec §3.9): the points
/// `A`, `S`, `T_1`, `T_2`; the scalars `t_x`, `t_x_blinding`, `e_blinding`;
/// `q` pairs of points `L_i`, `R_i` (`q = log2(n·m) ≤ 12`); the scalars `a`,
/// `b`. Every element is 32 bytes.
#[allow(non_snake_case)]
#[derive(Clone, Debug)]
pub(crate) struct RangeProofParts {
    pub A: Point,
    pub S: Point,
    pub T_1: Point,
    pub T_2: Point,
    pub t_x: Scalar,
    pub t_x_blinding: Scalar,
    pub e_blinding: Scalar,
    pub L: Vec<Point>,
    pub R: Vec<Point>,
    pub a: Scalar,
    pub b: Scalar,
}

impl RangeProofParts {
    /// Strict decoding: four points, three scalars, `q ≤ 12` pairs of points,
    /// two scalars; every point decompresses, every scalar is canonical.
    #[allow(non_snake_case)]
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let bad = || DecodeError::Malformed("range proof layout");
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

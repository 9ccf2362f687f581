//! Aggregated Bulletproofs range proofs (spec §3.9, §8.1.1): the received
//! form, its strict decoding, and its verification equations.

use std::sync::OnceLock;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::Identity;

use crate::derived::Derived;
use crate::errors::DecodeError;
use crate::wire::Point;

mod proof;
pub(crate) mod verify;

pub(crate) use proof::RangeProofParts;

/// The bit widths a range statement may have.
pub(crate) const WIDTHS: [usize; 4] = [8, 16, 32, 64];

/// The smallest width whose range holds `hi`.
pub(crate) fn width_for(hi: i128) -> Option<usize> {
    WIDTHS.into_iter().find(|&b| hi < (1i128 << b))
}

/// A group's statement count padded to a power of two, as the aggregated
/// range proof requires; the padding commitments are the identity (the
/// commitment to 0 with blinding 0).
pub(crate) fn padded_len(m: usize) -> usize {
    m.next_power_of_two()
}

/// The identity, with its encoding (32 zero bytes).
pub(crate) fn identity() -> Point {
    Point {
        compressed: CompressedRistretto::identity(),
        point: RistrettoPoint::identity(),
    }
}

/// One aggregated Bulletproofs range proof over all statements of one width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RangeGroupProof {
    pub bits: usize,
    pub bytes: Vec<u8>,
    /// `bytes`, decoded once: when a presentation is decoded, or when one
    /// made by this process's prover is first verified.
    parts: Derived<OnceLock<RangeProofParts>>,
}

impl RangeGroupProof {
    /// A received proof, decoded now so that malformed input is refused
    /// with the presentation.
    pub fn received(bits: usize, bytes: Vec<u8>) -> Result<Self, DecodeError> {
        let parts = OnceLock::from(RangeProofParts::decode(&bytes)?);
        Ok(RangeGroupProof {
            bits,
            bytes,
            parts: Derived::new(parts),
        })
    }

    /// A proof this process's prover just made: decoded only if it is
    /// verified here.
    pub fn own(bits: usize, bytes: Vec<u8>) -> Self {
        RangeGroupProof {
            bits,
            bytes,
            parts: Derived::default(),
        }
    }

    /// The decoded proof.
    pub fn parts(&self) -> Result<&RangeProofParts, DecodeError> {
        if let Some(parts) = self.parts.get() {
            return Ok(parts);
        }
        let parts = RangeProofParts::decode(&self.bytes)?;
        Ok(self.parts.get_or_init(|| parts))
    }

    /// The bit width and the padded statement count: what the proof costs,
    /// and nothing about the values.
    #[cfg(feature = "hazmat")]
    pub fn shape(&self) -> (usize, usize) {
        // The inner-product argument has log2(bits·m) rounds (at most 12):
        // nine 32-byte elements and two per round (checked on decoding).
        let rounds = (self.bytes.len() / 32).saturating_sub(9) / 2;
        (self.bits, (1usize << rounds.min(12)) / self.bits.max(1))
    }
}

//! The pinned generators (spec §2): Pedersen generators shared with the range
//! proofs, and the Bulletproofs generators, each built once per process.

use std::sync::OnceLock;

use bulletproofs::{BulletproofGens, PedersenGens};

use crate::wire::caps;

/// Largest bit width of a range statement.
pub(crate) const MAX_BITS: usize = 64;

/// The Pedersen generators `B` (value) and `B_blinding`: those of
/// `bulletproofs::PedersenGens::default()`.
pub fn pedersen_gens() -> &'static PedersenGens {
    static GENS: OnceLock<PedersenGens> = OnceLock::new();
    GENS.get_or_init(PedersenGens::default)
}

/// The Bulletproofs generators for 64-bit statements aggregated up to the cap on
/// range statements of one width, built on first use and shared afterwards.
pub fn bulletproof_gens() -> &'static BulletproofGens {
    static GENS: OnceLock<BulletproofGens> = OnceLock::new();
    GENS.get_or_init(|| BulletproofGens::new(MAX_BITS, caps::RANGE_STATEMENTS_PER_WIDTH))
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;

    #[test]
    fn generators_are_pinned() {
        let pc = pedersen_gens();
        assert_eq!(pc.B, RISTRETTO_BASEPOINT_POINT);
        assert_ne!(pc.B, pc.B_blinding);
        assert!(std::ptr::eq(bulletproof_gens(), bulletproof_gens()));
    }
}

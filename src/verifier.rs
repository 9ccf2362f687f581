//! The verifier's role (spec §8): checking presentations against the
//! verifier's own requests, one by one or in batches.

#[cfg(feature = "parallel")]
pub use crate::presentation::verify_batch_parallel;
pub use crate::presentation::{verify_batch, verify_batch_with_rng};

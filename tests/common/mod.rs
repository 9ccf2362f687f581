//! Fixtures shared by the integration tests: the crate's own
//! [`credence::fixtures`].
#![allow(unused_imports)]

pub use credence::fixtures::*;

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod credential;
mod derived;
mod descriptor;
pub mod epoch;
mod errors;
pub mod files;
mod generators;
mod issuance;
mod keys;
// Used through `hazmat` only, until presentations use it.
#[cfg_attr(not(feature = "hazmat"), allow(dead_code, unused_imports))]
mod membership;
mod msm;
mod policy;
mod presentation;
mod range;
mod request;
mod schema;
mod shown;
mod sigma;
mod statement;
mod transcript;
mod verdict;
pub mod verifier;
mod verifier_id;
pub mod wallet;
mod wire;

/// The rater's role (spec §4): its signing key, what it publishes, and
/// issuance.
pub mod rater {
    pub use crate::credential::CredentialDigest;
    pub use crate::descriptor::RaterDescriptor;
    pub use crate::issuance::{IssuanceRequest, IssuedCredential};
    pub use crate::keys::{KeyId, RaterPublicKey, RaterSigningKey};
}

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;

pub use credential::Credential;
pub use descriptor::{RaterDescriptor, TrustedRater};
pub use errors::{
    DateError, DecodeError, Error, PolicyError, RequestError, Result, SchemaError, Unusable,
    ValuesError,
};
pub use keys::{KeyId, RaterPublicKey};
pub use policy::{parse_policy, AttrRef, Comparison, Date, ParseError, Predicate, Term};
pub use presentation::{AnonymousCredential, Presentation, Shown};
pub use request::{ProofRequest, RequestBuilder};
pub use schema::{Attribute, AttributeKind, Category, Schema, DATE_MAX};
pub use statement::{AttributeUse, PredicateReport};
pub use verdict::{Disclosure, Rejection, Verdict};
pub use verifier_id::VerifierIdError;
/// The protocol version this library speaks (spec §3: the first byte of every
/// encoded object).
pub use wire::VERSION as PROTOCOL_VERSION;

/// Low-level pieces, for benchmarks, tests and other implementations of the
/// protocol: the raw prover ([`Presentation::prove`], which keeps no record
/// of use or disclosure), the pinned generators, the caps of the wire format
/// and the shapes of a presentation's range proofs.
///
/// # Security
/// A subject proves through a [`wallet::Wallet`], which presents each
/// credential once and refuses threshold probing; the raw prover does
/// neither. The generators are those of bulletproofs 5: their types change
/// with that crate's major version.
#[cfg(feature = "hazmat")]
pub mod hazmat {
    pub use crate::generators::{bulletproof_gens, pedersen_gens};
    pub use crate::wire::{caps, VERSION};

    /// One-out-of-many membership proofs (spec/membership.md): that some
    /// element of a public list, minus a public offset `D'`, is a multiple
    /// of `B_blinding`, without saying which.
    ///
    /// # Security
    /// The caller binds the list (its digest) and the context to the
    /// transcript before proving or verifying; the proof binds `n`, `m`,
    /// the list length, `D'` and its own elements.
    pub mod membership {
        pub use crate::membership::{
            prove, prove_with_rng, verify, verify_batch, verify_each, BatchItem, MembershipError,
            MembershipProof, Parameters, Witness, DEFAULT_BASE, MAX_BASE, MAX_CAPACITY,
        };
        #[cfg(feature = "parallel")]
        pub use crate::membership::{prove_parallel_with_rng, verify_batch_parallel};
    }
}

/// The protocol's normative text, `spec/protocol.md`.
pub mod spec {
    #![doc = include_str!("../spec/protocol.md")]

    /// The one-out-of-many membership proof (draft), `spec/membership.md`.
    pub mod membership {
        #![doc = include_str!("../spec/membership.md")]
    }

    /// The wallet's and the tool's formats and rules, `spec/wallet.md`.
    pub mod wallet {
        #![doc = include_str!("../spec/wallet.md")]
    }
}

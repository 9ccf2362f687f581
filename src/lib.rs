#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod credential;
mod descriptor;
mod errors;
mod generators;
mod policy;
mod presentation;
mod request;
mod schema;
mod sigma;
mod transcript;
mod wallet;
mod wire;

pub use credential::{
    Credential, CredentialOpening, HeldCredential, IssuanceRequest, IssuedCredential, KeyId,
    LinkSecret, PendingIssuance, RaterPublicKey, RaterSigningKey,
};
pub use descriptor::RaterDescriptor;
pub use errors::{DecodeError, Error, PolicyError, Result};
pub use generators::{bulletproof_gens, pedersen_gens};
pub use policy::{parse_policy, AttrRef, Comparison, Date, ParseError, Predicate, Term};
#[cfg(feature = "parallel")]
pub use presentation::verify_batch_parallel;
pub use presentation::{
    verify_batch, verify_batch_with_rng, AttributeUse, Disclosure, PredicateReport, Presentation,
    Rejection, Verdict,
};
pub use request::{ProofRequest, RequestBuilder, TrustedRater};
pub use schema::{Attribute, AttributeKind, Category, Schema, DATE_MAX};
pub use wallet::{
    ConsentSummary, CredentialSummary, DisclosureRecord, Narrowing, Wallet, WalletError,
};
pub use wire::{caps, VERSION};

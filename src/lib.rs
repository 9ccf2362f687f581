#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod credential;
mod derived;
mod descriptor;
mod errors;
mod generators;
mod issuance;
mod msm;
mod policy;
mod presentation;
mod range;
mod rater;
mod request;
mod schema;
mod sigma;
mod statement;
mod transcript;
mod wallet;
mod wire;

pub use credential::{Credential, HeldCredential, LinkSecret};
pub use descriptor::{RaterDescriptor, TrustedRater};
pub use errors::{DecodeError, Error, PolicyError, Result, Unusable};
pub use generators::{bulletproof_gens, pedersen_gens};
pub use issuance::{IssuanceRequest, IssuedCredential, PendingIssuance};
pub use policy::{parse_policy, AttrRef, Comparison, Date, ParseError, Predicate, Term};
#[cfg(feature = "parallel")]
pub use presentation::verify_batch_parallel;
pub use presentation::{
    verify_batch, verify_batch_with_rng, Disclosure, Presentation, Rejection, Verdict,
};
pub use rater::{KeyId, RaterPublicKey, RaterSigningKey};
pub use request::{ProofRequest, RequestBuilder};
pub use schema::{Attribute, AttributeKind, Category, Schema, DATE_MAX};
pub use statement::{AttributeUse, PredicateReport};
pub use wallet::{
    ConsentSummary, CredentialSummary, DisclosureRecord, Narrowing, Wallet, WalletError,
};
pub use wire::{caps, VERSION};

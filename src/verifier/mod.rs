//! The verifier's role: issue proof requests, check presentations against
//! them, one by one or in batches, and remember which requests were answered
//! (spec §8, spec/wallet.md §8).
//!
//! # Example
//! ```
//! use credence::verifier::{MemoryNonceStore, Verifier};
//! # use credence::*;
//! # use credence::rater::RaterSigningKey;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let schema = Schema::new("bank", 1, vec![
//! #     Attribute::uint("liquidity_eur", 1 << 40, Category::Financial),
//! #     Attribute::expiry("valid_until"),
//! # ])?;
//! # let bank = RaterSigningKey::generate(&mut rand_core::OsRng);
//! let trusted = vec![RaterDescriptor::new(schema, bank.public_key())];
//! let verifier = Verifier::new("bikes.example", trusted, MemoryNonceStore::new())?;
//! let request = verifier
//!     .request(Date::parse("2027-03-01")?)
//!     .purpose("deposit waiver")
//!     .predicates(parse_policy("bank.liquidity_eur >= 500")?)
//!     .issue()?;
//! // ... send `request`, receive a `presentation`, then:
//! // let verdict = verifier.check(&request, &presentation)?;
//! # Ok(())
//! # }
//! ```

use std::time::{Duration, SystemTime};

use rand_core::{CryptoRng, RngCore};

use crate::descriptor::RaterDescriptor;
use crate::epoch::{EpochList, EpochLists};
use crate::errors::Error;
use crate::policy::{Date, Predicate};
use crate::presentation::Presentation;
use crate::request::ProofRequest;
use crate::verdict::{Rejection, Verdict};
use crate::verifier_id::{self, VerifierIdError};

#[cfg(feature = "files")]
mod dir;
mod lists;
mod store;

pub use crate::presentation::{
    verify_batch, verify_batch_with_lists, verify_batch_with_lists_rng, verify_batch_with_rng,
};
#[cfg(feature = "parallel")]
pub use crate::presentation::{verify_batch_parallel, verify_batch_parallel_with_lists};
#[cfg(feature = "files")]
pub use dir::DirNonceStore;
pub use store::{
    Attempt, MemoryNonceStore, NonceStore, RequestRecord, RequestTerms, Settlement, Settling,
    StoreError,
};

/// How long a request can be answered unless the verifier says otherwise:
/// 10 minutes.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);
/// How many rejected presentations a request takes, unless the verifier
/// says otherwise, before it is closed.
pub const DEFAULT_MAX_FAILURES: u32 = 5;
/// The largest number of rejected presentations a request may be set to
/// take.
pub const MAX_FAILURES_CAP: u32 = 1000;

/// Why a verifier could not issue a request or check a presentation. A
/// presentation that was checked gives a [`Verdict`] instead, whatever it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierError {
    /// The verifier id is not in its normalised form (spec §5.1).
    #[error(transparent)]
    Id(#[from] VerifierIdError),
    /// The request cannot be built from the predicates and the trusted
    /// raters.
    #[error(transparent)]
    Request(#[from] Error),
    /// No request with this nonce was recorded by this verifier.
    #[error("the request was not issued by this verifier")]
    UnknownRequest,
    /// The verifier recorded a different request under this nonce.
    #[error("the request differs from the one this verifier issued with that nonce")]
    RequestDiffers,
    /// The request names another verifier id than this verifier's.
    #[error("the request names another verifier")]
    OtherVerifier,
    /// The nonce store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The system clock is before 1970-01-01.
    #[error("the system clock is before 1970")]
    Clock,
    /// An epoch list is not signed by a trusted rater key for its schema.
    #[error("the epoch list is not signed by a trusted rater key of its schema")]
    UntrustedList,
    /// A request asks for the anonymous mode for a schema, and the verifier
    /// holds no epoch list of it that is current.
    #[error("no current epoch list of `{0}` to ask for the anonymous mode with")]
    NoCurrentList(String),
}

/// A verifier: its id, the raters it trusts, and a [`NonceStore`] of the
/// requests it issued.
///
/// [`Verifier::request`] builds a request with a fresh nonce and records it;
/// [`Verifier::check`] checks a presentation against a recorded request and
/// settles the request's fate in the store (spec/wallet.md §8): a nonce is
/// spent only by a satisfying presentation, once; rejected presentations are
/// counted, and after [`Verifier::with_max_failures`] of them the request is
/// closed; after its lifetime it can no longer be answered.
#[derive(Debug)]
pub struct Verifier<S: NonceStore> {
    id: String,
    trusted: Vec<RaterDescriptor>,
    store: S,
    lifetime: Duration,
    max_failures: u32,
    /// Replaced as a whole when a new epoch's lists arrive; verification
    /// works on a snapshot.
    lists: std::sync::RwLock<EpochLists>,
}

/// Seconds since 1970-01-01 UTC.
fn unix(t: SystemTime) -> Result<u64, VerifierError> {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| VerifierError::Clock)
}

impl<S: NonceStore> Verifier<S> {
    /// A verifier named `id` that trusts the raters `trusted` (several
    /// descriptors of one schema are key rotation) and keeps its requests in
    /// `store`, with a request lifetime of [`DEFAULT_LIFETIME`] and at most
    /// [`DEFAULT_MAX_FAILURES`] rejected presentations per request.
    ///
    /// # Errors
    /// [`VerifierError::Id`] when `id` is not in its normalised form
    /// (spec §5.1).
    pub fn new(id: &str, trusted: Vec<RaterDescriptor>, store: S) -> Result<Self, VerifierError> {
        verifier_id::check(id)?;
        Ok(Verifier {
            id: id.to_owned(),
            trusted,
            store,
            lifetime: DEFAULT_LIFETIME,
            max_failures: DEFAULT_MAX_FAILURES,
            lists: std::sync::RwLock::new(EpochLists::new()),
        })
    }

    /// Sets the lifetime of the requests issued from now on (whole seconds).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Sets how many rejected presentations a request issued from now on
    /// takes before it is closed (at most [`MAX_FAILURES_CAP`]; larger values
    /// are lowered to it).
    pub fn with_max_failures(mut self, max_failures: u32) -> Self {
        self.max_failures = max_failures.min(MAX_FAILURES_CAP);
        self
    }

    /// The verifier's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The raters it trusts now.
    pub fn trusted(&self) -> &[RaterDescriptor] {
        &self.trusted
    }

    /// The nonce store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Starts a request with reference date `date`; [`NewRequest::issue`]
    /// builds and records it.
    pub fn request(&self, date: Date) -> NewRequest<'_, S> {
        NewRequest {
            verifier: self,
            date,
            purpose: String::new(),
            predicates: Vec::new(),
            lifetime: self.lifetime,
            anonymous: Vec::new(),
            pseudonym: false,
        }
    }

    /// Checks `presentation` against `request`, which this verifier must have
    /// issued, and records the outcome (spec/wallet.md §8).
    ///
    /// # Errors
    /// [`VerifierError::UnknownRequest`] when no request with its nonce was
    /// recorded, [`VerifierError::RequestDiffers`] when another was recorded
    /// under that nonce, [`VerifierError::OtherVerifier`] when the request
    /// names another verifier; nothing is recorded then. A store error
    /// ([`VerifierError::Store`]); then the presentation must be treated as
    /// not accepted.
    pub fn check(
        &self,
        request: &ProofRequest,
        presentation: &Presentation,
    ) -> Result<Verdict, VerifierError> {
        self.check_at(request, presentation, SystemTime::now())
    }

    /// [`Verifier::check`] at time `now`.
    ///
    /// # Errors
    /// As [`Verifier::check`]; [`VerifierError::Clock`] when `now` is before
    /// 1970.
    pub fn check_at(
        &self,
        request: &ProofRequest,
        presentation: &Presentation,
        now: SystemTime,
    ) -> Result<Verdict, VerifierError> {
        self.check_batch_at(&[(request, presentation)], now)?
            .pop()
            .unwrap_or(Err(VerifierError::UnknownRequest))
    }

    /// Checks presentations that arrived together, each against its
    /// request, as [`Verifier::check`] checks one: the presentations are
    /// verified in one batch ([`verify_batch`]; a failing batch still gives
    /// each presentation its own verdict), and their outcomes are settled in
    /// one call of [`NonceStore::settle_batch`], in the order of `items` (of
    /// two satisfying presentations for one request, the first spends the
    /// nonce and the second is a replay).
    ///
    /// # Errors
    /// The outer error is a store failure ([`VerifierError::Store`]) or a
    /// clock before 1970: then no presentation of the batch must be
    /// accepted. Otherwise there is one result per item, in order, whose
    /// error is [`VerifierError::UnknownRequest`],
    /// [`VerifierError::RequestDiffers`] or [`VerifierError::OtherVerifier`]
    /// as for [`Verifier::check`] (nothing recorded for that item).
    pub fn check_batch(
        &self,
        items: &[(&ProofRequest, &Presentation)],
    ) -> Result<Vec<Result<Verdict, VerifierError>>, VerifierError> {
        self.check_batch_at(items, SystemTime::now())
    }

    /// [`Verifier::check_batch`] at time `now`.
    ///
    /// # Errors
    /// As [`Verifier::check_batch`].
    pub fn check_batch_at(
        &self,
        items: &[(&ProofRequest, &Presentation)],
        now: SystemTime,
    ) -> Result<Vec<Result<Verdict, VerifierError>>, VerifierError> {
        let now = unix(now)?;
        // What becomes of each item: decided now, or the `i`th verified.
        enum Fate {
            Decided(Result<Verdict, VerifierError>),
            Verify(usize),
        }
        let mut fates = Vec::with_capacity(items.len());
        let mut pending: Vec<(&ProofRequest, &Presentation)> = Vec::new();
        for &(request, presentation) in items {
            fates.push(match self.admit(request, now)? {
                Admission::Verify => {
                    pending.push((request, presentation));
                    Fate::Verify(pending.len() - 1)
                }
                Admission::Decided(decided) => Fate::Decided(decided),
            });
        }
        let verdicts: Vec<Verdict> = match pending.as_slice() {
            [] => Vec::new(),
            [(request, presentation)] => {
                vec![presentation.verify_with_lists(request, &self.lists())]
            }
            #[cfg(feature = "parallel")]
            many => verify_batch_parallel_with_lists(many, &self.lists()),
            #[cfg(not(feature = "parallel"))]
            many => verify_batch_with_lists(many, &self.lists()),
        };
        let verdicts: Vec<Verdict> = verdicts
            .into_iter()
            .zip(&pending)
            .map(
                |(verdict, (request, presentation))| match verdict.is_satisfied() {
                    true => match self.no_longer_trusted(request, presentation) {
                        Some(reason) => verdict.rejected(reason),
                        None => verdict,
                    },
                    false => verdict,
                },
            )
            .collect();
        let settling: Vec<Settling<'_>> = verdicts
            .iter()
            .zip(&pending)
            .map(|(verdict, (request, _))| Settling {
                nonce: request.nonce(),
                attempt: if verdict.is_satisfied() {
                    Attempt::Satisfied
                } else {
                    Attempt::Rejected
                },
                verdict,
            })
            .collect();
        let settlements = self.store.settle_batch(&settling, now)?;
        if settlements.len() != settling.len() {
            return Err(VerifierError::Store(StoreError::Backend(
                "the store settled a different number of attempts than it was given".into(),
            )));
        }
        let mut settled: Vec<Option<Result<Verdict, VerifierError>>> = verdicts
            .into_iter()
            .zip(settlements)
            .map(|(verdict, settlement)| {
                Some(match settlement {
                    Settlement::Spent | Settlement::Counted { .. } => Ok(verdict),
                    Settlement::Replayed => Ok(verdict.rejected(Rejection::Replayed)),
                    Settlement::Expired => Ok(verdict.rejected(Rejection::Expired)),
                    Settlement::Closed => Ok(verdict.rejected(Rejection::Closed)),
                    Settlement::Unknown => Err(VerifierError::UnknownRequest),
                })
            })
            .collect();
        Ok(fates
            .into_iter()
            .map(|fate| match fate {
                Fate::Decided(decided) => decided,
                Fate::Verify(i) => settled
                    .get_mut(i)
                    .and_then(Option::take)
                    .unwrap_or(Err(VerifierError::UnknownRequest)),
            })
            .collect())
    }

    /// Whether a presentation for `request` is worth a verification at
    /// `now`; the error is a store failure.
    fn admit(&self, request: &ProofRequest, now: u64) -> Result<Admission, VerifierError> {
        let decided = |result| Ok(Admission::Decided(result));
        let Some(record) = self.store.lookup(request.nonce())? else {
            return decided(Err(VerifierError::UnknownRequest));
        };
        if record.terms.digest != request.digest() {
            return decided(Err(VerifierError::RequestDiffers));
        }
        if request.verifier_id() != self.id {
            return decided(Err(VerifierError::OtherVerifier));
        }
        // A request already settled for good is not worth a verification.
        let refused = |reason| {
            decided(Ok(Verdict::new(
                request.plan().reports.clone(),
                Err(reason),
            )))
        };
        match store::refusal(&record.terms, record.failures, record.spent, now) {
            Some(Settlement::Replayed) => refused(Rejection::Replayed),
            Some(Settlement::Expired) => refused(Rejection::Expired),
            Some(Settlement::Closed) => refused(Rejection::Closed),
            _ => Ok(Admission::Verify),
        }
    }

    /// For a presentation that satisfies `request`: the first credential
    /// whose schema or key the verifier's current trust list no longer holds
    /// (spec/wallet.md §8). A credential is matched by its schema id; the
    /// schema must have the digest the request pinned, and the key that
    /// signed it (the request's first trusted key with the credential's key
    /// id) must be listed for that schema.
    fn no_longer_trusted(
        &self,
        request: &ProofRequest,
        presentation: &Presentation,
    ) -> Option<Rejection> {
        for (credential, c) in presentation.credentials() {
            let schema = c.schema_id().to_owned();
            let signer = request
                .trusted_for(c.schema_id())
                .and_then(|t| t.keys().iter().find(|k| k.key_id() == c.key_id()));
            let same_id: Vec<&RaterDescriptor> = self
                .trusted
                .iter()
                .filter(|d| d.schema().id() == c.schema_id())
                .collect();
            let pinned: Vec<&&RaterDescriptor> = same_id
                .iter()
                .filter(|d| &d.schema().digest() == c.schema_digest())
                .collect();
            if !same_id.is_empty() && pinned.is_empty() {
                return Some(Rejection::SchemaChanged { credential, schema });
            }
            if !pinned.iter().any(|d| Some(d.key()) == signer) {
                return Some(Rejection::RetiredKey { credential, schema });
            }
        }
        None
    }
}

/// What [`Verifier::admit`] found.
enum Admission {
    /// The presentation is to be verified and settled.
    Verify,
    /// The item's result, without verification: a refusal for a request
    /// settled for good, or an error.
    Decided(Result<Verdict, VerifierError>),
}

/// A request being built by a [`Verifier`]; [`NewRequest::issue`] records it.
#[derive(Debug)]
#[must_use = "a request is recorded only by `issue`"]
pub struct NewRequest<'v, S: NonceStore> {
    verifier: &'v Verifier<S>,
    date: Date,
    purpose: String,
    predicates: Vec<Predicate>,
    lifetime: Duration,
    anonymous: Vec<String>,
    pseudonym: bool,
}

impl<S: NonceStore> NewRequest<'_, S> {
    /// Asks for the holder's pseudonym for this verifier (spec §7.5): the
    /// verdict then names it, the same on every return of the holder.
    pub fn pseudonym(mut self) -> Self {
        self.pseudonym = true;
        self
    }

    /// Asks for the credential of schema `schema_id` in the anonymous mode,
    /// against the verifier's current epoch lists of it (up to 4, newest
    /// first; [`Verifier::add_list`]).
    pub fn anonymous(mut self, schema_id: &str) -> Self {
        self.anonymous.push(schema_id.to_owned());
        self
    }

    /// Says why the verifier asks; shown to the subject before consent.
    pub fn purpose(mut self, purpose: &str) -> Self {
        purpose.clone_into(&mut self.purpose);
        self
    }

    /// Adds a predicate.
    pub fn predicate(mut self, p: Predicate) -> Self {
        self.predicates.push(p);
        self
    }

    /// Adds predicates.
    pub fn predicates(mut self, ps: impl IntoIterator<Item = Predicate>) -> Self {
        self.predicates.extend(ps);
        self
    }

    /// Sets this request's lifetime (whole seconds), instead of the
    /// verifier's.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Builds the request with a fresh nonce from the operating system's RNG,
    /// trusting the verifier's raters of the schemas the predicates name, and
    /// records it.
    ///
    /// # Errors
    /// [`VerifierError::Request`] when the request is invalid (spec §5.1:
    /// an unknown schema or attribute, an unsound predicate, conflicting
    /// descriptors); [`VerifierError::Store`] when it cannot be recorded.
    pub fn issue(self) -> Result<ProofRequest, VerifierError> {
        self.issue_with_rng(&mut rand_core::OsRng)
    }

    /// [`NewRequest::issue`] with the nonce drawn from `rng`.
    ///
    /// # Errors
    /// As [`NewRequest::issue`].
    pub fn issue_with_rng<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<ProofRequest, VerifierError> {
        let store = &self.verifier.store;
        let (request, terms) = self.prepare_with_rng(rng)?;
        store.record(&request, &terms)?;
        Ok(request)
    }

    /// Builds the request as [`NewRequest::issue_with_rng`] does, with the
    /// terms to record it with, but does not record it: for a caller that
    /// records it in its store together with data of its own (then it must
    /// record it before showing it; an unrecorded request is refused as
    /// unknown).
    ///
    /// # Errors
    /// [`VerifierError::Request`] when the request is invalid, as for
    /// [`NewRequest::issue`].
    pub fn prepare_with_rng<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<(ProofRequest, RequestTerms), VerifierError> {
        let v = self.verifier;
        let named: Vec<&str> = self
            .predicates
            .iter()
            .flat_map(|p| p.attributes())
            .map(|a| a.schema())
            .collect();
        let relevant: Vec<RaterDescriptor> = v
            .trusted
            .iter()
            .filter(|d| named.contains(&d.schema().id()))
            .cloned()
            .collect();
        let issued_at = unix(SystemTime::now())?;
        let mut builder = ProofRequest::builder(&v.id, self.date)
            .purpose(&self.purpose)
            .predicates(self.predicates.iter().cloned());
        for mut rater in RaterDescriptor::trusted_raters(&relevant)? {
            let id = rater.schema().id().to_owned();
            if self.anonymous.contains(&id) {
                let held = v.lists();
                let mut current: Vec<&EpochList> = held
                    .iter()
                    .filter(|l| {
                        l.is_current_at(issued_at)
                            && *l.schema_digest() == rater.schema().digest()
                            && rater.keys().iter().any(|k| k.key_id() == l.key_id())
                    })
                    .collect();
                current.sort_by_key(|l| std::cmp::Reverse(l.epoch()));
                current.truncate(crate::wire::caps::LISTS_PER_SCHEMA);
                if current.is_empty() {
                    return Err(VerifierError::NoCurrentList(id));
                }
                rater = rater.anonymous(&current).map_err(Error::from)?;
            }
            builder = builder.trust_rater(rater);
        }
        if self.pseudonym {
            builder = builder.pseudonym();
        }
        let request = builder.build_with_rng(rng)?;
        let terms = RequestTerms {
            digest: request.digest(),
            issued_at,
            expires_at: issued_at.saturating_add(self.lifetime.as_secs()),
            max_failures: v.max_failures,
        };
        Ok((request, terms))
    }
}

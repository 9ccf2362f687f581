//! Where a verifier keeps the requests it issued and what became of them
//! (spec/wallet.md §8): the [`NonceStore`] trait and an in-memory store.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::request::ProofRequest;
use crate::verdict::Verdict;

/// What a verifier records about a request when it issues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestTerms {
    /// The request's digest (spec §5.3): a presented request must have it.
    pub digest: [u8; 32],
    /// When the request was issued, in seconds since 1970-01-01 UTC.
    pub issued_at: u64,
    /// From when on the request can no longer be answered, in seconds since
    /// 1970-01-01 UTC.
    pub expires_at: u64,
    /// How many rejected presentations the request takes before it closes.
    pub max_failures: u32,
}

/// A recorded request's terms and state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// The terms it was recorded with.
    pub terms: RequestTerms,
    /// How many rejected presentations were counted.
    pub failures: u32,
    /// Whether a satisfying presentation spent the nonce.
    pub spent: bool,
}

impl RequestRecord {
    /// The final state this record is in at `now` (seconds since 1970-01-01
    /// UTC), if any, as [`NonceStore::settle`] reports it: spent is
    /// [`Settlement::Replayed`], then `now >= expires_at` is
    /// [`Settlement::Expired`], then `failures >= max_failures` is
    /// [`Settlement::Closed`]; `None` while the request is open. For a store
    /// whose conditional update matched no row, to tell why.
    pub fn refusal(&self, now: u64) -> Option<Settlement> {
        refusal(&self.terms, self.failures, self.spent, now)
    }
}

/// The outcome of checking one presentation, as the store needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The presentation satisfies the request: it spends the nonce if the
    /// request is still open.
    Satisfied,
    /// The presentation was rejected: it is counted against the request.
    Rejected,
}

/// One presentation's attempt, as [`NonceStore::settle_batch`] takes it.
#[derive(Clone, Copy, Debug)]
pub struct Settling<'a> {
    /// The nonce of the request the presentation answers.
    pub nonce: &'a [u8; 32],
    /// Whether the presentation satisfies the request.
    pub attempt: Attempt,
    /// The verdict the verifier gives if the attempt is recorded
    /// ([`Settlement::Spent`] or [`Settlement::Counted`]). A store may keep it
    /// with the request, in the same write.
    pub verdict: &'a Verdict,
}

/// What [`NonceStore::settle`] decided and recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settlement {
    /// This satisfying presentation spent the nonce.
    Spent,
    /// This rejected presentation was counted; `failures` is the count now.
    Counted {
        /// Rejected presentations counted so far, this one included.
        failures: u32,
    },
    /// The nonce was spent before: nothing recorded.
    Replayed,
    /// The request's lifetime is over: nothing recorded.
    Expired,
    /// The request already took its maximum of rejected presentations:
    /// nothing recorded.
    Closed,
    /// No request with this nonce is recorded.
    Unknown,
}

/// Why a nonce store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A request with the same nonce is already recorded (nonces are fresh
    /// random values, so this means a broken random number generator or a
    /// request recorded twice).
    #[error("a request with this nonce is already recorded")]
    NonceExists,
    /// A file or directory of a directory store could not be used.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done: `read`, `write`, `create`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file of a directory store, or a record in a database file, is not
    /// in the format of spec/wallet.md §8.
    #[error("{} is not a valid verifier state file", .path.display())]
    Corrupt {
        /// The file (of a database store: the database's file).
        path: PathBuf,
    },
    /// Another implementation's failure (a database error, say).
    #[error("the nonce store failed: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// A verifier's memory of the requests it issued (spec/wallet.md §8):
/// their terms, and whether each was answered.
///
/// The rule it keeps: a nonce is spent only by a satisfying presentation,
/// once; rejected presentations are counted, and once a request has taken
/// its maximum it is closed; nothing is accepted after the request expires.
/// Every decision is taken by [`NonceStore::settle`] as one atomic
/// check-and-set, so many workers may share one store.
///
/// # Implementing it on a database
/// With a table `requests(nonce PRIMARY KEY, digest, request, issued_at,
/// expires_at, max_failures, failures, spent)`, `record` is an `INSERT`
/// (a duplicate key is [`StoreError::NonceExists`]), `lookup` a `SELECT`, and
/// `settle` one conditional update:
///
/// ```sql
/// UPDATE requests
///    SET spent = spent OR :satisfied,
///        failures = failures + CASE WHEN :satisfied THEN 0 ELSE 1 END
///  WHERE nonce = :nonce AND NOT spent
///    AND expires_at > :now AND failures < max_failures
/// RETURNING failures;
/// ```
///
/// A row returned is [`Settlement::Spent`] or [`Settlement::Counted`]. No row
/// means the request is unknown, spent, expired or closed: each of these
/// states is final, so a `SELECT` afterwards tells which, in that order of
/// precedence (spent before expired before closed).
pub trait NonceStore {
    /// Records a request that is about to be shown, with its terms.
    ///
    /// # Errors
    /// [`StoreError::NonceExists`] when a request with that nonce is
    /// recorded already (nothing is overwritten); an I/O or backend error.
    fn record(&self, request: &ProofRequest, terms: &RequestTerms) -> Result<(), StoreError>;

    /// The record of the request with `nonce`, if any.
    ///
    /// # Errors
    /// An I/O or backend error, or a corrupt record.
    fn lookup(&self, nonce: &[u8; 32]) -> Result<Option<RequestRecord>, StoreError>;

    /// Atomically decides and records the fate of one presentation for the
    /// request with `nonce`, at time `now` (seconds since 1970-01-01 UTC).
    /// In this order: an unknown nonce gives [`Settlement::Unknown`]; a spent
    /// one [`Settlement::Replayed`]; `now >= expires_at` gives
    /// [`Settlement::Expired`]; `failures >= max_failures` gives
    /// [`Settlement::Closed`]; otherwise a satisfied attempt spends the nonce
    /// ([`Settlement::Spent`]) and a rejected one increments `failures`
    /// ([`Settlement::Counted`]). Of many concurrent satisfied attempts for
    /// one nonce, exactly one is told `Spent`.
    ///
    /// # Errors
    /// An I/O or backend error, or a corrupt record; then the attempt may or
    /// may not have been recorded, and must not be accepted.
    fn settle(
        &self,
        nonce: &[u8; 32],
        attempt: Attempt,
        now: u64,
    ) -> Result<Settlement, StoreError>;

    /// Settles several attempts at time `now`, in their order, each as
    /// [`NonceStore::settle`] would (two satisfied attempts on one nonce:
    /// the first is [`Settlement::Spent`], the second
    /// [`Settlement::Replayed`]). A store that can should record them in one
    /// write (group commit); this default settles them one by one.
    ///
    /// # Errors
    /// As [`NonceStore::settle`]; then any of the attempts may or may not
    /// have been recorded, and none must be accepted.
    fn settle_batch(
        &self,
        attempts: &[Settling<'_>],
        now: u64,
    ) -> Result<Vec<Settlement>, StoreError> {
        attempts
            .iter()
            .map(|a| self.settle(a.nonce, a.attempt, now))
            .collect()
    }
}

/// A store behind a reference or a smart pointer is the store itself.
macro_rules! forward_nonce_store {
    ($($ptr:ty),*) => {$(
        impl<S: NonceStore + ?Sized> NonceStore for $ptr {
            fn record(&self, request: &ProofRequest, terms: &RequestTerms) -> Result<(), StoreError> {
                (**self).record(request, terms)
            }
            fn lookup(&self, nonce: &[u8; 32]) -> Result<Option<RequestRecord>, StoreError> {
                (**self).lookup(nonce)
            }
            fn settle(
                &self,
                nonce: &[u8; 32],
                attempt: Attempt,
                now: u64,
            ) -> Result<Settlement, StoreError> {
                (**self).settle(nonce, attempt, now)
            }
            fn settle_batch(
                &self,
                attempts: &[Settling<'_>],
                now: u64,
            ) -> Result<Vec<Settlement>, StoreError> {
                (**self).settle_batch(attempts, now)
            }
        }
    )*};
}

forward_nonce_store!(&S, Box<S>, Arc<S>);

/// The decision of [`NonceStore::settle`] for a known request whose state is
/// `failures` and `spent`, before recording; `None` means the attempt is
/// to be recorded.
pub(crate) fn refusal(
    terms: &RequestTerms,
    failures: u32,
    spent: bool,
    now: u64,
) -> Option<Settlement> {
    if spent {
        Some(Settlement::Replayed)
    } else if now >= terms.expires_at {
        Some(Settlement::Expired)
    } else if failures >= terms.max_failures {
        Some(Settlement::Closed)
    } else {
        None
    }
}

/// A [`NonceStore`] in memory, for one process: a map from nonce to record
/// behind a mutex.
#[derive(Debug, Default)]
pub struct MemoryNonceStore {
    records: Mutex<HashMap<[u8; 32], RequestRecord>>,
}

impl MemoryNonceStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every request expired at `now` (seconds since 1970-01-01
    /// UTC), and returns how many. A presentation for a forgotten request is
    /// then refused as not issued by this verifier.
    pub fn forget_expired(&self, now: u64) -> usize {
        let mut records = self.lock();
        let before = records.len();
        records.retain(|_, r| now < r.terms.expires_at);
        before.saturating_sub(records.len())
    }

    /// The map. Every change to it is a single assignment, so a panic while
    /// it was held cannot have left a record half changed.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], RequestRecord>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl NonceStore for MemoryNonceStore {
    fn record(&self, request: &ProofRequest, terms: &RequestTerms) -> Result<(), StoreError> {
        let mut records = self.lock();
        if records.contains_key(request.nonce()) {
            return Err(StoreError::NonceExists);
        }
        records.insert(
            *request.nonce(),
            RequestRecord {
                terms: terms.clone(),
                failures: 0,
                spent: false,
            },
        );
        Ok(())
    }

    fn lookup(&self, nonce: &[u8; 32]) -> Result<Option<RequestRecord>, StoreError> {
        Ok(self.lock().get(nonce).cloned())
    }

    fn settle(
        &self,
        nonce: &[u8; 32],
        attempt: Attempt,
        now: u64,
    ) -> Result<Settlement, StoreError> {
        let mut records = self.lock();
        let Some(r) = records.get_mut(nonce) else {
            return Ok(Settlement::Unknown);
        };
        if let Some(refused) = refusal(&r.terms, r.failures, r.spent, now) {
            return Ok(refused);
        }
        Ok(match attempt {
            Attempt::Satisfied => {
                r.spent = true;
                Settlement::Spent
            }
            Attempt::Rejected => {
                r.failures = r.failures.saturating_add(1);
                Settlement::Counted {
                    failures: r.failures,
                }
            }
        })
    }
}

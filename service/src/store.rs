//! What the service keeps beyond the library's [`NonceStore`]: each request's
//! transaction (the verifier backend's handle on it), its cancellation, and
//! the verdict of the last recorded presentation (spec/wallet.md §8.5).

use std::sync::Arc;

use credence::verifier::{NonceStore, RequestRecord, RequestTerms, StoreError};
use credence::ProofRequest;

/// The SHA-256 of a transaction id. The id itself is a secret the verifier
/// backend holds; a store keeps only its hash.
pub type TxHash = [u8; 32];

/// A request's transaction, as a [`TransactionStore`] keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// The request's nonce (its request id).
    pub nonce: [u8; 32],
    /// The request's terms and state, as [`NonceStore::lookup`] gives them.
    pub record: RequestRecord,
    /// Whether the verifier backend cancelled it. A cancelled request's
    /// lifetime ends at the cancellation.
    pub cancelled: bool,
    /// When the last presentation was recorded (spent the nonce or was
    /// counted), in seconds since 1970-01-01 UTC.
    pub answered_at: Option<u64>,
    /// The verdict of the last recorded presentation, as JSON (spec/wallet.md
    /// §8.5). Once a presentation spent the nonce, this is its verdict for
    /// good.
    pub verdict: Option<String>,
}

/// A [`NonceStore`] that also keeps the service's transactions.
///
/// Its [`NonceStore::settle_batch`] records, in the write that settles each
/// attempt, the attempt's verdict as JSON with the time (for
/// [`Transaction::verdict`] and [`Transaction::answered_at`]); its
/// [`NonceStore::settle`] does the same without a verdict.
pub trait TransactionStore: NonceStore + Send + Sync + 'static {
    /// Records `request` with its `terms`, under the transaction `tx`, in one
    /// write.
    ///
    /// # Errors
    /// [`StoreError::NonceExists`] when a request with that nonce, or a
    /// transaction with that hash, is recorded already (nothing is
    /// overwritten); a backend error.
    fn create(
        &self,
        tx: &TxHash,
        request: &ProofRequest,
        terms: &RequestTerms,
    ) -> Result<(), StoreError>;

    /// The request recorded with `nonce` (decoded from the canonical bytes
    /// the store keeps) and its transaction, if any.
    ///
    /// # Errors
    /// A backend error; [`StoreError::Corrupt`] when the stored bytes do not
    /// decode to a request with this nonce and the recorded digest.
    fn request(&self, nonce: &[u8; 32]) -> Result<Option<(ProofRequest, Transaction)>, StoreError>;

    /// The transaction `tx`, if any.
    ///
    /// # Errors
    /// A backend error, or a corrupt record.
    fn transaction(&self, tx: &TxHash) -> Result<Option<Transaction>, StoreError>;

    /// Cancels the transaction `tx` at `now`: its request's lifetime ends
    /// then (presentations are refused as expired from then on), and it is
    /// marked cancelled. A transaction whose nonce was spent is unchanged.
    /// Returns whether a transaction `tx` exists.
    ///
    /// # Errors
    /// A backend error.
    fn cancel(&self, tx: &TxHash, now: u64) -> Result<bool, StoreError>;

    /// Forgets every request (and its transaction and verdict) whose
    /// lifetime ended at or before `before`, and returns how many.
    ///
    /// # Errors
    /// A backend error; then nothing was forgotten.
    fn purge(&self, before: u64) -> Result<usize, StoreError>;

    /// Whether the store answers (for the readiness probe).
    ///
    /// # Errors
    /// A backend error.
    fn ping(&self) -> Result<(), StoreError>;
}

/// A store behind a smart pointer is the store itself.
macro_rules! forward_transaction_store {
    ($($ptr:ident),*) => {$(
        impl<S: TransactionStore + ?Sized> TransactionStore for $ptr<S> {
            fn create(
                &self,
                tx: &TxHash,
                request: &ProofRequest,
                terms: &RequestTerms,
            ) -> Result<(), StoreError> {
                (**self).create(tx, request, terms)
            }
            fn request(
                &self,
                nonce: &[u8; 32],
            ) -> Result<Option<(ProofRequest, Transaction)>, StoreError> {
                (**self).request(nonce)
            }
            fn transaction(&self, tx: &TxHash) -> Result<Option<Transaction>, StoreError> {
                (**self).transaction(tx)
            }
            fn cancel(&self, tx: &TxHash, now: u64) -> Result<bool, StoreError> {
                (**self).cancel(tx, now)
            }
            fn purge(&self, before: u64) -> Result<usize, StoreError> {
                (**self).purge(before)
            }
            fn ping(&self) -> Result<(), StoreError> {
                (**self).ping()
            }
        }
    )*};
}

forward_transaction_store!(Arc, Box);

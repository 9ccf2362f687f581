//! The verifier's epoch lists (spec/wallet.md §8.1): each checked against
//! its trusted rater, replaced as a whole when a new epoch's lists arrive.

use std::sync::Arc;

use super::{NonceStore, Verifier, VerifierError};
use crate::epoch::{EpochList, EpochLists};

impl<S: NonceStore> Verifier<S> {
    /// Adds a rater's epoch list, after checking that a trusted rater key
    /// signed it for its schema: requests may then ask for the anonymous
    /// mode for that schema ([`NewRequest::anonymous`]), and presentations
    /// are checked against it.
    ///
    /// # Errors
    /// [`VerifierError::UntrustedList`] when no trusted descriptor has its
    /// key and schema; [`VerifierError::Request`] when its signature does
    /// not verify.
    pub fn add_list(&self, list: impl Into<Arc<EpochList>>) -> Result<(), VerifierError> {
        let mut lists = self.lists();
        self.checked_insert(&mut lists, list.into())?;
        *self
            .lists
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = lists;
        Ok(())
    }

    /// Replaces the epoch lists it holds with `lists`, all or none: each must
    /// be signed by a trusted rater key for its schema (as
    /// [`Verifier::add_list`]). Requests issued before keep naming their
    /// lists; a presentation for one whose list was dropped is rejected as
    /// `list_unavailable`.
    ///
    /// # Errors
    /// As [`Verifier::add_list`], for the first list refused; the lists held
    /// are then unchanged.
    pub fn replace_lists(
        &self,
        lists: impl IntoIterator<Item = Arc<EpochList>>,
    ) -> Result<(), VerifierError> {
        let mut new = EpochLists::new();
        for list in lists {
            self.checked_insert(&mut new, list)?;
        }
        *self
            .lists
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = new;
        Ok(())
    }

    fn checked_insert(
        &self,
        lists: &mut EpochLists,
        list: Arc<EpochList>,
    ) -> Result<(), VerifierError> {
        let rater = self
            .trusted
            .iter()
            .find(|d| d.key_id() == list.key_id() && d.schema().digest() == *list.schema_digest())
            .ok_or(VerifierError::UntrustedList)?;
        lists.insert(list, rater.key(), rater.schema())?;
        Ok(())
    }

    /// A snapshot of the epoch lists it holds.
    pub fn lists(&self) -> EpochLists {
        self.lists
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

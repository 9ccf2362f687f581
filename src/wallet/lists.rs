//! The wallet's side of the anonymous mode (spec/wallet.md §6): epoch lists
//! checked against the raters of its credentials, the smallest anonymity set
//! it accepts, and the list digest it saw per rater and epoch.

use super::{Wallet, WalletError};
use crate::epoch::{EpochList, EpochLists};
use crate::errors::Error;
use crate::keys::KeyId;
use crate::request::ProofRequest;

/// The smallest anonymity set a new wallet accepts (spec/wallet.md §6).
pub const DEFAULT_MIN_LIST_SIZE: usize = 1024;

/// The digest of the epoch list a wallet saw for one rater key, schema and
/// epoch: a rater that shows another list for the same epoch (to split the
/// crowd) is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListPin {
    /// The rater key.
    pub key_id: KeyId,
    /// The schema digest.
    pub schema_digest: [u8; 32],
    /// The epoch.
    pub epoch: u64,
    /// The list digest seen first.
    pub digest: [u8; 32],
}

impl Wallet {
    /// Sets the smallest epoch list (anonymity set) this wallet proves
    /// membership in; by default [`DEFAULT_MIN_LIST_SIZE`].
    pub fn set_min_list_size(&mut self, size: usize) {
        self.min_list_size = size;
    }

    /// The smallest epoch list this wallet proves membership in.
    pub fn min_list_size(&self) -> usize {
        self.min_list_size
    }

    /// Checks each of `lists` against the rater it claims, which must be one
    /// this wallet holds credentials of, and keeps them for
    /// [`Wallet::prove_with_lists`].
    ///
    /// # Errors
    /// [`Error::ListRejected`] for a list of a rater the wallet holds no
    /// credential of, or whose signature does not verify.
    pub fn epoch_lists(
        &self,
        lists: impl IntoIterator<Item = EpochList>,
    ) -> Result<EpochLists, WalletError> {
        let mut out = EpochLists::new();
        for list in lists {
            let rater = self
                .credentials
                .iter()
                .map(|h| &h.rater)
                .find(|r| {
                    r.key_id() == list.key_id() && r.schema().digest() == *list.schema_digest()
                })
                .ok_or(Error::ListRejected(
                    "it is signed by a rater this wallet holds no credential of",
                ))?;
            out.insert(list, rater.key(), rater.schema())?;
        }
        Ok(out)
    }

    /// The epoch list digests seen, per rater key, schema and epoch.
    pub fn list_pins(&self) -> &[ListPin] {
        &self.list_pins
    }

    /// Checks the epoch lists `request` names that `lists` holds, for the
    /// schemas it asks for anonymously: each at least the minimum size, and
    /// none another list than the one seen before for its rater key, schema
    /// and epoch. Returns the pins to record.
    pub(super) fn check_lists(
        &self,
        request: &ProofRequest,
        lists: &EpochLists,
    ) -> Result<Vec<ListPin>, WalletError> {
        let mut new = Vec::new();
        for rater in request.trusted().iter().filter(|t| t.is_anonymous()) {
            let schema = rater.schema().id().to_owned();
            for list in (0..rater.lists().len()).filter_map(|i| rater.list_in(lists, i)) {
                if list.len() < self.min_list_size {
                    return Err(WalletError::SmallList {
                        schema,
                        count: list.len(),
                        min: self.min_list_size,
                    });
                }
                let pin = ListPin {
                    key_id: list.key_id(),
                    schema_digest: *list.schema_digest(),
                    epoch: list.epoch(),
                    digest: list.digest(),
                };
                let seen = self.list_pins.iter().chain(&new).find(|p| {
                    (p.key_id, p.schema_digest, p.epoch)
                        == (pin.key_id, pin.schema_digest, pin.epoch)
                });
                match seen {
                    Some(p) if p.digest != pin.digest => {
                        return Err(WalletError::ListSplit {
                            schema,
                            epoch: pin.epoch,
                        })
                    }
                    Some(_) => {}
                    None => new.push(pin),
                }
            }
        }
        Ok(new)
    }
}

/// Whether `request` asks for credentials of `schema` in the anonymous mode.
pub(super) fn is_anonymous(request: &ProofRequest, schema: &str) -> bool {
    request
        .trusted_for(schema)
        .is_some_and(crate::descriptor::TrustedRater::is_anonymous)
}

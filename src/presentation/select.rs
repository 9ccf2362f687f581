//! Choosing the credentials that answer a request (spec §7.3 step 1,
//! spec/wallet.md §5).

use crate::credential::{HeldCredential, LinkSecret};
use crate::epoch::EpochLists;
use crate::errors::{Error, Unusable};
use crate::request::ProofRequest;
use crate::statement::Slot;

/// Why `h` cannot answer for `slot` on `date`, or `None` when it can.
fn unusable(slot: &Slot, h: &HeldCredential, link: &LinkSecret, date: u64) -> Option<Unusable> {
    let schema = &slot.rater.schema;
    let c = h.credential();
    if c.schema_digest() != &schema.digest() {
        Some(Unusable::OtherSchemaVersion)
    } else if !slot.rater.keys.iter().any(|k| k.key_id() == c.key_id()) {
        Some(Unusable::UntrustedKey)
    } else if !h.is_held_by(link) {
        Some(Unusable::OtherHolder)
    } else if h.opening().values().len() != schema.attributes().len() {
        Some(Unusable::OpeningShape)
    } else if h
        .opening()
        .values()
        .get(slot.expiry)
        .is_none_or(|&e| e < date)
    {
        Some(Unusable::Expired)
    } else {
        None
    }
}

/// For each credential slot of `request`, in order, the index in `held` of
/// the first credential of the slot's schema that a trusted key signed,
/// `link` holds, and that is valid on the request's date.
///
/// # Errors
/// [`Error::Expired`] when the last candidate of a schema has expired;
/// [`Error::UnusableCredential`] with the reason the last candidate cannot be
/// used; [`Error::MissingCredential`] when there is no candidate at all.
pub(crate) fn select(
    request: &ProofRequest,
    link: &LinkSecret,
    held: &[&HeldCredential],
    lists: &EpochLists,
) -> Result<Vec<usize>, Error> {
    let date = request.date().days();
    request
        .plan()
        .slots
        .iter()
        .map(|slot| {
            let schema = slot.rater.schema.id();
            // In the anonymous mode, a credential one of the request's lists
            // holds comes first; without one, the first usable credential is
            // chosen, and the prover says why it cannot be shown.
            let listed = |h: &HeldCredential| {
                h.digest().is_some_and(|d| {
                    (0..slot.rater.lists().len())
                        .filter_map(|k| slot.rater.list_in(lists, k))
                        .any(|l| l.position(d.point()).is_some())
                })
            };
            let mut reason = None;
            let mut first = None;
            for (i, h) in held.iter().enumerate() {
                if h.credential().schema_id() != schema {
                    continue;
                }
                match unusable(slot, h, link, date) {
                    None if !slot.is_anonymous() || listed(h) => return Ok(i),
                    None => {
                        first.get_or_insert(i);
                    }
                    Some(r) => reason = Some(r),
                }
            }
            if let Some(i) = first {
                return Ok(i);
            }
            let schema = schema.to_owned();
            Err(match reason {
                Some(Unusable::Expired) => Error::Expired { schema },
                Some(reason) => Error::UnusableCredential { schema, reason },
                None => Error::MissingCredential { schema },
            })
        })
        .collect()
}

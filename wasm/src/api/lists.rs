//! Epoch lists passed in as bytes (spec §3.11): the files raters publish,
//! decoded strictly and checked against a rater key the caller trusts for
//! their schema before anything uses them.
//!
//! Who is trusted depends on the caller: a verifier's trust list
//! ([`against_descriptors`], or the library's `Verifier::add_list`), the
//! raters of the verifier's own copy of a request ([`against_request`]), or
//! the raters of a wallet's credentials ([`for_wallet`]). A list that does
//! not decode is [`Code::Decode`]; one that is refused is [`Code::List`],
//! and the message says which list (1-based, in the order given), its key
//! id and epoch, and why.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use credence::epoch::{EpochList, EpochLists};
use credence::wallet::{Wallet, WalletError};
use credence::{Error, KeyId, ProofRequest, RaterDescriptor};
use serde_json::json;

use crate::error::{ApiError, Code};

/// The most epoch lists one call takes: as many as a request can name (16
/// schemas, 4 lists each; spec §5.1).
pub const MAX_LISTS: usize = 64;
/// The most bytes of one epoch list: the library's cap (2^20 entries).
pub const MAX_LIST_LEN: usize = credence::epoch::MAX_LIST_LEN;
/// The most bytes of all epoch lists of one call together: 64 MiB (two
/// lists of the largest size).
pub const MAX_LISTS_BYTES: usize = 64 << 20;
/// The longest base64url text of one list.
pub const MAX_LIST_TEXT_LEN: usize = MAX_LIST_LEN.div_ceil(3) * 4;
/// How many lists of one schema a request names at most (spec §5.1).
pub const LISTS_PER_SCHEMA: usize = 4;

/// "epoch list 2": how messages name the list at `index`.
pub fn label(index: usize) -> String {
    format!("epoch list {}", index + 1)
}

/// Refuses `count` lists of `total` bytes when above the caps.
///
/// # Errors
/// [`Code::Argument`] for too many lists, [`Code::Decode`] for too many
/// bytes.
pub fn check_caps(count: usize, total: usize) -> Result<(), ApiError> {
    if count > MAX_LISTS {
        return Err(ApiError::new(
            Code::Argument,
            format!("{count} epoch lists given, above the cap of {MAX_LISTS}"),
        ));
    }
    if total > MAX_LISTS_BYTES {
        return Err(ApiError::new(
            Code::Decode,
            format!(
                "the epoch lists are {total} bytes together, above the cap of {MAX_LISTS_BYTES}"
            ),
        ));
    }
    Ok(())
}

/// The bytes of the list at `index` given as base64url text (unpadded, as
/// the library writes bytes in JSON).
///
/// # Errors
/// [`Code::Decode`] when it is longer than a list can be or not base64url.
pub fn from_base64url(index: usize, text: &str) -> Result<Vec<u8>, ApiError> {
    if text.len() > MAX_LIST_TEXT_LEN {
        return Err(ApiError::new(
            Code::Decode,
            format!(
                "{} is {} characters of base64url, longer than a list can be",
                label(index),
                text.len()
            ),
        ));
    }
    URL_SAFE_NO_PAD.decode(text).map_err(|_| {
        ApiError::new(
            Code::Decode,
            format!(
                "{}: a string must be base64url without padding",
                label(index)
            ),
        )
    })
}

/// Decodes one list.
fn decode_one(index: usize, bytes: &[u8]) -> Result<EpochList, ApiError> {
    EpochList::from_bytes(bytes)
        .map_err(|e| ApiError::new(Code::Decode, format!("{}: {e}", label(index))))
}

/// Decodes every list, in order, within the caps.
///
/// # Errors
/// As [`check_caps`]; [`Code::Decode`] naming the first list that does not
/// decode.
pub fn decode(lists: &[Vec<u8>]) -> Result<Vec<EpochList>, ApiError> {
    check_caps(lists.len(), lists.iter().map(Vec::len).sum())?;
    lists
        .iter()
        .enumerate()
        .map(|(i, bytes)| decode_one(i, bytes))
        .collect()
}

/// The refusal of the list at `index`, with `why`.
pub fn rejected(index: usize, list: &EpochList, why: &str) -> ApiError {
    refused(index, list.key_id(), list.epoch(), why)
}

/// The refusal of the list at `index`, of key `key_id` and epoch `epoch`.
fn refused(index: usize, key_id: KeyId, epoch: u64, why: &str) -> ApiError {
    ApiError::new(
        Code::List,
        format!(
            "{} (rater key {key_id}, epoch {epoch}) rejected: {why}",
            label(index)
        ),
    )
}

/// Why the library refused a list, in words.
fn why(e: &Error) -> String {
    match e {
        Error::ListRejected(why) => (*why).to_owned(),
        other => other.to_string(),
    }
}

/// What a refused list's message says when no trusted key signed it.
pub const UNTRUSTED: &str = "it is not signed by a trusted rater key of its schema";

/// The lists, each checked against the descriptor in `trusted` of its key
/// and schema (as the library's `Verifier::add_list` does).
///
/// # Errors
/// [`Code::List`] for a list no descriptor of `trusted` has the key and
/// schema of, or whose signature does not verify.
pub fn against_descriptors(
    lists: Vec<EpochList>,
    trusted: &[RaterDescriptor],
) -> Result<EpochLists, ApiError> {
    let mut out = EpochLists::new();
    for (i, list) in lists.into_iter().enumerate() {
        let list = Arc::new(list);
        let Some(d) = trusted
            .iter()
            .find(|d| d.key_id() == list.key_id() && d.schema().digest() == *list.schema_digest())
        else {
            return Err(rejected(i, &list, UNTRUSTED));
        };
        out.insert(Arc::clone(&list), d.key(), d.schema())
            .map_err(|e| rejected(i, &list, &why(&e)))?;
    }
    Ok(out)
}

/// The lists, each checked against a key the request trusts for its
/// schema: for a verifier that checks against its own copy of the request,
/// whose trusted raters it chose.
///
/// # Errors
/// [`Code::List`] for a list of a key or schema the request does not
/// trust, or whose signature does not verify.
pub fn against_request(
    lists: Vec<EpochList>,
    request: &ProofRequest,
) -> Result<EpochLists, ApiError> {
    let mut out = EpochLists::new();
    for (i, list) in lists.into_iter().enumerate() {
        let list = Arc::new(list);
        let signer = request.trusted().iter().find_map(|t| {
            let key = t.keys().iter().find(|k| k.key_id() == list.key_id())?;
            (t.schema().digest() == *list.schema_digest()).then_some((key, t.schema()))
        });
        let Some((key, schema)) = signer else {
            return Err(rejected(
                i,
                &list,
                "the request trusts no rater key of its schema that signed it",
            ));
        };
        out.insert(Arc::clone(&list), key, schema)
            .map_err(|e| rejected(i, &list, &why(&e)))?;
    }
    Ok(out)
}

/// The lists as `wallet` accepts them ([`Wallet::epoch_lists`]): each
/// signed by the rater of one of its credentials, for that schema.
///
/// # Errors
/// As [`decode`]; [`Code::List`] naming the first list the wallet refuses.
pub fn for_wallet(wallet: &Wallet, bytes: &[Vec<u8>]) -> Result<EpochLists, ApiError> {
    let lists = decode(bytes)?;
    match wallet.epoch_lists(lists) {
        Ok(lists) => Ok(lists),
        Err(e) => {
            // Which one: each again, alone (they decoded above).
            for (i, b) in bytes.iter().enumerate() {
                let list = decode_one(i, b)?;
                let (key_id, epoch) = (list.key_id(), list.epoch());
                if let Err(WalletError::Credence(e)) = wallet.epoch_lists([list]) {
                    return Err(refused(i, key_id, epoch, &why(&e)));
                }
            }
            Err(ApiError::new(
                Code::List,
                format!("an epoch list is refused: {e}"),
            ))
        }
    }
}

/// What a list says about itself, as JSON, before any check of its
/// signature: `{key_id, schema_digest, epoch, not_before, not_after, count,
/// base, digest}`; the digests in base64url, the window in seconds since
/// 1970.
///
/// # Errors
/// [`Code::Decode`] for bytes that are not an epoch list.
pub fn info(bytes: &[u8]) -> Result<String, ApiError> {
    check_caps(1, bytes.len())?;
    let list = decode_one(0, bytes)?;
    let window = list.window();
    Ok(json!({
        "key_id": list.key_id().to_string(),
        "schema_digest": URL_SAFE_NO_PAD.encode(list.schema_digest()),
        "epoch": window.epoch,
        "not_before": window.not_before,
        "not_after": window.not_after,
        "count": list.len(),
        "base": list.params().base(),
        "digest": URL_SAFE_NO_PAD.encode(list.digest()),
    })
    .to_string())
}

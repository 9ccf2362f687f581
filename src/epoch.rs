//! Epoch lists (spec §3.11, §4.6): the digests of a rater's valid credentials
//! of one schema and key, signed per epoch. Revocation is leaving a
//! credential out of the next list; the anonymous mode proves that a
//! credential's digest is in a list without saying which entry it is.

use std::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use ed25519_dalek::{Signature, Signer};
use sha2::{Digest, Sha256};

use crate::errors::{DecodeError, Error};
use crate::keys::{KeyId, RaterPublicKey, RaterSigningKey};
use crate::membership::{MembershipError, Parameters, MAX_CAPACITY};
use crate::schema::Schema;
use crate::wire::{self, tag, Reader, Writer, VERSION};

/// Most entries in one list.
pub const MAX_ENTRIES: usize = MAX_CAPACITY;

/// Bytes of the encoding before the entries: header, key id, schema digest,
/// epoch, window, `n`, `m` and the count.
const HEADER_LEN: usize = 2 + 16 + 32 + 8 + 8 + 8 + 4 + 4 + 4;

/// The largest encoded list: [`MAX_ENTRIES`] entries and the signature.
pub const MAX_LIST_LEN: usize = HEADER_LEN + 32 * MAX_ENTRIES + 64;

/// The epoch and validity window of a list, in seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochWindow {
    /// The epoch number; a rater's lists of one schema and key count up.
    pub epoch: u64,
    /// The first second the list is current.
    pub not_before: u64,
    /// The first second the list is no longer current.
    pub not_after: u64,
}

/// A rater's signed list of credential digests for one epoch (spec §3.11).
///
/// Decoding checks the shape (caps, sorted distinct entries, valid points,
/// parameters that cover the count); [`EpochList::verify`] checks the rater's
/// signature, key and schema. The entries are public: the rater knows each
/// of them.
#[derive(Clone)]
pub struct EpochList {
    key_id: KeyId,
    schema_digest: [u8; 32],
    window: EpochWindow,
    params: Parameters,
    entries: Vec<CompressedRistretto>,
    #[allow(dead_code)]
    points: Vec<RistrettoPoint>,
    digest: [u8; 32],
    signature: [u8; 64],
}

impl fmt::Debug for EpochList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EpochList")
            .field("key_id", &self.key_id)
            .field("epoch", &self.window.epoch)
            .field("entries", &self.entries.len())
            .field("digest", &format_args!("{}", Hex(&self.digest)))
            .finish_non_exhaustive()
    }
}

impl PartialEq for EpochList {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest && self.signature == other.signature
    }
}

impl Eq for EpochList {}

/// Why a rater cannot sign a list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    /// No entries: there is nothing to prove membership in.
    #[error("an epoch list needs at least one credential digest")]
    Empty,
    /// More entries than [`MAX_ENTRIES`], or than the base covers.
    #[error("{count} credential digests do not fit one epoch list (at most {cap})")]
    TooLong {
        /// The number of entries.
        count: usize,
        /// The cap.
        cap: usize,
    },
    /// The base is not 2 to 16.
    #[error("the list's base must be 2 to 16")]
    Base,
    /// The window ends before it starts.
    #[error("the list's window must end after it starts")]
    Window,
    /// An entry is not a valid point.
    #[error("a credential digest is not a valid point")]
    Entry,
}

impl EpochList {
    /// Signs the list of `digests` (any order; repeats are dropped) for
    /// `schema` and `window`, with membership proofs in base `base`
    /// ([`crate::hazmat::membership::DEFAULT_BASE`] gives the smallest
    /// proofs).
    ///
    /// # Errors
    /// A [`ListError`] for an empty or too long list, a base out of range, an
    /// empty window or an entry that is not a point.
    pub fn sign(
        key: &RaterSigningKey,
        schema: &Schema,
        window: EpochWindow,
        base: usize,
        digests: &[CompressedRistretto],
    ) -> Result<Self, ListError> {
        if window.not_after <= window.not_before {
            return Err(ListError::Window);
        }
        let mut entries = digests.to_vec();
        entries.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        entries.dedup();
        if entries.len() > MAX_ENTRIES {
            return Err(ListError::TooLong {
                count: entries.len(),
                cap: MAX_ENTRIES,
            });
        }
        let params = Parameters::for_list_with_base(base, entries.len()).map_err(|e| match e {
            MembershipError::ListSize { count: 0, .. } => ListError::Empty,
            MembershipError::ListSize { count, capacity } => ListError::TooLong {
                count,
                cap: capacity,
            },
            _ => ListError::Base,
        })?;
        let points = decompress_all(&entries).map_err(|_| ListError::Entry)?;
        let key_id = key.public_key().key_id();
        let digest = list_digest(&key_id, &schema.digest(), &window, &params, &entries);
        let signature = key.signing_key().sign(&signed_message(&digest)).to_bytes();
        Ok(EpochList {
            key_id,
            schema_digest: schema.digest(),
            window,
            params,
            entries,
            points,
            digest,
            signature,
        })
    }

    /// Checks that the list is signed by `rater` for `schema` (strict
    /// Ed25519 verification).
    ///
    /// # Errors
    /// [`Error::ListRejected`] naming what does not match.
    pub fn verify(&self, rater: &RaterPublicKey, schema: &Schema) -> Result<(), Error> {
        if self.key_id != rater.key_id() {
            return Err(Error::ListRejected("it is signed by another rater key"));
        }
        if self.schema_digest != schema.digest() {
            return Err(Error::ListRejected("it is for another schema"));
        }
        rater
            .verifying_key()
            .verify_strict(
                &signed_message(&self.digest),
                &Signature::from_bytes(&self.signature),
            )
            .map_err(|_| Error::ListRejected("the rater's signature does not verify"))
    }

    /// The signing key's id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
    /// The schema digest.
    pub fn schema_digest(&self) -> &[u8; 32] {
        &self.schema_digest
    }
    /// The epoch and validity window.
    pub fn window(&self) -> EpochWindow {
        self.window
    }
    /// The epoch number.
    pub fn epoch(&self) -> u64 {
        self.window.epoch
    }
    /// Whether the list is current at `unix_seconds`.
    pub fn is_current_at(&self, unix_seconds: u64) -> bool {
        (self.window.not_before..self.window.not_after).contains(&unix_seconds)
    }
    /// The membership proof parameters the list fixes.
    pub fn params(&self) -> Parameters {
        self.params
    }
    /// The number of entries: the size of the anonymity set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether the list has no entries (never true for a decoded or signed
    /// list).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// The entries, sorted by their encoding.
    pub fn entries(&self) -> &[CompressedRistretto] {
        &self.entries
    }
    #[allow(dead_code)]
    pub(crate) fn points(&self) -> &[RistrettoPoint] {
        &self.points
    }
    /// The list digest (spec §3.11): what requests name the list by and
    /// the rater signs.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }
    /// The position of `entry` in the list, if it is listed.
    pub fn position(&self, entry: &CompressedRistretto) -> Option<usize> {
        self.entries
            .binary_search_by(|e| e.as_bytes().cmp(entry.as_bytes()))
            .ok()
    }

    /// This list's header, digest and signature over `other`'s entries: a
    /// forgery for tests of what the membership proof alone catches.
    #[cfg(test)]
    pub(crate) fn with_entries_of(&self, other: &EpochList) -> EpochList {
        EpochList {
            entries: other.entries.clone(),
            points: other.points.clone(),
            ..self.clone()
        }
    }

    /// The canonical encoding (spec §3.11).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::header(tag::EPOCH_LIST);
        write_header(
            &mut w,
            &self.key_id,
            &self.schema_digest,
            &self.window,
            &self.params,
            self.entries.len(),
        );
        for e in &self.entries {
            w.point(e);
        }
        w.fixed(&self.signature);
        w.into_vec()
    }

    /// Strict decoding of [`EpochList::to_bytes`], with its own length cap
    /// ([`MAX_LIST_LEN`]). Call [`EpochList::verify`] before trusting it.
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::header_with_cap(bytes, tag::EPOCH_LIST, "epoch list", MAX_LIST_LEN)?;
        let key_id = KeyId(r.array()?);
        let schema_digest = r.array()?;
        let window = EpochWindow {
            epoch: r.u64()?,
            not_before: r.u64()?,
            not_after: r.u64()?,
        };
        if window.not_after <= window.not_before {
            return Err(DecodeError::Malformed("epoch list window"));
        }
        let n = r.u32()? as usize;
        let m = r.u32()? as usize;
        let params =
            Parameters::new(n, m).map_err(|_| DecodeError::Malformed("epoch list parameters"))?;
        let count = r.count("epoch list entries", MAX_ENTRIES)?;
        // The smallest m for the count: one list, one shape.
        match Parameters::for_list_with_base(n, count) {
            Ok(p) if p == params => {}
            _ => return Err(DecodeError::Malformed("epoch list parameters")),
        }
        let raw = r.take(32 * count)?;
        let entries: Vec<CompressedRistretto> = raw
            .chunks_exact(32)
            .map(|c| {
                let mut b = [0u8; 32];
                b.copy_from_slice(c);
                CompressedRistretto(b)
            })
            .collect();
        if entries
            .windows(2)
            .any(|w| w[0].as_bytes() >= w[1].as_bytes())
        {
            return Err(DecodeError::Malformed("epoch list order"));
        }
        let signature = r.array()?;
        r.finish()?;
        let points = decompress_all(&entries)?;
        let digest = list_digest(&key_id, &schema_digest, &window, &params, &entries);
        Ok(EpochList {
            key_id,
            schema_digest,
            window,
            params,
            entries,
            points,
            digest,
            signature,
        })
    }
}

/// Epoch lists checked against the rater keys that signed them, found by
/// their digests: what a verifier checks anonymous presentations against,
/// and what a wallet proves membership in.
#[derive(Clone, Debug, Default)]
pub struct EpochLists {
    lists: Vec<(std::sync::Arc<EpochList>, RaterPublicKey)>,
}

impl EpochLists {
    /// No lists.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `list` after checking that `rater` signed it for `schema`
    /// ([`EpochList::verify`]); a list already held is kept once.
    ///
    /// # Errors
    /// As [`EpochList::verify`].
    pub fn insert(
        &mut self,
        list: impl Into<std::sync::Arc<EpochList>>,
        rater: &RaterPublicKey,
        schema: &Schema,
    ) -> Result<(), Error> {
        let list = list.into();
        list.verify(rater, schema)?;
        if self.get(&list.digest()).is_none() {
            self.lists.push((list, *rater));
        }
        Ok(())
    }

    /// The list with `digest`.
    pub fn get(&self, digest: &[u8; 32]) -> Option<&EpochList> {
        self.lists
            .iter()
            .find(|(l, _)| l.digest() == *digest)
            .map(|(l, _)| &**l)
    }

    /// The number of lists.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The lists, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &EpochList> {
        self.lists.iter().map(|(l, _)| &**l)
    }

    /// The list with `digest`, if held and signed by one of `keys`
    /// (compared whole) for the schema with `schema_digest`.
    pub(crate) fn find(
        &self,
        digest: &[u8; 32],
        keys: &[RaterPublicKey],
        schema_digest: &[u8; 32],
    ) -> Option<&EpochList> {
        self.lists
            .iter()
            .find(|(l, k)| {
                l.digest() == *digest && keys.contains(k) && l.schema_digest() == schema_digest
            })
            .map(|(l, _)| &**l)
    }
}

/// Lower-case hexadecimal.
pub(crate) struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

fn write_header(
    w: &mut Writer,
    key_id: &KeyId,
    schema_digest: &[u8; 32],
    window: &EpochWindow,
    params: &Parameters,
    count: usize,
) {
    w.fixed(&key_id.0);
    w.fixed(schema_digest);
    w.u64(window.epoch);
    w.u64(window.not_before);
    w.u64(window.not_after);
    // Both at most 2^20: they fit.
    w.u32(params.base() as u32);
    w.u32(params.digits() as u32);
    w.count(count);
}

/// `SHA-256("credence.epoch-list.v1" || header || SHA-256(entries))`
/// (spec §3.11).
fn list_digest(
    key_id: &KeyId,
    schema_digest: &[u8; 32],
    window: &EpochWindow,
    params: &Parameters,
    entries: &[CompressedRistretto],
) -> [u8; 32] {
    let mut entries_hash = Sha256::new();
    for e in entries {
        entries_hash.update(e.as_bytes());
    }
    let mut w = Writer::default();
    w.fixed(b"credence.epoch-list.v1");
    w.u8(VERSION);
    write_header(&mut w, key_id, schema_digest, window, params, entries.len());
    w.fixed(&entries_hash.finalize());
    Sha256::digest(w.into_vec()).into()
}

/// What the rater signs: a domain label and the list digest.
fn signed_message(digest: &[u8; 32]) -> Vec<u8> {
    let mut m = b"credence.epoch-list-signature.v1".to_vec();
    m.extend_from_slice(digest);
    m
}

/// Decompresses every entry, across threads under the `parallel` feature.
fn decompress_all(entries: &[CompressedRistretto]) -> Result<Vec<RistrettoPoint>, DecodeError> {
    let one = |e: &CompressedRistretto| wire::decompress(e, "epoch list entry");
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if entries.len() >= 1024 {
            return entries.par_iter().map(one).collect();
        }
    }
    entries.iter().map(one).collect()
}

#[cfg(test)]
mod tests;

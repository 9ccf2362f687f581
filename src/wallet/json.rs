//! The wallet file's JSON form (spec/wallet.md §3): every secret of the
//! wallet, base64url-encoded in constant time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::log::DisclosureRecord;
use super::{Held, Pending, Wallet, WalletError};
use crate::credential::{HeldCredential, LinkSecret};
use crate::descriptor::RaterDescriptor;
use crate::errors::DecodeError;
use crate::files::{self, secret_b64, JsonProblem};
use crate::issuance::PendingIssuance;
use crate::policy::AttrRef;

/// The value of the `format` field.
pub(crate) const FORMAT: &str = "credence-wallet";
/// The only version this library reads and writes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The JSON form. Fields holding secret encodings are zeroized on drop.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWallet {
    format: String,
    version: u32,
    link_secret: String,
    credentials: Vec<RawHeld>,
    pending: Vec<RawPending>,
    min_intervals: BTreeMap<String, u64>,
    disclosures: BTreeMap<String, Vec<DisclosureRecord>>,
    /// Absent when it is the default (as in wallets written before the
    /// anonymous mode).
    #[serde(
        default = "default_min_list_size",
        skip_serializing_if = "is_default_min_list_size"
    )]
    min_list_size: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    list_pins: Vec<RawPin>,
}

fn default_min_list_size() -> usize {
    super::DEFAULT_MIN_LIST_SIZE
}

fn is_default_min_list_size(n: &usize) -> bool {
    *n == super::DEFAULT_MIN_LIST_SIZE
}

/// The digest of the epoch list seen for a rater key, schema and epoch.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPin {
    key_id: String,
    #[serde(with = "crate::wire::b64::array")]
    schema_digest: [u8; 32],
    epoch: u64,
    #[serde(with = "crate::wire::b64::array")]
    digest: [u8; 32],
}

impl Drop for RawWallet {
    fn drop(&mut self) {
        self.link_secret.zeroize();
    }
}

/// A held credential, the rater it was issued under, and whether it was used.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeld {
    rater: RaterDescriptor,
    credential: String,
    used: bool,
}

impl Drop for RawHeld {
    fn drop(&mut self) {
        self.credential.zeroize();
    }
}

/// An issuance request awaiting the rater's answer.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPending {
    rater: RaterDescriptor,
    issuance: String,
}

impl Drop for RawPending {
    fn drop(&mut self) {
        self.issuance.zeroize();
    }
}

impl Wallet {
    /// The wallet file's JSON (spec/wallet.md §3), zeroized when dropped: it
    /// holds every secret of the wallet. Secrets are base64url-encoded in
    /// constant time.
    ///
    /// # Errors
    /// [`WalletError::Encode`] if the wallet cannot be serialized (nothing
    /// should then be saved).
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, WalletError> {
        let raw = RawWallet {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            link_secret: secret_b64::encode(&*self.link.to_bytes()),
            credentials: self
                .credentials
                .iter()
                .map(|h| RawHeld {
                    rater: h.rater.clone(),
                    credential: secret_b64::encode(&h.held.to_bytes()),
                    used: h.used,
                })
                .collect(),
            pending: self
                .pending
                .iter()
                .map(|p| RawPending {
                    rater: p.rater.clone(),
                    issuance: secret_b64::encode(&p.issuance.to_bytes()),
                })
                .collect(),
            min_intervals: self
                .min_intervals
                .iter()
                .map(|(a, w)| (a.to_string(), *w))
                .collect(),
            disclosures: self.disclosures.clone(),
            min_list_size: self.min_list_size,
            list_pins: self
                .list_pins
                .iter()
                .map(|p| RawPin {
                    key_id: p.key_id.to_string(),
                    schema_digest: p.schema_digest,
                    epoch: p.epoch,
                    digest: p.digest,
                })
                .collect(),
        };
        files::to_json(&raw).map_err(|_| WalletError::Encode)
    }

    /// Decodes a wallet file, checking every credential against the schema
    /// and rater key it was issued under and against the link secret.
    ///
    /// # Errors
    /// [`WalletError::Format`] naming what is wrong (never a secret).
    pub fn from_json(bytes: &[u8]) -> Result<Self, WalletError> {
        let bad = WalletError::Format;
        let raw: RawWallet =
            serde_json::from_slice(bytes).map_err(|e| bad(JsonProblem::of(&e).to_string()))?;
        if raw.format != FORMAT {
            return Err(bad(format!("the format is not `{FORMAT}`")));
        }
        if raw.version != FORMAT_VERSION {
            return Err(bad(format!("unsupported version {}", raw.version)));
        }
        let decoded =
            secret_b64::decode(&raw.link_secret, "link secret").map_err(|e| bad(e.to_string()))?;
        let secret: &[u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            bad(DecodeError::WrongLength {
                what: "link secret",
                expected: 32,
                found: decoded.len(),
            }
            .to_string())
        })?;
        let link = LinkSecret::from_bytes(secret).map_err(|e| bad(e.to_string()))?;
        let mut credentials = Vec::with_capacity(raw.credentials.len());
        for (i, r) in raw.credentials.iter().enumerate() {
            let at = |e: String| bad(format!("credential {i}: {e}"));
            let bytes = secret_b64::decode(&r.credential, "held credential")
                .map_err(|e| at(e.to_string()))?;
            let held = HeldCredential::from_bytes(&bytes).map_err(|e| at(e.to_string()))?;
            held.check(r.rater.schema(), r.rater.key())
                .map_err(|e| at(e.to_string()))?;
            if !held.is_held_by(&link) {
                return Err(at("it is not held by this wallet's link secret".into()));
            }
            credentials.push(Held {
                held,
                rater: r.rater.clone(),
                used: r.used,
            });
        }
        let mut pending = Vec::with_capacity(raw.pending.len());
        for (i, r) in raw.pending.iter().enumerate() {
            let at = |e: String| bad(format!("pending request {i}: {e}"));
            let bytes = secret_b64::decode(&r.issuance, "pending issuance")
                .map_err(|e| at(e.to_string()))?;
            pending.push(Pending {
                issuance: PendingIssuance::from_bytes(&bytes).map_err(|e| at(e.to_string()))?,
                rater: r.rater.clone(),
            });
        }
        let mut min_intervals = BTreeMap::new();
        for (a, w) in &raw.min_intervals {
            let attr = AttrRef::parse(a).map_err(|e| bad(e.to_string()))?;
            if *w > 0 {
                min_intervals.insert(attr, *w);
            }
        }
        let list_pins = raw
            .list_pins
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let key_id = crate::keys::KeyId::parse_hex(&p.key_id)
                    .ok_or_else(|| bad(format!("list pin {i}: the key id is not 32 hex digits")))?;
                Ok(super::ListPin {
                    key_id,
                    schema_digest: p.schema_digest,
                    epoch: p.epoch,
                    digest: p.digest,
                })
            })
            .collect::<Result<Vec<_>, WalletError>>()?;
        Ok(Wallet {
            link,
            credentials,
            pending,
            min_intervals,
            disclosures: raw.disclosures.clone(),
            min_list_size: raw.min_list_size,
            list_pins,
        })
    }
}

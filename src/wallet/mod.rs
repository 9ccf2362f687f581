//! The subject's wallet (spec/wallet.md): the link secret, held credentials
//! with the raters they came from, pending issuance requests, and a log of
//! what each verifier was shown.
//!
//! The wallet presents every credential at most once (a presentation of a
//! credential is linkable to every other presentation of it), shows a
//! [`ConsentSummary`] before proving, and refuses a request that would let a
//! verifier narrow a protected attribute below the holder's minimum interval
//! (threshold probing, see [`Wallet::check_narrowing`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::descriptor::RaterDescriptor;
use crate::errors::{DecodeError, Error};
use crate::issuance::{IssuanceRequest, IssuedCredential};
use crate::keys::KeyId;
use crate::policy::{AttrRef, Date, Predicate};
use crate::presentation::select;
use crate::presentation::Presentation;
use crate::request::ProofRequest;
use crate::wire::b64;

mod consent;
pub(crate) mod file;
mod probing;

pub use crate::credential::{HeldCredential, LinkSecret};
pub use crate::issuance::PendingIssuance;
pub use consent::ConsentSummary;

use file::{RawHeld, RawPending, RawWallet, Replace};

/// Why a wallet operation failed. Messages never contain a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// A file could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The file to create already exists.
    #[error("{} already exists; refusing to overwrite it", .0.display())]
    Exists(PathBuf),
    /// The wallet file is not a valid wallet.
    #[error("invalid wallet file: {0}")]
    Format(String),
    /// A library operation failed (decoding, a rejected credential, a request
    /// the wallet's credentials cannot satisfy, ...).
    #[error(transparent)]
    Credence(#[from] Error),
    /// Credentials to add match no pending issuance request of this wallet.
    #[error(
        "these credentials match no pending issuance request of this wallet \
         (they were issued to another wallet or for another request)"
    )]
    NoPendingRequest,
    /// Every credential of a schema the request needs was already presented.
    #[error(
        "every `{schema}` credential in the wallet has already been presented once; \
         ask the rater for a new batch"
    )]
    AllUsed {
        /// The schema id.
        schema: String,
    },
    /// The request would narrow a protected attribute too far.
    #[error("refused (threshold probing): {0}")]
    Narrowing(Narrowing),
}

impl From<DecodeError> for WalletError {
    fn from(e: DecodeError) -> Self {
        WalletError::Credence(Error::Decode(e))
    }
}

/// What a verifier would know about a protected attribute after a request:
/// the interval it is confined to, given everything that verifier was shown
/// before (spec/wallet.md §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narrowing {
    /// The verifier id.
    pub verifier: String,
    /// The protected attribute.
    pub attribute: AttrRef,
    /// The interval `[lo, hi]` the verifier would know the value lies in, or
    /// `None` when the request reveals the value.
    pub known: Option<(u64, u64)>,
    /// The holder's minimum interval width for this attribute.
    pub min_width: u64,
    /// Whether the request tells the verifier more than it already knew.
    pub narrows: bool,
}

impl Narrowing {
    /// Whether the request narrows the interval further and the result is
    /// narrower than the holder's minimum (`hi - lo < min_width`), or reveals
    /// the value.
    pub fn is_too_narrow(&self) -> bool {
        self.narrows
            && match self.known {
                None => true,
                Some((lo, hi)) => hi - lo < self.min_width,
            }
    }
}

impl fmt::Display for Narrowing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known {
            None if !self.narrows => write!(
                f,
                "`{}` already knows the value of {}",
                self.verifier, self.attribute
            ),
            None => write!(
                f,
                "`{}` would learn the value of {}, which the holder protects with a minimum interval of {}",
                self.verifier, self.attribute, self.min_width
            ),
            Some((lo, hi)) if self.is_too_narrow() => write!(
                f,
                "with what it already learned, `{}` would know that {} lies in [{lo}, {hi}], \
                 an interval of width {}, narrower than the holder's minimum of {}",
                self.verifier,
                self.attribute,
                hi - lo,
                self.min_width
            ),
            Some((lo, hi)) => write!(
                f,
                "`{}` would know that {} lies in [{lo}, {hi}]{} (holder's minimum interval: {})",
                self.verifier,
                self.attribute,
                if self.narrows { "" } else { ", as it already does" },
                self.min_width
            ),
        }
    }
}

/// One presentation the wallet made: to whom, when, why, and what it proved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureRecord {
    /// The request's reference date.
    pub date: Date,
    /// The request's stated purpose.
    pub purpose: String,
    /// The request's predicates.
    pub predicates: Vec<Predicate>,
    /// The expiry attribute of each credential presented: each was shown to
    /// be on or after `date`.
    pub valid_on_date: Vec<AttrRef>,
}

impl DisclosureRecord {
    /// What a presentation answering `request` shows its verifier.
    fn of(request: &ProofRequest) -> Self {
        let mut valid_on_date = Vec::new();
        for schema in request.schemas() {
            if let Some(expiry) = schema.attributes().get(schema.expiry_index()) {
                if let Ok(attr) = AttrRef::new(schema.id(), &expiry.name) {
                    valid_on_date.push(attr);
                }
            }
        }
        DisclosureRecord {
            date: request.date(),
            purpose: request.purpose().to_owned(),
            predicates: request.predicates().to_vec(),
            valid_on_date,
        }
    }

    /// Everything the verifier learned, as predicates: the request's, then
    /// `expiry >= date` for each credential.
    pub fn learned(&self) -> Vec<Predicate> {
        let mut out = self.predicates.clone();
        out.extend(
            self.valid_on_date
                .iter()
                .map(|a| Predicate::at_least(a.clone(), self.date.days())),
        );
        out
    }

    /// Everything the verifier learned, as text, with dates as `YYYY-MM-DD`.
    pub fn statements(&self) -> Vec<String> {
        let mut out: Vec<String> = self.predicates.iter().map(ToString::to_string).collect();
        out.extend(
            self.valid_on_date
                .iter()
                .map(|a| format!("{a} >= {}", self.date)),
        );
        out
    }
}

/// A held credential as [`Wallet::credentials`] lists it: no secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialSummary {
    /// The schema id.
    pub schema: String,
    /// The signing rater key's id.
    pub key_id: KeyId,
    /// Whether it has been presented (it will not be presented again).
    pub used: bool,
}

struct Held {
    held: HeldCredential,
    rater: RaterDescriptor,
    used: bool,
}

struct Pending {
    issuance: PendingIssuance,
    rater: RaterDescriptor,
}

/// A subject's wallet (spec/wallet.md).
///
/// Secret: it holds the link secret and every credential's openings, all
/// zeroized on drop; `Debug` prints counts only.
///
/// # Example
/// ```
/// # use credence::*;
/// # use credence::rater::RaterSigningKey;
/// # use credence::wallet::Wallet;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let schema = Schema::new("bank", 1, vec![
/// #     Attribute::uint("liquidity_eur", 1 << 40, Category::Financial),
/// #     Attribute::expiry("valid_until"),
/// # ])?;
/// let bank = RaterSigningKey::generate(&mut rand_core::OsRng);
/// let published = RaterDescriptor::new(schema.clone(), bank.public_key());
///
/// let mut wallet = Wallet::generate();
/// wallet.set_min_interval(AttrRef::parse("bank.liquidity_eur")?, 1000);
/// let request = wallet.request_issuance(&published);
/// let until = Date::parse("2027-12-31")?.days();
/// let issued = bank.issue(&schema, &request, &[("liquidity_eur", 9000), ("valid_until", until)], 2)?;
/// wallet.add(issued)?;
///
/// let ask = ProofRequest::builder("landlord.example", Date::parse("2027-03-01")?)
///     .trust(schema, vec![bank.public_key()])
///     .predicates(parse_policy("bank.liquidity_eur >= 3000")?)
///     .build()?;
/// println!("{}", wallet.consent(&ask));
/// let presentation = wallet.prove(&ask, false)?;
/// assert!(presentation.verify(&ask).is_satisfied());
/// assert_eq!(wallet.credentials().iter().filter(|c| c.used).count(), 1);
/// # Ok(())
/// # }
/// ```
pub struct Wallet {
    link: LinkSecret,
    credentials: Vec<Held>,
    pending: Vec<Pending>,
    min_intervals: BTreeMap<AttrRef, u64>,
    disclosures: BTreeMap<String, Vec<DisclosureRecord>>,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wallet")
            .field("credentials", &self.credentials.len())
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

/// The schema ids a request needs credentials of, in the order its predicates
/// first name them (the order of the presentation's credentials).
impl Wallet {
    /// A new, empty wallet with a fresh link secret.
    pub fn generate_with_rng<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Wallet {
            link: LinkSecret::generate(rng),
            credentials: Vec::new(),
            pending: Vec::new(),
            min_intervals: BTreeMap::new(),
            disclosures: BTreeMap::new(),
        }
    }

    /// [`Wallet::generate_with_rng`] with the operating system's RNG.
    pub fn generate() -> Self {
        Self::generate_with_rng(&mut rand_core::OsRng)
    }

    /// Protects `attr`: refuse any request after which one verifier would know
    /// the value lies in an interval narrower than `width` (spec/wallet.md §6).
    /// A width of 0 removes the protection.
    pub fn set_min_interval(&mut self, attr: AttrRef, width: u64) {
        if width == 0 {
            self.min_intervals.remove(&attr);
        } else {
            self.min_intervals.insert(attr, width);
        }
    }

    /// The protected attributes and their minimum interval widths.
    pub fn min_intervals(&self) -> &BTreeMap<AttrRef, u64> {
        &self.min_intervals
    }

    /// Starts issuance with the rater `rater` describes: returns the request to
    /// send it, and keeps the secret half until [`Wallet::add`].
    pub fn request_issuance_with_rng<R: RngCore + CryptoRng>(
        &mut self,
        rater: &RaterDescriptor,
        rng: &mut R,
    ) -> IssuanceRequest {
        let (request, issuance) =
            self.link
                .issuance_request_with_rng(rater.key(), rater.schema(), rng);
        self.pending.push(Pending {
            issuance,
            rater: rater.clone(),
        });
        request
    }

    /// [`Wallet::request_issuance_with_rng`] with the operating system's RNG.
    pub fn request_issuance(&mut self, rater: &RaterDescriptor) -> IssuanceRequest {
        self.request_issuance_with_rng(rater, &mut rand_core::OsRng)
    }

    /// Accepts credentials a rater issued in answer to one of this wallet's
    /// pending requests, checking each (spec §4.5), and closes that request.
    /// Returns the schema's descriptor and how many credentials were added.
    ///
    /// # Errors
    /// [`WalletError::NoPendingRequest`] when no pending request matches (the
    /// credentials were issued to another wallet or for another request);
    /// [`WalletError::Credence`] with [`Error::CredentialRejected`] when a
    /// credential fails a check (tampered, bad signature). The wallet is
    /// unchanged on error.
    pub fn add(
        &mut self,
        issued: Vec<IssuedCredential>,
    ) -> Result<(RaterDescriptor, usize), WalletError> {
        let Some(first) = issued.first() else {
            return Err(WalletError::Format("no credentials to add".into()));
        };
        let key_id = first.credential().key_id();
        let digest = *first.credential().schema_digest();
        let mut rejection = None;
        for (i, p) in self.pending.iter().enumerate() {
            if p.rater.key_id() != key_id || p.rater.schema().digest() != digest {
                continue;
            }
            match p
                .issuance
                .accept(&self.link, p.rater.schema(), issued.clone())
            {
                Ok(held) => {
                    let n = held.len();
                    let rater = p.rater.clone();
                    self.credentials.extend(held.into_iter().map(|held| Held {
                        held,
                        rater: rater.clone(),
                        used: false,
                    }));
                    self.pending.remove(i);
                    return Ok((rater, n));
                }
                Err(Error::OtherHolder) => {}
                Err(e) => rejection = Some(e),
            }
        }
        Err(rejection.map_or(WalletError::NoPendingRequest, WalletError::Credence))
    }

    /// The held credentials, without secrets.
    pub fn credentials(&self) -> Vec<CredentialSummary> {
        self.credentials
            .iter()
            .map(|h| CredentialSummary {
                schema: h.rater.schema().id().to_owned(),
                key_id: h.rater.key_id(),
                used: h.used,
            })
            .collect()
    }

    /// The raters of the pending issuance requests.
    pub fn pending(&self) -> Vec<&RaterDescriptor> {
        self.pending.iter().map(|p| &p.rater).collect()
    }

    /// What each verifier was shown, by verifier id.
    pub fn disclosures(&self) -> &BTreeMap<String, Vec<DisclosureRecord>> {
        &self.disclosures
    }

    /// The largest value `attr` may take, from the request's trusted schema or
    /// the wallet's credentials.
    fn bound_of(&self, request: &ProofRequest, attr: &AttrRef) -> u64 {
        let from = |s: &crate::schema::Schema| {
            s.index_of(attr.attribute())
                .map(|i| s.attributes()[i].kind.max())
        };
        request
            .trusted_for(attr.schema())
            .and_then(|t| from(&t.schema))
            .or_else(|| {
                self.credentials
                    .iter()
                    .filter(|h| h.rater.schema().id() == attr.schema())
                    .find_map(|h| from(h.rater.schema()))
            })
            .unwrap_or(u64::MAX)
    }

    /// For each protected attribute the request touches, what its verifier
    /// would know about it afterwards, given what that verifier already
    /// learned from this wallet. Linear scores over several attributes are
    /// not tracked (spec/wallet.md §6).
    pub fn narrowing(&self, request: &ProofRequest) -> Vec<Narrowing> {
        let new = DisclosureRecord::of(request).learned();
        let verifier = request.verifier_id();
        let past: Vec<Predicate> = self
            .disclosures
            .get(verifier)
            .into_iter()
            .flatten()
            .flat_map(DisclosureRecord::learned)
            .collect();
        let mut out = Vec::new();
        for (attr, &min_width) in &self.min_intervals {
            if !new.iter().any(|p| probing::touches(p, attr)) {
                continue;
            }
            let max = self.bound_of(request, attr);
            let all = past.iter().chain(&new);
            let revealed = all.clone().any(|p| probing::reveals(p, attr));
            let interval = probing::learned(attr, max, all);
            let before = probing::learned(attr, max, &past);
            let revealed_before = past.iter().any(|p| probing::reveals(p, attr));
            let narrows = revealed != revealed_before || interval != before;
            let known = if revealed {
                None
            } else if interval.is_empty() {
                // The request cannot be proven together with what was proven
                // before: proving will fail and reveal nothing.
                continue;
            } else {
                match (u64::try_from(interval.lo), u64::try_from(interval.hi)) {
                    (Ok(lo), Ok(hi)) => Some((lo, hi)),
                    _ => continue,
                }
            };
            out.push(Narrowing {
                verifier: verifier.to_owned(),
                attribute: attr.clone(),
                known,
                min_width,
                narrows,
            });
        }
        out
    }

    /// The threshold-probing rule (spec/wallet.md §6): refuses a request that
    /// tells its verifier more about a protected attribute than it knew, when,
    /// with everything it learned from this wallet before, the verifier would
    /// then know the attribute to lie in an interval narrower than the holder's
    /// minimum, or would learn its value.
    ///
    /// # Errors
    /// [`WalletError::Narrowing`] for the first such attribute.
    pub fn check_narrowing(&self, request: &ProofRequest) -> Result<(), WalletError> {
        match self
            .narrowing(request)
            .into_iter()
            .find(Narrowing::is_too_narrow)
        {
            Some(n) => Err(WalletError::Narrowing(n)),
            None => Ok(()),
        }
    }

    /// What the holder should see before consenting to `request`.
    pub fn consent(&self, request: &ProofRequest) -> ConsentSummary {
        ConsentSummary::new(self, request)
    }

    /// Answers `request` with credentials never presented before, then marks
    /// them used and records what the verifier learned (spec/wallet.md §5).
    ///
    /// Unless `allow_narrowing` is set, first applies
    /// [`Wallet::check_narrowing`]. The caller must save the wallet before it
    /// sends the presentation, so that a crash cannot lead to a reuse.
    ///
    /// # Errors
    /// [`WalletError::Narrowing`]; [`WalletError::AllUsed`] when every
    /// credential of a needed schema was presented already; the errors of
    /// proving ([`Error::PredicateNotMet`], [`Error::Expired`], ...). The
    /// wallet is unchanged on error.
    pub fn prove_with_rng<R: RngCore + CryptoRng>(
        &mut self,
        request: &ProofRequest,
        allow_narrowing: bool,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        if !allow_narrowing {
            self.check_narrowing(request)?;
        }
        for schema in request.schemas() {
            let schema = schema.id();
            let mut of_schema = self
                .credentials
                .iter()
                .filter(|h| h.rater.schema().id() == schema)
                .peekable();
            if of_schema.peek().is_some() && of_schema.all(|h| h.used) {
                return Err(WalletError::AllUsed {
                    schema: schema.to_owned(),
                });
            }
        }
        let (indices, candidates): (Vec<usize>, Vec<&HeldCredential>) = self
            .credentials
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.used)
            .map(|(i, h)| (i, &h.held))
            .unzip();
        let picked = select(request, &self.link, &candidates)?;
        let chosen: Vec<&HeldCredential> = picked
            .iter()
            .filter_map(|&i| candidates.get(i).copied())
            .collect();
        let presentation = Presentation::prove_chosen_with_rng(request, &self.link, &chosen, rng)?;
        let used: Vec<usize> = picked
            .iter()
            .filter_map(|&i| indices.get(i).copied())
            .collect();
        for i in used {
            if let Some(h) = self.credentials.get_mut(i) {
                h.used = true;
            }
        }
        self.disclosures
            .entry(request.verifier_id().to_owned())
            .or_default()
            .push(DisclosureRecord::of(request));
        Ok(presentation)
    }

    /// [`Wallet::prove_with_rng`] with the operating system's RNG.
    ///
    /// # Errors
    /// As [`Wallet::prove_with_rng`].
    pub fn prove(
        &mut self,
        request: &ProofRequest,
        allow_narrowing: bool,
    ) -> Result<Presentation, WalletError> {
        self.prove_with_rng(request, allow_narrowing, &mut rand_core::OsRng)
    }

    /// The wallet file's JSON (spec/wallet.md §3), zeroized when dropped: it
    /// holds every secret of the wallet.
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let raw = RawWallet {
            format: file::FORMAT.to_owned(),
            version: file::FORMAT_VERSION,
            link_secret: b64::encode(&*self.link.to_bytes()),
            credentials: self
                .credentials
                .iter()
                .map(|h| RawHeld {
                    rater: h.rater.clone(),
                    credential: b64::encode(&h.held.to_bytes()),
                    used: h.used,
                })
                .collect(),
            pending: self
                .pending
                .iter()
                .map(|p| RawPending {
                    rater: p.rater.clone(),
                    issuance: b64::encode(&p.issuance.to_bytes()),
                })
                .collect(),
            min_intervals: self
                .min_intervals
                .iter()
                .map(|(a, w)| (a.to_string(), *w))
                .collect(),
            disclosures: self.disclosures.clone(),
        };
        // Serializing plain structs of strings, numbers and maps with string
        // keys cannot fail.
        file::to_json(&raw).unwrap_or_default()
    }

    /// Decodes a wallet file, checking every credential against the schema
    /// and rater key it was issued under and against the link secret.
    ///
    /// # Errors
    /// [`WalletError::Format`] naming what is wrong (never a secret).
    pub fn from_json(bytes: &[u8]) -> Result<Self, WalletError> {
        let bad = WalletError::Format;
        let raw: RawWallet =
            serde_json::from_slice(bytes).map_err(|e| bad(file::describe_json_error(&e)))?;
        if raw.format != file::FORMAT {
            return Err(bad(format!("the format is not `{}`", file::FORMAT)));
        }
        if raw.version != file::FORMAT_VERSION {
            return Err(bad(format!("unsupported version {}", raw.version)));
        }
        let decoded = Zeroizing::new(
            b64::decode_str(&raw.link_secret, "link secret").map_err(|e| bad(e.to_string()))?,
        );
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
            let bytes = Zeroizing::new(
                b64::decode_str(&r.credential, "held credential").map_err(|e| at(e.to_string()))?,
            );
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
            let bytes = Zeroizing::new(
                b64::decode_str(&r.issuance, "pending issuance").map_err(|e| at(e.to_string()))?,
            );
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
        Ok(Wallet {
            link,
            credentials,
            pending,
            min_intervals,
            disclosures: raw.disclosures.clone(),
        })
    }

    /// Reads and decodes a wallet file.
    ///
    /// # Errors
    /// [`WalletError::Io`] when it cannot be read; as [`Wallet::from_json`].
    pub fn load(path: &Path) -> Result<Self, WalletError> {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| io_error(path, &e))?);
        Self::from_json(&bytes)
    }

    /// Writes a new wallet file crash-safely with mode 0600, refusing to
    /// overwrite an existing file.
    ///
    /// # Errors
    /// [`WalletError::Exists`]; [`WalletError::Io`].
    pub fn create(&self, path: &Path) -> Result<(), WalletError> {
        self.write(path, Replace::No)
    }

    /// Replaces the wallet file crash-safely (temporary file, fsync, rename,
    /// directory fsync), with mode 0600: after a crash the file is either the
    /// old wallet or the new one.
    ///
    /// # Errors
    /// [`WalletError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), WalletError> {
        self.write(path, Replace::Yes)
    }

    fn write(&self, path: &Path, replace: Replace) -> Result<(), WalletError> {
        file::write_atomic(path, &self.to_json(), 0o600, replace).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                WalletError::Exists(path.to_owned())
            } else {
                io_error(path, &e)
            }
        })
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> WalletError {
    WalletError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests;

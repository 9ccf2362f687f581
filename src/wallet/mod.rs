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
use std::path::PathBuf;

use rand_core::{CryptoRng, RngCore};

use crate::descriptor::RaterDescriptor;
use crate::epoch::EpochLists;
use crate::errors::{DecodeError, Error};
use crate::issuance::{IssuanceRequest, IssuedCredential};
use crate::keys::KeyId;
use crate::policy::AttrRef;
use crate::presentation::select;
use crate::presentation::Presentation;
use crate::request::ProofRequest;

mod consent;
#[cfg(feature = "files")]
mod file;
mod json;
mod listing;
mod lists;
mod log;
mod probing;

pub use crate::credential::{HeldCredential, LinkSecret};
pub use crate::issuance::PendingIssuance;
pub use consent::ConsentSummary;
#[cfg(feature = "files")]
pub use file::WalletFile;
use lists::is_anonymous;
pub use lists::{ListPin, DEFAULT_MIN_LIST_SIZE};
pub use log::DisclosureRecord;
pub use probing::Narrowing;

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
    /// An epoch list the request names is smaller than the wallet's minimum
    /// anonymity set.
    #[error(
        "the `{schema}` epoch list holds {count} credentials, fewer than this wallet's \
         minimum of {min}: an anonymous presentation would hide in too small a crowd"
    )]
    SmallList {
        /// The schema id.
        schema: String,
        /// The list's size.
        count: usize,
        /// The wallet's minimum.
        min: usize,
    },
    /// The rater showed another list for an epoch than the one the wallet saw
    /// before: one of them may be made to single the holder out.
    #[error(
        "the `{schema}` rater shows a different epoch list for epoch {epoch} than this \
         wallet saw before; refusing to prove against it"
    )]
    ListSplit {
        /// The schema id.
        schema: String,
        /// The epoch.
        epoch: u64,
    },
    /// The request would narrow a protected attribute too far.
    #[error("refused (threshold probing): {0}")]
    Narrowing(Narrowing),
    /// Another command held the wallet file for longer than [`WalletFile::LOCK_WAIT`].
    #[error(
        "the wallet {} is in use by another command; try again when it has finished",
        .0.display()
    )]
    Locked(PathBuf),
    /// The wallet could not be serialized; nothing was written.
    #[error("the wallet cannot be encoded as JSON")]
    Encode,
}

impl From<DecodeError> for WalletError {
    fn from(e: DecodeError) -> Self {
        WalletError::Credence(Error::Decode(e))
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
/// let presentation = wallet.prove(&ask)?;
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
    /// The smallest epoch list the wallet proves membership in.
    min_list_size: usize,
    /// The digest of each epoch list seen, per rater key, schema and epoch.
    list_pins: Vec<ListPin>,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wallet")
            .field("credentials", &self.credentials.len())
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// A new, empty wallet with a fresh link secret.
    pub fn generate_with_rng<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Wallet {
            link: LinkSecret::generate(rng),
            credentials: Vec::new(),
            pending: Vec::new(),
            min_intervals: BTreeMap::new(),
            disclosures: BTreeMap::new(),
            min_list_size: DEFAULT_MIN_LIST_SIZE,
            list_pins: Vec::new(),
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

    /// What the holder should see before consenting to `request`.
    pub fn consent(&self, request: &ProofRequest) -> ConsentSummary {
        ConsentSummary::new(self, request, &EpochLists::new())
    }

    /// [`Wallet::consent`] for a request that asks for the anonymous mode:
    /// the summary names the size of each list the wallet would prove
    /// membership in.
    pub fn consent_with_lists(&self, request: &ProofRequest, lists: &EpochLists) -> ConsentSummary {
        ConsentSummary::new(self, request, lists)
    }

    /// Answers `request` with credentials never presented before, then marks
    /// them used and records what the verifier learned (spec/wallet.md §5),
    /// unless the answer would let the verifier narrow a protected attribute
    /// too far ([`Wallet::check_narrowing`], judged on the values actually
    /// proven). The caller must save the wallet before it sends the
    /// presentation, so that a crash cannot lead to a reuse.
    ///
    /// # Errors
    /// [`WalletError::Narrowing`]; [`WalletError::AllUsed`] when every
    /// credential of a needed schema was presented already; the errors of
    /// proving ([`Error::PredicateNotMet`], [`Error::Expired`], ...). The
    /// wallet is unchanged on error.
    pub fn prove_with_rng<R: RngCore + CryptoRng>(
        &mut self,
        request: &ProofRequest,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        self.answer(request, &EpochLists::new(), true, rng)
    }

    /// [`Wallet::prove_with_rng`] for a request that asks for the anonymous
    /// mode for some schemas (spec/wallet.md §6): `lists` holds the raters'
    /// current epoch lists, each checked against its rater when added. A
    /// credential shown anonymously is not spent: nothing in the
    /// presentation links it to another.
    ///
    /// # Errors
    /// As [`Wallet::prove_with_rng`]; [`WalletError::SmallList`],
    /// [`WalletError::ListSplit`]; [`Error::NotListed`] when the credential
    /// is in none of the lists (revoked, or newer than them).
    pub fn prove_with_lists_rng<R: RngCore + CryptoRng>(
        &mut self,
        request: &ProofRequest,
        lists: &EpochLists,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        self.answer(request, lists, true, rng)
    }

    /// [`Wallet::prove_with_lists_rng`] with the operating system's RNG.
    ///
    /// # Errors
    /// As [`Wallet::prove_with_lists_rng`].
    pub fn prove_with_lists(
        &mut self,
        request: &ProofRequest,
        lists: &EpochLists,
    ) -> Result<Presentation, WalletError> {
        self.prove_with_lists_rng(request, lists, &mut rand_core::OsRng)
    }

    /// [`Wallet::prove_with_rng`] with the operating system's RNG.
    ///
    /// # Errors
    /// As [`Wallet::prove_with_rng`].
    pub fn prove(&mut self, request: &ProofRequest) -> Result<Presentation, WalletError> {
        self.prove_with_rng(request, &mut rand_core::OsRng)
    }

    /// [`Wallet::prove_with_rng`] without the threshold-probing rule: the
    /// holder's explicit override (spec/wallet.md §6, item 7).
    ///
    /// # Errors
    /// As [`Wallet::prove_with_rng`], but never [`WalletError::Narrowing`].
    pub fn prove_allowing_narrowing_with_rng<R: RngCore + CryptoRng>(
        &mut self,
        request: &ProofRequest,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        self.answer(request, &EpochLists::new(), false, rng)
    }

    /// [`Wallet::prove_with_lists`] without the threshold-probing rule.
    ///
    /// # Errors
    /// As [`Wallet::prove_with_lists_rng`], but never
    /// [`WalletError::Narrowing`].
    pub fn prove_allowing_narrowing_with_lists(
        &mut self,
        request: &ProofRequest,
        lists: &EpochLists,
    ) -> Result<Presentation, WalletError> {
        self.answer(request, lists, false, &mut rand_core::OsRng)
    }

    /// [`Wallet::prove_allowing_narrowing_with_rng`] with the operating
    /// system's RNG.
    ///
    /// # Errors
    /// As [`Wallet::prove_allowing_narrowing_with_rng`].
    pub fn prove_allowing_narrowing(
        &mut self,
        request: &ProofRequest,
    ) -> Result<Presentation, WalletError> {
        self.prove_allowing_narrowing_with_rng(request, &mut rand_core::OsRng)
    }

    fn answer<R: RngCore + CryptoRng>(
        &mut self,
        request: &ProofRequest,
        lists: &EpochLists,
        guard: bool,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        if guard {
            self.check_narrowing_given(request, lists)?;
        }
        let pins = self.check_lists(request, lists)?;
        for schema in request.schemas() {
            let schema = schema.id();
            if is_anonymous(request, schema) {
                continue;
            }
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
        let picked = self.pick(request, lists)?;
        let chosen: Vec<&HeldCredential> = picked
            .iter()
            .filter_map(|&i| self.credentials.get(i).map(|h| &h.held))
            .collect();
        let presentation =
            Presentation::prove_chosen_with_rng(request, &self.link, &chosen, lists, rng)?;
        for i in picked {
            if let Some(h) = self.credentials.get_mut(i) {
                if !is_anonymous(request, h.rater.schema().id()) {
                    h.used = true;
                }
            }
        }
        self.list_pins.extend(pins);
        self.disclosures
            .entry(request.verifier_id().to_owned())
            .or_default()
            .push(DisclosureRecord::of(request));
        Ok(presentation)
    }

    /// The indices in `self.credentials` of the credentials a proof of
    /// `request` uses, one per credential slot (spec/wallet.md §5): unused
    /// ones for the fast mode; any for the anonymous mode, whose
    /// presentations of one credential cannot be linked.
    fn pick(&self, request: &ProofRequest, lists: &EpochLists) -> Result<Vec<usize>, Error> {
        let (indices, candidates): (Vec<usize>, Vec<&HeldCredential>) = self
            .credentials
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.used || is_anonymous(request, h.rater.schema().id()))
            .map(|(i, h)| (i, &h.held))
            .unzip();
        Ok(select(request, &self.link, &candidates, lists)?
            .into_iter()
            .filter_map(|i| indices.get(i).copied())
            .collect())
    }

    /// The value of `attr` that a proof of `request` would prove: that of the
    /// credential [`Wallet::prove`] would use, or `None` when none can be used.
    fn proven_value(
        &self,
        request: &ProofRequest,
        lists: &EpochLists,
        attr: &AttrRef,
    ) -> Option<u64> {
        self.pick(request, lists)
            .ok()?
            .into_iter()
            .filter_map(|i| self.credentials.get(i))
            .find(|h| h.rater.schema().id() == attr.schema())
            .and_then(|h| value_of(h, attr))
    }
}

/// The value of `attr` in a held credential.
fn value_of(h: &Held, attr: &AttrRef) -> Option<u64> {
    let index = h.rater.schema().index_of(attr.attribute())?;
    h.held.opening().values().get(index).copied()
}

#[cfg(test)]
mod tests;

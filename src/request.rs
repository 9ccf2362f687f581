//! Proof requests: what a verifier asks, of which raters (spec §5).

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::derived::Derived;
use crate::descriptor::{RaterDescriptor, TrustedRater};
use crate::errors::{DecodeError, Error, PolicyError, RequestError};
use crate::keys::RaterPublicKey;
use crate::policy::{Date, Predicate};
use crate::schema::Schema;
use crate::statement::{Plan, PredicateReport};
use crate::wire::{self, caps, tag, Decode, Encode, Object, Reader, Writer};

/// A verifier's proof request (spec §5.1): who asks, why, a fresh nonce, the
/// reference date, the predicates, and the trusted raters.
///
/// A request is checked when it is built or decoded: every predicate names a
/// trusted schema and attribute, and every statement it gives rise to can be
/// proven soundly within 64 bits.
///
/// # Example
/// ```
/// # use credence::*;
/// # use credence::rater::RaterSigningKey;
/// # let schema = Schema::new("bank", 1, vec![
/// #     Attribute::uint("liquidity_eur", 1 << 40, Category::Financial),
/// #     Attribute::expiry("valid_until"),
/// # ]).unwrap();
/// # let rater = RaterSigningKey::generate(&mut rand_core::OsRng).public_key();
/// let request = ProofRequest::builder("consulate.example", Date::parse("2027-03-01").unwrap())
///     .purpose("visa fast track")
///     .trust(schema, vec![rater])
///     .predicate(Predicate::at_least(AttrRef::parse("bank.liquidity_eur").unwrap(), 5000))
///     .build()
///     .unwrap();
/// assert_eq!(request.predicates().len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRequest", into = "RawRequest")]
pub struct ProofRequest {
    verifier_id: String,
    purpose: String,
    nonce: [u8; 32],
    date: Date,
    predicates: Vec<Predicate>,
    trusted: Vec<TrustedRater>,
    /// Whether the presentation shows the holder's pseudonym for this
    /// verifier (spec §7.5).
    pseudonym: bool,
    /// [`ProofRequest::digest`] and the statements the request compiles to,
    /// computed once when it is checked: a request cannot change.
    sealed: Derived<Sealed>,
}

/// What a request's other fields determine.
#[derive(Clone, Default)]
struct Sealed {
    digest: [u8; 32],
    plan: Plan,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    verifier_id: String,
    purpose: String,
    #[serde(with = "wire::b64::array")]
    nonce: [u8; 32],
    date: Date,
    predicates: Vec<Predicate>,
    trusted: Vec<TrustedRater>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pseudonym: bool,
}

impl TryFrom<RawRequest> for ProofRequest {
    type Error = Error;
    fn try_from(r: RawRequest) -> Result<Self, Error> {
        let req = ProofRequest {
            verifier_id: r.verifier_id,
            purpose: r.purpose,
            nonce: r.nonce,
            date: r.date,
            predicates: r.predicates,
            trusted: r.trusted,
            pseudonym: r.pseudonym,
            sealed: Derived::default(),
        };
        Ok(req.seal()?)
    }
}

impl From<ProofRequest> for RawRequest {
    fn from(r: ProofRequest) -> Self {
        RawRequest {
            verifier_id: r.verifier_id,
            purpose: r.purpose,
            nonce: r.nonce,
            date: r.date,
            predicates: r.predicates,
            trusted: r.trusted,
            pseudonym: r.pseudonym,
        }
    }
}

/// Builds a [`ProofRequest`].
#[derive(Clone, Debug)]
pub struct RequestBuilder {
    verifier_id: String,
    purpose: String,
    date: Date,
    predicates: Vec<Predicate>,
    trusted: Vec<TrustedRater>,
    pseudonym: bool,
}

impl RequestBuilder {
    /// Says why the verifier asks; shown to the subject before consent.
    pub fn purpose(mut self, purpose: &str) -> Self {
        purpose.clone_into(&mut self.purpose);
        self
    }
    /// Trusts `keys` to sign credentials of `schema`.
    pub fn trust(mut self, schema: Schema, keys: Vec<RaterPublicKey>) -> Self {
        self.trusted.push(TrustedRater {
            schema,
            keys,
            lists: Vec::new(),
        });
        self
    }
    /// Trusts `rater` as it is: in the anonymous mode when it names epoch
    /// lists ([`TrustedRater::anonymous`]).
    pub fn trust_rater(mut self, rater: TrustedRater) -> Self {
        self.trusted.push(rater);
        self
    }
    /// Trusts the raters `descriptors` describe: one entry per schema id,
    /// with every key listed for it (see [`RaterDescriptor::trusted_raters`]).
    ///
    /// # Errors
    /// As [`RaterDescriptor::trusted_raters`].
    pub fn trust_descriptors(mut self, descriptors: &[RaterDescriptor]) -> Result<Self, Error> {
        self.trusted
            .extend(RaterDescriptor::trusted_raters(descriptors)?);
        Ok(self)
    }
    /// Asks for the holder's pseudonym for this verifier (spec §7.5): the
    /// same for every presentation of one holder to this verifier id,
    /// unrelated across verifiers, and unknown to the raters.
    pub fn pseudonym(mut self) -> Self {
        self.pseudonym = true;
        self
    }
    /// Adds a predicate.
    pub fn predicate(mut self, p: Predicate) -> Self {
        self.predicates.push(p);
        self
    }
    /// Adds predicates.
    pub fn predicates(mut self, ps: impl IntoIterator<Item = Predicate>) -> Self {
        self.predicates.extend(ps);
        self
    }
    /// Checks the request and draws a fresh nonce from `rng`.
    ///
    /// # Errors
    /// [`Error::Policy`] naming the predicate that is unknown, unsatisfiable, or
    /// cannot be proven soundly within 64 bits; [`PolicyError::VerifierId`]
    /// when the verifier id is not in its normalised form; or what else is
    /// malformed.
    pub fn build_with_rng<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<ProofRequest, Error> {
        let mut nonce = [0u8; 32];
        rng.fill_bytes(&mut nonce);
        self.build_with_nonce(nonce)
    }
    /// [`RequestBuilder::build_with_rng`] with the operating system's RNG.
    ///
    /// # Errors
    /// As [`RequestBuilder::build_with_rng`].
    pub fn build(self) -> Result<ProofRequest, Error> {
        self.build_with_rng(&mut rand_core::OsRng)
    }
    /// Builds with a given nonce; the verifier must never use one twice.
    ///
    /// # Errors
    /// As [`RequestBuilder::build_with_rng`].
    pub fn build_with_nonce(self, nonce: [u8; 32]) -> Result<ProofRequest, Error> {
        let req = ProofRequest {
            verifier_id: self.verifier_id,
            purpose: self.purpose,
            nonce,
            date: self.date,
            predicates: self.predicates,
            trusted: self.trusted,
            pseudonym: self.pseudonym,
            sealed: Derived::default(),
        };
        Ok(req.seal()?)
    }
}

fn check_text(s: &str, what: &'static str, cap: usize) -> Result<(), PolicyError> {
    if s.len() > cap || s.chars().any(char::is_control) {
        return Err(RequestError::Text { what, cap }.into());
    }
    Ok(())
}

impl ProofRequest {
    /// Starts a request from `verifier_id` with reference date `date`.
    ///
    /// The verifier id must be in its normalised form, a lowercase DNS-like
    /// name such as `consulate.example` (spec §5.1); building refuses any
    /// other with [`PolicyError::VerifierId`].
    pub fn builder(verifier_id: &str, date: Date) -> RequestBuilder {
        RequestBuilder {
            verifier_id: verifier_id.to_owned(),
            purpose: String::new(),
            date,
            predicates: Vec::new(),
            trusted: Vec::new(),
            pseudonym: false,
        }
    }

    /// Who asks.
    pub fn verifier_id(&self) -> &str {
        &self.verifier_id
    }
    /// Why.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }
    /// The fresh nonce.
    pub fn nonce(&self) -> &[u8; 32] {
        &self.nonce
    }
    /// The reference date: every credential must be valid on it.
    pub fn date(&self) -> Date {
        self.date
    }
    /// The predicates.
    pub fn predicates(&self) -> &[Predicate] {
        &self.predicates
    }
    /// The trusted raters.
    pub fn trusted(&self) -> &[TrustedRater] {
        &self.trusted
    }
    /// Whether the request asks for the holder's pseudonym (spec §7.5).
    pub fn asks_pseudonym(&self) -> bool {
        self.pseudonym
    }
    /// The trusted rater entry for a schema id.
    pub fn trusted_for(&self, schema_id: &str) -> Option<&TrustedRater> {
        self.trusted.iter().find(|t| t.schema.id() == schema_id)
    }

    fn validate(&self) -> Result<(), PolicyError> {
        if self.verifier_id.is_empty() {
            return Err(RequestError::EmptyVerifierId.into());
        }
        check_text(&self.verifier_id, "the verifier id", caps::VERIFIER_ID_LEN)?;
        crate::verifier_id::check(&self.verifier_id)?;
        check_text(&self.purpose, "the purpose", caps::PURPOSE_LEN)?;
        if self.trusted.is_empty() || self.trusted.len() > caps::TRUSTED_SCHEMAS {
            return Err(RequestError::TrustedCount.into());
        }
        for (i, t) in self.trusted.iter().enumerate() {
            if self.trusted[..i]
                .iter()
                .any(|u| u.schema.id() == t.schema.id())
            {
                return Err(RequestError::TrustedTwice(t.schema.id().to_owned()).into());
            }
            t.validate()?;
        }
        Ok(())
    }

    /// The statements a presentation proves, compiled when the request was
    /// checked.
    pub(crate) fn plan(&self) -> &Plan {
        &self.sealed.plan
    }

    /// The schemas of the credentials a presentation shows, in order: each
    /// trusted schema a predicate names, in order of first use.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        self.sealed.plan.slots.iter().map(|s| &s.rater.schema)
    }

    /// The request's statements, each with the attributes it relies on, as
    /// verdicts list them: the predicates as written, then each credential's
    /// validity on the reference date.
    pub fn statements(&self) -> &[PredicateReport] {
        &self.sealed.plan.reports
    }

    /// SHA-256 over a domain label and the canonical encoding; a presentation
    /// names the request it answers by this digest (spec §5.3).
    pub fn digest(&self) -> [u8; 32] {
        self.sealed.digest
    }

    /// Checks the request and computes its digest.
    fn seal(mut self) -> Result<Self, PolicyError> {
        self.validate()?;
        let mut plan = Plan::compile(&self.predicates, &self.trusted, self.date)?;
        plan.pseudonym = self
            .pseudonym
            .then(|| crate::generators::pseudonym_base(&self.verifier_id));
        let mut h = Sha256::new();
        h.update(b"credence.request-digest.v1");
        h.update(self.to_bytes());
        self.sealed = Derived::new(Sealed {
            digest: h.finalize().into(),
            plan,
        });
        Ok(self)
    }

    /// The canonical encoding (spec §3.8).
    pub fn to_bytes(&self) -> Vec<u8> {
        wire::encode_object(self)
    }

    /// Strict decoding of [`ProofRequest::to_bytes`], with the same checks as
    /// building.
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

impl Encode for ProofRequest {
    fn encode(&self, w: &mut Writer) {
        w.str(&self.verifier_id);
        w.str(&self.purpose);
        w.fixed(&self.nonce);
        w.u32(self.date.days() as u32);
        w.count(self.predicates.len());
        for p in &self.predicates {
            p.encode(w);
        }
        w.count(self.trusted.len());
        for t in &self.trusted {
            t.schema.encode(w);
            w.count(t.keys.len());
            for k in &t.keys {
                w.fixed(&k.to_bytes());
            }
            w.count(t.lists.len());
            for d in &t.lists {
                w.fixed(d);
            }
        }
        w.u8(u8::from(self.pseudonym));
    }
}

impl Decode for ProofRequest {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let verifier_id = r.string("verifier id", caps::VERIFIER_ID_LEN)?;
        let purpose = r.string("purpose", caps::PURPOSE_LEN)?;
        let nonce = r.array()?;
        let date = Date::from_days(u64::from(r.u32()?))?;
        let n = r.count("predicates", caps::PREDICATES)?;
        let predicates = (0..n)
            .map(|_| Predicate::decode(r))
            .collect::<Result<_, _>>()?;
        let n = r.count("trusted schemas", caps::TRUSTED_SCHEMAS)?;
        let mut trusted = Vec::with_capacity(n);
        for _ in 0..n {
            let schema = Schema::decode(r)?;
            let k = r.count("trusted keys", caps::KEYS_PER_SCHEMA)?;
            let keys = (0..k)
                .map(|_| RaterPublicKey::from_bytes(&r.array()?))
                .collect::<Result<_, _>>()?;
            let l = r.count("epoch lists", caps::LISTS_PER_SCHEMA)?;
            let lists = (0..l).map(|_| r.array()).collect::<Result<_, _>>()?;
            trusted.push(TrustedRater {
                schema,
                keys,
                lists,
            });
        }
        let pseudonym = match r.u8()? {
            0 => false,
            1 => true,
            code => {
                return Err(DecodeError::Code {
                    what: "pseudonym flag",
                    code,
                })
            }
        };
        let req = ProofRequest {
            verifier_id,
            purpose,
            nonce,
            date,
            predicates,
            trusted,
            pseudonym,
            sealed: Derived::default(),
        };
        req.seal().map_err(DecodeError::Invalid)
    }
}

impl Object for ProofRequest {
    const TAG: u8 = tag::PROOF_REQUEST;
    const NAME: &'static str = "proof request";
}

//! Fixtures for this crate's tests, benchmarks and fuzz targets: a bank, a
//! court registry and a behavioural bureau with keys from fixed seeds, and
//! subjects holding a credential of each. Deterministic, and not for
//! production use: every key and secret here comes from a public seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::credential::{HeldCredential, LinkSecret};
use crate::keys::{RaterPublicKey, RaterSigningKey};
use crate::policy::{AttrRef, Date, Predicate};
use crate::request::{ProofRequest, RequestBuilder};
use crate::schema::{Attribute, Category, Schema};

/// The expiry date of the fixtures' credentials.
pub const UNTIL: &str = "2027-12-31";
/// The reference date of the fixtures' requests.
pub const ON: &str = "2027-03-01";

/// A ChaCha20 RNG from a seed.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A date written `YYYY-MM-DD`.
pub fn date(s: &str) -> Date {
    Date::parse(s).expect("date")
}

/// An attribute written `schema.attribute`.
pub fn a(s: &str) -> AttrRef {
    AttrRef::parse(s).expect("attribute")
}

/// A bank: liquidity and payment history (financial), an account digest
/// (identity, 64 bits).
pub fn bank_schema() -> Schema {
    Schema::new(
        "bank",
        1,
        vec![
            Attribute::uint("liquidity_eur", 1_000_000_000, Category::Financial),
            Attribute::uint("on_time_payments", 1000, Category::Financial),
            Attribute::uint("late_payments", 1000, Category::Financial),
            Attribute::uint("account_digest", u64::MAX, Category::Identity),
            Attribute::expiry("valid_until"),
        ],
    )
    .expect("schema")
}

/// A court registry of defaulted judgment debtors.
pub fn court_schema() -> Schema {
    Schema::new(
        "court",
        1,
        vec![
            Attribute::uint("outstanding_defaults", 255, Category::Judicial),
            Attribute::expiry("valid_until"),
        ],
    )
    .expect("schema")
}

/// A behavioural bureau.
pub fn social_schema() -> Schema {
    Schema::new(
        "social",
        1,
        vec![
            Attribute::uint("websites_flagged", 10_000, Category::Behavioural),
            Attribute::uint("contacts_score", 1000, Category::Behavioural),
            Attribute::expiry("valid_until"),
        ],
    )
    .expect("schema")
}

/// A rater: a schema and a signing key from a seed.
pub struct Rater {
    /// The signing key.
    pub key: RaterSigningKey,
    /// The schema it issues.
    pub schema: Schema,
}

impl Rater {
    /// A rater of `schema` whose key comes from `seed`.
    pub fn new(schema: Schema, seed: u64) -> Self {
        Rater {
            key: RaterSigningKey::generate(&mut rng(seed)),
            schema,
        }
    }

    /// The public key.
    pub fn public(&self) -> RaterPublicKey {
        self.key.public_key()
    }

    /// Runs issuance end to end for `link`, with randomness from `seed`:
    /// `count` held credentials with `values`.
    pub fn issue_seeded(
        &self,
        link: &LinkSecret,
        values: &[(&str, u64)],
        count: usize,
        seed: u64,
    ) -> Vec<HeldCredential> {
        let mut r = rng(seed);
        let (req, pending) = link.issuance_request_with_rng(&self.public(), &self.schema, &mut r);
        let issued = self
            .key
            .issue_with_rng(&self.schema, &req, values, count, &mut r)
            .expect("issue");
        pending.accept(link, &self.schema, issued).expect("accept")
    }

    /// [`Rater::issue_seeded`] with a seed from the values' and the batch's
    /// sizes.
    pub fn issue(
        &self,
        link: &LinkSecret,
        values: &[(&str, u64)],
        count: usize,
    ) -> Vec<HeldCredential> {
        self.issue_seeded(
            link,
            values,
            count,
            values.len() as u64 * 1000 + count as u64,
        )
    }
}

/// The three raters.
pub struct World {
    /// The bank ([`bank_schema`]).
    pub bank: Rater,
    /// The court registry ([`court_schema`]).
    pub court: Rater,
    /// The behavioural bureau ([`social_schema`]).
    pub social: Rater,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// The raters, with keys from seeds 1, 2 and 3.
    pub fn new() -> Self {
        World {
            bank: Rater::new(bank_schema(), 1),
            court: Rater::new(court_schema(), 2),
            social: Rater::new(social_schema(), 3),
        }
    }

    /// A consulate's request trusting all three raters, for [`ON`].
    pub fn request(&self, predicates: Vec<Predicate>) -> RequestBuilder {
        ProofRequest::builder("consulate.example", date(ON))
            .purpose("visa fast track")
            .trust(self.bank.schema.clone(), vec![self.bank.public()])
            .trust(self.court.schema.clone(), vec![self.court.public()])
            .trust(self.social.schema.clone(), vec![self.social.public()])
            .predicates(predicates)
    }

    /// A subject with the given bank liquidity and court defaults, holding
    /// one credential of each rater, valid until [`UNTIL`].
    pub fn subject(&self, liquidity: u64, defaults: u64) -> (LinkSecret, Vec<HeldCredential>) {
        let link = LinkSecret::generate(&mut rng(liquidity ^ (defaults << 40)));
        let until = date(UNTIL).days();
        let mut creds = self.bank.issue(
            &link,
            &[
                ("liquidity_eur", liquidity),
                ("on_time_payments", 30),
                ("late_payments", 5),
                ("account_digest", 0xdead_beef_cafe_f00d),
                ("valid_until", until),
            ],
            1,
        );
        creds.extend(self.court.issue(
            &link,
            &[("outstanding_defaults", defaults), ("valid_until", until)],
            1,
        ));
        creds.extend(self.social.issue(
            &link,
            &[
                ("websites_flagged", 17),
                ("contacts_score", 640),
                ("valid_until", until),
            ],
            1,
        ));
        (link, creds)
    }
}

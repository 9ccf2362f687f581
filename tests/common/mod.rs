//! Fixtures shared by the integration tests: a bank, a court registry and a
//! behavioural rater, and a subject holding one credential of each.
#![allow(dead_code)]

use credence::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn attr(name: &str, kind: AttributeKind, category: Category) -> Attribute {
    Attribute {
        name: name.into(),
        kind,
        category,
    }
}

pub fn bank_schema() -> Schema {
    Schema::new(
        "bank",
        1,
        vec![
            attr(
                "liquidity_eur",
                AttributeKind::Uint { max: 1_000_000_000 },
                Category::Financial,
            ),
            attr(
                "on_time_payments",
                AttributeKind::Uint { max: 1000 },
                Category::Financial,
            ),
            attr(
                "late_payments",
                AttributeKind::Uint { max: 1000 },
                Category::Financial,
            ),
            attr(
                "account_digest",
                AttributeKind::Uint { max: u64::MAX },
                Category::Identity,
            ),
            attr("valid_until", AttributeKind::Date, Category::Validity),
        ],
    )
    .unwrap()
}

pub fn court_schema() -> Schema {
    Schema::new(
        "court",
        1,
        vec![
            attr(
                "outstanding_defaults",
                AttributeKind::Uint { max: 255 },
                Category::Judicial,
            ),
            attr("valid_until", AttributeKind::Date, Category::Validity),
        ],
    )
    .unwrap()
}

pub fn social_schema() -> Schema {
    Schema::new(
        "social",
        1,
        vec![
            attr(
                "websites_flagged",
                AttributeKind::Uint { max: 10_000 },
                Category::Behavioural,
            ),
            attr(
                "contacts_score",
                AttributeKind::Uint { max: 1000 },
                Category::Behavioural,
            ),
            attr("valid_until", AttributeKind::Date, Category::Validity),
        ],
    )
    .unwrap()
}

pub fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub fn a(s: &str) -> AttrRef {
    AttrRef::parse(s).unwrap()
}

pub struct Rater {
    pub key: RaterSigningKey,
    pub schema: Schema,
}

impl Rater {
    pub fn new(schema: Schema, seed: u64) -> Self {
        Rater {
            key: RaterSigningKey::generate(&mut rng(seed)),
            schema,
        }
    }
    pub fn public(&self) -> RaterPublicKey {
        self.key.public_key()
    }
    /// Runs issuance end to end for `link`, returning `count` held credentials.
    pub fn issue(
        &self,
        link: &LinkSecret,
        values: &[(&str, u64)],
        count: usize,
    ) -> Vec<HeldCredential> {
        let mut r = rng(values.len() as u64 * 1000 + count as u64);
        let (req, pending) = link.issuance_request_with_rng(&self.public(), &self.schema, &mut r);
        let issued = self
            .key
            .issue_with_rng(&self.schema, &req, values, count, &mut r)
            .unwrap();
        pending.accept(link, &self.schema, issued).unwrap()
    }
}

pub struct World {
    pub bank: Rater,
    pub court: Rater,
    pub social: Rater,
}

impl World {
    pub fn new() -> Self {
        World {
            bank: Rater::new(bank_schema(), 1),
            court: Rater::new(court_schema(), 2),
            social: Rater::new(social_schema(), 3),
        }
    }

    pub fn request(&self, predicates: Vec<Predicate>) -> RequestBuilder {
        ProofRequest::builder("consulate.example", date("2027-03-01"))
            .purpose("visa fast track")
            .trust(self.bank.schema.clone(), vec![self.bank.public()])
            .trust(self.court.schema.clone(), vec![self.court.public()])
            .trust(self.social.schema.clone(), vec![self.social.public()])
            .predicates(predicates)
    }

    /// A subject with the given bank liquidity and court defaults, valid until
    /// 2027-12-31.
    pub fn subject(&self, liquidity: u64, defaults: u64) -> (LinkSecret, Vec<HeldCredential>) {
        let link = LinkSecret::generate(&mut rng(liquidity ^ (defaults << 40)));
        let until = date("2027-12-31").days();
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

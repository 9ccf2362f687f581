//! Scenarios shared by the criterion benches and `examples/bench_report.rs`:
//! the presentations to measure, and the raw Bulletproofs baseline of the
//! same statements (same widths, same aggregation).
#![allow(dead_code)]

use bulletproofs::RangeProof;
pub use credence::fixtures::{a, date, rng, Rater};
use credence::hazmat::*;
use credence::rater::*;
use credence::wallet::*;
use credence::*;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

/// What the benches ask of a fixtures rater.
pub trait BenchRater {
    /// One credential for `link`, issued with randomness from `seed`.
    fn issue_one(
        &self,
        link: &LinkSecret,
        values: &[(&str, u64)],
        seed: u64,
    ) -> Vec<HeldCredential>;
    /// An issuance request of `link` for this rater.
    fn request(&self, link: &LinkSecret, seed: u64) -> (IssuanceRequest, PendingIssuance);
}

impl BenchRater for Rater {
    fn request(&self, link: &LinkSecret, seed: u64) -> (IssuanceRequest, PendingIssuance) {
        link.issuance_request_with_rng(&self.key.public_key(), &self.schema, &mut rng(seed))
    }

    fn issue_one(
        &self,
        link: &LinkSecret,
        values: &[(&str, u64)],
        seed: u64,
    ) -> Vec<HeldCredential> {
        self.issue_seeded(link, values, 1, seed)
    }
}

fn uint(name: &str, max: u64, category: Category) -> Attribute {
    Attribute::uint(name, max, category)
}

fn validity() -> Attribute {
    Attribute::expiry("valid_until")
}

/// A request, and a subject who can answer it.
pub struct Scenario {
    pub name: String,
    pub request: ProofRequest,
    pub link: LinkSecret,
    pub held: Vec<HeldCredential>,
}

impl Scenario {
    /// A presentation with the raw prover and the epoch lists `lists`.
    pub fn prove_with_lists(&self, lists: &credence::epoch::EpochLists, seed: u64) -> Presentation {
        Presentation::prove_with_lists_rng(
            &self.request,
            &self.link,
            &self.held,
            lists,
            &mut rng(seed),
        )
        .expect("prove")
    }

    pub fn prove(&self, seed: u64) -> Presentation {
        Presentation::prove_with_rng(&self.request, &self.link, &self.held, &mut rng(seed))
            .expect("prove")
    }
    /// The number of rater signatures a verifier checks.
    pub fn signatures(&self) -> usize {
        self.prove(0).shown().len()
    }
}

use credence::fixtures::{ON, UNTIL};

/// `x >= 0` on an attribute of maximum `2^bits - 1`: one statement of `bits`
/// bits, beside the credential's 16-bit validity statement.
pub fn at_least(bits: u32) -> Scenario {
    at_least_seeded(bits, 0)
}

/// [`at_least`] for the subject and request number `seed`.
pub fn at_least_seeded(bits: u32, seed: u64) -> Scenario {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let rater = Rater::new(
        Schema::new(
            "r",
            1,
            vec![uint("x", max, Category::Financial), validity()],
        )
        .expect("schema"),
        bits as u64,
    );
    let link = LinkSecret::generate(&mut rng(100 + bits as u64 + 1000 * seed));
    let held = rater.issue_one(
        &link,
        &[("x", max / 3), ("valid_until", date(UNTIL).days())],
        7 + 10 * seed,
    );
    let mut nonce = [bits as u8; 32];
    nonce[..8].copy_from_slice(&seed.to_le_bytes());
    let request = ProofRequest::builder("bench", date(ON))
        .trust(rater.schema.clone(), vec![rater.key.public_key()])
        .predicate(Predicate::at_least(a("r.x"), 0))
        .build_with_nonce(nonce)
        .expect("request");
    Scenario {
        name: format!("attr >= t, {bits} bits"),
        request,
        link,
        held,
    }
}

pub fn bank_schema() -> Schema {
    Schema::new(
        "bank",
        1,
        vec![
            uint("liquidity_eur", 1_000_000_000, Category::Financial),
            uint("on_time_payments", 1000, Category::Financial),
            uint("late_payments", 1000, Category::Financial),
            uint("monthly_income_eur", 10_000_000, Category::Financial),
            validity(),
        ],
    )
    .expect("schema")
}

pub fn court_schema() -> Schema {
    Schema::new(
        "court",
        1,
        vec![
            uint("outstanding_defaults", 255, Category::Judicial),
            uint("judgments", 255, Category::Judicial),
            validity(),
        ],
    )
    .expect("schema")
}

pub fn social_schema() -> Schema {
    Schema::new(
        "social",
        1,
        vec![
            uint("websites_flagged", 100_000, Category::Behavioural),
            uint("contacts_score", 1000, Category::Behavioural),
            validity(),
        ],
    )
    .expect("schema")
}

/// The values of a bank credential with the given liquidity, valid until the
/// end of 2027.
pub fn bank_values(liquidity: u64) -> [(&'static str, u64); 5] {
    [
        ("liquidity_eur", liquidity),
        ("on_time_payments", 30),
        ("late_payments", 5),
        ("monthly_income_eur", 3_100),
        ("valid_until", date(UNTIL).days()),
    ]
}

/// Three raters and a subject holding one credential of each.
pub struct World {
    pub bank: Rater,
    pub court: Rater,
    pub social: Rater,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> Self {
        World {
            bank: Rater::new(bank_schema(), 1),
            court: Rater::new(court_schema(), 2),
            social: Rater::new(social_schema(), 3),
        }
    }

    pub fn subject(&self, seed: u64) -> (LinkSecret, Vec<HeldCredential>) {
        let link = LinkSecret::generate(&mut rng(seed));
        let until = date(UNTIL).days();
        let mut held = self
            .bank
            .issue_one(&link, &bank_values(12_000 + seed), seed * 10 + 1);
        held.extend(self.court.issue_one(
            &link,
            &[
                ("outstanding_defaults", 0),
                ("judgments", 1),
                ("valid_until", until),
            ],
            seed * 10 + 3,
        ));
        held.extend(self.social.issue_one(
            &link,
            &[
                ("websites_flagged", 12),
                ("contacts_score", 410),
                ("valid_until", until),
            ],
            seed * 10 + 5,
        ));
        (link, held)
    }

    pub fn request(&self, predicates: Vec<Predicate>, nonce: u64) -> ProofRequest {
        let mut n = [0u8; 32];
        n[..8].copy_from_slice(&nonce.to_le_bytes());
        ProofRequest::builder("consulate.example", date(ON))
            .purpose("visa fast track")
            .trust(self.bank.schema.clone(), vec![self.bank.key.public_key()])
            .trust(self.court.schema.clone(), vec![self.court.key.public_key()])
            .trust(
                self.social.schema.clone(),
                vec![self.social.key.public_key()],
            )
            .predicates(predicates)
            .build_with_nonce(n)
            .expect("request")
    }

    /// `bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0`, valid
    /// on the reference date, one holder.
    pub fn consulate(&self, seed: u64) -> Scenario {
        let (link, held) = self.subject(seed);
        Scenario {
            name: "consulate policy".into(),
            request: self.request(
                vec![
                    Predicate::at_least(a("bank.liquidity_eur"), 5000),
                    Predicate::equals(a("court.outstanding_defaults"), 0),
                ],
                seed,
            ),
            link,
            held,
        }
    }

    /// The consulate policy with the court shown anonymously against `list`
    /// and the bank in the fast mode.
    pub fn consulate_anonymous(&self, seed: u64, list: &credence::epoch::EpochList) -> Scenario {
        let (link, held) = self.subject(seed);
        let mut n = [0u8; 32];
        n[..8].copy_from_slice(&seed.to_le_bytes());
        let court = TrustedRater::new(self.court.schema.clone(), vec![self.court.key.public_key()])
            .expect("trusted")
            .anonymous(&[list])
            .expect("anonymous");
        let request = ProofRequest::builder("consulate.example", date(ON))
            .purpose("visa fast track")
            .trust(self.bank.schema.clone(), vec![self.bank.key.public_key()])
            .trust_rater(court)
            .predicates(vec![
                Predicate::at_least(a("bank.liquidity_eur"), 5000),
                Predicate::equals(a("court.outstanding_defaults"), 0),
            ])
            .build_with_nonce(n)
            .expect("request");
        Scenario {
            name: "consulate policy, court anonymous".into(),
            request,
            link,
            held,
        }
    }

    /// A linear score over 8 attributes of 3 raters.
    pub fn linear8(&self, seed: u64) -> Scenario {
        let (link, held) = self.subject(seed);
        let terms = vec![
            (1, a("bank.liquidity_eur")),
            (3, a("bank.on_time_payments")),
            (-2, a("bank.late_payments")),
            (2, a("bank.monthly_income_eur")),
            (-1000, a("court.outstanding_defaults")),
            (-500, a("court.judgments")),
            (-10, a("social.websites_flagged")),
            (1, a("social.contacts_score")),
        ];
        Scenario {
            name: "linear score, 8 attributes, 3 raters".into(),
            request: self.request(
                vec![Predicate::linear(terms, Comparison::AtLeast, 10_000)],
                2,
            ),
            link,
            held,
        }
    }
}

/// Raw Bulletproofs proofs of the same shapes as a presentation's.
pub struct Raw {
    proofs: Vec<(usize, RangeProof, Vec<CompressedRistretto>)>,
}

/// Proves, directly with the bulletproofs crate, random values of the given
/// (bits, m) shapes.
pub fn raw_prove(shapes: &[(usize, usize)], seed: u64) -> Raw {
    let mut r = rng(seed);
    let proofs = shapes
        .iter()
        .map(|&(bits, m)| {
            let values: Vec<u64> = (0..m as u64)
                .map(|j| {
                    if bits == 64 {
                        u64::MAX - j
                    } else {
                        (1u64 << bits) - 1 - j
                    }
                })
                .collect();
            let blindings: Vec<Scalar> = (0..m).map(|_| Scalar::random(&mut r)).collect();
            let mut t = Transcript::new(b"raw");
            let (proof, v) = RangeProof::prove_multiple_with_rng(
                bulletproof_gens(),
                pedersen_gens(),
                &mut t,
                &values,
                &blindings,
                bits,
                &mut r,
            )
            .expect("raw prove");
            (bits, proof, v)
        })
        .collect();
    Raw { proofs }
}

pub fn raw_verify(raw: &Raw) {
    for (bits, proof, v) in &raw.proofs {
        let mut t = Transcript::new(b"raw");
        proof
            .verify_multiple(bulletproof_gens(), pedersen_gens(), &mut t, v, *bits)
            .expect("raw verify");
    }
}

/// Strict Ed25519 verification of `count` signatures: the signature share of
/// a presentation's verification.
pub fn signatures(count: usize) -> impl Fn() {
    use ed25519_dalek::Signer;
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let msg = vec![7u8; 300];
    let sig = key.sign(&msg);
    let vk = key.verifying_key();
    move || {
        for _ in 0..count {
            vk.verify_strict(&msg, &sig).expect("signature");
        }
    }
}

/// Presentations of the consulate policy with the court anonymous, against
/// one court list of `2^log` digests in base `base`: `distinct` subjects'
/// digests and random points for the rest.
pub struct AnonymousSet {
    pub list: credence::epoch::EpochList,
    pub lists: credence::epoch::EpochLists,
    pub scenarios: Vec<Scenario>,
    pub presentations: Vec<Presentation>,
    /// How long each presentation took to prove.
    pub prove_times: Vec<std::time::Duration>,
}

impl AnonymousSet {
    pub fn new(world: &World, log: u32, base: usize, distinct: usize) -> Self {
        use credence::epoch::{EpochList, EpochLists, EpochWindow};
        use curve25519_dalek::ristretto::RistrettoPoint;
        let seeds: Vec<u64> = (0..distinct as u64)
            .map(|i| 500 + u64::from(log) * 10 + i)
            .collect();
        let mut r = rng(u64::from(log) * 100 + base as u64);
        let mut digests: Vec<_> = (0..(1usize << log) - distinct)
            .map(|_| RistrettoPoint::random(&mut r).compress())
            .collect();
        for s in &seeds {
            let (_, held) = world.subject(*s);
            digests.push(*held[1].digest().expect("digest").point());
        }
        let day = date(ON).days() * 86_400;
        let window = EpochWindow {
            epoch: 1,
            not_before: day,
            not_after: day + 86_400,
        };
        let list = EpochList::sign(
            &world.court.key,
            &world.court.schema,
            window,
            base,
            &digests,
        )
        .expect("list");
        let mut lists = EpochLists::new();
        lists
            .insert(
                list.clone(),
                &world.court.key.public_key(),
                &world.court.schema,
            )
            .expect("list");
        let scenarios: Vec<Scenario> = seeds
            .iter()
            .map(|s| world.consulate_anonymous(*s, &list))
            .collect();
        let mut prove_times = Vec::new();
        let presentations = scenarios
            .iter()
            .map(|s| {
                let t = std::time::Instant::now();
                let p = s.prove_with_lists(&lists, 7);
                prove_times.push(t.elapsed());
                p
            })
            .collect();
        AnonymousSet {
            list,
            lists,
            scenarios,
            presentations,
            prove_times,
        }
    }

    /// `count` items cycling through the distinct presentations.
    pub fn items(&self, count: usize) -> Vec<(&ProofRequest, &Presentation)> {
        (0..count)
            .map(|i| {
                let k = i % self.presentations.len();
                (&self.scenarios[k].request, &self.presentations[k])
            })
            .collect()
    }
}

//! A consulate fast-tracks visas for applicants who prove liquidity and no
//! court defaults, and learns nothing else about them.
//!
//! Run with `cargo run --release --example visa_scenario`.

use credence::*;

fn attr(name: &str, kind: AttributeKind, category: Category) -> Attribute {
    Attribute {
        name: name.into(),
        kind,
        category,
    }
}

struct Rater {
    name: &'static str,
    key: RaterSigningKey,
    schema: Schema,
}

impl Rater {
    fn issue(
        &self,
        link: &LinkSecret,
        values: &[(&str, u64)],
    ) -> Result<Vec<HeldCredential>, Error> {
        let (request, pending) = link.issuance_request(&self.key.public_key(), &self.schema);
        let issued = self.key.issue(&self.schema, &request, values, 1)?;
        pending.accept(link, &self.schema, issued)
    }
}

struct Applicant {
    name: &'static str,
    link: LinkSecret,
    wallet: Vec<HeldCredential>,
    hidden: Vec<(String, u64)>,
}

fn applicant(
    name: &'static str,
    raters: &[Rater; 3],
    values: [&[(&str, u64)]; 3],
) -> Result<Applicant, Error> {
    let link = LinkSecret::generate(&mut rand_core::OsRng);
    let mut wallet = Vec::new();
    let mut hidden = Vec::new();
    for (rater, vals) in raters.iter().zip(values) {
        wallet.extend(rater.issue(&link, vals)?);
        for (n, v) in vals {
            hidden.push((format!("{}.{n}", rater.schema.id()), *v));
        }
    }
    Ok(Applicant {
        name,
        link,
        wallet,
        hidden,
    })
}

fn main() -> Result<(), Error> {
    let mut rng = rand_core::OsRng;
    let raters = [
        Rater {
            name: "Court registry of defaulted judgment debtors",
            key: RaterSigningKey::generate(&mut rng),
            schema: Schema::new(
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
            )?,
        },
        Rater {
            name: "Bank",
            key: RaterSigningKey::generate(&mut rng),
            schema: Schema::new(
                "bank",
                1,
                vec![
                    attr(
                        "liquidity_eur",
                        AttributeKind::Uint { max: 1_000_000_000 },
                        Category::Financial,
                    ),
                    attr(
                        "monthly_income_eur",
                        AttributeKind::Uint { max: 10_000_000 },
                        Category::Financial,
                    ),
                    attr("valid_until", AttributeKind::Date, Category::Validity),
                ],
            )?,
        },
        Rater {
            name: "Behavioural score bureau",
            key: RaterSigningKey::generate(&mut rng),
            schema: Schema::new(
                "social",
                1,
                vec![
                    attr(
                        "websites_flagged",
                        AttributeKind::Uint { max: 100_000 },
                        Category::Behavioural,
                    ),
                    attr(
                        "contacts_score",
                        AttributeKind::Uint { max: 1000 },
                        Category::Behavioural,
                    ),
                    attr("valid_until", AttributeKind::Date, Category::Validity),
                ],
            )?,
        },
    ];
    let until = Date::parse("2027-09-30")?.days();
    let mei = applicant(
        "Mei",
        &raters,
        [
            &[("outstanding_defaults", 0), ("valid_until", until)],
            &[
                ("liquidity_eur", 18_250),
                ("monthly_income_eur", 3_100),
                ("valid_until", until),
            ],
            &[
                ("websites_flagged", 12),
                ("contacts_score", 410),
                ("valid_until", until),
            ],
        ],
    )?;
    let jun = applicant(
        "Jun",
        &raters,
        [
            &[("outstanding_defaults", 1), ("valid_until", until)],
            &[
                ("liquidity_eur", 42_000),
                ("monthly_income_eur", 5_600),
                ("valid_until", until),
            ],
            &[
                ("websites_flagged", 0),
                ("contacts_score", 880),
                ("valid_until", until),
            ],
        ],
    )?;

    let request = ProofRequest::builder("consulate.example", Date::parse("2027-03-01")?)
        .purpose("visa fast track: proof of financial liquidity")
        .trust(raters[0].schema.clone(), vec![raters[0].key.public_key()])
        .trust(raters[1].schema.clone(), vec![raters[1].key.public_key()])
        .predicate(Predicate::at_least(
            AttrRef::parse("bank.liquidity_eur")?,
            5000,
        ))
        .predicate(Predicate::equals(
            AttrRef::parse("court.outstanding_defaults")?,
            0,
        ))
        .build()?;

    println!("Raters:");
    for r in &raters {
        println!(
            "  {:<46} schema `{}`, key {}",
            r.name,
            r.schema.id(),
            r.key.public_key().key_id()
        );
    }
    println!(
        "\nThe consulate asks ({}), reference date {}:",
        request.purpose(),
        request.date()
    );
    for p in request.predicates() {
        println!("  {p}");
    }

    for a in [&mei, &jun] {
        println!("\n== {}", a.name);
        match Presentation::prove(&request, &a.link, &a.wallet) {
            Ok(p) => {
                let bytes = p.to_bytes();
                let verdict = Presentation::from_bytes(&bytes)?.verify(&request);
                println!(
                    "  presentation: {} bytes; verdict: {}",
                    bytes.len(),
                    if verdict.is_satisfied() { "SATISFIED" } else { "REJECTED" }
                );
                println!("  {:<48} | what stayed hidden", "what the consulate learned");
                let learned: Vec<String> = verdict
                    .statements
                    .iter()
                    .map(|s| {
                        let cats: Vec<String> =
                            s.attributes.iter().map(|u| u.category.to_string()).collect();
                        format!("{} holds [{}]", s.statement, cats.join(", "))
                    })
                    .collect();
                let rows = learned.len().max(a.hidden.len());
                for i in 0..rows {
                    let l = learned.get(i).map(String::as_str).unwrap_or("");
                    let h = a
                        .hidden
                        .get(i)
                        .map(|(n, v)| format!("{n} = {v}"))
                        .unwrap_or_default();
                    println!("  {l:<48} | {h}");
                }
                println!(
                    "  behavioural data used: {}",
                    if verdict.uses_category(Category::Behavioural) { "yes" } else { "no" }
                );
            }
            Err(e) => println!("  the wallet cannot prove the policy: {e}\n  nothing is sent; the consulate learns nothing"),
        }
    }
    Ok(())
}

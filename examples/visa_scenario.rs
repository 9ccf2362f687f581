//! A consulate fast-tracks visas for applicants who prove liquidity, a clean
//! payment record and no court defaults, and learns nothing else about them:
//! not the amounts, not the expiry dates, and nothing of the behavioural
//! score a "social credit" bureau keeps on them.
//!
//! Run with `cargo run --release --example visa_scenario`.

use credence::rater::*;
use credence::wallet::*;
use credence::*;

struct Rater {
    name: &'static str,
    key: RaterSigningKey,
    descriptor: RaterDescriptor,
}

impl Rater {
    fn new(name: &'static str, schema: Schema) -> Self {
        let key = RaterSigningKey::generate(&mut rand_core::OsRng);
        let descriptor = RaterDescriptor::new(schema, key.public_key());
        Rater {
            name,
            key,
            descriptor,
        }
    }
    fn schema(&self) -> &Schema {
        self.descriptor.schema()
    }
}

struct Applicant {
    name: &'static str,
    wallet: Wallet,
    /// What the raters certified, as `schema.attribute = value`: known to the
    /// applicant (and to each rater for its own attributes), never sent.
    hidden: Vec<(String, String)>,
}

/// The applicant's wallet asks each rater for a small batch of single-use
/// credentials and checks what comes back.
fn applicant(
    name: &'static str,
    raters: &[Rater],
    values: &[&[(&str, u64)]],
) -> Result<Applicant, Box<dyn std::error::Error>> {
    let mut wallet = Wallet::generate();
    let mut hidden = Vec::new();
    for (rater, vals) in raters.iter().zip(values) {
        let request = wallet.request_issuance(&rater.descriptor);
        let issued = rater.key.issue(rater.schema(), &request, vals, 2)?;
        wallet.add(issued)?;
        for (n, v) in *vals {
            let i = rater.schema().index_of(n).ok_or("unknown attribute")?;
            let shown = match rater.schema().attributes()[i].kind {
                AttributeKind::Date => Date::from_days(*v)?.to_string(),
                AttributeKind::Uint { .. } => v.to_string(),
            };
            hidden.push((format!("{}.{n}", rater.schema().id()), shown));
        }
    }
    Ok(Applicant {
        name,
        wallet,
        hidden,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let raters = [
        Rater::new(
            "Court registry of defaulted judgment debtors",
            Schema::new(
                "court",
                1,
                vec![
                    Attribute::uint("outstanding_defaults", 255, Category::Judicial),
                    Attribute::expiry("valid_until"),
                ],
            )?,
        ),
        Rater::new(
            "Bank",
            Schema::new(
                "bank",
                1,
                vec![
                    Attribute::uint("liquidity_eur", 1_000_000_000, Category::Financial),
                    Attribute::uint("on_time_payments", 1000, Category::Financial),
                    Attribute::uint("late_payments", 1000, Category::Financial),
                    Attribute::expiry("valid_until"),
                ],
            )?,
        ),
        Rater::new(
            "Behavioural score bureau (Sesame-like)",
            Schema::new(
                "social",
                1,
                vec![
                    Attribute::uint("flagged_websites_visited", 100_000, Category::Behavioural),
                    Attribute::uint("contacts_average_score", 1000, Category::Behavioural),
                    Attribute::expiry("valid_until"),
                ],
            )?,
        ),
    ];
    let until = Date::parse("2027-09-30")?.days();
    let mut mei = applicant(
        "Mei",
        &raters,
        &[
            &[("outstanding_defaults", 0), ("valid_until", until)],
            &[
                ("liquidity_eur", 18_250),
                ("on_time_payments", 41),
                ("late_payments", 3),
                ("valid_until", until),
            ],
            &[
                ("flagged_websites_visited", 12),
                ("contacts_average_score", 410),
                ("valid_until", until),
            ],
        ],
    )?;
    let mut jun = applicant(
        "Jun",
        &raters,
        &[
            &[("outstanding_defaults", 1), ("valid_until", until)],
            &[
                ("liquidity_eur", 42_000),
                ("on_time_payments", 60),
                ("late_payments", 0),
                ("valid_until", until),
            ],
            &[
                ("flagged_websites_visited", 0),
                ("contacts_average_score", 880),
                ("valid_until", until),
            ],
        ],
    )?;

    println!("Raters:");
    for r in &raters {
        println!(
            "  {:<42} schema `{}`, key {}",
            r.name,
            r.schema().id(),
            r.descriptor.key_id()
        );
    }

    // The consulate trusts the court and the bank, not the behavioural bureau:
    // its policy reads financial and judicial attributes only.
    let policy = "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0 \
                  and 3*bank.on_time_payments - 2*bank.late_payments >= 40";
    let consulate = |nonce_source: &mut rand_core::OsRng| {
        ProofRequest::builder("consulate.example", Date::parse("2027-03-01")?)
            .purpose("visa fast track: proof of financial liquidity")
            .trust(raters[0].schema().clone(), vec![raters[0].key.public_key()])
            .trust(raters[1].schema().clone(), vec![raters[1].key.public_key()])
            .predicates(parse_policy(policy)?)
            .build_with_rng(nonce_source)
            .map_err(Box::<dyn std::error::Error>::from)
    };
    let mut rng = rand_core::OsRng;

    for a in [&mut mei, &mut jun] {
        // A fresh request (fresh nonce) for each applicant.
        let request = consulate(&mut rng)?;
        println!("\n== {} applies", a.name);
        println!("The wallet shows {} before consenting:", a.name);
        for line in a.wallet.consent(&request).to_string().lines() {
            println!("  | {line}");
        }
        match a.wallet.prove(&request) {
            Ok(presentation) => {
                let bytes = presentation.to_bytes();
                let verdict = Presentation::from_bytes(&bytes)?.verify(&request);
                println!(
                    "Presentation: {} bytes. Verdict: {}",
                    bytes.len(),
                    if verdict.is_satisfied() {
                        "SATISFIED, visa fast-tracked"
                    } else {
                        "REJECTED"
                    }
                );
                let learned: Vec<String> = verdict
                    .statements()
                    .iter()
                    .map(|s| {
                        let mut cats: Vec<String> = Vec::new();
                        for u in &s.attributes {
                            if !cats.contains(&u.category.to_string()) {
                                cats.push(u.category.to_string());
                            }
                        }
                        format!("{}: holds [{}]", s.statement, cats.join(", "))
                    })
                    .collect();
                let width = learned.iter().map(String::len).max().unwrap_or(0).max(26);
                println!(
                    "  {:<width$} | what stayed hidden",
                    "what the consulate learned"
                );
                println!("  {:-<width$}-+-{:-<40}", "", "");
                for i in 0..learned.len().max(a.hidden.len()) {
                    let l = learned.get(i).map(String::as_str).unwrap_or("");
                    let h = a
                        .hidden
                        .get(i)
                        .map(|(n, v)| format!("{n} = {v}"))
                        .unwrap_or_default();
                    println!("  {l:<width$} | {h}");
                }
                println!(
                    "  behavioural data used: {}",
                    if verdict.uses_category(Category::Behavioural) {
                        "yes"
                    } else {
                        "no"
                    }
                );
            }
            Err(e) => {
                println!("The wallet cannot prove the policy: {e}");
                println!(
                    "Nothing is sent: the consulate learns only that {} did not answer,",
                    a.name
                );
                println!("and no amount, date or score of {}.", a.name);
            }
        }
    }
    Ok(())
}

//! A consulate fast-tracks visas for applicants who prove liquidity, a clean
//! payment record and no court defaults, and learns nothing else about them:
//! not the amounts, not the expiry dates, and nothing of the behavioural
//! score a "social credit" bureau keeps on them.
//!
//! Then the court is asked anonymously: Mei proves "no outstanding court
//! default" as one of the 4096 credentials on the court's epoch list, and
//! nothing the consulate receives matches anything the court recorded. When
//! a default is registered, the court's next list leaves her credential out
//! and her next attempt is refused.
//!
//! Run with `cargo run --release --example visa_scenario`.

use credence::epoch::{EpochLists, EpochWindow};
use credence::files::{IssuanceRecords, Revoke};
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
    /// Everything the court saw and sent at issuance: the issuance request
    /// and the issued credentials, openings included.
    court_view: Vec<u8>,
}

/// The applicant's wallet asks each rater for a small batch of single-use
/// credentials and checks what comes back. The court (the first rater)
/// records the issuance under the applicant's name.
fn applicant(
    name: &'static str,
    raters: &[Rater],
    values: &[&[(&str, u64)]],
    court_records: &mut IssuanceRecords,
) -> Result<Applicant, Box<dyn std::error::Error>> {
    let mut wallet = Wallet::generate();
    let mut hidden = Vec::new();
    let mut court_view = Vec::new();
    for (i, (rater, vals)) in raters.iter().zip(values).enumerate() {
        let request = wallet.request_issuance(&rater.descriptor);
        let issued = rater.key.issue(rater.schema(), &request, vals, 2)?;
        if i == 0 {
            let until = vals
                .iter()
                .find(|(n, _)| *n == "valid_until")
                .ok_or("no expiry")?
                .1;
            court_records.add(&issued, Some(name), Date::from_days(until)?, now())?;
            court_view.extend_from_slice(&request.to_bytes());
            for c in &issued {
                court_view.extend_from_slice(&c.to_bytes());
            }
        }
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
        court_view,
    })
}

/// Seconds since 1970.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The number of 32-byte strings found in both `a` and `b`.
fn shared_32_byte_values(a: &[u8], b: &[u8]) -> usize {
    let seen: std::collections::HashSet<&[u8]> = a.windows(32).collect();
    b.windows(32).filter(|w| seen.contains(w)).count()
}

/// The first bytes of a 32-byte value, as hex.
fn short(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + "…"
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
    let mut court_records = IssuanceRecords::new(&raters[0].key.public_key(), raters[0].schema());
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
        &mut court_records,
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
        &mut court_records,
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

    anonymous(&raters, &mut mei, &mut court_records)
}

/// The court and the consulate answer to the same state: the consulate asks
/// about the court anonymously, against the court's epoch list.
fn anonymous(
    raters: &[Rater],
    mei: &mut Applicant,
    court_records: &mut IssuanceRecords,
) -> Result<(), Box<dyn std::error::Error>> {
    let court = &raters[0];
    // 2046 other subjects hold court credentials, in batches of 2: with
    // Mei's and Jun's, the list holds 4096.
    for _ in 0..2046 {
        let link = LinkSecret::generate(&mut rand_core::OsRng);
        let (request, _) = link.issuance_request(&court.key.public_key(), court.schema());
        let until = Date::parse("2027-09-30")?.days();
        let issued = court.key.issue(
            court.schema(),
            &request,
            &[("outstanding_defaults", 0), ("valid_until", until)],
            2,
        )?;
        court_records.add(&issued, None, Date::from_days(until)?, now())?;
    }
    let today = now() / 86_400 * 86_400;
    let window = |epoch| EpochWindow {
        epoch,
        not_before: today,
        not_after: today + 86_400,
    };
    let epoch1 = court_records.publish(&court.key, court.schema(), window(1), 4)?;
    println!(
        "\n== The court publishes its epoch list 1: {} credential digests, {} bytes",
        epoch1.len(),
        epoch1.to_bytes().len()
    );

    // The consulate checks the list against the court's key, and asks.
    let mut consulate_lists = EpochLists::new();
    consulate_lists.insert(epoch1.clone(), &court.key.public_key(), court.schema())?;
    let ask =
        |list: &credence::epoch::EpochList| -> Result<ProofRequest, Box<dyn std::error::Error>> {
            let trusted = TrustedRater::new(court.schema().clone(), vec![court.key.public_key()])?
                .anonymous(&[list])?;
            Ok(
                ProofRequest::builder("consulate.example", Date::parse("2027-03-01")?)
                    .purpose("visa fast track: no outstanding court default")
                    .trust_rater(trusted)
                    .predicates(parse_policy("court.outstanding_defaults == 0")?)
                    .build()?,
            )
        };
    let request = ask(&epoch1)?;
    let lists = mei.wallet.epoch_lists([epoch1.clone()])?;
    println!("{}'s wallet shows:", mei.name);
    for line in mei
        .wallet
        .consent_with_lists(&request, &lists)
        .to_string()
        .lines()
    {
        println!("  | {line}");
    }
    let presentation = mei.wallet.prove_with_lists(&request, &lists)?;
    let verdict = presentation.verify_with_lists(&request, &consulate_lists);
    let bytes = presentation.to_bytes();
    println!(
        "Presentation: {} bytes. Verdict: {}",
        bytes.len(),
        if verdict.is_satisfied() {
            "SATISFIED"
        } else {
            "REJECTED"
        }
    );

    // Side by side: what the court recorded about Mei, and what the
    // consulate received.
    let Some(Shown::Anonymous(_)) = presentation.shown().first() else {
        return Err("the court was not shown anonymously".into());
    };
    let offset = 2 + 32 + 4 + 1 + 1;
    let received = [
        ("D' (re-randomised digest)", bytes.get(offset..offset + 32)),
        (
            "C' outstanding_defaults",
            bytes.get(offset + 36..offset + 68),
        ),
        ("C' valid_until", bytes.get(offset + 68..offset + 100)),
        (
            "membership proof (1152 B)",
            bytes.get(offset + 104..offset + 136),
        ),
    ];
    let view = &mei.court_view;
    let issued = mei
        .wallet
        .credentials()
        .into_iter()
        .filter(|c| c.schema == "court")
        .count();
    println!(
        "  {:<44} | what the consulate received",
        "what the court recorded about Mei"
    );
    println!("  {:-<44}-+-{:-<40}", "", "");
    let court_lines = court_lines(court_records, mei.name, view);
    for i in 0..court_lines.len().max(received.len()) {
        let l = court_lines.get(i).cloned().unwrap_or_default();
        let r = received
            .get(i)
            .and_then(|(n, b)| b.map(|b| format!("{n}: {}", short(b))))
            .unwrap_or_default();
        println!("  {l:<44} | {r}");
    }
    println!(
        "  32-byte values in common: {} (Mei holds {issued} court credentials; the \
         court's list names {})",
        shared_32_byte_values(view, &bytes),
        epoch1.len()
    );

    // A default is registered: the court revokes Mei's credentials.
    let revoked = court_records.revoke(Revoke::Subject(mei.name), now());
    let epoch2 = court_records.publish(&court.key, court.schema(), window(2), 4)?;
    println!(
        "\n== A default is registered against {}: {revoked} issuance revoked; epoch list 2 holds {}",
        mei.name,
        epoch2.len()
    );
    let request = ask(&epoch2)?;
    let lists = mei.wallet.epoch_lists([epoch2])?;
    match mei.wallet.prove_with_lists(&request, &lists) {
        Ok(_) => return Err("a revoked credential was shown".into()),
        Err(e) => println!("{}'s wallet refuses, and sends nothing: {e}", mei.name),
    }
    Ok(())
}

/// The court's records about the subject: its label, the digests it lists,
/// and the holder commitment of the issuance request.
fn court_lines(records: &IssuanceRecords, subject: &str, view: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(r) = records
        .records()
        .iter()
        .find(|r| r.subject.as_deref() == Some(subject))
    {
        lines.push(format!("subject: {}", r.subject.as_deref().unwrap_or("-")));
        for (i, d) in r.digests.iter().enumerate() {
            lines.push(format!(
                "digest D of credential {i}: {}",
                short(d.as_bytes())
            ));
        }
    }
    // The issuance request: header, key id, schema digest, nonce, then L.
    if let Some(l) = view.get(2 + 16 + 32 + 32..2 + 16 + 32 + 32 + 32) {
        lines.push(format!("holder commitment L: {}", short(l)));
    }
    lines.push("the credentials it issued, openings too".into());
    lines
}

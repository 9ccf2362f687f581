//! A subject's wallet: it is stored in one file (mode 0600, written
//! crash-safely), shows what a request asks before consent, presents each
//! credential once, and refuses a verifier that probes a protected value with
//! successive thresholds.
//!
//! Run with `cargo run --example wallet`.

use credence::rater::*;
use credence::wallet::*;
use credence::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A bank, as the wallet sees it: its published descriptor. (The signing
    // key is here only to play the bank's part.)
    let schema = Schema::new(
        "bank",
        1,
        vec![
            Attribute {
                name: "liquidity_eur".into(),
                kind: AttributeKind::Uint { max: 1_000_000_000 },
                category: Category::Financial,
            },
            Attribute {
                name: "valid_until".into(),
                kind: AttributeKind::Date,
                category: Category::Validity,
            },
        ],
    )?;
    let bank = RaterSigningKey::generate(&mut rand_core::OsRng);
    let published = RaterDescriptor::new(schema.clone(), bank.public_key());

    // A new wallet: no verifier may narrow the liquidity below a 2000 EUR window.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("wallet.json");
    let mut wallet = Wallet::generate();
    wallet.set_min_interval(AttrRef::parse("bank.liquidity_eur")?, 2000);
    wallet.create(&path)?;

    // Issuance: the wallet keeps the pending request in its file between the
    // two steps, so they can happen in different processes. Each step opens
    // the file under its lock, so that steps run at once take turns.
    let mut wallet = WalletFile::open(&path)?;
    let request = wallet.request_issuance(&published);
    wallet.save()?;
    drop(wallet);
    let until = Date::parse("2027-12-31")?.days();
    let issued = bank.issue(
        &schema,
        &request,
        &[("liquidity_eur", 18_250), ("valid_until", until)],
        3,
    )?;
    let mut wallet = WalletFile::open(&path)?;
    wallet.add(issued)?;
    wallet.save()?;

    // A landlord asks twice; the second question would pin the value down.
    let ask = |policy: &str| -> Result<ProofRequest, Box<dyn std::error::Error>> {
        Ok(
            ProofRequest::builder("landlord.example", Date::parse("2027-03-01")?)
                .purpose("rental deposit waiver")
                .trust(schema.clone(), vec![bank.public_key()])
                .predicates(parse_policy(policy)?)
                .build()?,
        )
    };
    let first = ask("bank.liquidity_eur >= 15000")?;
    println!("{}", wallet.consent(&first));
    let presentation = wallet.prove(&first)?;
    // Save before sending: the credential is marked used on disk first.
    wallet.save()?;
    println!(
        "verdict: satisfied = {}",
        presentation.verify(&first).is_satisfied()
    );

    let probe = ask("bank.liquidity_eur <= 16500")?;
    match wallet.prove(&probe) {
        Err(e @ WalletError::Narrowing(_)) => println!("second request: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    for c in wallet.credentials() {
        println!(
            "credential of `{}` (key {}): used = {}",
            c.schema, c.key_id, c.used
        );
    }
    Ok(())
}

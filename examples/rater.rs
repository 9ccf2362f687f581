//! A rater (here a bank) publishes its schema and key, then checks a
//! subject's issuance request and issues a batch of single-use credentials.
//!
//! Run with `cargo run --example rater`.

use credence::rater::*;
use credence::wallet::*;
use credence::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = Schema::new(
        "bank",
        1,
        vec![
            Attribute::uint("liquidity_eur", 1_000_000_000, Category::Financial),
            Attribute::expiry("valid_until"),
        ],
    )?;
    // The signing key stays with the bank (its 32 bytes fit existing Ed25519
    // tooling); the descriptor is what it publishes.
    let key = RaterSigningKey::generate(&mut rand_core::OsRng);
    let published = RaterDescriptor::new(schema.clone(), key.public_key());
    println!("{}", serde_json::to_string_pretty(&published)?);

    // A subject sends an issuance request: a commitment to its link secret and
    // a proof of knowledge, bound to this key and schema.
    let mut wallet = Wallet::generate();
    let request: IssuanceRequest = serde_json::from_str(&serde_json::to_string(
        &wallet.request_issuance(&published),
    )?)?;

    // The bank checks the request and issues three copies with fresh blindings,
    // so the subject can present each to a different verifier unlinkably.
    let valid_until = Date::parse("2027-12-31")?.days();
    let values = [("liquidity_eur", 18_250), ("valid_until", valid_until)];
    let issued = key.issue(&schema, &request, &values, 3)?;
    println!(
        "issued {} credentials under key {}",
        issued.len(),
        key.public_key().key_id()
    );

    // A request made for another rater's key is refused.
    let other = RaterSigningKey::generate(&mut rand_core::OsRng);
    if let Err(e) = other.issue(&schema, &request, &values, 1) {
        println!("another key refuses it: {e}");
    }

    // The subject's wallet checks every credential before keeping it.
    let (_, added) = wallet.add(issued)?;
    println!("the wallet accepted {added} credentials");
    Ok(())
}

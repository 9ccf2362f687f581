//! A verifier embedded in an application (a bike-share operator waiving its
//! deposit): it issues a request from a policy written by hand and checks
//! presentations; its `Verifier` remembers the requests and which were
//! answered.
//!
//! Run with `cargo run --example verifier_app`.

use credence::rater::*;
use credence::verifier::{MemoryNonceStore, Verifier};
use credence::wallet::*;
use credence::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The bank's published descriptor, and (to play the subject's part) its key.
    let schema: Schema = serde_json::from_str(
        r#"{"id":"bank","version":1,"attributes":[
            {"name":"on_time_payments","type":"uint","max":1000,"category":"financial"},
            {"name":"late_payments","type":"uint","max":1000,"category":"financial"},
            {"name":"valid_until","type":"date","category":"validity"}]}"#,
    )?;
    let bank = RaterSigningKey::generate(&mut rand_core::OsRng);
    let descriptor = RaterDescriptor::new(schema.clone(), bank.public_key());

    let operator = Verifier::new(
        "bikes.example",
        vec![descriptor.clone()],
        MemoryNonceStore::new(),
    )?;
    let request = operator
        .request(Date::parse("2027-03-01")?)
        .purpose("deposit waiver")
        .predicates(parse_policy(
            "3*bank.on_time_payments - 2*bank.late_payments >= 40",
        )?)
        .issue()?;
    println!("request: {}", serde_json::to_string(&request)?);

    // A subject answers with its wallet.
    let mut wallet = Wallet::generate();
    let ask = wallet.request_issuance(&descriptor);
    let until = Date::parse("2027-12-31")?.days();
    let values = [
        ("on_time_payments", 30),
        ("late_payments", 4),
        ("valid_until", until),
    ];
    wallet.add(bank.issue(&schema, &ask, &values, 2)?)?;
    let answer = serde_json::to_string(&wallet.prove(&request)?)?;

    // The operator checks what it received against its own request.
    let presentation: Presentation = serde_json::from_str(&answer)?;
    let verdict = operator.check(&request, &presentation)?;
    println!("verdict: {}", serde_json::to_string_pretty(&verdict)?);
    let again = operator.check(&request, &presentation)?;
    match again.rejection() {
        Some(reason) => println!("the same presentation again: {reason}"),
        None => println!("unexpected: {again:?}"),
    }
    Ok(())
}

//! A verifier embedded in an application (a bike-share operator waiving its
//! deposit): it builds a request from a policy written by hand, remembers the
//! nonces it issued and those answered, and checks presentations.
//!
//! Run with `cargo run --example verifier_app`.

use std::collections::{HashMap, HashSet};

use credence::rater::*;
use credence::wallet::*;
use credence::*;

/// The operator's state: requests issued, by nonce, and nonces answered.
struct Operator {
    trusted: Vec<RaterDescriptor>,
    issued: HashMap<[u8; 32], ProofRequest>,
    answered: HashSet<[u8; 32]>,
}

impl Operator {
    fn request(
        &mut self,
        policy: &str,
        today: Date,
    ) -> Result<ProofRequest, Box<dyn std::error::Error>> {
        let request = ProofRequest::builder("bikes.example", today)
            .purpose("deposit waiver")
            .predicates(parse_policy(policy)?)
            .trust_descriptors(&self.trusted)?
            .build()?;
        self.issued.insert(*request.nonce(), request.clone());
        Ok(request)
    }

    /// Checks a presentation (as received, in JSON) against the request it
    /// claims to answer; each nonce is answered once.
    fn check(&mut self, nonce: &[u8; 32], json: &str) -> Result<Verdict, String> {
        let request = self.issued.get(nonce).ok_or("not a request of ours")?;
        let presentation: Presentation = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if !self.answered.insert(*nonce) {
            return Err("replayed: this request was answered before".into());
        }
        Ok(presentation.verify(request))
    }
}

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

    let mut operator = Operator {
        trusted: vec![descriptor.clone()],
        issued: HashMap::new(),
        answered: HashSet::new(),
    };
    let request = operator.request(
        "3*bank.on_time_payments - 2*bank.late_payments >= 40",
        Date::parse("2027-03-01")?,
    )?;
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

    let verdict = operator.check(request.nonce(), &answer)?;
    println!("verdict: {}", serde_json::to_string_pretty(&verdict)?);
    match operator.check(request.nonce(), &answer) {
        Err(e) => println!("the same presentation again: {e}"),
        Ok(v) => println!("unexpected: {v:?}"),
    }
    Ok(())
}

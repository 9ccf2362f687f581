//! Recomputes the test vectors in spec/vectors/ from their fixed seeds and
//! checks the stored ones still decode and verify.
//!
//! `CREDENCE_WRITE_VECTORS=1 cargo test --test vectors` rewrites the files;
//! a change to them is a change to the protocol and goes with the spec.

use std::path::PathBuf;

use credence::rater::*;
use credence::wallet::*;
use credence::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{json, Value};

fn seeded(n: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([n; 32])
}

/// Builds the consulate vector: every object from fixed seeds.
fn consulate() -> Value {
    let bank_schema = Schema::new(
        "bank",
        1,
        vec![
            Attribute::uint("liquidity_eur", 1_000_000_000, Category::Financial),
            Attribute::expiry("valid_until"),
        ],
    )
    .unwrap();
    let court_schema = Schema::new(
        "court",
        1,
        vec![
            Attribute::uint("outstanding_defaults", 255, Category::Judicial),
            Attribute::expiry("valid_until"),
        ],
    )
    .unwrap();
    let bank = RaterSigningKey::from_bytes(&[1; 32]);
    let court = RaterSigningKey::from_bytes(&[2; 32]);
    let link = LinkSecret::generate(&mut seeded(3));
    let until = Date::parse("2027-12-31").unwrap().days();

    let mut rng = seeded(4);
    let (bank_req, bank_pending) =
        link.issuance_request_with_rng(&bank.public_key(), &bank_schema, &mut rng);
    let bank_issued = bank
        .issue_with_rng(
            &bank_schema,
            &bank_req,
            &[("liquidity_eur", 12_000), ("valid_until", until)],
            1,
            &mut rng,
        )
        .unwrap();
    let issued_bytes = bank_issued[0].to_bytes().to_vec();
    let mut held = bank_pending
        .accept(&link, &bank_schema, bank_issued)
        .unwrap();

    let mut rng = seeded(5);
    let (court_req, court_pending) =
        link.issuance_request_with_rng(&court.public_key(), &court_schema, &mut rng);
    let court_issued = court
        .issue_with_rng(
            &court_schema,
            &court_req,
            &[("outstanding_defaults", 0), ("valid_until", until)],
            1,
            &mut rng,
        )
        .unwrap();
    held.extend(
        court_pending
            .accept(&link, &court_schema, court_issued)
            .unwrap(),
    );

    let request = ProofRequest::builder("consulate.example", Date::parse("2027-03-01").unwrap())
        .purpose("visa fast track")
        .trust(bank_schema.clone(), vec![bank.public_key()])
        .trust(court_schema.clone(), vec![court.public_key()])
        .predicate(Predicate::at_least(
            AttrRef::parse("bank.liquidity_eur").unwrap(),
            5000,
        ))
        .predicate(Predicate::equals(
            AttrRef::parse("court.outstanding_defaults").unwrap(),
            0,
        ))
        .build_with_nonce([6; 32])
        .unwrap();
    let presentation =
        Presentation::prove_with_rng(&request, &link, &held, &mut seeded(7)).unwrap();

    json!({
        "description": "Consulate scenario: bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0, valid on 2027-03-01. Rater secret keys are 32 bytes of 0x01 (bank) and 0x02 (court); the link secret is drawn from ChaCha20 seeded with 32 bytes of 0x03; the bank's issuance uses seed 0x04, the court's 0x05, the presentation 0x07; the request nonce is 32 bytes of 0x06. The hidden values are liquidity 12000, defaults 0, expiry 2027-12-31.",
        "bank_schema": hex::encode(bank_schema.to_bytes()),
        "bank_schema_digest": hex::encode(bank_schema.digest()),
        "bank_schema_json": serde_json::to_value(&bank_schema).unwrap(),
        "court_schema": hex::encode(court_schema.to_bytes()),
        "bank_public_key": hex::encode(bank.public_key().to_bytes()),
        "bank_key_id": bank.public_key().key_id().to_string(),
        "court_public_key": hex::encode(court.public_key().to_bytes()),
        "court_key_id": court.public_key().key_id().to_string(),
        "bank_issuance_request": hex::encode(bank_req.to_bytes()),
        "bank_issued_credential": hex::encode(issued_bytes),
        "bank_credential": hex::encode(held[0].credential().to_bytes()),
        "court_credential": hex::encode(held[1].credential().to_bytes()),
        "request": hex::encode(request.to_bytes()),
        "request_digest": hex::encode(request.digest()),
        "request_json": serde_json::to_value(&request).unwrap(),
        "presentation": hex::encode(presentation.to_bytes()),
    })
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("spec/vectors")
        .join(name)
}

fn bytes(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

#[test]
fn consulate_vector_is_reproduced() {
    let fresh = consulate();
    let file = path("consulate.json");
    if std::env::var_os("CREDENCE_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(&file, text).unwrap();
    }
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for (k, v) in fresh.as_object().unwrap() {
        assert_eq!(&stored[k], v, "vector field `{k}` differs");
    }
}

#[test]
fn stored_vector_verifies() {
    if std::env::var_os("CREDENCE_WRITE_VECTORS").is_some() {
        return; // the file is being rewritten by the other test
    }
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(path("consulate.json")).unwrap()).unwrap();
    let request = ProofRequest::from_bytes(&bytes(&stored, "request")).unwrap();
    let from_json: ProofRequest = serde_json::from_value(stored["request_json"].clone()).unwrap();
    assert_eq!(from_json, request);
    assert_eq!(hex::encode(request.digest()), stored["request_digest"]);
    let p = Presentation::from_bytes(&bytes(&stored, "presentation")).unwrap();
    let verdict = p.verify(&request);
    assert!(verdict.is_satisfied(), "{verdict:?}");
    // Every credential's signature verifies under the stored keys.
    let bank =
        RaterPublicKey::from_bytes(&bytes(&stored, "bank_public_key").try_into().unwrap()).unwrap();
    let cred = Credential::from_bytes(&bytes(&stored, "bank_credential")).unwrap();
    cred.verify_signature(&bank).unwrap();
    assert_eq!(bank.key_id().to_string(), stored["bank_key_id"]);
    let schema = Schema::from_bytes(&bytes(&stored, "bank_schema")).unwrap();
    assert_eq!(hex::encode(schema.digest()), stored["bank_schema_digest"]);
    let req = IssuanceRequest::from_bytes(&bytes(&stored, "bank_issuance_request")).unwrap();
    req.verify(&bank).unwrap();
}

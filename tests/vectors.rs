//! Recomputes the test vectors in spec/vectors/ from their fixed seeds and
//! checks the stored ones still decode and verify.
//!
//! `CREDENCE_WRITE_VECTORS=1 cargo test --test vectors` rewrites the files;
//! a change to them is a change to the protocol and goes with the spec.

use std::path::PathBuf;

use credence::epoch::{EpochList, EpochLists, EpochWindow};
use credence::rater::*;
use credence::wallet::*;
use credence::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{json, Value};

fn seeded(n: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([n; 32])
}

/// Issues one credential of `schema` to `link`, the issuance request and the
/// issuance both drawing from ChaCha20 seeded with 32 bytes of `seed`:
/// the request, the issued credential's encoding, and the held credential.
fn issue_one(
    rater: &RaterSigningKey,
    schema: &Schema,
    link: &LinkSecret,
    values: &[(&str, u64)],
    seed: u8,
) -> (IssuanceRequest, Vec<u8>, HeldCredential) {
    let mut rng = seeded(seed);
    let (request, pending) = link.issuance_request_with_rng(&rater.public_key(), schema, &mut rng);
    let issued = rater
        .issue_with_rng(schema, &request, values, 1, &mut rng)
        .unwrap();
    let bytes = issued[0].to_bytes().to_vec();
    let mut held = pending.accept(link, schema, issued).unwrap();
    (request, bytes, held.remove(0))
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

    let bank_values = [("liquidity_eur", 12_000), ("valid_until", until)];
    let (bank_req, issued_bytes, bank_held) =
        issue_one(&bank, &bank_schema, &link, &bank_values, 4);
    let court_values = [("outstanding_defaults", 0), ("valid_until", until)];
    let (_, _, court_held) = issue_one(&court, &court_schema, &link, &court_values, 5);
    let held = [bank_held, court_held];

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
    let list = court_list(&court, &court_schema, &held[1]);
    let mut lists = EpochLists::new();
    lists
        .insert(list.clone(), &court.public_key(), &court_schema)
        .unwrap();
    let anonymous_court = TrustedRater::new(court_schema.clone(), vec![court.public_key()])
        .unwrap()
        .anonymous(&[&list])
        .unwrap();
    let anonymous_request =
        ProofRequest::builder("consulate.example", Date::parse("2027-03-01").unwrap())
            .purpose("visa fast track")
            .trust(bank_schema.clone(), vec![bank.public_key()])
            .trust_rater(anonymous_court)
            .predicate(Predicate::at_least(
                AttrRef::parse("bank.liquidity_eur").unwrap(),
                5000,
            ))
            .predicate(Predicate::equals(
                AttrRef::parse("court.outstanding_defaults").unwrap(),
                0,
            ))
            .pseudonym()
            .build_with_nonce([9; 32])
            .unwrap();
    let anonymous = Presentation::prove_with_lists_rng(
        &anonymous_request,
        &link,
        &held,
        &lists,
        &mut seeded(10),
    )
    .unwrap();

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
        "bank_digest": hex::encode(held[0].digest().unwrap().point().as_bytes()),
        "court_digest": hex::encode(held[1].digest().unwrap().point().as_bytes()),
        "court_credential": hex::encode(held[1].credential().to_bytes()),
        "request": hex::encode(request.to_bytes()),
        "request_digest": hex::encode(request.digest()),
        "request_json": serde_json::to_value(&request).unwrap(),
        "presentation": hex::encode(presentation.to_bytes()),
        "court_epoch_list": hex::encode(list.to_bytes()),
        "court_epoch_list_digest": hex::encode(list.digest()),
        "anonymous_request": hex::encode(anonymous_request.to_bytes()),
        "anonymous_request_json": serde_json::to_value(&anonymous_request).unwrap(),
        "anonymous_presentation": hex::encode(anonymous.to_bytes()),
        "anonymous_pseudonym": hex::encode(anonymous.pseudonym().unwrap().as_bytes()),
    })
}

/// The court's epoch list for the consulate vector: epoch 1, current on
/// 2027-03-01 (UTC), base 4, holding the court credential's digest and 20
/// other digests (random points from seed 0x08).
fn court_list(court: &RaterSigningKey, schema: &Schema, held: &HeldCredential) -> EpochList {
    use curve25519_dalek::ristretto::RistrettoPoint;
    let mut rng = seeded(8);
    let mut digests: Vec<_> = (0..20)
        .map(|_| RistrettoPoint::random(&mut rng).compress())
        .collect();
    digests.push(*held.digest().unwrap().point());
    let day = Date::parse("2027-03-01").unwrap().days() * 86_400;
    let window = EpochWindow {
        epoch: 1,
        not_before: day,
        not_after: day + 86_400,
    };
    EpochList::sign(court, schema, window, 4, &digests).unwrap()
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
    // The issued credential carries the digest, signed by the bank.
    let issued = IssuedCredential::from_bytes(&bytes(&stored, "bank_issued_credential")).unwrap();
    let digest = issued.digest().unwrap();
    assert_eq!(
        hex::encode(digest.point().as_bytes()),
        stored["bank_digest"]
    );
    digest.verify_signature(&cred, &bank).unwrap();
    // The court's list holds the court credential's digest.
    let list = EpochList::from_bytes(&bytes(&stored, "court_epoch_list")).unwrap();
    assert_eq!(
        hex::encode(list.digest()),
        stored["court_epoch_list_digest"]
    );
    let court_schema = Schema::from_bytes(&bytes(&stored, "court_schema")).unwrap();
    let court = RaterPublicKey::from_bytes(&bytes(&stored, "court_public_key").try_into().unwrap())
        .unwrap();
    list.verify(&court, &court_schema).unwrap();
    let court_digest: [u8; 32] = bytes(&stored, "court_digest").try_into().unwrap();
    assert!(list
        .position(&curve25519_dalek::ristretto::CompressedRistretto(
            court_digest
        ))
        .is_some());
    assert_eq!(list.len(), 21);
    // The anonymous presentation verifies against the list, and not without.
    let mut lists = EpochLists::new();
    lists.insert(list, &court, &court_schema).unwrap();
    let request = ProofRequest::from_bytes(&bytes(&stored, "anonymous_request")).unwrap();
    let from_json: ProofRequest =
        serde_json::from_value(stored["anonymous_request_json"].clone()).unwrap();
    assert_eq!(from_json, request);
    let p = Presentation::from_bytes(&bytes(&stored, "anonymous_presentation")).unwrap();
    let verdict = p.verify_with_lists(&request, &lists);
    assert!(verdict.is_satisfied(), "{verdict:?}");
    assert_eq!(
        verdict.pseudonym().map(hex::encode),
        stored["anonymous_pseudonym"].as_str().map(str::to_owned)
    );
    assert!(!p.verify(&request).is_satisfied());
}

/// Builds the predicates vector: every predicate form, two trusted keys for one
/// schema, every width with padding, and one rejected presentation.
fn predicates() -> Value {
    let bank_schema = Schema::new(
        "bank",
        1,
        vec![
            Attribute::uint("liquidity_eur", 1_000_000_000, Category::Financial),
            Attribute::uint("on_time_payments", 1000, Category::Financial),
            Attribute::uint("late_payments", 1000, Category::Financial),
            Attribute::uint("account_digest", u64::MAX, Category::Identity),
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
    let bank_old = RaterSigningKey::from_bytes(&[0x11; 32]);
    let bank_new = RaterSigningKey::from_bytes(&[0x12; 32]);
    let court = RaterSigningKey::from_bytes(&[0x13; 32]);
    let link = LinkSecret::generate(&mut seeded(0x14));
    let until = Date::parse("2027-12-31").unwrap().days();
    let bank_values = [
        ("liquidity_eur", 12_000),
        ("on_time_payments", 30),
        ("late_payments", 5),
        ("account_digest", 0xdead_beef_cafe_f00d),
        ("valid_until", until),
    ];
    let court_values = [("outstanding_defaults", 0), ("valid_until", until)];

    let (bank_req, bank_issued_bytes, bank_held) =
        issue_one(&bank_new, &bank_schema, &link, &bank_values, 0x15);
    let (court_req, court_issued_bytes, court_held) =
        issue_one(&court, &court_schema, &link, &court_values, 0x16);
    let held = [bank_held, court_held];

    let r = |s: &str| AttrRef::parse(s).unwrap();
    let predicates = vec![
        Predicate::reveal(r("bank.on_time_payments")),
        Predicate::between(r("bank.liquidity_eur"), 1000, 50_000),
        Predicate::at_most(r("court.outstanding_defaults"), 3),
        Predicate::equals(r("court.outstanding_defaults"), 0),
        Predicate::at_least(r("bank.account_digest"), 1),
        Predicate::between(r("bank.account_digest"), 1 << 60, u64::MAX),
        // Merged terms: on_time_payments has weight 3 + 1.
        Predicate::linear(
            vec![
                (3, r("bank.on_time_payments")),
                (-2, r("bank.late_payments")),
                (1, r("bank.on_time_payments")),
            ],
            Comparison::AtLeast,
            40,
        ),
        // Cancelling terms: late_payments drops out.
        Predicate::linear(
            vec![
                (1, r("bank.liquidity_eur")),
                (1, r("bank.late_payments")),
                (-1, r("bank.late_payments")),
            ],
            Comparison::AtLeast,
            5000,
        ),
        // Every term cancels: a statement with no terms, k = 5.
        Predicate::linear(
            vec![(1, r("bank.late_payments")), (-1, r("bank.late_payments"))],
            Comparison::AtLeast,
            -5,
        ),
        // Negative weights across two raters' credentials.
        Predicate::linear(
            vec![
                (2, r("court.outstanding_defaults")),
                (-1, r("bank.late_payments")),
            ],
            Comparison::AtMost,
            0,
        ),
        Predicate::linear(
            vec![(-1, r("court.outstanding_defaults"))],
            Comparison::AtLeast,
            -7,
        ),
    ];
    let request = ProofRequest::builder("lender.example", Date::parse("2027-03-01").unwrap())
        .purpose("loan pre-approval")
        .trust(
            bank_schema.clone(),
            vec![bank_old.public_key(), bank_new.public_key()],
        )
        .trust(court_schema.clone(), vec![court.public_key()])
        .predicates(predicates)
        .build_with_nonce([0x17; 32])
        .unwrap();
    let presentation =
        Presentation::prove_with_rng(&request, &link, &held, &mut seeded(0x18)).unwrap();
    let verdict = presentation.verify(&request);
    assert!(verdict.is_satisfied(), "{verdict:?}");

    // The rejected presentation: the disclosed on_time_payments changed from 30
    // to 31. Disclosed values follow the digest, the credentials (each a mode
    // byte and a credential) and their count (spec §3.9).
    let mut rejected = presentation.to_bytes();
    let at = 2
        + 32
        + 4
        + held
            .iter()
            .map(|h| 1 + h.credential().to_bytes().len() - 2)
            .sum::<usize>()
        + 4;
    assert_eq!(rejected[at..at + 8], 30u64.to_le_bytes());
    rejected[at..at + 8].copy_from_slice(&31u64.to_le_bytes());
    let rejected_verdict = Presentation::from_bytes(&rejected)
        .unwrap()
        .verify(&request);
    assert!(!rejected_verdict.is_satisfied());

    json!({
        "description": "Every predicate form. Rater secret keys are 32 bytes of 0x11 (bank, old key), 0x12 (bank, new key: it signs the bank credential) and 0x13 (court); the request trusts both bank keys. The link secret is drawn from ChaCha20 seeded with 32 bytes of 0x14; the bank's issuance uses seed 0x15, the court's 0x16, the presentation 0x18; the request nonce is 32 bytes of 0x17. Range statements per width: 8 bits 3 (padded to 4), 16 bits 5 (padded to 8), 32 bits 2, 64 bits 3 (padded to 4). The rejected presentation is the presentation with its disclosed value changed from 30 to 31.",
        "hidden_values": {
            "bank": {
                "liquidity_eur": 12_000,
                "on_time_payments": 30,
                "late_payments": 5,
                "account_digest": 0xdead_beef_cafe_f00d_u64,
                "valid_until": "2027-12-31"
            },
            "court": {"outstanding_defaults": 0, "valid_until": "2027-12-31"}
        },
        "bank_schema": hex::encode(bank_schema.to_bytes()),
        "bank_schema_json": serde_json::to_value(&bank_schema).unwrap(),
        "court_schema": hex::encode(court_schema.to_bytes()),
        "bank_old_public_key": hex::encode(bank_old.public_key().to_bytes()),
        "bank_old_key_id": bank_old.public_key().key_id().to_string(),
        "bank_new_public_key": hex::encode(bank_new.public_key().to_bytes()),
        "bank_new_key_id": bank_new.public_key().key_id().to_string(),
        "court_public_key": hex::encode(court.public_key().to_bytes()),
        "court_key_id": court.public_key().key_id().to_string(),
        "bank_issuance_request": hex::encode(bank_req.to_bytes()),
        "bank_issued_credential": hex::encode(bank_issued_bytes),
        "court_issuance_request": hex::encode(court_req.to_bytes()),
        "court_issued_credential": hex::encode(court_issued_bytes),
        "bank_credential": hex::encode(held[0].credential().to_bytes()),
        "bank_digest": hex::encode(held[0].digest().unwrap().point().as_bytes()),
        "court_digest": hex::encode(held[1].digest().unwrap().point().as_bytes()),
        "court_credential": hex::encode(held[1].credential().to_bytes()),
        "request": hex::encode(request.to_bytes()),
        "request_digest": hex::encode(request.digest()),
        "request_json": serde_json::to_value(&request).unwrap(),
        "range_proof_shapes": presentation.range_proof_shapes(),
        "presentation": hex::encode(presentation.to_bytes()),
        "verdict": serde_json::to_value(&verdict).unwrap(),
        "rejected_presentation": hex::encode(&rejected),
        "rejected_verdict": serde_json::to_value(&rejected_verdict).unwrap(),
    })
}

#[test]
fn predicates_vector_is_reproduced() {
    let fresh = predicates();
    let file = path("predicates.json");
    if std::env::var_os("CREDENCE_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(&file, text).unwrap();
    }
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        stored.as_object().unwrap().len(),
        fresh.as_object().unwrap().len(),
        "the stored vector has other fields"
    );
    for (k, v) in fresh.as_object().unwrap() {
        assert_eq!(&stored[k], v, "vector field `{k}` differs");
    }
}

#[test]
fn stored_predicates_vector_verifies() {
    if std::env::var_os("CREDENCE_WRITE_VECTORS").is_some() {
        return; // the file is being rewritten by the other test
    }
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(path("predicates.json")).unwrap()).unwrap();
    let request = ProofRequest::from_bytes(&bytes(&stored, "request")).unwrap();
    let from_json: ProofRequest = serde_json::from_value(stored["request_json"].clone()).unwrap();
    assert_eq!(from_json, request);
    assert_eq!(hex::encode(request.digest()), stored["request_digest"]);
    assert_eq!(request.trusted()[0].keys().len(), 2);

    let p = Presentation::from_bytes(&bytes(&stored, "presentation")).unwrap();
    let verdict = p.verify(&request);
    assert!(verdict.is_satisfied(), "{verdict:?}");
    assert_eq!(serde_json::to_value(&verdict).unwrap(), stored["verdict"]);
    assert_eq!(p.disclosed(), [30]);
    assert_eq!(
        p.range_proof_shapes(),
        [(8, 4), (16, 8), (32, 2), (64, 4)],
        "every width, padded where the count is not a power of two"
    );
    // The credential is signed by the second of the two trusted bank keys.
    let new_key =
        RaterPublicKey::from_bytes(&bytes(&stored, "bank_new_public_key").try_into().unwrap())
            .unwrap();
    assert_eq!(request.trusted()[0].keys()[1], new_key);
    let bank = Credential::from_bytes(&bytes(&stored, "bank_credential")).unwrap();
    assert_eq!(bank.key_id(), new_key.key_id());
    bank.verify_signature(&new_key).unwrap();

    let rejected = Presentation::from_bytes(&bytes(&stored, "rejected_presentation")).unwrap();
    let verdict = rejected.verify(&request);
    assert!(!verdict.is_satisfied());
    assert_eq!(
        serde_json::to_value(&verdict).unwrap(),
        stored["rejected_verdict"]
    );
    assert_eq!(
        stored["rejected_verdict"]["rejection"]["reason"],
        "proof_invalid"
    );

    // The hidden values stated in the file are the ones certified.
    let issued = IssuedCredential::from_bytes(&bytes(&stored, "bank_issued_credential")).unwrap();
    assert_eq!(issued.credential(), &bank);
    for (name, v) in stored["hidden_values"]["court"].as_object().unwrap() {
        assert!(
            v.is_u64() || Date::parse(v.as_str().unwrap()).is_ok(),
            "{name}"
        );
    }
}

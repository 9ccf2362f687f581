//! The facade natively: every operation, and bad input of every kind.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use credence::files::IssuedCredentialsFile;
use credence::rater::{IssuanceRequest, RaterSigningKey};
use credence::{Attribute, Category, Date, RaterDescriptor, Schema};
use serde_json::{json, Value};

use super::*;

struct Rater {
    schema: Schema,
    key: RaterSigningKey,
}

impl Rater {
    fn new(id: &str, attrs: Vec<Attribute>) -> Self {
        Rater {
            schema: Schema::new(id, 1, attrs).unwrap(),
            key: RaterSigningKey::generate(&mut rand_core::OsRng),
        }
    }

    fn descriptor(&self) -> String {
        serde_json::to_string(&RaterDescriptor::new(
            self.schema.clone(),
            self.key.public_key(),
        ))
        .unwrap()
    }

    /// Issues `count` credentials answering the issuance request's JSON.
    fn issue(&self, request: &str, values: &[(&str, u64)], count: usize) -> String {
        let request: IssuanceRequest = serde_json::from_str(request).unwrap();
        let credentials = self
            .key
            .issue(&self.schema, &request, values, count)
            .unwrap();
        let file = IssuedCredentialsFile { credentials };
        String::from_utf8(file.to_json().unwrap().to_vec()).unwrap()
    }
}

fn until() -> u64 {
    Date::parse("2027-12-31").unwrap().days()
}

fn bank() -> Rater {
    Rater::new(
        "bank",
        vec![
            Attribute::uint("liquidity_eur", 1_000_000_000, Category::Financial),
            Attribute::expiry("valid_until"),
        ],
    )
}

fn court() -> Rater {
    Rater::new(
        "court",
        vec![
            Attribute::uint("outstanding_defaults", 255, Category::Judicial),
            Attribute::expiry("valid_until"),
        ],
    )
}

/// A wallet holding `count` bank and court credentials (liquidity 12000,
/// no defaults).
fn stocked(bank: &Rater, court: &Rater, count: usize) -> String {
    let mut wallet = wallet_create(None).unwrap();
    for (rater, values) in [
        (
            bank,
            vec![("liquidity_eur", 12_000), ("valid_until", until())],
        ),
        (
            court,
            vec![("outstanding_defaults", 0), ("valid_until", until())],
        ),
    ] {
        let r = wallet_request_issuance(&wallet, &rater.descriptor()).unwrap();
        let issued = rater.issue(&r.value, &values, count);
        let added = wallet_add_credentials(&r.wallet, &issued).unwrap();
        assert_eq!(added.value.added, count);
        assert_eq!(added.value.schema, rater.schema.id());
        wallet = added.wallet;
    }
    (*wallet).clone()
}

fn consulate(bank: &Rater, court: &Rater, policy: &str) -> String {
    let options = format!(
        r#"{{"verifier_id": "consulate.example", "date": "2027-03-01",
            "purpose": "visa fast track", "policy": {},
            "trusted": [{}, {}]}}"#,
        serde_json::to_string(policy).unwrap(),
        bank.descriptor(),
        court.descriptor()
    );
    create_request(&options).unwrap()
}

const POLICY: &str = "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0";

fn parsed(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

#[test]
fn version_info_names_the_versions() {
    let v = parsed(&version_info());
    assert_eq!(v["package"], "credence-wasm");
    assert_eq!(v["protocol_version"], 1);
    assert_eq!(v["wasm_bindgen"], WASM_BINDGEN_VERSION);
}

#[test]
fn the_pinned_wasm_bindgen_is_the_locked_one() {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
    let entry = format!("name = \"wasm-bindgen\"\nversion = \"{WASM_BINDGEN_VERSION}\"");
    assert!(lock.contains(&entry), "Cargo.lock has another wasm-bindgen");
}

#[test]
fn a_policy_parses_or_says_where_it_fails() {
    let ps = parsed(&parse_policy(POLICY).unwrap());
    assert_eq!(ps.as_array().unwrap().len(), 2);
    assert_eq!(ps[0]["at_least"]["attr"], "bank.liquidity_eur");

    let e = parse_policy("bank.liquidity_eur >= 5000 and and").unwrap_err();
    assert_eq!(e.code, Code::Policy);
    assert_eq!(e.position, Some(32));
    assert!(e.expected.is_some());
    assert!(e.message.contains("column 32"), "{}", e.message);

    let long = "a".repeat(MAX_POLICY_LEN + 1);
    assert_eq!(parse_policy(&long).unwrap_err().code, Code::Json);
}

#[test]
fn requests_are_built_from_text_or_predicates() {
    let (bank, court) = (bank(), court());
    let from_text = parsed(&consulate(&bank, &court, POLICY));
    assert_eq!(from_text["verifier_id"], "consulate.example");
    assert_eq!(from_text["trusted"].as_array().unwrap().len(), 2);

    // Only the raters the policy names are trusted.
    let only_bank = parsed(&consulate(&bank, &court, "bank.liquidity_eur >= 1"));
    assert_eq!(only_bank["trusted"].as_array().unwrap().len(), 1);

    let options = json!({
        "verifier_id": "consulate.example",
        "date": "2027-03-01",
        "policy": parsed(&parse_policy(POLICY).unwrap()),
        "trusted": [parsed(&bank.descriptor()), parsed(&court.descriptor())],
    });
    let from_predicates = parsed(&create_request(&options.to_string()).unwrap());
    assert_eq!(from_predicates["predicates"], from_text["predicates"]);
    assert_ne!(from_predicates["nonce"], from_text["nonce"], "fresh nonces");
}

#[test]
fn bad_request_options_are_refused_with_their_code() {
    let (bank, court) = (bank(), court());
    let options = |verifier: &str, policy: &str| {
        json!({
            "verifier_id": verifier,
            "date": "2027-03-01",
            "policy": policy,
            "trusted": [parsed(&bank.descriptor()), parsed(&court.descriptor())],
        })
        .to_string()
    };
    let code = |o: &str| create_request(o).unwrap_err().code;
    assert_eq!(code("{"), Code::Json);
    assert_eq!(code("[]"), Code::Decode);
    assert_eq!(code(r#"{"verifier_id": 5}"#), Code::Decode);
    assert_eq!(
        code(&options("consulate.example", "bank.x >= 1")),
        Code::Policy
    );
    assert_eq!(
        code(&options("consulate.example", "social.x >= 1")),
        Code::Policy
    );
    assert_eq!(code(&options("consulate.example", ">=")), Code::Policy);
    assert_eq!(code(&options("Consulate.Example", POLICY)), Code::Policy);
    let e = create_request(&options("consulate.example", "bank.liquidity_eur >=")).unwrap_err();
    assert_eq!(e.position, Some(22));
}

#[test]
fn a_wallet_proves_and_the_presentation_verifies() {
    let (bank, court) = (bank(), court());
    let wallet = stocked(&bank, &court, 2);
    let listing = parsed(&wallet_list(&wallet).unwrap());
    assert_eq!(listing["credentials"][0]["unused"], 2);
    assert_eq!(listing["pending"].as_array().unwrap().len(), 0);

    let request = consulate(&bank, &court, POLICY);
    let consent = parsed(&wallet_consent(&wallet, &request).unwrap());
    assert_eq!(consent["verifier"], "consulate.example");
    assert_eq!(consent["refused"], false);
    assert_eq!(
        consent["categories"],
        json!(["financial", "judicial", "validity"])
    );
    assert!(consent["text"]
        .as_str()
        .unwrap()
        .contains("It will learn that"));

    let proven = wallet_prove(&wallet, &request, None).unwrap();
    let verdict = parsed(&verify(&request, &proven.value, None).unwrap());
    assert_eq!(verdict["satisfied"], true, "{verdict}");

    let trust = format!("[{}, {}]", bank.descriptor(), court.descriptor());
    let verdict = parsed(&verify(&request, &proven.value, Some(&trust)).unwrap());
    assert_eq!(verdict["satisfied"], true, "{verdict}");

    // The bank's key retired from the trust list.
    let other = Rater {
        schema: bank.schema.clone(),
        key: RaterSigningKey::generate(&mut rand_core::OsRng),
    };
    let trust = format!("[{}, {}]", other.descriptor(), court.descriptor());
    let verdict = parsed(&verify(&request, &proven.value, Some(&trust)).unwrap());
    assert_eq!(verdict["rejection"]["reason"], "retired_key", "{verdict}");

    // The new wallet has spent one of each; the old one is the caller's to drop.
    let listing = parsed(&wallet_list(&proven.wallet).unwrap());
    assert_eq!(listing["credentials"][0]["used"], 1);
    assert_eq!(
        listing["disclosures"]["consulate.example"][0]["purpose"],
        "visa fast track"
    );

    // Another request spends the second credential of each, then none are left.
    let again = wallet_prove(&proven.wallet, &consulate(&bank, &court, POLICY), None).unwrap();
    let e = wallet_prove(&again.wallet, &consulate(&bank, &court, POLICY), None).unwrap_err();
    assert_eq!((e.code, e.reason), (Code::Wallet, Some("all_used")));
}

#[test]
fn a_presentation_for_another_request_or_tampered_is_not_satisfied() {
    let (bank, court) = (bank(), court());
    let wallet = stocked(&bank, &court, 1);
    let request = consulate(&bank, &court, POLICY);
    let proven = wallet_prove(&wallet, &request, None).unwrap();

    let other = consulate(&bank, &court, POLICY);
    let verdict = parsed(&verify(&other, &proven.value, None).unwrap());
    assert_eq!(verdict["rejection"]["reason"], "request_mismatch");

    let text: String = serde_json::from_str(&proven.value).unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
    // A byte in the last proof: the presentation decodes, the proof fails.
    let n = bytes.len();
    bytes[n - 40] ^= 1;
    let tampered = serde_json::to_string(&URL_SAFE_NO_PAD.encode(&bytes)).unwrap();
    match verify(&request, &tampered, None) {
        Ok(v) => assert_eq!(parsed(&v)["satisfied"], false),
        Err(e) => assert_eq!(e.code, Code::Decode),
    }
    // The version byte: the presentation does not decode.
    bytes[0] = 9;
    let tampered = serde_json::to_string(&URL_SAFE_NO_PAD.encode(&bytes)).unwrap();
    let e = verify(&request, &tampered, None).unwrap_err();
    assert_eq!(e.code, Code::Decode);
    assert!(e.message.contains("version"), "{}", e.message);

    for (bad, code) in [
        ("", Code::Json),
        ("\"AQ", Code::Json),
        ("5", Code::Decode),
        ("\"!!\"", Code::Decode),
        ("{}", Code::Decode),
    ] {
        assert_eq!(verify(&request, bad, None).unwrap_err().code, code, "{bad}");
        assert_eq!(verify(bad, &proven.value, None).unwrap_err().code, code);
    }
    let e = verify(&request, &proven.value, Some("{}")).unwrap_err();
    assert_eq!(e.code, Code::Decode);
}

#[test]
fn the_wallet_refuses_what_it_cannot_or_will_not_prove() {
    let (bank, court) = (bank(), court());
    let wallet = stocked(&bank, &court, 3);
    let poor = consulate(&bank, &court, "bank.liquidity_eur >= 50000");
    let e = wallet_prove(&wallet, &poor, None).unwrap_err();
    assert_eq!(
        (e.code, e.reason),
        (Code::Wallet, Some("predicate_not_met"))
    );

    let guarded = wallet_configure(
        &wallet,
        r#"{"min_intervals": {"bank.liquidity_eur": 5000}}"#,
    )
    .unwrap();
    assert_eq!(
        parsed(&wallet_list(&guarded).unwrap())["min_intervals"]["bank.liquidity_eur"],
        5000
    );
    let probe = consulate(&bank, &court, "10000 <= bank.liquidity_eur <= 12000");
    let consent = parsed(&wallet_consent(&guarded, &probe).unwrap());
    assert_eq!(consent["refused"], true, "{consent}");
    let e = wallet_prove(&guarded, &probe, None).unwrap_err();
    assert_eq!((e.code, e.reason), (Code::Wallet, Some("narrowing")));
    // The holder's override.
    let proven = wallet_prove(&guarded, &probe, Some(r#"{"allow_narrowing": true}"#)).unwrap();
    assert_eq!(
        parsed(&verify(&probe, &proven.value, None).unwrap())["satisfied"],
        true
    );
    let e = wallet_prove(&guarded, &probe, Some(r#"{"allow_narrowing": 1}"#)).unwrap_err();
    assert_eq!(e.code, Code::Decode);
    let e = wallet_create(Some(r#"{"min_intervals": {"liquidity": 5}}"#)).unwrap_err();
    assert_eq!(e.code, Code::Decode);
}

#[test]
fn credentials_for_another_wallet_or_request_are_refused() {
    let (bank, court) = (bank(), court());
    let mine = wallet_create(None).unwrap();
    let theirs = wallet_create(None).unwrap();
    let r = wallet_request_issuance(&theirs, &bank.descriptor()).unwrap();
    let issued = bank.issue(
        &r.value,
        &[("liquidity_eur", 1), ("valid_until", until())],
        1,
    );
    let e = wallet_add_credentials(&mine, &issued).unwrap_err();
    assert_eq!(
        (e.code, e.reason),
        (Code::Wallet, Some("no_pending_request"))
    );

    let e = wallet_add_credentials(&mine, "{").unwrap_err();
    assert_eq!(e.code, Code::Json);
    let e = wallet_add_credentials(&mine, r#"{"format": "x"}"#).unwrap_err();
    assert_eq!(e.code, Code::Decode);
    let e =
        wallet_request_issuance(&mine, &court.descriptor().replace("court", "c ourt")).unwrap_err();
    assert_eq!(e.code, Code::Decode);
}

#[test]
fn a_damaged_wallet_is_refused_without_quoting_its_secrets() {
    let (bank, court) = (bank(), court());
    let wallet = stocked(&bank, &court, 1);
    let v = parsed(&wallet);
    let secret = v["link_secret"].as_str().unwrap().to_owned();
    let credential = v["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut broken = v.clone();
    broken["link_secret"] = json!(format!("{secret}!"));
    let mut swapped = v.clone();
    swapped["link_secret"] = json!(5);
    let mut short = v.clone();
    short["credentials"][0]["credential"] = json!(&credential[..credential.len() - 4]);
    for bad in [broken, swapped, short] {
        let e = wallet_list(&bad.to_string()).unwrap_err();
        assert_eq!((e.code, e.reason), (Code::Wallet, Some("format")));
        for shown in [e.message.clone(), format!("{e:?}"), e.to_string()] {
            assert!(!shown.contains(&secret[..16]), "{shown}");
            assert!(!shown.contains(&credential[..16]), "{shown}");
        }
    }
    let e = wallet_list(&wallet[..wallet.len() / 2]).unwrap_err();
    assert_eq!(e.code, Code::Json);
    assert!(!e.message.contains(&secret[..16]));
    assert_eq!(wallet_list("[]").unwrap_err().code, Code::Wallet);
    // Valid JSON text, but the wrong one.
    let request = consulate(&bank, &court, POLICY);
    assert_eq!(
        wallet_prove(&request, &request, None).unwrap_err().code,
        Code::Wallet
    );
}

#[test]
fn a_wallet_survives_its_json_unchanged() {
    let (bank, court) = (bank(), court());
    let wallet = stocked(&bank, &court, 2);
    let again = wallet_configure(&wallet, "{}").unwrap();
    assert_eq!(*again, *wallet);
}

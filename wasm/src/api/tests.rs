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
    create_request(&options, &[], now()).unwrap()
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
    let from_predicates = parsed(&create_request(&options.to_string(), &[], now()).unwrap());
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
    let code = |o: &str| create_request(o, &[], now()).unwrap_err().code;
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
    let e = create_request(
        &options("consulate.example", "bank.liquidity_eur >="),
        &[],
        now(),
    )
    .unwrap_err();
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
    let consent = parsed(&wallet_consent(&wallet, &request, &[]).unwrap());
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

    let proven = wallet_prove(&wallet, &request, None, &[]).unwrap();
    let verdict = parsed(&verify(&request, &proven.value, None, &[]).unwrap());
    assert_eq!(verdict["satisfied"], true, "{verdict}");

    let trust = format!("[{}, {}]", bank.descriptor(), court.descriptor());
    let verdict = parsed(&verify(&request, &proven.value, Some(&trust), &[]).unwrap());
    assert_eq!(verdict["satisfied"], true, "{verdict}");

    // The bank's key retired from the trust list.
    let other = Rater {
        schema: bank.schema.clone(),
        key: RaterSigningKey::generate(&mut rand_core::OsRng),
    };
    let trust = format!("[{}, {}]", other.descriptor(), court.descriptor());
    let verdict = parsed(&verify(&request, &proven.value, Some(&trust), &[]).unwrap());
    assert_eq!(verdict["rejection"]["reason"], "retired_key", "{verdict}");

    // The new wallet has spent one of each; the old one is the caller's to drop.
    let listing = parsed(&wallet_list(&proven.wallet).unwrap());
    assert_eq!(listing["credentials"][0]["used"], 1);
    assert_eq!(
        listing["disclosures"]["consulate.example"][0]["purpose"],
        "visa fast track"
    );

    // Another request spends the second credential of each, then none are left.
    let again = wallet_prove(&proven.wallet, &consulate(&bank, &court, POLICY), None, &[]).unwrap();
    let e = wallet_prove(&again.wallet, &consulate(&bank, &court, POLICY), None, &[]).unwrap_err();
    assert_eq!((e.code, e.reason), (Code::Wallet, Some("all_used")));
}

#[test]
fn a_presentation_for_another_request_or_tampered_is_not_satisfied() {
    let (bank, court) = (bank(), court());
    let wallet = stocked(&bank, &court, 1);
    let request = consulate(&bank, &court, POLICY);
    let proven = wallet_prove(&wallet, &request, None, &[]).unwrap();

    let other = consulate(&bank, &court, POLICY);
    let verdict = parsed(&verify(&other, &proven.value, None, &[]).unwrap());
    assert_eq!(verdict["rejection"]["reason"], "request_mismatch");

    let text: String = serde_json::from_str(&proven.value).unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
    // A byte in the last proof: the presentation decodes, the proof fails.
    let n = bytes.len();
    bytes[n - 40] ^= 1;
    let tampered = serde_json::to_string(&URL_SAFE_NO_PAD.encode(&bytes)).unwrap();
    match verify(&request, &tampered, None, &[]) {
        Ok(v) => assert_eq!(parsed(&v)["satisfied"], false),
        Err(e) => assert_eq!(e.code, Code::Decode),
    }
    // The version byte: the presentation does not decode.
    bytes[0] = 9;
    let tampered = serde_json::to_string(&URL_SAFE_NO_PAD.encode(&bytes)).unwrap();
    let e = verify(&request, &tampered, None, &[]).unwrap_err();
    assert_eq!(e.code, Code::Decode);
    assert!(e.message.contains("version"), "{}", e.message);

    for (bad, code) in [
        ("", Code::Json),
        ("\"AQ", Code::Json),
        ("5", Code::Decode),
        ("\"!!\"", Code::Decode),
        ("{}", Code::Decode),
    ] {
        assert_eq!(
            verify(&request, bad, None, &[]).unwrap_err().code,
            code,
            "{bad}"
        );
        assert_eq!(
            verify(bad, &proven.value, None, &[]).unwrap_err().code,
            code
        );
    }
    let e = verify(&request, &proven.value, Some("{}"), &[]).unwrap_err();
    assert_eq!(e.code, Code::Decode);
}

#[test]
fn the_wallet_refuses_what_it_cannot_or_will_not_prove() {
    let (bank, court) = (bank(), court());
    let wallet = stocked(&bank, &court, 3);
    let poor = consulate(&bank, &court, "bank.liquidity_eur >= 50000");
    let e = wallet_prove(&wallet, &poor, None, &[]).unwrap_err();
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
    let consent = parsed(&wallet_consent(&guarded, &probe, &[]).unwrap());
    assert_eq!(consent["refused"], true, "{consent}");
    let e = wallet_prove(&guarded, &probe, None, &[]).unwrap_err();
    assert_eq!((e.code, e.reason), (Code::Wallet, Some("narrowing")));
    // The holder's override.
    let proven = wallet_prove(&guarded, &probe, Some(r#"{"allow_narrowing": true}"#), &[]).unwrap();
    assert_eq!(
        parsed(&verify(&probe, &proven.value, None, &[]).unwrap())["satisfied"],
        true
    );
    let e = wallet_prove(&guarded, &probe, Some(r#"{"allow_narrowing": 1}"#), &[]).unwrap_err();
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
        wallet_prove(&request, &request, None, &[])
            .unwrap_err()
            .code,
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

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

mod anonymous {
    //! The anonymous mode: epoch lists as bytes.

    use credence::epoch::{EpochList, EpochWindow};
    use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};

    use super::*;

    const DAY: u64 = 86_400;

    /// A wallet with `count` bank and court credentials, and the court's
    /// issued-credentials JSON.
    fn stocked_with_court(bank: &Rater, court: &Rater, count: usize) -> (String, String) {
        let wallet = wallet_create(None).unwrap();
        let r = wallet_request_issuance(&wallet, &bank.descriptor()).unwrap();
        let issued = bank.issue(
            &r.value,
            &[("liquidity_eur", 12_000), ("valid_until", until())],
            count,
        );
        let wallet = wallet_add_credentials(&r.wallet, &issued).unwrap().wallet;
        let r = wallet_request_issuance(&wallet, &court.descriptor()).unwrap();
        let issued = court.issue(
            &r.value,
            &[("outstanding_defaults", 0), ("valid_until", until())],
            count,
        );
        let wallet = wallet_add_credentials(&r.wallet, &issued).unwrap().wallet;
        ((*wallet).clone(), issued)
    }

    fn digests(issued: &str) -> Vec<CompressedRistretto> {
        IssuedCredentialsFile::from_json(issued.as_bytes(), std::path::Path::new("issued"))
            .unwrap()
            .credentials
            .iter()
            .map(|c| *c.digest().unwrap().point())
            .collect()
    }

    /// `rater`'s list for `epoch` of `listed` and `crowd` random digests,
    /// current from `start` for two days.
    fn list_at(
        rater: &Rater,
        epoch: u64,
        listed: &[CompressedRistretto],
        crowd: usize,
        start: u64,
    ) -> Vec<u8> {
        let mut all: Vec<CompressedRistretto> = (0..crowd)
            .map(|_| RistrettoPoint::random(&mut rand_core::OsRng).compress())
            .collect();
        all.extend_from_slice(listed);
        let window = EpochWindow {
            epoch,
            not_before: start,
            not_after: start + 2 * DAY,
        };
        EpochList::sign(&rater.key, &rater.schema, window, 4, &all)
            .unwrap()
            .to_bytes()
    }

    fn list(rater: &Rater, epoch: u64, listed: &[CompressedRistretto], crowd: usize) -> Vec<u8> {
        list_at(rater, epoch, listed, crowd, now() - DAY)
    }

    fn options(bank: &Rater, court: &Rater, extra: &str) -> String {
        format!(
            r#"{{"verifier_id": "consulate.example", "date": "2027-03-01",
                "policy": {}, "trusted": [{}, {}]{extra}}}"#,
            serde_json::to_string(POLICY).unwrap(),
            bank.descriptor(),
            court.descriptor()
        )
    }

    fn anonymous_request(bank: &Rater, court: &Rater, lists: &[Vec<u8>]) -> String {
        let o = options(
            bank,
            court,
            r#", "anonymous": ["court"], "pseudonym": true"#,
        );
        create_request(&o, lists, now()).unwrap()
    }

    fn small_lists(wallet: &str) -> String {
        (*wallet_configure(wallet, r#"{"min_list_size": 8}"#).unwrap()).clone()
    }

    #[test]
    fn a_court_shown_anonymously_proves_and_verifies_with_its_list() {
        let (bank, court) = (bank(), court());
        let (wallet, issued) = stocked_with_court(&bank, &court, 1);
        let wallet = small_lists(&wallet);
        assert_eq!(parsed(&wallet_list(&wallet).unwrap())["min_list_size"], 8);
        let list = list(&court, 1, &digests(&issued), 20);
        let info = parsed(&epoch_list_info(&list).unwrap());
        assert_eq!(info["count"], 21);
        assert_eq!(info["epoch"], 1);
        assert_eq!(info["key_id"], court.key.public_key().key_id().to_string());
        let lists = [list];

        let request = anonymous_request(&bank, &court, &lists);
        let r = parsed(&request);
        assert_eq!(r["pseudonym"], true);
        assert_eq!(r["trusted"][1]["lists"], json!([info["digest"]]));
        assert!(r["trusted"][0].get("lists").is_none());

        let consent = parsed(&wallet_consent(&wallet, &request, &lists).unwrap());
        assert_eq!(
            consent["anonymous"],
            json!([{"schema": "court", "list_size": 21, "too_small": false}])
        );
        assert_eq!(consent["pseudonym"], true);
        assert_eq!(
            consent["credentials"],
            json!([{"schema": "bank", "unused": 1}])
        );
        assert!(consent["text"].as_str().unwrap().contains("one of 21"));
        let blind = parsed(&wallet_consent(&wallet, &request, &[]).unwrap());
        assert_eq!(blind["anonymous"][0]["list_size"], Value::Null);

        let proven = wallet_prove(&wallet, &request, None, &lists).unwrap();
        let verdict = parsed(&verify(&request, &proven.value, None, &lists).unwrap());
        assert_eq!(verdict["satisfied"], true, "{verdict}");
        let pseudonym = verdict["pseudonym"].as_str().unwrap().to_owned();
        assert_eq!(URL_SAFE_NO_PAD.decode(&pseudonym).unwrap().len(), 32);
        let trust = format!("[{}, {}]", bank.descriptor(), court.descriptor());
        let with_trust = parsed(&verify(&request, &proven.value, Some(&trust), &lists).unwrap());
        assert_eq!(with_trust, verdict);
        // Without the list the verifier cannot check the court's part.
        let blind = parsed(&verify(&request, &proven.value, None, &[]).unwrap());
        assert_eq!(blind["satisfied"], false);
        assert_eq!(blind["rejection"]["reason"], "list_unavailable");

        // The court credential is not spent; the bank's is. The next
        // presentation (with a new bank credential) has the same pseudonym.
        let listing = parsed(&wallet_list(&proven.wallet).unwrap());
        let used: Vec<(Value, Value)> = listing["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["schema"].clone(), c["used"].clone()))
            .collect();
        assert_eq!(
            used,
            [(json!("bank"), json!(1)), (json!("court"), json!(0))]
        );
        let e = wallet_prove(&proven.wallet, &request, None, &lists).unwrap_err();
        assert_eq!(e.reason, Some("all_used"));
    }

    #[test]
    fn the_same_holder_has_one_pseudonym_per_verifier() {
        let (bank, court) = (bank(), court());
        let (wallet, issued) = stocked_with_court(&bank, &court, 2);
        let wallet = small_lists(&wallet);
        let lists = [list(&court, 1, &digests(&issued), 10)];
        let request = anonymous_request(&bank, &court, &lists);
        let first = wallet_prove(&wallet, &request, None, &lists).unwrap();
        let again = anonymous_request(&bank, &court, &lists);
        let second = wallet_prove(&first.wallet, &again, None, &lists).unwrap();
        let p1 = parsed(&verify(&request, &first.value, None, &lists).unwrap());
        let p2 = parsed(&verify(&again, &second.value, None, &lists).unwrap());
        assert_eq!(p1["satisfied"], true);
        assert_eq!(p2["satisfied"], true);
        assert_eq!(p1["pseudonym"], p2["pseudonym"]);
        assert_ne!(first.value, second.value);
    }

    #[test]
    fn lists_that_do_not_decode_or_are_not_trusted_are_refused() {
        let (bank, court) = (bank(), court());
        let (wallet, issued) = stocked_with_court(&bank, &court, 1);
        let wallet = small_lists(&wallet);
        let good = list(&court, 1, &digests(&issued), 10);
        let request = anonymous_request(&bank, &court, std::slice::from_ref(&good));
        let proven = wallet_prove(&wallet, &request, None, std::slice::from_ref(&good)).unwrap();
        let trust = format!("[{}, {}]", bank.descriptor(), court.descriptor());

        // The signature changed: refused everywhere, with code `list`.
        let mut forged = good.clone();
        *forged.last_mut().unwrap() ^= 1;
        let forged = [forged];
        for e in [
            verify(&request, &proven.value, None, &forged).unwrap_err(),
            verify(&request, &proven.value, Some(&trust), &forged).unwrap_err(),
            create_request(&options(&bank, &court, ""), &forged, now()).unwrap_err(),
            wallet_prove(&wallet, &request, None, &forged).unwrap_err(),
            wallet_consent(&wallet, &request, &forged).unwrap_err(),
        ] {
            assert_eq!(e.code, Code::List, "{e}");
            assert!(e.message.starts_with("epoch list 1 (rater key "), "{e}");
            assert!(e.message.contains("signature does not verify"), "{e}");
        }

        // Another court key: not trusted, and not the wallet's rater.
        let other = super::court();
        let stranger = [good.clone(), list(&other, 1, &digests(&issued), 10)];
        for e in [
            verify(&request, &proven.value, None, &stranger).unwrap_err(),
            verify(&request, &proven.value, Some(&trust), &stranger).unwrap_err(),
            create_request(&options(&bank, &court, ""), &stranger, now()).unwrap_err(),
            wallet_prove(&wallet, &request, None, &stranger).unwrap_err(),
        ] {
            assert_eq!(e.code, Code::List, "{e}");
            assert!(e.message.starts_with("epoch list 2 "), "{e}");
        }
        // A trust list without the court refuses its list.
        let e = verify(
            &request,
            &proven.value,
            Some(&format!("[{}]", bank.descriptor())),
            std::slice::from_ref(&good),
        )
        .unwrap_err();
        assert_eq!(e.code, Code::List);
        assert!(e.message.contains(lists::UNTRUSTED), "{e}");

        // Not an epoch list.
        for bad in [
            vec![],
            vec![1, 2, 3],
            good[..good.len() - 1].to_vec(),
            proven.value.clone().into_bytes(),
        ] {
            let e = verify(&request, &proven.value, None, std::slice::from_ref(&bad)).unwrap_err();
            assert_eq!(e.code, Code::Decode, "{e}");
            assert!(e.message.starts_with("epoch list 1: "), "{e}");
            assert_eq!(epoch_list_info(&bad).unwrap_err().code, Code::Decode);
        }
        let e = lists::from_base64url(0, "not base64!").unwrap_err();
        assert_eq!(e.code, Code::Decode);
        assert_eq!(
            lists::from_base64url(0, &URL_SAFE_NO_PAD.encode(&good)).unwrap(),
            good
        );
        let many = vec![good.clone(); lists::MAX_LISTS + 1];
        assert_eq!(
            verify(&request, &proven.value, None, &many)
                .unwrap_err()
                .code,
            Code::Argument
        );

        // Still works.
        let verdict = parsed(&verify(&request, &proven.value, None, &[good]).unwrap());
        assert_eq!(verdict["satisfied"], true);
    }

    #[test]
    fn the_wallet_refuses_small_lists_revoked_credentials_and_missing_lists() {
        let (bank, court) = (bank(), court());
        let (wallet, issued) = stocked_with_court(&bank, &court, 1);
        let listed = list(&court, 1, &digests(&issued), 20);
        let request = anonymous_request(&bank, &court, std::slice::from_ref(&listed));

        // The default minimum is 1024.
        let consent =
            parsed(&wallet_consent(&wallet, &request, std::slice::from_ref(&listed)).unwrap());
        assert_eq!(consent["min_list_size"], 1024);
        assert_eq!(consent["anonymous"][0]["too_small"], true);
        let e = wallet_prove(&wallet, &request, None, std::slice::from_ref(&listed)).unwrap_err();
        assert_eq!((e.code, e.reason), (Code::Wallet, Some("small_list")));
        assert!(e.message.contains("21 credentials"), "{e}");

        let wallet = small_lists(&wallet);
        // Without the list.
        let e = wallet_prove(&wallet, &request, None, &[]).unwrap_err();
        assert_eq!(e.reason, Some("list_unavailable"));
        // Revoked: the next epoch leaves the credential out.
        let revoked = list(&court, 2, &[], 20);
        let request2 = anonymous_request(&bank, &court, std::slice::from_ref(&revoked));
        let e = wallet_prove(&wallet, &request2, None, &[revoked]).unwrap_err();
        assert_eq!((e.code, e.reason), (Code::Wallet, Some("not_listed")));
        assert!(e.message.contains("revoked"), "{e}");
        // A second list for epoch 1, after the first was seen: refused.
        let proven = wallet_prove(&wallet, &request, None, &[listed]).unwrap();
        let split = list(&court, 1, &digests(&issued), 30);
        let request3 = anonymous_request(&bank, &court, std::slice::from_ref(&split));
        let e = wallet_prove(&proven.wallet, &request3, None, &[split]).unwrap_err();
        assert_eq!(e.reason, Some("list_split"));
    }

    #[test]
    fn anonymous_requests_need_a_current_list_of_a_named_schema() {
        let (bank, court) = (bank(), court());
        let (_, issued) = stocked_with_court(&bank, &court, 1);
        let anon = r#", "anonymous": ["court"]"#;
        let e = create_request(&options(&bank, &court, anon), &[], now()).unwrap_err();
        assert_eq!(e.code, Code::Policy);
        assert!(
            e.message.contains("no current epoch list of `court`"),
            "{e}"
        );
        let old = list_at(&court, 1, &digests(&issued), 5, now() - 10 * DAY);
        let e = create_request(
            &options(&bank, &court, anon),
            std::slice::from_ref(&old),
            now(),
        )
        .unwrap_err();
        assert_eq!(e.code, Code::Policy);
        let o = options(&bank, &court, r#", "anonymous": ["social"]"#);
        let e = create_request(&o, &[], now()).unwrap_err();
        assert_eq!(e.code, Code::Policy);
        assert!(e.message.contains("`social`"), "{e}");

        // Of several current lists, up to four are named, newest first; a
        // list of a schema asked in the fast mode is not named.
        let lists: Vec<Vec<u8>> = (1..=5)
            .map(|epoch| list(&court, epoch, &digests(&issued), 5))
            .chain([old])
            .collect();
        let digest = |l: &Vec<u8>| parsed(&epoch_list_info(l).unwrap())["digest"].clone();
        let r = parsed(&create_request(&options(&bank, &court, anon), &lists, now()).unwrap());
        let named: Vec<Value> = [4, 3, 2, 1].iter().map(|&i| digest(&lists[i])).collect();
        assert_eq!(r["trusted"][1]["lists"], Value::Array(named));
        assert!(r.get("pseudonym").is_none() || r["pseudonym"] == false);
        let fast = parsed(&create_request(&options(&bank, &court, ""), &lists, now()).unwrap());
        assert!(fast["trusted"][1].get("lists").is_none());
    }
}

//! The verifier's commands. The state directory is the library's directory
//! nonce store (spec/wallet.md §8): the verifier checks only requests it
//! issued, unaltered, and accepts each once; a rejected presentation does not
//! spend a request, rejections are capped, requests expire, keys and schemas
//! are checked against the current trust list, and processes racing on one
//! request accept it once. Also: verifier ids, the default reference date.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{
    check_line, fails_cleanly_line, prove_line, request_line, stdout_json, Scratch, BANK_SCHEMA_V2,
};

#[test]
fn the_verifier_checks_only_its_own_requests_once() {
    let s = Scratch::with_request();
    s.ok_line(&prove_line("visa.req.json", "p.json"), None);
    // A request issued by another verifier state.
    s.ok_line(
        &request_line("elsewhere", "bank.liquidity_eur >= 5000"),
        Some("other.req.json"),
    );
    let e = fails_cleanly_line(&s, 2, &check_line("trust.json", "other.req.json", "p.json"));
    assert!(e.contains("was not issued by"), "{e}");
    // The request altered after it was issued (same nonce, lower threshold).
    let req = s.read_to_string("visa.req.json");
    let altered = req.replace("\"min\": 5000", "\"min\": 50");
    assert_ne!(altered, req);
    s.write("altered.req.json", altered.as_bytes());
    let e = fails_cleanly_line(
        &s,
        2,
        &check_line("trust.json", "altered.req.json", "p.json"),
    );
    assert!(e.contains("differs from the request"), "{e}");

    // A presentation made for another request does not satisfy this one.
    s.ok_line(&prove_line("other.req.json", "q.json"), None);
    let check_elsewhere = |presentation: &str| {
        s.run_line(&format!(
            "verifier check --state elsewhere --trust trust.json other.req.json {presentation}"
        ))
    };
    let out = check_elsewhere("p.json");
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["rejection"]["reason"], "request_mismatch");
    // A rejected presentation does not spend the nonce (spec/wallet.md §8):
    // the right presentation is still accepted, once; then it is a replay.
    let out = check_elsewhere("q.json");
    assert_eq!(out.status.code(), Some(0));
    let out = check_elsewhere("q.json");
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["rejection"]["reason"], "replayed");

    // A rater key dropped from the trust list is no longer accepted.
    s.trust("court-only.json", &["court"]);
    let out = s.run_line(&check_line("court-only.json", "visa.req.json", "p.json"));
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["rejection"]["reason"], "retired_key");
}

#[test]
fn config_and_default_date() {
    let s = Scratch::with_request();
    let out = s.run_line("wallet config --wallet mei.wallet --min-interval bank.liquidity_eur=100");
    assert!(out.status.success());
    let v = stdout_json(&out);
    assert_eq!(v["min_intervals"]["bank.liquidity_eur"], 100);
    let out = s.run_line("wallet config --wallet mei.wallet --min-interval bank.liquidity_eur=0");
    let v = stdout_json(&out);
    assert_eq!(v["min_intervals"], serde_json::json!({}));

    // Without --date the reference date is today (UTC).
    let out = s.run_line(
        "verifier request --state consulate --trust trust.json --verifier-id v \
         --policy 'bank.liquidity_eur >= 1'",
    );
    assert!(out.status.success());
    let v = stdout_json(&out);
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    let date = v["date"].as_str().unwrap();
    let today = credence::Date::from_days(days).unwrap().to_string();
    let yesterday = credence::Date::from_days(days - 1).unwrap().to_string();
    assert!(date == today || date == yesterday, "{date}");
    // The request was recorded under its nonce.
    let requests = std::fs::read_dir(s.path("consulate/requests"))
        .unwrap()
        .count();
    assert_eq!(requests, 2);
}

/// `verifier request` into state `consulate`, with `extra` arguments, printed
/// to `out`.
fn request(s: &Scratch, policy: &str, out: &str, extra: &str) {
    s.ok_line(
        &format!("{} {extra}", request_line("consulate", policy)),
        Some(out),
    );
}

/// `verifier check`: the exit code and the verdict's rejection reason.
fn check_with(s: &Scratch, trust: &str, request: &str, presentation: &str) -> (i32, String) {
    let out = s.run_line(&check_line(trust, request, presentation));
    let code = out.status.code().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["satisfied"], code == 0, "{v}");
    let reason = v["rejection"]["reason"].as_str().unwrap_or("").to_owned();
    (code, reason)
}

fn check(s: &Scratch, request: &str, presentation: &str) -> (i32, String) {
    check_with(s, "trust.json", request, presentation)
}

/// The state's record of `request`, and the prefix of its attempt slots.
fn record_of(s: &Scratch, request: &str) -> (PathBuf, serde_json::Value) {
    let req: serde_json::Value = serde_json::from_str(&s.read_to_string(request)).unwrap();
    let nonce = req["nonce"].as_str().unwrap().to_owned();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(nonce)
        .unwrap();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let file = s.path("consulate/requests").join(format!("{hex}.json"));
    let record = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (s.path("consulate/attempts").join(hex), record)
}

/// The consulate's bank request `visa.req.json`, answered in `visa.pres.json`.
fn visa_answered(s: &Scratch) {
    request(s, "bank.liquidity_eur >= 5000", "visa.req.json", "");
    s.ok_line(&prove_line("visa.req.json", "visa.pres.json"), None);
}

fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

#[test]
fn a_rejected_presentation_does_not_spend_the_request() {
    let s = Scratch::stocked();
    visa_answered(&s);
    request(&s, "court.outstanding_defaults == 0", "other.req.json", "");
    s.ok_line(&prove_line("other.req.json", "other.pres.json"), None);
    // Someone who saw the request answers it with another presentation.
    assert_eq!(
        check(&s, "visa.req.json", "other.pres.json"),
        (1, "request_mismatch".into())
    );
    assert_eq!(
        check(&s, "visa.req.json", "visa.pres.json"),
        (0, String::new())
    );
    assert_eq!(
        check(&s, "visa.req.json", "visa.pres.json"),
        (1, "replayed".into())
    );
    let (attempts, record) = record_of(&s, "visa.req.json");
    assert_eq!(record["format"], "credence-verifier-request");
    let slot = |k: u32| std::fs::read_to_string(format!("{}.{k}", attempts.display())).ok();
    assert_eq!(slot(0).as_deref(), Some("rejected\n"));
    assert_eq!(slot(1).as_deref(), Some("satisfied\n"));
    assert_eq!(slot(2), None);
}

#[test]
fn five_rejections_close_the_request() {
    let s = Scratch::stocked();
    request(&s, "bank.liquidity_eur >= 5000", "visa.req.json", "");
    request(&s, "court.outstanding_defaults == 0", "other.req.json", "");
    s.ok_line(&prove_line("other.req.json", "other.pres.json"), None);
    for _ in 0..5 {
        assert_eq!(
            check(&s, "visa.req.json", "other.pres.json"),
            (1, "request_mismatch".into())
        );
    }
    s.ok_line(&prove_line("visa.req.json", "visa.pres.json"), None);
    let out = s.run_line(&check_line("trust.json", "visa.req.json", "visa.pres.json"));
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["rejection"], serde_json::json!({"reason": "closed"}));
    assert_eq!(v["disclosed"], serde_json::json!([]));
    assert_eq!(v["statements"].as_array().unwrap().len(), 2);
}

#[test]
fn requests_expire_after_their_lifetime() {
    let s = Scratch::stocked();
    request(
        &s,
        "bank.liquidity_eur >= 5000",
        "long.req.json",
        "--lifetime 1234",
    );
    let (_, record) = record_of(&s, "long.req.json");
    let issued = record["issued_at"].as_u64().unwrap();
    assert_eq!(record["expires_at"].as_u64().unwrap() - issued, 1234);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(issued <= now && now - issued < 600, "{issued} {now}");

    request(
        &s,
        "bank.liquidity_eur >= 5000",
        "short.req.json",
        "--lifetime 0",
    );
    s.ok_line(&prove_line("short.req.json", "short.pres.json"), None);
    assert_eq!(
        check(&s, "short.req.json", "short.pres.json"),
        (1, "expired".into())
    );
    // The default lifetime is 10 minutes.
    request(&s, "bank.liquidity_eur >= 5000", "visa.req.json", "");
    let (_, record) = record_of(&s, "visa.req.json");
    assert_eq!(
        record["expires_at"].as_u64().unwrap() - record["issued_at"].as_u64().unwrap(),
        600
    );
}

#[test]
fn retired_keys_and_changed_schemas_are_refused() {
    let s = Scratch::stocked();
    visa_answered(&s);
    // The bank publishes version 2 of its schema under the same id and key.
    s.write("bank2.schema.json", BANK_SCHEMA_V2.as_bytes());
    let key =
        serde_json::from_str::<serde_json::Value>(&s.read_to_string("bank.pub.json")).unwrap();
    let mut v2 = key.clone();
    v2["schema"] = serde_json::from_str(BANK_SCHEMA_V2).unwrap();
    s.write("trust-v2.json", format!("[{v2}]").as_bytes());
    assert_eq!(
        check_with(&s, "trust-v2.json", "visa.req.json", "visa.pres.json"),
        (1, "schema_changed".into())
    );
    s.trust("trust-court.json", &["court"]);
    assert_eq!(
        check_with(&s, "trust-court.json", "visa.req.json", "visa.pres.json"),
        (1, "retired_key".into())
    );
    // Neither spent the request.
    assert_eq!(
        check(&s, "visa.req.json", "visa.pres.json"),
        (0, String::new())
    );
}

#[test]
fn processes_racing_on_one_request_accept_it_once() {
    const PROCESSES: usize = 6;
    let s = Scratch::stocked();
    visa_answered(&s);
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| s.spawn_line(&check_line("trust.json", "visa.req.json", "visa.pres.json")))
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let codes: Vec<i32> = outs.iter().map(|o| o.status.code().unwrap()).collect();
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 1, "{codes:?}");
    for o in outs.iter().filter(|o| o.status.code() != Some(0)) {
        let v = stdout_json(o);
        assert_eq!(v["rejection"]["reason"], "replayed");
    }
    let (attempts, _) = record_of(&s, "visa.req.json");
    assert!(exists(Path::new(&format!("{}.0", attempts.display()))));
    assert!(!exists(Path::new(&format!("{}.1", attempts.display()))));
}

#[test]
fn verifier_ids_are_normalised() {
    let s = Scratch::stocked();
    for id in [
        "Consulate.example",
        "consulate\u{200b}.example",
        "c\u{043e}nsulate.example",
        "consulate..example",
    ] {
        let out = s.run_line(&format!(
            "verifier request --state consulate --trust trust.json --verifier-id {id} \
             --policy 'bank.liquidity_eur >= 1'"
        ));
        assert_eq!(out.status.code(), Some(2), "{id:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("credence: error: "), "{err}");
        assert!(err.contains("verifier id"), "{err}");
        if !id.is_ascii() {
            assert!(err.contains("U+"), "{err}");
        }
        assert!(!exists(&s.path("consulate")), "{id:?}: state written");
    }
    // A request whose id was altered after issuance does not decode.
    visa_answered(&s);
    let altered = s
        .read_to_string("visa.req.json")
        .replace("consulate.example", "consulate\u{200b}.example");
    s.write("altered.req.json", altered.as_bytes());
    let out = s.run_line(&check_line(
        "trust.json",
        "altered.req.json",
        "visa.pres.json",
    ));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("U+200B"), "{err}");
}

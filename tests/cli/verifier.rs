//! The verifier's commands: requests it did not issue, altered requests,
//! replays, retired keys, the default reference date. More in
//! tests/cli_verifier.rs.

use crate::support::{fails_cleanly, Scratch};

#[test]
fn the_verifier_checks_only_its_own_requests_once() {
    let s = Scratch::with_request();
    s.ok(
        &[
            "wallet",
            "prove",
            "--wallet",
            "mei.wallet",
            "visa.req.json",
            "--yes",
            "--out",
            "p.json",
        ],
        None,
    );
    // A request issued by another verifier state.
    s.ok(
        &[
            "verifier",
            "request",
            "--state",
            "elsewhere",
            "--trust",
            "trust.json",
            "--verifier-id",
            "consulate.example",
            "--date",
            "2027-03-01",
            "--policy",
            "bank.liquidity_eur >= 5000",
        ],
        Some("other.req.json"),
    );
    let e = fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "check",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "other.req.json",
            "p.json",
        ],
    );
    assert!(e.contains("was not issued by"), "{e}");
    // The request altered after it was issued (same nonce, lower threshold).
    let req = String::from_utf8(s.read("visa.req.json")).unwrap();
    let altered = req.replace("\"min\": 5000", "\"min\": 50");
    assert_ne!(altered, req);
    s.write("altered.req.json", altered.as_bytes());
    let e = fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "check",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "altered.req.json",
            "p.json",
        ],
    );
    assert!(e.contains("differs from the request"), "{e}");

    // A presentation made for another request does not satisfy this one.
    s.ok(
        &[
            "wallet",
            "prove",
            "--wallet",
            "mei.wallet",
            "other.req.json",
            "--yes",
            "--out",
            "q.json",
        ],
        None,
    );
    let out = s.run(&[
        "verifier",
        "check",
        "--state",
        "elsewhere",
        "--trust",
        "trust.json",
        "other.req.json",
        "p.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejection"]["reason"], "request_mismatch");
    // A rejected presentation does not spend the nonce (spec/wallet.md §8):
    // the right presentation is still accepted, once; then it is a replay.
    let check_q = || {
        s.run(&[
            "verifier",
            "check",
            "--state",
            "elsewhere",
            "--trust",
            "trust.json",
            "other.req.json",
            "q.json",
        ])
    };
    let out = check_q();
    assert_eq!(out.status.code(), Some(0));
    let out = check_q();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejection"]["reason"], "replayed");

    // A rater key dropped from the trust list is no longer accepted.
    s.write(
        "court-only.json",
        format!("[{}]", String::from_utf8(s.read("court.pub.json")).unwrap()).as_bytes(),
    );
    let out = s.run(&[
        "verifier",
        "check",
        "--state",
        "consulate",
        "--trust",
        "court-only.json",
        "visa.req.json",
        "p.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejection"]["reason"], "retired_key");
}

#[test]
fn config_and_default_date() {
    let s = Scratch::with_request();
    let out = s.run(&[
        "wallet",
        "config",
        "--wallet",
        "mei.wallet",
        "--min-interval",
        "bank.liquidity_eur=100",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["min_intervals"]["bank.liquidity_eur"], 100);
    let out = s.run(&[
        "wallet",
        "config",
        "--wallet",
        "mei.wallet",
        "--min-interval",
        "bank.liquidity_eur=0",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["min_intervals"], serde_json::json!({}));

    // Without --date the reference date is today (UTC).
    let out = s.run(&[
        "verifier",
        "request",
        "--state",
        "consulate",
        "--trust",
        "trust.json",
        "--verifier-id",
        "v",
        "--policy",
        "bank.liquidity_eur >= 1",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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

//! Bad input of every kind: each command fails with exit code 2, one line on
//! standard error naming the problem, nothing on standard output, and no
//! file written or changed.

use crate::support::{all_fail_cleanly, fails_cleanly_line, snapshot, Scratch};

const POLICY: &str = "--policy 'bank.liquidity_eur >= 1'";

#[test]
fn missing_files() {
    let s = Scratch::with_request();
    all_fail_cleanly(
        &s,
        &[
            (
                "wallet add --wallet mei.wallet none.json",
                "cannot read none.json",
            ),
            ("wallet list --wallet none.wallet", ""),
            ("wallet prove --wallet mei.wallet none.json --yes", ""),
            ("rater init --schema none.json --key x.key", ""),
            (
                "rater issue --key bank.key --request none.json --set liquidity_eur=1 \
                 --valid-until 2027-01-01 --out x.json",
                "",
            ),
            (
                &format!(
                    "verifier request --state other --trust none.json --verifier-id v {POLICY}"
                ),
                "",
            ),
            (
                "verifier check --state consulate --trust trust.json visa.req.json none.json",
                "",
            ),
        ],
    );
}

#[test]
fn malformed_json() {
    let s = Scratch::with_request();
    s.write("bad.json", b"{\"format\": ");
    s.write("bad.wallet", &s.read("mei.wallet")[..100]);
    // A presentation that is valid JSON but not a presentation.
    s.write("str.json", b"\"AQY\"");
    all_fail_cleanly(
        &s,
        &[
            ("wallet add --wallet mei.wallet bad.json", "bad.json"),
            ("wallet list --wallet bad.wallet", "bad.wallet"),
            ("wallet request --wallet mei.wallet --rater bad.json", ""),
            ("wallet prove --wallet mei.wallet bad.json --yes", ""),
            ("rater init --schema bad.json --key x.key", ""),
            (
                "rater issue --key bad.json --request mei-bank.req.json --set liquidity_eur=1 \
                 --valid-until 2027-01-01",
                "",
            ),
            (
                &format!(
                    "verifier request --state other --trust bad.json --verifier-id v {POLICY}"
                ),
                "",
            ),
            (
                "verifier check --state consulate --trust trust.json visa.req.json bad.json",
                "",
            ),
            (
                "verifier check --state consulate --trust trust.json visa.req.json str.json",
                "",
            ),
            // A policy that does not parse names the column.
            (
                "verifier request --state consulate --trust trust.json --verifier-id v \
                 --policy 'bank.liquidity_eur >='",
                "column 22",
            ),
        ],
    );
    // After all that, the request can still be answered once.
    let out = s.run_line("wallet prove --wallet mei.wallet visa.req.json --yes --out p.json");
    assert!(out.status.success());
    let out =
        s.run_line("verifier check --state consulate --trust trust.json visa.req.json p.json");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn wrong_rater_key() {
    let s = Scratch::world();
    all_fail_cleanly(
        &s,
        &[
            (
                "rater issue --key court.key --request mei-bank.req.json \
                 --set outstanding_defaults=0 --valid-until 2027-12-31 --out x.json",
                "meant for another rater key",
            ),
            (
                "rater issue --key court.key --request mei-bank.req.json \
                 --set outstanding_defaults=0 --valid-until 2027-12-31",
                "",
            ),
            // Values that do not fit the schema.
            (
                "rater issue --key bank.key --request mei-bank.req.json \
                 --valid-until 2027-12-31 --out x.json",
                "",
            ),
            (
                "rater issue --key bank.key --request mei-bank.req.json \
                 --set liquidity_eur=2000000000 --valid-until 2027-12-31",
                "",
            ),
        ],
    );
}

#[test]
fn tampered_credentials() {
    let s = Scratch::world();
    let original = String::from_utf8(s.read("mei-bank.cred.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let blob = v["credentials"][1].as_str().unwrap();
    let start = original.find(blob).unwrap();
    let step = blob.len() / 23;
    for i in (0..blob.len()).step_by(step).chain([blob.len() - 1]) {
        let mut bytes = original.clone().into_bytes();
        let c = &mut bytes[start + i];
        *c = if *c == b'A' { b'B' } else { b'A' };
        s.write("tampered.json", &bytes);
        let e = fails_cleanly_line(&s, 2, "wallet add --wallet mei.wallet tampered.json");
        assert!(e.contains("tampered.json"), "{e}");
    }
    s.ok_line("wallet add --wallet mei.wallet mei-bank.cred.json", None);
    // Added once only.
    fails_cleanly_line(&s, 2, "wallet add --wallet mei.wallet mei-bank.cred.json");
}

#[test]
fn credentials_for_another_wallet() {
    let s = Scratch::world();
    s.ok_line("wallet init --wallet jun.wallet", None);
    let add = "wallet add --wallet jun.wallet mei-bank.cred.json";
    let e = fails_cleanly_line(&s, 2, add);
    assert!(e.contains("another wallet"), "{e}");
    // Even when Jun has a request of his own pending with the same rater.
    s.ok_line(
        "wallet request --wallet jun.wallet --rater bank.pub.json",
        Some("jun-bank.req.json"),
    );
    fails_cleanly_line(&s, 2, add);
}

#[test]
fn existing_files_are_never_overwritten() {
    let s = Scratch::world();
    all_fail_cleanly(
        &s,
        &[
            ("wallet init --wallet mei.wallet", "refusing to overwrite"),
            ("rater init --schema bank.schema.json --key bank.key", ""),
        ],
    );
}

#[test]
fn bad_usage() {
    let s = Scratch::world();
    all_fail_cleanly(
        &s,
        &[
            ("wallet frobnicate", ""),
            ("wallet list", ""),
            (
                "rater issue --key bank.key --request mei-bank.req.json --set liquidity_eur=1 \
                 --valid-until 2027-02-30",
                "",
            ),
            (
                "rater issue --key bank.key --request mei-bank.req.json --set liquidity_eur \
                 --valid-until 2027-02-01",
                "",
            ),
            ("wallet init --wallet x --min-interval bank=5", ""),
        ],
    );
    let out = s.run(&["--help"]);
    assert!(out.status.success());
}

#[test]
fn declining_writes_nothing() {
    let s = Scratch::with_request();
    let prove = [
        "wallet",
        "prove",
        "--wallet",
        "mei.wallet",
        "visa.req.json",
        "--out",
        "p.json",
    ];
    for input in [None, Some("n\n"), Some("maybe\n")] {
        let before = snapshot(s.dir.path());
        let out = s.run_with_input(&prove, input);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.lines().last().unwrap().contains("declined"), "{err}");
        assert!(snapshot(s.dir.path()) == before);
    }
    let out = s.run_with_input(&prove, Some("yes\n"));
    assert_eq!(out.status.code(), Some(0));
    assert!(s.path("p.json").exists());
}

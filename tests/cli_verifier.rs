//! `credence verifier …` through the built binary: the state directory is the
//! library's directory nonce store (spec/wallet.md §8), so a rejected
//! presentation does not spend a request, rejections are capped, requests
//! expire, keys and schemas are checked against the current trust list, and
//! processes racing on one request accept it once.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_credence");

const BANK_SCHEMA: &str = r#"{"id":"bank","version":1,"attributes":[
  {"name":"liquidity_eur","type":"uint","max":1000000000,"category":"financial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;
const BANK_SCHEMA_V2: &str = r#"{"id":"bank","version":2,"attributes":[
  {"name":"liquidity_eur","type":"uint","max":1000000000,"category":"financial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;
const COURT_SCHEMA: &str = r#"{"id":"court","version":1,"attributes":[
  {"name":"outstanding_defaults","type":"uint","max":255,"category":"judicial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;

/// A scratch directory with two raters, a trust list, and Mei's wallet
/// holding 4 bank and 4 court credentials.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
    fn ok(&self, args: &[&str], stdout_to: Option<&str>) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(f) = stdout_to {
            self.write(f, &out.stdout);
        }
    }
    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    fn new() -> Self {
        let w = World {
            dir: tempfile::tempdir().unwrap(),
        };
        w.write("bank.schema.json", BANK_SCHEMA.as_bytes());
        w.write("court.schema.json", COURT_SCHEMA.as_bytes());
        w.ok(&["wallet", "init", "--wallet", "mei.wallet"], None);
        for (r, set) in [
            ("bank", "liquidity_eur=9000"),
            ("court", "outstanding_defaults=0"),
        ] {
            let (schema, key, public) = (
                format!("{r}.schema.json"),
                format!("{r}.key"),
                format!("{r}.pub.json"),
            );
            w.ok(
                &["rater", "init", "--schema", &schema, "--key", &key],
                Some(&public),
            );
            let (req, cred) = (format!("{r}.req.json"), format!("{r}.cred.json"));
            w.ok(
                &[
                    "wallet",
                    "request",
                    "--wallet",
                    "mei.wallet",
                    "--rater",
                    &public,
                ],
                Some(&req),
            );
            w.ok(
                &[
                    "rater",
                    "issue",
                    "--key",
                    &key,
                    "--request",
                    &req,
                    "--set",
                    set,
                    "--valid-until",
                    "2027-12-31",
                    "--batch",
                    "4",
                    "--out",
                    &cred,
                ],
                None,
            );
            w.ok(&["wallet", "add", "--wallet", "mei.wallet", &cred], None);
        }
        let trust = format!("[{},{}]", w.read("bank.pub.json"), w.read("court.pub.json"));
        w.write("trust.json", trust.as_bytes());
        w
    }

    /// `verifier request` into state `consulate`, printed to `out`.
    fn request(&self, policy: &str, out: &str, extra: &[&str]) {
        let mut args = vec![
            "verifier",
            "request",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "--verifier-id",
            "consulate.example",
            "--date",
            "2027-03-01",
            "--policy",
            policy,
        ];
        args.extend_from_slice(extra);
        self.ok(&args, Some(out));
    }

    fn prove(&self, request: &str, out: &str) {
        self.ok(
            &[
                "wallet",
                "prove",
                "--wallet",
                "mei.wallet",
                request,
                "--yes",
                "--out",
                out,
            ],
            None,
        );
    }

    fn check_args<'a>(trust: &'a str, request: &'a str, presentation: &'a str) -> [&'a str; 8] {
        [
            "verifier",
            "check",
            "--state",
            "consulate",
            "--trust",
            trust,
            request,
            presentation,
        ]
    }

    /// `verifier check`: the exit code and the verdict's rejection reason.
    fn check_with(&self, trust: &str, request: &str, presentation: &str) -> (i32, String) {
        let out = self.run(&Self::check_args(trust, request, presentation));
        let code = out.status.code().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(v["satisfied"], code == 0, "{v}");
        let reason = v["rejection"]["reason"].as_str().unwrap_or("").to_owned();
        (code, reason)
    }

    fn check(&self, request: &str, presentation: &str) -> (i32, String) {
        self.check_with("trust.json", request, presentation)
    }

    fn record(&self, request: &str) -> (PathBuf, serde_json::Value) {
        let req: serde_json::Value = serde_json::from_str(&self.read(request)).unwrap();
        let nonce = req["nonce"].as_str().unwrap().to_owned();
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(nonce)
            .unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let file = self.path("consulate/requests").join(format!("{hex}.json"));
        let record = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        (self.path("consulate/attempts").join(hex), record)
    }
}

fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

#[test]
fn a_rejected_presentation_does_not_spend_the_request() {
    let w = World::new();
    w.request("bank.liquidity_eur >= 5000", "visa.req.json", &[]);
    w.request("court.outstanding_defaults == 0", "other.req.json", &[]);
    w.prove("visa.req.json", "visa.pres.json");
    w.prove("other.req.json", "other.pres.json");
    // Someone who saw the request answers it with another presentation.
    assert_eq!(
        w.check("visa.req.json", "other.pres.json"),
        (1, "request_mismatch".into())
    );
    assert_eq!(
        w.check("visa.req.json", "visa.pres.json"),
        (0, String::new())
    );
    assert_eq!(
        w.check("visa.req.json", "visa.pres.json"),
        (1, "replayed".into())
    );
    let (attempts, record) = w.record("visa.req.json");
    assert_eq!(record["format"], "credence-verifier-request");
    let slot = |k: u32| std::fs::read_to_string(format!("{}.{k}", attempts.display())).ok();
    assert_eq!(slot(0).as_deref(), Some("rejected\n"));
    assert_eq!(slot(1).as_deref(), Some("satisfied\n"));
    assert_eq!(slot(2), None);
}

#[test]
fn five_rejections_close_the_request() {
    let w = World::new();
    w.request("bank.liquidity_eur >= 5000", "visa.req.json", &[]);
    w.request("court.outstanding_defaults == 0", "other.req.json", &[]);
    w.prove("other.req.json", "other.pres.json");
    for _ in 0..5 {
        assert_eq!(
            w.check("visa.req.json", "other.pres.json"),
            (1, "request_mismatch".into())
        );
    }
    w.prove("visa.req.json", "visa.pres.json");
    let out = w.run(&World::check_args(
        "trust.json",
        "visa.req.json",
        "visa.pres.json",
    ));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejection"], serde_json::json!({"reason": "closed"}));
    assert_eq!(v["disclosed"], serde_json::json!([]));
    assert_eq!(v["statements"].as_array().unwrap().len(), 2);
}

#[test]
fn requests_expire_after_their_lifetime() {
    let w = World::new();
    w.request(
        "bank.liquidity_eur >= 5000",
        "long.req.json",
        &["--lifetime", "1234"],
    );
    let (_, record) = w.record("long.req.json");
    let issued = record["issued_at"].as_u64().unwrap();
    assert_eq!(record["expires_at"].as_u64().unwrap() - issued, 1234);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(issued <= now && now - issued < 600, "{issued} {now}");

    w.request(
        "bank.liquidity_eur >= 5000",
        "short.req.json",
        &["--lifetime", "0"],
    );
    w.prove("short.req.json", "short.pres.json");
    assert_eq!(
        w.check("short.req.json", "short.pres.json"),
        (1, "expired".into())
    );
    // The default lifetime is 10 minutes.
    w.request("bank.liquidity_eur >= 5000", "visa.req.json", &[]);
    let (_, record) = w.record("visa.req.json");
    assert_eq!(
        record["expires_at"].as_u64().unwrap() - record["issued_at"].as_u64().unwrap(),
        600
    );
}

#[test]
fn retired_keys_and_changed_schemas_are_refused() {
    let w = World::new();
    w.request("bank.liquidity_eur >= 5000", "visa.req.json", &[]);
    w.prove("visa.req.json", "visa.pres.json");
    // The bank publishes version 2 of its schema under the same id and key.
    w.write("bank2.schema.json", BANK_SCHEMA_V2.as_bytes());
    let key = serde_json::from_str::<serde_json::Value>(&w.read("bank.pub.json")).unwrap();
    let mut v2 = key.clone();
    v2["schema"] = serde_json::from_str(BANK_SCHEMA_V2).unwrap();
    w.write("trust-v2.json", format!("[{v2}]").as_bytes());
    assert_eq!(
        w.check_with("trust-v2.json", "visa.req.json", "visa.pres.json"),
        (1, "schema_changed".into())
    );
    w.write(
        "trust-court.json",
        format!("[{}]", w.read("court.pub.json")).as_bytes(),
    );
    assert_eq!(
        w.check_with("trust-court.json", "visa.req.json", "visa.pres.json"),
        (1, "retired_key".into())
    );
    // Neither spent the request.
    assert_eq!(
        w.check("visa.req.json", "visa.pres.json"),
        (0, String::new())
    );
}

#[test]
fn processes_racing_on_one_request_accept_it_once() {
    const PROCESSES: usize = 6;
    let w = World::new();
    w.request("bank.liquidity_eur >= 5000", "visa.req.json", &[]);
    w.prove("visa.req.json", "visa.pres.json");
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            w.command(&World::check_args(
                "trust.json",
                "visa.req.json",
                "visa.pres.json",
            ))
            .spawn()
            .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let codes: Vec<i32> = outs.iter().map(|o| o.status.code().unwrap()).collect();
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 1, "{codes:?}");
    for o in outs.iter().filter(|o| o.status.code() != Some(0)) {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["rejection"]["reason"], "replayed");
    }
    let (attempts, _) = w.record("visa.req.json");
    assert!(exists(Path::new(&format!("{}.0", attempts.display()))));
    assert!(!exists(Path::new(&format!("{}.1", attempts.display()))));
}

#[test]
fn verifier_ids_are_normalised() {
    let w = World::new();
    for id in [
        "Consulate.example",
        "consulate\u{200b}.example",
        "c\u{043e}nsulate.example",
        "consulate..example",
    ] {
        let out = w.run(&[
            "verifier",
            "request",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "--verifier-id",
            id,
            "--policy",
            "bank.liquidity_eur >= 1",
        ]);
        assert_eq!(out.status.code(), Some(2), "{id:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("credence: error: "), "{err}");
        assert!(err.contains("verifier id"), "{err}");
        if !id.is_ascii() {
            assert!(err.contains("U+"), "{err}");
        }
        assert!(!exists(&w.path("consulate")), "{id:?}: state written");
    }
    // A request whose id was altered after issuance does not decode.
    w.request("bank.liquidity_eur >= 5000", "visa.req.json", &[]);
    w.prove("visa.req.json", "visa.pres.json");
    let altered = w
        .read("visa.req.json")
        .replace("consulate.example", "consulate\u{200b}.example");
    w.write("altered.req.json", altered.as_bytes());
    let out = w.run(&World::check_args(
        "trust.json",
        "altered.req.json",
        "visa.pres.json",
    ));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("U+200B"), "{err}");
}

//! The `credence` tool through the built binary: the README's walkthrough, run
//! command by command, and the handling of bad input (exit code 2, one line on
//! standard error, no file written or changed).
#![cfg(feature = "cli")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_credence");

// ---------------------------------------------------------------------------
// The README walkthrough

/// One shell command of the walkthrough and the exit code it must give.
struct Step {
    text: String,
    expect: i32,
}

/// The `sh` block under the README's "The `credence` tool" heading.
fn walkthrough_block() -> &'static str {
    let readme = include_str!("../README.md");
    let at = readme
        .find("\n## The `credence` tool\n")
        .expect("README has the walkthrough heading");
    let rest = &readme[at..];
    let open = rest.find("\n```sh\n").expect("an sh block follows") + "\n```sh\n".len();
    let len = rest[open..].find("\n```\n").expect("the sh block ends");
    &rest[open..open + len]
}

/// Splits the block into commands: comment and blank lines are skipped; a
/// line ending in `\` continues on the next; a here-document runs to its
/// delimiter. A trailing `# exit N` gives the expected exit code (default 0).
fn steps(block: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut lines = block.lines();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut text = line.to_owned();
        if let Some(i) = line.find("<<'") {
            let tag = line[i + 3..].split('\'').next().unwrap().to_owned();
            loop {
                let l = lines.next().expect("here-document ends");
                text.push('\n');
                text.push_str(l);
                if l == tag {
                    break;
                }
            }
        } else {
            while text.ends_with('\\') {
                text.push('\n');
                text.push_str(lines.next().expect("continued line"));
            }
        }
        let last = text.lines().last().unwrap();
        let expect = match last.rfind("# exit ") {
            Some(i) => last[i + "# exit ".len()..].trim().parse().unwrap(),
            None => 0,
        };
        out.push(Step { text, expect });
    }
    out
}

#[test]
fn the_walkthrough_parser_sees_every_command() {
    let s = steps("# c\ncat > a <<'EOF'\n{\n}\nEOF\nx \\\n  y  # exit 2\n\nz\n");
    assert_eq!(s.len(), 3);
    assert_eq!(s[0].text, "cat > a <<'EOF'\n{\n}\nEOF");
    assert_eq!(
        (s[1].text.as_str(), s[1].expect),
        ("x \\\n  y  # exit 2", 2)
    );
    assert_eq!((s[2].text.as_str(), s[2].expect), ("z", 0));
}

struct Ran {
    text: String,
    out: Output,
}

impl Ran {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

/// The one command that contains all of `parts`, and its `n`-th occurrence
/// when there are several.
fn find<'a>(ran: &'a [Ran], parts: &[&str], n: usize) -> &'a Ran {
    ran.iter()
        .filter(|r| parts.iter().all(|p| r.text.contains(p)))
        .nth(n)
        .unwrap_or_else(|| panic!("no command with {parts:?} (#{n})"))
}

#[test]
fn the_readme_walkthrough_runs_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let sh = |text: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(text)
            .current_dir(dir.path())
            .env("PATH", &path)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // `credence` in the walkthrough is the binary under test.
    let which = sh("command -v credence");
    assert_eq!(
        Path::new(String::from_utf8_lossy(&which.stdout).trim()),
        Path::new(BIN)
    );

    let steps = steps(walkthrough_block());
    assert!(steps.len() >= 30, "{} commands", steps.len());
    let mut ran = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let out = sh(&step.text);
        let r = Ran {
            text: step.text.clone(),
            out,
        };
        assert_eq!(
            r.out.status.code(),
            Some(step.expect),
            "command {i}: {}\nstdout: {}\nstderr: {}",
            step.text,
            r.stdout(),
            r.stderr()
        );
        ran.push(r);
    }

    // The consent summary, and a decline that sends nothing.
    let declined = find(&ran, &["echo n |"], 0);
    let summary = declined.stderr();
    for part in [
        "consulate.example",
        "visa fast track",
        "court.outstanding_defaults == 0",
        "[judicial]",
        "bank.valid_until >= 2027-03-01",
        "Send this presentation? [y/N]",
        "credence: error: declined",
    ] {
        assert!(summary.contains(part), "{part:?} in {summary}");
    }
    assert!(!summary.contains("BEHAVIOURAL"), "{summary}");
    assert!(declined.out.stdout.is_empty());

    // The verdicts.
    let check = find(&ran, &["verifier check", "mei.pres.json"], 0);
    let verdict: serde_json::Value = serde_json::from_str(&check.stdout()).unwrap();
    assert_eq!(verdict["satisfied"], true);
    assert_eq!(verdict["statements"].as_array().unwrap().len(), 5);
    let replay = find(&ran, &["verifier check", "mei.pres.json"], 1);
    let verdict: serde_json::Value = serde_json::from_str(&replay.stdout()).unwrap();
    assert_eq!(verdict["satisfied"], false);
    assert_eq!(verdict["rejection"]["reason"], "replayed");

    // The rejected applicant sends nothing.
    let jun = find(&ran, &["wallet prove", "jun.wallet"], 0);
    let err = jun.stderr();
    let last = err.lines().last().unwrap();
    assert!(last.starts_with("credence: error: cannot prove: "), "{err}");
    assert!(last.contains("court.outstanding_defaults == 0"), "{err}");
    assert!(!dir.path().join("jun.pres.json").exists());

    // Threshold probing: refused with a reason, answered only with the override.
    let probe = find(&ran, &["wallet prove", "probe2.req.json"], 0);
    let err = probe.stderr();
    let last = err.lines().last().unwrap();
    for part in [
        "threshold probing",
        "bank.liquidity_eur",
        "consulate.example",
        "[18100, 20000]",
        "--allow-narrowing",
    ] {
        assert!(last.contains(part), "{part:?} in {last}");
    }
    assert!(!last.contains("18250"), "{last}");
    let again = find(&ran, &["again.pres.json"], 0);
    assert!(again.stderr().contains("ask the rater for a new batch"));
    assert!(!dir.path().join("again.pres.json").exists());

    // The listing shows no secret and no attribute value.
    let wallet: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("mei.wallet")).unwrap()).unwrap();
    let link = wallet["link_secret"].as_str().unwrap();
    let listed = find(&ran, &["wallet list", "mei.wallet"], 1).stdout();
    let list: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(list["credentials"][0]["used"], 3);
    assert_eq!(list["credentials"][1]["unused"], 1);
    assert_eq!(
        list["disclosures"]["consulate.example"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    for secret in [link, "18250", "42000"] {
        assert!(!listed.contains(secret), "{secret} in {listed}");
    }
    let cred = wallet["credentials"][0]["credential"].as_str().unwrap();
    for r in &ran {
        assert!(!r.stdout().contains(link) && !r.stderr().contains(link));
        assert!(!r.stderr().contains(cred));
    }

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [
            "bank.key",
            "court.key",
            "mei.wallet",
            "jun.wallet",
            "mei-bank.cred.json",
        ] {
            let mode = std::fs::metadata(dir.path().join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
    // No temporary file is left anywhere.
    let files = snapshot(dir.path());
    assert!(
        files.keys().all(|f| !f.contains(".credence-")),
        "{:?}",
        files.keys()
    );
}

// ---------------------------------------------------------------------------
// Bad input

/// A scratch directory where the tool runs.
struct Scratch {
    dir: tempfile::TempDir,
}

const BANK_SCHEMA: &str = r#"{"id":"bank","version":1,"attributes":[
  {"name":"liquidity_eur","type":"uint","max":1000000000,"category":"financial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;
const COURT_SCHEMA: &str = r#"{"id":"court","version":1,"attributes":[
  {"name":"outstanding_defaults","type":"uint","max":255,"category":"judicial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;

impl Scratch {
    fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Output {
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = input {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    }
    fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, None)
    }
    /// Runs a command that must succeed, and writes its standard output to
    /// `stdout_to` when given.
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
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// Two raters, a trust list, and Mei's wallet with a pending bank request
    /// whose credentials are in `mei-bank.cred.json`, not yet added.
    fn world() -> Self {
        let s = Scratch::new();
        s.write("bank.schema.json", BANK_SCHEMA.as_bytes());
        s.write("court.schema.json", COURT_SCHEMA.as_bytes());
        for r in ["bank", "court"] {
            let schema = format!("{r}.schema.json");
            let key = format!("{r}.key");
            let public = format!("{r}.pub.json");
            s.ok(
                &["rater", "init", "--schema", &schema, "--key", &key],
                Some(&public),
            );
        }
        let trust = format!(
            "[{},{}]",
            String::from_utf8(s.read("bank.pub.json")).unwrap(),
            String::from_utf8(s.read("court.pub.json")).unwrap()
        );
        s.write("trust.json", trust.as_bytes());
        s.ok(&["wallet", "init", "--wallet", "mei.wallet"], None);
        s.ok(
            &[
                "wallet",
                "request",
                "--wallet",
                "mei.wallet",
                "--rater",
                "bank.pub.json",
            ],
            Some("mei-bank.req.json"),
        );
        s.ok(
            &[
                "rater",
                "issue",
                "--key",
                "bank.key",
                "--request",
                "mei-bank.req.json",
                "--set",
                "liquidity_eur=9000",
                "--valid-until",
                "2027-12-31",
                "--batch",
                "2",
                "--out",
                "mei-bank.cred.json",
            ],
            None,
        );
        s
    }

    /// Mei holds her bank credentials; the consulate issued `visa.req.json`.
    fn with_request() -> Self {
        let s = Scratch::world();
        s.ok(
            &[
                "wallet",
                "add",
                "--wallet",
                "mei.wallet",
                "mei-bank.cred.json",
            ],
            None,
        );
        s.ok(
            &[
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
                "bank.liquidity_eur >= 5000",
            ],
            Some("visa.req.json"),
        );
        s
    }
}

/// Every file under `dir` and its contents.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.strip_prefix(dir).unwrap().display().to_string();
            if p.is_dir() {
                out.insert(format!("{name}/"), Vec::new());
                todo.push(p);
            } else {
                out.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Runs a command that must fail with exit code `code`, one line on standard
/// error and nothing on standard output, and change no file. Returns the
/// error line.
fn fails_cleanly(s: &Scratch, code: i32, args: &[&str]) -> String {
    let before = snapshot(s.dir.path());
    let out = s.run(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("credence: error: "), "{err}");
    assert!(out.stdout.is_empty(), "{args:?}");
    let after = snapshot(s.dir.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "{args:?}: files created or removed"
    );
    assert!(before == after, "{args:?}: a file changed");
    err
}

#[test]
fn missing_files() {
    let s = Scratch::with_request();
    let e = fails_cleanly(
        &s,
        2,
        &["wallet", "add", "--wallet", "mei.wallet", "none.json"],
    );
    assert!(e.contains("cannot read none.json"), "{e}");
    fails_cleanly(&s, 2, &["wallet", "list", "--wallet", "none.wallet"]);
    fails_cleanly(
        &s,
        2,
        &[
            "wallet",
            "prove",
            "--wallet",
            "mei.wallet",
            "none.json",
            "--yes",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &["rater", "init", "--schema", "none.json", "--key", "x.key"],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "bank.key",
            "--request",
            "none.json",
            "--set",
            "liquidity_eur=1",
            "--valid-until",
            "2027-01-01",
            "--out",
            "x.json",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "request",
            "--state",
            "other",
            "--trust",
            "none.json",
            "--verifier-id",
            "v",
            "--policy",
            "bank.liquidity_eur >= 1",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "check",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "visa.req.json",
            "none.json",
        ],
    );
}

#[test]
fn malformed_json() {
    let s = Scratch::with_request();
    s.write("bad.json", b"{\"format\": ");
    s.write("bad.wallet", &s.read("mei.wallet")[..100]);
    let e = fails_cleanly(
        &s,
        2,
        &["wallet", "add", "--wallet", "mei.wallet", "bad.json"],
    );
    assert!(e.contains("bad.json"), "{e}");
    let e = fails_cleanly(&s, 2, &["wallet", "list", "--wallet", "bad.wallet"]);
    assert!(e.contains("bad.wallet"), "{e}");
    fails_cleanly(
        &s,
        2,
        &[
            "wallet",
            "request",
            "--wallet",
            "mei.wallet",
            "--rater",
            "bad.json",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "wallet",
            "prove",
            "--wallet",
            "mei.wallet",
            "bad.json",
            "--yes",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &["rater", "init", "--schema", "bad.json", "--key", "x.key"],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "bad.json",
            "--request",
            "mei-bank.req.json",
            "--set",
            "liquidity_eur=1",
            "--valid-until",
            "2027-01-01",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "request",
            "--state",
            "other",
            "--trust",
            "bad.json",
            "--verifier-id",
            "v",
            "--policy",
            "bank.liquidity_eur >= 1",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "check",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "visa.req.json",
            "bad.json",
        ],
    );
    // A presentation that is valid JSON but not a presentation.
    s.write("str.json", b"\"AQY\"");
    fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "check",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "visa.req.json",
            "str.json",
        ],
    );
    // A policy that does not parse names the column.
    let e = fails_cleanly(
        &s,
        2,
        &[
            "verifier",
            "request",
            "--state",
            "consulate",
            "--trust",
            "trust.json",
            "--verifier-id",
            "v",
            "--policy",
            "bank.liquidity_eur >=",
        ],
    );
    assert!(e.contains("column 22"), "{e}");
    // After all that, the request can still be answered once.
    let out = s.run(&[
        "wallet",
        "prove",
        "--wallet",
        "mei.wallet",
        "visa.req.json",
        "--yes",
        "--out",
        "p.json",
    ]);
    assert!(out.status.success());
    let out = s.run(&[
        "verifier",
        "check",
        "--state",
        "consulate",
        "--trust",
        "trust.json",
        "visa.req.json",
        "p.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn wrong_rater_key() {
    let s = Scratch::world();
    let e = fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "court.key",
            "--request",
            "mei-bank.req.json",
            "--set",
            "outstanding_defaults=0",
            "--valid-until",
            "2027-12-31",
            "--out",
            "x.json",
        ],
    );
    assert!(e.contains("meant for another rater key"), "{e}");
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "court.key",
            "--request",
            "mei-bank.req.json",
            "--set",
            "outstanding_defaults=0",
            "--valid-until",
            "2027-12-31",
        ],
    );
    // Values that do not fit the schema.
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "bank.key",
            "--request",
            "mei-bank.req.json",
            "--valid-until",
            "2027-12-31",
            "--out",
            "x.json",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "bank.key",
            "--request",
            "mei-bank.req.json",
            "--set",
            "liquidity_eur=2000000000",
            "--valid-until",
            "2027-12-31",
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
        let e = fails_cleanly(
            &s,
            2,
            &["wallet", "add", "--wallet", "mei.wallet", "tampered.json"],
        );
        assert!(e.contains("tampered.json"), "{e}");
    }
    s.ok(
        &[
            "wallet",
            "add",
            "--wallet",
            "mei.wallet",
            "mei-bank.cred.json",
        ],
        None,
    );
    // Added once only.
    fails_cleanly(
        &s,
        2,
        &[
            "wallet",
            "add",
            "--wallet",
            "mei.wallet",
            "mei-bank.cred.json",
        ],
    );
}

#[test]
fn credentials_for_another_wallet() {
    let s = Scratch::world();
    s.ok(&["wallet", "init", "--wallet", "jun.wallet"], None);
    let e = fails_cleanly(
        &s,
        2,
        &[
            "wallet",
            "add",
            "--wallet",
            "jun.wallet",
            "mei-bank.cred.json",
        ],
    );
    assert!(e.contains("another wallet"), "{e}");
    // Even when Jun has a request of his own pending with the same rater.
    s.ok(
        &[
            "wallet",
            "request",
            "--wallet",
            "jun.wallet",
            "--rater",
            "bank.pub.json",
        ],
        Some("jun-bank.req.json"),
    );
    fails_cleanly(
        &s,
        2,
        &[
            "wallet",
            "add",
            "--wallet",
            "jun.wallet",
            "mei-bank.cred.json",
        ],
    );
}

#[test]
fn existing_files_are_never_overwritten() {
    let s = Scratch::world();
    let e = fails_cleanly(&s, 2, &["wallet", "init", "--wallet", "mei.wallet"]);
    assert!(e.contains("refusing to overwrite"), "{e}");
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "init",
            "--schema",
            "bank.schema.json",
            "--key",
            "bank.key",
        ],
    );
}

#[test]
fn bad_usage() {
    let s = Scratch::world();
    fails_cleanly(&s, 2, &["wallet", "frobnicate"]);
    fails_cleanly(&s, 2, &["wallet", "list"]);
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "bank.key",
            "--request",
            "mei-bank.req.json",
            "--set",
            "liquidity_eur=1",
            "--valid-until",
            "2027-02-30",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "rater",
            "issue",
            "--key",
            "bank.key",
            "--request",
            "mei-bank.req.json",
            "--set",
            "liquidity_eur",
            "--valid-until",
            "2027-02-01",
        ],
    );
    fails_cleanly(
        &s,
        2,
        &[
            "wallet",
            "init",
            "--wallet",
            "x",
            "--min-interval",
            "bank=5",
        ],
    );
    let out = s.run(&["--help"]);
    assert!(out.status.success());
}

#[test]
fn declining_writes_nothing() {
    let s = Scratch::with_request();
    for input in [None, Some("n\n"), Some("maybe\n")] {
        let before = snapshot(s.dir.path());
        let out = s.run_with_input(
            &[
                "wallet",
                "prove",
                "--wallet",
                "mei.wallet",
                "visa.req.json",
                "--out",
                "p.json",
            ],
            input,
        );
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.lines().last().unwrap().contains("declined"), "{err}");
        assert!(snapshot(s.dir.path()) == before);
    }
    let out = s.run_with_input(
        &[
            "wallet",
            "prove",
            "--wallet",
            "mei.wallet",
            "visa.req.json",
            "--out",
            "p.json",
        ],
        Some("yes\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(s.path("p.json").exists());
}

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
    // That first check spent the nonce: the right presentation now is a replay.
    let out = s.run(&[
        "verifier",
        "check",
        "--state",
        "elsewhere",
        "--trust",
        "trust.json",
        "other.req.json",
        "q.json",
    ]);
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
    assert_eq!(v["rejection"]["reason"], "untrusted_rater");
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

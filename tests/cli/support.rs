//! A scratch directory where the tool runs, and the checks every failing
//! command must pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_credence");

/// Splits a command line into arguments at spaces; a part in single quotes
/// keeps its spaces.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    out.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(current);
    }
    out
}

/// A scratch directory where the tool runs.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

const BANK_SCHEMA: &str = r#"{"id":"bank","version":1,"attributes":[
  {"name":"liquidity_eur","type":"uint","max":1000000000,"category":"financial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;
const COURT_SCHEMA: &str = r#"{"id":"court","version":1,"attributes":[
  {"name":"outstanding_defaults","type":"uint","max":255,"category":"judicial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Output {
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
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, None)
    }
    /// Runs a command line (see [`words`]).
    pub fn run_line(&self, line: &str) -> Output {
        let args = words(line);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&args)
    }
    /// Runs a command line that must succeed (see [`Scratch::ok`]).
    pub fn ok_line(&self, line: &str, stdout_to: Option<&str>) {
        let args = words(line);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.ok(&args, stdout_to)
    }
    /// Runs a command that must succeed, and writes its standard output to
    /// `stdout_to` when given.
    pub fn ok(&self, args: &[&str], stdout_to: Option<&str>) {
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
    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// Two raters, a trust list, and Mei's wallet with a pending bank request
    /// whose credentials are in `mei-bank.cred.json`, not yet added.
    pub fn world() -> Self {
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
    pub fn with_request() -> Self {
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
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
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
pub fn fails_cleanly(s: &Scratch, code: i32, args: &[&str]) -> String {
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

/// [`fails_cleanly`] for a command line (see [`words`]).
pub fn fails_cleanly_line(s: &Scratch, code: i32, line: &str) -> String {
    let args = words(line);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails_cleanly(s, code, &args)
}

/// Runs each command line of `cases`, each of which must fail cleanly with
/// exit code 2 and an error line containing its expected part.
pub fn all_fail_cleanly(s: &Scratch, cases: &[(&str, &str)]) {
    for (line, part) in cases {
        let e = fails_cleanly_line(s, 2, line);
        assert!(e.contains(part), "{line}: {part:?} in {e}");
    }
}

#[test]
fn words_keep_quoted_spaces() {
    assert_eq!(
        words("a  --policy 'x >= 1' ''"),
        vec!["a", "--policy", "x >= 1", ""]
    );
}

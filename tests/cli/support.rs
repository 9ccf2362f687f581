//! A scratch directory where the tool runs, and the checks every failing
//! command must pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

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

/// Runs `f` on the arguments of a command line (see [`words`]).
fn with_words<T>(line: &str, f: impl FnOnce(&[&str]) -> T) -> T {
    let args = words(line);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    f(&args)
}

/// `verifier request` for the consulate's id on 2027-03-01, into `state`.
pub fn request_line(state: &str, policy: &str) -> String {
    format!(
        "verifier request --state {state} --trust trust.json \
         --verifier-id consulate.example --date 2027-03-01 --policy '{policy}'"
    )
}

/// `verifier check` of `presentation` against `request`, in state `consulate`.
pub fn check_line(trust: &str, request: &str, presentation: &str) -> String {
    format!("verifier check --state consulate --trust {trust} {request} {presentation}")
}

/// `wallet prove` from Mei's wallet, without asking, into `out`.
pub fn prove_line(request: &str, out: &str) -> String {
    format!("wallet prove --wallet mei.wallet {request} --yes --out {out}")
}

/// What a command printed, as JSON.
pub fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A scratch directory where the tool runs.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

const BANK_SCHEMA: &str = r#"{"id":"bank","version":1,"attributes":[
  {"name":"liquidity_eur","type":"uint","max":1000000000,"category":"financial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;
/// The bank's schema republished as version 2 under the same id.
pub const BANK_SCHEMA_V2: &str = r#"{"id":"bank","version":2,"attributes":[
  {"name":"liquidity_eur","type":"uint","max":1000000000,"category":"financial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;
pub const COURT_SCHEMA: &str = r#"{"id":"court","version":1,"attributes":[
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
    /// The binary, to run here with no input and its output captured.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
    /// Starts a command line (see [`words`]) without waiting for it.
    pub fn spawn_line(&self, line: &str) -> Child {
        with_words(line, |args| self.command(args).spawn().unwrap())
    }
    pub fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Output {
        let mut command = self.command(args);
        if input.is_some() {
            command.stdin(Stdio::piped());
        }
        let mut child = command.spawn().unwrap();
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
        with_words(line, |args| self.run(args))
    }
    /// Runs a command line that must succeed (see [`Scratch::ok`]).
    pub fn ok_line(&self, line: &str, stdout_to: Option<&str>) {
        with_words(line, |args| self.ok(args, stdout_to))
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
    pub fn read_to_string(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// A rater `name` with `schema`: `name.schema.json`, `name.key` and
    /// `name.pub.json`.
    pub fn rater(&self, name: &str, schema: &str) {
        self.write(&format!("{name}.schema.json"), schema.as_bytes());
        self.ok_line(
            &format!("rater init --schema {name}.schema.json --key {name}.key"),
            Some(&format!("{name}.pub.json")),
        );
    }

    /// A trust list `file` of the public keys of `raters`.
    pub fn trust(&self, file: &str, raters: &[&str]) {
        let keys: Vec<String> = raters
            .iter()
            .map(|r| self.read_to_string(&format!("{r}.pub.json")))
            .collect();
        self.write(file, format!("[{}]", keys.join(",")).as_bytes());
    }

    /// `wallet` asks `rater` for credentials (the request in `req`); the rater
    /// issues a batch of `batch` with `set`, valid until 2027-12-31, into
    /// `cred`, not yet added.
    pub fn issue(&self, wallet: &str, rater: &str, req: &str, set: &str, batch: usize, cred: &str) {
        self.ok_line(
            &format!("wallet request --wallet {wallet} --rater {rater}.pub.json"),
            Some(req),
        );
        self.ok_line(
            &format!(
                "rater issue --key {rater}.key --request {req} --set {set} \
                 --valid-until 2027-12-31 --batch {batch} --out {cred}"
            ),
            None,
        );
    }

    /// The bank and the court as raters, and `trust.json` trusting both.
    fn raters() -> Self {
        let s = Scratch::new();
        s.rater("bank", BANK_SCHEMA);
        s.rater("court", COURT_SCHEMA);
        s.trust("trust.json", &["bank", "court"]);
        s
    }

    /// Two raters, a trust list, and Mei's wallet with a pending bank request
    /// whose credentials are in `mei-bank.cred.json`, not yet added.
    pub fn world() -> Self {
        let s = Scratch::raters();
        s.ok_line("wallet init --wallet mei.wallet", None);
        s.issue(
            "mei.wallet",
            "bank",
            "mei-bank.req.json",
            "liquidity_eur=9000",
            2,
            "mei-bank.cred.json",
        );
        s
    }

    /// Mei holds her bank credentials; the consulate issued `visa.req.json`.
    pub fn with_request() -> Self {
        let s = Scratch::world();
        s.ok_line("wallet add --wallet mei.wallet mei-bank.cred.json", None);
        s.ok_line(
            &request_line("consulate", "bank.liquidity_eur >= 5000"),
            Some("visa.req.json"),
        );
        s
    }

    /// Two raters, a trust list, and Mei's wallet holding 4 bank and 4 court
    /// credentials.
    pub fn stocked() -> Self {
        let s = Scratch::raters();
        s.ok_line("wallet init --wallet mei.wallet", None);
        for (r, set) in [
            ("bank", "liquidity_eur=9000"),
            ("court", "outstanding_defaults=0"),
        ] {
            let (req, cred) = (format!("{r}.req.json"), format!("{r}.cred.json"));
            s.issue("mei.wallet", r, &req, set, 4, &cred);
            s.ok_line(&format!("wallet add --wallet mei.wallet {cred}"), None);
        }
        s
    }

    /// A bank rater, `trust.json`, and a wallet `w.wallet` with `held`
    /// credentials of one batch, plus a pending request whose batch of one is
    /// in `next.cred.json`, not added; a shop's request `ask.json`.
    pub fn shop(held: usize) -> Self {
        let s = Scratch::new();
        s.rater("bank", BANK_SCHEMA);
        s.trust("trust.json", &["bank"]);
        s.ok_line("wallet init --wallet w.wallet", None);
        for (file, count) in [("first.cred.json", held), ("next.cred.json", 1)] {
            s.issue(
                "w.wallet",
                "bank",
                "req.json",
                "liquidity_eur=9000",
                count,
                file,
            );
        }
        s.ok_line("wallet add --wallet w.wallet first.cred.json", None);
        s.ok_line(
            "verifier request --state state --trust trust.json --verifier-id shop.example \
             --date 2027-03-01 --policy 'bank.liquidity_eur >= 5000'",
            Some("ask.json"),
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
    with_words(line, |args| fails_cleanly(s, code, args))
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

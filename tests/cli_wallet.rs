//! The `credence wallet` commands run at the same time on one wallet file:
//! the wallet's lock makes them take turns, so that no credential is presented
//! twice and no change is lost.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_credence");

const BANK_SCHEMA: &str = r#"{"id":"bank","version":1,"attributes":[
  {"name":"liquidity_eur","type":"uint","max":1000000000,"category":"financial"},
  {"name":"valid_until","type":"date","category":"validity"}]}"#;

/// A directory holding a bank rater, a trust list and a wallet.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn spawn(&self, args: &[&str]) -> Child {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
    fn run(&self, args: &[&str]) -> Output {
        self.spawn(args).wait_with_output().unwrap()
    }
    fn ok(&self, args: &[&str], stdout_to: Option<&str>) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(f) = stdout_to {
            std::fs::write(self.path(f), &out.stdout).unwrap();
        }
    }

    /// A bank rater and a wallet with `held` credentials of one batch, plus a
    /// pending request whose batch of one is in `next.cred.json`, not added.
    fn new(held: usize) -> Self {
        let s = Scratch {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(s.path("bank.schema.json"), BANK_SCHEMA).unwrap();
        s.ok(
            &[
                "rater",
                "init",
                "--schema",
                "bank.schema.json",
                "--key",
                "bank.key",
            ],
            Some("bank.pub.json"),
        );
        let public = std::fs::read_to_string(s.path("bank.pub.json")).unwrap();
        std::fs::write(s.path("trust.json"), format!("[{public}]")).unwrap();
        s.ok(&["wallet", "init", "--wallet", "w.wallet"], None);
        for (file, count) in [("first.cred.json", held), ("next.cred.json", 1)] {
            s.ok(
                &[
                    "wallet",
                    "request",
                    "--wallet",
                    "w.wallet",
                    "--rater",
                    "bank.pub.json",
                ],
                Some("req.json"),
            );
            s.ok(
                &[
                    "rater",
                    "issue",
                    "--key",
                    "bank.key",
                    "--request",
                    "req.json",
                    "--set",
                    "liquidity_eur=9000",
                    "--valid-until",
                    "2027-12-31",
                    "--batch",
                    &count.to_string(),
                    "--out",
                    file,
                ],
                None,
            );
        }
        s.ok(
            &["wallet", "add", "--wallet", "w.wallet", "first.cred.json"],
            None,
        );
        s.ok(
            &[
                "verifier",
                "request",
                "--state",
                "state",
                "--trust",
                "trust.json",
                "--verifier-id",
                "shop.example",
                "--date",
                "2027-03-01",
                "--policy",
                "bank.liquidity_eur >= 5000",
            ],
            Some("ask.json"),
        );
        s
    }

    fn prove(&self) -> Child {
        self.spawn(&[
            "wallet", "prove", "--wallet", "w.wallet", "ask.json", "--yes",
        ])
    }

    /// `wallet list` as JSON.
    fn list(&self) -> serde_json::Value {
        let out = self.run(&["wallet", "list", "--wallet", "w.wallet"]);
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

/// The presentation a command printed.
fn presentation_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn two_proofs_at_once_never_present_one_credential_twice() {
    for _ in 0..3 {
        let s = Scratch::new(1);
        let (a, b) = (s.prove(), s.prove());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let mut codes = [code(&a), code(&b)];
        codes.sort_unstable();
        assert_eq!(
            codes,
            [0, 1],
            "one proof succeeds, the other finds the credential used: {} / {}",
            String::from_utf8_lossy(&a.stderr),
            String::from_utf8_lossy(&b.stderr)
        );
        let loser = if code(&a) == 0 { &b } else { &a };
        assert!(
            String::from_utf8_lossy(&loser.stderr).contains("already been presented"),
            "{}",
            String::from_utf8_lossy(&loser.stderr)
        );
        let winner = if code(&a) == 0 { &a } else { &b };
        assert!(presentation_of(winner).is_string());
        assert!(loser.stdout.is_empty());
    }
}

#[test]
fn adding_while_proving_loses_nothing() {
    for _ in 0..3 {
        let s = Scratch::new(2);
        let prove = s.prove();
        let add = s.spawn(&["wallet", "add", "--wallet", "w.wallet", "next.cred.json"]);
        let (prove, add) = (
            prove.wait_with_output().unwrap(),
            add.wait_with_output().unwrap(),
        );
        assert_eq!(
            code(&prove),
            0,
            "{}",
            String::from_utf8_lossy(&prove.stderr)
        );
        assert_eq!(code(&add), 0, "{}", String::from_utf8_lossy(&add.stderr));
        let list = s.list();
        let group = &list["credentials"][0];
        assert_eq!(group["used"], 1, "the used mark is kept: {list}");
        assert_eq!(group["unused"], 2, "the added batch is kept: {list}");
        assert_eq!(list["pending"].as_array().unwrap().len(), 0, "{list}");
    }
}

#[test]
fn a_busy_wallet_is_refused_after_a_short_wait() {
    let s = Scratch::new(1);
    let held = credence::wallet::WalletFile::open(&s.path("w.wallet")).unwrap();
    let before = std::fs::read(s.path("w.wallet")).unwrap();
    let started = std::time::Instant::now();
    let out = s.prove().wait_with_output().unwrap();
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("credence: error: "), "{err}");
    assert!(err.contains("in use"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    drop(held);
    assert_eq!(std::fs::read(s.path("w.wallet")).unwrap(), before);
    s.ok(
        &[
            "wallet", "prove", "--wallet", "w.wallet", "ask.json", "--yes",
        ],
        None,
    );
}

#[test]
fn temporary_files_of_a_killed_write_are_removed_when_the_wallet_is_next_opened() {
    let s = Scratch::new(1);
    let wallet = std::fs::read(s.path("w.wallet")).unwrap();
    // What a write killed before its rename leaves: a full copy of the wallet.
    let left = [
        ".w.wallet.credence-tmp-Ab12Cd",
        ".w.wallet.credence-tmp-zzzzzz",
    ];
    for name in left {
        std::fs::write(s.path(name), &wallet).unwrap();
    }
    // Files of other names are not touched.
    let kept = [
        ".other.wallet.credence-tmp-Ab12Cd",
        ".w.wallet.credence-tmp-x.tmp-Ab12Cd",
        "w.wallet.bak",
    ];
    for name in kept {
        std::fs::write(s.path(name), b"x").unwrap();
    }
    s.ok(&["wallet", "list", "--wallet", "w.wallet"], None);
    for name in left {
        assert!(!s.path(name).exists(), "{name} is removed");
    }
    for name in kept {
        assert!(s.path(name).exists(), "{name} is kept");
    }
    assert!(no_temporary_files(s.dir.path()));
}

/// Whether `dir` holds no temporary file of `w.wallet`.
fn no_temporary_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().all(|e| {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        !(name.starts_with(".w.wallet.credence-tmp-")
            && name.len() == ".w.wallet.credence-tmp-".len() + 6)
    })
}

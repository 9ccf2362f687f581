//! The `credence wallet` commands run at the same time on one wallet file:
//! the wallet's lock makes them take turns, so that no credential is presented
//! twice and no change is lost.

use std::path::Path;
use std::process::{Child, Output};

use crate::support::{stdout_json, Scratch};

const PROVE: &str = "wallet prove --wallet w.wallet ask.json --yes";

fn prove(s: &Scratch) -> Child {
    s.spawn_line(PROVE)
}

/// `wallet list` as JSON.
fn list(s: &Scratch) -> serde_json::Value {
    let out = s.run_line("wallet list --wallet w.wallet");
    assert!(out.status.success());
    stdout_json(&out)
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

#[test]
fn two_proofs_at_once_never_present_one_credential_twice() {
    for _ in 0..3 {
        let s = Scratch::shop(1);
        let (a, b) = (prove(&s), prove(&s));
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
        assert!(stdout_json(winner).is_string());
        assert!(loser.stdout.is_empty());
    }
}

#[test]
fn adding_while_proving_loses_nothing() {
    for _ in 0..3 {
        let s = Scratch::shop(2);
        let prove = prove(&s);
        let add = s.spawn_line("wallet add --wallet w.wallet next.cred.json");
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
        let list = list(&s);
        let group = &list["credentials"][0];
        assert_eq!(group["used"], 1, "the used mark is kept: {list}");
        assert_eq!(group["unused"], 2, "the added batch is kept: {list}");
        assert_eq!(list["pending"].as_array().unwrap().len(), 0, "{list}");
    }
}

#[test]
fn a_busy_wallet_is_refused_after_a_short_wait() {
    let s = Scratch::shop(1);
    let held = credence::wallet::WalletFile::open(&s.path("w.wallet")).unwrap();
    let before = s.read("w.wallet");
    let started = std::time::Instant::now();
    let out = prove(&s).wait_with_output().unwrap();
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("credence: error: "), "{err}");
    assert!(err.contains("in use"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    drop(held);
    assert_eq!(s.read("w.wallet"), before);
    s.ok_line(PROVE, None);
}

#[test]
fn temporary_files_of_a_killed_write_are_removed_when_the_wallet_is_next_opened() {
    let s = Scratch::shop(1);
    let wallet = s.read("w.wallet");
    // What a write killed before its rename leaves: a full copy of the wallet.
    let left = [
        ".w.wallet.credence-tmp-Ab12Cd",
        ".w.wallet.credence-tmp-zzzzzz",
    ];
    for name in left {
        s.write(name, &wallet);
    }
    // Files of other names are not touched.
    let kept = [
        ".other.wallet.credence-tmp-Ab12Cd",
        ".w.wallet.credence-tmp-x.tmp-Ab12Cd",
        "w.wallet.bak",
    ];
    for name in kept {
        s.write(name, b"x");
    }
    s.ok_line("wallet list --wallet w.wallet", None);
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

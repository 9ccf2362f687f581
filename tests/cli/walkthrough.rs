//! The README's walkthrough, run command by command through the built
//! binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{snapshot, BIN};

/// One shell command of the walkthrough and the exit code it must give.
struct Step {
    text: String,
    expect: i32,
}

/// The `sh` block under the README's "The `credence` tool" heading.
fn walkthrough_block() -> &'static str {
    let readme = include_str!("../../README.md");
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

    // The anonymous mode: a small crowd refused, then a satisfied verdict
    // against the court's list; after the revocation, a clear refusal.
    let small = find(&ran, &["wallet prove", "anon1.req.json"], 0);
    let err = small.stderr();
    assert!(
        err.contains("Anonymous:  `court`: shown as one of 3"),
        "{err}"
    );
    assert!(
        err.contains("fewer than this wallet's minimum of 1024"),
        "{err}"
    );
    let check = find(&ran, &["verifier check", "anon1.pres.json"], 0);
    let verdict: serde_json::Value = serde_json::from_str(&check.stdout()).unwrap();
    assert_eq!(verdict["satisfied"], true, "{verdict}");
    // It asked for Mei's pseudonym: the verdict names it.
    assert_eq!(verdict["pseudonym"].as_str().map(str::len), Some(43));
    assert!(small.stderr().contains("Pseudonym:  yes"));
    let presentation: credence::Presentation =
        serde_json::from_slice(&std::fs::read(dir.path().join("anon1.pres.json")).unwrap())
            .unwrap();
    assert!(matches!(
        presentation.shown(),
        [credence::Shown::Anonymous(_)]
    ));
    let revoked = find(&ran, &["wallet prove", "anon2.req.json"], 0);
    let last = revoked.stderr().lines().last().unwrap().to_owned();
    assert!(last.contains("revoked"), "{last}");
    assert!(!dir.path().join("anon2.pres.json").exists());

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
        4
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

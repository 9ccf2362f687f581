use super::*;
use crate::keys::RaterSigningKey;
use crate::policy::parse_policy;
use crate::policy::Date;
use crate::schema::{Attribute, AttributeKind, Category, Schema};
use rand::rngs::OsRng;
use std::path::Path;

fn attr(name: &str, kind: AttributeKind, category: Category) -> Attribute {
    Attribute {
        name: name.into(),
        kind,
        category,
    }
}

struct Rater {
    key: RaterSigningKey,
    descriptor: RaterDescriptor,
}

impl Rater {
    fn new(schema: Schema) -> Self {
        let key = RaterSigningKey::generate(&mut OsRng);
        let descriptor = RaterDescriptor::new(schema, key.public_key());
        Rater { key, descriptor }
    }
    fn issue(
        &self,
        request: &IssuanceRequest,
        values: &[(&str, u64)],
        count: usize,
    ) -> Vec<IssuedCredential> {
        self.key
            .issue(self.descriptor.schema(), request, values, count)
            .unwrap()
    }
}

fn bank() -> Rater {
    Rater::new(
        Schema::new(
            "bank",
            1,
            vec![
                attr(
                    "liquidity_eur",
                    AttributeKind::Uint { max: 1_000_000 },
                    Category::Financial,
                ),
                attr("valid_until", AttributeKind::Date, Category::Validity),
            ],
        )
        .unwrap(),
    )
}

fn social() -> Rater {
    Rater::new(
        Schema::new(
            "social",
            1,
            vec![
                attr(
                    "contacts_score",
                    AttributeKind::Uint { max: 1000 },
                    Category::Behavioural,
                ),
                attr("valid_until", AttributeKind::Date, Category::Validity),
            ],
        )
        .unwrap(),
    )
}

fn until() -> u64 {
    Date::parse("2027-12-31").unwrap().days()
}

/// A wallet with `count` bank credentials holding `liquidity`.
fn funded(bank: &Rater, liquidity: u64, count: usize) -> Wallet {
    let mut w = Wallet::generate();
    let req = w.request_issuance(&bank.descriptor);
    let issued = bank.issue(
        &req,
        &[("liquidity_eur", liquidity), ("valid_until", until())],
        count,
    );
    assert_eq!(w.add(issued).unwrap().1, count);
    w
}

fn ask(raters: &[&Rater], verifier: &str, policy: &str) -> ProofRequest {
    let mut b = ProofRequest::builder(verifier, Date::parse("2027-03-01").unwrap())
        .purpose("test")
        .predicates(parse_policy(policy).unwrap());
    for r in raters {
        b = b.trust(r.descriptor.schema().clone(), vec![*r.descriptor.key()]);
    }
    b.build().unwrap()
}

#[test]
fn credentials_are_presented_once() {
    let bank = bank();
    let mut w = funded(&bank, 9000, 2);
    let req = ask(&[&bank], "v", "bank.liquidity_eur >= 5000");
    let p1 = w.prove(&req).unwrap();
    let p2 = w.prove(&req).unwrap();
    assert!(p1.verify(&req).is_satisfied() && p2.verify(&req).is_satisfied());
    assert_ne!(p1.shown(), p2.shown());
    assert!(w.credentials().iter().all(|c| c.used));
    let before = w.to_json().unwrap();
    assert_eq!(
        w.prove(&req).unwrap_err(),
        WalletError::AllUsed {
            schema: "bank".into()
        }
    );
    assert_eq!(
        w.to_json().unwrap(),
        before,
        "a failed proof changes nothing"
    );
    assert_eq!(w.disclosures()["v"].len(), 2);
}

#[test]
fn a_failed_proof_records_nothing() {
    let bank = bank();
    let mut w = funded(&bank, 9000, 1);
    let req = ask(&[&bank], "v", "bank.liquidity_eur >= 10000");
    assert!(matches!(
        w.prove(&req),
        Err(WalletError::Credence(Error::PredicateNotMet { .. }))
    ));
    assert!(w.disclosures().is_empty());
    assert!(!w.credentials()[0].used);
}

#[test]
fn threshold_probing_is_refused_unless_allowed() {
    let bank = bank();
    let mut w = funded(&bank, 18_250, 4);
    let x = AttrRef::parse("bank.liquidity_eur").unwrap();
    w.set_min_interval(x.clone(), 2000);
    w.prove(&ask(&[&bank], "c", "bank.liquidity_eur >= 5000"))
        .unwrap();
    w.prove(&ask(&[&bank], "c", "bank.liquidity_eur <= 20000"))
        .unwrap();
    // [18100, 20000] is narrower than 2000.
    let probe = ask(&[&bank], "c", "bank.liquidity_eur >= 18100");
    let err = w.prove(&probe).unwrap_err();
    let WalletError::Narrowing(n) = &err else {
        panic!("{err}")
    };
    assert_eq!(n.known, Some((18_100, 20_000)));
    assert_eq!(n.attribute, x);
    let text = err.to_string();
    assert!(
        text.contains("bank.liquidity_eur") && text.contains("`c`"),
        "{text}"
    );
    assert!(!text.contains("18250"), "{text}");
    assert_eq!(w.disclosures()["c"].len(), 2);
    // Another verifier learned nothing yet: the same request is fine there.
    let elsewhere = ask(&[&bank], "d", "bank.liquidity_eur >= 18100");
    assert!(w.check_narrowing(&elsewhere).is_ok());
    // [18000, 20000] is exactly 2000 wide: allowed.
    assert!(w
        .check_narrowing(&ask(&[&bank], "c", "bank.liquidity_eur >= 18000"))
        .is_ok());
    // Revealing a protected value is refused; the override answers anyway.
    let reveal = ask(&[&bank], "e", "reveal bank.liquidity_eur");
    assert!(matches!(
        w.check_narrowing(&reveal),
        Err(WalletError::Narrowing(Narrowing { known: None, .. }))
    ));
    let p = w.prove_allowing_narrowing(&probe).unwrap();
    assert!(p.verify(&probe).is_satisfied());
    assert_eq!(w.disclosures()["c"].len(), 3);
    // Asking again what the verifier already knows tells it nothing new; a
    // further narrowing is refused.
    let same = ask(&[&bank], "c", "bank.liquidity_eur <= 20000");
    assert!(w.check_narrowing(&same).is_ok());
    assert!(!w.narrowing(&same)[0].narrows);
    assert!(w
        .check_narrowing(&ask(&[&bank], "c", "bank.liquidity_eur <= 19999"))
        .is_err());
    // Without protection nothing is refused.
    w.set_min_interval(x, 0);
    assert!(w.check_narrowing(&reveal).is_ok());
}

#[test]
fn multi_attribute_scores_are_not_tracked() {
    let bank = bank();
    let social = social();
    let mut w = funded(&bank, 18_250, 1);
    w.set_min_interval(AttrRef::parse("bank.liquidity_eur").unwrap(), 2000);
    let req = ask(
        &[&bank, &social],
        "c",
        "bank.liquidity_eur - social.contacts_score >= 17000",
    );
    assert!(w.narrowing(&req).is_empty());
}

#[test]
fn consent_summary_shows_categories_reveals_and_behavioural_flags() {
    let bank = bank();
    let social = social();
    let mut w = funded(&bank, 18_250, 2);
    let req = w.request_issuance(&social.descriptor);
    w.add(social.issue(
        &req,
        &[("contacts_score", 640), ("valid_until", until())],
        1,
    ))
    .unwrap();
    w.set_min_interval(AttrRef::parse("bank.liquidity_eur").unwrap(), 100);
    let req = ask(
        &[&bank, &social],
        "landlord.example",
        "bank.liquidity_eur >= 5000 and reveal social.contacts_score",
    );
    let c = w.consent(&req);
    assert_eq!(c.revealed, vec!["social.contacts_score".to_owned()]);
    assert_eq!(c.behavioural, vec!["social.contacts_score".to_owned()]);
    assert_eq!(
        c.categories,
        vec![
            Category::Financial,
            Category::Behavioural,
            Category::Validity
        ]
    );
    assert_eq!(c.statements.len(), 4);
    assert_eq!(c.statements[2].statement, "bank.valid_until >= 2027-03-01");
    assert_eq!(
        c.credentials,
        vec![("bank".to_owned(), 2), ("social".to_owned(), 1)]
    );
    assert_eq!(c.narrowing.len(), 1);
    let text = c.to_string();
    assert!(text.contains("BEHAVIOURAL"), "{text}");
    assert!(text.contains("landlord.example"), "{text}");
    for secret in ["18250", "640", &until().to_string()] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn credentials_for_another_wallet_or_tampered_are_refused() {
    let bank = bank();
    let mut mine = Wallet::generate();
    let req = mine.request_issuance(&bank.descriptor);
    let issued = bank.issue(&req, &[("liquidity_eur", 1), ("valid_until", until())], 1);

    let mut other = Wallet::generate();
    assert_eq!(
        other.add(issued.clone()).unwrap_err(),
        WalletError::NoPendingRequest
    );
    // Even with its own pending request to the same rater.
    other.request_issuance(&bank.descriptor);
    let before = other.to_json().unwrap();
    assert_eq!(
        other.add(issued.clone()).unwrap_err(),
        WalletError::NoPendingRequest
    );
    assert_eq!(other.to_json().unwrap(), before);

    // A tampered value: the opening no longer matches.
    let mut bytes = issued[0].to_bytes().to_vec();
    let at = issued[0].credential().to_bytes().len() + 4;
    bytes[at] ^= 1;
    let tampered = IssuedCredential::from_bytes(&bytes).unwrap();
    assert!(matches!(
        mine.add(vec![tampered]).unwrap_err(),
        WalletError::Credence(Error::CredentialRejected(_))
    ));
    assert_eq!(mine.pending().len(), 1);
    mine.add(issued).unwrap();
    assert!(mine.pending().is_empty());
}

#[test]
fn the_file_round_trips_and_is_checked() {
    let bank = bank();
    let mut w = funded(&bank, 777_777, 2);
    w.request_issuance(&bank.descriptor);
    w.set_min_interval(AttrRef::parse("bank.liquidity_eur").unwrap(), 50);
    w.prove(&ask(&[&bank], "v", "bank.liquidity_eur >= 5"))
        .unwrap();
    let json = w.to_json().unwrap();
    let back = Wallet::from_json(&json).unwrap();
    assert_eq!(back.to_json().unwrap(), json);
    assert_eq!(back.credentials(), w.credentials());
    assert_eq!(back.pending().len(), 1);

    let text = std::str::from_utf8(&json).unwrap();
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["format"], "credence-wallet");
    assert_eq!(v["version"], 1);
    let link = v["link_secret"].as_str().unwrap();
    assert!(!format!("{w:?}").contains(link));

    // A tampered credential is caught when the file is read.
    let cred = v["credentials"][0]["credential"].as_str().unwrap();
    let mut chars: Vec<char> = cred.chars().collect();
    let i = chars.len() - 60;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let bad = text.replace(cred, &chars.iter().collect::<String>());
    let err = Wallet::from_json(bad.as_bytes()).unwrap_err();
    assert!(matches!(err, WalletError::Format(_)), "{err}");
    assert!(err.to_string().contains("credential 0"), "{err}");

    // Errors quote no value from the file.
    let bad = text.replace(r#""used": true"#, &format!(r#""used": "{link}""#));
    let err = Wallet::from_json(bad.as_bytes()).unwrap_err();
    assert!(!err.to_string().contains(link), "{err}");
    let bad = text.replace("\"version\": 1", "\"version\": 2");
    assert!(Wallet::from_json(bad.as_bytes()).is_err());
    assert!(Wallet::from_json(b"{").is_err());
}

#[cfg(unix)]
#[test]
fn files_are_private_and_never_overwritten_by_create() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    let w = Wallet::generate();
    w.create(&path).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    let first = std::fs::read(&path).unwrap();
    assert_eq!(
        Wallet::generate().create(&path).unwrap_err(),
        WalletError::Exists(path.clone())
    );
    assert_eq!(std::fs::read(&path).unwrap(), first);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut loaded = Wallet::load(&path).unwrap();
    loaded.set_min_interval(AttrRef::parse("bank.x").unwrap(), 3);
    loaded.save(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(Wallet::load(&path).unwrap().min_intervals().len(), 1);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left behind");
    assert!(matches!(
        Wallet::load(&dir.path().join("missing")),
        Err(WalletError::Io { .. })
    ));
}

fn bank_with_late_payments() -> Rater {
    Rater::new(
        Schema::new(
            "bank",
            1,
            vec![
                attr(
                    "liquidity_eur",
                    AttributeKind::Uint { max: 1_000_000 },
                    Category::Financial,
                ),
                attr(
                    "late_payments",
                    AttributeKind::Uint { max: 100 },
                    Category::Financial,
                ),
                attr("valid_until", AttributeKind::Date, Category::Validity),
            ],
        )
        .unwrap(),
    )
}

/// Adds a batch of `count` bank credentials holding `liquidity` to `w`.
fn add_batch(w: &mut Wallet, bank: &Rater, liquidity: u64, count: usize) {
    let req = w.request_issuance(&bank.descriptor);
    let issued = bank.issue(
        &req,
        &[
            ("liquidity_eur", liquidity),
            ("late_payments", 2),
            ("valid_until", until()),
        ],
        count,
    );
    w.add(issued).unwrap();
}

#[test]
fn probing_is_judged_on_the_merged_statements() {
    let bank = bank_with_late_payments();
    let mut w = Wallet::generate();
    add_batch(&mut w, &bank, 18_250, 4);
    w.set_min_interval(AttrRef::parse("bank.liquidity_eur").unwrap(), 2000);
    w.prove(&ask(&[&bank], "c", "bank.liquidity_eur <= 20000"))
        .unwrap();
    // The written terms cancel: the verifier learns `liquidity >= 18100`.
    let disguised = ask(
        &[&bank],
        "c",
        "bank.liquidity_eur + bank.late_payments - bank.late_payments >= 18100",
    );
    let consent = w.consent(&disguised);
    assert_eq!(
        consent.statements[0].statement,
        "bank.liquidity_eur >= 18100"
    );
    assert!(
        matches!(
            w.prove(&disguised),
            Err(WalletError::Narrowing(Narrowing {
                known: Some((18_100, 20_000)),
                ..
            }))
        ),
        "{consent}"
    );
    // Answered anyway, a disguised follow-up is judged on what it adds.
    w.prove_allowing_narrowing(&disguised).unwrap();
    let follow_up = ask(
        &[&bank],
        "c",
        "bank.liquidity_eur + bank.late_payments - bank.late_payments <= 18300",
    );
    let err = w.prove(&follow_up).unwrap_err();
    assert!(
        matches!(
            err,
            WalletError::Narrowing(Narrowing {
                known: Some((18_100, 18_300)),
                ..
            })
        ),
        "{err}"
    );
    assert!(w.consent(&follow_up).to_string().contains("REFUSED"));
}

#[test]
fn an_inconsistent_history_does_not_switch_the_guard_off() {
    let bank = bank_with_late_payments();
    let mut w = Wallet::generate();
    add_batch(&mut w, &bank, 9000, 1);
    w.set_min_interval(AttrRef::parse("bank.liquidity_eur").unwrap(), 2000);
    w.prove(&ask(&[&bank], "c", "bank.liquidity_eur <= 11000"))
        .unwrap();
    // A new batch holds another value: what `c` learned before does not
    // contradict what it would learn about the new one.
    add_batch(&mut w, &bank, 18_250, 2);
    let between = ask(&[&bank], "c", "18000 <= bank.liquidity_eur <= 18500");
    let err = w.prove(&between).unwrap_err();
    assert!(
        matches!(
            err,
            WalletError::Narrowing(Narrowing {
                known: Some((18_000, 18_500)),
                ..
            })
        ),
        "{err}"
    );
    w.prove_allowing_narrowing(&between).unwrap();
    let equals = ask(&[&bank], "c", "bank.liquidity_eur == 18250");
    assert!(matches!(w.prove(&equals), Err(WalletError::Narrowing(_))));
    assert!(w.consent(&equals).to_string().contains("REFUSED"));
}

/// A wallet file with `count` bank credentials, in a fresh directory.
fn wallet_file(bank: &Rater, count: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.wallet");
    funded(bank, 9000, count).create(&path).unwrap();
    (dir, path)
}

#[test]
fn a_locked_wallet_waits_then_fails_clearly() {
    let bank = bank();
    let (_dir, path) = wallet_file(&bank, 1);
    let mut held = WalletFile::open(&path).unwrap();
    let short = std::time::Duration::from_millis(200);
    let err = WalletFile::open_waiting(&path, short).unwrap_err();
    assert_eq!(err, WalletError::Locked(path.clone()));
    assert!(
        err.to_string().contains("in use by another command"),
        "{err}"
    );
    // A save keeps the lock: the new file is locked before it replaces the old.
    held.set_min_interval(AttrRef::parse("bank.liquidity_eur").unwrap(), 7);
    held.save().unwrap();
    assert!(matches!(
        WalletFile::open_waiting(&path, short),
        Err(WalletError::Locked(_))
    ));
    held.set_min_interval(AttrRef::parse("bank.valid_until").unwrap(), 8);
    held.save().unwrap();
    drop(held);
    let again = WalletFile::open_waiting(&path, short).unwrap();
    assert_eq!(again.min_intervals().len(), 2);
    assert_eq!(again.path(), path);
}

#[test]
fn wallets_opened_at_once_take_turns() {
    let bank = bank();
    let (_dir, path) = wallet_file(&bank, 3);
    let req = ask(&[&bank], "v", "bank.liquidity_eur >= 5000");
    let outcomes: Vec<Result<Presentation, WalletError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut w = WalletFile::open(&path)?;
                    let p = w.prove(&req)?;
                    w.save()?;
                    Ok(p)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let proofs: Vec<&Presentation> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(proofs.len(), 3, "{outcomes:?}");
    for (i, a) in proofs.iter().enumerate() {
        assert!(a.verify(&req).is_satisfied());
        for b in &proofs[i + 1..] {
            assert_ne!(a.shown(), b.shown(), "a credential was reused");
        }
    }
    assert!(outcomes
        .iter()
        .any(|o| matches!(o, Err(WalletError::AllUsed { .. }))));
    let w = Wallet::load(&path).unwrap();
    assert!(w.credentials().iter().all(|c| c.used));
    assert_eq!(w.disclosures()["v"].len(), 3);
}

#[test]
fn opening_removes_what_killed_writes_left() {
    let bank = bank();
    let (dir, path) = wallet_file(&bank, 1);
    let copy = std::fs::read(&path).unwrap();
    let left = dir.path().join(".w.wallet.credence-tmp-Q1w2E3");
    std::fs::write(&left, &copy).unwrap();
    let other = dir.path().join(".x.wallet.credence-tmp-Q1w2E3");
    std::fs::write(&other, b"x").unwrap();
    // Reading without the lock removes nothing.
    Wallet::load(&path).unwrap();
    assert!(left.exists());
    let mut w = WalletFile::open(&path).unwrap();
    assert!(!left.exists());
    assert!(other.exists());
    w.save().unwrap();
    drop(w);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn creating_a_wallet_file_keeps_it_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.wallet");
    let created = WalletFile::create(&path, Wallet::generate()).unwrap();
    assert!(matches!(
        WalletFile::open_waiting(&path, std::time::Duration::from_millis(50)),
        Err(WalletError::Locked(_))
    ));
    assert_eq!(
        WalletFile::create(&path, Wallet::generate()).unwrap_err(),
        WalletError::Exists(path.clone())
    );
    drop(created);
    WalletFile::open(&path).unwrap();
}

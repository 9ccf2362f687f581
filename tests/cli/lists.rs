//! The rater's issuance records and epoch lists: `rater issue --subject`,
//! `rater publish-list` and `rater revoke`.

use credence::epoch::EpochList;
use credence::RaterDescriptor;

use crate::support::{all_fail_cleanly, stdout_json, Scratch, COURT_SCHEMA};

/// The court with three subjects' batches of two credentials each.
fn court() -> Scratch {
    let s = Scratch::new();
    s.rater("court", COURT_SCHEMA);
    for who in ["mei", "li", "ana"] {
        s.ok_line(&format!("wallet init --wallet {who}.wallet"), None);
        s.ok_line(
            &format!("wallet request --wallet {who}.wallet --rater court.pub.json"),
            Some(&format!("{who}.req.json")),
        );
        s.ok_line(
            &format!(
                "rater issue --key court.key --request {who}.req.json \
                 --set outstanding_defaults=0 --valid-until 2027-12-31 --batch 2 \
                 --subject case-{who} --out {who}.cred.json"
            ),
            None,
        );
    }
    s
}

fn list(s: &Scratch, file: &str) -> EpochList {
    let list = EpochList::from_bytes(&s.read(file)).unwrap();
    let d: RaterDescriptor = serde_json::from_slice(&s.read("court.pub.json")).unwrap();
    list.verify(d.key(), d.schema()).unwrap();
    list
}

#[test]
fn revoked_subjects_leave_the_next_list() {
    let s = court();
    let out =
        s.run_line("rater publish-list --key court.key --from 2027-03-01 --days 7 --out e1.list");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout_json(&out);
    assert_eq!(summary["epoch"], 1);
    assert_eq!(summary["count"], 6);
    assert_eq!(summary["base"], 4);
    assert_eq!(
        summary["not_after"].as_u64().unwrap() - summary["not_before"].as_u64().unwrap(),
        7 * 86_400
    );
    let e1 = list(&s, "e1.list");
    assert_eq!(e1.len(), 6);
    assert_eq!(
        summary["digest"].as_str().unwrap(),
        base64_url(&e1.digest())
    );

    let out = s.run_line("rater revoke --key court.key --subject case-li");
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["revoked"], 1);
    assert_eq!(stdout_json(&out)["from_epoch"], 2);

    s.ok_line(
        "rater publish-list --key court.key --from 2027-03-08 --out e2.list",
        None,
    );
    let e2 = list(&s, "e2.list");
    assert_eq!((e2.epoch(), e2.len()), (2, 4));
    // Li's two digests are exactly the ones that left.
    let gone: Vec<_> = e1
        .entries()
        .iter()
        .filter(|e| e2.position(e).is_none())
        .collect();
    assert_eq!(gone.len(), 2);

    // Revoking by digest: Mei's batch, named by one of its digests.
    let records: serde_json::Value =
        serde_json::from_slice(&s.read("court.key.records.json")).unwrap();
    assert_eq!(records["format"], "credence-issuance-records");
    let mei = records["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == "case-mei")
        .unwrap();
    let digest = mei["digests"][1].as_str().unwrap().to_owned();
    s.ok_line(
        &format!("rater revoke --key court.key --digest {digest}"),
        None,
    );
    s.ok_line(
        "rater publish-list --key court.key --from 2027-03-09 --base 16 --out e3.list",
        None,
    );
    let e3 = list(&s, "e3.list");
    assert_eq!((e3.epoch(), e3.len(), e3.params().base()), (3, 2, 16));
}

#[test]
fn bad_list_commands_fail_cleanly() {
    let s = court();
    s.ok_line(
        "rater publish-list --key court.key --epoch 5 --from 2027-03-01 --out e5.list",
        None,
    );
    all_fail_cleanly(
        &s,
        &[
            (
                "rater publish-list --key court.key --epoch 5 --from 2027-03-02 --out e.list",
                "epoch 5 is not after the last published epoch 5",
            ),
            (
                "rater publish-list --key court.key --from 2027-03-02 --days 0 --out e.list",
                "--days",
            ),
            (
                "rater publish-list --key court.key --from 2027-03-02 --base 17 --out e.list",
                "base",
            ),
            (
                "rater publish-list --key court.key --records none.json --out e.list",
                "no issuance records",
            ),
            (
                "rater revoke --key court.key --subject case-nobody",
                "no issuance matches",
            ),
            ("rater revoke --key court.key --digest AAAA", "--digest"),
            (
                "rater revoke --key court.key --records none.json --subject case-mei",
                "no issuance records",
            ),
            (
                "rater issue --key court.key --request mei.req.json --set outstanding_defaults=0 \
                 --valid-until 2027-12-31 --subject ''",
                "subject label",
            ),
        ],
    );
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    URL_SAFE_NO_PAD.encode(bytes)
}

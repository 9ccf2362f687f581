//! The base64url prefixes spec §3.10 states for each object
//! kind hold for real encodings: the third character carries the low four bits
//! of the tag and the top two bits of the first body byte, so each kind has
//! four possible prefixes, and all four occur.

mod common;

use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use credence::wallet::*;
use credence::*;

/// The prefixes the spec states, per object kind.
const STATED: [(&str, [&str; 4]); 6] = [
    ("credential", ["AQI", "AQJ", "AQK", "AQL"]),
    ("issuance request", ["AQM", "AQN", "AQO", "AQP"]),
    ("issued credential", ["AQQ", "AQR", "AQS", "AQT"]),
    ("presentation", ["AQY", "AQZ", "AQa", "AQb"]),
    ("held credential", ["AQc", "AQd", "AQe", "AQf"]),
    ("pending issuance", ["AQg", "AQh", "AQi", "AQj"]),
];

fn prefix(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&bytes[..3])[..3].to_owned()
}

fn stated(kind: &str) -> BTreeSet<String> {
    let (_, p) = STATED.iter().find(|(k, _)| *k == kind).unwrap();
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn stated_prefixes_match_real_encodings() {
    let mut seen: Vec<(&str, BTreeSet<String>)> =
        STATED.iter().map(|(k, _)| (*k, BTreeSet::new())).collect();
    let mut note = |kind: &str, bytes: &[u8], json: Option<String>| {
        let p = prefix(bytes);
        // The JSON string is the same base64url text.
        if let Some(json) = json {
            assert!(json.starts_with(&format!("\"{p}")), "{kind}: {json:.8}");
        }
        assert!(
            stated(kind).contains(&p),
            "{kind}: {p} is not a stated prefix"
        );
        seen.iter_mut()
            .find(|(k, _)| *k == kind)
            .unwrap()
            .1
            .insert(p);
    };

    // Raters whose key ids (and keys) start with each two-bit class.
    let until = date("2027-12-31").days();
    let mut seed = 100;
    let mut classes_ids = BTreeSet::new();
    let mut classes_keys = BTreeSet::new();
    while classes_ids.len() < 4 || classes_keys.len() < 4 {
        seed += 1;
        let rater = Rater::new(court_schema(), seed);
        let id_hex = rater.public().key_id().to_string();
        let id_class = u8::from_str_radix(&id_hex[..2], 16).unwrap() >> 6;
        let key_class = rater.public().to_bytes()[0] >> 6;
        let new_id = classes_ids.insert(id_class);
        let new_key = classes_keys.insert(key_class);
        if !new_id && !new_key {
            continue;
        }
        let link = LinkSecret::generate(&mut rng(seed));
        let (req, pending) =
            link.issuance_request_with_rng(&rater.public(), &rater.schema, &mut rng(seed));
        note(
            "issuance request",
            &req.to_bytes(),
            Some(serde_json::to_string(&req).unwrap()),
        );
        note("pending issuance", &pending.to_bytes(), None);
        let issued = rater
            .key
            .issue_with_rng(
                &rater.schema,
                &req,
                &[("outstanding_defaults", 0), ("valid_until", until)],
                1,
                &mut rng(seed),
            )
            .unwrap();
        note("issued credential", &issued[0].to_bytes(), None);
        let held = pending.accept(&link, &rater.schema, issued).unwrap();
        let c = held[0].credential();
        note(
            "credential",
            &c.to_bytes(),
            Some(serde_json::to_string(c).unwrap()),
        );
        note("held credential", &held[0].to_bytes(), None);
    }

    // Presentations start with the request digest: pick nonces whose digests
    // fall in each class, and prove one presentation for each.
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let mut classes = BTreeSet::new();
    for n in 0..=255u8 {
        let request = w
            .request(vec![Predicate::at_least(a("bank.liquidity_eur"), 5000)])
            .build_with_nonce([n; 32])
            .unwrap();
        if !classes.insert(request.digest()[0] >> 6) {
            continue;
        }
        let p =
            Presentation::prove_with_rng(&request, &link, &creds, &mut rng(u64::from(n))).unwrap();
        note(
            "presentation",
            &p.to_bytes(),
            Some(serde_json::to_string(&p).unwrap()),
        );
        if classes.len() == 4 {
            break;
        }
    }

    for (kind, prefixes) in seen {
        assert_eq!(prefixes, stated(kind), "{kind}: every stated prefix occurs");
    }
}

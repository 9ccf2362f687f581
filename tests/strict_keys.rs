//! Ed25519 rater keys are decoded strictly wherever they are read (spec §4.2):
//! a key of small order, or a non-canonical encoding (`y ≥ p`, or `x = 0` with
//! the sign bit set), is refused in binary and JSON forms alike.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use credence::rater::*;
use credence::wallet::*;
use credence::*;
use curve25519_dalek::edwards::CompressedEdwardsY;

/// Little-endian `2^255 - 19 + k`.
fn y_above_p(k: u8) -> [u8; 32] {
    let mut b = [0xffu8; 32];
    b[0] = 0xed + k;
    b[31] = 0x7f;
    b
}

/// Keys that a strict decoder refuses: small order, `y ≥ p` for a point of
/// large order, and `x = 0` with the sign bit set.
fn bad_keys() -> Vec<(&'static str, [u8; 32])> {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let large_y = (2..19u8)
        .find(|k| {
            let mut b = [0u8; 32];
            b[0] = *k;
            CompressedEdwardsY(b)
                .decompress()
                .is_some_and(|p| !p.is_small_order())
        })
        .unwrap();
    let mut neg_zero = identity;
    neg_zero[31] |= 0x80;
    vec![
        ("small order (identity)", identity),
        ("small order (order 4)", [0u8; 32]),
        ("y >= p", y_above_p(large_y)),
        ("x = 0 with the sign bit set", neg_zero),
    ]
}

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

/// Replaces the one occurrence of `from` in `bytes` by `to`.
fn swap(bytes: &[u8], from: &[u8; 32], to: &[u8; 32]) -> Vec<u8> {
    let at = bytes.windows(32).position(|w| w == from).unwrap();
    assert!(bytes[at + 1..].windows(32).all(|w| w != from));
    let mut out = bytes.to_vec();
    out[at..at + 32].copy_from_slice(to);
    out
}

fn refused_key(e: &DecodeError) -> bool {
    matches!(e, DecodeError::InvalidPoint(what) if what.starts_with("rater verifying key"))
}

#[test]
fn rater_public_key_refuses_weak_and_non_canonical_keys() {
    for (why, key) in bad_keys() {
        let e = RaterPublicKey::from_bytes(&key).unwrap_err();
        assert!(refused_key(&e), "{why}: {e}");
        let json = format!("\"{}\"", b64(&key));
        assert!(
            serde_json::from_str::<RaterPublicKey>(&json).is_err(),
            "{why}"
        );
    }
    let good = Rater::new(court_schema(), 9).public();
    assert_eq!(RaterPublicKey::from_bytes(&good.to_bytes()).unwrap(), good);
}

#[test]
fn requests_refuse_bad_keys_in_binary_and_json() {
    let w = World::new();
    let request = w
        .request(vec![Predicate::at_least(a("bank.liquidity_eur"), 5000)])
        .build_with_nonce([6; 32])
        .unwrap();
    let key = w.bank.public().to_bytes();
    let bytes = request.to_bytes();
    let json = serde_json::to_string(&request).unwrap();
    assert!(json.contains(&b64(&key)));
    for (why, bad) in bad_keys() {
        let e = ProofRequest::from_bytes(&swap(&bytes, &key, &bad)).unwrap_err();
        assert!(refused_key(&e), "{why}: {e}");
        let tampered = json.replace(&b64(&key), &b64(&bad));
        let e = serde_json::from_str::<ProofRequest>(&tampered).unwrap_err();
        assert!(e.to_string().contains("rater verifying key"), "{why}: {e}");
    }
}

#[test]
fn descriptors_and_trust_lists_refuse_bad_keys() {
    let w = World::new();
    let d = RaterDescriptor::new(w.bank.schema.clone(), w.bank.public());
    let key = b64(&w.bank.public().to_bytes());
    let one = serde_json::to_string(&d).unwrap();
    let list = serde_json::to_string(&vec![
        RaterDescriptor::new(w.court.schema.clone(), w.court.public()),
        d,
    ])
    .unwrap();
    for (why, bad) in bad_keys() {
        let e =
            serde_json::from_str::<RaterDescriptor>(&one.replace(&key, &b64(&bad))).unwrap_err();
        assert!(e.to_string().contains("rater verifying key"), "{why}: {e}");
        let e = serde_json::from_str::<Vec<RaterDescriptor>>(&list.replace(&key, &b64(&bad)))
            .unwrap_err();
        assert!(e.to_string().contains("rater verifying key"), "{why}: {e}");
    }
}

#[test]
fn pending_issuances_and_wallet_files_refuse_bad_keys() {
    let w = World::new();
    let link = LinkSecret::generate(&mut rng(11));
    let key = w.bank.public().to_bytes();
    let (_, pending) =
        link.issuance_request_with_rng(&w.bank.public(), &w.bank.schema, &mut rng(12));
    let bytes = pending.to_bytes().to_vec();
    assert_eq!(bytes[2..34], key);

    let mut wallet = Wallet::generate_with_rng(&mut rng(13));
    let d = RaterDescriptor::new(w.bank.schema.clone(), w.bank.public());
    wallet.request_issuance_with_rng(&d, &mut rng(14));
    let file = String::from_utf8(wallet.to_json().unwrap().to_vec()).unwrap();
    assert!(Wallet::from_json(file.as_bytes()).is_ok());

    for (why, bad) in bad_keys() {
        let mut b = bytes.clone();
        b[2..34].copy_from_slice(&bad);
        let e = PendingIssuance::from_bytes(&b).unwrap_err();
        assert!(refused_key(&e), "{why}: {e}");

        // In the wallet file the key appears in the descriptor and inside the
        // pending issuance; each alone is refused.
        let in_descriptor = file.replace(&b64(&key), &b64(&bad));
        assert!(
            Wallet::from_json(in_descriptor.as_bytes()).is_err(),
            "{why}"
        );
        let v: serde_json::Value = serde_json::from_str(&file).unwrap();
        let issuance = v["pending"][0]["issuance"].as_str().unwrap().to_owned();
        let mut raw = URL_SAFE_NO_PAD.decode(&issuance).unwrap();
        raw[2..34].copy_from_slice(&bad);
        let in_issuance = file.replace(&issuance, &b64(&raw));
        assert!(Wallet::from_json(in_issuance.as_bytes()).is_err(), "{why}");
    }
}

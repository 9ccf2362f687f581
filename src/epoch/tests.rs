use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand::rngs::OsRng;

use super::*;
use crate::generators::blinding_mul;
use crate::membership::{self, Witness};

fn schema(id: &str) -> Schema {
    match id {
        "court" => crate::fixtures::court_schema(),
        _ => crate::fixtures::bank_schema(),
    }
}

const WINDOW: EpochWindow = EpochWindow {
    epoch: 7,
    not_before: 1_800_000_000,
    not_after: 1_800_086_400,
};

fn digests(count: usize) -> Vec<CompressedRistretto> {
    (0..count)
        .map(|_| RistrettoPoint::random(&mut OsRng).compress())
        .collect()
}

fn signed(count: usize) -> (RaterSigningKey, EpochList) {
    let key = RaterSigningKey::generate(&mut OsRng);
    let list = EpochList::sign(&key, &schema("court"), WINDOW, 4, &digests(count)).unwrap();
    (key, list)
}

#[test]
fn a_signed_list_round_trips_and_verifies() {
    let key = RaterSigningKey::generate(&mut OsRng);
    let mut d = digests(37);
    d.push(d[3]);
    let list = EpochList::sign(&key, &schema("court"), WINDOW, 4, &d).unwrap();
    assert_eq!(list.len(), 37, "the repeat is dropped");
    assert_eq!((list.params().base(), list.params().digits()), (4, 3));
    assert!(list
        .entries()
        .windows(2)
        .all(|w| w[0].as_bytes() < w[1].as_bytes()));
    for e in &d {
        let at = list.position(e).unwrap();
        assert_eq!(list.entries()[at], *e);
        assert_eq!(list.points()[at].compress(), *e);
    }
    assert_eq!(
        list.position(&RistrettoPoint::random(&mut OsRng).compress()),
        None
    );
    list.verify(&key.public_key(), &schema("court")).unwrap();

    let bytes = list.to_bytes();
    assert_eq!(bytes.len(), HEADER_LEN + 37 * 32 + 64);
    assert_eq!(&bytes[..2], &[VERSION, tag::EPOCH_LIST]);
    let back = EpochList::from_bytes(&bytes).unwrap();
    assert_eq!(back, list);
    assert_eq!(back.digest(), list.digest());
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.window(), WINDOW);
    back.verify(&key.public_key(), &schema("court")).unwrap();
    assert!(back.is_current_at(WINDOW.not_before));
    assert!(!back.is_current_at(WINDOW.not_after));
    assert!(!back.is_current_at(WINDOW.not_before - 1));
    assert!(format!("{list:?}").contains(&format!("{}", Hex(&list.digest()))));
}

#[test]
fn lists_of_another_key_schema_or_signature_are_refused() {
    let (key, list) = signed(5);
    let other = RaterSigningKey::generate(&mut OsRng);
    assert_eq!(
        list.verify(&other.public_key(), &schema("court")),
        Err(Error::ListRejected("it is signed by another rater key"))
    );
    assert_eq!(
        list.verify(&key.public_key(), &schema("bank")),
        Err(Error::ListRejected("it is for another schema"))
    );
    let mut bytes = list.to_bytes();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    let bad = EpochList::from_bytes(&bytes).unwrap();
    assert_eq!(
        bad.verify(&key.public_key(), &schema("court")),
        Err(Error::ListRejected("the rater's signature does not verify"))
    );
}

#[test]
fn every_changed_byte_is_refused() {
    let (key, list) = signed(6);
    let bytes = list.to_bytes();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            if let Ok(l) = EpochList::from_bytes(&b) {
                assert!(
                    l.verify(&key.public_key(), &schema("court")).is_err(),
                    "byte {i} bit {bit:#x} accepted"
                );
            }
        }
    }
    assert_eq!(
        EpochList::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(),
        DecodeError::Truncated
    );
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        EpochList::from_bytes(&long).unwrap_err(),
        DecodeError::TrailingBytes(1)
    );
}

/// The encoding of `list` with the header field at `at` (bytes after the
/// version and tag) replaced by `value`.
fn with_field(list: &EpochList, at: usize, value: &[u8]) -> Vec<u8> {
    let mut b = list.to_bytes();
    b[2 + at..2 + at + value.len()].copy_from_slice(value);
    b
}

#[test]
fn shapes_are_checked_before_anything_is_allocated() {
    let (_, list) = signed(17); // n = 4, m = 3
    const N: usize = 16 + 32 + 24;
    // Not the smallest m for the count, or a base out of range.
    for (n, m) in [(4u32, 4u32), (4, 2), (16, 3), (1, 5), (17, 1), (0, 0)] {
        let mut b = with_field(&list, N, &n.to_le_bytes());
        b[2 + N + 4..2 + N + 8].copy_from_slice(&m.to_le_bytes());
        assert_eq!(
            EpochList::from_bytes(&b).unwrap_err(),
            DecodeError::Malformed("epoch list parameters"),
            "n = {n}, m = {m}"
        );
    }
    // A count above the cap is refused before the entries are read.
    let b = with_field(&list, N + 8, &(MAX_ENTRIES as u32 + 1).to_le_bytes());
    assert!(matches!(
        EpochList::from_bytes(&b).unwrap_err(),
        DecodeError::CapExceeded {
            what: "epoch list entries",
            ..
        }
    ));
    // An empty window.
    let b = with_field(&list, 16 + 32 + 16, &WINDOW.not_before.to_le_bytes());
    assert_eq!(
        EpochList::from_bytes(&b).unwrap_err(),
        DecodeError::Malformed("epoch list window")
    );
    // Entries out of order or repeated.
    let e = HEADER_LEN - 2;
    let mut b = list.to_bytes();
    let (first, second) = (
        b[2 + e..2 + e + 32].to_vec(),
        b[2 + e + 32..2 + e + 64].to_vec(),
    );
    b[2 + e..2 + e + 32].copy_from_slice(&second);
    b[2 + e + 32..2 + e + 64].copy_from_slice(&first);
    assert_eq!(
        EpochList::from_bytes(&b).unwrap_err(),
        DecodeError::Malformed("epoch list order")
    );
    let b = with_field(&list, e + 32, &first);
    assert_eq!(
        EpochList::from_bytes(&b).unwrap_err(),
        DecodeError::Malformed("epoch list order")
    );
    // The object cap is the list's own.
    assert!(matches!(
        EpochList::from_bytes(&vec![0; MAX_LIST_LEN + 1]).unwrap_err(),
        DecodeError::CapExceeded {
            what: "object length",
            ..
        }
    ));
}

#[test]
fn a_rater_cannot_sign_a_list_that_does_not_decode() {
    let key = RaterSigningKey::generate(&mut OsRng);
    let s = schema("court");
    assert_eq!(
        EpochList::sign(&key, &s, WINDOW, 4, &[]),
        Err(ListError::Empty)
    );
    assert_eq!(
        EpochList::sign(&key, &s, WINDOW, 17, &digests(2)),
        Err(ListError::Base)
    );
    let empty = EpochWindow {
        not_after: WINDOW.not_before,
        ..WINDOW
    };
    assert_eq!(
        EpochList::sign(&key, &s, empty, 4, &digests(2)),
        Err(ListError::Window)
    );
    let mut d = digests(2);
    d.push(CompressedRistretto([0xff; 32]));
    assert_eq!(
        EpochList::sign(&key, &s, WINDOW, 4, &d),
        Err(ListError::Entry)
    );
}

#[test]
fn membership_is_proven_over_a_decoded_list() {
    let (_, list) = signed(40);
    let list = EpochList::from_bytes(&list.to_bytes()).unwrap();
    let at = 23;
    let tau = Scalar::random(&mut OsRng);
    let offset = list.points()[at] - blinding_mul(&tau);
    let mut t = Transcript::new(b"epoch list test");
    t.append_message(b"list", &list.digest());
    let proof = membership::prove(
        &list.params(),
        &mut t,
        list.points(),
        &offset,
        &Witness::new(at, tau),
    )
    .unwrap();
    let mut t = Transcript::new(b"epoch list test");
    t.append_message(b"list", &list.digest());
    membership::verify(&list.params(), &mut t, list.points(), &offset, &proof).unwrap();
}

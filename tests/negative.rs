//! Tampered, forged, mismatched, replayed and spliced presentations.

mod common;
use common::*;
use credence::rater::*;
use credence::wallet::*;
use credence::*;

fn consulate(w: &World) -> RequestBuilder {
    w.request(vec![
        Predicate::at_least(a("bank.liquidity_eur"), 5000),
        Predicate::equals(a("court.outstanding_defaults"), 0),
    ])
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

/// Byte offsets of the presentation's parts, from its public layout (spec §3.9).
struct Layout {
    disclosed: usize,
    /// (start of proof bytes, length) per range proof.
    range_proofs: Vec<(usize, usize)>,
}

fn layout(p: &Presentation) -> Layout {
    let bytes = p.to_bytes();
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
    let mut o = 2 + 32 + 4;
    for (_, c) in p.credentials() {
        o += 1 + c.to_bytes().len() - 2;
    }
    let disclosed = o + 4;
    // The disclosed values, then the pseudonym flag (no pseudonym here).
    o = disclosed + 8 * p.disclosed().len();
    assert_eq!(bytes[o], 0);
    o += 1;
    let n = u32_at(o);
    o += 4;
    let mut range_proofs = Vec::new();
    for _ in 0..n {
        let len = u32_at(o + 1);
        range_proofs.push((o + 5, len));
        o += 5 + len;
    }
    Layout {
        disclosed,
        range_proofs,
    }
}

fn verify_bytes(bytes: &[u8], req: &ProofRequest) -> Verdict {
    Presentation::from_bytes(bytes)
        .expect("still decodes")
        .verify(req)
}

fn rejection(v: Verdict) -> Rejection {
    assert!(!v.is_satisfied());
    assert!(v.disclosed().is_empty());
    v.rejection().cloned().expect("a reason")
}

#[test]
fn wrong_threshold_is_another_request() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let nonce = [7u8; 32];
    let req = consulate(&w).build_with_nonce(nonce).unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    let stricter = w
        .request(vec![
            Predicate::at_least(a("bank.liquidity_eur"), 50_000),
            Predicate::equals(a("court.outstanding_defaults"), 0),
        ])
        .build_with_nonce(nonce)
        .unwrap();
    assert_eq!(rejection(p.verify(&stricter)), Rejection::RequestMismatch);
    // Claiming to answer the stricter request does not help: the transcript
    // binds the whole request.
    let mut bytes = p.to_bytes();
    bytes[2..34].copy_from_slice(&stricter.digest());
    assert!(matches!(
        rejection(verify_bytes(&bytes, &stricter)),
        Rejection::ProofInvalid
    ));
}

#[test]
fn replay_against_another_nonce_or_verifier() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let req = consulate(&w).build_with_nonce([1; 32]).unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    assert!(p.verify(&req).is_satisfied());
    let other_nonce = consulate(&w).build_with_nonce([2; 32]).unwrap();
    let other_verifier = ProofRequest::builder("airline.example", date("2027-03-01"))
        .purpose("visa fast track")
        .trust(w.bank.schema.clone(), vec![w.bank.public()])
        .trust(w.court.schema.clone(), vec![w.court.public()])
        .trust(w.social.schema.clone(), vec![w.social.public()])
        .predicates(req.predicates().to_vec())
        .build_with_nonce([1; 32])
        .unwrap();
    for other in [&other_nonce, &other_verifier] {
        assert_eq!(rejection(p.verify(other)), Rejection::RequestMismatch);
        let mut bytes = p.to_bytes();
        bytes[2..34].copy_from_slice(&other.digest());
        assert!(matches!(
            rejection(verify_bytes(&bytes, other)),
            Rejection::ProofInvalid
        ));
    }
}

#[test]
fn tampered_commitment_breaks_the_signature() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let req = consulate(&w).build().unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    let mut bytes = p.to_bytes();
    // Replace the bank's liquidity commitment with the court's defaults one.
    let liq = p.credential(0).unwrap().commitments()[0];
    let other = p.credential(1).unwrap().commitments()[0];
    let at = find(&bytes, liq.as_bytes());
    bytes[at..at + 32].copy_from_slice(other.as_bytes());
    assert_eq!(
        rejection(verify_bytes(&bytes, &req)),
        Rejection::BadSignature {
            credential: 0,
            schema: "bank".into()
        }
    );
}

#[test]
fn forged_signature() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let req = consulate(&w).build().unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    let court = p.credential(1).unwrap().to_bytes();
    let sig_at = find(&p.to_bytes(), &court[2..]) + court.len() - 2 - 64;
    let mut bytes = p.to_bytes();
    bytes[sig_at + 10] ^= 1;
    assert_eq!(
        rejection(verify_bytes(&bytes, &req)),
        Rejection::BadSignature {
            credential: 1,
            schema: "court".into()
        }
    );
}

#[test]
fn untrusted_rater() {
    let w = World::new();
    let impostor = Rater::new(court_schema(), 666);
    let link = LinkSecret::generate(&mut rng(4));
    let until = date("2027-12-31").days();
    let mut creds = w.bank.issue(
        &link,
        &[
            ("liquidity_eur", 9000),
            ("on_time_payments", 1),
            ("late_payments", 0),
            ("account_digest", 1),
            ("valid_until", until),
        ],
        1,
    );
    creds.extend(impostor.issue(
        &link,
        &[("outstanding_defaults", 0), ("valid_until", until)],
        1,
    ));
    let req = consulate(&w).build().unwrap();
    // The wallet will not use it.
    assert!(matches!(
        Presentation::prove(&req, &link, &creds),
        Err(Error::UnusableCredential { ref schema, .. }) if schema == "court"
    ));
    // A presentation made for a request that trusts the impostor, relabelled.
    let forged_req = ProofRequest::builder("consulate.example", date("2027-03-01"))
        .purpose("visa fast track")
        .trust(w.bank.schema.clone(), vec![w.bank.public()])
        .trust(w.court.schema.clone(), vec![impostor.public()])
        .trust(w.social.schema.clone(), vec![w.social.public()])
        .predicates(req.predicates().to_vec())
        .build_with_nonce(*req.nonce())
        .unwrap();
    let p = Presentation::prove(&forged_req, &link, &creds).unwrap();
    let mut bytes = p.to_bytes();
    bytes[2..34].copy_from_slice(&req.digest());
    assert_eq!(
        rejection(verify_bytes(&bytes, &req)),
        Rejection::UntrustedRater {
            credential: 1,
            schema: "court".into()
        }
    );
}

#[test]
fn two_holders_cannot_be_mixed() {
    let w = World::new();
    let (alice, alice_creds) = w.subject(12_000, 0);
    let (_bob, bob_creds) = w.subject(50, 0);
    let req = consulate(&w).build().unwrap();
    // The wallet refuses Bob's court credential for Alice.
    let mixed = vec![alice_creds[0].clone(), bob_creds[1].clone()];
    assert!(matches!(
        Presentation::prove(&req, &alice, &mixed),
        Err(Error::UnusableCredential { ref schema, .. }) if schema == "court"
    ));
    // Splicing Bob's court credential into Alice's presentation fails.
    let p = Presentation::prove(&req, &alice, &alice_creds).unwrap();
    let mut bytes = p.to_bytes();
    let mine = p.credential(1).unwrap().to_bytes();
    let theirs = bob_creds[1].credential().to_bytes();
    let at = find(&bytes, &mine[2..]);
    bytes[at..at + mine.len() - 2].copy_from_slice(&theirs[2..]);
    assert!(matches!(
        rejection(verify_bytes(&bytes, &req)),
        Rejection::ProofInvalid
    ));
}

#[test]
fn altered_disclosed_value() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let req = w
        .request(vec![Predicate::reveal(a("bank.on_time_payments"))])
        .build()
        .unwrap();
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    assert_eq!(p.disclosed(), &[30]);
    let mut bytes = p.to_bytes();
    let at = layout(&p).disclosed;
    bytes[at..at + 8].copy_from_slice(&31u64.to_le_bytes());
    assert_eq!(
        rejection(verify_bytes(&bytes, &req)),
        Rejection::ProofInvalid
    );
}

#[test]
fn spliced_range_proof_from_another_presentation() {
    let w = World::new();
    let (alice, alice_creds) = w.subject(12_000, 0);
    let (bob, bob_creds) = w.subject(9_000, 0);
    let req = consulate(&w).build().unwrap();
    let pa = Presentation::prove(&req, &alice, &alice_creds).unwrap();
    let pb = Presentation::prove(&req, &bob, &bob_creds).unwrap();
    let (la, lb) = (layout(&pa), layout(&pb));
    assert_eq!(la.range_proofs.len(), lb.range_proofs.len());
    let bb = pb.to_bytes();
    for i in 0..la.range_proofs.len() {
        let mut bytes = pa.to_bytes();
        let (sa, n) = la.range_proofs[i];
        let (sb, m) = lb.range_proofs[i];
        assert_eq!(n, m);
        bytes[sa..sa + n].copy_from_slice(&bb[sb..sb + m]);
        assert!(matches!(
            rejection(verify_bytes(&bytes, &req)),
            Rejection::ProofInvalid
        ));
    }
    // And one flipped byte in a range proof's final scalar.
    let mut bytes = pa.to_bytes();
    let (s, n) = la.range_proofs[0];
    bytes[s + n - 40] ^= 1;
    match Presentation::from_bytes(&bytes) {
        Ok(p) => assert!(!p.verify(&req).is_satisfied()),
        Err(e) => assert!(matches!(
            e,
            DecodeError::NonCanonicalScalar(_) | DecodeError::InvalidPoint(_)
        )),
    }
}

#[test]
fn missing_or_malformed() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let req = consulate(&w).build().unwrap();
    assert_eq!(
        Presentation::prove(&req, &link, &creds[..1]).unwrap_err(),
        Error::MissingCredential {
            schema: "court".into()
        }
    );
    let p = Presentation::prove(&req, &link, &creds).unwrap();
    let bytes = p.to_bytes();
    assert_eq!(
        Presentation::from_bytes(&bytes[..bytes.len() - 1]),
        Err(DecodeError::Truncated)
    );
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        Presentation::from_bytes(&long),
        Err(DecodeError::TrailingBytes(1))
    );
    // A presentation for a one-credential request has the wrong shape here.
    let small = w
        .request(vec![Predicate::at_least(a("bank.liquidity_eur"), 5000)])
        .build_with_nonce(*req.nonce())
        .unwrap();
    let ps = Presentation::prove(&small, &link, &creds).unwrap();
    let mut bytes = ps.to_bytes();
    bytes[2..34].copy_from_slice(&req.digest());
    assert!(matches!(
        rejection(verify_bytes(&bytes, &req)),
        Rejection::Malformed { .. }
    ));
}

#[test]
fn schema_mismatch() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    // The verifier trusts version 2 of the court schema; the credential is v1.
    let court_v2 = Schema::new("court", 2, court_schema().attributes().to_vec()).unwrap();
    let req_v2 = ProofRequest::builder("consulate.example", date("2027-03-01"))
        .trust(court_v2, vec![w.court.public()])
        .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
        .build_with_nonce([3; 32])
        .unwrap();
    assert!(matches!(
        Presentation::prove(&req_v2, &link, &creds),
        Err(Error::UnusableCredential { .. })
    ));
    let req_v1 = ProofRequest::builder("consulate.example", date("2027-03-01"))
        .trust(court_schema(), vec![w.court.public()])
        .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
        .build_with_nonce([3; 32])
        .unwrap();
    let p = Presentation::prove(&req_v1, &link, &creds).unwrap();
    let mut bytes = p.to_bytes();
    bytes[2..34].copy_from_slice(&req_v2.digest());
    assert_eq!(
        rejection(verify_bytes(&bytes, &req_v2)),
        Rejection::SchemaMismatch {
            credential: 0,
            schema: "court".into()
        }
    );
}

#[test]
fn issuance_checks() {
    let w = World::new();
    let link = LinkSecret::generate(&mut rng(1));
    let other = LinkSecret::generate(&mut rng(2));
    let until = date("2027-12-31").days();
    let values = [("outstanding_defaults", 0), ("valid_until", until)];
    let (req, pending) = link.issuance_request(&w.court.public(), &w.court.schema);
    // Meant for the court, not the bank.
    assert!(matches!(
        w.bank.key.issue(&w.court.schema, &req, &values, 1),
        Err(Error::IssuanceRequest(_))
    ));
    // A tampered proof of knowledge.
    let mut bytes = req.to_bytes();
    let n = bytes.len();
    bytes[n - 5] ^= 1;
    if let Ok(bad) = IssuanceRequest::from_bytes(&bytes) {
        assert!(matches!(
            w.court.key.issue(&w.court.schema, &bad, &values, 1),
            Err(Error::IssuanceRequest(_))
        ));
    }
    // Bad values.
    for bad in [
        &[("outstanding_defaults", 0)][..],
        &[("outstanding_defaults", 256), ("valid_until", until)],
        &[
            ("outstanding_defaults", 0),
            ("valid_until", until),
            ("x", 1),
        ],
        &[
            ("outstanding_defaults", 0),
            ("outstanding_defaults", 0),
            ("valid_until", until),
        ],
    ] {
        assert!(matches!(
            w.court.key.issue(&w.court.schema, &req, bad, 1),
            Err(Error::Values(_))
        ));
    }
    let issued = w
        .court
        .key
        .issue(&w.court.schema, &req, &values, 2)
        .unwrap();
    // Accepting with another link secret fails.
    assert_eq!(
        pending
            .accept(&other, &w.court.schema, issued.clone())
            .unwrap_err(),
        Error::OtherHolder
    );
    // A credential whose opening does not match is rejected.
    let mut bytes = issued[0].to_bytes().to_vec();
    let at = bytes.len() - 32 - 40; // value of the last attribute
    bytes[at] ^= 1;
    let tampered = IssuedCredential::from_bytes(&bytes).unwrap();
    assert!(matches!(
        pending.accept(&link, &w.court.schema, vec![tampered]),
        Err(Error::CredentialRejected(_))
    ));
    // A forged signature is rejected.
    let mut bytes = issued[0].to_bytes().to_vec();
    let sig = 2 + issued[0].credential().to_bytes().len() - 2 - 64;
    bytes[sig] ^= 1;
    let forged = IssuedCredential::from_bytes(&bytes).unwrap();
    assert_eq!(
        pending
            .accept(&link, &w.court.schema, vec![forged])
            .unwrap_err(),
        Error::CredentialRejected("the rater's signature does not verify")
    );
    let held = pending.accept(&link, &w.court.schema, issued).unwrap();
    assert_eq!(held.len(), 2);
    assert!(held
        .iter()
        .all(|h| h.is_held_by(&link) && !h.is_held_by(&other)));
}

//! The anonymous mode (spec §7.4): a credential shown as a member of its
//! rater's epoch list, mixed with the fast mode in one request; revocation;
//! tampering; batches; and what a colluding rater and verifier can match.

mod common;
use common::*;
use credence::epoch::{EpochList, EpochLists, EpochWindow};
use credence::verifier::{verify_batch_with_lists, verify_batch_with_lists_rng};
use credence::wallet::*;
use credence::*;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};

const DAY: u64 = 86_400;

/// The court's list for epoch `epoch`: `listed` digests and `crowd` random
/// ones.
fn court_list(w: &World, epoch: u64, listed: &[&HeldCredential], crowd: usize) -> EpochList {
    let mut r = rng(1000 + epoch);
    let mut digests: Vec<CompressedRistretto> = (0..crowd)
        .map(|_| RistrettoPoint::random(&mut r).compress())
        .collect();
    digests.extend(listed.iter().map(|h| *h.digest().unwrap().point()));
    let start = date(ON).days() * DAY;
    let window = EpochWindow {
        epoch,
        not_before: start,
        not_after: start + DAY,
    };
    EpochList::sign(&w.court.key, &w.court.schema, window, 4, &digests).unwrap()
}

fn lists_of(w: &World, lists: &[&EpochList]) -> EpochLists {
    let mut set = EpochLists::new();
    for l in lists {
        set.insert((*l).clone(), &w.court.public(), &w.court.schema)
            .unwrap();
    }
    set
}

/// A consulate request: the bank in the fast mode, the court anonymous
/// against `lists`.
fn request(w: &World, lists: &[&EpochList], predicates: Vec<Predicate>) -> ProofRequest {
    let court = TrustedRater::new(w.court.schema.clone(), vec![w.court.public()])
        .unwrap()
        .anonymous(lists)
        .unwrap();
    ProofRequest::builder("consulate.example", date(ON))
        .purpose("visa fast track")
        .trust(w.bank.schema.clone(), vec![w.bank.public()])
        .trust_rater(court)
        .predicates(predicates)
        .build_with_rng(&mut rng(7))
        .unwrap()
}

fn consulate(w: &World, lists: &[&EpochList]) -> ProofRequest {
    request(
        w,
        lists,
        vec![
            Predicate::at_least(a("bank.liquidity_eur"), 5000),
            Predicate::equals(a("court.outstanding_defaults"), 0),
        ],
    )
}

/// The court credential of a subject (the second of [`World::subject`]).
fn court_of(creds: &[HeldCredential]) -> &HeldCredential {
    &creds[1]
}

#[test]
fn an_anonymous_court_and_a_fast_bank_answer_one_request() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let list = court_list(&w, 1, &[court_of(&creds)], 300);
    let lists = lists_of(&w, &[&list]);
    let req = consulate(&w, &[&list]);
    assert!(req.trusted_for("court").unwrap().is_anonymous());
    assert!(!req.trusted_for("bank").unwrap().is_anonymous());

    let p = Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(8)).unwrap();
    assert!(matches!(p.shown()[0], Shown::Credential(_)));
    let Shown::Anonymous(anon) = &p.shown()[1] else {
        panic!("the court is shown anonymously");
    };
    assert_eq!(anon.list(), 0);
    assert!(p.verify_with_lists(&req, &lists).is_satisfied());

    // Through the wire, and in a batch.
    let back = Presentation::from_bytes(&p.to_bytes()).unwrap();
    assert_eq!(back, p);
    assert!(back.verify_with_lists(&req, &lists).is_satisfied());
    let verdicts = verify_batch_with_lists(&[(&req, &back), (&req, &p)], &lists);
    assert!(verdicts.iter().all(Verdict::is_satisfied));

    // A verifier without the list cannot check it.
    assert!(matches!(
        p.verify(&req).rejection(),
        Some(Rejection::ListUnavailable { credential: 1, .. })
    ));
}

#[test]
fn every_predicate_kind_works_in_the_anonymous_mode() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 3);
    let list = court_list(&w, 1, &[court_of(&creds)], 40);
    let lists = lists_of(&w, &[&list]);
    let cases = vec![
        Predicate::reveal(a("court.outstanding_defaults")),
        Predicate::between(a("court.outstanding_defaults"), 1, 5),
        Predicate::at_most(a("court.outstanding_defaults"), 3),
        Predicate::equals(a("court.outstanding_defaults"), 3),
        Predicate::linear(
            vec![
                (1, a("bank.liquidity_eur")),
                (-1000, a("court.outstanding_defaults")),
            ],
            Comparison::AtLeast,
            8_000,
        ),
    ];
    for pred in cases {
        let text = pred.to_string();
        let req = request(&w, &[&list], vec![pred]);
        let p = Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(9))
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let v = p.verify_with_lists(&req, &lists);
        assert!(v.is_satisfied(), "{text}: {v:?}");
    }
    // A reveal discloses the value, and nothing else is learned.
    let req = request(
        &w,
        &[&list],
        vec![Predicate::reveal(a("court.outstanding_defaults"))],
    );
    let p = Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(9)).unwrap();
    assert_eq!(p.disclosed(), &[3]);
    // A predicate that does not hold is refused by the prover.
    let req = request(
        &w,
        &[&list],
        vec![Predicate::equals(a("court.outstanding_defaults"), 0)],
    );
    assert!(matches!(
        Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(9)),
        Err(Error::PredicateNotMet { .. })
    ));
}

#[test]
fn a_revoked_credential_is_refused_with_a_clear_message() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let (_, other) = w.subject(9_000, 0);
    // Epoch 2 no longer lists the subject.
    let e1 = court_list(&w, 1, &[court_of(&creds), court_of(&other)], 30);
    let e2 = court_list(&w, 2, &[court_of(&other)], 30);
    let lists = lists_of(&w, &[&e1, &e2]);
    let req = consulate(&w, &[&e2]);
    let err =
        Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(3)).unwrap_err();
    assert_eq!(
        err,
        Error::NotListed {
            schema: "court".into()
        }
    );
    assert!(err.to_string().contains("revoked"), "{err}");
    // The prover without the list says so.
    let err =
        Presentation::prove_with_lists_rng(&req, &link, &creds, &EpochLists::new(), &mut rng(3))
            .unwrap_err();
    assert_eq!(
        err,
        Error::ListUnavailable {
            schema: "court".into()
        }
    );
    // A request naming both epochs: the prover uses the one that lists it.
    let req = consulate(&w, &[&e1, &e2]);
    let p = Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(3)).unwrap();
    let Shown::Anonymous(a) = &p.shown()[1] else {
        panic!()
    };
    assert_eq!(a.list(), 0);
    assert!(p.verify_with_lists(&req, &lists).is_satisfied());
    // Proof made against epoch 1, claimed against epoch 2: refused.
    let mut bytes = p.to_bytes();
    let at = list_index_offset(&p);
    bytes[at] = 1;
    let moved = Presentation::from_bytes(&bytes).unwrap();
    assert!(!moved.verify_with_lists(&req, &lists).is_satisfied());
}

#[test]
fn lists_of_another_rater_schema_or_signature_are_refused() {
    let w = World::new();
    let (_, creds) = w.subject(12_000, 0);
    let list = court_list(&w, 1, &[court_of(&creds)], 10);
    let mut set = EpochLists::new();
    // Signed by the court, checked against the bank.
    assert_eq!(
        set.insert(list.clone(), &w.bank.public(), &w.court.schema),
        Err(Error::ListRejected("it is signed by another rater key"))
    );
    assert_eq!(
        set.insert(list.clone(), &w.court.public(), &w.bank.schema),
        Err(Error::ListRejected("it is for another schema"))
    );
    let mut bytes = list.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let forged = EpochList::from_bytes(&bytes).unwrap();
    assert_eq!(
        set.insert(forged, &w.court.public(), &w.court.schema),
        Err(Error::ListRejected("the rater's signature does not verify"))
    );
    assert!(set.is_empty());
    // A request cannot name a list of a key or schema it does not trust.
    let bank_list = EpochList::sign(
        &w.bank.key,
        &w.bank.schema,
        list.window(),
        4,
        &[*creds[0].digest().unwrap().point()],
    )
    .unwrap();
    assert!(
        TrustedRater::new(w.court.schema.clone(), vec![w.court.public()])
            .unwrap()
            .anonymous(&[&bank_list])
            .is_err()
    );
}

/// The offset of the list index byte of the anonymous court part (slot 1),
/// from the layout of spec §3.9.
fn list_index_offset(p: &Presentation) -> usize {
    let Some(Shown::Credential(bank)) = p.shown().first() else {
        panic!()
    };
    2 + 32 + 4 + (1 + bank.to_bytes().len() - 2) + 1
}

/// The byte range of slot 1's anonymous part: index, `D'`, the fresh
/// commitments and the membership proof.
fn anonymous_part(p: &Presentation) -> std::ops::Range<usize> {
    let Shown::Anonymous(a) = &p.shown()[1] else {
        panic!()
    };
    let start = list_index_offset(p);
    let len = 1 + 32 + 4 + 32 * a_commitments(p) + 4 + proof_len(a, p);
    start..start + len
}

fn a_commitments(p: &Presentation) -> usize {
    let bytes = p.to_bytes();
    let at = list_index_offset(p) + 1 + 32;
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

fn proof_len(_: &AnonymousCredential, p: &Presentation) -> usize {
    let bytes = p.to_bytes();
    let at = list_index_offset(p) + 1 + 32 + 4 + 32 * a_commitments(p);
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

#[test]
fn every_changed_byte_of_the_anonymous_part_is_refused() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let list = court_list(&w, 1, &[court_of(&creds)], 20);
    let lists = lists_of(&w, &[&list]);
    let req = consulate(&w, &[&list]);
    let p = Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(4)).unwrap();
    let bytes = p.to_bytes();
    let part = anonymous_part(&p);
    assert!(part.end <= bytes.len());
    let mut checked = 0;
    for i in part.clone() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        if let Ok(t) = Presentation::from_bytes(&b) {
            assert!(
                !t.verify_with_lists(&req, &lists).is_satisfied(),
                "byte {} of the anonymous part changed and accepted",
                i - part.start
            );
            checked += 1;
        }
    }
    assert!(checked > part.len() / 2, "{checked} of {}", part.len());

    // D' of another credential of the list: the opening does not match.
    let (link2, creds2) = w.subject(9_000, 0);
    let both = court_list(&w, 3, &[court_of(&creds), court_of(&creds2)], 20);
    let lists = lists_of(&w, &[&both]);
    let req = consulate(&w, &[&both]);
    let mine =
        Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(5)).unwrap();
    let theirs =
        Presentation::prove_with_lists_rng(&req, &link2, &creds2, &lists, &mut rng(6)).unwrap();
    let mut b = mine.to_bytes();
    let (at, at2) = (list_index_offset(&mine) + 1, list_index_offset(&theirs) + 1);
    b[at..at + 32].copy_from_slice(&theirs.to_bytes()[at2..at2 + 32]);
    let spliced = Presentation::from_bytes(&b).unwrap();
    assert!(!spliced.verify_with_lists(&req, &lists).is_satisfied());
}

#[test]
fn another_link_secret_cannot_use_a_listed_digest() {
    let w = World::new();
    let (_, creds) = w.subject(12_000, 0);
    let (thief, _) = w.subject(1, 1);
    let list = court_list(&w, 1, &[court_of(&creds)], 20);
    let lists = lists_of(&w, &[&list]);
    let req = request(
        &w,
        &[&list],
        vec![Predicate::equals(a("court.outstanding_defaults"), 0)],
    );
    // The digest opens to the holder's link secret only.
    assert!(!court_of(&creds).is_held_by(&thief));
    assert!(matches!(
        Presentation::prove_with_lists_rng(&req, &thief, &creds, &lists, &mut rng(4)),
        Err(Error::UnusableCredential {
            reason: Unusable::OtherHolder,
            ..
        })
    ));
}

#[test]
fn a_batch_blames_exactly_the_bad_presentations() {
    let w = World::new();
    let subjects: Vec<_> = (0..6).map(|i| w.subject(6_000 + i, 0)).collect();
    let listed: Vec<&HeldCredential> = subjects.iter().map(|(_, c)| court_of(c)).collect();
    let list = court_list(&w, 1, &listed, 100);
    let lists = lists_of(&w, &[&list]);
    let reqs: Vec<ProofRequest> = (0..6).map(|_| consulate(&w, &[&list])).collect();
    let mut ps: Vec<Presentation> = subjects
        .iter()
        .zip(&reqs)
        .enumerate()
        .map(|(i, ((link, creds), req))| {
            Presentation::prove_with_lists_rng(req, link, creds, &lists, &mut rng(40 + i as u64))
                .unwrap()
        })
        .collect();
    // Presentation 2's membership proof is for presentation 3's transcript.
    let proof_of = |p: &Presentation| {
        let Shown::Anonymous(a) = &p.shown()[1] else {
            panic!()
        };
        a.clone()
    };
    let (two, three) = (proof_of(&ps[2]), proof_of(&ps[3]));
    let mut b = ps[2].to_bytes();
    let r2 = anonymous_part(&ps[2]);
    let r3 = anonymous_part(&ps[3]);
    let tail = r3.end - (proof_len(&three, &ps[3]));
    b[r2.end - proof_len(&two, &ps[2])..r2.end].copy_from_slice(&ps[3].to_bytes()[tail..r3.end]);
    ps[2] = Presentation::from_bytes(&b).unwrap();
    let items: Vec<(&ProofRequest, &Presentation)> = reqs.iter().zip(&ps).collect();
    let batch = verify_batch_with_lists_rng(&items, &lists, &mut rng(99));
    let single: Vec<bool> = items
        .iter()
        .map(|(r, p)| p.verify_with_lists(r, &lists).is_satisfied())
        .collect();
    let got: Vec<bool> = batch.iter().map(Verdict::is_satisfied).collect();
    assert_eq!(got, single);
    assert_eq!(got, [true, true, false, true, true, true]);
    // Across threads: the membership proofs of every share in one batch.
    #[cfg(feature = "parallel")]
    {
        let parallel = credence::verifier::verify_batch_parallel_with_lists(&items, &lists);
        let got: Vec<bool> = parallel.iter().map(Verdict::is_satisfied).collect();
        assert_eq!(got, single);
    }
}

/// Every 32-byte window of `bytes`.
fn windows(bytes: &[u8]) -> std::collections::HashSet<[u8; 32]> {
    bytes.windows(32).map(|w| w.try_into().unwrap()).collect()
}

#[test]
fn a_colluding_rater_and_verifier_find_nothing_in_common() {
    let w = World::new();
    let link = LinkSecret::generate(&mut rng(77));
    // Everything the court sees and keeps at issuance: the request, the
    // issued credentials (commitments, holder commitment, signatures,
    // digest, and even the openings it drew), and its list.
    let mut r = rng(78);
    let (issuance, pending) =
        link.issuance_request_with_rng(&w.court.public(), &w.court.schema, &mut r);
    let issued = w
        .court
        .key
        .issue_with_rng(
            &w.court.schema,
            &issuance,
            &[
                ("outstanding_defaults", 0),
                ("valid_until", date(UNTIL).days()),
            ],
            2,
            &mut r,
        )
        .unwrap();
    let mut records = issuance.to_bytes();
    for i in &issued {
        records.extend_from_slice(&i.to_bytes());
    }
    let court_held = pending.accept(&link, &w.court.schema, issued).unwrap();
    let bank = w.bank.issue(
        &link,
        &[
            ("liquidity_eur", 12_000),
            ("on_time_payments", 30),
            ("late_payments", 5),
            ("account_digest", 1),
            ("valid_until", date(UNTIL).days()),
        ],
        1,
    );
    let creds = vec![bank[0].clone(), court_held[0].clone()];
    let list = court_list(&w, 1, &[&court_held[0], &court_held[1]], 500);
    records.extend_from_slice(&list.to_bytes());
    let lists = lists_of(&w, &[&list]);

    // Two presentations of the same court credential, to two requests.
    let presentations: Vec<Presentation> = (0..2)
        .map(|i| {
            let req = consulate(&w, &[&list]);
            let p =
                Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(80 + i))
                    .unwrap();
            assert!(p.verify_with_lists(&req, &lists).is_satisfied());
            p
        })
        .collect();
    let recorded = windows(&records);
    let parts: Vec<Vec<u8>> = presentations
        .iter()
        .map(|p| p.to_bytes()[anonymous_part(p)].to_vec())
        .collect();
    for part in &parts {
        let seen = windows(part);
        assert!(
            seen.is_disjoint(&recorded),
            "an anonymous part shares 32 bytes with the court's records"
        );
    }
    // Nor do two showings of one credential share anything.
    assert!(windows(&parts[0]).is_disjoint(&windows(&parts[1])));
    // And the court's digest, commitments and holder commitment appear
    // nowhere in the whole presentation.
    let whole = windows(&presentations[0].to_bytes());
    let c = court_held[0].credential();
    for secretless in c.commitments().iter().chain([
        c.holder_commitment(),
        court_held[0].digest().unwrap().point(),
    ]) {
        assert!(!whole.contains(secretless.as_bytes()));
    }
}

/// A wallet holding a bank batch of one and a court batch of one from `w`,
/// for a subject with `defaults`.
fn wallet(w: &World, defaults: u64) -> Wallet {
    let mut wallet = Wallet::generate_with_rng(&mut rng(300 + defaults));
    let until = date(UNTIL).days();
    let bank = RaterDescriptor::new(w.bank.schema.clone(), w.bank.public());
    let req = wallet.request_issuance_with_rng(&bank, &mut rng(301));
    let issued = w
        .bank
        .key
        .issue_with_rng(
            &w.bank.schema,
            &req,
            &[
                ("liquidity_eur", 12_000),
                ("on_time_payments", 30),
                ("late_payments", 5),
                ("account_digest", 7),
                ("valid_until", until),
            ],
            1,
            &mut rng(302),
        )
        .unwrap();
    wallet.add(issued).unwrap();
    let court = RaterDescriptor::new(w.court.schema.clone(), w.court.public());
    let req = wallet.request_issuance_with_rng(&court, &mut rng(303));
    let issued = w
        .court
        .key
        .issue_with_rng(
            &w.court.schema,
            &req,
            &[("outstanding_defaults", defaults), ("valid_until", until)],
            1,
            &mut rng(304),
        )
        .unwrap();
    wallet.add(issued).unwrap();
    wallet
}

/// The court digest a wallet holds.
fn court_digest(wallet: &Wallet) -> CompressedRistretto {
    let json: serde_json::Value = serde_json::from_slice(&wallet.to_json().unwrap()).unwrap();
    let b64 = json["credentials"][1]["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let held = HeldCredential::from_bytes(&URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap();
    *held.digest().unwrap().point()
}

fn list_with(w: &World, epoch: u64, digests: &[CompressedRistretto], crowd: usize) -> EpochList {
    let mut r = rng(2000 + epoch);
    let mut all: Vec<CompressedRistretto> = (0..crowd)
        .map(|_| RistrettoPoint::random(&mut r).compress())
        .collect();
    all.extend_from_slice(digests);
    let start = date(ON).days() * DAY;
    let window = EpochWindow {
        epoch,
        not_before: start,
        not_after: start + DAY,
    };
    EpochList::sign(&w.court.key, &w.court.schema, window, 4, &all).unwrap()
}

#[test]
fn a_wallet_shows_an_anonymous_credential_again_and_spends_fast_ones() {
    let w = World::new();
    let mut mei = wallet(&w, 0);
    let list = list_with(&w, 1, &[court_digest(&mei)], 1100);
    let lists = lists_of(&w, &[&list]);
    let court_only = |seed| {
        let court = TrustedRater::new(w.court.schema.clone(), vec![w.court.public()])
            .unwrap()
            .anonymous(&[&list])
            .unwrap();
        ProofRequest::builder("consulate.example", date(ON))
            .trust_rater(court)
            .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
            .build_with_rng(&mut rng(seed))
            .unwrap()
    };
    let consent = mei.consent_with_lists(&court_only(1), &lists);
    assert_eq!(consent.anonymous, vec![("court".to_owned(), Some(1101))]);
    assert!(consent.credentials.is_empty(), "nothing is spent");
    assert!(consent.to_string().contains("one of 1101 credentials"));
    // The one court credential answers three requests.
    for seed in 1..=3 {
        let req = court_only(seed);
        let p = mei
            .prove_with_lists_rng(&req, &lists, &mut rng(seed))
            .unwrap();
        assert!(p.verify_with_lists(&req, &lists).is_satisfied());
    }
    assert!(mei.credentials().iter().all(|c| !c.used));
    // The consulate's mixed request spends the bank credential only.
    let req = consulate(&w, &[&list]);
    let p = mei.prove_with_lists_rng(&req, &lists, &mut rng(9)).unwrap();
    assert!(p.verify_with_lists(&req, &lists).is_satisfied());
    let used: Vec<bool> = mei.credentials().iter().map(|c| c.used).collect();
    assert_eq!(used, [true, false]);
    assert!(matches!(
        mei.prove_with_lists_rng(&req, &lists, &mut rng(10)),
        Err(WalletError::AllUsed { .. })
    ));
    // Pins and the minimum survive the file.
    let back = Wallet::from_json(&mei.to_json().unwrap()).unwrap();
    assert_eq!(back.list_pins(), mei.list_pins());
    assert_eq!(back.list_pins().len(), 1);
    assert_eq!(back.min_list_size(), DEFAULT_MIN_LIST_SIZE);
}

#[test]
fn a_wallet_refuses_small_lists_split_views_and_says_when_it_is_revoked() {
    let w = World::new();
    let mut mei = wallet(&w, 0);
    let mine = court_digest(&mei);
    let small = list_with(&w, 1, &[mine], 100);
    let lists = lists_of(&w, &[&small]);
    let req = consulate(&w, &[&small]);
    match mei.prove_with_lists_rng(&req, &lists, &mut rng(1)) {
        Err(WalletError::SmallList {
            count: 101,
            min: 1024,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(mei.consent_with_lists(&req, &lists).anonymous[0].1 == Some(101));
    mei.set_min_list_size(64);
    let p = mei.prove_with_lists_rng(&req, &lists, &mut rng(1)).unwrap();
    assert!(p.verify_with_lists(&req, &lists).is_satisfied());

    // Another list for the same epoch: refused, whichever request names it.
    let other = list_with(&w, 1, &[mine], 99);
    let lists = lists_of(&w, &[&other]);
    let req = consulate(&w, &[&other]);
    assert!(matches!(
        mei.prove_with_lists_rng(&req, &lists, &mut rng(2)),
        Err(WalletError::ListSplit { epoch: 1, .. })
    ));

    // Epoch 2 leaves the credential out: a clear refusal.
    let mut next = wallet(&w, 0);
    next.set_min_list_size(64);
    let e2 = list_with(&w, 2, &[], 120);
    let lists = lists_of(&w, &[&e2]);
    let req = consulate(&w, &[&e2]);
    let err = next
        .prove_with_lists_rng(&req, &lists, &mut rng(3))
        .unwrap_err();
    assert!(
        matches!(err, WalletError::Credence(Error::NotListed { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("revoked"), "{err}");
    // Nothing was spent by the refusals.
    assert!(next.credentials().iter().all(|c| !c.used));
}

#[test]
fn the_prover_picks_the_credential_the_list_holds() {
    let w = World::new();
    let (link, mut creds) = w.subject(12_000, 0);
    // A second court batch for the same holder; only it is listed.
    let newer = w.court.issue_seeded(
        &link,
        &[
            ("outstanding_defaults", 0),
            ("valid_until", date(UNTIL).days()),
        ],
        1,
        77,
    );
    creds.push(newer[0].clone());
    let list = court_list(&w, 1, &[&newer[0]], 30);
    let lists = lists_of(&w, &[&list]);
    let req = consulate(&w, &[&list]);
    let p = Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(5)).unwrap();
    assert!(p.verify_with_lists(&req, &lists).is_satisfied());
    // Without the newer credential, the older one is not listed.
    creds.pop();
    assert_eq!(
        Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(5)).unwrap_err(),
        Error::NotListed {
            schema: "court".into()
        }
    );
}

#[test]
fn the_verifier_role_asks_with_its_current_lists_and_checks_against_them() {
    use credence::verifier::{MemoryNonceStore, Verifier, VerifierError};
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let trusted = vec![
        RaterDescriptor::new(w.bank.schema.clone(), w.bank.public()),
        RaterDescriptor::new(w.court.schema.clone(), w.court.public()),
    ];
    let v = Verifier::new("consulate.example", trusted, MemoryNonceStore::new()).unwrap();
    let ask = |v: &Verifier<MemoryNonceStore>| {
        v.request(date(ON))
            .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
            .anonymous("court")
            .issue()
    };
    assert!(matches!(ask(&v), Err(VerifierError::NoCurrentList(s)) if s == "court"));
    // A list current now; another rater's list is refused.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let current = |epoch, key: &credence::rater::RaterSigningKey, schema: &Schema| {
        let window = EpochWindow {
            epoch,
            not_before: now - 60,
            not_after: now + 3600,
        };
        let mut r = rng(epoch);
        let mut d: Vec<CompressedRistretto> = (0..20)
            .map(|_| RistrettoPoint::random(&mut r).compress())
            .collect();
        d.push(*creds[1].digest().unwrap().point());
        EpochList::sign(key, schema, window, 4, &d).unwrap()
    };
    let social = current(9, &w.social.key, &w.social.schema);
    assert!(matches!(
        v.add_list(social),
        Err(VerifierError::UntrustedList)
    ));
    let list = current(1, &w.court.key, &w.court.schema);
    v.add_list(list.clone()).unwrap();
    let req = ask(&v).unwrap();
    assert_eq!(req.trusted_for("court").unwrap().lists(), &[list.digest()]);
    let lists = lists_of(&w, &[&list]);
    let p = Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(1)).unwrap();
    assert!(v.check(&req, &p).unwrap().is_satisfied());
    // Spent: a second showing to the same request is a replay.
    assert_eq!(
        v.check(&req, &p).unwrap().rejection(),
        Some(&Rejection::Replayed)
    );
    // In a batch, with a fresh request.
    let req2 = ask(&v).unwrap();
    let p2 = Presentation::prove_with_lists_rng(&req2, &link, &creds, &lists, &mut rng(2)).unwrap();
    let req3 = ask(&v).unwrap();
    let p3 = Presentation::prove_with_lists_rng(&req3, &link, &creds, &lists, &mut rng(3)).unwrap();
    let verdicts = v.check_batch(&[(&req2, &p2), (&req3, &p3)]).unwrap();
    assert!(verdicts.iter().all(|v| v.as_ref().unwrap().is_satisfied()));
}

/// A request from `verifier` asking for the pseudonym, with the court in
/// the mode `lists` says (fast when empty).
fn with_pseudonym(w: &World, verifier: &str, lists: &[&EpochList], seed: u64) -> ProofRequest {
    let court = TrustedRater::new(w.court.schema.clone(), vec![w.court.public()]).unwrap();
    let court = if lists.is_empty() {
        court
    } else {
        court.anonymous(lists).unwrap()
    };
    ProofRequest::builder(verifier, date(ON))
        .trust_rater(court)
        .predicate(Predicate::equals(a("court.outstanding_defaults"), 0))
        .pseudonym()
        .build_with_rng(&mut rng(seed))
        .unwrap()
}

#[test]
fn a_returning_holder_is_recognised_and_two_verifiers_cannot_link() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let (link2, creds2) = w.subject(9_000, 0);
    let list = court_list(&w, 1, &[court_of(&creds), court_of(&creds2)], 30);
    let lists = lists_of(&w, &[&list]);
    let show = |verifier: &str, anon: bool, link: &LinkSecret, creds: &[HeldCredential], seed| {
        let named: Vec<&EpochList> = if anon { vec![&list] } else { vec![] };
        let req = with_pseudonym(&w, verifier, &named, seed);
        assert!(req.asks_pseudonym());
        let back = ProofRequest::from_bytes(&req.to_bytes()).unwrap();
        assert!(back.asks_pseudonym());
        let p =
            Presentation::prove_with_lists_rng(&req, link, creds, &lists, &mut rng(seed)).unwrap();
        let p = Presentation::from_bytes(&p.to_bytes()).unwrap();
        let v = p.verify_with_lists(&req, &lists);
        assert!(v.is_satisfied(), "{v:?}");
        *v.pseudonym().unwrap()
    };
    // The same holder, twice, in both modes: one pseudonym per verifier.
    let bikes = show("bikes.example", true, &link, &creds, 1);
    assert_eq!(show("bikes.example", true, &link, &creds, 2), bikes);
    assert_eq!(show("bikes.example", false, &link, &creds, 3), bikes);
    // Another verifier, another pseudonym; another holder, another one.
    assert_ne!(show("museum.example", true, &link, &creds, 4), bikes);
    assert_ne!(show("bikes.example", true, &link2, &creds2, 5), bikes);
    // The court, which never learns the link secret, cannot compute it: it
    // appears nowhere in what the court holds.
    let mut held_by_court = list.to_bytes();
    for c in creds.iter().chain(&creds2) {
        held_by_court.extend_from_slice(&c.credential().to_bytes());
    }
    assert!(!held_by_court.windows(32).any(|w| w == bikes));
}

#[test]
fn a_pseudonym_of_another_link_secret_or_verifier_is_refused() {
    let w = World::new();
    let (link, creds) = w.subject(12_000, 0);
    let (link2, creds2) = w.subject(9_000, 0);
    let list = court_list(&w, 1, &[court_of(&creds), court_of(&creds2)], 30);
    let lists = lists_of(&w, &[&list]);
    let req = with_pseudonym(&w, "bikes.example", &[&list], 1);
    let mine =
        Presentation::prove_with_lists_rng(&req, &link, &creds, &lists, &mut rng(1)).unwrap();
    let theirs =
        Presentation::prove_with_lists_rng(&req, &link2, &creds2, &lists, &mut rng(2)).unwrap();
    let other_verifier = with_pseudonym(&w, "museum.example", &[&list], 1);
    let elsewhere =
        Presentation::prove_with_lists_rng(&other_verifier, &link, &creds, &lists, &mut rng(3))
            .unwrap();
    let at = |p: &Presentation| {
        let b = p.to_bytes();
        let target = p.pseudonym().unwrap().to_bytes();
        b.windows(32).position(|w| w == target).unwrap()
    };
    for source in [&theirs, &elsewhere] {
        let mut b = mine.to_bytes();
        let i = at(&mine);
        b[i..i + 32].copy_from_slice(source.pseudonym().unwrap().as_bytes());
        let swapped = Presentation::from_bytes(&b).unwrap();
        let v = swapped.verify_with_lists(&req, &lists);
        assert_eq!(v.rejection(), Some(&Rejection::ProofInvalid));
        assert!(v.pseudonym().is_none());
    }
    // The identity, a missing pseudonym, or one the request did not ask for.
    let mut b = mine.to_bytes();
    let i = at(&mine);
    b[i..i + 32].copy_from_slice(&[0; 32]);
    assert!(matches!(
        Presentation::from_bytes(&b)
            .unwrap()
            .verify_with_lists(&req, &lists)
            .rejection(),
        Some(Rejection::Malformed { .. })
    ));
    let plain = consulate(&w, &[&list]);
    let p = Presentation::prove_with_lists_rng(&plain, &link, &creds, &lists, &mut rng(4)).unwrap();
    assert!(p.pseudonym().is_none());
    assert!(p.verify_with_lists(&plain, &lists).pseudonym().is_none());
    assert!(matches!(
        mine.verify_with_lists(&plain, &lists).rejection(),
        Some(Rejection::RequestMismatch)
    ));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    type Pool = (World, EpochLists, Vec<(ProofRequest, Presentation)>);

    /// Six anonymous presentations against one list, proven once.
    fn pool() -> &'static Pool {
        static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
        POOL.get_or_init(|| {
            let w = World::new();
            let subjects: Vec<_> = (0..6).map(|i| w.subject(5_000 + i, 0)).collect();
            let listed: Vec<&HeldCredential> = subjects.iter().map(|(_, c)| court_of(c)).collect();
            let list = court_list(&w, 1, &listed, 50);
            let lists = lists_of(&w, &[&list]);
            let items = subjects
                .iter()
                .enumerate()
                .map(|(i, (link, creds))| {
                    let req = with_pseudonym(&w, "bikes.example", &[&list], 100 + i as u64);
                    let p = Presentation::prove_with_lists_rng(
                        &req,
                        link,
                        creds,
                        &lists,
                        &mut rng(200 + i as u64),
                    )
                    .unwrap();
                    (req, p)
                })
                .collect();
            (w, lists, items)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// A batch gives each presentation the verdict it gets alone, whichever
        /// bytes of whichever presentations are changed.
        #[test]
        fn a_batch_equals_single_verification(
            picks in proptest::collection::vec((0usize..6, any::<prop::sample::Index>(), 1u8..=255), 0..4),
            order in Just(()).prop_perturb(|_, mut r| {
                let mut v: Vec<usize> = (0..6).collect();
                for i in (1..v.len()).rev() {
                    v.swap(i, (r.next_u32() as usize) % (i + 1));
                }
                v
            }),
        ) {
            let (_, lists, items) = pool();
            let mut presentations: Vec<Presentation> = items.iter().map(|(_, p)| p.clone()).collect();
            for (which, at, flip) in &picks {
                let mut b = presentations[*which].to_bytes();
                let i = at.index(b.len());
                b[i] ^= flip;
                if let Ok(p) = Presentation::from_bytes(&b) {
                    presentations[*which] = p;
                }
            }
            let batch: Vec<(&ProofRequest, &Presentation)> = order
                .iter()
                .map(|&i| (&items[i].0, &presentations[i]))
                .collect();
            let together = verify_batch_with_lists(&batch, lists);
            #[cfg(feature = "parallel")]
            let across = credence::verifier::verify_batch_parallel_with_lists(&batch, lists);
            #[cfg(not(feature = "parallel"))]
            let across = together.clone();
            for (((req, p), v), w) in batch.iter().zip(&together).zip(&across) {
                let alone = p.verify_with_lists(req, lists);
                for v in [v, w] {
                    prop_assert_eq!(v.is_satisfied(), alone.is_satisfied());
                    prop_assert_eq!(v.rejection(), alone.rejection());
                    prop_assert_eq!(v.pseudonym(), alone.pseudonym());
                }
            }
        }
    }
}

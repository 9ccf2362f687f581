//! One-out-of-many membership proofs through the `hazmat` API: completeness,
//! every way a proof or its statement can be wrong, strict decoding, caps,
//! and batches that agree with single verification.

use credence::hazmat::membership::*;
use credence::hazmat::pedersen_gens;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The caller's transcript: the context (standing for the list digest and
/// the request) bound before the proof.
fn transcript(context: &[u8]) -> Transcript {
    let mut t = Transcript::new(b"credence.membership.test");
    t.append_message(b"context", context);
    t
}

struct Instance {
    params: Parameters,
    list: Vec<RistrettoPoint>,
    offset: RistrettoPoint,
    proof: MembershipProof,
}

impl Instance {
    /// A random list of `count` elements with element `l` equal to
    /// `D' + τ·B_blinding`, and a proof for it under `context`.
    fn new(n: usize, count: usize, l: usize, seed: u64) -> Self {
        let mut r = rng(seed);
        let params = Parameters::for_list_with_base(n, count).unwrap();
        let mut list: Vec<RistrettoPoint> =
            (0..count).map(|_| RistrettoPoint::random(&mut r)).collect();
        let tau = Scalar::random(&mut r);
        let offset = RistrettoPoint::random(&mut r);
        list[l] = offset + pedersen_gens().B_blinding * tau;
        let witness = Witness::new(l, tau);
        let proof = prove_with_rng(
            &params,
            &mut transcript(b"ctx"),
            &list,
            &offset,
            &witness,
            &mut r,
        )
        .unwrap();
        Instance {
            params,
            list,
            offset,
            proof,
        }
    }

    fn verify_with(
        &self,
        context: &[u8],
        list: &[RistrettoPoint],
        offset: &RistrettoPoint,
        proof: &MembershipProof,
    ) -> Result<(), MembershipError> {
        verify(&self.params, &mut transcript(context), list, offset, proof)
    }

    fn verifies(&self) -> bool {
        self.verify_with(b"ctx", &self.list, &self.offset, &self.proof)
            .is_ok()
    }
}

#[test]
fn complete_for_several_bases_and_padded_lists() {
    for (n, count) in [
        (2, 5),
        (2, 8),
        (3, 7),
        (4, 11),
        (4, 64),
        (16, 16),
        (16, 200),
    ] {
        for l in [0, count / 2, count - 1] {
            let inst = Instance::new(n, count, l, (n * 1000 + count + l) as u64);
            assert!(inst.verifies(), "n = {n}, count = {count}, l = {l}");
            assert_eq!(
                inst.proof.to_bytes().len(),
                32 * (inst.params.base() * inst.params.digits() + 4)
            );
        }
    }
}

#[test]
fn the_statement_is_bound() {
    let inst = Instance::new(4, 11, 6, 1);
    assert!(inst.verifies());
    let mut r = rng(2);
    // Another offset.
    let other = RistrettoPoint::random(&mut r);
    assert_eq!(
        inst.verify_with(b"ctx", &inst.list, &other, &inst.proof),
        Err(MembershipError::Invalid)
    );
    // The offset moved by a multiple of B_blinding still opens the element,
    // but the proof is bound to the offset it was made for.
    let moved = inst.offset + pedersen_gens().B_blinding;
    assert!(inst
        .verify_with(b"ctx", &inst.list, &moved, &inst.proof)
        .is_err());
    // Another context.
    assert!(inst
        .verify_with(b"other", &inst.list, &inst.offset, &inst.proof)
        .is_err());
    // Any one element changed, the proven one or another, padding included.
    for k in [0, 6, 10] {
        let mut list = inst.list.clone();
        list[k] = RistrettoPoint::random(&mut r);
        assert!(inst
            .verify_with(b"ctx", &list, &inst.offset, &inst.proof)
            .is_err());
    }
    // One element more or fewer (the length is bound), or the padding
    // written out.
    let mut longer = inst.list.clone();
    longer.push(inst.list[10]);
    assert!(inst
        .verify_with(b"ctx", &longer, &inst.offset, &inst.proof)
        .is_err());
    assert!(inst
        .verify_with(b"ctx", &inst.list[..10], &inst.offset, &inst.proof)
        .is_err());
    // Two elements swapped.
    let mut swapped = inst.list.clone();
    swapped.swap(6, 7);
    assert!(inst
        .verify_with(b"ctx", &swapped, &inst.offset, &inst.proof)
        .is_err());
}

#[test]
fn parameters_must_match() {
    let inst = Instance::new(4, 11, 3, 3);
    let other = Parameters::new(2, 4).unwrap();
    assert_eq!(
        verify(
            &other,
            &mut transcript(b"ctx"),
            &inst.list,
            &inst.offset,
            &inst.proof
        ),
        Err(MembershipError::WrongParameters)
    );
    // The same bytes read for other parameters of the same length are
    // refused, by the decoder (a point slot read as a scalar, or the other
    // way round) or by the verifier ((n, m) is bound in the transcript).
    let bytes = inst.proof.to_bytes();
    let p = Parameters::new(8, 1).unwrap();
    assert_eq!(p.proof_len(), inst.params.proof_len());
    if let Ok(reread) = MembershipProof::from_bytes(&p, &bytes) {
        assert!(verify(
            &p,
            &mut transcript(b"ctx"),
            &inst.list[..8],
            &inst.offset,
            &reread
        )
        .is_err());
    }
}

#[test]
fn every_tampered_byte_is_refused() {
    let inst = Instance::new(4, 11, 5, 4);
    let bytes = inst.proof.to_bytes();
    assert_eq!(
        MembershipProof::from_bytes(&inst.params, &bytes).unwrap(),
        inst.proof
    );
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            if let Ok(p) = MembershipProof::from_bytes(&inst.params, &b) {
                assert!(
                    inst.verify_with(b"ctx", &inst.list, &inst.offset, &p)
                        .is_err(),
                    "byte {i} ^ {flip:#x} accepted"
                );
            }
        }
    }
}

/// Little-endian ℓ, the group order: the smallest non-canonical scalar.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

#[test]
fn decoding_is_strict() {
    let inst = Instance::new(4, 16, 9, 5);
    let params = inst.params;
    let bytes = inst.proof.to_bytes();
    let len = params.proof_len();
    assert_eq!(len, 32 * (4 * 2 + 4));
    // Truncated, extended, empty.
    for bad in [
        &bytes[..len - 1],
        &[bytes.clone(), vec![0]].concat()[..],
        &[],
    ] {
        assert!(matches!(
            MembershipProof::from_bytes(&params, bad),
            Err(credence::DecodeError::WrongLength { expected, .. }) if expected == len
        ));
    }
    let points = params.digits() + 2;
    // A non-canonical point encoding (a field element ≥ p) in every point
    // slot; ℓ and 2^255 − 1 in every scalar slot.
    let mut not_canonical_field = [0xffu8; 32];
    not_canonical_field[31] = 0x7f;
    for slot in 0..len / 32 {
        let candidates: &[[u8; 32]] = if slot < points {
            &[not_canonical_field, [0xff; 32]]
        } else {
            &[ELL, [0xff; 32]]
        };
        for c in candidates {
            let mut b = bytes.clone();
            b[slot * 32..slot * 32 + 32].copy_from_slice(c);
            let err = MembershipProof::from_bytes(&params, &b).unwrap_err();
            if slot < points {
                assert!(matches!(err, credence::DecodeError::InvalidPoint(_)));
            } else {
                assert!(matches!(err, credence::DecodeError::NonCanonicalScalar(_)));
            }
        }
    }
    // ℓ − 1 is canonical: decodes, and does not verify.
    let mut b = bytes.clone();
    let mut ell_minus_one = ELL;
    ell_minus_one[0] -= 1;
    b[len - 32..].copy_from_slice(&ell_minus_one);
    let p = MembershipProof::from_bytes(&params, &b).unwrap();
    assert!(inst
        .verify_with(b"ctx", &inst.list, &inst.offset, &p)
        .is_err());
}

#[test]
fn caps_are_enforced_without_panics() {
    assert_eq!(Parameters::new(1, 4), Err(MembershipError::Parameters));
    assert_eq!(Parameters::new(17, 1), Err(MembershipError::Parameters));
    assert_eq!(Parameters::new(4, 0), Err(MembershipError::Parameters));
    assert_eq!(Parameters::new(2, 21), Err(MembershipError::Parameters));
    assert_eq!(Parameters::new(16, 6), Err(MembershipError::Parameters));
    assert_eq!(
        Parameters::new(16, usize::MAX),
        Err(MembershipError::Parameters)
    );
    assert_eq!(Parameters::new(2, 20).unwrap().capacity(), MAX_CAPACITY);
    assert_eq!(Parameters::new(16, 5).unwrap().proof_len(), 32 * 84);
    assert!(matches!(
        Parameters::for_list(0),
        Err(MembershipError::ListSize { count: 0, .. })
    ));
    assert!(matches!(
        Parameters::for_list(MAX_CAPACITY + 1),
        Err(MembershipError::ListSize { .. })
    ));
    // 3^12 < 2^20 < 3^13: base 3 covers fewer.
    assert!(matches!(
        Parameters::for_list_with_base(3, MAX_CAPACITY),
        Err(MembershipError::ListSize {
            capacity: 531_441,
            ..
        })
    ));
    assert_eq!(
        Parameters::for_list_with_base(0, 4),
        Err(MembershipError::Parameters)
    );
    let p = Parameters::for_list(1025).unwrap();
    assert_eq!((p.base(), p.digits(), p.capacity()), (4, 6, 4096));
    assert_eq!(Parameters::for_list(1).unwrap().digits(), 1);

    // Lists the parameters do not cover, for the verifier too.
    let inst = Instance::new(2, 4, 1, 6);
    let mut long = inst.list.clone();
    long.push(inst.list[0]);
    assert_eq!(
        inst.verify_with(b"ctx", &long, &inst.offset, &inst.proof),
        Err(MembershipError::ListSize {
            count: 5,
            capacity: 4
        })
    );
    assert!(matches!(
        inst.verify_with(b"ctx", &[], &inst.offset, &inst.proof),
        Err(MembershipError::ListSize { count: 0, .. })
    ));
    let mut items = [BatchItem {
        transcript: &mut transcript(b"ctx"),
        offset: &inst.offset,
        proof: &inst.proof,
    }];
    assert!(verify_batch(&inst.params, &[], &mut items).is_err());
    assert_eq!(verify_each(&inst.params, &[], &mut items), vec![false]);
}

/// Proofs against one list, the `bad` ones verified under a wrong context,
/// a wrong offset or with a tampered response.
fn batch_case(n: usize, count: usize, indices: &[usize], bad: &[u8], seed: u64) {
    let mut r = rng(seed);
    let params = Parameters::for_list_with_base(n, count).unwrap();
    let list: Vec<RistrettoPoint> = (0..count).map(|_| RistrettoPoint::random(&mut r)).collect();
    let mut offsets = Vec::new();
    let mut proofs = Vec::new();
    let mut witnesses = Vec::new();
    for &l in indices {
        let tau = Scalar::random(&mut r);
        // Several proofs may use one element: each with its own offset.
        let offset = list[l] - pedersen_gens().B_blinding * tau;
        offsets.push(offset);
        witnesses.push(Witness::new(l, tau));
    }
    for (i, (w, o)) in witnesses.iter().zip(&offsets).enumerate() {
        let ctx = [i as u8];
        let mut p = prove_with_rng(&params, &mut transcript(&ctx), &list, o, w, &mut r).unwrap();
        if bad[i] == 3 {
            let mut b = p.to_bytes();
            let at = b.len() - 40;
            b[at] ^= 1;
            p = MembershipProof::from_bytes(&params, &b).unwrap();
        }
        proofs.push(p);
    }
    let wrong = RistrettoPoint::random(&mut r);
    let used_offsets: Vec<RistrettoPoint> = offsets
        .iter()
        .zip(bad)
        .map(|(o, b)| if *b == 2 { wrong } else { *o })
        .collect();
    let contexts: Vec<Vec<u8>> = (0..proofs.len())
        .map(|i| {
            if bad[i] == 1 {
                vec![i as u8, 0]
            } else {
                vec![i as u8]
            }
        })
        .collect();

    let singles: Vec<bool> = (0..proofs.len())
        .map(|i| {
            verify(
                &params,
                &mut transcript(&contexts[i]),
                &list,
                &used_offsets[i],
                &proofs[i],
            )
            .is_ok()
        })
        .collect();
    let expected: Vec<bool> = bad.iter().map(|b| *b == 0).collect();
    assert_eq!(singles, expected);

    let mut ts: Vec<Transcript> = contexts.iter().map(|c| transcript(c)).collect();
    let mut items: Vec<BatchItem<'_>> = ts
        .iter_mut()
        .zip(&used_offsets)
        .zip(&proofs)
        .map(|((t, o), p)| BatchItem {
            transcript: t,
            offset: o,
            proof: p,
        })
        .collect();
    let all_good = singles.iter().all(|s| *s);
    assert_eq!(verify_batch(&params, &list, &mut items).is_ok(), all_good);

    #[cfg(feature = "parallel")]
    {
        let mut ts: Vec<Transcript> = contexts.iter().map(|c| transcript(c)).collect();
        let mut items: Vec<BatchItem<'_>> = ts
            .iter_mut()
            .zip(&used_offsets)
            .zip(&proofs)
            .map(|((t, o), p)| BatchItem {
                transcript: t,
                offset: o,
                proof: p,
            })
            .collect();
        assert_eq!(
            verify_batch_parallel(&params, &list, &mut items).is_ok(),
            all_good
        );
    }

    let mut ts: Vec<Transcript> = contexts.iter().map(|c| transcript(c)).collect();
    let mut items: Vec<BatchItem<'_>> = ts
        .iter_mut()
        .zip(&used_offsets)
        .zip(&proofs)
        .map(|((t, o), p)| BatchItem {
            transcript: t,
            offset: o,
            proof: p,
        })
        .collect();
    assert_eq!(verify_each(&params, &list, &mut items), singles);
}

#[test]
fn a_batch_with_one_bad_proof_fails_and_names_it() {
    batch_case(4, 37, &[0, 5, 36, 36, 12], &[0, 0, 0, 0, 0], 7);
    for kind in 1..=3 {
        batch_case(4, 37, &[0, 5, 36, 36, 12], &[0, 0, kind, 0, 0], 8);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn batch_equals_single(
        n in prop::sample::select(vec![2usize, 3, 4, 16]),
        count in 1usize..40,
        picks in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<bool>()), 1..6),
        seed in any::<u64>(),
    ) {
        let indices: Vec<usize> = picks.iter().map(|(i, _, _)| i.index(count)).collect();
        // About half the cases are all good.
        let bad: Vec<u8> = picks.iter().map(|(_, k, keep)| if *keep { 0 } else { *k }).collect();
        batch_case(n, count, &indices, &bad, seed);
    }
}

/// The test vector of spec/membership.md §9, built from its seeds.
fn vector() -> serde_json::Value {
    let mut r = ChaCha20Rng::from_seed([0x21; 32]);
    let params = Parameters::new(4, 2).unwrap();
    let mut list: Vec<RistrettoPoint> = (0..11).map(|_| RistrettoPoint::random(&mut r)).collect();
    let tau = Scalar::random(&mut r);
    let offset = RistrettoPoint::random(&mut r);
    list[6] = offset + pedersen_gens().B_blinding * tau;
    let mut t = Transcript::new(b"credence.membership.vector");
    t.append_message(b"context", b"vector");
    let proof = prove_with_rng(
        &params,
        &mut t,
        &list,
        &offset,
        &Witness::new(6, tau),
        &mut ChaCha20Rng::from_seed([0x22; 32]),
    )
    .unwrap();
    let mut after = [0u8; 32];
    t.challenge_bytes(b"after", &mut after);
    let list_hex: Vec<String> = list
        .iter()
        .map(|p| hex::encode(p.compress().as_bytes()))
        .collect();
    serde_json::json!({
        "n": 4,
        "m": 2,
        "index": 6,
        "list": list_hex,
        "offset": hex::encode(offset.compress().as_bytes()),
        "blinding": hex::encode(tau.as_bytes()),
        "proof": hex::encode(proof.to_bytes()),
        "challenge_after": hex::encode(after),
    })
}

fn vector_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/vectors/membership.json")
}

#[test]
fn the_vector_is_reproduced_and_verifies() {
    let fresh = vector();
    if std::env::var_os("CREDENCE_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(vector_path(), text).unwrap();
    }
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vector_path()).unwrap()).unwrap();
    for (k, v) in fresh.as_object().unwrap() {
        assert_eq!(&stored[k], v, "vector field `{k}` differs");
    }
    // The stored proof verifies from the stored list and offset alone.
    let hex32 = |v: &serde_json::Value| -> [u8; 32] {
        hex::decode(v.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let point = |v: &serde_json::Value| {
        curve25519_dalek::ristretto::CompressedRistretto(hex32(v))
            .decompress()
            .unwrap()
    };
    let list: Vec<RistrettoPoint> = stored["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(point)
        .collect();
    let offset = point(&stored["offset"]);
    let params = Parameters::new(4, 2).unwrap();
    let proof = MembershipProof::from_bytes(
        &params,
        &hex::decode(stored["proof"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let mut t = Transcript::new(b"credence.membership.vector");
    t.append_message(b"context", b"vector");
    assert_eq!(verify(&params, &mut t, &list, &offset, &proof), Ok(()));
    let mut after = [0u8; 32];
    t.challenge_bytes(b"after", &mut after);
    assert_eq!(
        hex::encode(after),
        stored["challenge_after"].as_str().unwrap()
    );
}

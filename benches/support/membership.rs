//! Membership-proof instances for the benchmarks and the report: a random
//! list, members with their offsets and proofs, and the same size of
//! statement for Tari's `triptych` crate, the yardstick.

#![allow(dead_code)]

use std::sync::Arc;

use credence::hazmat::membership::*;
use credence::hazmat::pedersen_gens;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The caller's transcript for proof `i`: its context bound first.
pub fn transcript(i: usize) -> Transcript {
    let mut t = Transcript::new(b"credence.membership.bench");
    t.append_u64(b"proof", i as u64);
    t
}

/// A list of `N` random elements and `members` of them with their offsets,
/// witnesses and proofs (made with the parallel prover, to set up quickly).
pub struct Oom {
    pub params: Parameters,
    pub list: Vec<RistrettoPoint>,
    pub offsets: Vec<RistrettoPoint>,
    pub witnesses: Vec<Witness>,
    pub proofs: Vec<MembershipProof>,
}

impl Oom {
    pub fn new(n: usize, size: usize, members: usize, seed: u64) -> Self {
        let mut r = rng(seed);
        let params = Parameters::for_list_with_base(n, size).expect("parameters");
        let list: Vec<RistrettoPoint> = (0..size).map(|_| RistrettoPoint::random(&mut r)).collect();
        let mut offsets = Vec::new();
        let mut witnesses = Vec::new();
        for i in 0..members {
            let l = (i * 7919 + 13) % size;
            let tau = Scalar::random(&mut r);
            offsets.push(list[l] - pedersen_gens().B_blinding * tau);
            witnesses.push(Witness::new(l, tau));
        }
        let proofs = witnesses
            .iter()
            .zip(&offsets)
            .enumerate()
            .map(|(i, (w, o))| {
                prove_parallel_with_rng(&params, &mut transcript(i), &list, o, w, &mut r)
                    .expect("prove")
            })
            .collect();
        Oom {
            params,
            list,
            offsets,
            witnesses,
            proofs,
        }
    }

    /// Proves again for member `i` (constant time, one thread).
    pub fn prove(&self, i: usize) -> MembershipProof {
        prove(
            &self.params,
            &mut transcript(i),
            &self.list,
            &self.offsets[i],
            &self.witnesses[i],
        )
        .expect("prove")
    }

    /// [`Oom::prove`] with the folding across threads.
    pub fn prove_parallel(&self, i: usize) -> MembershipProof {
        prove_parallel_with_rng(
            &self.params,
            &mut transcript(i),
            &self.list,
            &self.offsets[i],
            &self.witnesses[i],
            &mut rand_core::OsRng,
        )
        .expect("prove")
    }

    pub fn verify(&self, i: usize) -> bool {
        verify(
            &self.params,
            &mut transcript(i),
            &self.list,
            &self.offsets[i],
            &self.proofs[i],
        )
        .is_ok()
    }

    /// Verifies `k` proofs as one batch: the members' proofs in turn, each
    /// proof counted as often as it appears (the verifier weights every item
    /// independently, so a repeated proof costs what a new one does).
    pub fn verify_batch(&self, k: usize, parallel: bool) -> bool {
        let mut ts: Vec<Transcript> = (0..k).map(|i| transcript(i % self.proofs.len())).collect();
        let mut items: Vec<BatchItem<'_>> = ts
            .iter_mut()
            .enumerate()
            .map(|(i, t)| {
                let j = i % self.proofs.len();
                BatchItem {
                    transcript: t,
                    offset: &self.offsets[j],
                    proof: &self.proofs[j],
                }
            })
            .collect();
        if parallel {
            verify_batch_parallel(&self.params, &self.list, &mut items).is_ok()
        } else {
            verify_batch(&self.params, &self.list, &mut items).is_ok()
        }
    }

    pub fn proof_len(&self) -> usize {
        self.proofs[0].to_bytes().len()
    }
}

/// The same size of statement for `triptych` 0.1 (plain Triptych: one list
/// of keys, a linking tag), proven with its constant-time prover.
pub struct Tri {
    statement: triptych::TriptychStatement,
    witness: triptych::TriptychWitness,
    proof: triptych::TriptychProof,
}

impl Tri {
    pub fn new(n: u32, m: u32, seed: u64) -> Self {
        use triptych::*;
        let mut r = rng(seed);
        let params = Arc::new(TriptychParameters::new(n, m).expect("triptych parameters"));
        let size = params.get_N() as usize;
        let l = (size / 3) as u32;
        let witness = TriptychWitness::random(&params, &mut r);
        let witness = TriptychWitness::new(&params, l, witness.get_r()).expect("triptych witness");
        let mut keys: Vec<RistrettoPoint> =
            (0..size).map(|_| RistrettoPoint::random(&mut r)).collect();
        keys[l as usize] = witness.compute_verification_key();
        let input_set = Arc::new(TriptychInputSet::new(&keys).expect("triptych input set"));
        let statement = TriptychStatement::new(&params, &input_set, &witness.compute_linking_tag())
            .expect("triptych statement");
        let proof = TriptychProof::prove_with_rng(
            &witness,
            &statement,
            &mut r,
            &mut Transcript::new(b"triptych bench"),
        )
        .expect("triptych prove");
        Tri {
            statement,
            witness,
            proof,
        }
    }

    /// Triptych's constant-time prover.
    pub fn prove(&self) -> triptych::TriptychProof {
        triptych::TriptychProof::prove_with_rng(
            &self.witness,
            &self.statement,
            &mut rand_core::OsRng,
            &mut Transcript::new(b"triptych bench"),
        )
        .expect("triptych prove")
    }

    pub fn verify(&self) -> bool {
        self.proof
            .verify(&self.statement, &mut Transcript::new(b"triptych bench"))
            .is_ok()
    }

    pub fn proof_len(&self) -> usize {
        self.proof.to_bytes().len()
    }
}

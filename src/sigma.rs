//! Schnorr-style proofs of knowledge of representations (spec §7.3).
//!
//! A proof shows knowledge of witnesses `x_j` such that, for every relation
//! `i`, `P_i = Σ x_j·G_ij`, where each `G_ij` is `B` or `B_blinding`. Witnesses
//! shared between relations prove equality: the holder's link secret appears in
//! the holder relation of every credential, which binds them to one holder.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::errors::DecodeError;
use crate::generators::{self, pedersen_gens};
use crate::msm::{weight, Invalid, Msm};
use crate::transcript::{label, TranscriptProtocol};
use crate::wire::{caps, Decode, Encode, Point, Reader, Writer};

/// Which Pedersen generator a term uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    /// `B`, the value generator.
    Value,
    /// `B_blinding`.
    Blinding,
    /// The digest generator `G^D_i` of attribute slot `i` (spec §2).
    Digest(usize),
    /// The verifier's pseudonym base `H_v` (spec §7.5).
    Pseudonym(RistrettoPoint),
}

impl Base {
    pub(crate) fn point(self) -> RistrettoPoint {
        let pc = pedersen_gens();
        match self {
            Base::Value => pc.B,
            Base::Blinding => pc.B_blinding,
            Base::Digest(i) => digest_gen(i),
            Base::Pseudonym(h) => h,
        }
    }

    /// `x·base` in constant time (from the generator's precomputed table for
    /// `B` and `B_blinding`).
    fn mul_secret(self, x: &Scalar) -> RistrettoPoint {
        match self {
            Base::Value => RistrettoPoint::mul_base(x),
            Base::Blinding => generators::blinding_mul(x),
            Base::Digest(i) => digest_gen(i) * x,
            Base::Pseudonym(h) => h * x,
        }
    }

    /// The code that binds the base in the statement (spec §6.1).
    fn code(self) -> u8 {
        match self {
            Base::Value => 0,
            Base::Blinding => 1,
            // Slots are fewer than ATTRIBUTES = 64: the code fits.
            Base::Digest(i) => 16 + i as u8,
            Base::Pseudonym(_) => 2,
        }
    }
}

/// `G^D_i`; relations are built from schemas, whose attribute count is
/// capped at the number of digest generators.
fn digest_gen(i: usize) -> RistrettoPoint {
    let gens = generators::digest_gens();
    debug_assert!(i < gens.len());
    gens.get(i).copied().unwrap_or_default()
}

/// One relation `lhs = Σ x_j·base_j`; the verifier computes `lhs` itself.
#[derive(Clone, Debug)]
pub(crate) struct Relation {
    pub lhs: Point,
    pub terms: Vec<(usize, Base)>,
}

/// `H = s·B + ρ·B_blinding`, with `s` witness `s_index` and `ρ` witness `rho_index`.
pub(crate) fn holder_relation(h: Point, s_index: usize, rho_index: usize) -> Relation {
    Relation {
        lhs: h,
        terms: vec![(s_index, Base::Value), (rho_index, Base::Blinding)],
    }
}

/// Cap on witnesses and relations of one sigma proof: `s`; per credential at
/// most a digest blinding, every attribute value and a blinding per
/// attribute (the anonymous mode); one blinding per predicate.
pub(crate) const MAX_ELEMENTS: usize =
    1 + caps::CREDENTIALS * (1 + 2 * caps::ATTRIBUTES) + caps::PREDICATES;

/// Cap on the relations (and so the commitments) of one sigma proof: per
/// credential at most the digest opening and one relation per attribute;
/// one per predicate; the pseudonym.
pub(crate) const MAX_RELATIONS: usize =
    caps::CREDENTIALS * (1 + caps::ATTRIBUTES) + caps::PREDICATES + 1;

/// A proof: one commitment per relation, one response per witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SigmaProof {
    pub commitments: Vec<Point>,
    pub responses: Vec<Scalar>,
}

/// Binds the statement as one message (spec §6.1 step 10): the relation and
/// witness counts, then per relation its term count, each term's witness
/// index and base, and its left-hand side.
fn bind_statement(t: &mut Transcript, relations: &[Relation], witnesses: usize) {
    let mut w = Writer::default();
    w.count(relations.len());
    w.count(witnesses);
    for r in relations {
        w.count(r.terms.len());
        for (j, base) in &r.terms {
            w.count(*j);
            w.u8(base.code());
        }
        w.point(&r.lhs.compressed);
    }
    t.append_message(label::SIGMA_STATEMENT, &w.into_vec());
}

/// Proves knowledge of `witnesses` for `relations`, appending to `t`.
///
/// The nonces come from the transcript's RNG, rekeyed with the witnesses and
/// finalized with `rng`, so a weak `rng` alone does not leak them.
pub(crate) fn prove<R: RngCore + CryptoRng>(
    t: &mut Transcript,
    relations: &[Relation],
    witnesses: &[Scalar],
    rng: &mut R,
) -> SigmaProof {
    bind_statement(t, relations, witnesses.len());
    let mut builder = t.build_rng();
    for w in witnesses {
        builder = builder.rekey_with_witness_bytes(label::WITNESS, w.as_bytes());
    }
    let mut trng = builder.finalize(rng);
    let nonces: Zeroizing<Vec<Scalar>> = Zeroizing::new(
        witnesses
            .iter()
            .map(|_| Scalar::random(&mut trng))
            .collect(),
    );
    // The nonces are secret: the commitments are computed in constant time.
    let commitments: Vec<Point> = relations
        .iter()
        .map(|r| Point::new(r.terms.iter().map(|(j, b)| b.mul_secret(&nonces[*j])).sum()))
        .collect();
    for a in &commitments {
        t.append_point(label::SIGMA_COMMITMENT, &a.compressed);
    }
    let c = t.challenge_scalar(label::SIGMA_CHALLENGE);
    let responses = nonces
        .iter()
        .zip(witnesses)
        .map(|(k, x)| k + c * x)
        .collect();
    SigmaProof {
        commitments,
        responses,
    }
}

/// Replays the verifier's side of the transcript: checks the proof's shape,
/// binds the statement and the commitments, and returns the challenge; `None`
/// when the shape is wrong.
pub(crate) fn replay(
    t: &mut Transcript,
    relations: &[Relation],
    witnesses: usize,
    proof: &SigmaProof,
) -> Option<Scalar> {
    if proof.commitments.len() != relations.len() || proof.responses.len() != witnesses {
        return None;
    }
    if relations
        .iter()
        .any(|r| r.terms.iter().any(|(j, _)| *j >= witnesses))
    {
        return None;
    }
    bind_statement(t, relations, witnesses);
    for a in &proof.commitments {
        t.append_point(label::SIGMA_COMMITMENT, &a.compressed);
    }
    Some(t.challenge_scalar(label::SIGMA_CHALLENGE))
}

/// Replays the proof on `t` and adds its relations `Σ z_j·G_j − c·P_i − A_i = 0`
/// to `msm`, each weighted by a fresh random scalar (spec §8.3).
///
/// # Errors
/// [`Invalid`] when the proof has the wrong shape for the statement.
pub(crate) fn add_to<'a, R: RngCore + CryptoRng>(
    msm: &mut Msm<'a>,
    t: &mut Transcript,
    relations: &[Relation],
    witnesses: usize,
    proof: &'a SigmaProof,
    rng: &mut R,
) -> Result<(), Invalid> {
    let c = replay(t, relations, witnesses, proof).ok_or(Invalid)?;
    for (r, a) in relations.iter().zip(&proof.commitments) {
        let rho = weight(rng);
        for (j, base) in &r.terms {
            let z = proof.responses.get(*j).ok_or(Invalid)?;
            match base {
                Base::Value => msm.add_b(rho * z),
                Base::Blinding => msm.add_b_blinding(rho * z),
                Base::Digest(i) => msm.add_owned(rho * z, digest_gen(*i)),
                Base::Pseudonym(h) => msm.add_owned(rho * z, *h),
            }
        }
        msm.add_owned(-(rho * c), r.lhs.point);
        msm.add_borrowed(-rho, &a.point);
    }
    Ok(())
}

/// Verifies `proof` for `relations` over `witnesses` witnesses, appending to `t`.
///
/// Returns `false` when the proof has the wrong shape or any relation fails.
/// The challenge covers every relation, so a failure is not attributed to one.
pub(crate) fn verify(
    t: &mut Transcript,
    relations: &[Relation],
    witnesses: usize,
    proof: &SigmaProof,
) -> bool {
    let Some(c) = replay(t, relations, witnesses, proof) else {
        return false;
    };
    relations
        .iter()
        .zip(&proof.commitments)
        .all(|(r, a)| relation_holds(r, a, &proof.responses, &c))
}

/// Checks `Σ z_j·G_j - c·lhs - A == 0`.
fn relation_holds(r: &Relation, a: &Point, z: &[Scalar], c: &Scalar) -> bool {
    let mut scalars = Vec::with_capacity(r.terms.len() + 2);
    let mut points = Vec::with_capacity(r.terms.len() + 2);
    for (j, base) in &r.terms {
        let Some(zj) = z.get(*j) else {
            return false;
        };
        scalars.push(*zj);
        points.push(base.point());
    }
    scalars.push(-c);
    points.push(r.lhs.point);
    scalars.push(-Scalar::ONE);
    points.push(a.point);
    RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

impl Encode for SigmaProof {
    fn encode(&self, w: &mut Writer) {
        w.count(self.commitments.len());
        for a in &self.commitments {
            w.point(&a.compressed);
        }
        w.count(self.responses.len());
        for z in &self.responses {
            w.scalar(z);
        }
    }
}

impl Decode for SigmaProof {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.count("sigma commitments", MAX_RELATIONS)?;
        let commitments = (0..n)
            .map(|_| r.full_point("sigma commitment"))
            .collect::<Result<_, _>>()?;
        let m = r.count("sigma responses", MAX_ELEMENTS)?;
        let responses = (0..m)
            .map(|_| r.scalar("sigma response"))
            .collect::<Result<_, _>>()?;
        Ok(SigmaProof {
            commitments,
            responses,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    fn setup() -> (Vec<Relation>, Vec<Scalar>) {
        let pc = pedersen_gens();
        let s = Scalar::random(&mut OsRng);
        let r1 = Scalar::random(&mut OsRng);
        let r2 = Scalar::random(&mut OsRng);
        let rel = |rho: Scalar, j: usize| Relation {
            lhs: Point::new(pc.commit(s, rho)),
            terms: vec![(0, Base::Value), (j, Base::Blinding)],
        };
        (vec![rel(r1, 1), rel(r2, 2)], vec![s, r1, r2])
    }

    #[test]
    fn proves_shared_witness() {
        let (rels, wit) = setup();
        let proof = prove(&mut Transcript::new(b"t"), &rels, &wit, &mut OsRng);
        assert!(verify(&mut Transcript::new(b"t"), &rels, 3, &proof));
        // Another transcript, another witness count, a flipped response.
        assert!(!verify(&mut Transcript::new(b"u"), &rels, 3, &proof));
        assert!(!verify(&mut Transcript::new(b"t"), &rels, 2, &proof));
        let mut bad = proof.clone();
        bad.responses[1] += Scalar::ONE;
        assert!(!verify(&mut Transcript::new(b"t"), &rels, 3, &bad));
    }

    #[test]
    fn different_secrets_cannot_share_a_witness() {
        let (mut rels, mut wit) = setup();
        // The second commitment holds another secret; proving with the first
        // secret for both must fail.
        let other = Scalar::from(5u64);
        rels[1].lhs = Point::new(pedersen_gens().commit(other, wit[2]));
        let proof = prove(&mut Transcript::new(b"t"), &rels, &wit, &mut OsRng);
        assert!(!verify(&mut Transcript::new(b"t"), &rels, 3, &proof));
        wit[0] = other;
        let proof = prove(&mut Transcript::new(b"t"), &rels, &wit, &mut OsRng);
        assert!(!verify(&mut Transcript::new(b"t"), &rels, 3, &proof));
    }
}

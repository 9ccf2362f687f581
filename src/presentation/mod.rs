//! Presentations: a subject's answer to a proof request (spec §7).

use std::sync::OnceLock;

use crate::credential::Credential;
use crate::errors::DecodeError;
use crate::sigma::SigmaProof;
use crate::wire::{caps, serde_via_bytes, tag, Reader, Writer};
use equation::RangeProofParts;
use statements::Points;

mod batch;
mod equation;
mod prover;
pub(crate) mod statements;
mod verifier;

#[cfg(feature = "parallel")]
pub use batch::verify_batch_parallel;
pub use batch::{verify_batch, verify_batch_with_rng};
pub(crate) use verifier::reports;
pub use verifier::{AttributeUse, Disclosure, PredicateReport, Rejection, Verdict};

/// One aggregated Bulletproofs range proof over all statements of one width.
#[derive(Clone, Debug)]
pub(crate) struct RangeGroupProof {
    pub bits: usize,
    pub proof: Vec<u8>,
    /// `proof`, decoded once: when a presentation is decoded, or when one
    /// made by this process's prover is first verified.
    parts: OnceLock<RangeProofParts>,
}

impl RangeGroupProof {
    /// A received proof, decoded now so that malformed input is refused
    /// with the presentation.
    pub fn new(bits: usize, proof: Vec<u8>) -> Result<Self, DecodeError> {
        let parts = OnceLock::from(RangeProofParts::parse(&proof)?);
        Ok(RangeGroupProof { bits, proof, parts })
    }

    /// A proof the prover just made: decoded only if it is verified here.
    pub fn made(bits: usize, proof: Vec<u8>) -> Self {
        RangeGroupProof {
            bits,
            proof,
            parts: OnceLock::new(),
        }
    }

    /// The decoded proof.
    pub fn parts(&self) -> Result<&RangeProofParts, DecodeError> {
        if let Some(parts) = self.parts.get() {
            return Ok(parts);
        }
        let parts = RangeProofParts::parse(&self.proof)?;
        Ok(self.parts.get_or_init(|| parts))
    }

    /// The inner-product argument's rounds, `log2(bits·m)`, from the proof's
    /// length (nine 32-byte elements and two per round; checked on decoding).
    pub fn rounds(&self) -> usize {
        (self.proof.len() / 32).saturating_sub(9) / 2
    }
}

impl PartialEq for RangeGroupProof {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits && self.proof == other.proof
    }
}

impl Eq for RangeGroupProof {}

/// A presentation (spec §7.2): the credentials' public parts, the disclosed
/// values, one aggregated range proof per bit width in use, and one sigma
/// proof for holder binding, equalities and disclosures.
///
/// It carries no hidden value: the range proofs and the sigma proof are zero
/// knowledge, and every commitment is hiding.
#[derive(Clone, Debug)]
pub struct Presentation {
    request_digest: [u8; 32],
    credentials: Vec<Credential>,
    disclosed: Vec<u64>,
    range_proofs: Vec<RangeGroupProof>,
    sigma: SigmaProof,
    /// The credentials' commitments, decompressed once.
    points: Points,
}

impl PartialEq for Presentation {
    fn eq(&self, other: &Self) -> bool {
        // `points` is derived from `credentials`.
        self.request_digest == other.request_digest
            && self.credentials == other.credentials
            && self.disclosed == other.disclosed
            && self.range_proofs == other.range_proofs
            && self.sigma == other.sigma
    }
}

impl Eq for Presentation {}

impl Presentation {
    /// The digest of the request this presentation answers.
    pub fn request_digest(&self) -> &[u8; 32] {
        &self.request_digest
    }
    /// The credentials' public parts, in the order the request first names
    /// their schemas.
    pub fn credentials(&self) -> &[Credential] {
        &self.credentials
    }
    /// The disclosed values, in the order of the request's `reveal` predicates.
    pub fn disclosed(&self) -> &[u64] {
        &self.disclosed
    }

    /// The bit width and the padded statement count of each aggregated range
    /// proof, in order: what the proofs cost, and nothing about the values.
    pub fn range_proof_shapes(&self) -> Vec<(usize, usize)> {
        self.range_proofs
            .iter()
            // The inner-product argument has log2(bits·m) rounds (at most 12).
            .map(|g| (g.bits, (1usize << g.rounds().min(12)) / g.bits.max(1)))
            .collect()
    }

    /// The canonical encoding (spec §3.9).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::header(tag::PRESENTATION);
        w.fixed(&self.request_digest);
        w.count(self.credentials.len());
        for c in &self.credentials {
            c.write(&mut w);
        }
        w.count(self.disclosed.len());
        for d in &self.disclosed {
            w.u64(*d);
        }
        w.count(self.range_proofs.len());
        for g in &self.range_proofs {
            w.u8(g.bits as u8);
            w.bytes(&g.proof);
        }
        self.sigma.write(&mut w);
        w.into_vec()
    }

    /// Strict decoding of [`Presentation::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::header(bytes, tag::PRESENTATION, "presentation")?;
        let request_digest = r.array()?;
        let n = r.count("credentials", caps::CREDENTIALS)?;
        let mut credentials = Vec::with_capacity(n);
        let mut points = Points::default();
        for _ in 0..n {
            let (c, attrs, holder) = Credential::read_full(&mut r)?;
            credentials.push(c);
            points.attrs.push(attrs);
            points.holders.push(holder);
        }
        let n = r.count("disclosed values", caps::PREDICATES)?;
        let disclosed = (0..n).map(|_| r.u64()).collect::<Result<_, _>>()?;
        let n = r.count("range proofs", statements::WIDTHS.len())?;
        let mut range_proofs: Vec<RangeGroupProof> = Vec::with_capacity(n);
        for _ in 0..n {
            let bits = usize::from(r.u8()?);
            if !statements::WIDTHS.contains(&bits) {
                return Err(DecodeError::Invalid(format!("range proof width {bits}")));
            }
            if range_proofs.last().is_some_and(|g| g.bits >= bits) {
                return Err(DecodeError::Invalid(
                    "range proof widths out of order".into(),
                ));
            }
            let proof = r.bytes("range proof", caps::RANGE_PROOF_LEN)?.to_vec();
            range_proofs.push(RangeGroupProof::new(bits, proof)?);
        }
        let sigma = SigmaProof::read(&mut r)?;
        r.finish()?;
        Ok(Presentation {
            request_digest,
            credentials,
            disclosed,
            range_proofs,
            sigma,
            points,
        })
    }
}

serde_via_bytes!(Presentation, "presentation");

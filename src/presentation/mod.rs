//! Presentations: a subject's answer to a proof request (spec §7).

use crate::credential::Credential;
use crate::errors::DecodeError;
use crate::sigma::SigmaProof;
use crate::wire::{self, caps, serde_via_bytes, tag, Reader, Writer};

mod batch;
mod equation;
mod prover;
pub(crate) mod statements;
mod verifier;

#[cfg(feature = "parallel")]
pub use batch::verify_batch_parallel;
pub use batch::{verify_batch, verify_batch_with_rng};
pub use verifier::{AttributeUse, Disclosure, PredicateReport, Rejection, Verdict};

/// One aggregated Bulletproofs range proof over all statements of one width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RangeGroupProof {
    pub bits: usize,
    pub proof: Vec<u8>,
}

/// A presentation (spec §7.2): the credentials' public parts, the disclosed
/// values, one aggregated range proof per bit width in use, and one sigma
/// proof for holder binding, equalities and disclosures.
///
/// It carries no hidden value: the range proofs and the sigma proof are zero
/// knowledge, and every commitment is hiding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presentation {
    request_digest: [u8; 32],
    credentials: Vec<Credential>,
    disclosed: Vec<u64>,
    range_proofs: Vec<RangeGroupProof>,
    sigma: SigmaProof,
}

/// Checks the layout of a bulletproofs range proof (its `to_bytes` form): four
/// points, three scalars, `lg` pairs of points, two scalars; every point must
/// decompress and every scalar be canonical.
fn check_range_proof(bytes: &[u8]) -> Result<(), DecodeError> {
    let bad = || DecodeError::Invalid("range proof layout".into());
    if bytes.len() % 32 != 0 {
        return Err(bad());
    }
    let n = bytes.len() / 32;
    if n < 9 || (n - 9) % 2 != 0 || (n - 9) / 2 > 12 {
        return Err(bad());
    }
    for (i, chunk) in bytes.chunks_exact(32).enumerate() {
        let mut a = [0u8; 32];
        a.copy_from_slice(chunk);
        let is_scalar = (4..7).contains(&i) || i >= n - 2;
        if is_scalar {
            wire::canonical_scalar(a, "range proof scalar")?;
        } else {
            wire::decompress(
                &curve25519_dalek::ristretto::CompressedRistretto(a),
                "range proof point",
            )?;
        }
    }
    bulletproofs::RangeProof::from_bytes(bytes).map_err(|_| bad())?;
    Ok(())
}

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
        let credentials = (0..n)
            .map(|_| Credential::read(&mut r))
            .collect::<Result<_, _>>()?;
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
            check_range_proof(&proof)?;
            range_proofs.push(RangeGroupProof { bits, proof });
        }
        let sigma = SigmaProof::read(&mut r)?;
        r.finish()?;
        Ok(Presentation {
            request_digest,
            credentials,
            disclosed,
            range_proofs,
            sigma,
        })
    }
}

serde_via_bytes!(Presentation, "presentation");

//! Presentations: a subject's answer to a proof request (spec §7).

use crate::credential::Credential;
use crate::derived::Derived;
use crate::errors::DecodeError;
use crate::range::{RangeGroupProof, WIDTHS};
pub use crate::shown::{AnonymousCredential, Shown};
use crate::sigma::SigmaProof;
use crate::statement::{CredentialPoints, SlotPoints};
use crate::wire::{self, caps, serde_via_bytes, tag, Decode, Encode, Object, Reader, Writer};

mod batch;
mod prove;
mod select;

pub(crate) use select::select;
mod verify;

#[cfg(test)]
mod tests;

pub use batch::{
    verify_batch, verify_batch_with_lists, verify_batch_with_lists_rng, verify_batch_with_rng,
};
#[cfg(feature = "parallel")]
pub use batch::{verify_batch_parallel, verify_batch_parallel_with_lists};

/// A presentation (spec §7.2): each credential shown in the mode the request
/// asks for, the disclosed values, one aggregated range proof per bit width
/// in use, and one sigma proof for holder binding, equalities and
/// disclosures.
///
/// It carries no hidden value: the range proofs and the sigma proof are zero
/// knowledge, and every commitment is hiding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presentation {
    request_digest: [u8; 32],
    shown: Vec<Shown>,
    disclosed: Vec<u64>,
    /// The holder's pseudonym for the verifier, when the request asks for it.
    pseudonym: Option<curve25519_dalek::ristretto::CompressedRistretto>,
    range_proofs: Vec<RangeGroupProof>,
    sigma: SigmaProof,
    /// The credentials' commitments, decompressed once.
    points: Derived<CredentialPoints>,
}

impl Presentation {
    /// The digest of the request this presentation answers.
    pub fn request_digest(&self) -> &[u8; 32] {
        &self.request_digest
    }
    /// The credentials as shown, in the order the request first names their
    /// schemas.
    pub fn shown(&self) -> &[Shown] {
        &self.shown
    }
    /// The `i`-th credential, if it is shown in the fast mode.
    pub fn credential(&self, i: usize) -> Option<&Credential> {
        match self.shown.get(i)? {
            Shown::Credential(c) => Some(c),
            Shown::Anonymous(_) => None,
        }
    }
    /// The public parts of the credentials shown in the fast mode, with
    /// their index among [`Presentation::shown`].
    pub fn credentials(&self) -> impl Iterator<Item = (usize, &Credential)> {
        self.shown.iter().enumerate().filter_map(|(i, s)| match s {
            Shown::Credential(c) => Some((i, c)),
            Shown::Anonymous(_) => None,
        })
    }
    /// The disclosed values, in the order of the request's `reveal` predicates.
    pub fn disclosed(&self) -> &[u64] {
        &self.disclosed
    }
    /// The holder's pseudonym for the verifier (spec §7.5), when the request
    /// asks for it. A verifier trusts it only from a satisfied verdict
    /// ([`crate::Verdict::pseudonym`]).
    pub fn pseudonym(&self) -> Option<&curve25519_dalek::ristretto::CompressedRistretto> {
        self.pseudonym.as_ref()
    }

    /// The bit width and the padded statement count of each aggregated range
    /// proof, in order: what the proofs cost, and nothing about the values.
    #[cfg(feature = "hazmat")]
    pub fn range_proof_shapes(&self) -> Vec<(usize, usize)> {
        self.range_proofs
            .iter()
            .map(RangeGroupProof::shape)
            .collect()
    }

    /// The canonical encoding (spec §3.9).
    pub fn to_bytes(&self) -> Vec<u8> {
        wire::encode_object(self)
    }

    /// Strict decoding of [`Presentation::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

serde_via_bytes!(Presentation);

impl Encode for Presentation {
    fn encode(&self, w: &mut Writer) {
        w.fixed(&self.request_digest);
        w.count(self.shown.len());
        for s in &self.shown {
            match s {
                Shown::Credential(c) => {
                    w.u8(0);
                    c.encode(w);
                }
                Shown::Anonymous(a) => {
                    w.u8(1);
                    a.encode(w);
                }
            }
        }
        w.count(self.disclosed.len());
        for d in &self.disclosed {
            w.u64(*d);
        }
        match &self.pseudonym {
            None => w.u8(0),
            Some(p) => {
                w.u8(1);
                w.point(p);
            }
        }
        w.count(self.range_proofs.len());
        for g in &self.range_proofs {
            w.u8(g.bits as u8);
            w.bytes(&g.bytes);
        }
        self.sigma.encode(w);
    }
}

impl Decode for Presentation {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let request_digest = r.array()?;
        let n = r.count("credentials", caps::CREDENTIALS)?;
        let mut shown = Vec::with_capacity(n);
        let mut points = CredentialPoints::default();
        for _ in 0..n {
            match r.u8()? {
                0 => {
                    let (c, attrs, holder) = Credential::decode_with_points(r)?;
                    shown.push(Shown::Credential(c));
                    points.slots.push(SlotPoints::Fast { attrs, holder });
                }
                1 => {
                    let (a, offset, attrs) = AnonymousCredential::decode_with_points(r)?;
                    shown.push(Shown::Anonymous(a));
                    points.slots.push(SlotPoints::Anonymous { offset, attrs });
                }
                code => {
                    return Err(DecodeError::Code {
                        what: "presentation mode",
                        code,
                    })
                }
            }
        }
        let n = r.count("disclosed values", caps::PREDICATES)?;
        let disclosed = (0..n).map(|_| r.u64()).collect::<Result<_, _>>()?;
        let pseudonym = match r.u8()? {
            0 => None,
            1 => Some(r.full_point("pseudonym")?),
            code => {
                return Err(DecodeError::Code {
                    what: "pseudonym flag",
                    code,
                })
            }
        };
        points.pseudonym = pseudonym;
        let n = r.count("range proofs", WIDTHS.len())?;
        let mut range_proofs: Vec<RangeGroupProof> = Vec::with_capacity(n);
        for _ in 0..n {
            let bits = usize::from(r.u8()?);
            if !WIDTHS.contains(&bits) {
                return Err(DecodeError::Code {
                    what: "range proof width",
                    code: bits as u8,
                });
            }
            if range_proofs.last().is_some_and(|g| g.bits >= bits) {
                return Err(DecodeError::Malformed("range proof widths out of order"));
            }
            let proof = r.bytes("range proof", caps::RANGE_PROOF_LEN)?.to_vec();
            range_proofs.push(RangeGroupProof::received(bits, proof)?);
        }
        let sigma = SigmaProof::decode(r)?;
        Ok(Presentation {
            request_digest,
            shown,
            disclosed,
            pseudonym: pseudonym.map(|p| p.compressed),
            range_proofs,
            sigma,
            points: Derived::new(points),
        })
    }
}

impl Object for Presentation {
    const TAG: u8 = tag::PRESENTATION;
    const NAME: &'static str = "presentation";
}

//! How a presentation shows each credential (spec §3.9, §7.2): the
//! rater-signed credential (the fast mode) or a membership proof with fresh
//! commitments (the anonymous mode).

use curve25519_dalek::ristretto::CompressedRistretto;

use crate::credential::Credential;
use crate::errors::DecodeError;
use crate::membership::MAX_PROOF_LEN;
use crate::wire::{caps, Point, Reader, Writer};

/// How a presentation shows one credential (spec §7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The fast mode: the rater-signed credential itself. A rater shown the
    /// presentation recognises the credential it issued.
    Credential(Credential),
    /// The anonymous mode (spec §7.4): a proof that the credential's digest
    /// is in an epoch list the request names, and fresh commitments to the
    /// attributes the request is about. Nothing in it is the same in two
    /// presentations of one credential or matches the rater's records.
    Anonymous(AnonymousCredential),
}

/// A credential shown in the anonymous mode (spec §7.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnonymousCredential {
    /// The index of the list among those the request names for the schema.
    pub(crate) list: u8,
    /// `D' = D − τ·B_blinding`, a fresh re-randomisation of the digest.
    pub(crate) offset: CompressedRistretto,
    /// `C'_a = v_a·B + r'_a·B_blinding` for each attribute a statement is
    /// about, in attribute order.
    pub(crate) commitments: Vec<CompressedRistretto>,
    /// The membership proof, decoded with the list's parameters.
    pub(crate) proof: Vec<u8>,
}

impl AnonymousCredential {
    /// The index of the epoch list it is shown against, among those the
    /// request names for its schema.
    pub fn list(&self) -> usize {
        usize::from(self.list)
    }
}

impl AnonymousCredential {
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u8(self.list);
        w.point(&self.offset);
        w.count(self.commitments.len());
        for c in &self.commitments {
            w.point(c);
        }
        w.bytes(&self.proof);
    }

    /// Reads an anonymous credential and keeps its points decompressed.
    pub(crate) fn decode_with_points(
        r: &mut Reader<'_>,
    ) -> Result<(Self, Point, Vec<Point>), DecodeError> {
        let list = r.u8()?;
        if usize::from(list) >= caps::LISTS_PER_SCHEMA {
            return Err(DecodeError::Malformed("epoch list index"));
        }
        let offset = r.full_point("digest offset")?;
        let n = r.count("fresh commitments", caps::ATTRIBUTES)?;
        let mut commitments = Vec::with_capacity(n);
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            let p = r.full_point("fresh commitment")?;
            commitments.push(p.compressed);
            points.push(p);
        }
        let proof = r.bytes("membership proof", MAX_PROOF_LEN)?.to_vec();
        Ok((
            AnonymousCredential {
                list,
                offset: offset.compressed,
                commitments,
                proof,
            },
            offset,
            points,
        ))
    }
}

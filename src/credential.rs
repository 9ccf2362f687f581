//! Credentials (spec §4.4): the public part a rater signs and a verifier
//! sees, and the openings only the subject holds, with its link secret.

use std::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::Signature;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::errors::{DecodeError, Error};
use crate::generators;
use crate::keys::{KeyId, RaterPublicKey};
use crate::schema::Schema;
use crate::wire::{
    self, caps, serde_via_bytes, tag, Decode, Encode, Object, Point, Reader, Writer, VERSION,
};

/// The subject's link secret: the value every credential's holder commitment
/// hides, so that all credentials in one presentation prove one holder
/// (spec §4.3). Secret: zeroized on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct LinkSecret(pub(crate) Scalar);

impl fmt::Debug for LinkSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkSecret")
    }
}

impl LinkSecret {
    /// A fresh random link secret.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        LinkSecret(Scalar::random(rng))
    }
    /// The 32-byte encoding, zeroized when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }
    /// Decodes a link secret.
    ///
    /// # Errors
    /// [`DecodeError::NonCanonicalScalar`] for a non-canonical scalar.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        wire::canonical_scalar(*bytes, "link secret").map(LinkSecret)
    }
    pub(crate) fn scalar(&self) -> &Scalar {
        &self.0
    }
}

/// The public part of a credential: what a rater signed and a verifier sees
/// (spec §4.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub(crate) key_id: KeyId,
    pub(crate) schema_id: String,
    pub(crate) schema_digest: [u8; 32],
    pub(crate) commitments: Vec<CompressedRistretto>,
    pub(crate) holder: CompressedRistretto,
    pub(crate) signature: [u8; 64],
}

impl Credential {
    /// The signing rater's key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
    /// The schema id.
    pub fn schema_id(&self) -> &str {
        &self.schema_id
    }
    /// The schema digest.
    pub fn schema_digest(&self) -> &[u8; 32] {
        &self.schema_digest
    }
    /// One Pedersen commitment per attribute, in schema order.
    pub fn commitments(&self) -> &[CompressedRistretto] {
        &self.commitments
    }
    /// The commitment to the holder's link secret.
    pub fn holder_commitment(&self) -> &CompressedRistretto {
        &self.holder
    }

    fn write_body(&self, w: &mut Writer) {
        w.fixed(&self.key_id.0);
        w.str(&self.schema_id);
        w.fixed(&self.schema_digest);
        w.count(self.commitments.len());
        for c in &self.commitments {
            w.point(c);
        }
        w.point(&self.holder);
    }

    /// What the rater signs: a domain label, then the encoding without the
    /// signature.
    pub(crate) fn signed_message(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.fixed(b"credence.credential-signature.v1");
        w.u8(VERSION);
        w.u8(tag::CREDENTIAL);
        self.write_body(&mut w);
        w.into_vec()
    }

    /// The signed message and the signature, for batch verification.
    pub(crate) fn signed_parts(&self) -> (Vec<u8>, Signature) {
        (
            self.signed_message(),
            Signature::from_bytes(&self.signature),
        )
    }

    /// Checks the rater's signature (strict Ed25519 verification).
    ///
    /// # Errors
    /// [`Error::CredentialRejected`] when it is not valid for `rater`.
    pub fn verify_signature(&self, rater: &RaterPublicKey) -> Result<(), Error> {
        if self.key_id != rater.key_id() {
            return Err(Error::CredentialRejected(
                "it is signed by another rater key",
            ));
        }
        let sig = Signature::from_bytes(&self.signature);
        rater
            .verifying_key()
            .verify_strict(&self.signed_message(), &sig)
            .map_err(|_| Error::CredentialRejected("the rater's signature does not verify"))
    }

    /// Reads a credential and keeps its points decompressed.
    pub(crate) fn decode_with_points(
        r: &mut Reader<'_>,
    ) -> Result<(Self, Vec<Point>, Point), DecodeError> {
        let key_id = KeyId(r.array()?);
        let schema_id = r.string("schema id", caps::IDENT_LEN)?;
        crate::schema::check_ident(&schema_id, "schema id").map_err(DecodeError::Schema)?;
        let schema_digest = r.array()?;
        let n = r.count("commitments", caps::ATTRIBUTES)?;
        let mut commitments = Vec::with_capacity(n);
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            let p = r.full_point("attribute commitment")?;
            commitments.push(p.compressed);
            points.push(p);
        }
        let holder = r.full_point("holder commitment")?;
        let c = Credential {
            key_id,
            schema_id,
            schema_digest,
            commitments,
            holder: holder.compressed,
            signature: r.array()?,
        };
        Ok((c, points, holder))
    }

    /// The canonical encoding (spec §3.6).
    pub fn to_bytes(&self) -> Vec<u8> {
        wire::encode_object(self)
    }

    /// Strict decoding of [`Credential::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

impl Encode for Credential {
    fn encode(&self, w: &mut Writer) {
        self.write_body(w);
        w.fixed(&self.signature);
    }
}

impl Decode for Credential {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Self::decode_with_points(r).map(|(c, _, _)| c)
    }
}

impl Object for Credential {
    const TAG: u8 = tag::CREDENTIAL;
    const NAME: &'static str = "credential";
}

serde_via_bytes!(Credential);

/// A credential digest (spec §4.4): one point that commits to every value of
/// a credential and to the holder's link secret,
/// `D = Σ v_i·G^D_i + s·B + b·B_blinding`, with the rater's signature on it.
/// Raters list the digests of their valid credentials per epoch; the digest
/// itself is never shown to a verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialDigest {
    pub(crate) point: CompressedRistretto,
    pub(crate) signature: [u8; 64],
}

impl CredentialDigest {
    /// The digest point `D`.
    pub fn point(&self) -> &CompressedRistretto {
        &self.point
    }

    /// What the rater signs (spec §3.7): a domain label, the version, the
    /// key id, the schema digest and `D`.
    pub(crate) fn signed_message(
        key_id: &KeyId,
        schema_digest: &[u8; 32],
        point: &CompressedRistretto,
    ) -> Vec<u8> {
        let mut w = Writer::default();
        w.fixed(b"credence.digest-signature.v1");
        w.u8(VERSION);
        w.fixed(&key_id.0);
        w.fixed(schema_digest);
        w.point(point);
        w.into_vec()
    }

    /// Checks the rater's signature on this digest of a credential of
    /// `credential`'s key and schema (strict Ed25519 verification).
    ///
    /// # Errors
    /// [`Error::CredentialRejected`] when it does not verify under `rater`.
    pub fn verify_signature(
        &self,
        credential: &Credential,
        rater: &RaterPublicKey,
    ) -> Result<(), Error> {
        if credential.key_id != rater.key_id() {
            return Err(Error::CredentialRejected(
                "it is signed by another rater key",
            ));
        }
        let message =
            Self::signed_message(&credential.key_id, &credential.schema_digest, &self.point);
        rater
            .verifying_key()
            .verify_strict(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| {
                Error::CredentialRejected("the rater's signature on the digest does not verify")
            })
    }
}

/// A credential digest with its blinding (secret): the digest part of an
/// issued or held credential (spec §3.7).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct DigestOpening {
    #[zeroize(skip)]
    pub(crate) digest: CredentialDigest,
    /// `δ_D` in an issued credential, `ρ + δ_D` in a held one.
    pub(crate) blinding: Scalar,
}

impl DigestOpening {
    /// Appends the optional digest part: nothing when absent (a credential
    /// issued before digests), else `0x01`, `D`, its signature and the
    /// blinding.
    pub(crate) fn encode_optional(part: Option<&Self>, w: &mut Writer) {
        if let Some(d) = part {
            w.u8(1);
            w.point(&d.digest.point);
            w.fixed(&d.digest.signature);
            w.scalar(&d.blinding);
        }
    }

    /// Reads the optional digest part at the end of an object.
    pub(crate) fn decode_optional(r: &mut Reader<'_>) -> Result<Option<Self>, DecodeError> {
        if r.is_empty() {
            return Ok(None);
        }
        if r.u8()? != 1 {
            return Err(DecodeError::Malformed("digest marker"));
        }
        let point = r.point("credential digest")?;
        let signature = r.array()?;
        let blinding = r.scalar("digest blinding")?;
        Ok(Some(DigestOpening {
            digest: CredentialDigest { point, signature },
            blinding,
        }))
    }
}

/// The openings of a credential's commitments (secret, for the subject only):
/// the values, their blindings and the holder commitment's blinding.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CredentialOpening {
    pub(crate) values: Vec<u64>,
    pub(crate) blindings: Vec<Scalar>,
    pub(crate) holder_blinding: Scalar,
}

impl fmt::Debug for CredentialOpening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialOpening")
    }
}

impl CredentialOpening {
    pub(crate) fn values(&self) -> &[u64] {
        &self.values
    }
    pub(crate) fn blindings(&self) -> &[Scalar] {
        &self.blindings
    }
    pub(crate) fn holder_blinding(&self) -> &Scalar {
        &self.holder_blinding
    }
}

impl CredentialOpening {
    /// Appends the openings (spec §3.7): the count, each value and blinding,
    /// then the holder blinding.
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.count(self.values.len());
        for (v, r) in self.values.iter().zip(&self.blindings) {
            w.u64(*v);
            w.scalar(r);
        }
        w.scalar(&self.holder_blinding);
    }

    /// Reads the openings of `credential`, one per commitment.
    pub(crate) fn decode(r: &mut Reader<'_>, credential: &Credential) -> Result<Self, DecodeError> {
        let n = r.count("openings", caps::ATTRIBUTES)?;
        let mut values = Vec::with_capacity(n);
        let mut blindings = Vec::with_capacity(n);
        for _ in 0..n {
            values.push(r.u64()?);
            blindings.push(r.scalar("blinding")?);
        }
        let holder_blinding = r.scalar("holder blinding")?;
        if values.len() != credential.commitments.len() {
            return Err(DecodeError::Malformed("opening count"));
        }
        Ok(CredentialOpening {
            values,
            blindings,
            holder_blinding,
        })
    }
}

/// A credential with its openings, as a wallet holds it (secret).
#[derive(Clone, ZeroizeOnDrop)]
pub struct HeldCredential {
    #[zeroize(skip)]
    pub(crate) credential: Credential,
    pub(crate) opening: CredentialOpening,
    /// Absent for a credential issued before digests: it can be shown in the
    /// fast mode only.
    pub(crate) digest: Option<DigestOpening>,
}

impl fmt::Debug for HeldCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeldCredential")
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl HeldCredential {
    /// The public part.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
    pub(crate) fn opening(&self) -> &CredentialOpening {
        &self.opening
    }
    /// The credential's digest, which the rater lists while the credential
    /// is valid; `None` for a credential issued before digests.
    pub fn digest(&self) -> Option<&CredentialDigest> {
        self.digest.as_ref().map(|d| &d.digest)
    }
    pub(crate) fn digest_opening(&self) -> Option<&DigestOpening> {
        self.digest.as_ref()
    }

    /// Checks the openings against the commitments and the schema's bounds, and
    /// the rater's signatures on the credential and on its digest. (The
    /// digest's opening needs the link secret: [`HeldCredential::is_held_by`].)
    ///
    /// # Errors
    /// [`Error::CredentialRejected`] naming the first check that fails.
    pub fn check(&self, schema: &Schema, rater: &RaterPublicKey) -> Result<(), Error> {
        let c = &self.credential;
        if c.schema_id != schema.id() || c.schema_digest != schema.digest() {
            return Err(Error::CredentialRejected("it is for another schema"));
        }
        let attrs = schema.attributes();
        let o = &self.opening;
        if c.commitments.len() != attrs.len()
            || o.values.len() != attrs.len()
            || o.blindings.len() != attrs.len()
        {
            return Err(Error::CredentialRejected(
                "it does not have one commitment per attribute",
            ));
        }
        for (((cm, v), r), a) in c
            .commitments
            .iter()
            .zip(&o.values)
            .zip(&o.blindings)
            .zip(attrs)
        {
            if *v > a.kind.max() {
                return Err(Error::CredentialRejected(
                    "a value is above its schema bound",
                ));
            }
            if generators::commit(&Scalar::from(*v), r).compress() != *cm {
                return Err(Error::CredentialRejected(
                    "an opening does not match its commitment",
                ));
            }
        }
        c.verify_signature(rater)?;
        match &self.digest {
            Some(d) => d.digest.verify_signature(c, rater),
            None => Ok(()),
        }
    }

    /// Whether this credential's holder commitment hides `link`, and its
    /// digest (if any) opens to `link` and the credential's values.
    pub fn is_held_by(&self, link: &LinkSecret) -> bool {
        let holder = generators::commit(link.scalar(), &self.opening.holder_blinding).compress()
            == self.credential.holder;
        holder
            && match &self.digest {
                None => true,
                Some(d) => {
                    digest_of(&self.opening.values, link, &d.blinding).compress() == d.digest.point
                }
            }
    }

    /// The encoding (spec §3.7), zeroized when dropped: it holds secrets.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(wire::encode_object(self))
    }

    /// Strict decoding of [`HeldCredential::to_bytes`]. Call
    /// [`HeldCredential::check`] before trusting the result.
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong (never a secret value).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

/// `D = Σ v_i·G^D_i + s·B + b·B_blinding` (spec §4.4), in constant time.
pub(crate) fn digest_of(values: &[u64], link: &LinkSecret, blinding: &Scalar) -> RistrettoPoint {
    generators::digest_values(values) + generators::commit(link.scalar(), blinding)
}

impl Encode for HeldCredential {
    fn encode(&self, w: &mut Writer) {
        self.credential.encode(w);
        self.opening.encode(w);
        DigestOpening::encode_optional(self.digest.as_ref(), w);
    }
}

impl Decode for HeldCredential {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let credential = Credential::decode(r)?;
        let opening = CredentialOpening::decode(r, &credential)?;
        let digest = DigestOpening::decode_optional(r)?;
        Ok(HeldCredential {
            credential,
            opening,
            digest,
        })
    }
}

impl Object for HeldCredential {
    const TAG: u8 = tag::HELD_CREDENTIAL;
    const NAME: &'static str = "held credential";
}

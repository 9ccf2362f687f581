//! Rater keys, issuance, credentials and their openings (spec §4).

use std::fmt;

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::errors::{DecodeError, Error};
use crate::generators;
use crate::schema::Schema;
use crate::sigma::{self, Base, Relation, SigmaProof};
use crate::transcript::{label, ISSUANCE_DOMAIN};
use crate::wire::{self, caps, serde_via_bytes, tag, Point, Reader, Writer, VERSION};

/// A rater key's identifier: the first 16 bytes of
/// `SHA-256("credence.key-id.v1" || verifying key)` (spec §4.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 16]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A rater's public key: an Ed25519 verifying key and its key id.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RaterPublicKey {
    key: VerifyingKey,
    id: KeyId,
}

impl RaterPublicKey {
    /// Wraps an Ed25519 verifying key.
    pub fn new(key: VerifyingKey) -> Self {
        let mut h = Sha256::new();
        h.update(b"credence.key-id.v1");
        h.update(key.as_bytes());
        let d = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        RaterPublicKey { key, id: KeyId(id) }
    }
    /// The key id credentials name.
    pub fn key_id(&self) -> KeyId {
        self.id
    }
    /// The Ed25519 verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }
    /// The 32-byte Ed25519 encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
    /// Decodes an Ed25519 verifying key.
    ///
    /// # Errors
    /// [`DecodeError::InvalidPoint`] when the bytes are not a valid key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        VerifyingKey::from_bytes(bytes)
            .map(Self::new)
            .map_err(|_| DecodeError::InvalidPoint("rater verifying key"))
    }
}

impl serde::Serialize for RaterPublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        wire::b64::array::serialize(&self.to_bytes(), s)
    }
}

impl<'de> serde::Deserialize<'de> for RaterPublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let b: [u8; 32] = wire::b64::array::deserialize(d)?;
        RaterPublicKey::from_bytes(&b).map_err(D::Error::custom)
    }
}

/// A rater's signing key (secret). Zeroized on drop; `Debug` shows the key id only.
pub struct RaterSigningKey {
    key: SigningKey,
    public: RaterPublicKey,
}

impl fmt::Debug for RaterSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RaterSigningKey({})", self.public.id)
    }
}

impl RaterSigningKey {
    /// A fresh key.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self::from_signing_key(SigningKey::generate(rng))
    }
    /// Wraps an existing Ed25519 signing key.
    pub fn from_signing_key(key: SigningKey) -> Self {
        let public = RaterPublicKey::new(key.verifying_key());
        RaterSigningKey { key, public }
    }
    /// The 32-byte Ed25519 secret key.
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self::from_signing_key(SigningKey::from_bytes(secret))
    }
    /// The 32-byte Ed25519 secret key, zeroized when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }
    /// The public half.
    pub fn public_key(&self) -> RaterPublicKey {
        self.public
    }

    /// Issues `count` credentials with the same values and fresh blindings
    /// (batch issuance, spec §4.4), after checking the issuance request.
    ///
    /// `values` names every attribute of `schema` exactly once.
    ///
    /// # Errors
    /// [`Error::IssuanceRequest`] when the request's proof does not verify or it
    /// names another key or schema; [`Error::Values`] when a value is missing,
    /// unknown, repeated or above its bound, or `count` is 0 or above the cap.
    pub fn issue_with_rng<R: RngCore + CryptoRng>(
        &self,
        schema: &Schema,
        request: &IssuanceRequest,
        values: &[(&str, u64)],
        count: usize,
        rng: &mut R,
    ) -> Result<Vec<IssuedCredential>, Error> {
        if request.key_id != self.public.id {
            return Err(Error::IssuanceRequest("it is meant for another rater key"));
        }
        let digest = schema.digest();
        if request.schema_digest != digest {
            return Err(Error::IssuanceRequest("it is meant for another schema"));
        }
        request.verify(&self.public)?;
        if count == 0 || count > caps::BATCH {
            return Err(Error::Values(format!(
                "batch size must be 1 to {}",
                caps::BATCH
            )));
        }
        let ordered = order_values(schema, values)?;
        let holder = wire::decompress(&request.holder_commitment, "holder commitment")?;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let blindings: Vec<Scalar> = ordered.iter().map(|_| Scalar::random(rng)).collect();
            let commitments = ordered
                .iter()
                .zip(&blindings)
                .map(|(v, r)| generators::commit(&Scalar::from(*v), r).compress())
                .collect();
            let holder_delta = Scalar::random(rng);
            let mut credential = Credential {
                key_id: self.public.id,
                schema_id: schema.id().to_owned(),
                schema_digest: digest,
                commitments,
                holder: (holder + generators::blinding_mul(&holder_delta)).compress(),
                signature: [0u8; 64],
            };
            credential.signature = self.key.sign(&credential.signed_message()).to_bytes();
            out.push(IssuedCredential {
                credential,
                values: ordered.clone(),
                blindings,
                holder_delta,
            });
        }
        Ok(out)
    }

    /// [`RaterSigningKey::issue_with_rng`] with the operating system's RNG.
    ///
    /// # Errors
    /// As [`RaterSigningKey::issue_with_rng`].
    pub fn issue(
        &self,
        schema: &Schema,
        request: &IssuanceRequest,
        values: &[(&str, u64)],
        count: usize,
    ) -> Result<Vec<IssuedCredential>, Error> {
        self.issue_with_rng(schema, request, values, count, &mut rand_core::OsRng)
    }
}

/// Puts named values in schema order, checking each against its bound.
fn order_values(schema: &Schema, values: &[(&str, u64)]) -> Result<Vec<u64>, Error> {
    let attrs = schema.attributes();
    let mut out: Vec<Option<u64>> = vec![None; attrs.len()];
    for (name, v) in values {
        let i = schema.index_of(name).ok_or_else(|| {
            Error::Values(format!(
                "schema `{}` has no attribute `{}`",
                schema.id(),
                name.escape_debug()
            ))
        })?;
        let slot = &mut out[i];
        if slot.is_some() {
            return Err(Error::Values(format!("attribute `{name}` is given twice")));
        }
        if *v > attrs[i].kind.max() {
            return Err(Error::Values(format!(
                "attribute `{name}` is above its bound {}",
                attrs[i].kind.max()
            )));
        }
        *slot = Some(*v);
    }
    out.iter()
        .zip(attrs)
        .map(|(v, a)| v.ok_or_else(|| Error::Values(format!("attribute `{}` is missing", a.name))))
        .collect()
}

/// The subject's link secret: the value every credential's holder commitment
/// hides, so that all credentials in one presentation prove one holder
/// (spec §4.3). Secret: zeroized on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct LinkSecret(Scalar);

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

    /// Starts issuance: a commitment to this link secret under a fresh
    /// blinding, with a proof of knowledge of its opening bound to the rater
    /// key, the schema and a fresh nonce (spec §4.3). Keep the returned
    /// [`PendingIssuance`] to accept the credentials.
    pub fn issuance_request_with_rng<R: RngCore + CryptoRng>(
        &self,
        rater: &RaterPublicKey,
        schema: &Schema,
        rng: &mut R,
    ) -> (IssuanceRequest, PendingIssuance) {
        let blinding = Scalar::random(rng);
        let commitment = generators::commit(&self.0, &blinding);
        let mut nonce = [0u8; 32];
        rng.fill_bytes(&mut nonce);
        let mut req = IssuanceRequest {
            key_id: rater.id,
            schema_digest: schema.digest(),
            nonce,
            holder_commitment: commitment.compress(),
            proof: SigmaProof {
                commitments: vec![],
                responses: vec![],
            },
        };
        let mut t = req.transcript(rater);
        let witnesses = Zeroizing::new(vec![self.0, blinding]);
        req.proof = sigma::prove(
            &mut t,
            &[holder_relation(Point::new(commitment), 0, 1)],
            &witnesses,
            rng,
        );
        let pending = PendingIssuance {
            rater: *rater,
            schema_digest: req.schema_digest,
            holder_commitment: req.holder_commitment,
            blinding,
        };
        (req, pending)
    }

    /// [`LinkSecret::issuance_request_with_rng`] with the operating system's RNG.
    pub fn issuance_request(
        &self,
        rater: &RaterPublicKey,
        schema: &Schema,
    ) -> (IssuanceRequest, PendingIssuance) {
        self.issuance_request_with_rng(rater, schema, &mut rand_core::OsRng)
    }
}

/// `H = s·B + ρ·B_blinding`, with `s` witness `s_index` and `ρ` witness `rho_index`.
pub(crate) fn holder_relation(h: Point, s_index: usize, rho_index: usize) -> Relation {
    Relation {
        lhs: h,
        terms: vec![(s_index, Base::Value), (rho_index, Base::Blinding)],
    }
}

/// What a subject sends a rater to be issued credentials (spec §4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuanceRequest {
    key_id: KeyId,
    schema_digest: [u8; 32],
    nonce: [u8; 32],
    holder_commitment: CompressedRistretto,
    proof: SigmaProof,
}

impl IssuanceRequest {
    /// The rater key this request is meant for.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
    /// The schema digest this request is meant for.
    pub fn schema_digest(&self) -> [u8; 32] {
        self.schema_digest
    }
    /// The subject's fresh nonce; a rater may remember them to refuse replays.
    pub fn nonce(&self) -> [u8; 32] {
        self.nonce
    }

    fn transcript(&self, rater: &RaterPublicKey) -> Transcript {
        let mut t = Transcript::new(ISSUANCE_DOMAIN);
        t.append_u64(label::VERSION, u64::from(VERSION));
        t.append_message(label::RATER_KEY, rater.key.as_bytes());
        t.append_message(label::SCHEMA_DIGEST, &self.schema_digest);
        t.append_message(label::ISSUANCE_NONCE, &self.nonce);
        t
    }

    /// Checks the proof of knowledge of the holder commitment's opening.
    ///
    /// # Errors
    /// [`Error::IssuanceRequest`] when it does not verify.
    pub fn verify(&self, rater: &RaterPublicKey) -> Result<(), Error> {
        let h = wire::decompress(&self.holder_commitment, "holder commitment")?;
        if h.is_identity() {
            return Err(Error::IssuanceRequest(
                "the holder commitment is the identity",
            ));
        }
        let mut t = self.transcript(rater);
        let h = Point {
            compressed: self.holder_commitment,
            point: h,
        };
        if sigma::verify(&mut t, &[holder_relation(h, 0, 1)], 2, &self.proof) {
            Ok(())
        } else {
            Err(Error::IssuanceRequest(
                "the proof of knowledge does not verify",
            ))
        }
    }

    /// The canonical encoding (spec §3.5).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::header(tag::ISSUANCE_REQUEST);
        w.fixed(&self.key_id.0);
        w.fixed(&self.schema_digest);
        w.fixed(&self.nonce);
        w.point(&self.holder_commitment);
        self.proof.write(&mut w);
        w.into_vec()
    }

    /// Strict decoding of [`IssuanceRequest::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::header(bytes, tag::ISSUANCE_REQUEST, "issuance request")?;
        let req = IssuanceRequest {
            key_id: KeyId(r.array()?),
            schema_digest: r.array()?,
            nonce: r.array()?,
            holder_commitment: r.point("holder commitment")?,
            proof: SigmaProof::read(&mut r)?,
        };
        r.finish()?;
        Ok(req)
    }
}

serde_via_bytes!(IssuanceRequest, "issuance request");

/// The subject's state between sending an issuance request and accepting the
/// credentials (secret: holds the blinding of the holder commitment).
#[derive(ZeroizeOnDrop)]
pub struct PendingIssuance {
    #[zeroize(skip)]
    rater: RaterPublicKey,
    #[zeroize(skip)]
    schema_digest: [u8; 32],
    #[zeroize(skip)]
    holder_commitment: CompressedRistretto,
    blinding: Scalar,
}

impl fmt::Debug for PendingIssuance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PendingIssuance")
    }
}

impl PendingIssuance {
    /// Checks credentials received from the rater and keeps them with their
    /// openings (spec §4.5): each must name the rater key and schema, carry one
    /// commitment per attribute that its opening opens, hold this link secret,
    /// and bear a valid signature.
    ///
    /// # Errors
    /// [`Error::OtherHolder`] when the credentials answer another holder's
    /// request; [`Error::CredentialRejected`] naming the first other check that
    /// fails.
    pub fn accept(
        &self,
        link: &LinkSecret,
        schema: &Schema,
        issued: Vec<IssuedCredential>,
    ) -> Result<Vec<HeldCredential>, Error> {
        let mine = generators::commit(link.scalar(), &self.blinding);
        if mine.compress() != self.holder_commitment {
            return Err(Error::OtherHolder);
        }
        if schema.digest() != self.schema_digest {
            return Err(Error::CredentialRejected(
                "the schema is not the one requested",
            ));
        }
        issued
            .into_iter()
            .map(|i| {
                let c = &i.credential;
                if c.key_id != self.rater.id {
                    return Err(Error::CredentialRejected(
                        "it is signed by another rater key",
                    ));
                }
                if (mine + generators::blinding_mul(&i.holder_delta)).compress() != c.holder {
                    return Err(Error::OtherHolder);
                }
                let opening = CredentialOpening {
                    values: i.values.clone(),
                    blindings: i.blindings.clone(),
                    holder_blinding: self.blinding + i.holder_delta,
                };
                let held = HeldCredential {
                    credential: i.credential.clone(),
                    opening,
                };
                held.check(schema, &self.rater)?;
                Ok(held)
            })
            .collect()
    }

    /// The encoding a wallet stores between request and acceptance
    /// (spec/wallet.md §2), zeroized when dropped: it holds the blinding.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::header(tag::PENDING_ISSUANCE);
        w.fixed(&self.rater.to_bytes());
        w.fixed(&self.schema_digest);
        w.point(&self.holder_commitment);
        w.scalar(&self.blinding);
        Zeroizing::new(w.into_vec())
    }

    /// Strict decoding of [`PendingIssuance::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong (never a secret value).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::header(bytes, tag::PENDING_ISSUANCE, "pending issuance")?;
        let pending = PendingIssuance {
            rater: RaterPublicKey::from_bytes(&r.array()?)?,
            schema_digest: r.array()?,
            holder_commitment: r.point("holder commitment")?,
            blinding: r.scalar("issuance blinding")?,
        };
        r.finish()?;
        Ok(pending)
    }
}

/// The public part of a credential: what a rater signed and a verifier sees
/// (spec §4.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    key_id: KeyId,
    schema_id: String,
    schema_digest: [u8; 32],
    commitments: Vec<CompressedRistretto>,
    holder: CompressedRistretto,
    signature: [u8; 64],
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
    fn signed_message(&self) -> Vec<u8> {
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
        if self.key_id != rater.id {
            return Err(Error::CredentialRejected(
                "it is signed by another rater key",
            ));
        }
        let sig = Signature::from_bytes(&self.signature);
        rater
            .key
            .verify_strict(&self.signed_message(), &sig)
            .map_err(|_| Error::CredentialRejected("the rater's signature does not verify"))
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        self.write_body(w);
        w.fixed(&self.signature);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Self::read_full(r).map(|(c, _, _)| c)
    }

    /// Reads a credential and keeps its points decompressed.
    pub(crate) fn read_full(r: &mut Reader<'_>) -> Result<(Self, Vec<Point>, Point), DecodeError> {
        let key_id = KeyId(r.array()?);
        let schema_id = r.string("schema id", caps::IDENT_LEN)?;
        crate::schema::check_ident(&schema_id, "schema id").map_err(DecodeError::Invalid)?;
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
        let mut w = Writer::header(tag::CREDENTIAL);
        self.write(&mut w);
        w.into_vec()
    }

    /// Strict decoding of [`Credential::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::header(bytes, tag::CREDENTIAL, "credential")?;
        let c = Credential::read(&mut r)?;
        r.finish()?;
        Ok(c)
    }
}

serde_via_bytes!(Credential, "credential");

/// The openings of a credential's commitments (secret, for the subject only):
/// the values, their blindings and the holder commitment's blinding.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CredentialOpening {
    values: Vec<u64>,
    blindings: Vec<Scalar>,
    holder_blinding: Scalar,
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

/// What a rater returns from issuance: the credential and, for the subject
/// only, the openings of its attribute commitments and the holder
/// re-randomisation (secret).
#[derive(Clone, ZeroizeOnDrop)]
pub struct IssuedCredential {
    #[zeroize(skip)]
    credential: Credential,
    values: Vec<u64>,
    blindings: Vec<Scalar>,
    holder_delta: Scalar,
}

impl fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredential")
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

fn write_opening(w: &mut Writer, values: &[u64], blindings: &[Scalar], extra: &Scalar) {
    w.count(values.len());
    for (v, r) in values.iter().zip(blindings) {
        w.u64(*v);
        w.scalar(r);
    }
    w.scalar(extra);
}

type RawOpening = (Vec<u64>, Vec<Scalar>, Scalar);

fn read_opening(r: &mut Reader<'_>) -> Result<RawOpening, DecodeError> {
    let n = r.count("openings", caps::ATTRIBUTES)?;
    let mut values = Vec::with_capacity(n);
    let mut blindings = Vec::with_capacity(n);
    for _ in 0..n {
        values.push(r.u64()?);
        blindings.push(r.scalar("blinding")?);
    }
    Ok((values, blindings, r.scalar("holder blinding")?))
}

impl IssuedCredential {
    /// The public part.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The encoding (spec §3.7), zeroized when dropped: it holds secrets.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::header(tag::ISSUED_CREDENTIAL);
        self.credential.write(&mut w);
        write_opening(&mut w, &self.values, &self.blindings, &self.holder_delta);
        Zeroizing::new(w.into_vec())
    }

    /// Strict decoding of [`IssuedCredential::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong (never a secret value).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::header(bytes, tag::ISSUED_CREDENTIAL, "issued credential")?;
        let credential = Credential::read(&mut r)?;
        let (values, blindings, holder_delta) = read_opening(&mut r)?;
        r.finish()?;
        if values.len() != credential.commitments.len() {
            return Err(DecodeError::Invalid("opening count".into()));
        }
        Ok(IssuedCredential {
            credential,
            values,
            blindings,
            holder_delta,
        })
    }
}

/// A credential with its openings, as a wallet holds it (secret).
#[derive(Clone, ZeroizeOnDrop)]
pub struct HeldCredential {
    #[zeroize(skip)]
    credential: Credential,
    opening: CredentialOpening,
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

    /// Checks the openings against the commitments and the schema's bounds, and
    /// the rater's signature.
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
        c.verify_signature(rater)
    }

    /// Whether this credential's holder commitment hides `link`.
    pub fn is_held_by(&self, link: &LinkSecret) -> bool {
        generators::commit(link.scalar(), &self.opening.holder_blinding).compress()
            == self.credential.holder
    }

    /// The encoding (spec §3.7), zeroized when dropped: it holds secrets.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::header(tag::HELD_CREDENTIAL);
        self.credential.write(&mut w);
        let o = &self.opening;
        write_opening(&mut w, &o.values, &o.blindings, &o.holder_blinding);
        Zeroizing::new(w.into_vec())
    }

    /// Strict decoding of [`HeldCredential::to_bytes`]. Call
    /// [`HeldCredential::check`] before trusting the result.
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong (never a secret value).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::header(bytes, tag::HELD_CREDENTIAL, "held credential")?;
        let credential = Credential::read(&mut r)?;
        let (values, blindings, holder_blinding) = read_opening(&mut r)?;
        r.finish()?;
        if values.len() != credential.commitments.len() {
            return Err(DecodeError::Invalid("opening count".into()));
        }
        Ok(HeldCredential {
            credential,
            opening: CredentialOpening {
                values,
                blindings,
                holder_blinding,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, AttributeKind, Category};
    use rand::rngs::OsRng;

    fn schema() -> Schema {
        Schema::new(
            "court",
            1,
            vec![
                Attribute {
                    name: "defaults".into(),
                    kind: AttributeKind::Uint { max: 255 },
                    category: Category::Judicial,
                },
                Attribute {
                    name: "valid_until".into(),
                    kind: AttributeKind::Date,
                    category: Category::Validity,
                },
            ],
        )
        .unwrap()
    }

    fn held() -> (RaterSigningKey, LinkSecret, Vec<HeldCredential>) {
        let rater = RaterSigningKey::generate(&mut OsRng);
        let link = LinkSecret::generate(&mut OsRng);
        let (req, pending) = link.issuance_request(&rater.public_key(), &schema());
        let issued = rater
            .issue(
                &schema(),
                &req,
                &[("defaults", 201), ("valid_until", 54_321)],
                1,
            )
            .unwrap();
        let held = pending.accept(&link, &schema(), issued).unwrap();
        (rater, link, held)
    }

    #[test]
    fn secrets_do_not_print() {
        let (rater, link, held) = held();
        assert_eq!(format!("{link:?}"), "LinkSecret");
        // The held credential shows its public part only.
        assert_eq!(
            format!("{:?}", held[0]),
            format!(
                "HeldCredential {{ credential: {:?}, .. }}",
                held[0].credential()
            )
        );
        assert_eq!(format!("{:?}", held[0].opening()), "CredentialOpening");
        assert_eq!(
            format!("{rater:?}"),
            format!("RaterSigningKey({})", rater.public_key().key_id())
        );
    }

    #[test]
    fn encodings_round_trip() {
        let (rater, link, held) = held();
        let h = &held[0];
        let c = h.credential();
        assert_eq!(Credential::from_bytes(&c.to_bytes()).unwrap(), *c);
        let json = serde_json::to_string(c).unwrap();
        assert_eq!(serde_json::from_str::<Credential>(&json).unwrap(), *c);
        let back = HeldCredential::from_bytes(&h.to_bytes()).unwrap();
        back.check(&schema(), &rater.public_key()).unwrap();
        assert!(back.is_held_by(&link));
        assert_eq!(back.opening().values(), &[201, 54_321]);
        let pk = rater.public_key();
        let json = serde_json::to_string(&pk).unwrap();
        assert_eq!(serde_json::from_str::<RaterPublicKey>(&json).unwrap(), pk);
        let again = RaterSigningKey::from_bytes(&rater.to_bytes());
        assert_eq!(again.public_key(), pk);
        let l2 = LinkSecret::from_bytes(&link.to_bytes()).unwrap();
        assert!(back.is_held_by(&l2));
        // A non-canonical link secret is refused.
        assert!(LinkSecret::from_bytes(&[0xff; 32]).is_err());
    }

    #[test]
    fn pending_issuance_round_trips_strictly() {
        let rater = RaterSigningKey::generate(&mut OsRng);
        let link = LinkSecret::generate(&mut OsRng);
        let (req, pending) = link.issuance_request(&rater.public_key(), &schema());
        let bytes = pending.to_bytes();
        assert_eq!(&bytes[..2], &[VERSION, tag::PENDING_ISSUANCE]);
        let back = PendingIssuance::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(format!("{back:?}"), "PendingIssuance");
        let issued = rater
            .issue(&schema(), &req, &[("defaults", 0), ("valid_until", 1)], 2)
            .unwrap();
        let held = back.accept(&link, &schema(), issued).unwrap();
        assert_eq!(held.len(), 2);

        let mut long = bytes.to_vec();
        long.push(0);
        assert_eq!(
            PendingIssuance::from_bytes(&long).unwrap_err(),
            DecodeError::TrailingBytes(1)
        );
        assert_eq!(
            PendingIssuance::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(),
            DecodeError::Truncated
        );
        let mut bad = bytes.to_vec();
        let n = bad.len();
        bad[n - 32..].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            PendingIssuance::from_bytes(&bad).unwrap_err(),
            DecodeError::NonCanonicalScalar("issuance blinding")
        );
        assert!(matches!(
            PendingIssuance::from_bytes(&held[0].to_bytes()),
            Err(DecodeError::WrongType { .. })
        ));
    }

    #[test]
    fn tampered_credentials_fail_their_checks() {
        let (rater, _, held) = held();
        let mut bytes = held[0].to_bytes().to_vec();
        // The first value of the opening, after the header and the credential.
        let at = 2 + held[0].credential().to_bytes().len() - 2 + 4;
        bytes[at] ^= 1;
        let bad = HeldCredential::from_bytes(&bytes).unwrap();
        assert_eq!(
            bad.check(&schema(), &rater.public_key()).unwrap_err(),
            Error::CredentialRejected("an opening does not match its commitment")
        );
        let other = RaterSigningKey::generate(&mut OsRng).public_key();
        assert!(held[0].credential().verify_signature(&other).is_err());
    }
}

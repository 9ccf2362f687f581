//! Issuance (spec §4.3 to §4.5): the subject's request with its proof of
//! knowledge, the rater's batch issuance, and the subject's acceptance.

use std::fmt;

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::Signer;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::credential::{
    Credential, CredentialDigest, CredentialOpening, DigestOpening, HeldCredential, LinkSecret,
};
use crate::errors::{DecodeError, Error, ValuesError};
use crate::generators;
use crate::keys::{KeyId, RaterPublicKey, RaterSigningKey};
use crate::schema::Schema;
use crate::sigma::{self, holder_relation, SigmaProof};
use crate::transcript::{label, ISSUANCE_DOMAIN};
use crate::wire::{
    self, caps, serde_via_bytes, tag, Decode, Encode, Object, Point, Reader, Writer, VERSION,
};

impl RaterSigningKey {
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
        if request.key_id != self.public_key().key_id() {
            return Err(Error::IssuanceRequest("it is meant for another rater key"));
        }
        let digest = schema.digest();
        if request.schema_digest != digest {
            return Err(Error::IssuanceRequest("it is meant for another schema"));
        }
        request.verify(&self.public_key())?;
        if count == 0 || count > caps::BATCH {
            return Err(ValuesError::BatchSize { cap: caps::BATCH }.into());
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
            let digest_delta = Scalar::random(rng);
            let digest_point = (generators::digest_values(&ordered)
                + holder
                + generators::blinding_mul(&digest_delta))
            .compress();
            let key_id = self.public_key().key_id();
            let digest_signature = self
                .signing_key()
                .sign(&CredentialDigest::signed_message(
                    &key_id,
                    &digest,
                    &digest_point,
                ))
                .to_bytes();
            let mut credential = Credential {
                key_id: self.public_key().key_id(),
                schema_id: schema.id().to_owned(),
                schema_digest: digest,
                commitments,
                holder: (holder + generators::blinding_mul(&holder_delta)).compress(),
                signature: [0u8; 64],
            };
            credential.signature = self
                .signing_key()
                .sign(&credential.signed_message())
                .to_bytes();
            out.push(IssuedCredential {
                credential,
                opening: CredentialOpening {
                    values: ordered.clone(),
                    blindings,
                    holder_blinding: holder_delta,
                },
                digest: Some(DigestOpening {
                    digest: CredentialDigest {
                        point: digest_point,
                        signature: digest_signature,
                    },
                    blinding: digest_delta,
                }),
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
            Error::from(ValuesError::Unknown {
                schema: schema.id().to_owned(),
                attribute: (*name).to_owned(),
            })
        })?;
        let slot = &mut out[i];
        if slot.is_some() {
            return Err(ValuesError::Repeated((*name).to_owned()).into());
        }
        if *v > attrs[i].kind.max() {
            return Err(ValuesError::AboveBound {
                attribute: (*name).to_owned(),
                max: attrs[i].kind.max(),
            }
            .into());
        }
        *slot = Some(*v);
    }
    out.iter()
        .zip(attrs)
        .map(|(v, a)| v.ok_or_else(|| ValuesError::Missing(a.name.clone()).into()))
        .collect()
}

impl LinkSecret {
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
            key_id: rater.key_id(),
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
        t.append_message(label::RATER_KEY, rater.verifying_key().as_bytes());
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
        wire::encode_object(self)
    }

    /// Strict decoding of [`IssuanceRequest::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

serde_via_bytes!(IssuanceRequest);

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
                if c.key_id != self.rater.key_id() {
                    return Err(Error::CredentialRejected(
                        "it is signed by another rater key",
                    ));
                }
                let delta = &i.opening.holder_blinding;
                if (mine + generators::blinding_mul(delta)).compress() != c.holder {
                    return Err(Error::OtherHolder);
                }
                let opening = CredentialOpening {
                    values: i.opening.values.clone(),
                    blindings: i.opening.blindings.clone(),
                    holder_blinding: self.blinding + delta,
                };
                let digest = i.digest.as_ref().map(|d| DigestOpening {
                    digest: d.digest,
                    blinding: self.blinding + d.blinding,
                });
                let held = HeldCredential {
                    credential: i.credential.clone(),
                    opening,
                    digest,
                };
                held.check(schema, &self.rater)?;
                if !held.is_held_by(link) {
                    return Err(Error::CredentialRejected(
                        "its digest does not open to its values and this link secret",
                    ));
                }
                Ok(held)
            })
            .collect()
    }

    /// The encoding a wallet stores between request and acceptance
    /// (spec/wallet.md §2), zeroized when dropped: it holds the blinding.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(wire::encode_object(self))
    }

    /// Strict decoding of [`PendingIssuance::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong (never a secret value).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

/// What a rater returns from issuance: the credential and, for the subject
/// only, the openings of its attribute commitments and the holder
/// re-randomisation (secret).
#[derive(Clone, ZeroizeOnDrop)]
pub struct IssuedCredential {
    #[zeroize(skip)]
    credential: Credential,
    /// The openings, with the holder re-randomisation `δ` in the place of the
    /// holder blinding: the subject's holder blinding is `ρ + δ`.
    opening: CredentialOpening,
    /// The digest with `δ_D`: the subject's digest blinding is `ρ + δ_D`.
    /// Absent from credentials issued before digests.
    digest: Option<DigestOpening>,
}

impl fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredential")
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl IssuedCredential {
    /// The public part.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
    /// The credential's digest, which the rater lists in its epoch lists
    /// while the credential is valid.
    pub fn digest(&self) -> Option<&CredentialDigest> {
        self.digest.as_ref().map(|d| &d.digest)
    }

    /// The encoding (spec §3.7), zeroized when dropped: it holds secrets.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(wire::encode_object(self))
    }

    /// Strict decoding of [`IssuedCredential::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong (never a secret value).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

impl Encode for IssuanceRequest {
    fn encode(&self, w: &mut Writer) {
        w.fixed(&self.key_id.0);
        w.fixed(&self.schema_digest);
        w.fixed(&self.nonce);
        w.point(&self.holder_commitment);
        self.proof.encode(w);
    }
}

impl Decode for IssuanceRequest {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let req = IssuanceRequest {
            key_id: KeyId(r.array()?),
            schema_digest: r.array()?,
            nonce: r.array()?,
            holder_commitment: r.point("holder commitment")?,
            proof: SigmaProof::decode(r)?,
        };
        Ok(req)
    }
}

impl Object for IssuanceRequest {
    const TAG: u8 = tag::ISSUANCE_REQUEST;
    const NAME: &'static str = "issuance request";
}

impl Encode for PendingIssuance {
    fn encode(&self, w: &mut Writer) {
        w.fixed(&self.rater.to_bytes());
        w.fixed(&self.schema_digest);
        w.point(&self.holder_commitment);
        w.scalar(&self.blinding);
    }
}

impl Decode for PendingIssuance {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let pending = PendingIssuance {
            rater: RaterPublicKey::from_bytes(&r.array()?)?,
            schema_digest: r.array()?,
            holder_commitment: r.point("holder commitment")?,
            blinding: r.scalar("issuance blinding")?,
        };
        Ok(pending)
    }
}

impl Object for PendingIssuance {
    const TAG: u8 = tag::PENDING_ISSUANCE;
    const NAME: &'static str = "pending issuance";
}

impl Encode for IssuedCredential {
    fn encode(&self, w: &mut Writer) {
        self.credential.encode(w);
        self.opening.encode(w);
        DigestOpening::encode_optional(self.digest.as_ref(), w);
    }
}

impl Decode for IssuedCredential {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let credential = Credential::decode(r)?;
        let opening = CredentialOpening::decode(r, &credential)?;
        let digest = DigestOpening::decode_optional(r)?;
        Ok(IssuedCredential {
            credential,
            opening,
            digest,
        })
    }
}

impl Object for IssuedCredential {
    const TAG: u8 = tag::ISSUED_CREDENTIAL;
    const NAME: &'static str = "issued credential";
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

    /// The issued credential's encoding with its digest part changed by `f`
    /// (the part is the last 1 + 32 + 64 + 32 bytes).
    fn with_digest_part(issued: &IssuedCredential, f: impl Fn(&mut Vec<u8>)) -> IssuedCredential {
        let mut bytes = issued.to_bytes().to_vec();
        f(&mut bytes);
        IssuedCredential::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn the_digest_opens_to_the_values_and_the_link_secret() {
        let (rater, link, held) = held();
        let h = &held[0];
        let d = h.digest().unwrap();
        let b = &h.digest.as_ref().unwrap().blinding;
        let expected = generators::digest_gens()[0] * Scalar::from(201u8)
            + generators::digest_gens()[1] * Scalar::from(54_321u32)
            + generators::commit(link.scalar(), b);
        assert_eq!(*d.point(), expected.compress());
        d.verify_signature(h.credential(), &rater.public_key())
            .unwrap();
        // Not the holder commitment, nor any attribute commitment.
        assert_ne!(d.point(), h.credential().holder_commitment());
        assert!(h.credential().commitments().iter().all(|c| c != d.point()));
        // Another link secret does not open it.
        assert!(!h.is_held_by(&LinkSecret::generate(&mut OsRng)));
        let back = HeldCredential::from_bytes(&h.to_bytes()).unwrap();
        assert_eq!(back.digest(), Some(d));
        assert!(back.is_held_by(&link));
    }

    #[test]
    fn a_credential_issued_before_digests_is_still_accepted() {
        let rater = RaterSigningKey::generate(&mut OsRng);
        let link = LinkSecret::generate(&mut OsRng);
        let (req, pending) = link.issuance_request(&rater.public_key(), &schema());
        let issued = rater
            .issue(&schema(), &req, &[("defaults", 0), ("valid_until", 9)], 1)
            .unwrap();
        let legacy = with_digest_part(&issued[0], |b| b.truncate(b.len() - 129));
        assert!(legacy.digest().is_none());
        let held = pending.accept(&link, &schema(), vec![legacy]).unwrap();
        assert!(held[0].digest().is_none());
        let bytes = held[0].to_bytes();
        let back = HeldCredential::from_bytes(&bytes).unwrap();
        back.check(&schema(), &rater.public_key()).unwrap();
        assert!(back.is_held_by(&link));
        assert_eq!(back.to_bytes(), bytes);
    }

    #[test]
    fn a_bad_digest_is_refused_at_acceptance() {
        let rater = RaterSigningKey::generate(&mut OsRng);
        let link = LinkSecret::generate(&mut OsRng);
        let (req, pending) = link.issuance_request(&rater.public_key(), &schema());
        let issued = rater
            .issue(&schema(), &req, &[("defaults", 3), ("valid_until", 9)], 1)
            .unwrap();
        let n = issued[0].to_bytes().len();
        // Another point (the holder commitment) in the digest's place.
        let holder = issued[0].credential().holder_commitment().to_bytes();
        let moved = with_digest_part(&issued[0], |b| b[n - 128..n - 96].copy_from_slice(&holder));
        assert_eq!(
            pending.accept(&link, &schema(), vec![moved]).unwrap_err(),
            Error::CredentialRejected("the rater's signature on the digest does not verify")
        );
        // A signature over another digest: the opening check refuses it.
        let other = rater
            .issue(&schema(), &req, &[("defaults", 4), ("valid_until", 9)], 1)
            .unwrap();
        let other_part = other[0].to_bytes()[n - 128..n - 32].to_vec();
        let swapped = with_digest_part(&issued[0], |b| {
            b[n - 128..n - 32].copy_from_slice(&other_part)
        });
        assert_eq!(
            pending.accept(&link, &schema(), vec![swapped]).unwrap_err(),
            Error::CredentialRejected(
                "its digest does not open to its values and this link secret"
            )
        );
        // Another blinding.
        let reblinded = with_digest_part(&issued[0], |b| b[n - 32] ^= 1);
        assert_eq!(
            pending
                .accept(&link, &schema(), vec![reblinded])
                .unwrap_err(),
            Error::CredentialRejected(
                "its digest does not open to its values and this link secret"
            )
        );
        // The marker is 1, and the part is all there or absent.
        let mut bytes = issued[0].to_bytes().to_vec();
        bytes[n - 129] = 0;
        assert_eq!(
            IssuedCredential::from_bytes(&bytes).unwrap_err(),
            DecodeError::Malformed("digest marker")
        );
        assert_eq!(
            IssuedCredential::from_bytes(&issued[0].to_bytes()[..n - 1]).unwrap_err(),
            DecodeError::Truncated
        );
        pending.accept(&link, &schema(), issued).unwrap();
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

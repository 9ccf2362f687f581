//! Canonical binary encoding and strict decoding (spec §3).
//!
//! Every object starts with the version byte and a type tag. Integers are
//! little-endian and fixed width; counts and lengths are `u32` and capped;
//! points are compressed ristretto255 encodings that must decompress; scalars
//! must be canonical. The serde (JSON) forms use the same leaf checks and the
//! same `validate` functions, so JSON and binary accept the same values.

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::VerifyingKey;

use crate::errors::DecodeError;

/// The protocol version this library speaks.
pub const VERSION: u8 = 1;

/// Type tags, one per top-level object (spec §3.2).
pub(crate) mod tag {
    pub const SCHEMA: u8 = 1;
    pub const CREDENTIAL: u8 = 2;
    pub const ISSUANCE_REQUEST: u8 = 3;
    pub const ISSUED_CREDENTIAL: u8 = 4;
    pub const PROOF_REQUEST: u8 = 5;
    pub const PRESENTATION: u8 = 6;
    pub const HELD_CREDENTIAL: u8 = 7;
    pub const PENDING_ISSUANCE: u8 = 8;
    pub const EPOCH_LIST: u8 = 9;
}

/// Caps on every count and length (spec §3.3).
pub mod caps {
    /// Identifiers: schema ids, attribute names.
    pub const IDENT_LEN: usize = 64;
    /// Free text: verifier id.
    pub const VERIFIER_ID_LEN: usize = 256;
    /// Free text: purpose.
    pub const PURPOSE_LEN: usize = 1024;
    /// Attributes per schema.
    pub const ATTRIBUTES: usize = 64;
    /// Predicates per request.
    pub const PREDICATES: usize = 32;
    /// Trusted schemas per request.
    pub const TRUSTED_SCHEMAS: usize = 16;
    /// Keys per trusted schema.
    pub const KEYS_PER_SCHEMA: usize = 8;
    /// Epoch lists per trusted schema in the anonymous mode.
    pub const LISTS_PER_SCHEMA: usize = 4;
    /// Terms per linear score.
    pub const TERMS: usize = 16;
    /// Credentials per presentation.
    pub const CREDENTIALS: usize = 8;
    /// Credentials per batch issuance.
    pub const BATCH: usize = 256;
    /// Range statements of one bit width in one presentation.
    pub const RANGE_STATEMENTS_PER_WIDTH: usize = 64;
    /// Bytes of one encoded range proof (64 bits × 64 statements).
    pub const RANGE_PROOF_LEN: usize = (9 + 2 * 12) * 32;
    /// Any encoded object.
    pub const OBJECT_LEN: usize = 1 << 20;
}

/// A value with a canonical encoding inside an object (spec §3).
pub(crate) trait Encode {
    /// Appends the encoding.
    fn encode(&self, w: &mut Writer);
}

/// Strict decoding of what [`Encode`] writes.
pub(crate) trait Decode: Sized {
    /// Reads one value, rejecting anything but its canonical encoding.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// A top-level object: its encoding is the version, its type tag and its
/// body (spec §3.2).
pub(crate) trait Object: Encode + Decode {
    /// The type tag.
    const TAG: u8;
    /// What the object is called in errors.
    const NAME: &'static str;
}

/// The canonical encoding of an object.
pub(crate) fn encode_object<T: Object>(x: &T) -> Vec<u8> {
    let mut w = Writer::header(T::TAG);
    x.encode(&mut w);
    w.into_vec()
}

/// Strict decoding of [`encode_object`]: the version, the tag, the body,
/// and no trailing byte.
pub(crate) fn decode_object<T: Object>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::header(bytes, T::TAG, T::NAME)?;
    let x = T::decode(&mut r)?;
    r.finish()?;
    Ok(x)
}

/// Appends canonical encodings to a buffer.
#[derive(Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn header(tag: u8) -> Self {
        let mut w = Writer::default();
        w.u8(VERSION);
        w.u8(tag);
        w
    }
    pub fn u8(&mut self, x: u8) {
        self.buf.push(x);
    }
    pub fn u32(&mut self, x: u32) {
        self.buf.extend_from_slice(&x.to_le_bytes());
    }
    pub fn u64(&mut self, x: u64) {
        self.buf.extend_from_slice(&x.to_le_bytes());
    }
    pub fn i64(&mut self, x: i64) {
        self.buf.extend_from_slice(&x.to_le_bytes());
    }
    /// A count or length; callers keep them under the caps, which are far below
    /// `u32::MAX`.
    pub fn count(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    pub fn fixed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.count(bytes.len());
        self.fixed(bytes);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub fn point(&mut self, p: &CompressedRistretto) {
        self.fixed(p.as_bytes());
    }
    pub fn scalar(&mut self, s: &Scalar) {
        self.fixed(s.as_bytes());
    }
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads canonical encodings, rejecting anything else.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Result<Self, DecodeError> {
        Self::with_cap(buf, caps::OBJECT_LEN)
    }

    /// A reader of an object whose own cap replaces `OBJECT_LEN`.
    pub fn with_cap(buf: &'a [u8], cap: usize) -> Result<Self, DecodeError> {
        if buf.len() > cap {
            return Err(DecodeError::CapExceeded {
                what: "object length",
                cap,
                found: buf.len(),
            });
        }
        Ok(Reader { buf })
    }

    /// Reads and checks the version byte and the type tag.
    pub fn header(buf: &'a [u8], tag: u8, what: &'static str) -> Result<Self, DecodeError> {
        Self::header_with_cap(buf, tag, what, caps::OBJECT_LEN)
    }

    /// [`Reader::header`] for an object with its own length cap.
    pub fn header_with_cap(
        buf: &'a [u8],
        tag: u8,
        what: &'static str,
        cap: usize,
    ) -> Result<Self, DecodeError> {
        let mut r = Reader::with_cap(buf, cap)?;
        let version = r.u8()?;
        if version != VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let found = r.u8()?;
        if found != tag {
            return Err(DecodeError::WrongType {
                expected: what,
                found,
            });
        }
        Ok(r)
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError::Truncated);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    /// A count, checked against its cap before anything is allocated.
    pub fn count(&mut self, what: &'static str, cap: usize) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        check_cap(what, n, cap)?;
        Ok(n)
    }
    pub fn bytes(&mut self, what: &'static str, cap: usize) -> Result<&'a [u8], DecodeError> {
        let n = self.count(what, cap)?;
        self.take(n)
    }
    pub fn string(&mut self, what: &'static str, cap: usize) -> Result<String, DecodeError> {
        let b = self.bytes(what, cap)?;
        String::from_utf8(b.to_vec()).map_err(|_| DecodeError::Utf8(what))
    }
    pub fn point(&mut self, what: &'static str) -> Result<CompressedRistretto, DecodeError> {
        Ok(self.full_point(what)?.compressed)
    }
    /// A point, kept decompressed as well.
    pub fn full_point(&mut self, what: &'static str) -> Result<Point, DecodeError> {
        let compressed = CompressedRistretto(self.array()?);
        let point = decompress(&compressed, what)?;
        Ok(Point { compressed, point })
    }
    pub fn scalar(&mut self, what: &'static str) -> Result<Scalar, DecodeError> {
        canonical_scalar(self.array()?, what)
    }
    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    /// Ends decoding: no byte may remain.
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes(self.buf.len()))
        }
    }
}

/// A point with its canonical encoding, decompressed once when decoded.
#[derive(Clone, Copy)]
pub(crate) struct Point {
    pub compressed: CompressedRistretto,
    pub point: RistrettoPoint,
}

impl Point {
    pub fn new(point: RistrettoPoint) -> Self {
        Point {
            compressed: point.compress(),
            point,
        }
    }
}

impl PartialEq for Point {
    fn eq(&self, other: &Self) -> bool {
        self.compressed == other.compressed
    }
}

impl Eq for Point {}

impl std::fmt::Debug for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.compressed.fmt(f)
    }
}

pub(crate) fn check_cap(what: &'static str, found: usize, cap: usize) -> Result<(), DecodeError> {
    if found > cap {
        Err(DecodeError::CapExceeded { what, cap, found })
    } else {
        Ok(())
    }
}

/// Decompresses a point, naming the field when it is not a valid encoding.
pub(crate) fn decompress(
    p: &CompressedRistretto,
    what: &'static str,
) -> Result<RistrettoPoint, DecodeError> {
    p.decompress().ok_or(DecodeError::InvalidPoint(what))
}

/// Decodes an Ed25519 verifying key strictly (spec §4.2): the 32 bytes MUST be
/// the canonical encoding of a curve point (as an RFC 8032 §5.1.3 decoder
/// requires: `y < p`, and no `x = 0` with the sign bit set) that is not of small
/// order. Every rater key read from a request, a trust list, a descriptor or a
/// pending issuance goes through here.
///
/// # Errors
/// [`DecodeError::InvalidPoint`] naming which of the three checks failed.
pub(crate) fn verifying_key(bytes: &[u8; 32]) -> Result<VerifyingKey, DecodeError> {
    let compressed = CompressedEdwardsY(*bytes);
    let point = compressed
        .decompress()
        .ok_or(DecodeError::InvalidPoint("rater verifying key"))?;
    if point.compress() != compressed {
        return Err(DecodeError::InvalidPoint(
            "rater verifying key (non-canonical Ed25519 encoding)",
        ));
    }
    if point.is_small_order() {
        return Err(DecodeError::InvalidPoint(
            "rater verifying key (Ed25519 point of small order)",
        ));
    }
    VerifyingKey::from_bytes(bytes).map_err(|_| DecodeError::InvalidPoint("rater verifying key"))
}

pub(crate) fn canonical_scalar(bytes: [u8; 32], what: &'static str) -> Result<Scalar, DecodeError> {
    Option::from(Scalar::from_canonical_bytes(bytes)).ok_or(DecodeError::NonCanonicalScalar(what))
}

/// Serde helpers: binary fields as unpadded base64url strings, checked with the
/// same leaf rules as the binary decoder.
pub(crate) mod b64 {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::caps;

    pub fn encode(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode_str(s: &str, what: &'static str) -> Result<Vec<u8>, crate::DecodeError> {
        if s.len() > caps::OBJECT_LEN {
            return Err(crate::DecodeError::CapExceeded {
                what,
                cap: caps::OBJECT_LEN,
                found: s.len(),
            });
        }
        URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| crate::DecodeError::Base64(what))
    }

    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        decode_str(&s, "field").map_err(D::Error::custom)
    }

    /// `Vec<[u8; 32]>` as a list of base64url strings.
    pub mod digests {
        use super::*;
        use serde::ser::SerializeSeq;
        pub fn serialize<S: Serializer>(x: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(x.len()))?;
            for d in x {
                seq.serialize_element(&encode(d))?;
            }
            seq.end()
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
            let v = <Vec<std::borrow::Cow<'de, str>>>::deserialize(d)?;
            if v.len() > caps::LISTS_PER_SCHEMA {
                return Err(D::Error::custom(crate::DecodeError::CapExceeded {
                    what: "epoch lists",
                    cap: caps::LISTS_PER_SCHEMA,
                    found: v.len(),
                }));
            }
            v.iter()
                .map(|s| {
                    let b = decode_str(s, "list digest").map_err(D::Error::custom)?;
                    <[u8; 32]>::try_from(b.as_slice()).map_err(|_| {
                        D::Error::custom(crate::DecodeError::WrongLength {
                            what: "list digest",
                            expected: 32,
                            found: b.len(),
                        })
                    })
                })
                .collect()
        }
    }

    /// `[u8; N]` as base64url.
    pub mod array {
        use super::*;
        pub fn serialize<S: Serializer, const N: usize>(
            x: &[u8; N],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.serialize_str(&encode(x))
        }
        pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
            d: D,
        ) -> Result<[u8; N], D::Error> {
            let v = decode(d)?;
            <[u8; N]>::try_from(v.as_slice()).map_err(|_| {
                D::Error::custom(crate::DecodeError::WrongLength {
                    what: "base64url field",
                    expected: N,
                    found: v.len(),
                })
            })
        }
    }
}

/// Implements `Serialize` for a type whose JSON form is its binary encoding
/// wrapped in base64url, and `Deserialize` through the strict binary decoder,
/// so that the two can never disagree.
macro_rules! serde_via_bytes {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&$crate::wire::b64::encode(&$crate::wire::encode_object(
                    self,
                )))
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                let bytes = $crate::wire::b64::decode_str(&s, <$ty as $crate::wire::Object>::NAME)
                    .map_err(D::Error::custom)?;
                $crate::wire::decode_object::<$ty>(&bytes).map_err(D::Error::custom)
            }
        }
    };
}
pub(crate) use serde_via_bytes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_rejects_truncation_trailing_and_caps() {
        let mut w = Writer::header(tag::SCHEMA);
        w.u64(7);
        let bytes = w.into_vec();
        let mut r = Reader::header(&bytes, tag::SCHEMA, "schema").unwrap();
        assert_eq!(r.u64().unwrap(), 7);
        r.finish().unwrap();

        let mut r = Reader::header(&bytes[..5], tag::SCHEMA, "schema").unwrap();
        assert_eq!(r.u64(), Err(DecodeError::Truncated));

        let mut long = bytes.clone();
        long.push(0);
        let mut r = Reader::header(&long, tag::SCHEMA, "schema").unwrap();
        r.u64().unwrap();
        assert_eq!(r.finish(), Err(DecodeError::TrailingBytes(1)));

        assert!(matches!(
            Reader::header(&bytes, tag::CREDENTIAL, "credential"),
            Err(DecodeError::WrongType { .. })
        ));
        let mut v2 = bytes.clone();
        v2[0] = 2;
        assert!(matches!(
            Reader::header(&v2, tag::SCHEMA, "schema"),
            Err(DecodeError::UnsupportedVersion(2))
        ));

        let mut w = Writer::default();
        w.count(1000);
        let b = w.into_vec();
        let mut r = Reader::new(&b).unwrap();
        assert!(matches!(
            r.count("things", 10),
            Err(DecodeError::CapExceeded { .. })
        ));
    }

    /// Little-endian `2^255 - 19 + k`: a non-canonical encoding of `y = k`.
    fn y_above_p(k: u8) -> [u8; 32] {
        let mut b = [0xffu8; 32];
        b[0] = 0xed + k;
        b[31] = 0x7f;
        b
    }

    #[test]
    fn verifying_keys_are_decoded_strictly() {
        let good = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        assert_eq!(verifying_key(good.as_bytes()).unwrap(), good);

        // Small order: the identity (y = 1) and a point of order 4 (y = 0).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        for small in [identity, [0u8; 32]] {
            assert_eq!(
                verifying_key(&small),
                Err(DecodeError::InvalidPoint(
                    "rater verifying key (Ed25519 point of small order)"
                ))
            );
        }
        // x = 0 with the sign bit set (y = 1 and y = -1).
        let mut neg_zero = identity;
        neg_zero[31] |= 0x80;
        let mut minus_one = y_above_p(0);
        minus_one[0] = 0xec;
        minus_one[31] |= 0x80;
        for bad in [neg_zero, minus_one] {
            assert_eq!(
                verifying_key(&bad),
                Err(DecodeError::InvalidPoint(
                    "rater verifying key (non-canonical Ed25519 encoding)"
                ))
            );
        }
        // y >= p: every y < 19 that is a point of large order has a second
        // encoding p + y, which must be refused.
        let mut found = 0;
        for k in 0..19u8 {
            let mut canonical = [0u8; 32];
            canonical[0] = k;
            if verifying_key(&canonical).is_ok() {
                found += 1;
                assert_eq!(
                    verifying_key(&y_above_p(k)),
                    Err(DecodeError::InvalidPoint(
                        "rater verifying key (non-canonical Ed25519 encoding)"
                    ))
                );
            }
        }
        assert!(found > 0);
        // p itself is y = 0 written non-canonically.
        assert_eq!(
            verifying_key(&y_above_p(0)),
            Err(DecodeError::InvalidPoint(
                "rater verifying key (non-canonical Ed25519 encoding)"
            ))
        );
        // Some y has no x on the curve.
        let off_curve = (2..=255u8)
            .map(|k| {
                let mut b = [0u8; 32];
                b[0] = k;
                b
            })
            .find(|b| CompressedEdwardsY(*b).decompress().is_none())
            .unwrap();
        assert_eq!(
            verifying_key(&off_curve),
            Err(DecodeError::InvalidPoint("rater verifying key"))
        );
    }

    #[test]
    fn points_and_scalars_are_checked() {
        // 2^255 - 1 is neither a canonical scalar nor a point encoding.
        let bad = [0xffu8; 32];
        let mut r = Reader::new(&bad).unwrap();
        assert_eq!(r.point("p"), Err(DecodeError::InvalidPoint("p")));
        let mut r = Reader::new(&bad).unwrap();
        assert_eq!(r.scalar("s"), Err(DecodeError::NonCanonicalScalar("s")));
    }
}

//! Rater keys (spec §4.2): the Ed25519 signing key a rater issues with, and
//! the public key and key id that credentials name.

use std::fmt;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::errors::DecodeError;
use crate::wire;

/// A rater key's identifier: the first 16 bytes of
/// `SHA-256("credence.key-id.v1" || verifying key)` (spec §4.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub(crate) [u8; 16]);

impl KeyId {
    /// The 16 bytes credentials carry.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// Reads the lower-case hexadecimal form [`KeyId`] displays as.
    pub fn parse_hex(s: &str) -> Option<Self> {
        if s.len() != 32
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(KeyId(out))
    }
}

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
    /// Decodes an Ed25519 verifying key strictly (spec §4.2).
    ///
    /// # Errors
    /// [`DecodeError::InvalidPoint`] when the bytes are not the canonical
    /// encoding of a curve point, or the point is of small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DecodeError> {
        wire::verifying_key(bytes).map(Self::new)
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
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

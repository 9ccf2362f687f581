//! Trust in raters: the descriptor a rater publishes (spec/wallet.md §4), and
//! the trusted-rater entries of a proof request (spec §5.1) that verifiers
//! and wallets build from descriptors.

use serde::{Deserialize, Serialize};

use crate::errors::{DecodeError, Error, PolicyError, RequestError};
use crate::keys::{KeyId, RaterPublicKey};
use crate::schema::Schema;
use crate::wire::caps;

/// A schema a verifier accepts, with the rater keys it trusts to sign it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedRater {
    pub(crate) schema: Schema,
    pub(crate) keys: Vec<RaterPublicKey>,
    /// The digests of the epoch lists a credential of this schema is shown
    /// against in the anonymous mode; empty for the fast mode.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::wire::b64::digests"
    )]
    pub(crate) lists: Vec<[u8; 32]>,
}

impl TrustedRater {
    /// Trusts `keys` to sign credentials of `schema` (key rotation: list the
    /// current and the next key).
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] unless there are 1 to 8 keys (spec §3.3).
    pub fn new(schema: Schema, keys: Vec<RaterPublicKey>) -> Result<Self, PolicyError> {
        let t = TrustedRater {
            schema,
            keys,
            lists: Vec::new(),
        };
        t.validate()?;
        Ok(t)
    }

    /// Asks for the anonymous mode for this schema: a credential is shown as
    /// a member of one of `lists` (1 to 4 epoch lists, each of a key this
    /// entry trusts and of its schema), without anything a rater could match
    /// to its records (spec §7.4). The lists' signatures are the caller's to
    /// check ([`EpochList::verify`](crate::epoch::EpochList::verify)).
    ///
    /// # Errors
    /// [`RequestError::ListCount`] otherwise.
    pub fn anonymous(mut self, lists: &[&crate::epoch::EpochList]) -> Result<Self, PolicyError> {
        if lists.is_empty() {
            return Err(RequestError::ListCount(self.schema.id().to_owned()).into());
        }
        self.lists = lists.iter().map(|l| l.digest()).collect();
        for l in lists {
            if !self.keys.iter().any(|k| k.key_id() == l.key_id())
                || *l.schema_digest() != self.schema.digest()
            {
                return Err(RequestError::ListCount(self.schema.id().to_owned()).into());
            }
        }
        self.validate()?;
        Ok(self)
    }

    /// The digests of the epoch lists of the anonymous mode; empty for the
    /// fast mode.
    pub fn lists(&self) -> &[[u8; 32]] {
        &self.lists
    }

    /// The `index`-th list this entry names, if `lists` holds it signed by
    /// one of the entry's keys for its schema.
    pub(crate) fn list_in<'l>(
        &self,
        lists: &'l crate::epoch::EpochLists,
        index: usize,
    ) -> Option<&'l crate::epoch::EpochList> {
        lists.find(self.lists.get(index)?, &self.keys, &self.schema.digest())
    }

    /// Whether credentials of this schema are shown in the anonymous mode.
    pub fn is_anonymous(&self) -> bool {
        !self.lists.is_empty()
    }
    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }
    /// The keys trusted to sign credentials of the schema.
    pub fn keys(&self) -> &[RaterPublicKey] {
        &self.keys
    }
    /// Whether there are 1 to the cap of keys (spec §5.1).
    pub(crate) fn validate(&self) -> Result<(), PolicyError> {
        if self.keys.is_empty() || self.keys.len() > caps::KEYS_PER_SCHEMA {
            return Err(RequestError::KeyCount(self.schema.id().to_owned()).into());
        }
        let repeated = self
            .lists
            .iter()
            .enumerate()
            .any(|(i, d)| self.lists[..i].contains(d));
        if self.lists.len() > caps::LISTS_PER_SCHEMA || repeated {
            return Err(RequestError::ListCount(self.schema.id().to_owned()).into());
        }
        Ok(())
    }
}

/// A rater's public descriptor: its schema, its public key and the key's id.
///
/// The JSON form is `{"schema": <schema>, "key": "<base64url>", "key_id":
/// "<hex>"}`. The key id is redundant (it is derived from the key) and is
/// checked on decoding, so that a descriptor whose key was swapped but whose key
/// id was kept is refused.
///
/// # Example
/// ```
/// # use credence::*;
/// # use credence::rater::RaterSigningKey;
/// # let schema = Schema::new("court", 1, vec![
/// #     Attribute::expiry("valid_until"),
/// # ]).unwrap();
/// let key = RaterSigningKey::generate(&mut rand_core::OsRng);
/// let published = RaterDescriptor::new(schema, key.public_key());
/// let json = serde_json::to_string(&published).unwrap();
/// let loaded: RaterDescriptor = serde_json::from_str(&json).unwrap();
/// assert_eq!(loaded.key_id(), key.public_key().key_id());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawDescriptor", into = "RawDescriptor")]
pub struct RaterDescriptor {
    schema: Schema,
    key: RaterPublicKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDescriptor {
    schema: Schema,
    key: RaterPublicKey,
    key_id: String,
}

impl TryFrom<RawDescriptor> for RaterDescriptor {
    type Error = DecodeError;
    fn try_from(r: RawDescriptor) -> Result<Self, DecodeError> {
        if r.key_id != r.key.key_id().to_string() {
            return Err(DecodeError::Malformed(
                "rater descriptor: the key id does not match the key",
            ));
        }
        Ok(RaterDescriptor {
            schema: r.schema,
            key: r.key,
        })
    }
}

impl From<RaterDescriptor> for RawDescriptor {
    fn from(d: RaterDescriptor) -> Self {
        RawDescriptor {
            key_id: d.key.key_id().to_string(),
            schema: d.schema,
            key: d.key,
        }
    }
}

impl RaterDescriptor {
    /// Describes a rater that signs credentials of `schema` with `key`.
    pub fn new(schema: Schema, key: RaterPublicKey) -> Self {
        RaterDescriptor { schema, key }
    }
    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }
    /// The public key.
    pub fn key(&self) -> &RaterPublicKey {
        &self.key
    }
    /// The key's id.
    pub fn key_id(&self) -> KeyId {
        self.key.key_id()
    }

    /// Groups descriptors into the trusted-rater list of a proof request: one
    /// entry per schema id, in first-seen order, with every key listed for it
    /// (several keys for one schema id is key rotation). A key listed twice
    /// for a schema is kept once.
    ///
    /// # Errors
    /// [`Error::Policy`] when two descriptors name one schema id with different
    /// schemas, or there are more schemas or keys than a request may trust.
    pub fn trusted_raters(descriptors: &[RaterDescriptor]) -> Result<Vec<TrustedRater>, Error> {
        let invalid = |e: RequestError| Error::Policy(e.into());
        let mut out: Vec<TrustedRater> = Vec::new();
        for d in descriptors {
            match out.iter_mut().find(|t| t.schema.id() == d.schema.id()) {
                Some(t) if t.schema != d.schema => {
                    return Err(invalid(RequestError::SchemaClash(d.schema.id().to_owned())))
                }
                Some(t) => {
                    if !t.keys.contains(&d.key) {
                        t.keys.push(d.key);
                    }
                }
                None => out.push(TrustedRater {
                    schema: d.schema.clone(),
                    keys: vec![d.key],
                    lists: Vec::new(),
                }),
            }
        }
        if out.len() > caps::TRUSTED_SCHEMAS {
            return Err(invalid(RequestError::TrustedCount));
        }
        if let Some(t) = out.iter().find(|t| t.keys.len() > caps::KEYS_PER_SCHEMA) {
            return Err(invalid(RequestError::KeyCount(t.schema.id().to_owned())));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::RaterSigningKey;
    use crate::schema::{Attribute, AttributeKind, Category};
    use rand::rngs::OsRng;

    fn schema(version: u32) -> Schema {
        Schema::new(
            "court",
            version,
            vec![Attribute {
                name: "valid_until".into(),
                kind: AttributeKind::Date,
                category: Category::Validity,
            }],
        )
        .unwrap()
    }

    #[test]
    fn json_round_trip_checks_the_key_id() {
        let k = RaterSigningKey::generate(&mut OsRng).public_key();
        let d = RaterDescriptor::new(schema(1), k);
        let json = serde_json::to_string(&d).unwrap();
        assert!(
            json.contains(&format!(r#""key_id":"{}""#, k.key_id())),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<RaterDescriptor>(&json).unwrap(), d);

        let other = RaterSigningKey::generate(&mut OsRng).public_key();
        let swapped = json.replace(
            &serde_json::to_string(&k).unwrap(),
            &serde_json::to_string(&other).unwrap(),
        );
        assert_ne!(swapped, json);
        let err = serde_json::from_str::<RaterDescriptor>(&swapped).unwrap_err();
        assert!(err.to_string().contains("key id does not match"), "{err}");
        let extra = json.replacen('{', r#"{"note":1,"#, 1);
        assert!(serde_json::from_str::<RaterDescriptor>(&extra).is_err());
    }

    #[test]
    fn groups_keys_by_schema() {
        let k1 = RaterSigningKey::generate(&mut OsRng).public_key();
        let k2 = RaterSigningKey::generate(&mut OsRng).public_key();
        let ds = [
            RaterDescriptor::new(schema(1), k1),
            RaterDescriptor::new(schema(1), k2),
            RaterDescriptor::new(schema(1), k1),
        ];
        let t = RaterDescriptor::trusted_raters(&ds).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].keys, vec![k1, k2]);
        let clash = [
            RaterDescriptor::new(schema(1), k1),
            RaterDescriptor::new(schema(2), k2),
        ];
        assert!(RaterDescriptor::trusted_raters(&clash).is_err());
    }

    #[test]
    fn trusted_raters_take_one_to_eight_keys() {
        let keys: Vec<RaterPublicKey> = (0..9)
            .map(|_| RaterSigningKey::generate(&mut OsRng).public_key())
            .collect();
        assert!(TrustedRater::new(schema(1), vec![]).is_err());
        assert!(TrustedRater::new(schema(1), keys.clone()).is_err());
        let t = TrustedRater::new(schema(1), keys[..8].to_vec()).unwrap();
        assert_eq!(t.keys().len(), 8);
        assert_eq!(t.schema(), &schema(1));
    }
}

//! Schemas: the attributes a rater certifies, their bounds and categories
//! (spec §4.1).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::errors::{DecodeError, Error, SchemaError};
use crate::wire::{self, caps, tag, Decode, Encode, Object, Reader, Writer};

/// The largest date, in days since 1970-01-01: 2149-06-06. Dates are 16-bit.
pub const DATE_MAX: u64 = u16::MAX as u64;

/// What an attribute value is (spec §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttributeKind {
    /// An unsigned integer in `0..=max`.
    Uint {
        /// The largest value the rater may certify.
        max: u64,
    },
    /// A date, as days since 1970-01-01, in `0..=DATE_MAX`.
    Date,
}

impl AttributeKind {
    /// The largest value of this kind.
    pub fn max(&self) -> u64 {
        match self {
            AttributeKind::Uint { max } => *max,
            AttributeKind::Date => DATE_MAX,
        }
    }
}

/// What kind of input an attribute is, so that a subject sees what a request
/// touches (spec §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Who the subject is.
    Identity,
    /// Money: income, liquidity, debts.
    Financial,
    /// Court records.
    Judicial,
    /// Behaviour: websites, purchases, contacts.
    Behavioural,
    /// The credential's validity period.
    Validity,
}

impl Category {
    fn code(self) -> u8 {
        match self {
            Category::Identity => 0,
            Category::Financial => 1,
            Category::Judicial => 2,
            Category::Behavioural => 3,
            Category::Validity => 4,
        }
    }
    fn from_code(c: u8) -> Result<Self, DecodeError> {
        Ok(match c {
            0 => Category::Identity,
            1 => Category::Financial,
            2 => Category::Judicial,
            3 => Category::Behavioural,
            4 => Category::Validity,
            code => {
                return Err(DecodeError::Code {
                    what: "category code",
                    code,
                })
            }
        })
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Category::Identity => "identity",
            Category::Financial => "financial",
            Category::Judicial => "judicial",
            Category::Behavioural => "behavioural",
            Category::Validity => "validity",
        })
    }
}

/// One attribute of a schema.
///
/// In JSON: `{"name": …, "type": "uint", "max": …, "category": …}` or
/// `{"name": …, "type": "date", "category": …}`; other fields are refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawAttribute", into = "RawAttribute")]
pub struct Attribute {
    /// Its name: lowercase ASCII letters, digits and `_`, starting with a letter.
    pub name: String,
    /// Its kind and bound.
    pub kind: AttributeKind,
    /// Its category.
    pub category: Category,
}

impl Attribute {
    /// An unsigned integer attribute with values from 0 to `max`.
    /// [`Schema::new`] checks the name.
    pub fn uint(name: &str, max: u64, category: Category) -> Self {
        Attribute {
            name: name.to_owned(),
            kind: AttributeKind::Uint { max },
            category,
        }
    }
    /// A calendar date attribute.
    pub fn date(name: &str, category: Category) -> Self {
        Attribute {
            name: name.to_owned(),
            kind: AttributeKind::Date,
            category,
        }
    }
    /// The expiry date every schema has: a date of category
    /// [`Category::Validity`].
    pub fn expiry(name: &str) -> Self {
        Attribute::date(name, Category::Validity)
    }
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindName {
    Uint,
    Date,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttribute {
    name: String,
    #[serde(rename = "type")]
    kind: KindName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
    category: Category,
}

impl TryFrom<RawAttribute> for Attribute {
    type Error = String;
    fn try_from(r: RawAttribute) -> Result<Self, String> {
        let kind = match (r.kind, r.max) {
            (KindName::Uint, Some(max)) => AttributeKind::Uint { max },
            (KindName::Date, None) => AttributeKind::Date,
            (KindName::Uint, None) => {
                return Err(format!(
                    "attribute `{}`: a uint needs a max",
                    r.name.escape_debug()
                ))
            }
            (KindName::Date, Some(_)) => {
                return Err(format!(
                    "attribute `{}`: a date has no max",
                    r.name.escape_debug()
                ))
            }
        };
        Ok(Attribute {
            name: r.name,
            kind,
            category: r.category,
        })
    }
}

impl From<Attribute> for RawAttribute {
    fn from(a: Attribute) -> Self {
        let (kind, max) = match a.kind {
            AttributeKind::Uint { max } => (KindName::Uint, Some(max)),
            AttributeKind::Date => (KindName::Date, None),
        };
        RawAttribute {
            name: a.name,
            kind,
            max,
            category: a.category,
        }
    }
}

/// A rater's published schema (spec §4.1).
///
/// Every schema has exactly one attribute of category [`Category::Validity`] and
/// kind [`AttributeKind::Date`]: the credential's expiry, which every
/// presentation proves to be on or after the request's reference date.
///
/// # Example
/// ```
/// use credence::{Attribute, AttributeKind, Category, Schema};
/// let schema = Schema::new("bank", 1, vec![
///     Attribute { name: "liquidity_eur".into(), kind: AttributeKind::Uint { max: 1_000_000_000 }, category: Category::Financial },
///     Attribute { name: "valid_until".into(), kind: AttributeKind::Date, category: Category::Validity },
/// ]).unwrap();
/// assert_eq!(schema.expiry_index(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawSchema", into = "RawSchema")]
pub struct Schema {
    id: String,
    version: u32,
    attributes: Vec<Attribute>,
    expiry: usize,
    /// [`Schema::digest`], computed once: a schema cannot change.
    digest: [u8; 32],
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    id: String,
    version: u32,
    attributes: Vec<Attribute>,
}

impl TryFrom<RawSchema> for Schema {
    type Error = Error;
    fn try_from(r: RawSchema) -> Result<Self, Error> {
        Schema::new(&r.id, r.version, r.attributes)
    }
}

impl From<Schema> for RawSchema {
    fn from(s: Schema) -> Self {
        RawSchema {
            id: s.id,
            version: s.version,
            attributes: s.attributes,
        }
    }
}

/// Checks an identifier: 1 to 64 bytes of `[a-z0-9_]`, starting with a letter.
pub(crate) fn check_ident(s: &str, what: &'static str) -> Result<(), SchemaError> {
    let ok = !s.is_empty()
        && s.len() <= caps::IDENT_LEN
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SchemaError::BadIdent {
            what,
            value: s.to_owned(),
        })
    }
}

impl Schema {
    /// Builds a schema, checking names, counts and the expiry attribute.
    ///
    /// # Errors
    /// [`Error::Schema`] when an identifier is malformed, a name repeats, there
    /// are no or too many attributes, or there is not exactly one validity date.
    pub fn new(id: &str, version: u32, attributes: Vec<Attribute>) -> Result<Self, Error> {
        check_ident(id, "schema id")?;
        if attributes.is_empty() || attributes.len() > caps::ATTRIBUTES {
            return Err(SchemaError::AttributeCount.into());
        }
        for (i, a) in attributes.iter().enumerate() {
            check_ident(&a.name, "attribute name")?;
            if attributes[..i].iter().any(|b| b.name == a.name) {
                return Err(SchemaError::Repeated(a.name.clone()).into());
            }
        }
        let validity: Vec<usize> = attributes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.category == Category::Validity)
            .map(|(i, _)| i)
            .collect();
        let expiry = match validity.as_slice() {
            [i] if attributes[*i].kind == AttributeKind::Date => *i,
            _ => return Err(SchemaError::NoExpiry.into()),
        };
        let mut schema = Schema {
            id: id.to_owned(),
            version,
            attributes,
            expiry,
            digest: [0; 32],
        };
        let mut h = Sha256::new();
        h.update(b"credence.schema-digest.v1");
        h.update(schema.to_bytes());
        schema.digest = h.finalize().into();
        Ok(schema)
    }

    /// The schema id, as predicates name it.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The schema version.
    pub fn version(&self) -> u32 {
        self.version
    }
    /// The attributes, in commitment order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }
    /// The index of the expiry attribute.
    pub fn expiry_index(&self) -> usize {
        self.expiry
    }
    /// The index of the attribute called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a.name == name)
    }

    /// SHA-256 over the domain label and the canonical encoding: what every
    /// credential signs (spec §4.1).
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The canonical encoding (spec §3.4).
    pub fn to_bytes(&self) -> Vec<u8> {
        wire::encode_object(self)
    }

    /// Strict decoding of [`Schema::to_bytes`].
    ///
    /// # Errors
    /// A [`DecodeError`] naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_object(bytes)
    }
}

impl Encode for Schema {
    fn encode(&self, w: &mut Writer) {
        w.str(&self.id);
        w.u32(self.version);
        w.count(self.attributes.len());
        for a in &self.attributes {
            w.str(&a.name);
            match a.kind {
                AttributeKind::Uint { max } => {
                    w.u8(0);
                    w.u64(max);
                }
                AttributeKind::Date => w.u8(1),
            }
            w.u8(a.category.code());
        }
    }
}

impl Decode for Schema {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let id = r.string("schema id", caps::IDENT_LEN)?;
        let version = r.u32()?;
        let n = r.count("attributes", caps::ATTRIBUTES)?;
        let mut attributes = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.string("attribute name", caps::IDENT_LEN)?;
            let kind = match r.u8()? {
                0 => AttributeKind::Uint { max: r.u64()? },
                1 => AttributeKind::Date,
                code => {
                    return Err(DecodeError::Code {
                        what: "attribute kind",
                        code,
                    })
                }
            };
            let category = Category::from_code(r.u8()?)?;
            attributes.push(Attribute {
                name,
                kind,
                category,
            });
        }
        Schema::new(&id, version, attributes).map_err(|e| match e {
            Error::Schema(e) => DecodeError::Schema(e),
            _ => DecodeError::Malformed("schema"),
        })
    }
}

impl Object for Schema {
    const TAG: u8 = tag::SCHEMA;
    const NAME: &'static str = "schema";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, kind: AttributeKind, category: Category) -> Attribute {
        Attribute {
            name: name.into(),
            kind,
            category,
        }
    }

    #[test]
    fn schema_errors_say_what_is_wrong() {
        let x = || Attribute::uint("x", 9, Category::Financial);
        let e = || Attribute::expiry("valid_until");
        assert_eq!(
            Schema::new("s", 1, vec![x(), x(), e()]),
            Err(Error::Schema(SchemaError::Repeated("x".into())))
        );
        assert_eq!(
            Schema::new("s", 1, vec![x()]),
            Err(Error::Schema(SchemaError::NoExpiry))
        );
        assert_eq!(
            Schema::new("s", 1, vec![]),
            Err(Error::Schema(SchemaError::AttributeCount))
        );
        assert_eq!(
            Schema::new("S\u{200b}", 1, vec![x(), e()]),
            Err(Error::Schema(SchemaError::BadIdent {
                what: "schema id",
                value: "S\u{200b}".into()
            }))
        );
        // The constructors build what the literal would.
        assert_eq!(
            Attribute::date("born", Category::Identity),
            attr("born", AttributeKind::Date, Category::Identity)
        );
    }

    fn sample() -> Schema {
        Schema::new(
            "bank",
            3,
            vec![
                attr(
                    "liquidity_eur",
                    AttributeKind::Uint { max: 1 << 40 },
                    Category::Financial,
                ),
                attr("valid_until", AttributeKind::Date, Category::Validity),
            ],
        )
        .unwrap()
    }

    #[test]
    fn round_trips_in_binary_and_json() {
        let s = sample();
        assert_eq!(Schema::from_bytes(&s.to_bytes()).unwrap(), s);
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.contains(r#""type":"uint","max":1099511627776"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Schema>(&json).unwrap(), s);
    }

    #[test]
    fn rejects_bad_schemas() {
        let v = || attr("valid_until", AttributeKind::Date, Category::Validity);
        assert!(Schema::new("Bank", 1, vec![v()]).is_err());
        assert!(Schema::new("bank.x", 1, vec![v()]).is_err());
        assert!(Schema::new("bank", 1, vec![]).is_err());
        assert!(Schema::new("bank", 1, vec![v(), v()]).is_err());
        let no_expiry = attr("x", AttributeKind::Uint { max: 3 }, Category::Financial);
        assert!(Schema::new("bank", 1, vec![no_expiry]).is_err());
        let uint_validity = attr("v", AttributeKind::Uint { max: 3 }, Category::Validity);
        assert!(Schema::new("bank", 1, vec![uint_validity]).is_err());
        assert!(Schema::new("bank", 1, vec![v()]).is_ok());
        // JSON goes through the same checks.
        for json in [
            r#"{"id":"bank","version":1,"attributes":[]}"#,
            r#"{"id":"bank","version":1,"attributes":[{"name":"v","type":"date","max":3,"category":"validity"}]}"#,
            r#"{"id":"bank","version":1,"attributes":[{"name":"v","type":"date","category":"validity","x":1}]}"#,
            r#"{"id":"bank","version":1,"attributes":[{"name":"v","type":"date","category":"validity"},{"name":"u","type":"uint","category":"financial"}]}"#,
        ] {
            assert!(serde_json::from_str::<Schema>(json).is_err(), "{json}");
        }
        let ok = r#"{"id":"bank","version":1,"attributes":[{"name":"v","type":"date","category":"validity"}]}"#;
        assert!(serde_json::from_str::<Schema>(ok).is_ok());
    }

    #[test]
    fn digest_depends_on_every_field() {
        let s = sample();
        let other = Schema::new(s.id(), 4, s.attributes().to_vec()).unwrap();
        assert_ne!(s.digest(), other.digest());
        let mut attrs = s.attributes().to_vec();
        attrs[0].kind = AttributeKind::Uint { max: 1 << 41 };
        let other = Schema::new(s.id(), s.version(), attrs).unwrap();
        assert_ne!(s.digest(), other.digest());
        // The digest is SHA-256 over the label and the encoding.
        let mut h = Sha256::new();
        h.update(b"credence.schema-digest.v1");
        h.update(s.to_bytes());
        assert_eq!(s.digest(), <[u8; 32]>::from(h.finalize()));
    }
}

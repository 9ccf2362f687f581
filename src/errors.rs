//! Errors (spec §9): what went wrong, never which secret value was involved.

/// Why bytes or JSON could not be decoded into a Credence type (spec §3).
///
/// Decoding is strict: anything that is not the one canonical encoding of a
/// valid value is rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the value did.
    #[error("input is truncated")]
    Truncated,
    /// Bytes remain after the value.
    #[error("{0} trailing bytes after the value")]
    TrailingBytes(usize),
    /// The version byte is not one this library speaks.
    #[error("unsupported version {0}")]
    UnsupportedVersion(u8),
    /// The type tag names another kind of object.
    #[error("expected a {expected}, found type tag {found}")]
    WrongType {
        /// The kind of object that was expected.
        expected: &'static str,
        /// The tag that was found.
        found: u8,
    },
    /// A 32-byte string is not the canonical encoding of a ristretto255 point.
    #[error("invalid ristretto255 point in {0}")]
    InvalidPoint(&'static str),
    /// A 32-byte string is not a canonical scalar.
    #[error("non-canonical scalar in {0}")]
    NonCanonicalScalar(&'static str),
    /// A count or length is above its cap.
    #[error("{what} is {found}, above the cap of {cap}")]
    CapExceeded {
        /// What was counted.
        what: &'static str,
        /// The cap.
        cap: usize,
        /// What the input claimed.
        found: usize,
    },
    /// A byte string has the wrong length.
    #[error("{what} must be {expected} bytes, found {found}")]
    WrongLength {
        /// What was read.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A proof request decodes, but is not a valid request (spec §5.1,
    /// §5.4).
    #[error("invalid {0}")]
    Invalid(PolicyError),
    /// A one-byte code (a kind, a category, a comparison, a width) has no
    /// meaning.
    #[error("invalid {what} {code}")]
    Code {
        /// What the code selects.
        what: &'static str,
        /// The code found.
        code: u8,
    },
    /// The parts of a value do not fit together.
    #[error("invalid {0}")]
    Malformed(&'static str),
    /// A string is not UTF-8.
    #[error("invalid UTF-8 in {0}")]
    Utf8(&'static str),
    /// A date is out of range or not of the form `YYYY-MM-DD`.
    #[error("invalid {0}")]
    Date(DateError),
    /// An identifier is not of the allowed form.
    #[error("invalid {0}")]
    Ident(SchemaError),
    /// An attribute is not written `schema.attribute`.
    #[error("invalid attribute `{}`: expected schema.attribute", .0.escape_debug())]
    NotAnAttribute(String),
    /// Base64url text could not be decoded.
    #[error("invalid base64url in {0}")]
    Base64(&'static str),
    /// JSON could not be parsed.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A schema, or an identifier in it, is invalid.
    #[error("invalid schema: {0}")]
    Schema(SchemaError),
}

/// Why a date is refused (spec §3.1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// More days after 1970-01-01 than a date holds.
    #[error("date: {0} days is after 2149-06-06")]
    AfterMax(u64),
    /// A calendar day that does not exist, or is out of range.
    #[error("date {year:04}-{month:02}-{day:02}")]
    NoSuchDay {
        /// The year.
        year: i32,
        /// The month.
        month: u8,
        /// The day.
        day: u8,
    },
    /// Text that is not `YYYY-MM-DD`.
    #[error("date `{}`: expected YYYY-MM-DD", .0.escape_debug())]
    Format(String),
}

/// Why a schema or an identifier is invalid (spec §4.1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// An identifier is not 1 to 64 characters of `a-z`, `0-9` and `_`,
    /// starting with a letter.
    #[error(
        "{what} `{}` must be 1 to 64 characters of a-z, 0-9 and _, starting with a letter",
        value.escape_debug()
    )]
    BadIdent {
        /// What the identifier names (`schema id`, `attribute name`).
        what: &'static str,
        /// The identifier given.
        value: String,
    },
    /// There are no attributes, or more than 64.
    #[error("a schema has 1 to 64 attributes")]
    AttributeCount,
    /// Two attributes have one name.
    #[error("attribute `{0}` appears twice")]
    Repeated(String),
    /// There is not exactly one attribute of category validity, of type date.
    #[error("a schema has exactly one attribute of category validity, of type date (its expiry)")]
    NoExpiry,
}

/// Why attribute values given to a rater do not fit its schema, or a batch
/// size is out of range (spec §4.4).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValuesError {
    /// The schema has no attribute of this name.
    #[error("schema `{schema}` has no attribute `{}`", attribute.escape_debug())]
    Unknown {
        /// The schema id.
        schema: String,
        /// The name given.
        attribute: String,
    },
    /// A value is given twice.
    #[error("attribute `{0}` is given twice")]
    Repeated(String),
    /// A value is missing.
    #[error("attribute `{0}` is missing")]
    Missing(String),
    /// A value is above its attribute's bound.
    #[error("attribute `{attribute}` is above its bound {max}")]
    AboveBound {
        /// The attribute.
        attribute: String,
        /// Its bound.
        max: u64,
    },
    /// The batch size is 0 or above the cap.
    #[error("batch size must be 1 to {cap}")]
    BatchSize {
        /// The cap.
        cap: usize,
    },
}

/// A policy or request that cannot be proven soundly, or does not fit its schemas
/// (spec §5).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A predicate names a schema the request does not trust.
    #[error("predicate {predicate}: no trusted rater for schema `{schema}`")]
    UnknownSchema {
        /// Index of the predicate.
        predicate: usize,
        /// The schema id.
        schema: String,
    },
    /// A predicate names an attribute the schema does not have.
    #[error("predicate {predicate}: schema `{schema}` has no attribute `{attribute}`")]
    UnknownAttribute {
        /// Index of the predicate.
        predicate: usize,
        /// The schema id.
        schema: String,
        /// The attribute name.
        attribute: String,
    },
    /// The predicate can never hold within the schemas' bounds.
    #[error("predicate {predicate} can never hold within the schemas' bounds")]
    Unsatisfiable {
        /// Index of the predicate.
        predicate: usize,
    },
    /// The statement's range does not fit in 64 bits, or its arithmetic overflows.
    #[error("predicate {predicate} cannot be proven soundly within 64 bits")]
    TooWide {
        /// Index of the predicate.
        predicate: usize,
    },
    /// A linear score has no terms, too many, or a zero weight.
    #[error("predicate {predicate}: {reason}")]
    BadFormula {
        /// Index of the predicate.
        predicate: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The verifier id is not in its normalised form (spec §5.1).
    #[error("invalid request: {0}")]
    VerifierId(#[from] crate::verifier_id::VerifierIdError),
    /// The request as a whole is malformed.
    #[error("invalid request: {0}")]
    Invalid(RequestError),
}

/// What is wrong with a request as a whole (spec §5.1, §5.4).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// There are no predicates, or more than 32.
    #[error("a request has 1 to 32 predicates")]
    PredicateCount,
    /// The predicates name more than 8 schemas.
    #[error("a request uses at most 8 credentials")]
    CredentialCount,
    /// More than 64 range statements have one bit width.
    #[error("more than 64 range statements of {bits} bits")]
    RangeStatements {
        /// The width.
        bits: usize,
    },
    /// The verifier id is empty.
    #[error("the verifier id is empty")]
    EmptyVerifierId,
    /// A text field is too long or holds control characters.
    #[error("{what} must be at most {cap} bytes without control characters")]
    Text {
        /// The field.
        what: &'static str,
        /// Its cap in bytes.
        cap: usize,
    },
    /// There are no trusted schemas, or more than 16.
    #[error("a request trusts 1 to 16 schemas")]
    TrustedCount,
    /// A schema id is trusted twice.
    #[error("schema `{0}` is trusted twice")]
    TrustedTwice(String),
    /// A trusted schema has no keys, or more than 8.
    #[error("schema `{0}` needs 1 to 8 trusted keys")]
    KeyCount(String),
    /// A trusted schema names more than 4 epoch lists, one list twice, or a
    /// list of another schema or of a key it does not trust.
    #[error(
        "schema `{0}`: the anonymous mode names 1 to 4 distinct epoch lists of its trusted keys"
    )]
    ListCount(String),
    /// Two rater descriptors give different schemas one id.
    #[error("two different schemas have the id `{0}`")]
    SchemaClash(String),
    /// An internal invariant of compilation does not hold: a bug in this
    /// library, never a property of the input.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<RequestError> for PolicyError {
    fn from(e: RequestError) -> Self {
        PolicyError::Invalid(e)
    }
}

/// Everything that can go wrong in Credence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A policy or request is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A schema is invalid.
    #[error("invalid schema: {0}")]
    Schema(#[from] SchemaError),
    /// Attribute values given to a rater do not fit the schema.
    #[error("invalid attribute values: {0}")]
    Values(#[from] ValuesError),
    /// An issuance request's proof of knowledge does not verify, or it is meant
    /// for another rater or schema.
    #[error("issuance request rejected: {0}")]
    IssuanceRequest(&'static str),
    /// A credential received from a rater does not match its openings, its
    /// holder, or its signature.
    #[error("credential rejected: {0}")]
    CredentialRejected(&'static str),
    /// Credentials received from a rater answer another holder's issuance
    /// request: their holder commitment does not hide this link secret.
    #[error("the credentials were issued for another holder")]
    OtherHolder,
    /// An epoch list is not signed by the expected rater key, is for another
    /// schema, or its signature does not verify.
    #[error("epoch list rejected: {0}")]
    ListRejected(&'static str),
    /// The request asks for the anonymous mode for a schema, and the wallet's
    /// credential of it is in none of the epoch lists the request names:
    /// revoked, or issued after the lists were signed.
    #[error("the `{schema}` credential is not in the rater's epoch list the request names: it was revoked, or it is newer than the list")]
    NotListed {
        /// The schema id.
        schema: String,
    },
    /// The request asks for the anonymous mode for a schema, and the prover
    /// does not hold any of the epoch lists it names.
    #[error("the epoch list of `{schema}` the request names is not available")]
    ListUnavailable {
        /// The schema id.
        schema: String,
    },
    /// The request asks for the anonymous mode for a schema, and the
    /// credential was issued without a digest.
    #[error("the `{schema}` credential has no digest and cannot be shown anonymously: ask the rater to issue it again")]
    NoDigest {
        /// The schema id.
        schema: String,
    },
    /// The holder's values do not satisfy a predicate of the request.
    #[error("predicate {predicate} does not hold for the wallet's values: {description}")]
    PredicateNotMet {
        /// Index of the predicate in the request.
        predicate: usize,
        /// The predicate, as text (no hidden value).
        description: String,
    },
    /// A credential the request needs has expired on the request's reference date.
    #[error("the credential for schema `{schema}` has expired on the reference date")]
    Expired {
        /// The schema id.
        schema: String,
    },
    /// No credential was supplied for a schema the request needs.
    #[error("no credential for schema `{schema}`")]
    MissingCredential {
        /// The schema id.
        schema: String,
    },
    /// A supplied credential does not belong to the given link secret, or is not
    /// one of the request's trusted raters.
    #[error("credential for schema `{schema}` cannot be used: {reason}")]
    UnusableCredential {
        /// The schema id.
        schema: String,
        /// Why.
        reason: Unusable,
    },
    /// The underlying proof system refused to prove (should not happen for a
    /// validated request).
    #[error("proof generation failed")]
    Proving,
    /// An internal invariant does not hold: a bug in this library, never a
    /// property of the input. Please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// Why a held credential cannot answer for a schema of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unusable {
    /// It is of another version of the schema.
    #[error("it is for another version of the schema")]
    OtherSchemaVersion,
    /// The request does not trust the key that signed it.
    #[error("its rater key is not trusted by the request")]
    UntrustedKey,
    /// It was issued to another link secret.
    #[error("it was issued to another link secret")]
    OtherHolder,
    /// Its openings do not have one value per attribute of the schema.
    #[error("its openings do not fit the schema")]
    OpeningShape,
    /// It has expired on the request's reference date.
    #[error("it has expired on the reference date")]
    Expired,
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The facade's errors: a stable code, the library's message, and for a
//! policy syntax error the position. No secret is ever formatted into one.

use std::fmt;

use credence::wallet::WalletError;
use credence::{Error, ParseError};

/// What kind of input or operation failed: the `code` of the JavaScript
/// exception. The strings are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code {
    /// A JavaScript argument is missing or not a string.
    Argument,
    /// A text is not JSON, or is larger than its cap.
    Json,
    /// JSON that does not decode into the Credence value it should hold: a
    /// missing, unknown or mistyped field, bad base64url, an invalid point,
    /// an invalid request.
    Decode,
    /// A policy that does not parse, or a request that cannot be built from
    /// it.
    Policy,
    /// A presentation could not be checked (not: it was checked and is not
    /// satisfying; that is a verdict).
    Verify,
    /// A wallet operation failed; `reason` says which way.
    Wallet,
    /// An epoch list was refused before use: it is not signed by a key the
    /// caller trusts for its schema (the trust list, the request's raters,
    /// or for a wallet the raters of its credentials), or its signature does
    /// not verify.
    List,
}

impl Code {
    /// The string JavaScript sees in `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Argument => "argument",
            Code::Json => "json",
            Code::Decode => "decode",
            Code::Policy => "policy",
            Code::Verify => "verify",
            Code::Wallet => "wallet",
            Code::List => "list",
        }
    }
}

/// An error of the facade, as JavaScript receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The stable code.
    pub code: Code,
    /// The library's message (never a secret).
    pub message: String,
    /// For [`Code::Wallet`]: a stable string naming the failure
    /// (`narrowing`, `all_used`, `predicate_not_met`, `small_list`,
    /// `not_listed`, ...).
    pub reason: Option<&'static str>,
    /// For a policy syntax error: the 1-based column, in characters.
    pub position: Option<usize>,
    /// For a policy syntax error: what the parser expected there.
    pub expected: Option<&'static str>,
}

impl ApiError {
    /// An error with `code` and `message` and nothing else.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            reason: None,
            position: None,
            expected: None,
        }
    }

    /// A JSON error for `what` from serde: a syntax error or an early end is
    /// [`Code::Json`], anything else (a field missing, unknown or of the
    /// wrong type; a value the library refuses) is [`Code::Decode`].
    ///
    /// Only for public inputs: serde quotes the offending value. Secret
    /// inputs (a wallet, issued credentials) go through the library's own
    /// decoders, which never quote one.
    pub fn serde(what: &str, e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let code = match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => Code::Json,
            Category::Data => Code::Decode,
        };
        ApiError::new(code, format!("{what}: {e}"))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<ParseError> for ApiError {
    fn from(e: ParseError) -> Self {
        ApiError {
            code: Code::Policy,
            message: e.to_string(),
            reason: None,
            position: Some(e.column),
            expected: Some(e.expected),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::Decode(_) => Code::Decode,
            Error::ListRejected(_) => Code::List,
            _ => Code::Policy,
        };
        ApiError::new(code, e.to_string())
    }
}

/// The stable `reason` of a wallet error.
fn wallet_reason(e: &WalletError) -> &'static str {
    match e {
        WalletError::Format(_) => "format",
        WalletError::NoPendingRequest => "no_pending_request",
        WalletError::AllUsed { .. } => "all_used",
        WalletError::Narrowing(_) => "narrowing",
        WalletError::Encode => "encode",
        WalletError::SmallList { .. } => "small_list",
        WalletError::ListSplit { .. } => "list_split",
        WalletError::Credence(e) => match e {
            Error::Decode(_) => "decode",
            Error::Policy(_) => "policy",
            Error::CredentialRejected(_) => "credential_rejected",
            Error::OtherHolder => "other_holder",
            Error::PredicateNotMet { .. } => "predicate_not_met",
            Error::Expired { .. } => "expired",
            Error::MissingCredential { .. } => "missing_credential",
            Error::UnusableCredential { .. } => "unusable_credential",
            Error::NotListed { .. } => "not_listed",
            Error::ListUnavailable { .. } => "list_unavailable",
            Error::NoDigest { .. } => "no_digest",
            Error::ListRejected(_) => "list_rejected",
            _ => "other",
        },
        _ => "other",
    }
}

impl From<WalletError> for ApiError {
    fn from(e: WalletError) -> Self {
        ApiError {
            code: Code::Wallet,
            reason: Some(wallet_reason(&e)),
            message: e.to_string(),
            position: None,
            expected: None,
        }
    }
}

impl From<credence::verifier::VerifierError> for ApiError {
    fn from(e: credence::verifier::VerifierError) -> Self {
        ApiError::new(Code::Verify, e.to_string())
    }
}

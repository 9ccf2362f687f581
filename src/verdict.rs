//! Verdicts: what a verifier learns from checking a presentation (spec §8.2).

use std::fmt;

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::schema::Category;
use crate::statement::PredicateReport;

/// Why a presentation does not satisfy a request: what a verifier can act on,
/// and no finer cryptographic detail (spec §8.2).
///
/// The first seven reasons come from checking the presentation against the
/// request (spec §8.1); the others from the verifier's state and its current
/// trust list (spec/wallet.md §8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rejection {
    /// The presentation answers another request (other nonce, verifier,
    /// date, policy or trusted raters).
    RequestMismatch,
    /// The presentation does not have the shape the request calls for.
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// A credential is not of the schema its slot calls for, or not of the
    /// trusted version of it.
    SchemaMismatch {
        /// Index of the credential in the presentation.
        credential: usize,
        /// The schema the slot calls for.
        schema: String,
    },
    /// A credential is signed by a key the request does not trust.
    UntrustedRater {
        /// Index of the credential.
        credential: usize,
        /// The schema.
        schema: String,
    },
    /// A credential's rater signature does not verify.
    BadSignature {
        /// Index of the credential.
        credential: usize,
        /// The schema.
        schema: String,
    },
    /// The request names an epoch list for a credential shown in the
    /// anonymous mode that the verifier does not hold (checked against its
    /// rater).
    ListUnavailable {
        /// Index of the credential.
        credential: usize,
        /// The schema.
        schema: String,
    },
    /// A range proof or the sigma proof does not verify. The transcript binds
    /// the request, every credential and every disclosed value, so any change
    /// to any of them makes the first proof fail; the failure is therefore not
    /// attributed to one predicate.
    ProofInvalid,
    /// The request was already answered by a satisfying presentation: its
    /// nonce is spent.
    Replayed,
    /// The request's lifetime is over.
    Expired,
    /// The request had as many rejected presentations as the verifier allows,
    /// and takes no more.
    Closed,
    /// A credential is signed by a key the request trusted, but that the
    /// verifier's trust list no longer holds for its schema (a retired key).
    RetiredKey {
        /// Index of the credential.
        credential: usize,
        /// The schema.
        schema: String,
    },
    /// The verifier's trust list now holds a different schema under the
    /// credential's schema id than the request was made with.
    SchemaChanged {
        /// Index of the credential.
        credential: usize,
        /// The schema id.
        schema: String,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::RequestMismatch => f.write_str("the presentation answers another request"),
            Rejection::Malformed { detail } => write!(f, "malformed presentation: {detail}"),
            Rejection::SchemaMismatch { credential, schema } => {
                write!(
                    f,
                    "credential {credential} is not a `{schema}` credential of the trusted schema"
                )
            }
            Rejection::UntrustedRater { credential, schema } => {
                write!(
                    f,
                    "credential {credential} (`{schema}`) is signed by an untrusted rater key"
                )
            }
            Rejection::BadSignature { credential, schema } => {
                write!(
                    f,
                    "credential {credential} (`{schema}`) has an invalid rater signature"
                )
            }
            Rejection::ListUnavailable { credential, schema } => write!(
                f,
                "credential {credential} (`{schema}`): the verifier does not hold the epoch list the request names"
            ),
            Rejection::ProofInvalid => f.write_str(
                "a zero-knowledge proof does not verify: the presentation was altered or made for other data",
            ),
            Rejection::Replayed => f.write_str("the request was answered before"),
            Rejection::Expired => f.write_str("the request's lifetime is over"),
            Rejection::Closed => {
                f.write_str("the request is closed after too many rejected presentations")
            }
            Rejection::RetiredKey { credential, schema } => write!(
                f,
                "credential {credential} (`{schema}`) is signed by a key the verifier no longer trusts"
            ),
            Rejection::SchemaChanged { credential, schema } => write!(
                f,
                "credential {credential}: the verifier now trusts another schema under the id `{schema}`"
            ),
        }
    }
}

/// A disclosed attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// `schema.attribute`.
    pub attribute: String,
    /// Its value.
    pub value: u64,
}

/// The outcome of verification (spec §8.2): satisfied with the disclosed
/// values, or the reason not; and the statements checked with the attributes
/// (and categories) each relied on. It carries no hidden value.
///
/// A verdict is either satisfied or carries a rejection, never both: it is
/// built from one outcome and cannot be edited.
///
/// Its JSON form (output only) is `{"satisfied": bool, "rejection": {...}
/// (only when not satisfied), "statements": [...], "disclosed": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    outcome: Result<Vec<Disclosure>, Rejection>,
    statements: Vec<PredicateReport>,
    pseudonym: Option<[u8; 32]>,
}

impl Verdict {
    /// A verdict with `outcome`: the disclosed values when satisfied, else
    /// the rejection.
    pub(crate) fn new(
        statements: Vec<PredicateReport>,
        outcome: Result<Vec<Disclosure>, Rejection>,
    ) -> Self {
        Verdict {
            outcome,
            statements,
            pseudonym: None,
        }
    }

    /// The satisfied verdict, with the holder's proven pseudonym.
    pub(crate) fn with_pseudonym(mut self, pseudonym: [u8; 32]) -> Self {
        if self.outcome.is_ok() {
            self.pseudonym = Some(pseudonym);
        }
        self
    }

    /// The holder's pseudonym for this verifier (spec §7.5), proven, when the
    /// request asked for it and the presentation satisfies it: equal for
    /// every presentation of one holder to this verifier id.
    pub fn pseudonym(&self) -> Option<&[u8; 32]> {
        self.pseudonym.as_ref()
    }

    /// The same statements, rejected for `reason` (nothing disclosed).
    pub(crate) fn rejected(self, reason: Rejection) -> Self {
        Verdict {
            outcome: Err(reason),
            statements: self.statements,
            pseudonym: None,
        }
    }

    /// Whether the presentation satisfies the request.
    pub fn is_satisfied(&self) -> bool {
        self.outcome.is_ok()
    }

    /// Why the presentation does not satisfy the request; `None` when it does.
    pub fn rejection(&self) -> Option<&Rejection> {
        self.outcome.as_ref().err()
    }

    /// The statements of the request, each with the attributes it relies on:
    /// the predicates as the request writes them, then each credential's
    /// validity on the reference date (spec §8.2).
    pub fn statements(&self) -> &[PredicateReport] {
        &self.statements
    }

    /// The values disclosed by `reveal` predicates, in the request's order;
    /// empty unless satisfied.
    pub fn disclosed(&self) -> &[Disclosure] {
        match &self.outcome {
            Ok(d) => d,
            Err(_) => &[],
        }
    }

    /// Whether any statement relied on an attribute of `category`.
    pub fn uses_category(&self, category: Category) -> bool {
        self.statements
            .iter()
            .any(|s| s.attributes.iter().any(|a| a.category == category))
    }
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rejection = self.rejection();
        let fields = 3 + usize::from(rejection.is_some()) + usize::from(self.pseudonym.is_some());
        let mut s = serializer.serialize_struct("Verdict", fields)?;
        s.serialize_field("satisfied", &self.is_satisfied())?;
        match rejection {
            Some(r) => s.serialize_field("rejection", r)?,
            None => s.skip_field("rejection")?,
        }
        s.serialize_field("statements", &self.statements)?;
        s.serialize_field("disclosed", self.disclosed())?;
        match &self.pseudonym {
            Some(p) => s.serialize_field("pseudonym", &crate::wire::b64::encode(p))?,
            None => s.skip_field("pseudonym")?,
        }
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::AttributeUse;

    fn statements() -> Vec<PredicateReport> {
        vec![PredicateReport {
            statement: "bank.liquidity_eur >= 5000".into(),
            attributes: vec![AttributeUse {
                attribute: "bank.liquidity_eur".into(),
                category: Category::Financial,
            }],
        }]
    }

    #[test]
    fn json_form_is_the_one_the_tool_prints() {
        let ok = Verdict::new(
            statements(),
            Ok(vec![Disclosure {
                attribute: "bank.liquidity_eur".into(),
                value: 7,
            }]),
        );
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"satisfied":true,"statements":[{"statement":"bank.liquidity_eur >= 5000","attributes":[{"attribute":"bank.liquidity_eur","category":"financial"}]}],"disclosed":[{"attribute":"bank.liquidity_eur","value":7}]}"#
        );
        let no = ok.rejected(Rejection::RetiredKey {
            credential: 0,
            schema: "bank".into(),
        });
        assert!(!no.is_satisfied());
        assert!(no.disclosed().is_empty());
        assert_eq!(
            serde_json::to_string(&no).unwrap(),
            r#"{"satisfied":false,"rejection":{"reason":"retired_key","credential":0,"schema":"bank"},"statements":[{"statement":"bank.liquidity_eur >= 5000","attributes":[{"attribute":"bank.liquidity_eur","category":"financial"}]}],"disclosed":[]}"#
        );
        for (r, name) in [
            (Rejection::Replayed, "replayed"),
            (Rejection::Expired, "expired"),
            (Rejection::Closed, "closed"),
        ] {
            let v = Verdict::new(statements(), Err(r));
            let json = serde_json::to_value(&v).unwrap();
            assert_eq!(json["rejection"], serde_json::json!({ "reason": name }));
        }
        let changed = serde_json::to_value(Rejection::SchemaChanged {
            credential: 1,
            schema: "court".into(),
        })
        .unwrap();
        assert_eq!(
            changed,
            serde_json::json!({"reason": "schema_changed", "credential": 1, "schema": "court"})
        );
    }
}

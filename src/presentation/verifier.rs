//! Checking a presentation against the verifier's own request (spec §8).

use std::fmt;

use rand_core::{CryptoRng, RngCore};
use serde::Serialize;

use super::equation::{self, Equation};
use super::statements::{self, BaseMultiples, Plan};
use super::Presentation;
use crate::credential::RaterPublicKey;
use crate::policy::Predicate;
use crate::request::ProofRequest;
use crate::schema::Category;
use crate::wire::Point;

/// Why a presentation does not satisfy a request: what a verifier can act on,
/// and no finer cryptographic detail (spec §8.2).
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
    /// A range proof or the sigma proof does not verify. The transcript binds
    /// the request, every credential and every disclosed value, so any change
    /// to any of them makes the first proof fail; the failure is therefore not
    /// attributed to one predicate.
    ProofInvalid,
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
            Rejection::ProofInvalid => f.write_str(
                "a zero-knowledge proof does not verify: the presentation was altered or made for other data",
            ),
        }
    }
}

/// An attribute a predicate relies on, and its category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttributeUse {
    /// `schema.attribute`.
    pub attribute: String,
    /// Its category.
    pub category: Category,
}

/// One checked statement and the attributes it relied on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PredicateReport {
    /// The statement, as text: a predicate of the request, or a credential's
    /// validity on the reference date.
    pub statement: String,
    /// The attributes it relied on.
    pub attributes: Vec<AttributeUse>,
}

/// A disclosed attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// `schema.attribute`.
    pub attribute: String,
    /// Its value.
    pub value: u64,
}

/// The outcome of verification (spec §8.2): satisfied or the reason not; the
/// statements checked and the attributes (with categories) each relied on;
/// the disclosed values when satisfied. It carries no hidden value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the presentation satisfies the request.
    pub satisfied: bool,
    /// Why not, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    /// The statements of the request, each with the attributes it relies on.
    pub statements: Vec<PredicateReport>,
    /// The values disclosed by `reveal` predicates (empty unless satisfied).
    pub disclosed: Vec<Disclosure>,
}

impl Verdict {
    /// Whether the presentation satisfies the request.
    pub fn is_satisfied(&self) -> bool {
        self.satisfied
    }
    /// Whether any statement relied on an attribute of `category`.
    pub fn uses_category(&self, category: Category) -> bool {
        self.statements
            .iter()
            .any(|s| s.attributes.iter().any(|a| a.category == category))
    }
}

/// The request's statements, each with the attributes it relies on: the
/// predicates, then each slot's validity on the reference date.
pub(crate) fn reports(request: &ProofRequest, plan: &Plan) -> Vec<PredicateReport> {
    let category = |schema: &str, attr: &str| {
        request.trusted_for(schema).and_then(|t| {
            t.schema
                .index_of(attr)
                .map(|i| t.schema.attributes()[i].category)
        })
    };
    let mut out: Vec<PredicateReport> = request
        .predicates()
        .iter()
        .map(|p: &Predicate| PredicateReport {
            statement: p.to_string(),
            attributes: p
                .attributes()
                .into_iter()
                .filter_map(|a| {
                    category(&a.schema, &a.attribute).map(|category| AttributeUse {
                        attribute: a.to_string(),
                        category,
                    })
                })
                .collect(),
        })
        .collect();
    for &t in &plan.slots {
        let schema = &request.trusted()[t].schema;
        let expiry = &schema.attributes()[schema.expiry_index()];
        let attribute = format!("{}.{}", schema.id(), expiry.name);
        out.push(PredicateReport {
            statement: format!("{attribute} >= {}", request.date()),
            attributes: vec![AttributeUse {
                attribute,
                category: Category::Validity,
            }],
        });
    }
    out
}

/// The RNG for verification weights: seeded once from the operating system,
/// so that drawing many weights costs no system calls.
pub(crate) fn weights_rng() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    use rand_core::RngCore;
    let mut seed = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut seed);
    rand::rngs::StdRng::from_seed(seed)
}

/// The signed message, signature and trusted key of every credential of a
/// presentation whose structure checks passed.
pub(crate) struct SignatureCheck<'a> {
    pub message: Vec<u8>,
    pub signature: ed25519_dalek::Signature,
    pub key: &'a RaterPublicKey,
    pub credential: usize,
    pub schema: &'a str,
}

impl Presentation {
    /// Checks this presentation against the verifier's own `request`
    /// (spec §8.1). Every statement is derived from the request and the
    /// rater-signed credentials; nothing derived is taken from the
    /// presentation. The caller must also check that the request's nonce has
    /// not been answered before.
    pub fn verify_with_rng<R: RngCore + CryptoRng>(
        &self,
        request: &ProofRequest,
        rng: &mut R,
    ) -> Verdict {
        let outcome = self.check(request, rng);
        self.verdict(request, outcome)
    }

    /// Spec §8.1: every check of one presentation.
    fn check<R: RngCore + CryptoRng>(
        &self,
        request: &ProofRequest,
        rng: &mut R,
    ) -> Result<(), Rejection> {
        let plan = request.plan();
        let sigs = self.check_structure(request, plan)?;
        for s in &sigs {
            s.key
                .verifying_key()
                .verify_strict(&s.message, &s.signature)
                .map_err(|_| s.rejection())?;
        }
        let mut eq = self.equation(request, plan, &mut BaseMultiples::default(), rng)?;
        equation::finish(&mut [&mut eq], rng);
        if equation::holds(&[&eq]) {
            Ok(())
        } else {
            Err(Rejection::ProofInvalid)
        }
    }

    /// [`Presentation::verify_with_rng`] with a ChaCha RNG seeded from the
    /// operating system.
    pub fn verify(&self, request: &ProofRequest) -> Verdict {
        self.verify_with_rng(request, &mut weights_rng())
    }

    /// The verdict for `outcome`, listing the request's statements, and the
    /// disclosed values when satisfied.
    pub(crate) fn verdict(
        &self,
        request: &ProofRequest,
        outcome: Result<(), Rejection>,
    ) -> Verdict {
        let statements = request.reports().to_vec();
        let plan = request.plan();
        match outcome {
            Ok(()) => Verdict {
                satisfied: true,
                rejection: None,
                disclosed: plan
                    .reveals
                    .iter()
                    .zip(&self.disclosed)
                    .map(|(&(slot, attr), &value)| {
                        let schema = &request.trusted()[plan.slots[slot]].schema;
                        Disclosure {
                            attribute: format!(
                                "{}.{}",
                                schema.id(),
                                schema.attributes()[attr].name
                            ),
                            value,
                        }
                    })
                    .collect(),
                statements,
            },
            Err(rejection) => Verdict {
                satisfied: false,
                rejection: Some(rejection),
                statements,
                disclosed: Vec::new(),
            },
        }
    }

    /// Spec §8.1 steps 2 to 6: everything but the signatures and the proofs.
    /// Returns what the signature checks need.
    pub(crate) fn check_structure<'a>(
        &'a self,
        request: &'a ProofRequest,
        plan: &Plan,
    ) -> Result<Vec<SignatureCheck<'a>>, Rejection> {
        let malformed = |detail: String| Rejection::Malformed { detail };
        if self.request_digest != request.digest() {
            return Err(Rejection::RequestMismatch);
        }
        if self.credentials.len() != plan.slots.len() {
            return Err(malformed(format!(
                "expected {} credentials, found {}",
                plan.slots.len(),
                self.credentials.len()
            )));
        }
        let mut sigs = Vec::with_capacity(self.credentials.len());
        for (i, (c, &t)) in self.credentials.iter().zip(&plan.slots).enumerate() {
            let tr = &request.trusted()[t];
            let schema = tr.schema.id();
            if c.schema_id() != schema
                || c.schema_digest() != &tr.schema.digest()
                || c.commitments().len() != tr.schema.attributes().len()
            {
                return Err(Rejection::SchemaMismatch {
                    credential: i,
                    schema: schema.to_owned(),
                });
            }
            let Some(key) = tr.keys.iter().find(|k| k.key_id() == c.key_id()) else {
                return Err(Rejection::UntrustedRater {
                    credential: i,
                    schema: schema.to_owned(),
                });
            };
            let (message, signature) = c.signed_parts();
            sigs.push(SignatureCheck {
                message,
                signature,
                key,
                credential: i,
                schema,
            });
        }
        if self.disclosed.len() != plan.reveals.len() {
            return Err(malformed(format!(
                "expected {} disclosed values, found {}",
                plan.reveals.len(),
                self.disclosed.len()
            )));
        }
        let widths: Vec<usize> = plan.groups().iter().map(|(b, _)| *b).collect();
        let found: Vec<usize> = self.range_proofs.iter().map(|g| g.bits).collect();
        if widths != found {
            return Err(malformed(format!(
                "expected range proofs of widths {widths:?}, found {found:?}"
            )));
        }
        Ok(sigs)
    }

    /// Spec §8.1 steps 7 to 9: replays the transcript and returns the range
    /// proofs' and the sigma proof's checks as one equation, whose range
    /// proofs [`equation::finish`] completes.
    pub(crate) fn equation<'a, R: RngCore + CryptoRng>(
        &'a self,
        request: &ProofRequest,
        plan: &Plan,
        base: &mut BaseMultiples,
        rng: &mut R,
    ) -> Result<Equation<'a>, Rejection> {
        let malformed = |e: crate::DecodeError| Rejection::Malformed {
            detail: e.to_string(),
        };
        let points = &self.points;
        let mut t = statements::transcript(request, &self.credentials, &self.disclosed);
        let mut eq = Equation::default();
        let identity = statements::identity();
        for ((bits, idx), g) in plan.groups().iter().zip(&self.range_proofs) {
            statements::bind_group(&mut t, *bits, idx.len());
            let mut commitments = Vec::with_capacity(statements::padded_len(idx.len()));
            for &i in idx {
                let p = points.derived(&plan.ranges[i], base).map_err(malformed)?;
                commitments.push(Point::new(p));
            }
            commitments.resize(statements::padded_len(idx.len()), identity);
            let parts = g.parts().map_err(malformed)?;
            eq.add_range_proof(&mut t, *bits, &commitments, parts)
                .map_err(|_| Rejection::ProofInvalid)?;
        }
        let relations = points
            .relations(plan, &self.disclosed, base)
            .map_err(malformed)?;
        eq.add_sigma(&mut t, &relations, plan.witness_count(), &self.sigma, rng)
            .map_err(|_| Rejection::ProofInvalid)?;
        Ok(eq)
    }
}

impl SignatureCheck<'_> {
    pub(crate) fn rejection(&self) -> Rejection {
        Rejection::BadSignature {
            credential: self.credential,
            schema: self.schema.to_owned(),
        }
    }
}

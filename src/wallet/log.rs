//! The disclosure log (spec/wallet.md §5): what each verifier was shown.

use serde::{Deserialize, Serialize};

use super::probing::{facts_of_predicates, Fact, Statement};
use crate::policy::{AttrRef, Comparison, Date, Predicate};
use crate::request::ProofRequest;

/// One presentation the wallet made: to whom, when, why, and what it proved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureRecord {
    /// The request's reference date.
    pub date: Date,
    /// The request's stated purpose.
    pub purpose: String,
    /// The request's predicates, as written.
    pub predicates: Vec<Predicate>,
    /// The expiry attribute of each credential presented: each was shown to
    /// be on or after `date`.
    pub valid_on_date: Vec<AttrRef>,
}

/// Whether a predicate is a score compared with `<=`.
pub(super) fn is_at_most(p: &Predicate) -> bool {
    matches!(
        p,
        Predicate::Linear {
            cmp: Comparison::AtMost,
            ..
        }
    )
}

impl DisclosureRecord {
    /// What a presentation answering `request` shows its verifier.
    pub(super) fn of(request: &ProofRequest) -> Self {
        let mut valid_on_date = Vec::new();
        for schema in request.schemas() {
            if let Some(expiry) = schema.attributes().get(schema.expiry_index()) {
                if let Ok(attr) = AttrRef::new(schema.id(), &expiry.name) {
                    valid_on_date.push(attr);
                }
            }
        }
        DisclosureRecord {
            date: request.date(),
            purpose: request.purpose().to_owned(),
            predicates: request.predicates().to_vec(),
            valid_on_date,
        }
    }

    /// The predicates as written, then `expiry >= date` for each credential.
    /// The verifier learned what they say once repeated terms are merged
    /// (see [`DisclosureRecord::statements`]).
    pub fn learned(&self) -> Vec<Predicate> {
        let mut out = self.predicates.clone();
        out.extend(
            self.valid_on_date
                .iter()
                .map(|a| Predicate::at_least(a.clone(), self.date.days())),
        );
        out
    }

    /// Everything the verifier learned, as text: each predicate with its
    /// terms merged as the proof merged them (spec §5.4), then
    /// `expiry >= YYYY-MM-DD` for each credential.
    pub fn statements(&self) -> Vec<String> {
        let mut out: Vec<String> = facts_of_predicates(&self.predicates)
            .iter()
            .zip(&self.predicates)
            .map(|(facts, p)| {
                Statement {
                    facts,
                    at_most: is_at_most(p),
                }
                .to_string()
            })
            .collect();
        out.extend(
            self.valid_on_date
                .iter()
                .map(|a| format!("{a} >= {}", self.date)),
        );
        out
    }

    /// Everything the verifier learned, merged.
    pub(super) fn facts(&self) -> Vec<Fact> {
        let mut out: Vec<Fact> = facts_of_predicates(&self.predicates)
            .into_iter()
            .flatten()
            .collect();
        out.extend(self.valid_on_date.iter().map(|a| Fact::Range {
            terms: vec![(a.clone(), 1)],
            constant: -i128::from(self.date.days()),
        }));
        out
    }
}

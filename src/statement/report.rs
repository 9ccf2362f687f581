//! The request's statements as a verdict lists them (spec §8.2): each with
//! the attributes it relies on and their categories.

use serde::Serialize;

use super::Plan;
use crate::policy::{Date, Predicate};
use crate::schema::Category;

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
    /// The statement, as text: a predicate of the request as written, or a
    /// credential's validity on the reference date.
    pub statement: String,
    /// The attributes it relied on.
    pub attributes: Vec<AttributeUse>,
}

impl Plan {
    /// The request's statements, each with the attributes it relies on: the
    /// predicates as written, then each slot's validity on `date`.
    pub(super) fn reports_for(&self, predicates: &[Predicate], date: Date) -> Vec<PredicateReport> {
        let category = |schema: &str, attr: &str| {
            let s = &self.slots.iter().find(|s| s.rater.schema.id() == schema)?;
            let i = s.rater.schema.index_of(attr)?;
            Some(s.rater.schema.attributes().get(i)?.category)
        };
        predicates
            .iter()
            .map(|p| PredicateReport {
                statement: p.to_string(),
                attributes: p
                    .attributes()
                    .into_iter()
                    .filter_map(|a| {
                        category(a.schema(), a.attribute()).map(|category| AttributeUse {
                            attribute: a.to_string(),
                            category,
                        })
                    })
                    .collect(),
            })
            .chain(self.slots.iter().filter_map(|s| {
                let expiry = s.rater.schema.attributes().get(s.expiry)?;
                let attribute = format!("{}.{}", s.rater.schema.id(), expiry.name);
                Some(PredicateReport {
                    statement: format!("{attribute} >= {date}"),
                    attributes: vec![AttributeUse {
                        attribute,
                        category: Category::Validity,
                    }],
                })
            }))
            .collect()
    }
}

//! Compiling a request into statements, with the soundness checks
//! (spec §5.4).

use super::{
    AttrAt, LinearTerm, OpeningStatement, Plan, RangeGroup, RangeStatement, Slot, StatementOrigin,
    ValueSource,
};
use crate::descriptor::TrustedRater;
use crate::errors::{PolicyError, RequestError};
use crate::policy::{AttrRef, Comparison, Date, Predicate};
use crate::range::{width_for, WIDTHS};
use crate::wire::caps;

impl Plan {
    /// Compiles a request's predicates over its trusted raters and reference
    /// date into statements, checking that every one can be proven soundly
    /// (spec §5.4).
    ///
    /// # Errors
    /// A [`PolicyError`] naming the predicate that names an unknown schema or
    /// attribute, can never hold, or does not fit 64 bits; or the cap that the
    /// request exceeds.
    pub fn compile(
        predicates: &[Predicate],
        trusted: &[TrustedRater],
        date: Date,
    ) -> Result<Plan, PolicyError> {
        if predicates.is_empty() || predicates.len() > caps::PREDICATES {
            return Err(RequestError::PredicateCount.into());
        }
        let mut plan = Plan::default();
        for (i, p) in predicates.iter().enumerate() {
            // Resolve each attribute to its place and bound, adding slots in
            // order of first use.
            let mut resolved: Vec<(&AttrRef, AttrAt)> = Vec::new();
            for a in p.attributes() {
                let at = plan.resolve(trusted, i, a)?;
                resolved.push((a, at));
            }
            let find = |r: &AttrRef| {
                resolved
                    .iter()
                    .find(|(a, _)| *a == r)
                    .map(|&(_, at)| at)
                    .ok_or(RequestError::Internal("unresolved attribute"))
            };
            let one = |at: AttrAt, weight: i128| vec![LinearTerm { at, weight }];
            match p {
                Predicate::AtLeast { attr, min } => {
                    let at = find(attr)?;
                    plan.range(i, one(at, 1), -i128::from(*min))?;
                }
                Predicate::AtMost { attr, max } => {
                    let at = find(attr)?;
                    plan.range(i, one(at, -1), i128::from(*max))?;
                }
                Predicate::Between { attr, min, max } => {
                    let at = find(attr)?;
                    if min > max {
                        return Err(PolicyError::Unsatisfiable { predicate: i });
                    }
                    plan.range(i, one(at, 1), -i128::from(*min))?;
                    plan.range(i, one(at, -1), i128::from(*max))?;
                }
                Predicate::Equals { attr, value } => {
                    let at = find(attr)?;
                    if *value > plan.max(at) {
                        return Err(PolicyError::Unsatisfiable { predicate: i });
                    }
                    plan.openings.push(OpeningStatement {
                        at,
                        value: ValueSource::Constant(*value),
                        predicate: i,
                    });
                }
                Predicate::Reveal { attr } => {
                    let at = find(attr)?;
                    plan.openings.push(OpeningStatement {
                        at,
                        value: ValueSource::Disclosed(plan.reveals.len()),
                        predicate: i,
                    });
                    plan.reveals.push(at);
                }
                Predicate::Linear {
                    terms,
                    cmp,
                    threshold,
                } => {
                    if terms.is_empty() || terms.len() > caps::TERMS {
                        return Err(PolicyError::BadFormula {
                            predicate: i,
                            reason: "a linear score has 1 to 16 terms",
                        });
                    }
                    let sign: i128 = match cmp {
                        Comparison::AtLeast => 1,
                        Comparison::AtMost => -1,
                    };
                    let mut merged: Vec<LinearTerm> = Vec::new();
                    for t in terms {
                        if t.weight == 0 {
                            return Err(PolicyError::BadFormula {
                                predicate: i,
                                reason: "a weight is zero",
                            });
                        }
                        let at = find(&t.attr)?;
                        let weight = sign * i128::from(t.weight);
                        match merged.iter_mut().find(|m| m.at == at) {
                            Some(m) => m.weight += weight,
                            None => merged.push(LinearTerm { at, weight }),
                        }
                    }
                    merged.retain(|m| m.weight != 0);
                    plan.range(i, merged, -sign * i128::from(*threshold))?;
                }
            }
        }
        if plan.slots.len() > caps::CREDENTIALS {
            return Err(RequestError::CredentialCount.into());
        }
        // Validity: every credential's expiry is on or after the reference date.
        let days = i128::from(date.days());
        for slot in 0..plan.slots.len() {
            let at = AttrAt {
                slot,
                attr: plan.slots[slot].expiry,
            };
            let hi = i128::from(plan.max(at)) - days;
            let bits = width_for(hi).ok_or(RequestError::Internal("expiry width"))?;
            plan.ranges.push(RangeStatement {
                bits,
                terms: vec![LinearTerm { at, weight: 1 }],
                constant: -days,
                origin: StatementOrigin::Expiry(slot),
            });
        }
        for bits in WIDTHS {
            if plan.ranges.iter().filter(|r| r.bits == bits).count()
                > caps::RANGE_STATEMENTS_PER_WIDTH
            {
                return Err(RequestError::RangeStatements { bits }.into());
            }
        }
        let mut used: Vec<AttrAt> = plan
            .ranges
            .iter()
            .flat_map(|r| r.terms.iter().map(|t| t.at))
            .chain(plan.openings.iter().map(|o| o.at))
            .collect();
        used.sort_by_key(|a| (a.slot, a.attr));
        used.dedup();
        for at in used {
            if let Some(s) = plan.slots.get_mut(at.slot) {
                s.used.push(at.attr);
            }
        }
        plan.groups = plan.group_statements();
        plan.reports = plan.reports_for(predicates, date);
        Ok(plan)
    }

    /// The slot and index of attribute `a` of predicate `i`, adding a slot for
    /// its schema if it has none yet.
    fn resolve(
        &mut self,
        trusted: &[TrustedRater],
        i: usize,
        a: &AttrRef,
    ) -> Result<AttrAt, PolicyError> {
        let rater = trusted
            .iter()
            .find(|t| t.schema.id() == a.schema())
            .ok_or_else(|| PolicyError::UnknownSchema {
                predicate: i,
                schema: a.schema().to_owned(),
            })?;
        let attr =
            rater
                .schema
                .index_of(a.attribute())
                .ok_or_else(|| PolicyError::UnknownAttribute {
                    predicate: i,
                    schema: a.schema().to_owned(),
                    attribute: a.attribute().to_owned(),
                })?;
        let slot = match self
            .slots
            .iter()
            .position(|s| s.rater.schema.id() == rater.schema.id())
        {
            Some(s) => s,
            None => {
                self.slots.push(Slot {
                    rater: rater.clone(),
                    expiry: rater.schema.expiry_index(),
                    used: Vec::new(),
                });
                self.slots.len() - 1
            }
        };
        Ok(AttrAt { slot, attr })
    }

    /// The schema bound of an attribute (0 for an attribute the plan does not
    /// have, which compilation never produces).
    fn max(&self, at: AttrAt) -> u64 {
        self.slots
            .get(at.slot)
            .and_then(|s| s.rater.schema.attributes().get(at.attr))
            .map_or(0, |a| a.kind.max())
    }

    /// Adds `Σ w·v + constant ∈ [0, 2^bits)` for predicate `i`, with the width
    /// from the schemas' bounds, refusing a statement that never holds or whose
    /// range does not fit 64 bits.
    fn range(
        &mut self,
        i: usize,
        terms: Vec<LinearTerm>,
        constant: i128,
    ) -> Result<(), PolicyError> {
        let too_wide = PolicyError::TooWide { predicate: i };
        let (mut lo, mut hi) = (constant, constant);
        for t in &terms {
            let max = i128::from(self.max(t.at));
            let v = t.weight.checked_mul(max).ok_or(too_wide.clone())?;
            if v < 0 {
                lo = lo.checked_add(v).ok_or(too_wide.clone())?;
            } else {
                hi = hi.checked_add(v).ok_or(too_wide.clone())?;
            }
        }
        if hi < 0 {
            return Err(PolicyError::Unsatisfiable { predicate: i });
        }
        // Soundness: the statement's value lies in [lo, hi]; a proof shows it is
        // in [0, 2^bits) modulo the group order ℓ > 2^252. With hi < 2^64 and
        // lo > -2^127, no negative value wraps into the proven range.
        let bits = width_for(hi).ok_or(too_wide.clone())?;
        if lo <= -(1i128 << 126) {
            return Err(too_wide);
        }
        self.ranges.push(RangeStatement {
            bits,
            terms,
            constant,
            origin: StatementOrigin::Predicate(i),
        });
        Ok(())
    }

    fn group_statements(&self) -> Vec<RangeGroup> {
        WIDTHS
            .into_iter()
            .map(|bits| RangeGroup {
                bits,
                statements: (0..self.ranges.len())
                    .filter(|&i| self.ranges[i].bits == bits)
                    .collect(),
            })
            .filter(|g| !g.statements.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::RaterSigningKey;
    use crate::schema::{Attribute, AttributeKind, Category, Schema};

    fn plan(max: u64, predicates: Vec<Predicate>) -> Result<Plan, PolicyError> {
        let schema = Schema::new(
            "s",
            1,
            vec![
                Attribute {
                    name: "x".into(),
                    kind: AttributeKind::Uint { max },
                    category: Category::Financial,
                },
                Attribute {
                    name: "y".into(),
                    kind: AttributeKind::Uint { max: 100 },
                    category: Category::Financial,
                },
                Attribute {
                    name: "e".into(),
                    kind: AttributeKind::Date,
                    category: Category::Validity,
                },
            ],
        )
        .unwrap();
        let key = RaterSigningKey::from_bytes(&[9; 32]).public_key();
        let trusted = [TrustedRater {
            schema,
            keys: vec![key],
            lists: Vec::new(),
        }];
        Plan::compile(&predicates, &trusted, Date::from_days(20_000).unwrap())
    }

    fn widths(max: u64, p: Predicate) -> Vec<usize> {
        let plan = plan(max, vec![p]).unwrap();
        plan.ranges.iter().map(|r| r.bits).collect()
    }

    fn x() -> AttrRef {
        AttrRef::parse("s.x").unwrap()
    }

    #[test]
    fn smallest_width_that_the_bounds_allow() {
        // The expiry statement is last: 65535 - 20000 needs 16 bits.
        assert_eq!(widths(255, Predicate::at_least(x(), 0)), vec![8, 16]);
        assert_eq!(widths(256, Predicate::at_least(x(), 0)), vec![16, 16]);
        assert_eq!(widths(256, Predicate::at_least(x(), 1)), vec![8, 16]);
        assert_eq!(widths(70_000, Predicate::at_least(x(), 5000)), vec![16, 16]);
        assert_eq!(widths(u64::MAX, Predicate::at_least(x(), 0)), vec![64, 16]);
        assert_eq!(widths(u64::MAX, Predicate::at_most(x(), 255)), vec![8, 16]);
        assert_eq!(
            widths(1 << 32, Predicate::between(x(), 7, 1 << 20)),
            vec![32, 32, 16]
        );
        // 3x - 2y >= 40, x <= 1000: hi = 3000 - 40.
        let p = Predicate::linear(
            vec![(3, x()), (-2, AttrRef::parse("s.y").unwrap())],
            Comparison::AtLeast,
            40,
        );
        assert_eq!(widths(1000, p), vec![16, 16]);
        // Equalities need no range statement.
        assert_eq!(widths(255, Predicate::equals(x(), 3)), vec![16]);
    }

    #[test]
    fn statements_and_slots() {
        let plan = plan(
            1000,
            vec![
                Predicate::equals(x(), 3),
                Predicate::reveal(AttrRef::parse("s.y").unwrap()),
                Predicate::linear(vec![(2, x()), (-2, x())], Comparison::AtLeast, 0),
            ],
        )
        .unwrap();
        // 2x - 2x merges to no terms: 0 >= 0 always holds, still a statement.
        assert_eq!(plan.slots.len(), 1);
        assert_eq!(plan.slots[0].rater.schema.id(), "s");
        assert_eq!(plan.openings.len(), 2);
        assert_eq!(plan.reveals, vec![AttrAt { slot: 0, attr: 1 }]);
        assert_eq!(plan.ranges.len(), 2);
        assert!(plan.ranges[0].terms.is_empty());
        assert_eq!(plan.ranges[1].origin, StatementOrigin::Expiry(0));
        assert_eq!(plan.witness_count(), 1 + 1 + 2);
        assert_eq!(
            plan.groups,
            vec![
                RangeGroup {
                    bits: 8,
                    statements: vec![0]
                },
                RangeGroup {
                    bits: 16,
                    statements: vec![1]
                }
            ]
        );
    }
}

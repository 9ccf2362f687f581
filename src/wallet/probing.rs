//! What a verifier can infer about one hidden attribute from the statements it
//! has seen proven, and the threshold-probing rule (spec/wallet.md §6).
//!
//! The rule judges what a verifier learns, not what a request says: the
//! request's compiled plan, whose range statements merge repeated terms and
//! drop terms whose weights cancel. Past presentations are read back from the
//! disclosure log with the same merging ([`facts_of_predicates`]); a unit test
//! checks that both agree.

use crate::epoch::EpochLists;
use std::fmt;

use super::log::DisclosureRecord;
use super::{Wallet, WalletError};
use crate::policy::{AttrRef, Comparison, Predicate};
use crate::request::ProofRequest;
use crate::statement::{AttrAt, StatementOrigin, ValueSource};

/// One statement a verifier learned, with its terms merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fact {
    /// `Σ w·a + constant >= 0` (its upper end, below `2^bits`, follows from
    /// the schemas' bounds). No weight is zero; no attribute is repeated.
    Range {
        terms: Vec<(AttrRef, i128)>,
        constant: i128,
    },
    /// `a == value`, for a public value.
    Equals(AttrRef, u64),
    /// The value of `a` is disclosed.
    Reveal(AttrRef),
}

impl Fact {
    /// The interval this fact confines `attr` to, when it is about `attr` and
    /// no other attribute. Reveals and linear scores over several attributes
    /// give `None`.
    fn constraint(&self, attr: &AttrRef) -> Option<Interval> {
        match self {
            Fact::Equals(a, v) if a == attr => Some(Interval {
                lo: i128::from(*v),
                hi: i128::from(*v),
            }),
            Fact::Range { terms, constant } => match terms.as_slice() {
                [(a, w)] if a == attr && *w != 0 => {
                    // w·x >= -constant; dividing by a negative w flips it.
                    let t = constant.checked_neg()?;
                    Some(if *w > 0 {
                        Interval {
                            lo: ceil_div(t, *w)?,
                            hi: i128::MAX,
                        }
                    } else {
                        Interval {
                            lo: i128::MIN,
                            hi: floor_div(t, *w)?,
                        }
                    })
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether this fact discloses `attr`.
    fn reveals(&self, attr: &AttrRef) -> bool {
        matches!(self, Fact::Reveal(a) if a == attr)
    }

    /// Whether this fact tells anything about `attr` alone.
    fn touches(&self, attr: &AttrRef) -> bool {
        self.reveals(attr) || self.constraint(attr).is_some()
    }

    /// The attributes the fact reads, in order.
    pub(crate) fn attributes(&self) -> Vec<&AttrRef> {
        match self {
            Fact::Range { terms, .. } => terms.iter().map(|(a, _)| a).collect(),
            Fact::Equals(a, _) | Fact::Reveal(a) => vec![a],
        }
    }
}

/// Writes `Σ w·a` as the policy syntax does: `a + 2*b - c`.
fn write_terms(f: &mut fmt::Formatter<'_>, terms: &[(AttrRef, i128)]) -> fmt::Result {
    for (i, (a, w)) in terms.iter().enumerate() {
        match (i, *w < 0) {
            (0, false) => {}
            (0, true) => f.write_str("-")?,
            (_, false) => f.write_str(" + ")?,
            (_, true) => f.write_str(" - ")?,
        }
        match w.unsigned_abs() {
            1 => write!(f, "{a}")?,
            m => write!(f, "{m}*{a}")?,
        }
    }
    Ok(())
}

/// The facts of one predicate, as text in the policy syntax: `lo <= a <= hi`
/// for a pair of bounds on one attribute, `a <= t` or a score compared with
/// `<=` when the predicate was written so, and a note when every term
/// cancelled.
pub(crate) struct Statement<'a> {
    pub facts: &'a [Fact],
    /// Whether the predicate compared with `<=` (its facts negate it).
    pub at_most: bool,
}

impl fmt::Display for Statement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [Fact::Range {
            terms: lo_terms,
            constant: lo,
        }, Fact::Range {
            terms: hi_terms,
            constant: hi,
        }] = self.facts
        {
            if let ([(a, 1)], [(b, -1)]) = (lo_terms.as_slice(), hi_terms.as_slice()) {
                if a == b {
                    return write!(f, "{} <= {a} <= {hi}", -lo);
                }
            }
        }
        for (i, fact) in self.facts.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            match fact {
                Fact::Equals(a, v) => write!(f, "{a} == {v}")?,
                Fact::Reveal(a) => write!(f, "reveal {a}")?,
                Fact::Range { terms, constant } if terms.is_empty() => {
                    write!(f, "nothing (the terms cancel; {constant} >= 0)")?
                }
                Fact::Range { terms, constant } => match terms.as_slice() {
                    [(a, -1)] => write!(f, "{a} <= {constant}")?,
                    _ if self.at_most => {
                        let negated: Vec<(AttrRef, i128)> =
                            terms.iter().map(|(a, w)| (a.clone(), -w)).collect();
                        write_terms(f, &negated)?;
                        write!(f, " <= {constant}")?;
                    }
                    _ => {
                        write_terms(f, terms)?;
                        write!(f, " >= {}", -constant)?;
                    }
                },
            }
        }
        if self.facts.is_empty() {
            f.write_str("nothing")?;
        }
        Ok(())
    }
}

/// What a presentation answering `request` shows its verifier, read from the
/// request's compiled plan: for each predicate, its merged facts, then for
/// each credential slot the fact that its expiry is on or after the date.
pub(crate) fn facts_of_request(request: &ProofRequest) -> (Vec<Vec<Fact>>, Vec<Fact>) {
    let plan = request.plan();
    let attr_of = |at: AttrAt| -> Option<AttrRef> {
        let schema = &plan.slots.get(at.slot)?.rater.schema;
        let a = schema.attributes().get(at.attr)?;
        AttrRef::new(schema.id(), &a.name).ok()
    };
    let mut predicates: Vec<Vec<Fact>> = vec![Vec::new(); request.predicates().len()];
    let mut expiries = Vec::new();
    for r in &plan.ranges {
        let terms: Vec<(AttrRef, i128)> = r
            .terms
            .iter()
            .filter_map(|t| attr_of(t.at).map(|a| (a, t.weight)))
            .collect();
        let fact = Fact::Range {
            terms,
            constant: r.constant,
        };
        match r.origin {
            StatementOrigin::Predicate(i) => {
                if let Some(p) = predicates.get_mut(i) {
                    p.push(fact);
                }
            }
            StatementOrigin::Expiry(_) => expiries.push(fact),
        }
    }
    for o in &plan.openings {
        let Some(a) = attr_of(o.at) else {
            continue;
        };
        let fact = match o.value {
            ValueSource::Constant(v) => Fact::Equals(a, v),
            ValueSource::Disclosed(_) => Fact::Reveal(a),
        };
        if let Some(p) = predicates.get_mut(o.predicate) {
            p.push(fact);
        }
    }
    (predicates, expiries)
}

/// The merged facts of predicates as a request states them, merging as the
/// compiled plan does (spec §5.4): repeated attributes' weights are summed,
/// zero sums dropped. For the disclosure log, which keeps the predicates.
pub(crate) fn facts_of_predicates(predicates: &[Predicate]) -> Vec<Vec<Fact>> {
    predicates.iter().map(facts_of_predicate).collect()
}

fn facts_of_predicate(p: &Predicate) -> Vec<Fact> {
    let at_least = |a: &AttrRef, t: u64| Fact::Range {
        terms: vec![(a.clone(), 1)],
        constant: -i128::from(t),
    };
    let at_most = |a: &AttrRef, t: u64| Fact::Range {
        terms: vec![(a.clone(), -1)],
        constant: i128::from(t),
    };
    match p {
        Predicate::AtLeast { attr, min } => vec![at_least(attr, *min)],
        Predicate::AtMost { attr, max } => vec![at_most(attr, *max)],
        Predicate::Between { attr, min, max } => vec![at_least(attr, *min), at_most(attr, *max)],
        Predicate::Equals { attr, value } => vec![Fact::Equals(attr.clone(), *value)],
        Predicate::Reveal { attr } => vec![Fact::Reveal(attr.clone())],
        Predicate::Linear {
            terms,
            cmp,
            threshold,
        } => {
            let sign: i128 = match cmp {
                Comparison::AtLeast => 1,
                Comparison::AtMost => -1,
            };
            let mut merged: Vec<(AttrRef, i128)> = Vec::new();
            for t in terms {
                let w = sign * i128::from(t.weight);
                match merged.iter_mut().find(|(a, _)| *a == t.attr) {
                    Some(m) => m.1 += w,
                    None => merged.push((t.attr.clone(), w)),
                }
            }
            merged.retain(|m| m.1 != 0);
            vec![Fact::Range {
                terms: merged,
                constant: -sign * i128::from(*threshold),
            }]
        }
    }
}

/// The closed interval `[lo, hi]` a verifier knows an attribute to lie in.
/// Empty when `lo > hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interval {
    pub lo: i128,
    pub hi: i128,
}

impl Interval {
    /// Everything a value of an attribute bounded by `max` can be.
    fn full(max: u64) -> Self {
        Interval {
            lo: 0,
            hi: i128::from(max),
        }
    }
    fn is_empty(&self) -> bool {
        self.lo > self.hi
    }
    fn contains(&self, v: u64) -> bool {
        self.lo <= i128::from(v) && i128::from(v) <= self.hi
    }
    fn intersect(&mut self, other: Interval) {
        self.lo = self.lo.max(other.lo);
        self.hi = self.hi.min(other.hi);
    }
}

/// `⌊a / b⌋`, or `None` for `b == 0` or an overflow.
fn floor_div(a: i128, b: i128) -> Option<i128> {
    let q = a.checked_div(b)?;
    if a.checked_rem(b)? != 0 && ((a < 0) != (b < 0)) {
        q.checked_sub(1)
    } else {
        Some(q)
    }
}

/// `⌈a / b⌉`, or `None` for `b == 0` or an overflow.
fn ceil_div(a: i128, b: i128) -> Option<i128> {
    floor_div(a.checked_neg()?, b)?.checked_neg()
}

/// What a verifier would know about a protected attribute after a request:
/// the interval it is confined to, given everything that verifier learned
/// before about the value being proven (spec/wallet.md §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narrowing {
    /// The verifier id.
    pub verifier: String,
    /// The protected attribute.
    pub attribute: AttrRef,
    /// The interval `[lo, hi]` the verifier would know the value lies in, or
    /// `None` when the request reveals the value.
    pub known: Option<(u64, u64)>,
    /// The holder's minimum interval width for this attribute.
    pub min_width: u64,
    /// Whether the request tells the verifier more than it already knew.
    pub narrows: bool,
}

impl Narrowing {
    /// Whether the request narrows the interval further and the result is
    /// narrower than the holder's minimum (`hi - lo < min_width`), or reveals
    /// the value.
    pub fn is_too_narrow(&self) -> bool {
        self.narrows
            && match self.known {
                None => true,
                Some((lo, hi)) => hi.saturating_sub(lo) < self.min_width,
            }
    }
}

impl fmt::Display for Narrowing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known {
            None if !self.narrows => write!(
                f,
                "`{}` already knows the value of {}",
                self.verifier, self.attribute
            ),
            None => write!(
                f,
                "`{}` would learn the value of {}, which the holder protects with a minimum interval of {}",
                self.verifier, self.attribute, self.min_width
            ),
            Some((lo, hi)) if self.is_too_narrow() => write!(
                f,
                "with what it already learned, `{}` would know that {} lies in [{lo}, {hi}], \
                 an interval of width {}, narrower than the holder's minimum of {}",
                self.verifier,
                self.attribute,
                hi.saturating_sub(lo),
                self.min_width
            ),
            Some((lo, hi)) => write!(
                f,
                "`{}` would know that {} lies in [{lo}, {hi}]{} (holder's minimum interval: {})",
                self.verifier,
                self.attribute,
                if self.narrows { "" } else { ", as it already does" },
                self.min_width
            ),
        }
    }
}

/// The interval `attr`, bounded by `max`, is confined to by `facts`, and
/// whether they reveal it.
fn learned<'a>(
    attr: &AttrRef,
    max: u64,
    facts: impl IntoIterator<Item = &'a Fact>,
) -> (Interval, bool) {
    let mut out = Interval::full(max);
    let mut revealed = false;
    for f in facts {
        revealed |= f.reveals(attr);
        if let Some(c) = f.constraint(attr) {
            out.intersect(c);
        }
    }
    (out, revealed)
}

impl Wallet {
    /// For each protected attribute the request's merged statements read
    /// alone, what its verifier would know about it afterwards, given what
    /// that verifier already learned from this wallet about the value that
    /// would be proven (that of the credential [`Wallet::prove`] would use). Linear scores over several attributes are not tracked
    /// (spec/wallet.md §6).
    pub fn narrowing(&self, request: &ProofRequest) -> Vec<Narrowing> {
        self.narrowing_given(request, &EpochLists::new())
    }

    /// [`Wallet::narrowing`] for a proof with `lists`, which decide the
    /// credential shown in the anonymous mode.
    pub(super) fn narrowing_given(
        &self,
        request: &ProofRequest,
        lists: &EpochLists,
    ) -> Vec<Narrowing> {
        self.narrowing_with(request, |attr| self.proven_value(request, lists, attr))
    }

    /// [`Wallet::narrowing`], with `value` giving the value of each attribute
    /// that would be proven (`None` when unknown).
    fn narrowing_with(
        &self,
        request: &ProofRequest,
        value: impl Fn(&AttrRef) -> Option<u64>,
    ) -> Vec<Narrowing> {
        let (predicates, expiries) = facts_of_request(request);
        let new: Vec<Fact> = predicates.into_iter().flatten().chain(expiries).collect();
        let verifier = request.verifier_id();
        let past: Vec<Fact> = self
            .disclosures
            .get(verifier)
            .into_iter()
            .flatten()
            .flat_map(DisclosureRecord::facts)
            .collect();
        let mut out = Vec::new();
        for (attr, &min_width) in &self.min_intervals {
            if !new.iter().any(|f| f.touches(attr)) {
                continue;
            }
            let max = self.bound_of(request, attr);
            let v = value(attr);
            // What the verifier learned about the value being proven: a past
            // statement this value does not satisfy was about another value
            // (a credential of another batch), and tells nothing about it.
            let relevant: Vec<&Fact> = past
                .iter()
                .filter(|f| match (v, f.constraint(attr)) {
                    (Some(v), Some(c)) => c.contains(v),
                    _ => true,
                })
                .collect();
            let (before, revealed_before) = learned(attr, max, relevant.iter().copied());
            let (alone, revealed_new) = learned(attr, max, &new);
            let mut after = alone;
            after.intersect(before);
            if after.is_empty() {
                // The value does not satisfy the request (proving will fail
                // and send nothing), or is unknown: judge the request alone.
                after = alone;
            }
            let revealed = revealed_before || revealed_new;
            let narrows = revealed != revealed_before || after != before;
            let known = if revealed {
                None
            } else {
                match (u64::try_from(after.lo), u64::try_from(after.hi)) {
                    (Ok(lo), Ok(hi)) if !after.is_empty() => Some((lo, hi)),
                    // The request contradicts itself: nothing can be proven.
                    _ => continue,
                }
            };
            out.push(Narrowing {
                verifier: verifier.to_owned(),
                attribute: attr.clone(),
                known,
                min_width,
                narrows,
            });
        }
        out
    }

    /// The threshold-probing rule (spec/wallet.md §6): refuses a request that
    /// tells its verifier more about a protected attribute than it knew, when,
    /// with everything it learned from this wallet before, the verifier would
    /// then know the attribute to lie in an interval narrower than the holder's
    /// minimum, or would learn its value.
    ///
    /// # Errors
    /// [`WalletError::Narrowing`] for the first such attribute.
    pub fn check_narrowing(&self, request: &ProofRequest) -> Result<(), WalletError> {
        self.check_narrowing_given(request, &EpochLists::new())
    }

    /// [`Wallet::check_narrowing`] for a proof with `lists`.
    pub(super) fn check_narrowing_given(
        &self,
        request: &ProofRequest,
        lists: &EpochLists,
    ) -> Result<(), WalletError> {
        match self
            .narrowing_given(request, lists)
            .into_iter()
            .find(Narrowing::is_too_narrow)
        {
            Some(n) => Err(WalletError::Narrowing(n)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;
    use crate::schema::{Attribute, AttributeKind, Category, Schema};

    fn a(s: &str) -> AttrRef {
        AttrRef::parse(s).unwrap()
    }

    fn facts(ps: &[Predicate]) -> Vec<Fact> {
        facts_of_predicates(ps).into_iter().flatten().collect()
    }

    #[test]
    fn division_rounds_the_right_way() {
        assert_eq!(floor_div(7, 2), Some(3));
        assert_eq!(floor_div(-7, 2), Some(-4));
        assert_eq!(floor_div(7, -2), Some(-4));
        assert_eq!(floor_div(-7, -2), Some(3));
        assert_eq!(ceil_div(7, 2), Some(4));
        assert_eq!(ceil_div(-7, 2), Some(-3));
        assert_eq!(ceil_div(6, 3), Some(2));
        assert_eq!(floor_div(1, 0), None);
        assert_eq!(floor_div(i128::MIN, -1), None);
    }

    #[test]
    fn single_attribute_predicates_narrow() {
        let x = a("bank.liquidity_eur");
        let ps = [
            Predicate::at_least(x.clone(), 5000),
            Predicate::at_most(x.clone(), 20_000),
            Predicate::at_least(a("bank.other"), 1),
        ];
        let (i, _) = learned(&x, 1_000_000, &facts(&ps));
        assert_eq!(
            i,
            Interval {
                lo: 5000,
                hi: 20_000
            }
        );
        let eq = facts(&[Predicate::equals(x.clone(), 7)]);
        assert_eq!(learned(&x, 100, &eq).0, Interval { lo: 7, hi: 7 });
        let rev = facts(&[Predicate::reveal(x.clone())]);
        assert!(learned(&x, 100, &rev).1);
        assert_eq!(learned(&x, 100, &[]).0, Interval { lo: 0, hi: 100 });
        let contradiction = facts(&[
            Predicate::at_least(x.clone(), 50),
            Predicate::at_most(x.clone(), 40),
        ]);
        assert!(learned(&x, 100, &contradiction).0.is_empty());
    }

    #[test]
    fn one_attribute_linear_scores_count_after_merging() {
        let x = a("bank.late_payments");
        let one = |p: Predicate| facts(&[p]).remove(0).constraint(&x);
        // 3x >= 10  →  x >= 4;  -2x >= -9  →  x <= 4.
        let p = Predicate::linear(vec![(3, x.clone())], Comparison::AtLeast, 10);
        assert_eq!(one(p).unwrap().lo, 4);
        let p = Predicate::linear(vec![(-2, x.clone())], Comparison::AtLeast, -9);
        assert_eq!(one(p).unwrap().hi, 4);
        // 2x <= 9  →  x <= 4;  -3x <= -10  →  x >= 4.
        let p = Predicate::linear(vec![(2, x.clone())], Comparison::AtMost, 9);
        assert_eq!(one(p).unwrap().hi, 4);
        let p = Predicate::linear(vec![(-3, x.clone())], Comparison::AtMost, -10);
        assert_eq!(one(p).unwrap().lo, 4);
        // x + x >= 9 → x >= 5; x - x >= 0 says nothing.
        let p = Predicate::linear(vec![(1, x.clone()), (1, x.clone())], Comparison::AtLeast, 9);
        assert_eq!(one(p).unwrap().lo, 5);
        let p = Predicate::linear(
            vec![(1, x.clone()), (-1, x.clone())],
            Comparison::AtLeast,
            0,
        );
        assert_eq!(one(p), None);
        // Terms of another attribute that cancel leave a statement about x.
        let y = a("bank.on_time_payments");
        let p = Predicate::linear(
            vec![(1, x.clone()), (1, y.clone()), (-1, y.clone())],
            Comparison::AtLeast,
            9,
        );
        assert_eq!(one(p).unwrap().lo, 9);
        // Several attributes: not tracked.
        let p = Predicate::linear(vec![(1, x.clone()), (1, y)], Comparison::AtLeast, 9);
        assert_eq!(one(p), None);
    }

    /// The log's merging (from predicates) agrees with the compiled plan's.
    #[test]
    fn the_log_merges_as_the_plan_does() {
        let attr = |name: &str, max| Attribute {
            name: name.into(),
            kind: AttributeKind::Uint { max },
            category: Category::Financial,
        };
        let schema = |id: &str| {
            Schema::new(
                id,
                1,
                vec![
                    attr("x", 1000),
                    attr("y", 255),
                    Attribute {
                        name: "valid_until".into(),
                        kind: AttributeKind::Date,
                        category: Category::Validity,
                    },
                ],
            )
            .unwrap()
        };
        let key = crate::keys::RaterSigningKey::generate(&mut rand_core::OsRng);
        for policy in [
            "a.x >= 5 and a.y <= 7",
            "3 <= a.x <= 900 and b.y == 4 and reveal a.y",
            "a.x + a.y - a.y >= 18",
            "a.x + 2*a.y - a.x + b.x <= 40",
            "-a.x - a.x >= -1000",
            "a.x + b.y - 3*a.x + 2*a.x >= 1",
        ] {
            let request =
                ProofRequest::builder("v", crate::policy::Date::parse("2027-03-01").unwrap())
                    .trust(schema("a"), vec![key.public_key()])
                    .trust(schema("b"), vec![key.public_key()])
                    .predicates(parse_policy(policy).unwrap())
                    .build()
                    .unwrap();
            let (from_plan, _) = facts_of_request(&request);
            assert_eq!(
                from_plan,
                facts_of_predicates(request.predicates()),
                "{policy}"
            );
        }
    }

    #[test]
    fn statements_read_as_the_verifier_learns_them() {
        let show = |policy: &str| {
            let ps = parse_policy(policy).unwrap();
            let at_most = matches!(
                ps[0],
                Predicate::Linear {
                    cmp: Comparison::AtMost,
                    ..
                }
            );
            let fs = facts(&ps);
            Statement {
                facts: &fs,
                at_most,
            }
            .to_string()
        };
        for (written, learned) in [
            ("bank.x >= 5", "bank.x >= 5"),
            ("bank.x <= 5", "bank.x <= 5"),
            ("3 <= bank.x <= 9", "3 <= bank.x <= 9"),
            ("bank.x == 5", "bank.x == 5"),
            ("reveal bank.x", "reveal bank.x"),
            ("bank.x + bank.y - bank.y >= 18100", "bank.x >= 18100"),
            ("bank.x + bank.y - bank.y <= 18300", "bank.x <= 18300"),
            ("bank.x + 2*bank.y - bank.y <= 7", "bank.x + bank.y <= 7"),
            ("-bank.x - bank.x >= -9", "-2*bank.x >= -9"),
            (
                "bank.x - bank.x >= -3",
                "nothing (the terms cancel; 3 >= 0)",
            ),
        ] {
            assert_eq!(show(written), learned, "{written}");
        }
    }
}

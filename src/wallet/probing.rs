//! What a verifier can infer about one hidden attribute from the predicates it
//! has seen proven, and the threshold-probing rule (spec/wallet.md §6).

use crate::policy::{AttrRef, Comparison, Predicate};

/// The closed interval `[lo, hi]` a verifier knows an attribute to lie in.
/// Empty when `lo > hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interval {
    pub lo: i128,
    pub hi: i128,
}

impl Interval {
    /// Everything a value of an attribute bounded by `max` can be.
    pub fn full(max: u64) -> Self {
        Interval {
            lo: 0,
            hi: i128::from(max),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.lo > self.hi
    }
    /// `hi - lo`, or `None` when empty.
    #[cfg(test)]
    pub fn width(&self) -> Option<u128> {
        (!self.is_empty()).then(|| self.hi.abs_diff(self.lo))
    }
    pub fn intersect(&mut self, other: Interval) {
        self.lo = self.lo.max(other.lo);
        self.hi = self.hi.min(other.hi);
    }
}

/// `⌊a / b⌋` for `b != 0`.
fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// `⌈a / b⌉` for `b != 0`.
fn ceil_div(a: i128, b: i128) -> i128 {
    -floor_div(-a, b)
}

/// The interval a predicate confines `attr` to, when the predicate compares
/// `attr` and no other attribute with public constants. Reveals give `None`
/// (see [`reveals`]); so do linear scores over several attributes: they are
/// not tracked.
pub(crate) fn constraint(p: &Predicate, attr: &AttrRef) -> Option<Interval> {
    let point = |v: u64| Interval {
        lo: i128::from(v),
        hi: i128::from(v),
    };
    let unbounded = Interval {
        lo: i128::MIN,
        hi: i128::MAX,
    };
    match p {
        Predicate::AtLeast { attr: a, min } if a == attr => Some(Interval {
            lo: i128::from(*min),
            ..unbounded
        }),
        Predicate::AtMost { attr: a, max } if a == attr => Some(Interval {
            hi: i128::from(*max),
            ..unbounded
        }),
        Predicate::Between { attr: a, min, max } if a == attr => Some(Interval {
            lo: i128::from(*min),
            hi: i128::from(*max),
        }),
        Predicate::Equals { attr: a, value } if a == attr => Some(point(*value)),
        Predicate::Linear {
            terms,
            cmp,
            threshold,
        } if !terms.is_empty() && terms.iter().all(|t| &t.attr == attr) => {
            let w: i128 = terms.iter().map(|t| i128::from(t.weight)).sum();
            if w == 0 {
                return None;
            }
            let t = i128::from(*threshold);
            // w·x >= t or w·x <= t; dividing by a negative w flips the sense.
            let lower = (*cmp == Comparison::AtLeast) == (w > 0);
            Some(if lower {
                Interval {
                    lo: ceil_div(t, w),
                    ..unbounded
                }
            } else {
                Interval {
                    hi: floor_div(t, w),
                    ..unbounded
                }
            })
        }
        _ => None,
    }
}

/// Whether a verifier that saw `p` proven knows the value of `attr` exactly
/// (a reveal), so that no interval is left at all.
pub(crate) fn reveals(p: &Predicate, attr: &AttrRef) -> bool {
    matches!(p, Predicate::Reveal { attr: a } if a == attr)
}

/// Whether `p` tells anything about `attr` alone.
pub(crate) fn touches(p: &Predicate, attr: &AttrRef) -> bool {
    reveals(p, attr) || constraint(p, attr).is_some()
}

/// The interval `attr`, bounded by `max`, is confined to by `predicates`; a
/// reveal gives width 0 (the value itself is not needed).
pub(crate) fn learned<'a>(
    attr: &AttrRef,
    max: u64,
    predicates: impl IntoIterator<Item = &'a Predicate>,
) -> Interval {
    let mut out = Interval::full(max);
    for p in predicates {
        if reveals(p, attr) {
            // Known exactly: width 0, whatever the value.
            return Interval {
                lo: out.lo,
                hi: out.lo,
            };
        }
        if let Some(c) = constraint(p, attr) {
            out.intersect(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> AttrRef {
        AttrRef::parse(s).unwrap()
    }

    #[test]
    fn division_rounds_the_right_way() {
        assert_eq!(floor_div(7, 2), 3);
        assert_eq!(floor_div(-7, 2), -4);
        assert_eq!(floor_div(7, -2), -4);
        assert_eq!(floor_div(-7, -2), 3);
        assert_eq!(ceil_div(7, 2), 4);
        assert_eq!(ceil_div(-7, 2), -3);
        assert_eq!(ceil_div(6, 3), 2);
    }

    #[test]
    fn single_attribute_predicates_narrow() {
        let x = a("bank.liquidity_eur");
        let ps = [
            Predicate::at_least(x.clone(), 5000),
            Predicate::at_most(x.clone(), 20_000),
            Predicate::at_least(a("bank.other"), 1),
        ];
        let i = learned(&x, 1_000_000, &ps);
        assert_eq!(
            i,
            Interval {
                lo: 5000,
                hi: 20_000
            }
        );
        assert_eq!(i.width(), Some(15_000));
        let eq = [Predicate::equals(x.clone(), 7)];
        assert_eq!(learned(&x, 100, &eq).width(), Some(0));
        let rev = [Predicate::reveal(x.clone())];
        assert_eq!(learned(&x, 100, &rev).width(), Some(0));
        let none: [Predicate; 0] = [];
        assert_eq!(learned(&x, 100, &none).width(), Some(100));
        let contradiction = [
            Predicate::at_least(x.clone(), 50),
            Predicate::at_most(x.clone(), 40),
        ];
        assert!(learned(&x, 100, &contradiction).is_empty());
    }

    #[test]
    fn one_attribute_linear_scores_count() {
        let x = a("bank.late_payments");
        // 3x >= 10  →  x >= 4;  -2x >= -9  →  x <= 4.
        let p = Predicate::linear(vec![(3, x.clone())], Comparison::AtLeast, 10);
        assert_eq!(constraint(&p, &x).unwrap().lo, 4);
        let p = Predicate::linear(vec![(-2, x.clone())], Comparison::AtLeast, -9);
        assert_eq!(constraint(&p, &x).unwrap().hi, 4);
        // 2x <= 9  →  x <= 4;  -3x <= -10  →  x >= 4.
        let p = Predicate::linear(vec![(2, x.clone())], Comparison::AtMost, 9);
        assert_eq!(constraint(&p, &x).unwrap().hi, 4);
        let p = Predicate::linear(vec![(-3, x.clone())], Comparison::AtMost, -10);
        assert_eq!(constraint(&p, &x).unwrap().lo, 4);
        // x + x >= 9 → x >= 5; x - x >= 0 says nothing.
        let p = Predicate::linear(vec![(1, x.clone()), (1, x.clone())], Comparison::AtLeast, 9);
        assert_eq!(constraint(&p, &x).unwrap().lo, 5);
        let p = Predicate::linear(
            vec![(1, x.clone()), (-1, x.clone())],
            Comparison::AtLeast,
            0,
        );
        assert_eq!(constraint(&p, &x), None);
        // Several attributes: not tracked.
        let p = Predicate::linear(
            vec![(1, x.clone()), (1, a("bank.on_time_payments"))],
            Comparison::AtLeast,
            9,
        );
        assert_eq!(constraint(&p, &x), None);
    }
}

//! The statements a request gives rise to (spec §5.4, §7.1), built by one
//! function that the prover and the verifier both call, so that their
//! transcripts cannot drift apart.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use merlin::Transcript;

use crate::credential::{holder_relation, Credential};
use crate::errors::{DecodeError, PolicyError};
use crate::policy::{Comparison, Predicate};
use crate::request::ProofRequest;
use crate::sigma::{Base, Relation};
use crate::transcript::{label, PRESENTATION_DOMAIN};
use crate::wire::{self, caps, Point, VERSION};

/// The bit widths a range statement may have.
pub(crate) const WIDTHS: [usize; 4] = [8, 16, 32, 64];

/// Where a range statement comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Predicate `i` of the request.
    Predicate(usize),
    /// The expiry of the credential in slot `i`.
    Expiry(usize),
}

/// `Σ w·v(slot, attr) + constant ∈ [0, 2^bits)`.
#[derive(Clone, Debug)]
pub(crate) struct RangeStatement {
    pub bits: usize,
    pub terms: Vec<(usize, usize, i128)>,
    pub constant: i128,
    pub origin: Origin,
}

/// Where the value an opening statement checks comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Known {
    /// A constant of the request.
    Constant(u64),
    /// The `i`-th disclosed value of the presentation.
    Disclosed(usize),
}

/// `C(slot, attr) - value·B = r·B_blinding`: equality and disclosure.
#[derive(Clone, Debug)]
pub(crate) struct OpeningStatement {
    pub slot: usize,
    pub attr: usize,
    pub value: Known,
    pub predicate: usize,
}

/// Everything a presentation for a request must prove.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// For each credential slot, the index of its schema in `request.trusted()`.
    pub slots: Vec<usize>,
    pub ranges: Vec<RangeStatement>,
    pub openings: Vec<OpeningStatement>,
    /// For each disclosed value, its slot and attribute.
    pub reveals: Vec<(usize, usize)>,
    /// The range statements grouped by width (see [`Plan::groups`]).
    groups: Vec<(usize, Vec<usize>)>,
}

/// The smallest width whose range holds `hi`.
fn width_for(hi: i128) -> Option<usize> {
    WIDTHS.into_iter().find(|&b| hi < (1i128 << b))
}

impl Plan {
    /// Compiles a request into statements, checking soundness (spec §5.4).
    pub fn new(req: &ProofRequest) -> Result<Plan, PolicyError> {
        let preds = req.predicates();
        if preds.is_empty() || preds.len() > caps::PREDICATES {
            return Err(PolicyError::Invalid(format!(
                "a request has 1 to {} predicates",
                caps::PREDICATES
            )));
        }
        let mut plan = Plan {
            slots: Vec::new(),
            ranges: Vec::new(),
            openings: Vec::new(),
            reveals: Vec::new(),
            groups: Vec::new(),
        };
        for (i, p) in preds.iter().enumerate() {
            // Resolve each attribute to (slot, index, max), adding slots in order
            // of first use.
            let mut resolved = Vec::new();
            for a in p.attributes() {
                let t = req
                    .trusted()
                    .iter()
                    .position(|t| t.schema.id() == a.schema)
                    .ok_or_else(|| PolicyError::UnknownSchema {
                        predicate: i,
                        schema: a.schema.clone(),
                    })?;
                let schema = &req.trusted()[t].schema;
                let idx =
                    schema
                        .index_of(&a.attribute)
                        .ok_or_else(|| PolicyError::UnknownAttribute {
                            predicate: i,
                            schema: a.schema.clone(),
                            attribute: a.attribute.clone(),
                        })?;
                let slot = match plan.slots.iter().position(|&s| s == t) {
                    Some(s) => s,
                    None => {
                        plan.slots.push(t);
                        plan.slots.len() - 1
                    }
                };
                resolved.push((a, slot, idx, schema.attributes()[idx].kind.max()));
            }
            let find = |r: &crate::policy::AttrRef| {
                resolved
                    .iter()
                    .find(|(a, ..)| *a == r)
                    .map(|&(_, s, x, m)| (s, x, m))
                    .ok_or(PolicyError::Invalid("unresolved attribute".into()))
            };
            match p {
                Predicate::AtLeast { attr, min } => {
                    let (s, x, _) = find(attr)?;
                    plan.range(req, i, vec![(s, x, 1)], -i128::from(*min))?;
                }
                Predicate::AtMost { attr, max } => {
                    let (s, x, _) = find(attr)?;
                    plan.range(req, i, vec![(s, x, -1)], i128::from(*max))?;
                }
                Predicate::Between { attr, min, max } => {
                    let (s, x, _) = find(attr)?;
                    if min > max {
                        return Err(PolicyError::Unsatisfiable { predicate: i });
                    }
                    plan.range(req, i, vec![(s, x, 1)], -i128::from(*min))?;
                    plan.range(req, i, vec![(s, x, -1)], i128::from(*max))?;
                }
                Predicate::Equals { attr, value } => {
                    let (s, x, m) = find(attr)?;
                    if *value > m {
                        return Err(PolicyError::Unsatisfiable { predicate: i });
                    }
                    plan.openings.push(OpeningStatement {
                        slot: s,
                        attr: x,
                        value: Known::Constant(*value),
                        predicate: i,
                    });
                }
                Predicate::Reveal { attr } => {
                    let (s, x, _) = find(attr)?;
                    plan.openings.push(OpeningStatement {
                        slot: s,
                        attr: x,
                        value: Known::Disclosed(plan.reveals.len()),
                        predicate: i,
                    });
                    plan.reveals.push((s, x));
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
                    let mut merged: Vec<(usize, usize, i128)> = Vec::new();
                    for t in terms {
                        if t.weight == 0 {
                            return Err(PolicyError::BadFormula {
                                predicate: i,
                                reason: "a weight is zero",
                            });
                        }
                        let (s, x, _) = find(&t.attr)?;
                        let w = sign * i128::from(t.weight);
                        match merged.iter_mut().find(|(ms, mx, _)| *ms == s && *mx == x) {
                            Some(m) => m.2 += w,
                            None => merged.push((s, x, w)),
                        }
                    }
                    merged.retain(|m| m.2 != 0);
                    plan.range(req, i, merged, -sign * i128::from(*threshold))?;
                }
            }
        }
        if plan.slots.len() > caps::CREDENTIALS {
            return Err(PolicyError::Invalid(format!(
                "a request uses at most {} credentials",
                caps::CREDENTIALS
            )));
        }
        // Validity: every credential's expiry is on or after the reference date.
        let date = i128::from(req.date().days());
        for slot in 0..plan.slots.len() {
            let schema = &req.trusted()[plan.slots[slot]].schema;
            let hi = i128::from(schema.attributes()[schema.expiry_index()].kind.max()) - date;
            let bits = width_for(hi).ok_or(PolicyError::Invalid("expiry width".into()))?;
            plan.ranges.push(RangeStatement {
                bits,
                terms: vec![(slot, schema.expiry_index(), 1)],
                constant: -date,
                origin: Origin::Expiry(slot),
            });
        }
        for bits in WIDTHS {
            if plan.ranges.iter().filter(|r| r.bits == bits).count()
                > caps::RANGE_STATEMENTS_PER_WIDTH
            {
                return Err(PolicyError::Invalid(format!(
                    "more than {} range statements of {bits} bits",
                    caps::RANGE_STATEMENTS_PER_WIDTH
                )));
            }
        }
        plan.groups = plan.group_statements();
        Ok(plan)
    }

    /// Adds `Σ w·v + constant ∈ [0, 2^bits)` for predicate `i`, with the width
    /// from the schemas' bounds, refusing a statement that never holds or whose
    /// range does not fit 64 bits.
    fn range(
        &mut self,
        req: &ProofRequest,
        i: usize,
        terms: Vec<(usize, usize, i128)>,
        constant: i128,
    ) -> Result<(), PolicyError> {
        let too_wide = PolicyError::TooWide { predicate: i };
        let (mut lo, mut hi) = (constant, constant);
        for &(slot, attr, w) in &terms {
            let schema = &req.trusted()[self.slots[slot]].schema;
            let max = i128::from(schema.attributes()[attr].kind.max());
            let v = w.checked_mul(max).ok_or(too_wide.clone())?;
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
            origin: Origin::Predicate(i),
        });
        Ok(())
    }

    /// Indices of the range statements of each width in use, widths ascending.
    pub fn groups(&self) -> &[(usize, Vec<usize>)] {
        &self.groups
    }

    fn group_statements(&self) -> Vec<(usize, Vec<usize>)> {
        WIDTHS
            .into_iter()
            .map(|b| {
                let idx: Vec<usize> = (0..self.ranges.len())
                    .filter(|&i| self.ranges[i].bits == b)
                    .collect();
                (b, idx)
            })
            .filter(|(_, idx)| !idx.is_empty())
            .collect()
    }

    /// Witness layout of the sigma proof: `s`, then one holder blinding per
    /// slot, then one blinding per opening statement.
    pub fn witness_count(&self) -> usize {
        1 + self.slots.len() + self.openings.len()
    }
}

/// `Σ w·scalar` helper: an i128 as a scalar.
pub(crate) fn scalar_i128(x: i128) -> Scalar {
    let s = Scalar::from(x.unsigned_abs());
    if x < 0 {
        -s
    } else {
        s
    }
}

/// Multiples `k·B` of the value generator, computed once per verification
/// (or per batch, where policies repeat thresholds and dates).
#[derive(Default)]
pub(crate) struct BaseMultiples(std::collections::HashMap<i128, RistrettoPoint>);

impl BaseMultiples {
    /// `k·B`, from the basepoint table (`B` is the ristretto basepoint).
    pub fn get(&mut self, k: i128) -> RistrettoPoint {
        if k == 0 {
            return RistrettoPoint::identity();
        }
        *self
            .0
            .entry(k)
            .or_insert_with(|| RistrettoPoint::mul_base(&scalar_i128(k)))
    }
}

/// The decompressed commitments of the credentials in slot order.
#[derive(Clone, Default)]
pub(crate) struct Points {
    pub attrs: Vec<Vec<Point>>,
    pub holders: Vec<Point>,
}

impl std::fmt::Debug for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Derived from the credentials, which are printed already.
        f.write_str("Points { .. }")
    }
}

impl Points {
    pub fn new(credentials: &[Credential]) -> Result<Self, DecodeError> {
        let mut attrs = Vec::with_capacity(credentials.len());
        let mut holders = Vec::with_capacity(credentials.len());
        for c in credentials {
            attrs.push(
                c.commitments()
                    .iter()
                    .map(|p| {
                        wire::decompress(p, "attribute commitment").map(|point| Point {
                            compressed: *p,
                            point,
                        })
                    })
                    .collect::<Result<_, _>>()?,
            );
            holders.push(Point {
                compressed: *c.holder_commitment(),
                point: wire::decompress(c.holder_commitment(), "holder commitment")?,
            });
        }
        Ok(Points { attrs, holders })
    }

    fn attr(&self, slot: usize, attr: usize) -> Result<Point, DecodeError> {
        self.attrs
            .get(slot)
            .and_then(|a| a.get(attr))
            .copied()
            .ok_or(DecodeError::Invalid("credential shape".into()))
    }

    /// `Σ w·C + constant·B`: the commitment a range statement is about.
    /// (`B` is the ristretto basepoint, so `constant·B` uses its table.)
    pub fn derived(
        &self,
        st: &RangeStatement,
        base: &mut BaseMultiples,
    ) -> Result<RistrettoPoint, DecodeError> {
        let mut acc = base.get(st.constant);
        let mut scalars = Vec::new();
        let mut points = Vec::new();
        for &(slot, attr, w) in &st.terms {
            let c = self.attr(slot, attr)?.point;
            match w {
                1 => acc += c,
                -1 => acc -= c,
                _ => {
                    scalars.push(scalar_i128(w));
                    points.push(c);
                }
            }
        }
        if !points.is_empty() {
            acc += RistrettoPoint::vartime_multiscalar_mul(scalars, points);
        }
        Ok(acc)
    }

    /// The sigma relations: holder binding for every slot with the shared link
    /// secret `s` (witness 0), then one opening per equality or disclosure.
    pub fn relations(
        &self,
        plan: &Plan,
        disclosed: &[u64],
        base: &mut BaseMultiples,
    ) -> Result<Vec<Relation>, DecodeError> {
        let k = plan.slots.len();
        let mut rels: Vec<Relation> = (0..k)
            .map(|i| {
                self.holders
                    .get(i)
                    .map(|h| holder_relation(*h, 0, 1 + i))
                    .ok_or(DecodeError::Invalid("credential count".into()))
            })
            .collect::<Result<_, _>>()?;
        for (j, o) in plan.openings.iter().enumerate() {
            let v = match o.value {
                Known::Constant(c) => c,
                Known::Disclosed(d) => *disclosed
                    .get(d)
                    .ok_or(DecodeError::Invalid("disclosed value count".into()))?,
            };
            let c = self.attr(o.slot, o.attr)?;
            let lhs = if v == 0 {
                c
            } else {
                Point::new(c.point - base.get(i128::from(v)))
            };
            rels.push(Relation {
                lhs,
                terms: vec![(1 + k + j, Base::Blinding)],
            });
        }
        Ok(rels)
    }
}

/// Pads a group's commitments to a power of two with the identity (the
/// commitment to 0 with blinding 0), as the aggregated range proof requires.
pub(crate) fn padded_len(m: usize) -> usize {
    m.next_power_of_two()
}

/// The identity, with its encoding (32 zero bytes).
pub(crate) fn identity() -> Point {
    Point {
        compressed: CompressedRistretto::identity(),
        point: RistrettoPoint::identity(),
    }
}

/// Starts the presentation transcript (spec §6.1): the protocol label and
/// version, the request (by its SHA-256 digest, which binds all of it), every
/// credential, every disclosed value.
pub(crate) fn transcript(
    req: &ProofRequest,
    credentials: &[Credential],
    disclosed: &[u64],
) -> Transcript {
    let mut t = Transcript::new(PRESENTATION_DOMAIN);
    t.append_u64(label::VERSION, u64::from(VERSION));
    t.append_message(label::REQUEST_DIGEST, &req.digest());
    t.append_u64(label::CREDENTIAL, credentials.len() as u64);
    for c in credentials {
        t.append_message(label::CREDENTIAL, &c.to_bytes());
    }
    t.append_u64(label::DISCLOSED, disclosed.len() as u64);
    for d in disclosed {
        t.append_u64(label::DISCLOSED, *d);
    }
    t
}

/// Binds a range group (width and real statement count) before its proof.
pub(crate) fn bind_group(t: &mut Transcript, bits: usize, count: usize) {
    t.append_u64(label::RANGE_GROUP, bits as u64);
    t.append_u64(label::RANGE_GROUP, count as u64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::RaterSigningKey;
    use crate::policy::{AttrRef, Date};
    use crate::schema::{Attribute, AttributeKind, Category, Schema};

    fn request(max: u64, predicates: Vec<Predicate>) -> Result<ProofRequest, crate::Error> {
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
        )?;
        let key = RaterSigningKey::from_bytes(&[9; 32]).public_key();
        ProofRequest::builder("v", Date::from_days(20_000)?)
            .trust(schema, vec![key])
            .predicates(predicates)
            .build_with_nonce([0; 32])
    }

    fn widths(max: u64, p: Predicate) -> Vec<usize> {
        let req = request(max, vec![p]).unwrap();
        let plan = Plan::new(&req).unwrap();
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
        let req = request(
            1000,
            vec![
                Predicate::equals(x(), 3),
                Predicate::reveal(AttrRef::parse("s.y").unwrap()),
                Predicate::linear(vec![(2, x()), (-2, x())], Comparison::AtLeast, 0),
            ],
        );
        // 2x - 2x merges to no terms: 0 >= 0 always holds, still a statement.
        let plan = Plan::new(&req.unwrap()).unwrap();
        assert_eq!(plan.slots, vec![0]);
        assert_eq!(plan.openings.len(), 2);
        assert_eq!(plan.reveals, vec![(0, 1)]);
        assert_eq!(plan.ranges.len(), 2);
        assert!(plan.ranges[0].terms.is_empty());
        assert_eq!(plan.ranges[1].origin, Origin::Expiry(0));
        assert_eq!(plan.witness_count(), 1 + 1 + 2);
        assert_eq!(plan.groups(), &[(8, vec![0]), (16, vec![1])]);
    }

    #[test]
    fn signed_scalars() {
        assert_eq!(scalar_i128(-5) + Scalar::from(5u64), Scalar::ZERO);
        assert_eq!(
            scalar_i128(i128::MIN + 1) + scalar_i128(i128::MAX),
            Scalar::ZERO
        );
    }
}

//! The points a verifier derives from the rater-signed commitments and its
//! own request (spec §7.1): the commitment each range statement is about,
//! and the sigma proof's relations. Nothing derived comes from the wire.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};

use super::{AttrAt, Plan, RangeStatement, ValueSource};
use crate::credential::Credential;
use crate::errors::{DecodeError, Error};
use crate::sigma::{holder_relation, Base, Relation};
use crate::wire::{self, Point};

/// An `i128` as a scalar.
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
pub(crate) struct BasepointMultiples(std::collections::HashMap<i128, RistrettoPoint>);

impl BasepointMultiples {
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

/// The decompressed points of one credential of a presentation.
#[derive(Clone)]
pub(crate) enum SlotPoints {
    /// The fast mode: the signed attribute commitments and holder commitment.
    Fast { attrs: Vec<Point>, holder: Point },
    /// The anonymous mode: `D'` and the fresh commitments to the slot's
    /// used attributes, in attribute order.
    Anonymous { offset: Point, attrs: Vec<Point> },
}

/// The decompressed points of a presentation's credentials, in slot order.
#[derive(Clone, Default)]
pub(crate) struct CredentialPoints {
    pub slots: Vec<SlotPoints>,
    /// The holder's pseudonym `P`, when shown (spec §7.5).
    pub pseudonym: Option<Point>,
}

impl CredentialPoints {
    /// Decompresses the commitments of fast-mode `credentials`.
    pub fn new(credentials: &[&Credential]) -> Result<Self, DecodeError> {
        let mut points = CredentialPoints::default();
        for c in credentials {
            let attrs = c
                .commitments()
                .iter()
                .map(|p| {
                    wire::decompress(p, "attribute commitment").map(|point| Point {
                        compressed: *p,
                        point,
                    })
                })
                .collect::<Result<_, _>>()?;
            let holder = Point {
                compressed: *c.holder_commitment(),
                point: wire::decompress(c.holder_commitment(), "holder commitment")?,
            };
            points.slots.push(SlotPoints::Fast { attrs, holder });
        }
        Ok(points)
    }

    /// The commitment to an attribute: the signed one in the fast mode, the
    /// fresh one in the anonymous mode. The presentation's shape was checked
    /// against the plan before, so a miss is an internal error.
    fn attr(&self, plan: &Plan, at: AttrAt) -> Result<Point, Error> {
        let miss = Error::Internal("credential shape");
        match self.slots.get(at.slot).ok_or(miss.clone())? {
            SlotPoints::Fast { attrs, .. } => attrs.get(at.attr).copied().ok_or(miss),
            SlotPoints::Anonymous { attrs, .. } => {
                let slot = plan.slots.get(at.slot).ok_or(miss.clone())?;
                let i = slot
                    .used
                    .binary_search(&at.attr)
                    .map_err(|_| miss.clone())?;
                attrs.get(i).copied().ok_or(miss)
            }
        }
    }

    /// `Σ w·C + constant·B`: the commitment a range statement is about.
    /// (`B` is the ristretto basepoint, so `constant·B` uses its table.)
    pub fn derived(
        &self,
        plan: &Plan,
        st: &RangeStatement,
        base: &mut BasepointMultiples,
    ) -> Result<RistrettoPoint, Error> {
        let mut acc = base.get(st.constant);
        let mut scalars = Vec::new();
        let mut points = Vec::new();
        for t in &st.terms {
            let c = self.attr(plan, t.at)?.point;
            match t.weight {
                1 => acc += c,
                -1 => acc -= c,
                w => {
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

    /// The sigma relations (spec §7.3), with the link secret `s` as witness
    /// 0 in every credential's: per slot, in the fast mode the holder binding
    /// `H = s·B + ρ·B_blinding`; in the anonymous mode the digest opening
    /// `D' = Σ v_i·G^D_i + s·B + ρ'·B_blinding` and, for each used attribute,
    /// `C'_a = v_a·B + r'_a·B_blinding` with the same `v_a`. Then one opening
    /// per equality or disclosure.
    pub fn relations(
        &self,
        plan: &Plan,
        disclosed: &[u64],
        base: &mut BasepointMultiples,
    ) -> Result<Vec<Relation>, Error> {
        if self.slots.len() != plan.slots.len() {
            return Err(Error::Internal("credential count"));
        }
        let mut rels: Vec<Relation> = Vec::new();
        for (i, (points, slot)) in self.slots.iter().zip(&plan.slots).enumerate() {
            let w = plan.slot_base(i);
            match points {
                SlotPoints::Fast { holder, .. } => rels.push(holder_relation(*holder, 0, w)),
                SlotPoints::Anonymous { offset, attrs } => {
                    let count = slot.rater.schema.attributes().len();
                    let mut terms = vec![(0, Base::Value), (w, Base::Blinding)];
                    terms.extend((0..count).map(|k| (w + 1 + k, Base::Digest(k))));
                    rels.push(Relation {
                        lhs: *offset,
                        terms,
                    });
                    if attrs.len() != slot.used.len() {
                        return Err(Error::Internal("fresh commitment count"));
                    }
                    for (p, (c, &u)) in attrs.iter().zip(&slot.used).enumerate() {
                        rels.push(Relation {
                            lhs: *c,
                            terms: vec![
                                (w + 1 + u, Base::Value),
                                (w + 1 + count + p, Base::Blinding),
                            ],
                        });
                    }
                }
            }
        }
        let first = plan.opening_base();
        for (j, o) in plan.openings.iter().enumerate() {
            let v = match o.value {
                ValueSource::Constant(c) => c,
                ValueSource::Disclosed(d) => *disclosed
                    .get(d)
                    .ok_or(Error::Internal("disclosed value count"))?,
            };
            let c = self.attr(plan, o.at)?;
            let lhs = if v == 0 {
                c
            } else {
                Point::new(c.point - base.get(i128::from(v)))
            };
            rels.push(Relation {
                lhs,
                terms: vec![(first + j, Base::Blinding)],
            });
        }
        // The pseudonym: `P = s·H_v`, with the link secret of every slot.
        match (plan.pseudonym, self.pseudonym) {
            (Some(base), Some(p)) => rels.push(Relation {
                lhs: p,
                terms: vec![(0, Base::Pseudonym(base))],
            }),
            (None, None) => {}
            _ => return Err(Error::Internal("pseudonym")),
        }
        Ok(rels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_scalars() {
        assert_eq!(scalar_i128(-5) + Scalar::from(5u64), Scalar::ZERO);
        assert_eq!(
            scalar_i128(i128::MIN + 1) + scalar_i128(i128::MAX),
            Scalar::ZERO
        );
    }
}

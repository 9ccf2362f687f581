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

/// The decompressed commitments of a presentation's credentials, in slot
/// order.
#[derive(Clone, Default)]
pub(crate) struct CredentialPoints {
    pub attrs: Vec<Vec<Point>>,
    pub holders: Vec<Point>,
}

impl CredentialPoints {
    /// Decompresses the commitments of `credentials`.
    pub fn new(credentials: &[Credential]) -> Result<Self, DecodeError> {
        let mut points = CredentialPoints::default();
        for c in credentials {
            points.attrs.push(
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
            points.holders.push(Point {
                compressed: *c.holder_commitment(),
                point: wire::decompress(c.holder_commitment(), "holder commitment")?,
            });
        }
        Ok(points)
    }

    /// The commitment to an attribute; the presentation's shape was checked
    /// against the plan before, so a miss is an internal error.
    fn attr(&self, at: AttrAt) -> Result<Point, Error> {
        self.attrs
            .get(at.slot)
            .and_then(|a| a.get(at.attr))
            .copied()
            .ok_or(Error::Internal("credential shape"))
    }

    /// `Σ w·C + constant·B`: the commitment a range statement is about.
    /// (`B` is the ristretto basepoint, so `constant·B` uses its table.)
    pub fn derived(
        &self,
        st: &RangeStatement,
        base: &mut BasepointMultiples,
    ) -> Result<RistrettoPoint, Error> {
        let mut acc = base.get(st.constant);
        let mut scalars = Vec::new();
        let mut points = Vec::new();
        for t in &st.terms {
            let c = self.attr(t.at)?.point;
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

    /// The sigma relations: holder binding for every slot with the shared link
    /// secret `s` (witness 0), then one opening per equality or disclosure.
    pub fn relations(
        &self,
        plan: &Plan,
        disclosed: &[u64],
        base: &mut BasepointMultiples,
    ) -> Result<Vec<Relation>, Error> {
        let k = plan.slots.len();
        let mut rels: Vec<Relation> = (0..k)
            .map(|i| {
                self.holders
                    .get(i)
                    .map(|h| holder_relation(*h, 0, 1 + i))
                    .ok_or(Error::Internal("credential count"))
            })
            .collect::<Result<_, _>>()?;
        for (j, o) in plan.openings.iter().enumerate() {
            let v = match o.value {
                ValueSource::Constant(c) => c,
                ValueSource::Disclosed(d) => *disclosed
                    .get(d)
                    .ok_or(Error::Internal("disclosed value count"))?,
            };
            let c = self.attr(o.at)?;
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

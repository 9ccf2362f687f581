//! Building a presentation (spec §7.3).

use bulletproofs::RangeProof;
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::statements::{self, scalar_i128, Known, Origin, Points};
use super::{Presentation, RangeGroupProof};
use crate::credential::{HeldCredential, LinkSecret};
use crate::errors::Error;
use crate::generators::{bulletproof_gens, pedersen_gens};
use crate::request::ProofRequest;
use crate::sigma;

impl Presentation {
    /// Proves that the holder of `link` and `credentials` satisfies `request`
    /// (spec §7.3).
    ///
    /// For every schema the request names, the first credential in
    /// `credentials` of that schema, signed by a trusted key, held by `link` and
    /// valid on the request's date, is used.
    ///
    /// # Errors
    /// [`Error::PredicateNotMet`] naming the predicate the wallet's values do not
    /// satisfy; [`Error::Expired`]; [`Error::MissingCredential`] or
    /// [`Error::UnusableCredential`] when no suitable credential was supplied.
    /// Nothing is proven when an error is returned.
    pub fn prove_with_rng<R: RngCore + CryptoRng>(
        request: &ProofRequest,
        link: &LinkSecret,
        credentials: &[HeldCredential],
        rng: &mut R,
    ) -> Result<Presentation, Error> {
        let plan = request.plan();
        let chosen: Vec<&HeldCredential> = plan
            .slots
            .iter()
            .map(|&t| choose(request, t, link, credentials))
            .collect::<Result<_, _>>()?;
        let public: Vec<_> = chosen.iter().map(|h| h.credential().clone()).collect();

        // Range statements: the value and blinding of each derived commitment.
        let mut values: Vec<Zeroizing<u64>> = Vec::with_capacity(plan.ranges.len());
        let mut blindings: Vec<Zeroizing<Scalar>> = Vec::with_capacity(plan.ranges.len());
        for st in &plan.ranges {
            let mut v: i128 = st.constant;
            let mut r = Zeroizing::new(Scalar::ZERO);
            for &(slot, attr, w) in &st.terms {
                let o = chosen[slot].opening();
                let x = o.values().get(attr).ok_or(Error::Proving)?;
                v = i128::from(*x)
                    .checked_mul(w)
                    .and_then(|t| t.checked_add(v))
                    .ok_or(Error::Proving)?;
                *r += scalar_i128(w) * o.blindings().get(attr).ok_or(Error::Proving)?;
            }
            let fits = v >= 0 && v < (1i128 << st.bits);
            if !fits {
                return Err(match st.origin {
                    Origin::Predicate(i) => not_met(request, i),
                    Origin::Expiry(slot) => Error::Expired {
                        schema: request.trusted()[plan.slots[slot]].schema.id().to_owned(),
                    },
                });
            }
            values.push(Zeroizing::new(v as u64));
            blindings.push(r);
        }

        // Opening statements: equalities and disclosures.
        let mut disclosed = Vec::with_capacity(plan.reveals.len());
        for &(slot, attr) in &plan.reveals {
            let v = chosen[slot]
                .opening()
                .values()
                .get(attr)
                .ok_or(Error::Proving)?;
            disclosed.push(*v);
        }
        let k = plan.slots.len();
        let mut witnesses = Zeroizing::new(Vec::with_capacity(plan.witness_count()));
        witnesses.push(*link.scalar());
        for h in &chosen {
            witnesses.push(*h.opening().holder_blinding());
        }
        for o in &plan.openings {
            let op = chosen[o.slot].opening();
            let v = *op.values().get(o.attr).ok_or(Error::Proving)?;
            if let Known::Constant(c) = o.value {
                if !bool::from(v.ct_eq(&c)) {
                    return Err(not_met(request, o.predicate));
                }
            }
            witnesses.push(*op.blindings().get(o.attr).ok_or(Error::Proving)?);
        }
        debug_assert_eq!(witnesses.len(), 1 + k + plan.openings.len());

        let mut t = statements::transcript(request, &public, &disclosed);
        let mut range_proofs = Vec::new();
        for (bits, idx) in plan.groups().iter().cloned() {
            statements::bind_group(&mut t, bits, idx.len());
            let m = statements::padded_len(idx.len());
            let mut vs = Zeroizing::new(vec![0u64; m]);
            let mut rs = Zeroizing::new(vec![Scalar::ZERO; m]);
            for (j, &i) in idx.iter().enumerate() {
                vs[j] = *values[i];
                rs[j] = *blindings[i];
            }
            let (proof, _) = RangeProof::prove_multiple_with_rng(
                bulletproof_gens(),
                pedersen_gens(),
                &mut t,
                &vs,
                &rs,
                bits,
                rng,
            )
            .map_err(|_| Error::Proving)?;
            range_proofs.push(RangeGroupProof::made(bits, proof.to_bytes()));
        }

        let points = Points::new(&public)?;
        let relations = points.relations(plan, &disclosed, &mut Default::default())?;
        let sigma = sigma::prove(&mut t, &relations, &witnesses, rng);
        Ok(Presentation {
            request_digest: request.digest(),
            credentials: public,
            disclosed,
            range_proofs,
            sigma,
            points,
        })
    }

    /// [`Presentation::prove_with_rng`] with the operating system's RNG.
    ///
    /// # Errors
    /// As [`Presentation::prove_with_rng`].
    pub fn prove(
        request: &ProofRequest,
        link: &LinkSecret,
        credentials: &[HeldCredential],
    ) -> Result<Presentation, Error> {
        Self::prove_with_rng(request, link, credentials, &mut rand_core::OsRng)
    }
}

fn not_met(request: &ProofRequest, i: usize) -> Error {
    Error::PredicateNotMet {
        predicate: i,
        description: request
            .predicates()
            .get(i)
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

const EXPIRED: &str = "it has expired on the reference date";

/// The first credential of the slot's schema that a trusted key signed, `link`
/// holds, and that is valid on the request's date.
fn choose<'a>(
    request: &ProofRequest,
    trusted: usize,
    link: &LinkSecret,
    credentials: &'a [HeldCredential],
) -> Result<&'a HeldCredential, Error> {
    let tr = &request.trusted()[trusted];
    let schema = tr.schema.id();
    let mut reason = None;
    for h in credentials
        .iter()
        .filter(|h| h.credential().schema_id() == schema)
    {
        let c = h.credential();
        if c.schema_digest() != &tr.schema.digest() {
            reason = Some("it is for another version of the schema");
        } else if !tr.keys.iter().any(|k| k.key_id() == c.key_id()) {
            reason = Some("its rater key is not trusted by the request");
        } else if !h.is_held_by(link) {
            reason = Some("it was issued to another link secret");
        } else if h.opening().values().len() != tr.schema.attributes().len() {
            reason = Some("its openings do not fit the schema");
        } else if h
            .opening()
            .values()
            .get(tr.schema.expiry_index())
            .is_none_or(|&e| e < request.date().days())
        {
            reason = Some(EXPIRED);
        } else {
            return Ok(h);
        }
    }
    Err(match reason {
        Some(EXPIRED) => Error::Expired {
            schema: schema.to_owned(),
        },
        Some(reason) => Error::UnusableCredential {
            schema: schema.to_owned(),
            reason,
        },
        None => Error::MissingCredential {
            schema: schema.to_owned(),
        },
    })
}

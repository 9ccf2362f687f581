//! Building a presentation (spec §7.3): the prover's side of the protocol.

use bulletproofs::RangeProof;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::Presentation;
use crate::credential::{HeldCredential, LinkSecret};
use crate::derived::Derived;
use crate::errors::Error;
use crate::generators::{bulletproof_gens, pedersen_gens};
use crate::range::{padded_len, RangeGroupProof};
use crate::request::ProofRequest;
use crate::sigma::{self, Relation, SigmaProof};
use crate::statement::drive::{self, Public, Side};
use crate::statement::{
    scalar_i128, BasepointMultiples, CredentialPoints, RangeGroup, StatementOrigin, ValueSource,
};

/// The prover's side: the witnesses, and the proofs as they are made.
struct Proving<'r, R> {
    /// The value and blinding of each range statement's derived commitment.
    values: Vec<Zeroizing<u64>>,
    blindings: Vec<Zeroizing<Scalar>>,
    /// `s`, the holder blindings, the opening blindings (spec §7.3).
    witnesses: Zeroizing<Vec<Scalar>>,
    range_proofs: Vec<RangeGroupProof>,
    sigma: Option<SigmaProof>,
    rng: &'r mut R,
}

impl<R: RngCore + CryptoRng> Side for Proving<'_, R> {
    type Error = Error;

    fn range_group(
        &mut self,
        t: &mut Transcript,
        _index: usize,
        group: &RangeGroup,
        _base: &mut BasepointMultiples,
    ) -> Result<(), Error> {
        let m = padded_len(group.statements.len());
        let mut vs = Zeroizing::new(vec![0u64; m]);
        let mut rs = Zeroizing::new(vec![Scalar::ZERO; m]);
        for (j, &i) in group.statements.iter().enumerate() {
            let (v, r) = self
                .values
                .get(i)
                .zip(self.blindings.get(i))
                .ok_or(Error::Internal("range statement index"))?;
            vs[j] = **v;
            rs[j] = **r;
        }
        let (proof, _) = RangeProof::prove_multiple_with_rng(
            bulletproof_gens(),
            pedersen_gens(),
            t,
            &vs,
            &rs,
            group.bits,
            self.rng,
        )
        .map_err(|_| Error::Proving)?;
        self.range_proofs
            .push(RangeGroupProof::own(group.bits, proof.to_bytes()));
        Ok(())
    }

    fn sigma(&mut self, t: &mut Transcript, relations: &[Relation]) -> Result<(), Error> {
        self.sigma = Some(sigma::prove(t, relations, &self.witnesses, self.rng));
        Ok(())
    }
}

impl Presentation {
    /// Proves that the holder of `link` and `chosen` satisfies `request`
    /// (spec §7.3). `chosen` holds one credential per credential slot of the
    /// request, in slot order, as [`Presentation::prove_with_rng`] selects
    /// them.
    ///
    /// # Errors
    /// [`Error::PredicateNotMet`] naming the predicate the values do not
    /// satisfy; [`Error::Expired`]. Nothing is proven when an error is
    /// returned.
    pub(crate) fn prove_chosen_with_rng<R: RngCore + CryptoRng>(
        request: &ProofRequest,
        link: &LinkSecret,
        chosen: &[&HeldCredential],
        rng: &mut R,
    ) -> Result<Presentation, Error> {
        let plan = request.plan();
        if chosen.len() != plan.slots.len() {
            return Err(Error::Internal("one credential per slot"));
        }
        let value = |slot: usize, attr: usize| {
            chosen
                .get(slot)
                .and_then(|h| h.opening().values().get(attr).copied())
                .ok_or(Error::Internal("opening shape"))
        };
        let blinding = |slot: usize, attr: usize| {
            chosen
                .get(slot)
                .and_then(|h| h.opening().blindings().get(attr).copied())
                .ok_or(Error::Internal("opening shape"))
        };

        // Range statements: the value and blinding of each derived commitment.
        let mut values = Vec::with_capacity(plan.ranges.len());
        let mut blindings = Vec::with_capacity(plan.ranges.len());
        for st in &plan.ranges {
            let mut v: i128 = st.constant;
            let mut r = Zeroizing::new(Scalar::ZERO);
            for t in &st.terms {
                let x = Zeroizing::new(value(t.at.slot, t.at.attr)?);
                v = i128::from(*x)
                    .checked_mul(t.weight)
                    .and_then(|w| w.checked_add(v))
                    .ok_or(Error::Internal("range statement overflow"))?;
                let b = Zeroizing::new(blinding(t.at.slot, t.at.attr)?);
                *r += scalar_i128(t.weight) * *b;
            }
            let fits = v >= 0 && v < (1i128 << st.bits);
            if !fits {
                return Err(match st.origin {
                    StatementOrigin::Predicate(i) => not_met(request, i),
                    StatementOrigin::Expiry(slot) => Error::Expired {
                        schema: plan
                            .slots
                            .get(slot)
                            .map(|s| s.rater.schema.id().to_owned())
                            .unwrap_or_default(),
                    },
                });
            }
            values.push(Zeroizing::new(v as u64));
            blindings.push(r);
        }

        // Opening statements: equalities and disclosures.
        let mut disclosed = Vec::with_capacity(plan.reveals.len());
        for at in &plan.reveals {
            disclosed.push(value(at.slot, at.attr)?);
        }
        let mut witnesses = Zeroizing::new(Vec::with_capacity(plan.witness_count()));
        witnesses.push(*link.scalar());
        for h in chosen {
            witnesses.push(*h.opening().holder_blinding());
        }
        for o in &plan.openings {
            let v = Zeroizing::new(value(o.at.slot, o.at.attr)?);
            if let ValueSource::Constant(c) = o.value {
                if !bool::from(v.ct_eq(&c)) {
                    return Err(not_met(request, o.predicate));
                }
            }
            witnesses.push(blinding(o.at.slot, o.at.attr)?);
        }

        let credentials: Vec<_> = chosen.iter().map(|h| h.credential().clone()).collect();
        let points = CredentialPoints::new(&credentials)?;
        let mut side = Proving {
            values,
            blindings,
            witnesses,
            range_proofs: Vec::with_capacity(plan.groups.len()),
            sigma: None,
            rng,
        };
        let request_digest = request.digest();
        drive::run(
            plan,
            Public {
                request_digest: &request_digest,
                credentials: &credentials,
                points: &points,
                disclosed: &disclosed,
            },
            &mut BasepointMultiples::default(),
            &mut side,
        )?;
        let sigma = side.sigma.ok_or(Error::Internal("sigma proof"))?;
        Ok(Presentation {
            request_digest,
            credentials,
            disclosed,
            range_proofs: side.range_proofs,
            sigma,
            points: Derived::new(points),
        })
    }

    /// Proves that the holder of `link` and `credentials` satisfies `request`
    /// (spec §7.3).
    ///
    /// For every schema the request names, the first credential in
    /// `credentials` of that schema, signed by a trusted key, held by `link` and
    /// valid on the request's date, is used. This is the raw prover: it keeps
    /// no record of what was used or disclosed; a subject proves through a
    /// `Wallet`, which presents each credential once and refuses threshold
    /// probing.
    ///
    /// # Errors
    /// [`Error::PredicateNotMet`] naming the predicate the wallet's values do not
    /// satisfy; [`Error::Expired`]; [`Error::MissingCredential`] or
    /// [`Error::UnusableCredential`] when no suitable credential was supplied.
    /// Nothing is proven when an error is returned.
    #[cfg(feature = "hazmat")]
    pub fn prove_with_rng<R: RngCore + CryptoRng>(
        request: &ProofRequest,
        link: &LinkSecret,
        credentials: &[HeldCredential],
        rng: &mut R,
    ) -> Result<Presentation, Error> {
        let candidates: Vec<&HeldCredential> = credentials.iter().collect();
        let chosen: Vec<&HeldCredential> = super::select(request, link, &candidates)?
            .into_iter()
            .filter_map(|i| candidates.get(i).copied())
            .collect();
        Self::prove_chosen_with_rng(request, link, &chosen, rng)
    }

    /// [`Presentation::prove_with_rng`] with the operating system's RNG.
    ///
    /// # Errors
    /// As [`Presentation::prove_with_rng`].
    #[cfg(feature = "hazmat")]
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

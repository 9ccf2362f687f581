//! Building a presentation (spec §7.3): the prover's side of the protocol.

use bulletproofs::RangeProof;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{AnonymousCredential, Presentation, Shown};
use crate::credential::{HeldCredential, LinkSecret};
use crate::derived::Derived;
use crate::epoch::{EpochList, EpochLists};
use crate::errors::Error;
use crate::generators::{self, blinding_mul, bulletproof_gens, pedersen_gens};
use crate::membership::{self, Witness};
use crate::range::{padded_len, RangeGroupProof};
use crate::request::ProofRequest;
use crate::sigma::{self, Relation, SigmaProof};
use crate::statement::drive::{self, Public, Side};
use crate::statement::{
    scalar_i128, BasepointMultiples, CredentialPoints, RangeGroup, SlotPoints, StatementOrigin,
    ValueSource,
};
use crate::wire::Point;

/// The prover's side: the witnesses, and the proofs as they are made.
struct Proving<'r, R> {
    /// The value and blinding of each range statement's derived commitment.
    values: Vec<Zeroizing<u64>>,
    blindings: Vec<Zeroizing<Scalar>>,
    /// `s`, the holder blindings, the opening blindings (spec §7.3).
    witnesses: Zeroizing<Vec<Scalar>>,
    range_proofs: Vec<RangeGroupProof>,
    /// The membership witness of each slot shown in the anonymous mode, and
    /// its proof once made.
    members: Vec<Option<Witness>>,
    proofs: Vec<Option<Vec<u8>>>,
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

    fn membership(
        &mut self,
        t: &mut Transcript,
        slot: usize,
        list: &EpochList,
        offset: &Point,
    ) -> Result<(), Error> {
        let witness = self
            .members
            .get(slot)
            .and_then(Option::as_ref)
            .ok_or(Error::Internal("membership witness"))?;
        // The parallel prover folds the list across threads and makes the
        // same proof for the same RNG.
        #[cfg(feature = "parallel")]
        let prove = membership::prove_parallel_with_rng;
        #[cfg(not(feature = "parallel"))]
        let prove = membership::prove_with_rng;
        let proof = prove(
            &list.params(),
            t,
            list.points(),
            &offset.point,
            witness,
            self.rng,
        )
        .map_err(|_| Error::Internal("membership proof"))?;
        if let Some(p) = self.proofs.get_mut(slot) {
            *p = Some(proof.to_bytes());
        }
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
        lists: &EpochLists,
        rng: &mut R,
    ) -> Result<Presentation, Error> {
        let plan = request.plan();
        if chosen.len() != plan.slots.len() {
            return Err(Error::Internal("one credential per slot"));
        }
        let shows = chosen
            .iter()
            .zip(&plan.slots)
            .map(|(h, slot)| {
                if slot.is_anonymous() {
                    Anonymous::new(h, slot, lists, rng).map(Some)
                } else {
                    Ok(None)
                }
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let value = |slot: usize, attr: usize| {
            chosen
                .get(slot)
                .and_then(|h| h.opening().values().get(attr).copied())
                .ok_or(Error::Internal("opening shape"))
        };
        // The blinding of the commitment statements are about: the signed
        // one in the fast mode, the fresh one in the anonymous mode.
        let blinding = |slot: usize, attr: usize| match shows.get(slot) {
            Some(Some(a)) => a.blinding(attr),
            _ => chosen
                .get(slot)
                .and_then(|h| h.opening().blindings().get(attr).copied())
                .ok_or(Error::Internal("opening shape")),
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
        for (h, show) in chosen.iter().zip(&shows) {
            match show {
                None => witnesses.push(*h.opening().holder_blinding()),
                Some(a) => {
                    witnesses.push(a.digest_blinding);
                    witnesses.extend(h.opening().values().iter().map(|v| Scalar::from(*v)));
                    witnesses.extend(a.fresh.iter().copied());
                }
            }
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

        let mut shown = Vec::with_capacity(chosen.len());
        let mut points = CredentialPoints::default();
        let mut members = Vec::with_capacity(chosen.len());
        let mut slot_lists: Vec<Option<&EpochList>> = Vec::with_capacity(chosen.len());
        for (h, show) in chosen.iter().zip(shows.iter()) {
            match show {
                None => {
                    let c = h.credential();
                    points.slots.extend(CredentialPoints::new(&[c])?.slots);
                    shown.push(Shown::Credential(c.clone()));
                    members.push(None);
                    slot_lists.push(None);
                }
                Some(a) => {
                    shown.push(Shown::Anonymous(AnonymousCredential {
                        list: a.list_index,
                        offset: a.offset.compressed,
                        commitments: a.commitments.iter().map(|c| c.compressed).collect(),
                        proof: Vec::new(),
                    }));
                    points.slots.push(SlotPoints::Anonymous {
                        offset: a.offset,
                        attrs: a.commitments.clone(),
                    });
                    members.push(Some(Witness::new(a.position, a.tau)));
                    slot_lists.push(Some(a.list));
                }
            }
        }
        // The pseudonym `P = s·H_v` (constant time in `s`).
        points.pseudonym = plan
            .pseudonym
            .map(|base| crate::wire::Point::new(base * link.scalar()));
        let mut side = Proving {
            values,
            blindings,
            witnesses,
            range_proofs: Vec::with_capacity(plan.groups.len()),
            proofs: vec![None; chosen.len()],
            members,
            sigma: None,
            rng,
        };
        let request_digest = request.digest();
        drive::run(
            plan,
            Public {
                request_digest: &request_digest,
                shown: &shown,
                lists: &slot_lists,
                points: &points,
                disclosed: &disclosed,
            },
            &mut BasepointMultiples::default(),
            &mut side,
        )?;
        for (s, proof) in shown.iter_mut().zip(std::mem::take(&mut side.proofs)) {
            if let (Shown::Anonymous(a), Some(p)) = (s, proof) {
                a.proof = p;
            }
        }
        let sigma = side.sigma.ok_or(Error::Internal("sigma proof"))?;
        Ok(Presentation {
            request_digest,
            pseudonym: points.pseudonym.map(|p| p.compressed),
            shown,
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
        Self::prove_with_lists_rng(request, link, credentials, &EpochLists::new(), rng)
    }

    /// [`Presentation::prove_with_rng`] for a request that asks for the
    /// anonymous mode for some schemas: each such credential is shown as a
    /// member of the newest of the request's epoch lists in `lists` that
    /// holds its digest (spec §7.4).
    ///
    /// # Errors
    /// As [`Presentation::prove_with_rng`]; [`Error::NotListed`] when the
    /// credential is in none of them (revoked), [`Error::ListUnavailable`]
    /// when `lists` holds none of them, [`Error::NoDigest`] for a credential
    /// issued before digests.
    #[cfg(feature = "hazmat")]
    pub fn prove_with_lists_rng<R: RngCore + CryptoRng>(
        request: &ProofRequest,
        link: &LinkSecret,
        credentials: &[HeldCredential],
        lists: &EpochLists,
        rng: &mut R,
    ) -> Result<Presentation, Error> {
        let candidates: Vec<&HeldCredential> = credentials.iter().collect();
        let chosen: Vec<&HeldCredential> = super::select(request, link, &candidates, lists)?
            .into_iter()
            .filter_map(|i| candidates.get(i).copied())
            .collect();
        Self::prove_chosen_with_rng(request, link, &chosen, lists, rng)
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

/// What the prover draws to show one credential in the anonymous mode
/// (spec §7.4): the list and the digest's position in it, `τ` and
/// `D' = D − τ·B_blinding`, and a fresh commitment to each used attribute.
struct Anonymous<'l> {
    list: &'l EpochList,
    list_index: u8,
    position: usize,
    tau: Scalar,
    offset: Point,
    /// `ρ' = ρ_D − τ`: the blinding of `D'`.
    digest_blinding: Scalar,
    /// The used attributes, their fresh blindings and commitments.
    used: Vec<usize>,
    fresh: Zeroizing<Vec<Scalar>>,
    commitments: Vec<Point>,
}

impl Drop for Anonymous<'_> {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.tau.zeroize();
        self.digest_blinding.zeroize();
        self.position.zeroize();
    }
}

impl<'l> Anonymous<'l> {
    fn new<R: RngCore + CryptoRng>(
        h: &HeldCredential,
        slot: &crate::statement::Slot,
        lists: &'l EpochLists,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let schema = || slot.rater.schema().id().to_owned();
        let digest = h
            .digest_opening()
            .ok_or_else(|| Error::NoDigest { schema: schema() })?;
        // The newest of the lists the request names that holds the digest.
        let mut found: Option<(u8, &EpochList, usize)> = None;
        let mut held_any = false;
        for index in 0..slot.rater.lists().len() {
            let Some(list) = slot.rater.list_in(lists, index) else {
                continue;
            };
            held_any = true;
            let Some(position) = list.position(digest.digest.point()) else {
                continue;
            };
            if found.is_none_or(|(_, l, _)| list.epoch() > l.epoch()) {
                let index = u8::try_from(index).map_err(|_| Error::Internal("list index"))?;
                found = Some((index, list, position));
            }
        }
        let Some((list_index, list, position)) = found else {
            return Err(if held_any {
                Error::NotListed { schema: schema() }
            } else {
                Error::ListUnavailable { schema: schema() }
            });
        };
        let d = crate::wire::decompress(digest.digest.point(), "credential digest")?;
        let tau = Scalar::random(rng);
        let offset = Point::new(d - blinding_mul(&tau));
        let values = h.opening().values();
        let fresh = Zeroizing::new(
            slot.used
                .iter()
                .map(|_| Scalar::random(rng))
                .collect::<Vec<_>>(),
        );
        let commitments = slot
            .used
            .iter()
            .zip(fresh.iter())
            .map(|(&u, r)| {
                let v = values.get(u).ok_or(Error::Internal("opening shape"))?;
                Ok(Point::new(generators::commit(&Scalar::from(*v), r)))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Anonymous {
            list,
            list_index,
            position,
            digest_blinding: digest.blinding - tau,
            tau,
            offset,
            used: slot.used.clone(),
            fresh,
            commitments,
        })
    }

    /// The fresh blinding of used attribute `attr`.
    fn blinding(&self, attr: usize) -> Result<Scalar, Error> {
        self.used
            .binary_search(&attr)
            .ok()
            .and_then(|i| self.fresh.get(i).copied())
            .ok_or(Error::Internal("fresh commitment"))
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

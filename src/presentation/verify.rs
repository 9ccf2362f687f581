//! Checking a presentation against the verifier's own request (spec §8).

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use super::{Presentation, Shown};
use crate::epoch::{EpochList, EpochLists};
use crate::errors::Error;
use crate::keys::RaterPublicKey;
use crate::membership::{self, MembershipProof};
use crate::msm::{self, Msm};
use crate::range::verify::PendingRange;
use crate::range::{identity, padded_len};
use crate::request::ProofRequest;
use crate::sigma::{self, Relation};
use crate::statement::drive::{self, Public, Side};
use crate::statement::{BasepointMultiples, Plan, RangeGroup};
use crate::verdict::{Disclosure, Rejection, Verdict};
use crate::wire::Point;

/// The RNG for verification weights: seeded once from the operating system,
/// so that drawing many weights costs no system calls.
pub(crate) fn weights_rng() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    use rand_core::RngCore;
    let mut seed = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut seed);
    rand::rngs::StdRng::from_seed(seed)
}

/// The signed message, signature and trusted key of every credential of a
/// presentation whose structure checks passed.
pub(crate) struct SignatureCheck<'a> {
    pub message: Vec<u8>,
    pub signature: ed25519_dalek::Signature,
    pub key: &'a RaterPublicKey,
    pub credential: usize,
    pub schema: &'a str,
}

impl SignatureCheck<'_> {
    pub(crate) fn rejection(&self) -> Rejection {
        Rejection::BadSignature {
            credential: self.credential,
            schema: self.schema.to_owned(),
        }
    }
}

/// One presentation's proofs, replayed and written as checks: the
/// accumulated terms, and the range proofs waiting for their batched
/// inversions (spec §8.1 steps 8 to 10).
pub(crate) struct Checks<'a> {
    pub msm: Msm<'a>,
    pub ranges: Vec<PendingRange<'a>>,
    /// The membership proofs, replayed on the transcript and waiting to be
    /// checked (alone, or in a batch over their list).
    pub members: Vec<PendingMember<'a>>,
}

/// A membership proof waiting to be checked: the transcript as it was before
/// the proof, its list, `D'` and the decoded proof.
pub(crate) struct PendingMember<'a> {
    pub transcript: Transcript,
    pub list: &'a EpochList,
    pub offset: curve25519_dalek::ristretto::RistrettoPoint,
    pub proof: MembershipProof,
}

impl PendingMember<'_> {
    /// Checks the proof alone.
    pub fn holds(&mut self) -> bool {
        membership::verify(
            &self.list.params(),
            &mut self.transcript,
            self.list.points(),
            &self.offset,
            &self.proof,
        )
        .is_ok()
    }
}

/// What the structure checks resolve: the signatures to check and the list of
/// each slot shown in the anonymous mode.
pub(crate) struct Structure<'a> {
    pub signatures: Vec<SignatureCheck<'a>>,
    pub lists: Vec<Option<&'a EpochList>>,
}

/// Why replaying a presentation stopped.
enum Stop {
    Rejected(Rejection),
    Internal(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Internal(e)
    }
}

/// The verifier's side: derives each range group's commitments from the
/// signed credentials and the request, and writes each proof as a check.
struct Checking<'a, 'b, R> {
    presentation: &'a Presentation,
    plan: &'b Plan,
    lists: &'b [Option<&'a EpochList>],
    checks: Checks<'a>,
    rng: &'b mut R,
}

impl<'a, R: RngCore + CryptoRng> Side for Checking<'a, '_, R> {
    type Error = Stop;

    fn range_group(
        &mut self,
        t: &mut Transcript,
        index: usize,
        group: &RangeGroup,
        base: &mut BasepointMultiples,
    ) -> Result<(), Stop> {
        let p: &'a Presentation = self.presentation;
        let proof = p
            .range_proofs
            .get(index)
            .ok_or(Error::Internal("range proof count"))?;
        let m = padded_len(group.statements.len());
        let mut commitments = Vec::with_capacity(m);
        for &i in &group.statements {
            let st = self
                .plan
                .ranges
                .get(i)
                .ok_or(Error::Internal("range statement index"))?;
            commitments.push(Point::new(p.points.derived(self.plan, st, base)?));
        }
        commitments.resize(m, identity());
        let parts = proof.parts().map_err(|e| {
            Stop::Rejected(Rejection::Malformed {
                detail: e.to_string(),
            })
        })?;
        let pending = crate::range::verify::replay(t, group.bits, &commitments, parts)
            .map_err(|_| Stop::Rejected(Rejection::ProofInvalid))?;
        self.checks.ranges.push(pending);
        Ok(())
    }

    fn membership(
        &mut self,
        t: &mut Transcript,
        slot: usize,
        list: &EpochList,
        offset: &Point,
    ) -> Result<(), Stop> {
        let p: &'a Presentation = self.presentation;
        let (Some(Shown::Anonymous(a)), Some(Some(held))) =
            (p.shown.get(slot), self.lists.get(slot))
        else {
            return Err(Error::Internal("anonymous slot").into());
        };
        if held.digest() != list.digest() {
            return Err(Error::Internal("epoch list").into());
        }
        let params = held.params();
        let proof = MembershipProof::from_bytes(&params, &a.proof).map_err(|e| {
            Stop::Rejected(Rejection::Malformed {
                detail: format!("credential {slot}: {e}"),
            })
        })?;
        let before = t.clone();
        membership::absorb(&params, t, held.len(), &offset.point, &proof)
            .map_err(|_| Stop::Rejected(Rejection::ProofInvalid))?;
        self.checks.members.push(PendingMember {
            transcript: before,
            list: held,
            offset: offset.point,
            proof,
        });
        Ok(())
    }

    fn sigma(&mut self, t: &mut Transcript, relations: &[Relation]) -> Result<(), Stop> {
        let p: &'a Presentation = self.presentation;
        sigma::add_to(
            &mut self.checks.msm,
            t,
            relations,
            self.plan.witness_count(),
            &p.sigma,
            self.rng,
        )
        .map_err(|_| Stop::Rejected(Rejection::ProofInvalid))
    }
}

impl Presentation {
    /// Checks this presentation against the verifier's own `request`
    /// (spec §8.1). Every statement is derived from the request and the
    /// rater-signed credentials; nothing derived is taken from the
    /// presentation. Nonces are not tracked here: the verifier role's
    /// `Verifier::check` also refuses replayed, expired and unknown requests.
    pub fn verify_with_rng<R: RngCore + CryptoRng>(
        &self,
        request: &ProofRequest,
        rng: &mut R,
    ) -> Verdict {
        self.verify_with_lists_rng(request, &EpochLists::new(), rng)
    }

    /// [`Presentation::verify_with_rng`] for a request that asks for the
    /// anonymous mode: `lists` holds the epoch lists the request names,
    /// each checked against its rater when it was added (spec §8.1).
    pub fn verify_with_lists_rng<R: RngCore + CryptoRng>(
        &self,
        request: &ProofRequest,
        lists: &EpochLists,
        rng: &mut R,
    ) -> Verdict {
        let outcome = self.check(request, lists, rng);
        self.verdict(request, outcome)
    }

    /// [`Presentation::verify_with_lists_rng`] with a ChaCha RNG seeded from
    /// the operating system.
    pub fn verify_with_lists(&self, request: &ProofRequest, lists: &EpochLists) -> Verdict {
        self.verify_with_lists_rng(request, lists, &mut weights_rng())
    }

    /// Spec §8.1: every check of one presentation.
    fn check<R: RngCore + CryptoRng>(
        &self,
        request: &ProofRequest,
        lists: &EpochLists,
        rng: &mut R,
    ) -> Result<(), Rejection> {
        let structure = self.check_structure(request, lists)?;
        for s in &structure.signatures {
            s.key
                .verifying_key()
                .verify_strict(&s.message, &s.signature)
                .map_err(|_| s.rejection())?;
        }
        let mut checks = self.checks(
            request,
            &structure.lists,
            &mut BasepointMultiples::default(),
            rng,
        )?;
        crate::range::verify::finish(vec![(&mut checks.msm, checks.ranges)], rng);
        if msm::holds(&[&checks.msm]) && checks.members.iter_mut().all(PendingMember::holds) {
            Ok(())
        } else {
            Err(Rejection::ProofInvalid)
        }
    }

    /// [`Presentation::verify_with_rng`] with a ChaCha RNG seeded from the
    /// operating system.
    pub fn verify(&self, request: &ProofRequest) -> Verdict {
        self.verify_with_rng(request, &mut weights_rng())
    }

    /// The verdict for `outcome`, listing the request's statements, and the
    /// disclosed values when satisfied.
    pub(crate) fn verdict(
        &self,
        request: &ProofRequest,
        outcome: Result<(), Rejection>,
    ) -> Verdict {
        let plan = request.plan();
        let statements = plan.reports.clone();
        let satisfied = outcome.is_ok();
        let outcome = outcome.map(|()| {
            plan.reveals
                .iter()
                .zip(&self.disclosed)
                .map(|(&at, &value)| Disclosure {
                    attribute: plan.attribute_name(at).unwrap_or_default(),
                    value,
                })
                .collect()
        });
        let verdict = Verdict::new(statements, outcome);
        match (satisfied, self.pseudonym) {
            (true, Some(p)) => verdict.with_pseudonym(p.to_bytes()),
            _ => verdict,
        }
    }

    /// Spec §8.1 steps 2 to 6: everything but the signatures and the proofs.
    /// Returns what the signature checks need.
    pub(crate) fn check_structure<'a>(
        &'a self,
        request: &'a ProofRequest,
        lists: &'a EpochLists,
    ) -> Result<Structure<'a>, Rejection> {
        let plan = request.plan();
        let malformed = |detail: String| Rejection::Malformed { detail };
        if self.request_digest != request.digest() {
            return Err(Rejection::RequestMismatch);
        }
        if self.shown.len() != plan.slots.len() {
            return Err(malformed(format!(
                "expected {} credentials, found {}",
                plan.slots.len(),
                self.shown.len()
            )));
        }
        let mut sigs = Vec::with_capacity(self.shown.len());
        let mut slot_lists = Vec::with_capacity(self.shown.len());
        for (i, (shown, slot)) in self.shown.iter().zip(&plan.slots).enumerate() {
            let schema = &slot.rater.schema;
            let c = match (shown, slot.is_anonymous()) {
                (Shown::Credential(c), false) => c,
                (Shown::Anonymous(a), true) => {
                    if a.commitments.len() != slot.used.len() {
                        return Err(malformed(format!(
                            "credential {i}: expected {} fresh commitments, found {}",
                            slot.used.len(),
                            a.commitments.len()
                        )));
                    }
                    if a.list() >= slot.rater.lists().len() {
                        return Err(malformed(format!(
                            "credential {i}: the request names {} epoch lists",
                            slot.rater.lists().len()
                        )));
                    }
                    let list = slot.rater.list_in(lists, a.list()).ok_or_else(|| {
                        Rejection::ListUnavailable {
                            credential: i,
                            schema: schema.id().to_owned(),
                        }
                    })?;
                    slot_lists.push(Some(list));
                    continue;
                }
                (_, anonymous) => {
                    let mode = if anonymous { "anonymous" } else { "fast" };
                    return Err(malformed(format!(
                        "credential {i}: the request asks for the {mode} mode"
                    )));
                }
            };
            slot_lists.push(None);
            if c.schema_id() != schema.id()
                || c.schema_digest() != &schema.digest()
                || c.commitments().len() != schema.attributes().len()
            {
                return Err(Rejection::SchemaMismatch {
                    credential: i,
                    schema: schema.id().to_owned(),
                });
            }
            let Some(key) = slot.rater.keys.iter().find(|k| k.key_id() == c.key_id()) else {
                return Err(Rejection::UntrustedRater {
                    credential: i,
                    schema: schema.id().to_owned(),
                });
            };
            let (message, signature) = c.signed_parts();
            sigs.push(SignatureCheck {
                message,
                signature,
                key,
                credential: i,
                schema: schema.id(),
            });
        }
        if self.disclosed.len() != plan.reveals.len() {
            return Err(malformed(format!(
                "expected {} disclosed values, found {}",
                plan.reveals.len(),
                self.disclosed.len()
            )));
        }
        match (plan.pseudonym.is_some(), self.points.pseudonym) {
            (true, None) => return Err(malformed("the request asks for a pseudonym".into())),
            (false, Some(_)) => {
                return Err(malformed("the request does not ask for a pseudonym".into()))
            }
            (true, Some(p)) if curve25519_dalek::traits::IsIdentity::is_identity(&p.point) => {
                return Err(malformed("the pseudonym is the identity".into()))
            }
            _ => {}
        }
        let widths: Vec<usize> = plan.groups.iter().map(|g| g.bits).collect();
        let found: Vec<usize> = self.range_proofs.iter().map(|g| g.bits).collect();
        if widths != found {
            return Err(malformed(format!(
                "expected range proofs of widths {widths:?}, found {found:?}"
            )));
        }
        Ok(Structure {
            signatures: sigs,
            lists: slot_lists,
        })
    }

    /// Spec §8.1 steps 8 to 10: replays the transcript and returns the range
    /// proofs' and the sigma proof's checks, whose range proofs
    /// [`crate::range::verify::finish`] completes. The structure must have
    /// been checked.
    pub(crate) fn checks<'a, R: RngCore + CryptoRng>(
        &'a self,
        request: &ProofRequest,
        lists: &[Option<&'a EpochList>],
        base: &mut BasepointMultiples,
        rng: &mut R,
    ) -> Result<Checks<'a>, Rejection> {
        let plan = request.plan();
        let mut side = Checking {
            presentation: self,
            plan,
            lists,
            checks: Checks {
                msm: Msm::default(),
                ranges: Vec::with_capacity(plan.groups.len()),
                members: Vec::new(),
            },
            rng,
        };
        let public = Public {
            request_digest: &self.request_digest,
            shown: &self.shown,
            lists,
            points: &self.points,
            disclosed: &self.disclosed,
        };
        match drive::run(plan, public, base, &mut side) {
            Ok(()) => Ok(side.checks),
            Err(Stop::Rejected(r)) => Err(r),
            Err(Stop::Internal(e)) => Err(Rejection::Malformed {
                detail: e.to_string(),
            }),
        }
    }
}

//! Checking a presentation against the verifier's own request (spec §8).

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use super::Presentation;
use crate::errors::Error;
use crate::keys::RaterPublicKey;
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
/// inversions (spec §8.1 steps 7 to 9).
pub(crate) struct Checks<'a> {
    pub msm: Msm<'a>,
    pub ranges: Vec<PendingRange<'a>>,
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
            commitments.push(Point::new(p.points.derived(st, base)?));
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
        let outcome = self.check(request, rng);
        self.verdict(request, outcome)
    }

    /// Spec §8.1: every check of one presentation.
    fn check<R: RngCore + CryptoRng>(
        &self,
        request: &ProofRequest,
        rng: &mut R,
    ) -> Result<(), Rejection> {
        let sigs = self.check_structure(request)?;
        for s in &sigs {
            s.key
                .verifying_key()
                .verify_strict(&s.message, &s.signature)
                .map_err(|_| s.rejection())?;
        }
        let mut checks = self.checks(request, &mut BasepointMultiples::default(), rng)?;
        crate::range::verify::finish(vec![(&mut checks.msm, checks.ranges)], rng);
        if msm::holds(&[&checks.msm]) {
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
        Verdict::new(statements, outcome)
    }

    /// Spec §8.1 steps 2 to 6: everything but the signatures and the proofs.
    /// Returns what the signature checks need.
    pub(crate) fn check_structure<'a>(
        &'a self,
        request: &'a ProofRequest,
    ) -> Result<Vec<SignatureCheck<'a>>, Rejection> {
        let plan = request.plan();
        let malformed = |detail: String| Rejection::Malformed { detail };
        if self.request_digest != request.digest() {
            return Err(Rejection::RequestMismatch);
        }
        if self.credentials.len() != plan.slots.len() {
            return Err(malformed(format!(
                "expected {} credentials, found {}",
                plan.slots.len(),
                self.credentials.len()
            )));
        }
        let mut sigs = Vec::with_capacity(self.credentials.len());
        for (i, (c, slot)) in self.credentials.iter().zip(&plan.slots).enumerate() {
            let schema = &slot.rater.schema;
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
        let widths: Vec<usize> = plan.groups.iter().map(|g| g.bits).collect();
        let found: Vec<usize> = self.range_proofs.iter().map(|g| g.bits).collect();
        if widths != found {
            return Err(malformed(format!(
                "expected range proofs of widths {widths:?}, found {found:?}"
            )));
        }
        Ok(sigs)
    }

    /// Spec §8.1 steps 7 to 9: replays the transcript and returns the range
    /// proofs' and the sigma proof's checks, whose range proofs
    /// [`crate::range::verify::finish`] completes. The structure must have
    /// been checked.
    pub(crate) fn checks<'a, R: RngCore + CryptoRng>(
        &'a self,
        request: &ProofRequest,
        base: &mut BasepointMultiples,
        rng: &mut R,
    ) -> Result<Checks<'a>, Rejection> {
        let plan = request.plan();
        let mut side = Checking {
            presentation: self,
            plan,
            checks: Checks {
                msm: Msm::default(),
                ranges: Vec::with_capacity(plan.groups.len()),
            },
            rng,
        };
        let public = Public {
            request_digest: &self.request_digest,
            credentials: &self.credentials,
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

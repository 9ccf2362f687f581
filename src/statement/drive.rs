//! The order of the protocol (spec §6.1, §7.3, §8.1), written once: the
//! prover and the verifier each implement [`Side`], and [`run`] drives
//! either through the same transcript.

use merlin::Transcript;

use super::{transcript, BasepointMultiples, CredentialPoints, Plan, RangeGroup};
use crate::credential::Credential;
use crate::errors::Error;
use crate::sigma::Relation;

/// One side of a presentation: the prover makes each proof, the verifier
/// replays it on the transcript and checks it.
pub(crate) trait Side {
    /// Why a side stops.
    type Error: From<Error>;
    /// Proves or checks the aggregated range proof of `group`, the
    /// `index`-th group of the plan, after its binding on `t`. `base` caches
    /// multiples of `B` for deriving commitments.
    fn range_group(
        &mut self,
        t: &mut Transcript,
        index: usize,
        group: &RangeGroup,
        base: &mut BasepointMultiples,
    ) -> Result<(), Self::Error>;
    /// Proves or checks the sigma proof of `relations`.
    fn sigma(&mut self, t: &mut Transcript, relations: &[Relation]) -> Result<(), Self::Error>;
}

/// What both sides see of a presentation before its proofs.
pub(crate) struct Public<'p> {
    pub request_digest: &'p [u8; 32],
    pub credentials: &'p [Credential],
    pub points: &'p CredentialPoints,
    pub disclosed: &'p [u64],
}

/// Runs the protocol for `plan` on `side`: the transcript binds the request,
/// the credentials and the disclosed values; then each range group in order
/// of width, bound before its proof; then the sigma proof over the relations
/// derived from the credentials and the request.
pub(crate) fn run<S: Side>(
    plan: &Plan,
    public: Public<'_>,
    base: &mut BasepointMultiples,
    side: &mut S,
) -> Result<(), S::Error> {
    let mut t = transcript::start(public.request_digest, public.credentials, public.disclosed);
    for (index, group) in plan.groups.iter().enumerate() {
        transcript::bind_group(&mut t, group.bits, group.statements.len());
        side.range_group(&mut t, index, group, base)?;
    }
    let relations = public.points.relations(plan, public.disclosed, base)?;
    side.sigma(&mut t, &relations)
}

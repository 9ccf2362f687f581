//! The order of the protocol (spec §6.1, §7.3, §8.1), written once: the
//! prover and the verifier each implement [`Side`], and [`run`] drives
//! either through the same transcript.

use merlin::Transcript;

use super::{transcript, BasepointMultiples, CredentialPoints, Plan, RangeGroup, SlotPoints};
use crate::epoch::EpochList;
use crate::errors::Error;
use crate::shown::Shown;
use crate::sigma::Relation;
use crate::wire::Point;

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
    /// Proves or checks the membership of slot `slot`'s digest in `list`,
    /// with offset `D'` (the anonymous mode).
    fn membership(
        &mut self,
        t: &mut Transcript,
        slot: usize,
        list: &EpochList,
        offset: &Point,
    ) -> Result<(), Self::Error>;
    /// Proves or checks the sigma proof of `relations`.
    fn sigma(&mut self, t: &mut Transcript, relations: &[Relation]) -> Result<(), Self::Error>;
}

/// What both sides see of a presentation before its proofs.
pub(crate) struct Public<'p> {
    pub request_digest: &'p [u8; 32],
    pub shown: &'p [Shown],
    /// The epoch list of each slot shown in the anonymous mode.
    pub lists: &'p [Option<&'p EpochList>],
    pub points: &'p CredentialPoints,
    pub disclosed: &'p [u64],
}

/// Runs the protocol for `plan` on `side`: the transcript binds the request,
/// the credentials as shown and the disclosed values; then the membership
/// proof of each credential shown in the anonymous mode, in slot order; then
/// each range group in order of width, bound before its proof; then the
/// sigma proof over the relations derived from the credentials and the
/// request.
pub(crate) fn run<S: Side>(
    plan: &Plan,
    public: Public<'_>,
    base: &mut BasepointMultiples,
    side: &mut S,
) -> Result<(), S::Error> {
    if public.shown.len() != plan.slots.len()
        || public.lists.len() != plan.slots.len()
        || public.points.slots.len() != plan.slots.len()
    {
        return Err(Error::Internal("credential count").into());
    }
    let mut t = transcript::start(&public);
    for (slot, (points, list)) in public.points.slots.iter().zip(public.lists).enumerate() {
        if let SlotPoints::Anonymous { offset, .. } = points {
            let list = list.ok_or(Error::Internal("epoch list"))?;
            side.membership(&mut t, slot, list, offset)?;
        }
    }
    for (index, group) in plan.groups.iter().enumerate() {
        transcript::bind_group(&mut t, group.bits, group.statements.len());
        side.range_group(&mut t, index, group, base)?;
    }
    let relations = public.points.relations(plan, public.disclosed, base)?;
    side.sigma(&mut t, &relations)
}

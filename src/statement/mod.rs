//! The statements a request gives rise to (spec §5.4, §7.1), and the order
//! in which a presentation proves them (spec §6.1, §7.3, §8.1).
//!
//! A request is compiled once into a [`Plan`]; the prover, the verifier and
//! the batch verifier all drive the same [`drive::run`] over it, so that
//! their transcripts cannot drift apart.

mod derive;
pub(crate) mod drive;
mod plan;
mod report;
mod transcript;

pub(crate) use derive::{scalar_i128, BasepointMultiples, CredentialPoints, SlotPoints};
pub use report::{AttributeUse, PredicateReport};

use crate::descriptor::TrustedRater;

/// One credential of a presentation: which trusted schema it must be of.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// The schema and the keys trusted to sign it, and the epoch lists of
    /// the anonymous mode.
    pub rater: TrustedRater,
    /// The index of the schema's expiry attribute.
    pub expiry: usize,
    /// The attributes a statement is about, ascending: in the anonymous mode,
    /// the presentation carries a fresh commitment to each (spec §7.4).
    pub used: Vec<usize>,
}

impl Slot {
    /// Whether the credential is shown in the anonymous mode.
    pub fn is_anonymous(&self) -> bool {
        self.rater.is_anonymous()
    }

    /// The sigma witnesses of the slot (spec §7.3): the holder blinding in the
    /// fast mode; in the anonymous mode the digest blinding `ρ'`, every
    /// attribute value, and the blinding of each fresh commitment.
    pub fn witness_count(&self) -> usize {
        if self.is_anonymous() {
            1 + self.rater.schema.attributes().len() + self.used.len()
        } else {
            1
        }
    }
}

/// An attribute of the credential in a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AttrAt {
    /// The slot.
    pub slot: usize,
    /// The attribute's index in the slot's schema.
    pub attr: usize,
}

/// `weight · value(at)`, one term of a range statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinearTerm {
    pub at: AttrAt,
    pub weight: i128,
}

/// Where a range statement comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatementOrigin {
    /// Predicate `i` of the request.
    Predicate(usize),
    /// The expiry of the credential in slot `i`.
    Expiry(usize),
}

/// `Σ weight·value + constant ∈ [0, 2^bits)`.
#[derive(Clone, Debug)]
pub(crate) struct RangeStatement {
    pub bits: usize,
    /// The terms after merging repeated attributes; none has weight 0.
    pub terms: Vec<LinearTerm>,
    pub constant: i128,
    pub origin: StatementOrigin,
}

/// Where the value an opening statement checks comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueSource {
    /// A constant of the request.
    Constant(u64),
    /// The `i`-th disclosed value of the presentation.
    Disclosed(usize),
}

/// `C(at) - value·B = r·B_blinding`: an equality or a disclosure.
#[derive(Clone, Debug)]
pub(crate) struct OpeningStatement {
    pub at: AttrAt,
    pub value: ValueSource,
    /// The predicate it comes from.
    pub predicate: usize,
}

/// The range statements of one width, proven by one aggregated proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RangeGroup {
    pub bits: usize,
    /// Indices into [`Plan::ranges`].
    pub statements: Vec<usize>,
}

/// Everything a presentation for a request must prove.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// The credentials, in the order the request first names their schemas.
    pub slots: Vec<Slot>,
    pub ranges: Vec<RangeStatement>,
    pub openings: Vec<OpeningStatement>,
    /// The attribute of each disclosed value, in order.
    pub reveals: Vec<AttrAt>,
    /// The range statements grouped by width, widths ascending.
    pub groups: Vec<RangeGroup>,
    /// The request's statements as verdicts list them.
    pub reports: Vec<PredicateReport>,
    /// The verifier's pseudonym base when the request asks for the holder's
    /// pseudonym (spec §7.5).
    pub pseudonym: Option<curve25519_dalek::ristretto::RistrettoPoint>,
}

impl Plan {
    /// Witness layout of the sigma proof (spec §7.3): `s`, then each slot's
    /// witnesses ([`Slot::witness_count`]), then one blinding per opening
    /// statement.
    pub fn witness_count(&self) -> usize {
        self.opening_base() + self.openings.len()
    }

    /// The index of slot `slot`'s first witness.
    pub fn slot_base(&self, slot: usize) -> usize {
        1 + self
            .slots
            .iter()
            .take(slot)
            .map(Slot::witness_count)
            .sum::<usize>()
    }

    /// The index of the first opening statement's witness.
    pub fn opening_base(&self) -> usize {
        self.slot_base(self.slots.len())
    }

    /// `schema.attribute` of an attribute of a slot.
    pub fn attribute_name(&self, at: AttrAt) -> Option<String> {
        let schema = &self.slots.get(at.slot)?.rater.schema;
        let attr = schema.attributes().get(at.attr)?;
        Some(format!("{}.{}", schema.id(), attr.name))
    }
}

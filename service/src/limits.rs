//! The size of the largest presentation the library decodes, from the caps
//! of the wire format (spec §3.3, §3.9): what the presentation route's body
//! limit must admit, and about all it should.

/// `OBJECT_LEN`: bytes of any encoded object.
pub const OBJECT_LEN: usize = 1 << 20;

/// `IDENT_LEN`: bytes of a schema id.
const IDENT_LEN: usize = 64;
/// `ATTRIBUTES`: commitments per credential.
const ATTRIBUTES: usize = 64;
/// `CREDENTIALS`: credentials per presentation.
const CREDENTIALS: usize = 8;
/// `PREDICATES`: disclosed values per presentation.
const PREDICATES: usize = 32;
/// Range proofs per presentation (one per width: 8, 16, 32, 64 bits).
const WIDTHS: usize = 4;
/// `RANGE_PROOF_LEN`: bytes of one encoded range proof.
const RANGE_PROOF_LEN: usize = (9 + 2 * 12) * 32;
/// `MAX_ELEMENTS`: sigma responses.
const MAX_ELEMENTS: usize = 1 + CREDENTIALS * (1 + 2 * ATTRIBUTES) + PREDICATES;
/// `MAX_RELATIONS`: sigma commitments.
const MAX_RELATIONS: usize = CREDENTIALS * (1 + ATTRIBUTES) + PREDICATES + 1;
/// `MEMBERSHIP_PROOF_LEN`: bytes of one membership proof.
const MEMBERSHIP_PROOF_LEN: usize = 32 * (80 + 4);

/// A count or length prefix.
const COUNT: usize = 4;
/// A point, a scalar, a digest.
const ELEMENT: usize = 32;

/// Bytes of the largest credential shown in the fast mode (spec §3.6), with
/// its mode byte: key id, schema id, schema digest, commitments, holder
/// commitment, signature.
const MAX_CREDENTIAL_LEN: usize =
    1 + 16 + (COUNT + IDENT_LEN) + 32 + COUNT + ATTRIBUTES * ELEMENT + ELEMENT + 64;

/// Bytes of the largest credential shown in the anonymous mode (spec §3.9),
/// with its mode byte: list index, `D'`, fresh commitments, membership proof.
const MAX_ANONYMOUS_LEN: usize =
    1 + 1 + ELEMENT + COUNT + ATTRIBUTES * ELEMENT + COUNT + MEMBERSHIP_PROOF_LEN;

/// The larger of the two.
const MAX_SHOWN_LEN: usize = if MAX_ANONYMOUS_LEN > MAX_CREDENTIAL_LEN {
    MAX_ANONYMOUS_LEN
} else {
    MAX_CREDENTIAL_LEN
};

/// Bytes of the largest presentation the library decodes (spec §3.9):
/// 94,587.
pub const MAX_PRESENTATION_LEN: usize = 2 // version and tag
    + 32 // request digest
    + COUNT + CREDENTIALS * MAX_SHOWN_LEN
    + COUNT + PREDICATES * 8
    + 1 + ELEMENT // the pseudonym
    + COUNT + WIDTHS * (1 + COUNT + RANGE_PROOF_LEN)
    + COUNT + MAX_RELATIONS * ELEMENT // sigma commitments
    + COUNT + MAX_ELEMENTS * ELEMENT; // sigma responses

/// Characters of the largest presentation's JSON form (spec §3.10): a JSON
/// string of its base64url encoding without padding, with its quotes:
/// 126,118.
pub const MAX_PRESENTATION_JSON_STRING_LEN: usize = MAX_PRESENTATION_LEN / 3 * 4
    + match MAX_PRESENTATION_LEN % 3 {
        0 => 0,
        r => r + 1,
    }
    + 2;

/// The default body limit of the presentation route: the largest JSON form
/// and some room for white space around it (126,182 bytes). A binary body
/// (`application/octet-stream`) is held to [`MAX_PRESENTATION_LEN`].
pub const MAX_PRESENTATION_JSON_LEN: usize = MAX_PRESENTATION_JSON_STRING_LEN + 64;

/// The body limit of the backend's JSON requests (a policy is at most 8192
/// bytes, a purpose 1024).
pub const BACKEND_BODY_LIMIT: usize = 16 * 1024;

const _: () = assert!(MAX_PRESENTATION_LEN == 94_587);
const _: () = assert!(MAX_PRESENTATION_JSON_STRING_LEN == 126_118);

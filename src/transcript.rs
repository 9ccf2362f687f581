//! Transcript labels (spec §6) and the extension trait that appends Credence
//! objects to a merlin transcript.
//!
//! All labels are distinct and none is a prefix of another, nor of a label the
//! bulletproofs crate uses on the same transcript.

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

/// Transcript name of a presentation.
pub(crate) const PRESENTATION_DOMAIN: &[u8] = b"credence.presentation.v1";
/// Transcript name of an issuance request.
pub(crate) const ISSUANCE_DOMAIN: &[u8] = b"credence.issuance.v1";

pub(crate) mod label {
    pub const VERSION: &[u8] = b"credence-version";
    pub const REQUEST_DIGEST: &[u8] = b"credence-request-digest";
    pub const CREDENTIAL: &[u8] = b"credence-credential";
    pub const DISCLOSED: &[u8] = b"credence-disclosed";
    pub const ANONYMOUS: &[u8] = b"credence-anonymous";
    pub const PSEUDONYM: &[u8] = b"credence-pseudonym";
    pub const RANGE_GROUP: &[u8] = b"credence-range-group";
    pub const RATER_KEY: &[u8] = b"credence-rater-key";
    pub const SCHEMA_DIGEST: &[u8] = b"credence-schema-digest";
    pub const ISSUANCE_NONCE: &[u8] = b"credence-issuance-nonce";
    pub const SIGMA_STATEMENT: &[u8] = b"credence-sigma-statement";
    pub const SIGMA_COMMITMENT: &[u8] = b"credence-sigma-commitment";
    pub const SIGMA_CHALLENGE: &[u8] = b"credence-sigma-challenge";
    pub const WITNESS: &[u8] = b"credence-witness";
    pub const MEMBERSHIP_DOMAIN: &[u8] = b"credence-membership-domain";
    pub const MEMBERSHIP_N: &[u8] = b"credence-membership-n";
    pub const MEMBERSHIP_M: &[u8] = b"credence-membership-m";
    pub const MEMBERSHIP_COUNT: &[u8] = b"credence-membership-count";
    pub const MEMBERSHIP_OFFSET: &[u8] = b"credence-membership-offset";
    pub const MEMBERSHIP_A: &[u8] = b"credence-membership-A";
    pub const MEMBERSHIP_B: &[u8] = b"credence-membership-B";
    pub const MEMBERSHIP_X: &[u8] = b"credence-membership-X";
    pub const MEMBERSHIP_CHALLENGE: &[u8] = b"credence-membership-challenge";
    pub const MEMBERSHIP_RESPONSE: &[u8] = b"credence-membership-response";
}

/// Appends Credence's typed values to a transcript.
pub(crate) trait TranscriptProtocol {
    fn append_point(&mut self, label: &'static [u8], p: &CompressedRistretto);
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
}

impl TranscriptProtocol for Transcript {
    fn append_point(&mut self, label: &'static [u8], p: &CompressedRistretto) {
        self.append_message(label, p.as_bytes());
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

#[cfg(test)]
mod tests {
    use super::label::*;

    #[test]
    fn labels_are_distinct_and_prefix_free() {
        let all = [
            VERSION,
            REQUEST_DIGEST,
            CREDENTIAL,
            DISCLOSED,
            RANGE_GROUP,
            RATER_KEY,
            SCHEMA_DIGEST,
            ISSUANCE_NONCE,
            SIGMA_STATEMENT,
            SIGMA_COMMITMENT,
            SIGMA_CHALLENGE,
            WITNESS,
            MEMBERSHIP_DOMAIN,
            MEMBERSHIP_N,
            MEMBERSHIP_M,
            MEMBERSHIP_COUNT,
            MEMBERSHIP_OFFSET,
            MEMBERSHIP_A,
            MEMBERSHIP_B,
            MEMBERSHIP_X,
            MEMBERSHIP_CHALLENGE,
            MEMBERSHIP_RESPONSE,
        ];
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                if i != j {
                    assert!(!b.starts_with(a), "{:?} is a prefix of {:?}", a, b);
                }
            }
        }
    }
}

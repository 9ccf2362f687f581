//! The presentation transcript (spec §6.1).

use merlin::Transcript;

use crate::credential::Credential;
use crate::transcript::{label, PRESENTATION_DOMAIN};
use crate::wire::VERSION;

/// Starts the presentation transcript: the protocol label and version, the
/// request (by its SHA-256 digest, which binds all of it), every credential,
/// every disclosed value.
pub(super) fn start(
    request_digest: &[u8; 32],
    credentials: &[Credential],
    disclosed: &[u64],
) -> Transcript {
    let mut t = Transcript::new(PRESENTATION_DOMAIN);
    t.append_u64(label::VERSION, u64::from(VERSION));
    t.append_message(label::REQUEST_DIGEST, request_digest);
    t.append_u64(label::CREDENTIAL, credentials.len() as u64);
    for c in credentials {
        t.append_message(label::CREDENTIAL, &c.to_bytes());
    }
    t.append_u64(label::DISCLOSED, disclosed.len() as u64);
    for d in disclosed {
        t.append_u64(label::DISCLOSED, *d);
    }
    t
}

/// Binds a range group (width and real statement count) before its proof.
pub(super) fn bind_group(t: &mut Transcript, bits: usize, count: usize) {
    t.append_u64(label::RANGE_GROUP, bits as u64);
    t.append_u64(label::RANGE_GROUP, count as u64);
}

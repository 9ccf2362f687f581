//! The presentation transcript (spec §6.1).

use merlin::Transcript;

use super::drive::Public;
use crate::shown::Shown;
use crate::transcript::{label, PRESENTATION_DOMAIN};
use crate::wire::{Writer, VERSION};

/// Starts the presentation transcript: the protocol label and version, the
/// request (by its SHA-256 digest, which binds all of it), every credential
/// as shown (in the anonymous mode: the list's index and digest, `D'` and
/// the fresh commitments), every disclosed value.
pub(super) fn start(public: &Public<'_>) -> Transcript {
    let mut t = Transcript::new(PRESENTATION_DOMAIN);
    t.append_u64(label::VERSION, u64::from(VERSION));
    t.append_message(label::REQUEST_DIGEST, public.request_digest);
    t.append_u64(label::CREDENTIAL, public.shown.len() as u64);
    for (s, list) in public.shown.iter().zip(public.lists) {
        match (s, list) {
            (Shown::Credential(c), _) => t.append_message(label::CREDENTIAL, &c.to_bytes()),
            (Shown::Anonymous(a), list) => {
                let mut w = Writer::default();
                w.u8(a.list);
                w.fixed(&list.map(|l| l.digest()).unwrap_or_default());
                w.point(&a.offset);
                w.count(a.commitments.len());
                for c in &a.commitments {
                    w.point(c);
                }
                t.append_message(label::ANONYMOUS, &w.into_vec());
            }
        }
    }
    let disclosed = public.disclosed;
    t.append_u64(label::DISCLOSED, disclosed.len() as u64);
    for d in disclosed {
        t.append_u64(label::DISCLOSED, *d);
    }
    if let Some(p) = &public.points.pseudonym {
        t.append_message(label::PSEUDONYM, p.compressed.as_bytes());
    }
    t
}

/// Binds a range group (width and real statement count) before its proof.
pub(super) fn bind_group(t: &mut Transcript, bits: usize, count: usize) {
    t.append_u64(label::RANGE_GROUP, bits as u64);
    t.append_u64(label::RANGE_GROUP, count as u64);
}

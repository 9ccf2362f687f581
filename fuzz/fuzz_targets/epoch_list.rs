//! Epoch lists (spec §3.11): untrusted bytes never panic the decoder; what
//! decodes is the canonical encoding of what it decodes to, with sorted,
//! distinct entries; its digest names its contents.
#![no_main]

use credence::epoch::EpochList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(list) = credence_fuzz::binary(data, EpochList::from_bytes, EpochList::to_bytes) else {
        return;
    };
    assert!(!list.is_empty(), "a decoded list has entries");
    assert!(list.params().capacity() >= list.len());
    for (i, e) in list.entries().iter().enumerate() {
        assert_eq!(list.position(e), Some(i), "entries are sorted and distinct");
    }
    // The digest names the list's contents (all but the signature): one with
    // the vector list's digest is that list, but for the signature.
    let known = credence_fuzz::vector_lists();
    if let Some(k) = known.get(&list.digest()) {
        let signed = data.len() - 64;
        assert!(k.to_bytes()[..signed] == data[..signed], "two lists with one digest");
    }
});

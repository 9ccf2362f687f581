//! Rater descriptors and trust lists (spec/wallet.md §4): JSON accepted only in
//! its written form, round trips, and grouping into a request's trusted raters.
#![no_main]

use credence::rater::RaterDescriptor;
use credence_fuzz::{json, json_round_trip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = json::<RaterDescriptor>(data) {
        json_round_trip(&d);
        assert!(d.key_id() == d.key().key_id());
    }
    if let Some(list) = json::<Vec<RaterDescriptor>>(data) {
        json_round_trip(&list);
        if let Ok(trusted) = RaterDescriptor::trusted_raters(&list) {
            for t in &trusted {
                // Every key listed for a schema id came from a descriptor of it.
                for k in t.keys() {
                    assert!(list
                        .iter()
                        .any(|d| d.key() == k && d.schema() == t.schema()));
                }
            }
        }
    }
});

//! IssuanceRequest: binary and JSON forms.
#![no_main]

use credence::rater::IssuanceRequest;
use credence_fuzz::both_forms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    both_forms(data, IssuanceRequest::from_bytes, |v: &IssuanceRequest| {
        v.to_bytes().to_vec()
    });
});

//! ProofRequest: binary and JSON forms.
#![no_main]

use credence::ProofRequest;
use credence_fuzz::both_forms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    both_forms(data, ProofRequest::from_bytes, |v: &ProofRequest| {
        v.to_bytes().to_vec()
    });
});

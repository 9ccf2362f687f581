//! Credential: binary and JSON forms.
#![no_main]

use credence::Credential;
use credence_fuzz::both_forms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    both_forms(data, Credential::from_bytes, |v: &Credential| {
        v.to_bytes().to_vec()
    });
});

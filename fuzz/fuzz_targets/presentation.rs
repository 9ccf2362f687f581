//! Presentation: binary and JSON forms.
#![no_main]

use credence::Presentation;
use credence_fuzz::both_forms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    both_forms(data, Presentation::from_bytes, |v: &Presentation| {
        v.to_bytes().to_vec()
    });
});

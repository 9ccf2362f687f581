//! Schema: binary and JSON forms.
#![no_main]

use credence::Schema;
use credence_fuzz::both_forms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    both_forms(data, Schema::from_bytes, |v: &Schema| v.to_bytes().to_vec());
});

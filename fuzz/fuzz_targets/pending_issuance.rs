//! PendingIssuance (secret, binary form only): decode∘encode is the identity.
#![no_main]

use credence::wallet::PendingIssuance;
use credence_fuzz::binary;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(v) = binary(data, PendingIssuance::from_bytes, |v: &PendingIssuance| {
        v.to_bytes().to_vec()
    }) {
        let again = PendingIssuance::from_bytes(&v.to_bytes()).expect("own encoding decodes");
        assert!(again.to_bytes() == v.to_bytes());
    }
});

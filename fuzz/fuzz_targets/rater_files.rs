//! The rater's files (spec/wallet.md §7): the key file and the issued
//! credentials file. Loading never panics, and a loaded file saves to bytes
//! that load and save to the same bytes.
#![no_main]

use std::path::Path;

use credence::files::{IssuedCredentialsFile, RaterKeyFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.json");
    if let Ok(key) = RaterKeyFile::from_json(data, path) {
        let saved = key.to_json().expect("a loaded key file saves");
        let again = RaterKeyFile::from_json(&saved, path).expect("a saved key file loads");
        assert!(
            *again.to_json().expect("saves") == *saved,
            "saving is not a fixed point"
        );
    }
    if let Ok(issued) = IssuedCredentialsFile::from_json(data, path) {
        let saved = issued.to_json().expect("a loaded file saves");
        let again = IssuedCredentialsFile::from_json(&saved, path).expect("a saved file loads");
        assert!(
            *again.to_json().expect("saves") == *saved,
            "saving is not a fixed point"
        );
    }
});

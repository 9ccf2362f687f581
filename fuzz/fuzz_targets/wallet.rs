//! The wallet file (spec/wallet.md §3): loading never panics, and a loaded
//! wallet saves to a file that loads to a wallet saving to the same file.
#![no_main]

use credence::wallet::Wallet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(w) = Wallet::from_json(data) {
        let saved = w.to_json().expect("a loaded wallet saves");
        let again = Wallet::from_json(&saved).expect("a saved wallet loads");
        let resaved = again.to_json().expect("a loaded wallet saves");
        assert!(*resaved == *saved, "saving is not a fixed point");
        // What a holder is shown must not panic either.
        let _ = w.credentials();
        let _ = w.pending();
    }
});

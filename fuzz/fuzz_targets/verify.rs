//! Verification of untrusted presentations against the vector files' requests
//! and the court's epoch list: never panics, and one-by-one and batch
//! verification agree.
#![no_main]

use std::sync::OnceLock;

use credence::epoch::EpochLists;
use credence::verifier::verify_batch_with_lists_rng;
use credence::{Presentation, ProofRequest};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn requests() -> &'static [ProofRequest] {
    static REQUESTS: OnceLock<Vec<ProofRequest>> = OnceLock::new();
    REQUESTS.get_or_init(credence_fuzz::vector_requests)
}

fn lists() -> &'static EpochLists {
    static LISTS: OnceLock<EpochLists> = OnceLock::new();
    LISTS.get_or_init(credence_fuzz::vector_lists)
}

fuzz_target!(|data: &[u8]| {
    let presentation = match Presentation::from_bytes(data) {
        Ok(p) => p,
        Err(_) => match serde_json::from_slice::<Presentation>(data) {
            Ok(p) => p,
            Err(_) => return,
        },
    };
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    for request in requests() {
        if presentation.request_digest() != &request.digest() {
            continue;
        }
        let one = presentation.verify_with_lists_rng(request, lists(), &mut rng);
        let _ = serde_json::to_string(&one).expect("a verdict serializes");
        let batch = verify_batch_with_lists_rng(
            &[(request, &presentation), (request, &presentation)],
            lists(),
            &mut rng,
        );
        for v in &batch {
            assert!(
                v.is_satisfied() == one.is_satisfied(),
                "batch and single verification disagree"
            );
        }
    }
});

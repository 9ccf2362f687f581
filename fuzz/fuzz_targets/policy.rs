//! The policy parser (spec §5.5): never panics, and a policy's printed form
//! parses back to the same predicates.
#![no_main]

use credence::{parse_policy, Predicate};
use credence_fuzz::json_round_trip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = parse_policy(text) else {
        return;
    };
    let printed = policy
        .iter()
        .map(Predicate::to_string)
        .collect::<Vec<_>>()
        .join(" and ");
    let again =
        parse_policy(&printed).unwrap_or_else(|e| panic!("`{printed}` does not parse: {e}"));
    assert!(again == policy, "`{printed}` parses to other predicates");
    for p in &policy {
        json_round_trip(p);
    }
});

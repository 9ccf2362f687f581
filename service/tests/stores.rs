//! The nonce store suite (tests/common) run against every store: in memory,
//! in a directory, and in SQLite. A store that outlives its handles (a file,
//! a directory, a server) also runs the restart test.

mod common;

use common::*;

/// The suite's tests, for the stores made by `$factory`.
macro_rules! store_suite {
    ($store:ident, $factory:expr, [$($extra:ident),*]) => {
        mod $store {
            use super::*;
            store_suite!(@tests $factory,
                records_and_looks_up,
                a_satisfied_attempt_spends_once,
                an_unknown_nonce_is_refused,
                an_expired_request_takes_nothing,
                a_rejected_attempt_is_counted_and_spends_nothing,
                the_attempt_cap_closes_the_request,
                final_states_keep_their_precedence,
                racing_settlers_spend_a_nonce_once,
                racing_rejections_are_each_counted_once
                $(, $extra)*);
        }
    };
    (@tests $factory:expr, $($test:ident),*) => {$(
        #[test]
        fn $test() {
            common::$test($factory);
        }
    )*};
}

store_suite!(memory, Memory::new(), []);
store_suite!(dir, Dir::new(), [a_reopened_store_keeps_everything]);
store_suite!(sqlite, Sqlite::new(), [a_reopened_store_keeps_everything]);

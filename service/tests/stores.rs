//! The nonce store suite (tests/common) run against every store: in memory,
//! in a directory, in SQLite and on PostgreSQL. A store that outlives its
//! handles (a file, a directory, a server) also runs the restart test, and
//! a [`TransactionStore`](credence_verifier::TransactionStore) the
//! transaction tests.
//!
//! The PostgreSQL stores need a server: set `CREDENCE_TEST_POSTGRES` to its
//! URL (each test makes a schema of its own there). Without it they say on
//! stderr that they were skipped, except under CI, where they fail.

mod common;

use common::*;

/// The suite's tests, for the stores made by `$factory` (an `Option`: `None`
/// skips the test).
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
                racing_rejections_are_each_counted_once,
                a_batch_settles_in_order
                $(, $extra)*);
        }
    };
    (@tests $factory:expr, $($test:ident),*) => {$(
        #[test]
        fn $test() {
            if let Some(f) = $factory {
                common::$test(f);
            }
        }
    )*};
}

store_suite!(memory, Some(Memory::new()), []);
store_suite!(dir, Some(Dir::new()), [a_reopened_store_keeps_everything]);
store_suite!(
    sqlite,
    Some(Sqlite::new()),
    [
        a_reopened_store_keeps_everything,
        transactions_are_created_and_read,
        verdicts_are_kept_with_the_transaction,
        cancelling_ends_a_transaction,
        purging_forgets_ended_transactions
    ]
);
store_suite!(
    postgres,
    Postgres::new(),
    [
        a_reopened_store_keeps_everything,
        transactions_are_created_and_read,
        verdicts_are_kept_with_the_transaction,
        cancelling_ends_a_transaction,
        purging_forgets_ended_transactions
    ]
);

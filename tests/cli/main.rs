//! The `credence` tool through the built binary: the README's walkthrough,
//! run command by command; bad input (exit code 2, one line on standard
//! error, no file written or changed); the verifier's state and its nonce
//! rules; commands racing on one wallet file.
#![cfg(feature = "cli")]

mod bad_input;
mod lists;
mod support;
mod verifier;
mod walkthrough;
mod wallet_lock;

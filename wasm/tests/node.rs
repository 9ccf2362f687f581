//! Builds the npm package (`wasm/build.sh`) and runs its Node tests
//! (`wasm/tests-node/*.test.mjs`, Node's built-in test runner) when
//! `CREDENCE_TEST_WASM=1`, as `.ci/run` sets it. Otherwise the test says it
//! skipped, unless `CI` is set: then it fails, since CI must run them.
//!
//! It needs the `wasm32-unknown-unknown` target, the `wasm-bindgen` command
//! of the pinned version (see `wasm/build.sh`) and Node 18 or later.

use std::path::{Path, PathBuf};
use std::process::Command;

fn enabled() -> bool {
    let wanted = std::env::var("CREDENCE_TEST_WASM").is_ok_and(|v| v == "1");
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if !wanted {
        assert!(
            !ci,
            "CI is set but CREDENCE_TEST_WASM is not: CI must build the WebAssembly package \
             and run its Node tests (.ci/run sets CREDENCE_TEST_WASM=1)"
        );
        println!(
            "skipped: set CREDENCE_TEST_WASM=1 to build the WebAssembly package \
             (wasm/build.sh) and run its Node tests"
        );
    }
    wanted
}

fn run(what: &str, command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(status.success(), "{what} failed: {status}");
}

/// The `credence` tool `cargo test --workspace` built beside this package's
/// binaries (the README's JavaScript example runs after its walkthrough).
fn credence_tool() -> PathBuf {
    let interop = Path::new(env!("CARGO_BIN_EXE_credence-wasm-interop"));
    let tool = interop.with_file_name(format!("credence{}", std::env::consts::EXE_SUFFIX));
    if !tool.exists() {
        println!(
            "{} is missing (build it with `cargo build`): the README example is skipped",
            tool.display()
        );
    }
    tool
}

#[test]
fn the_package_builds_and_its_node_tests_pass() {
    if !enabled() {
        return;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(
        "wasm/build.sh",
        Command::new("bash").arg(here.join("build.sh")),
    );
    let mut tests: Vec<PathBuf> = std::fs::read_dir(here.join("tests-node"))
        .expect("wasm/tests-node")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    tests.sort();
    assert!(!tests.is_empty(), "no Node tests in wasm/tests-node");
    run(
        "node --test",
        Command::new("node")
            .arg("--test")
            .args(&tests)
            .env(
                "CREDENCE_INTEROP_BIN",
                env!("CARGO_BIN_EXE_credence-wasm-interop"),
            )
            .env("CREDENCE_VECTORS", here.join("../spec/vectors"))
            .env("CREDENCE_BIN", credence_tool()),
    );
}

#!/usr/bin/env bash
# Builds the package and the native side (LTO and one codegen unit for both;
# the module optimised for size outside the arithmetic, the native side for
# speed throughout), then runs the benchmark: wasm/bench/run.sh [RUNS]
# (default 30 per round).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
cd "$root"
bash wasm/build.sh
cargo build -p credence-wasm --bin credence-wasm-interop --profile native-bench
export CREDENCE_INTEROP_BIN="${CARGO_TARGET_DIR:-$root/target}/native-bench/credence-wasm-interop"
node "$here/bench.mjs" "$@"

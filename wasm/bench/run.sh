#!/usr/bin/env bash
# Builds the package and the native side with the same profile, then runs the
# benchmark: wasm/bench/run.sh [RUNS] (default 30 per round).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
cd "$root"
bash wasm/build.sh
cargo build -p credence-wasm --bin credence-wasm-interop --profile wasm-release
export CREDENCE_INTEROP_BIN="${CARGO_TARGET_DIR:-$root/target}/wasm-release/credence-wasm-interop"
node "$here/bench.mjs" "$@"

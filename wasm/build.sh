#!/usr/bin/env bash
# Builds the npm package `credence-wasm` in wasm/pkg/: the module compiled to
# wasm32-unknown-unknown, its JavaScript glue and TypeScript types generated
# by wasm-bindgen for Node (pkg/node, CommonJS) and for browsers (pkg/web, an
# ES module), and the package.json that picks one per environment.
#
#   wasm/build.sh            build (needs the wasm32-unknown-unknown target and
#                            the wasm-bindgen CLI of the pinned version)
#
# The CLI must be the version of the wasm-bindgen crate the module links:
#   cargo install wasm-bindgen-cli --version =<version> --locked
# When binaryen's wasm-opt is installed (Debian: apt-get install binaryen), it
# optimises the module further (-O3: about a third smaller, the function
# names dropped; under the 1 MB target only then); CREDENCE_WASM_OPT=0 skips
# it, CREDENCE_WASM_OPT=1 requires it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"

version=$(sed -n 's/^pub const WASM_BINDGEN_VERSION: &str = "\(.*\)";$/\1/p' wasm/src/api/mod.rs)
if [ -z "$version" ]; then
  echo "build.sh: cannot read WASM_BINDGEN_VERSION from wasm/src/api/mod.rs" >&2
  exit 1
fi
if ! found=$(wasm-bindgen --version 2>/dev/null) || [ "$found" != "wasm-bindgen $version" ]; then
  echo "build.sh: wasm-bindgen $version is needed (found: ${found:-none}); install it with" >&2
  echo "  cargo install wasm-bindgen-cli --version =$version --locked" >&2
  exit 1
fi

target_dir=${CARGO_TARGET_DIR:-$root/target}
cargo build -p credence-wasm --lib --target wasm32-unknown-unknown --profile wasm-release
module="$target_dir/wasm32-unknown-unknown/wasm-release/credence_wasm.wasm"

out="$here/pkg"
rm -rf "$out"
mkdir -p "$out"

opt=${CREDENCE_WASM_OPT:-auto}
if [ "$opt" = 1 ] && ! command -v wasm-opt >/dev/null; then
  echo "build.sh: CREDENCE_WASM_OPT=1 but wasm-opt is not installed" >&2
  exit 1
fi
if [ "$opt" != 0 ] && command -v wasm-opt >/dev/null; then
  # Before wasm-bindgen, which then lays out its own table of JavaScript
  # values (wasm-opt run after it breaks that table's growth). The features
  # are those rustc enables for wasm32-unknown-unknown.
  optimised="$target_dir/wasm32-unknown-unknown/wasm-release/credence_wasm.opt.wasm"
  wasm-opt -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "$module" -o "$optimised"
  module=$optimised
else
  echo "build.sh: wasm-opt not used (install binaryen for a smaller module)" >&2
fi

wasm-bindgen --target nodejs --out-name credence_wasm --out-dir "$out/node" "$module"
wasm-bindgen --target web --out-name credence_wasm --out-dir "$out/web" "$module"
echo '{ "type": "commonjs" }' >"$out/node/package.json"
echo '{ "type": "module" }' >"$out/web/package.json"

cp "$here/js/package.json" "$here/js/README.md" "$out/"
size=$(wc -c <"$out/web/credence_wasm_bg.wasm")
echo "build.sh: built $out (module: $size bytes)"

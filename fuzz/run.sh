#!/usr/bin/env bash
# Runs the cargo-fuzz targets (nightly Rust and cargo-fuzz required).
#
#   fuzz/run.sh short [target...]   every target (or those named) for FUZZ_SECONDS
#                                   each, default 20: the CI run
#   fuzz/run.sh long [target...]    the same with FUZZ_SECONDS default 3600 and
#                                   FUZZ_JOBS parallel jobs per target (default 1)
#   fuzz/run.sh seeds               rewrites fuzz/seeds/ from spec/vectors and the
#                                   README walkthrough (examples/seeds.rs)
#
# Targets are built with debug assertions, so arithmetic overflow panics.
# New inputs go to fuzz/corpus/<target>/ (not checked in), crashes to
# fuzz/artifacts/<target>/. Exits non-zero if any target failed; the summary
# lists executions per target.
set -euo pipefail
cd "$(dirname "$0")"
# Instrumented builds stay apart from the main crate's target directory.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"

mode=${1:-short}
[ $# -gt 0 ] && shift
case "$mode" in
  short) secs=${FUZZ_SECONDS:-20}; jobs=1 ;;
  long) secs=${FUZZ_SECONDS:-3600}; jobs=${FUZZ_JOBS:-1} ;;
  seeds) exec cargo +nightly run --release --example seeds ;;
  *) echo "usage: $0 short|long [target...] | seeds" >&2; exit 2 ;;
esac

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

cargo +nightly fuzz build --debug-assertions

extra=()
if [ "$jobs" -gt 1 ]; then
  # libFuzzer's fork mode: each job logs to fuzz-<n>.log.
  extra=(-jobs="$jobs" -workers="$jobs")
fi

failed=()
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t"
  log="$(mktemp)"
  echo "== $t: ${secs}s"
  if cargo +nightly fuzz run --debug-assertions "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      "${extra[@]}" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
    tail -n 60 "$log"
  fi
  execs=$( { grep -h 'stat::number_of_executed_units' "$log" fuzz-*.log 2>/dev/null || true; } \
    | awk '{s += $2} END {print s + 0}')
  rm -f fuzz-*.log
  cov=$( { grep -o 'cov: [0-9]*' "$log" || true; } | tail -n 1 | cut -d' ' -f2)
  summary+=("$(printf '%-20s %-7s %12s execs  cov %s' "$t" "$status" "$execs" "${cov:-?}")")
  rm -f "$log"
done

echo "== fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failing targets: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi

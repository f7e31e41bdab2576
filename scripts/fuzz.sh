#!/usr/bin/env bash
# Runs the std.task libFuzzer harness (tests/fuzz) for a while.
#   scripts/fuzz.sh SECONDS [BUILD_DIR]
# BUILD_DIR (default build-fuzz) holds a build configured with -DLB_FUZZ=ON
# (make build-fuzz). The fuzzer starts from tests/fuzz/corpus and works on
# a copy of it in FUZZ_WORK (default: a new temporary directory), so the
# repository is never written to. Prints libFuzzer's final statistics
# (stat::number_of_executed_units is the number of programs run). On a
# crash the failing input is kept in FUZZ_WORK and the script exits 1;
# to see its program: LB_FUZZ_PRINT=1 BUILD_DIR/task_fuzzer INPUT
set -u
seconds=${1:?usage: fuzz.sh SECONDS [BUILD_DIR]}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$top/build-fuzz}
fuzzer="$build/task_fuzzer"
[ -x "$fuzzer" ] || { echo "fuzz.sh: $fuzzer not built (make build-fuzz)" >&2; exit 2; }
work=${FUZZ_WORK:-$(mktemp -d /tmp/lua-batteries-fuzz.XXXXXX)}
mkdir -p "$work/corpus"
cp -n "$top"/tests/fuzz/corpus/* "$work/corpus/"
echo "fuzzing for $seconds s (work directory $work)"
# -timeout: one program runs in milliseconds on the virtual clock; a
# second-long one is a hang. -rss_limit_mb: leaks show up as growth.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1
rc=$?
grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$work/fuzz.log"
if [ $rc -ne 0 ]; then
  grep -E -A12 'invariant violated|ERROR: (Address|Undefined|libFuzzer)|runtime error' "$work/fuzz.log" | head -40
  ls "$work"/crash-* "$work"/timeout-* "$work"/leak-* "$work"/oom-* 2>/dev/null
  echo "fuzz: FAILED (log: $work/fuzz.log)"
  exit 1
fi
[ -z "${FUZZ_WORK:-}" ] && rm -rf "$work"
echo "fuzz: ok"

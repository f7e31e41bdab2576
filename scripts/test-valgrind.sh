#!/usr/bin/env bash
# Runs the project's Lua tests and the shared conformance suite with the
# runner under valgrind's memcheck (make test-valgrind).
#   scripts/test-valgrind.sh
# Builds build-valgrind/ from the valgrind preset (a release build whose
# lua and conformance tests run the runner through scripts/valgrind-runner.sh,
# with ten times the time limits) and runs those tests with ctest. The
# script fails if any memcheck log holds a report.
#
# Everything runs 20-50 times slower under memcheck, so this judges memory,
# not behaviour: tests that assert what happens within a real-time window
# of 10-20 ms (a with_timeout deadline, a sleep that lets the other tasks
# start) can fail under that slowdown, more of them on a loaded machine.
# Their failures are listed, not counted; the plain and ASan builds judge
# behaviour.
set -u
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/install-deps.sh)"; exit 2; }
jobs=${JOBS:-$(nproc)}
cmake --preset valgrind >/dev/null && cmake --build --preset valgrind -j "$jobs" || exit 2
logs=build-valgrind/valgrind-logs  # the preset's LB_VALGRIND_LOGS
rm -rf "$logs"
mkdir -p "$logs"
start=$(date +%s)
ctest --preset valgrind -j "$jobs" --output-on-failure >build-valgrind/ctest.log
grep -A1000 'tests passed' build-valgrind/ctest.log | grep -v '^$' | head -60
failed=0
reports=$(find "$logs" -type f -size +0 | sort)
if [ -n "$reports" ]; then
  failed=1
  for log in $reports; do
    echo "--- memcheck report: $log"
    cat "$log"
  done
fi
runs=$(find "$logs" -type f | wc -l)
echo "valgrind: $runs runs, $(printf '%s\n' "$reports" | grep -c .) with a memcheck report, $(($(date +%s) - start)) s"
echo "(failed tests above failed under memcheck's slowdown: listed, not counted; full log: build-valgrind/ctest.log)"
exit "$failed"

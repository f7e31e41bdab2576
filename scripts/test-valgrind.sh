#!/usr/bin/env bash
# Runs the project's Lua tests and the shared conformance suite with the
# runner of BUILD_DIR (a plain build) under valgrind's memcheck.
#   scripts/test-valgrind.sh BUILD_DIR
# Every run of the runner goes through a wrapper that execs valgrind with
# --leak-check=full --errors-for-leak-kinds=definite and one log file per
# process. A memcheck error makes that run exit 99 (not 1, which some tests
# expect on purpose) and leaves its report in the log; the script fails if
# any log holds a report.
set -u
build=${1:?usage: test-valgrind.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
shared="$top/../shared"
command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/install-deps.sh)"; exit 2; }
dir="$build/valgrind"
rm -rf "$dir"
mkdir -p "$dir/logs"
cat >"$dir/lua-batteries" <<WRAPPER
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
  --show-leak-kinds=definite --quiet --log-file="$dir/logs/%p.log" "$build/lua-batteries" "\$@"
WRAPPER
chmod +x "$dir/lua-batteries"

# Everything runs 20-50 times slower under memcheck, so the target judges
# memory, not behaviour: tests that assert what happens within a real-time
# window of 10-20 ms (a with_timeout deadline, a sleep that lets the other
# tasks start) fail under that slowdown, more of them on a loaded machine.
# Their failures are listed; the plain and ASan builds judge behaviour.
export LB_TEST_TIMEOUT=${LB_TEST_TIMEOUT:-600} CONFORMANCE_TIMEOUT=${CONFORMANCE_TIMEOUT:-600}
start=$(date +%s)
failed=0
: >"$dir/behaviour-failures"
# suite NAME COMMAND...: runs a suite and notes the tests that failed.
suite() {
  local name=$1; shift
  echo "=== $name under valgrind"
  "$@" | tee "$dir/$name.out"
  sed -n 's/^FAIL \([^:]*\):.*/\1/p' "$dir/$name.out" >>"$dir/behaviour-failures"
}
suite lua "$top/tests/lua/run.sh" "$dir/lua-batteries"
suite conformance "$shared/conformance/run.sh" "$dir/lua-batteries"
if [ -s "$dir/behaviour-failures" ]; then
  echo "failed under memcheck's slowdown (not counted; see above):"
  sed 's/^/  /' "$dir/behaviour-failures"
fi

reports=$(find "$dir/logs" -type f -size +0 | sort)
if [ -n "$reports" ]; then
  failed=1
  for log in $reports; do
    echo "--- memcheck report: $log"
    cat "$log"
  done
fi
runs=$(find "$dir/logs" -type f | wc -l)
echo "valgrind: $runs runs, $(printf '%s\n' "$reports" | grep -c .) with a memcheck report, $(( $(date +%s) - start )) s"
exit "$failed"

#!/usr/bin/env bash
# Runs the project's Lua tests and the shared conformance suite with the
# runner of BUILD_DIR (a plain build) under valgrind's memcheck.
#   scripts/test-valgrind.sh BUILD_DIR
# Every run of the runner goes through a wrapper that execs valgrind with
# --leak-check=full --errors-for-leak-kinds=definite and one log file per
# process. A memcheck error makes that run exit 99 (not 1, which some tests
# expect on purpose) and leaves its report in the log; the script fails if
# a test fails (see real_time_windows below) or any log holds a report.
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

# Everything runs 20-50 times slower under memcheck. These tests assert
# what happens within a real-time window of 10-20 ms (a with_timeout
# deadline, a sleep that lets the other tasks start), which memcheck's
# slowdown can exceed: they run like the others and their memcheck reports
# count, but a failed assertion of theirs does not fail this target.
real_time_windows=(
  aborting_a_task_waiting_in_a_scope_aborts_its_children.lua
  cancelling_an_outer_scope_reaches_tasks_three_scopes_deep.lua
  close_handlers_run_exactly_once_on_abort.lua
  with_timeout_grace_zero_hard_aborts_at_the_deadline.lua
  with_timeout_rejects_invalid_durations_and_options_with_exact_text.lua
  c15_timeout_opts.lua
)
export LB_TEST_TIMEOUT=${LB_TEST_TIMEOUT:-600} CONFORMANCE_TIMEOUT=${CONFORMANCE_TIMEOUT:-600}
start=$(date +%s)
failed=0
# suite NAME COMMAND...: runs a suite, then judges its FAIL lines.
suite() {
  local name=$1; shift
  echo "=== $name under valgrind"
  "$@" | tee "$dir/$name.out"
  local fail_name
  while read -r fail_name; do
    if printf '%s\n' "${real_time_windows[@]}" | grep -qxF -- "$fail_name"; then
      echo "(not counted: $fail_name asserts a real-time window)"
    else
      failed=1
    fi
  done < <(sed -n 's/^FAIL \([^:]*\):.*/\1/p' "$dir/$name.out")
}
suite lua "$top/tests/lua/run.sh" "$dir/lua-batteries"
suite conformance "$shared/conformance/run.sh" "$dir/lua-batteries"

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

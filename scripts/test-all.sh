#!/usr/bin/env bash
# Runs every test suite against one build directory and reports per suite.
#   scripts/test-all.sh BUILD_DIR
# Suites: the GoogleTest suite, the allocation-failure sweeps, the
# project's Lua tests, the runner's end-to-end tests, the shared
# conformance suite (../shared) and, on a build with the benchmark programs
# (the plain one), the benchmarks at tiny sizes.
set -u
build=${1:?usage: test-all.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
shared="$top/../shared"
bin="$build/lua-batteries"
passed=0; failed=0; failed_names=()

suite() {
  local name=$1; shift
  echo "=== $name ($build)"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failed_names+=("$name"); fi
}

# The examples must keep working: each exits 0 and prints its summary.
examples() {
  local out
  out=$("$bin" "$top/examples/fanout_report.lua") || { echo "fanout_report.lua failed"; return 1; }
  grep -q "^totals: 12 sources" <<<"$out" || { echo "fanout_report.lua printed no totals"; return 1; }
  out=$("$build/embed_host") || { echo "embed_host failed"; return 1; }
  grep -q "with_timeout: task.with_timeout: exceeded 150 ms" <<<"$out" || { echo "embed_host: unexpected output"; return 1; }
  out=$("$bin" "$top/examples/parallel_commands.lua") || { echo "parallel_commands.lua failed"; return 1; }
  grep -q "^8 commands, 4 wide: 5 ok, 3 not" <<<"$out" || { echo "parallel_commands.lua: unexpected summary"; echo "$out"; return 1; }
  grep -q "^5 .* timeout .*terminated after 400 ms" <<<"$out" || { echo "parallel_commands.lua: no timeout row"; return 1; }
  out=$("$bin" "$top/examples/echo_server.lua" --self-test 2>/dev/null) || { echo "echo_server.lua --self-test failed"; return 1; }
  grep -q "^self-test: 20 clients, 1000 lines echoed, server stopped" <<<"$out" || { echo "echo_server.lua: unexpected output"; return 1; }
  out=$("$bin" "$top/examples/grep.lua" "^local task" "$top/examples/grep.lua" "$top/examples/echo_server.lua") \
    || { echo "grep.lua failed"; return 1; }
  grep -q "^2 matches in 2 files" <<<"$out" || { echo "grep.lua: unexpected output"; echo "$out"; return 1; }
  "$bin" "$top/examples/grep.lua" >/dev/null || { echo "grep.lua without arguments failed"; return 1; }
  echo "examples ok"
}

suite unit "$build/unit_tests" --gtest_brief=1
# Allocation-failure sweeps (tests/faults): every Lua allocation, then every
# Lua and C++ allocation, fails once in turn.
suite faults "$build/fault_sweep" "$top"/tests/faults/scenarios/*.lua
suite faults-cxx "$build/fault_sweep" --cxx "$top"/tests/faults/scenarios/*.lua
suite examples examples
suite lua "$top/tests/lua/run.sh" "$bin"
suite runner "$top/tests/runner/run.sh" "$bin"
if [ -x "$shared/conformance/run.sh" ]; then
  suite conformance "$shared/conformance/run.sh" "$bin"
else
  echo "=== conformance: $shared/conformance/run.sh not found"
  failed=$((failed + 1)); failed_names+=(conformance)
fi

if [ -x "$build/bench_floor" ]; then
  suite bench-smoke "${PYTHON:-/usr/bin/python3}" "$top/bench/run.py" --build "$build" --smoke
else
  echo "=== bench-smoke: skipped ($build has no benchmark programs)"
fi

[ ${#failed_names[@]} -eq 0 ] || echo "failed suites in $build: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

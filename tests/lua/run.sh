#!/usr/bin/env bash
# Runs the project's own Lua test scripts through the lua-batteries runner
# and checks what each one prints and returns.
#
#   tests/lua/run.sh BIN [SCRIPT...]
#
# Without SCRIPT arguments every *.lua file next to this harness runs.
# Each script may declare, in its first 12 lines (same conventions as the
# shared conformance runner):
#   -- expect-exit: N      exit status (default 0)
#   -- expect-stderr: TXT  stderr must contain TXT (plain text)
#   -- expect-stdout: TXT  stdout must contain TXT (plain text)
#   -- runner-args: ARGS   options for the runner before the script
#                          (e.g. --virtual-time), split on spaces
# With exit 0 expected and no expect-stdout, the last line of stdout must be
# "ok". Each script gets LB_TEST_TIMEOUT seconds (default 60).
# Prints "PASS name" or "FAIL name: why" (with the tail of the script's
# output) per script, then "N passed, M failed"; exits 1 if any failed.
set -u
bin=${1:?usage: tests/lua/run.sh BIN [SCRIPT...]}; shift
if [ ! -x "$bin" ]; then
  echo "run.sh: $bin is not an executable runner" >&2
  exit 2
fi
case "$bin" in */*) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;; esac
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
  set -- "$here"/*.lua
fi
limit=${LB_TEST_TIMEOUT:-60}
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

header() {  # header FILE KEY -> value of "-- KEY: value" in the first 12 lines
  head -n 12 "$1" | sed -n "s/^-- $2: *//p" | head -n 1
}

for f in "$@"; do
  [ -e "$f" ] || { echo "FAIL $f: no such script"; fail=$((fail + 1)); continue; }
  name=$(basename "$f")
  want_exit=$(header "$f" expect-exit); want_exit=${want_exit:-0}
  want_err=$(header "$f" expect-stderr)
  want_out=$(header "$f" expect-stdout)
  read -r -a runner_args <<<"$(header "$f" runner-args)"
  timeout -k 5 "$limit" "$bin" "${runner_args[@]}" "$f" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  why=""
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then why="no answer in ${limit} s"
  elif [ "$rc" != "$want_exit" ]; then why="exit $rc, expected $want_exit"
  elif [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$tmp/err"; then why="stderr lacks: $want_err"
  elif [ -n "$want_out" ] && ! grep -qF -- "$want_out" "$tmp/out"; then why="stdout lacks: $want_out"
  elif [ "$want_exit" = 0 ] && [ -z "$want_out" ] && [ "$(tail -n 1 "$tmp/out")" != "ok" ]; then
    why="last line of stdout is not ok"
  fi
  if [ -z "$why" ]; then
    pass=$((pass + 1)); echo "PASS $name"
  else
    fail=$((fail + 1)); echo "FAIL $name: $why"
    tail -n 5 "$tmp/out" | sed 's/^/    out| /'
    tail -n 8 "$tmp/err" | sed 's/^/    err| /'
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

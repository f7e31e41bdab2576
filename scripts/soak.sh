#!/usr/bin/env bash
# Runs the soak (tests/soak/soak.lua) with one runner.
#   scripts/soak.sh RUNNER [SECONDS] [SEED] [RUNNER_OPTION...]
# RUNNER is the lua-batteries binary (e.g. build/lua-batteries); SECONDS
# defaults to 600, SEED to 1; the options go before the script (e.g.
# --slice-ms 10 turns time slicing on). SOAK_CLOSE_SPIN=N in the
# environment makes every __close handler spin N loop iterations before
# it records itself (the soak's CLOSE_SPIN), so that preemptions and hard
# aborts land inside running handlers: the stress variant is
#   SOAK_CLOSE_SPIN=20000 scripts/soak.sh build/lua-batteries 20 1 --slice-ms 1
# The soak prints its memory samples;
# the runner's warnings (grace expiries, unjoined failures: the soak
# provokes them by design) go to a file and are only counted. Fails if the
# soak fails, the runner reports libuv handles left open, or a sanitizer
# speaks. CTest runs it for 15 s as soak.short, soak.short_sliced and
# soak.short_sliced_busy_close (the stress variant).
set -u
bin=${1:?usage: soak.sh RUNNER [SECONDS] [SEED] [RUNNER_OPTION...]}
seconds=${2:-600}
seed=${3:-1}
shift $(($# < 3 ? $# : 3))
top=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$bin" ] && [ -f "$bin" ] || { echo "soak.sh: $bin is not an executable" >&2; exit 2; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
close_spin=${SOAK_CLOSE_SPIN:-0}
echo "soak: $seconds s, seed $seed, __close spin $close_spin, runner options: ${*:-none}"
# The soak ends itself; the limit only catches a hang.
timeout -k 5 $((seconds * 2 + 60)) "$bin" "$@" "$top/tests/soak/soak.lua" "$seconds" "$seed" "$close_spin" 2>"$err"
rc=$?
echo "soak: $(grep -c 'warning:' "$err") runner warnings (expected: the soak provokes them)"
if grep -qE 'soak: FAILED|libuv handles still open|ERROR: (Address|Leak)Sanitizer|runtime error: ' "$err"; then
  grep -E 'soak: FAILED|libuv handles|Sanitizer|runtime error' "$err" | head -20
  # The values left unclosed, counted by site.
  grep 'soak: never closed' "$err" | sort | uniq -c | sort -rn | head -20
  rc=1
fi
[ $rc -eq 0 ] && echo "soak: passed" || echo "soak: FAILED (exit $rc)"
exit $rc

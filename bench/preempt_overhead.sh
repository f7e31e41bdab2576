#!/usr/bin/env bash
# Overhead of preemption on CPU-bound Lua code: the same loop
# (preempt_overhead.lua) run with the default slice (10 ms) and with
# preemption off (--slice-ms 0), interleaved, REPS times each. Prints the
# CPU time (user + system) of each pair and the median on/off ratio.
#
#   bench/preempt_overhead.sh [BIN] [REPS] [ITERATIONS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/lua-batteries}
reps=${2:-7}
iterations=${3:-120000000}
[ -x "$bin" ] || { echo "preempt_overhead.sh: $bin is not an executable" >&2; exit 2; }

# cpu_seconds ARGS...: user + system CPU time of one run, in seconds.
cpu_seconds() {
  local out TIMEFORMAT='%3U %3S'
  out=$( { time "$bin" "$@" >/dev/null 2>&1; } 2>&1 | tail -n 1)
  awk '{ printf "%.3f", $1 + $2 }' <<<"$out"
}

ratios=()
printf '%-5s %10s %10s %8s\n' rep on_s off_s ratio
for ((i = 1; i <= reps; i++)); do
  # Alternate which runs first, so drift in machine load spreads evenly.
  if ((i % 2)); then
    on=$(cpu_seconds --slice-ms 10 "$here/preempt_overhead.lua" "$iterations")
    off=$(cpu_seconds --slice-ms 0 "$here/preempt_overhead.lua" "$iterations")
  else
    off=$(cpu_seconds --slice-ms 0 "$here/preempt_overhead.lua" "$iterations")
    on=$(cpu_seconds --slice-ms 10 "$here/preempt_overhead.lua" "$iterations")
  fi
  ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.4f", a / b }')
  ratios+=("$ratio")
  printf '%-5s %10s %10s %8s\n' "$i" "$on" "$off" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "median on/off CPU-time ratio: $median (target <= 1.03)"

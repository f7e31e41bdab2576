#!/usr/bin/env bash
# Runs one command and checks its exit status and output: the one driver
# behind every CTest test that runs a script (tests/CMakeLists.txt).
#
#   tests/check_run.sh [EXPECTATION...] -- COMMAND [ARG...]
#
# Expectations (each may be repeated where it takes text):
#   --exit N             exit status (default 0)
#   --stdout-is TEXT     stdout is exactly TEXT (trailing newlines aside)
#   --stdout-has TEXT    stdout contains TEXT (plain text)
#   --stderr-has TEXT    stderr contains TEXT (plain text)
#   --stdout-lacks TEXT  stdout does not contain TEXT
#   --stderr-lacks TEXT  stderr does not contain TEXT
#   --stdout-matches RE  a line of stdout matches the extended regex RE
#   --stderr-matches RE  a line of stderr matches RE
#   --stdout-empty, --stderr-empty
#   --last-line-ok       the last line of stdout is "ok"
# How to run it:
#   --stdin TEXT         TEXT and a newline on stdin (default: /dev/null)
#   --interrupt-after LINE
#                        once stdout has a line equal to LINE, send SIGINT;
#                        several are handled in order (Ctrl-C cases)
#   --terminate-after LINE
#                        the same with SIGTERM
#   --signal-after SIG:LINE
#                        once stdout or stderr has a line equal to LINE,
#                        send SIGSIG (USR1, QUIT, INT ...); in order with
#                        --interrupt-after
#   --timeout SECONDS    kill the command after SECONDS (default 60); the
#                        test's CTest TIMEOUT is set a little above, so a
#                        hang still ends here and prints its output
# Whatever is expected, a sanitizer report or a libuv handle left open at
# exit fails the run. On failure, prints every unmet expectation, then the
# tail of stdout and stderr, and exits 1.
set -u
want_exit=0 stdin="" has_stdin=0 limit=60 stdout_is="" has_stdout_is=0
last_line_ok=0 stdout_empty=0 stderr_empty=0 killed=0
checks=() interrupts=() signal=INT
while [ $# -gt 0 ]; do
  case $1 in
    --exit) want_exit=$2; shift 2 ;;
    --stdout-is) stdout_is=$2; has_stdout_is=1; shift 2 ;;
    --stdout-has | --stderr-has | --stdout-lacks | --stderr-lacks | --stdout-matches | --stderr-matches)
      checks+=("$1" "$2"); shift 2 ;;
    --stdout-empty) stdout_empty=1; shift ;;
    --stderr-empty) stderr_empty=1; shift ;;
    --last-line-ok) last_line_ok=1; shift ;;
    --stdin) stdin=$2; has_stdin=1; shift 2 ;;
    --interrupt-after) interrupts+=("INT:$2"); shift 2 ;;
    --signal-after) interrupts+=("$2"); shift 2 ;;
    --terminate-after) interrupts+=("TERM:$2"); shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "check_run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: check_run.sh [EXPECTATION...] -- COMMAND [ARG...]" >&2; exit 2; }
command=("$@")

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
out=$tmp/out err=$tmp/err
problems=()
problem() { problems+=("$1"); }

# --- run ---------------------------------------------------------------------

# is_running: true until the background command has exited (a zombie has).
is_running() {
  local state
  read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" && [ "$state" != Z ]
}

# wait_for_line LINE DEADLINE: polls stdout and stderr until a line is
# LINE; false if the command exits or DEADLINE (epoch seconds) passes first.
wait_for_line() {
  while [ "$(date +%s)" -lt "$2" ]; do
    grep -qxF -- "$1" "$out" "$err" && return 0
    is_running || break
    sleep 0.05
  done
  grep -qxF -- "$1" "$out" "$err"
}

if [ ${#interrupts[@]} -eq 0 ]; then
  if [ "$has_stdin" = 1 ]; then
    printf '%s\n' "$stdin" | timeout -k 2 "$limit" "$@" >"$out" 2>"$err"
  else
    timeout -k 2 "$limit" "$@" >"$out" 2>"$err" </dev/null
  fi
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then problem "no answer in $limit s (killed)"; killed=1; fi
else
  # In the background, so that signals can be sent while it runs. (A
  # non-interactive shell starts background jobs with SIGINT ignored;
  # libuv installs its own handler regardless, as the runner must.)
  deadline=$(($(date +%s) + limit))
  "$@" >"$out" 2>"$err" </dev/null &
  pid=$!
  for entry in "${interrupts[@]}"; do
    signal=${entry%%:*} line=${entry#*:}
    if ! wait_for_line "$line" "$deadline"; then problem "never printed the line: $line"; break; fi
    kill -"$signal" "$pid" 2>/dev/null || { problem "exited before SIG$signal"; break; }
  done
  while is_running && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
  if is_running; then
    kill -KILL "$pid"
    problem "still running $limit s after it started (killed)"
    killed=1
  fi
  wait "$pid" 2>/dev/null
  rc=$?
  pid=""
fi

# --- check -------------------------------------------------------------------

[ "$killed" = 1 ] || [ "$rc" = "$want_exit" ] || problem "exit status $rc, expected $want_exit"
if [ "$has_stdout_is" = 1 ] && [ "$(cat "$out")" != "$stdout_is" ]; then
  problem "stdout is not exactly:"$'\n'"$(printf '%s\n' "$stdout_is" | sed 's/^/    want| /')"
fi
set -- ${checks[@]+"${checks[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --stdout-has) grep -qF -- "$2" "$out" || problem "stdout lacks: $2" ;;
    --stderr-has) grep -qF -- "$2" "$err" || problem "stderr lacks: $2" ;;
    --stdout-lacks) grep -qF -- "$2" "$out" && problem "stdout has: $2" ;;
    --stderr-lacks) grep -qF -- "$2" "$err" && problem "stderr has: $2" ;;
    --stdout-matches) grep -qE -- "$2" "$out" || problem "no line of stdout matches: $2" ;;
    --stderr-matches) grep -qE -- "$2" "$err" || problem "no line of stderr matches: $2" ;;
  esac
  shift 2
done
[ "$stdout_empty" = 1 ] && [ -s "$out" ] && problem "stdout is not empty"
[ "$stderr_empty" = 1 ] && [ -s "$err" ] && problem "stderr is not empty"
if [ "$last_line_ok" = 1 ] && [ "$(tail -n 1 "$out")" != ok ]; then
  problem "the last line of stdout is not: ok"
fi
grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error: ' "$err" && problem "a sanitizer report on stderr"
grep -qF 'libuv handles still open at exit' "$err" && problem "libuv handles left open at exit"

if [ ${#problems[@]} -eq 0 ]; then
  echo "ok (exit status $rc)"
  exit 0
fi
printf 'FAILED: %s\n' "${problems[@]}"
echo "--- command:$(printf ' %q' "${command[@]}")"
echo "--- stdout (last 20 lines):"
tail -n 20 "$out"
echo "--- stderr (last 30 lines):"
tail -n 30 "$err"
exit 1

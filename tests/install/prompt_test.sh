#!/usr/bin/env bash
# lua-batteries -i, driven through a pseudo-terminal (tmux):
#   tests/install/prompt_test.sh BIN
# Each check types into the prompt and waits (10 s at most) for the
# screen to show what it expects; nothing depends on a sleep's length.
# Prints PASS/FAIL per check; exits 1 if one failed.
set -u
bin=${1:?usage: prompt_test.sh BIN}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
command -v tmux >/dev/null || { echo "prompt_test.sh: tmux is not installed (scripts/install-deps.sh)"; exit 1; }
tmp=$(mktemp -d)
# A server of its own: other tmux sessions on the machine are not touched.
tmux=(tmux -L "lb-prompt-$$" -f /dev/null)
cleanup() {
  "${tmux[@]}" kill-server 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0

screen() { "${tmux[@]}" capture-pane -p -J -S - -t prompt; }
# wait_screen ERE [COUNT]: waits until COUNT (default 1) screen lines match.
wait_screen() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ "$(screen | grep -cE -- "$1")" -ge "${2:-1}" ] && return 0
    sleep 0.05
  done
  return 1
}
type_line() { "${tmux[@]}" send-keys -t prompt -l -- "$1"; "${tmux[@]}" send-keys -t prompt Enter; }
key() { "${tmux[@]}" send-keys -t prompt "$1"; }
check() {
  local name=$1; shift
  if "$@"; then
    echo "PASS $name"; pass=$((pass + 1))
  else
    echo "FAIL $name"; screen | grep -v '^$' | sed 's/^/    /' | tail -n 15; fail=$((fail + 1))
  fi
}
prompts() { screen | grep -cE '^>( |$)'; }

# The scripts' output goes to the terminal with the prompt's (a task that
# prints while the prompt waits writes after the "> "); the exit status
# is printed when the prompt ends.
"${tmux[@]}" new-session -d -s prompt -x 150 -y 50 \
  "$(printf '%q' "$bin") -i; echo \"EXITED \$?\"; sleep 60"
check the_prompt_shows_the_version_and_a_prompt wait_screen '^> '

# A task spawned at the prompt runs while the prompt waits for input.
type_line 'std.task.spawn(function() std.task.sleep(200) print("task done") end)'
task_done_while_waiting() {
  wait_screen '^(> )?task done' || return 1
  # Nothing was typed after the spawn: the prompt was waiting.
  [ "$(screen | grep -c '^> ')" -ge 2 ]
}
check a_spawned_task_finishes_while_the_prompt_waits task_done_while_waiting

type_line '=1+1'
check equals_expression_prints_its_value wait_screen '^2$'
type_line '"a" .. "b", 3'
check an_expression_prints_all_its_values wait_screen '^ab[[:space:]]+3$'

type_line 'error("oops")'
error_with_traceback() {
  wait_screen 'lua-batteries: stdin:1: oops' && wait_screen '^stack traceback:' &&
    wait_screen "\[C\]: in function 'error'"
}
check an_error_prints_a_traceback error_with_traceback
type_line '=40+2'
check the_prompt_goes_on_after_an_error wait_screen '^42$'

type_line 'for i = 1, 2 do'
type_line 'print("line " .. i)'
type_line 'end'
check an_incomplete_statement_continues_on_the_next_line wait_screen '^line 2$'

type_line 'x = std.task.spawn(function() std.task.sleep(300) return "joined x" end)'
type_line '=x:join()'
check a_line_can_join_a_task wait_screen '^joined x$'

# Ctrl-C while a line runs aborts the line (its __close runs), not the
# session, nor a task spawned earlier.
type_line 'keeper = std.task.spawn(function() std.task.sleep(600) print("keeper done") end)'
type_line 'do local _ <close> = setmetatable({}, { __close = function() print("line closed") end }) print("line sleeping") std.task.sleep(100000) end'
if wait_screen '^line sleeping'; then key C-c; fi
ctrl_c_aborts_the_line() {
  wait_screen 'lua-batteries: interrupted \(the line was aborted\)' && wait_screen '(^|\^C)line closed'
}
check ctrl_c_aborts_the_running_line ctrl_c_aborts_the_line
check a_task_from_an_earlier_line_survives_ctrl_c wait_screen '^(> )?keeper done'

type_line 'while true do end'
sleep 0.1
key C-c
check ctrl_c_stops_a_busy_line wait_screen 'lua-batteries: interrupted \(the line was aborted\)' 2
type_line '=6*7'
check the_prompt_goes_on_after_ctrl_c wait_screen '^42$' 2

# Ctrl-C at the prompt discards what was typed.
before=$(prompts)
"${tmux[@]}" send-keys -t prompt -l -- 'syntax error here'
key C-c
discarded() {
  wait_screen '^>' "$((before + 1))" || return 1
  type_line '=7'
  wait_screen '^7$' && ! screen | grep -q "syntax error here'\|near 'error'"
}
check ctrl_c_at_the_prompt_discards_the_input discarded

# With readline (linked when the build has it), Up recalls the last line.
if ldd "$bin" 2>/dev/null | grep -q libreadline; then
  type_line '=50+5'
  if wait_screen '^55$'; then key Up; key Enter; fi
  check readline_history_recalls_the_last_line wait_screen '^55$' 2
fi

# Ctrl-D cancels the root scope: a sleeping task's __close runs, and the
# session ends with status 0.
type_line 'std.task.spawn(function() local _ <close> = setmetatable({}, { __close = function() print("sleeper closed") end }) std.task.sleep(100000) end)'
sleep 0.1
key C-d
ctrl_d_ends_after_cleanup() { wait_screen '^sleeper closed' && wait_screen '^EXITED 0$'; }
check ctrl_d_cancels_the_tasks_and_ends_with_status_0 ctrl_d_ends_after_cleanup

# Without a terminal: a pipe and a regular file, read to their end.
piped() {
  local out
  out=$(printf '=1+1\nfor i = 1, 2 do\nprint("n" .. i)\nend\n' | timeout -k 2 20 "$bin" -i 2>&1) &&
    grep -q '^> 2$' <<<"$out" && grep -q 'n2' <<<"$out"
}
check the_prompt_reads_a_pipe piped
from_file() {
  local out
  printf '=3*3\n=4*4' >"$tmp/input.lua"
  out=$(timeout -k 2 20 "$bin" -i <"$tmp/input.lua" 2>&1) &&
    [ "$(grep -c '^> 9$' <<<"$out")" = 1 ] && grep -q '^> 16$' <<<"$out"
}
check the_prompt_reads_a_file_each_line_once from_file

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# End-to-end tests of the command-line runner: options, the `arg` table and
# `...`, exit statuses, warnings on stderr and Ctrl-C (SIGINT) handling.
#
#   tests/runner/run.sh BIN
#
# Prints "PASS name" or "FAIL name: why" per case, then "N passed, M failed";
# exits non-zero when a case failed. Every wait is bounded: a case that
# hangs fails instead of hanging the suite.
set -u
bin=${1:?usage: run.sh BIN}
[ -x "$bin" ] || { echo "run.sh: $bin is not an executable" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
limit=${RUNNER_TEST_TIMEOUT:-${LB_TEST_TIMEOUT:-20}}  # seconds any one run may take
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 2
pass=0
fail=0

# --- one case: begin NAME, run, then want_* checks, then finish ------------

begin() { name=$1; why=""; rc=""; : >out; : >err; }

# run ARGS...: runs the runner with stdin from /dev/null.
run() { timeout -k 2 "$limit" "$bin" "$@" >out 2>err </dev/null; rc=$?; }
# run_stdin TEXT ARGS...: runs the runner with TEXT as standard input.
run_stdin() {
  local text=$1; shift
  printf '%s\n' "$text" | timeout -k 2 "$limit" "$bin" "$@" >out 2>err
  rc=$?
}

# The first unmet expectation becomes the case's failure reason.
fail_with() { [ -z "$why" ] && why=$1; return 0; }
want_rc() { [ "$rc" = "$1" ] || fail_with "exit $rc, expected $1"; }
want_out() { grep -qF -- "$1" out || fail_with "stdout lacks: $1"; }
want_err() { grep -qF -- "$1" err || fail_with "stderr lacks: $1"; }
want_err_re() { grep -qE -- "$1" err || fail_with "stderr does not match: $1"; }
want_out_re() { grep -qE -- "$1" out || fail_with "stdout does not match: $1"; }
want_no_out() { grep -qF -- "$1" out && fail_with "stdout has: $1"; return 0; }
want_out_empty() { [ -s out ] && fail_with "stdout is not empty"; return 0; }
want_err_empty() { [ -s err ] && fail_with "stderr is not empty"; return 0; }
want_out_is() {
  [ "$(cat out)" = "$1" ] || fail_with "stdout is not: $(printf '%s' "$1" | tr '\n\t' '|>')"
}

# Whatever a case expects, a sanitizer report or a handle left open fails it.
want_clean_exit() {
  grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error: ' err && fail_with "sanitizer report on stderr"
  grep -qF 'libuv handles still open at exit' err && fail_with "libuv handles left open"
  return 0
}

finish() {
  want_clean_exit
  if [ -z "$why" ]; then
    pass=$((pass + 1)); echo "PASS $name"
  else
    fail=$((fail + 1)); echo "FAIL $name: $why"
    tail -n 5 out | sed 's/^/    out| /'
    tail -n 8 err | sed 's/^/    err| /'
  fi
}

# --- background runs, for the Ctrl-C cases ---------------------------------

# start ARGS...: starts the runner in the background; its pid is in $pid.
# (A non-interactive shell starts background jobs with SIGINT ignored;
# libuv installs its own handler regardless, as it must.)
start() { "$bin" "$@" >out 2>err </dev/null & pid=$!; }

# is_running: true until the background runner has exited (a zombie has).
is_running() {
  local state
  read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" && [ "$state" != Z ]
}

# wait_for_line TEXT: polls stdout, for at most 10 s, until a line is TEXT.
wait_for_line() {
  local i
  for ((i = 0; i < 200; i++)); do
    grep -qxF -- "$1" out && return 0
    is_running || break
    sleep 0.05
  done
  grep -qxF -- "$1" out && return 0
  fail_with "never printed: $1"
  return 1
}

# interrupt: sends SIGINT to the background runner.
interrupt() { kill -INT "$pid" 2>/dev/null || fail_with "runner gone before SIGINT"; }
terminate() { kill -TERM "$pid" 2>/dev/null || fail_with "runner gone before SIGTERM"; }

# wait_exit SECONDS: waits for the background runner to exit; kills it
# after SECONDS. Sets rc (and a failure if it had to be killed).
wait_exit() {
  local i
  for ((i = 0; i < $1 * 20; i++)); do
    is_running || break
    sleep 0.05
  done
  if is_running; then
    kill -KILL "$pid"
    fail_with "still running ${1} s later"
  fi
  wait "$pid"; rc=$?
  pid=""
}

# --- scripts -----------------------------------------------------------------

# Sleeps of hours and a timeout, printing virtual elapsed times: with
# --virtual-time the run is instant and its output the same on every run.
cat >virtual.lua <<'EOF'
local task, clock = std.task, std.time.monotonic
local t0 = clock()
task.scope(function(s)
  for _, h in ipairs({ 3, 1, 2 }) do
    s:spawn(function()
      task.sleep(h * 3600 * 1000)
      print(("woke %dh at %.3f s"):format(h, clock() - t0))
    end)
  end
end)
local ok, err = pcall(task.with_timeout, 250, function() task.sleep(1e9) end)
print(("%s at %.3f s"):format(tostring(err), clock() - t0))
EOF

cat >args.lua <<'EOF'
local lo = 0
while arg[lo - 1] ~= nil do lo = lo - 1 end
for i = lo, #arg do print(i, arg[i]) end
print("...", select("#", ...), ...)
EOF

cat >greet.lua <<'EOF'
print(greeting or "no greeting")
EOF

cat >uncaught.lua <<'EOF'
std.task.sleep(1)
error("kaput")
EOF

cat >error_object.lua <<'EOF'
local token = std.task.cancel_token()
token:cancel()
token:check()
EOF

cat >root_tasks.lua <<'EOF'
std.task.spawn(function()
  std.task.sleep(30)
  print("task done")
end)
print("main done")
EOF

cat >driver.lua <<'EOF'
print(std.task.spawn(function() return std.task.current().driver end):join())
EOF

cat >unobserved.lua <<'EOF'
std.task.scope(function(scope)
  scope:spawn(function() error("lost error") end, { name = "worker" })
end)
print("ok")
EOF

# A task that sleeps forever, with a cleanup that must run on Ctrl-C.
cat >sleeper.lua <<'EOF'
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("task closed"); io.stdout:flush()
  end })
  print("ready"); io.stdout:flush()
  std.task.sleep(1e9)
  print("sleep returned")
end)
EOF

# The main chunk itself sleeps forever.
cat >main_sleeper.lua <<'EOF'
print("ready"); io.stdout:flush()
std.task.sleep(1e9)
print("sleep returned")
EOF

# A task that swallows every cancellation: only a hard abort stops it.
# Once cancelled, sleep raises without suspending, so the loop also calls
# yield, which gives the event loop a turn before it raises: without that
# turn the task would spin and no signal could be handled (no preemption yet).
cat >stubborn.lua <<'EOF'
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("task closed"); io.stdout:flush()
  end })
  print("ready"); io.stdout:flush()
  local told = false
  while true do
    local ok, err = pcall(std.task.sleep, 10)
    if not ok and not told then
      told = true
      print("ignoring " .. tostring(err)); io.stdout:flush()
    end
    pcall(std.task.yield)
  end
end)
EOF

# Cooperative but slow: after the cancel it keeps working (giving the loop
# a turn at each step) for 5 s, far beyond the grace window.
cat >slow.lua <<'EOF'
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("task closed"); io.stdout:flush()
  end })
  print("ready"); io.stdout:flush()
  pcall(std.task.sleep, 1e9)
  local t0 = std.time.monotonic()
  while std.time.monotonic() - t0 < 5 do pcall(std.task.yield) end
  print("slow cleanup finished")
end)
EOF

# Two tasks that compute for 0.2 s and 0.4 s: they interleave only when
# the runner preempts them.
cat >busy_pair.lua <<'EOF'
local function busy(name, seconds)
  return function()
    print(name .. " starts")
    local t0 = std.time.monotonic()
    while std.time.monotonic() - t0 < seconds do end
    print(name .. " ends")
  end
end
std.task.spawn(busy("a", 0.2))
std.task.spawn(busy("b", 0.4))
EOF

# A main chunk that never suspends.
cat >busy_main.lua <<'EOF'
print("ready"); io.stdout:flush()
local _ <close> = setmetatable({}, { __close = function() print("main closed") end })
while true do end
EOF

# --- cases -------------------------------------------------------------------

begin version
run -v
want_rc 0
want_out_re '^lua-batteries 0\.1\.0 \(Lua 5\.4\.[0-9]+, libuv 1\.[0-9]+\.[0-9]+\)$'
want_err_empty
finish

begin long_version
run --version
want_rc 0
want_out "lua-batteries 0.1.0 (Lua 5.4"
finish

begin help
run -h
want_rc 0
want_out "usage: lua-batteries [options] [script [args]]"
want_out "-e chunk"
want_err_empty
finish

begin unknown_option
run -x args.lua
want_rc 1
want_err "lua-batteries: unrecognized option '-x'"
want_err "usage: lua-batteries"
want_out_empty
finish

begin e_without_chunk
run -e
want_rc 1
want_err "lua-batteries: '-e' needs argument"
finish

begin e_chunks_run_in_order
run -e 'x = 1' -e 'x = x * 10' -e 'print(x)'
want_rc 0
want_out_is "10"
finish

begin e_chunk_glued_to_option
run '-eprint("glued")'
want_rc 0
want_out_is "glued"
finish

begin e_chunks_run_before_the_script
run -e 'greeting = "hello"' greet.lua
want_rc 0
want_out_is "hello"
finish

begin e_chunk_error_stops_the_run
run -e 'error("boom")' greet.lua
want_rc 1
want_err "lua-batteries: "
want_err "boom"
want_out_empty
finish

begin dash_runs_stdin_with_args
run_stdin 'print("from stdin", ...)' - a b
want_rc 0
want_out_is "$(printf 'from stdin\ta\tb')"
finish

begin piped_stdin_runs_without_a_script
run_stdin 'print("piped")'
want_rc 0
want_out_is "piped"
finish

# Needs a terminal as stdin: util-linux's script(1) provides one.
if command -v script >/dev/null; then
  begin no_script_on_a_terminal_prints_usage
  timeout -k 2 "$limit" script -qec "'$bin'" /dev/null >out 2>err </dev/null; rc=$?
  want_rc 1
  want_out "usage: lua-batteries"
  finish
fi

begin version_alone_does_not_read_stdin
run_stdin 'print("should not run")' -v
want_rc 0
want_no_out "should not run"
finish

begin arg_table_and_varargs
run --grace-ms 50 args.lua one "two words"
want_rc 0
want_out_is "$(printf '%s\n' "-3	$bin" "-2	--grace-ms" "-1	50" "0	args.lua" \
  "1	one" "2	two words" "...	2	one	two words")"
finish

begin double_dash_ends_options
run -- args.lua -x
want_rc 0
want_out_is "$(printf '%s\n' "-2	$bin" "-1	--" "0	args.lua" "1	-x" "...	1	-x")"
finish

begin bad_grace_ms_is_rejected
run --grace-ms abc args.lua
want_rc 1
want_err "lua-batteries: invalid value 'abc' for --grace-ms"
want_out_empty
finish

begin negative_grace_ms_is_rejected
run --grace-ms=-5 args.lua
want_rc 1
want_err "invalid value '-5' for --grace-ms"
finish

begin busy_tasks_interleave_by_default
run busy_pair.lua
want_rc 0
want_out_is "$(printf '%s\n' "a starts" "b starts" "a ends" "b ends")"
finish

begin slice_ms_zero_turns_preemption_off
run --slice-ms 0 busy_pair.lua
want_rc 0
want_out_is "$(printf '%s\n' "a starts" "a ends" "b starts" "b ends")"
finish

begin slice_ms_sets_the_slice
run --slice-ms=2 busy_pair.lua
want_rc 0
want_out_is "$(printf '%s\n' "a starts" "b starts" "a ends" "b ends")"
finish

# A slice of 10 minutes: only a deadline that passed can preempt the
# spinning task before its 10 s of CPU run out (and then it fails).
cat >due_sleeper.lua <<'EOF'
local task = std.task
local woke = false
task.spawn(function() task.sleep(1); woke = true end)
local spinner = task.spawn(function()
  local start = os.clock()
  while not woke do
    if os.clock() - start > 10 then error("the sleeper never ran while this task spun") end
  end
  print("the sleeper ran while this task spun")
end)
spinner:join()
EOF

begin a_due_sleeper_preempts_a_busy_task_before_its_slice_ends
run --slice-ms 600000 due_sleeper.lua
want_rc 0
want_out_is "the sleeper ran while this task spun"
finish

begin bad_slice_ms_is_rejected
run --slice-ms ten busy_pair.lua
want_rc 1
want_err "lua-batteries: invalid value 'ten' for --slice-ms"
want_out_empty
finish

begin negative_slice_ms_is_rejected
run --slice-ms=-1 busy_pair.lua
want_rc 1
want_err "invalid value '-1' for --slice-ms"
finish

begin missing_slice_ms_is_rejected
run --slice-ms
want_rc 1
want_err "'--slice-ms' needs argument"
finish

begin bad_driver_is_rejected
run --driver threads args.lua
want_rc 1
want_err "lua-batteries: unknown driver 'threads' for --driver"
finish

begin driver_option_sets_the_default_driver
run --driver coroutine driver.lua
want_rc 0
want_out_is "coroutine"
finish

# --max-tasks: the third live task is refused at the spawn call; a finished
# task frees its slot, and tasks in nested scopes count against the same limit.
cat >max_tasks.lua <<'EOF'
local task = std.task
local a = task.spawn(function() task.yield() end)
local b = task.spawn(function() task.yield() end)
local ok, err = pcall(task.spawn, function() end)
print(ok, err)
a:join()
local c = task.spawn(function() return "slot freed" end)
print(c:join())
b:join()
task.scope(function(s)
  s:spawn(function()
    task.scope(function(inner)
      inner:spawn(function() task.yield() end)
      print(pcall(inner.spawn, inner, function() end))
    end)
  end)
end)
EOF

begin max_tasks_limits_live_tasks
run --max-tasks 2 max_tasks.lua
want_rc 0
want_out_is "$(printf '%s\n' "false	std.task: task limit reached (2)" "slot freed" \
  "false	std.task: task limit reached (2)")"
finish

begin max_tasks_zero_means_no_limit
run --max-tasks=0 -e 'for i = 1, 100 do std.task.spawn(function() end) end print("spawned")'
want_rc 0
want_out_is "spawned"
finish

begin bad_max_tasks_is_rejected
run --max-tasks -3 args.lua
want_rc 1
want_err "lua-batteries: invalid value '-3' for --max-tasks (expected a whole number, 0 for no limit)"
want_out_empty
finish

begin max_tasks_needs_a_value
run --max-tasks
want_rc 1
want_err "lua-batteries: '--max-tasks' needs argument"
begin virtual_time_runs_hours_of_sleep_instantly_in_deadline_order
start_s=$(date +%s)
run --virtual-time virtual.lua
want_rc 0
want_out_is "$(printf '%s\n' "woke 1h at 3600.000 s" "woke 2h at 7200.000 s" "woke 3h at 10800.000 s" \
  "task.with_timeout: exceeded 250 ms at 10800.250 s")"
[ $(($(date +%s) - start_s)) -lt 10 ] || fail_with "took $(($(date +%s) - start_s)) s of wall time"
cp out first_out
run --virtual-time virtual.lua
cmp -s out first_out || fail_with "second run printed something else"
want_err_empty
finish

begin virtual_time_is_in_the_help
run --help
want_out "--virtual-time"
finish

begin uncaught_error_exits_1_with_traceback
run uncaught.lua
want_rc 1
want_err "lua-batteries: "
want_err "kaput"
want_err "stack traceback"
finish

begin uncaught_error_object_prints_its_message
run error_object.lua
want_rc 1
want_err "lua-batteries: task cancelled"
finish

begin missing_script_file
run no-such-file.lua
want_rc 1
want_err "no-such-file.lua"
finish

begin root_tasks_finish_after_the_main_chunk
run root_tasks.lua
want_rc 0
want_out_is "$(printf 'main done\ntask done')"
finish

begin unobserved_task_error_is_a_warning
run unobserved.lua
want_rc 0
want_out_is "ok"
want_err "lua-batteries: warning: task t1 (worker) failed and was never joined: "
want_err "lost error"
finish

begin sigint_cancels_a_sleeping_task_and_runs_its_close
start sleeper.lua
if wait_for_line ready; then interrupt; fi
wait_exit 10
want_rc 130
want_out "task closed"
want_no_out "sleep returned"
finish

begin sigint_cancels_the_sleeping_main_chunk
start main_sleeper.lua
if wait_for_line ready; then interrupt; fi
wait_exit 10
want_rc 130
want_no_out "sleep returned"
finish

begin second_sigint_hard_aborts_a_task_that_ignores_cancel
start --grace-ms 60000 stubborn.lua
if wait_for_line ready; then
  interrupt
  if wait_for_line "ignoring task cancelled"; then interrupt; fi
fi
wait_exit 10
want_rc 130
want_out "task closed"
finish

begin grace_expiry_after_sigint_is_a_warning
start --grace-ms 100 slow.lua
if wait_for_line ready; then interrupt; fi
wait_exit 4
want_rc 130
want_err_re 'lua-batteries: warning: grace window expired: [0-9]+ task\(s\) hard-aborted'
want_out "task closed"
want_no_out "slow cleanup finished"
finish

begin sigint_stops_a_busy_main_chunk_after_the_grace_window
start --grace-ms 100 busy_main.lua
if wait_for_line ready; then interrupt; fi
wait_exit 10
want_rc 130
want_out "main closed"
finish

begin sigterm_shuts_down_like_the_first_ctrl_c_and_exits_143
start sleeper.lua
if wait_for_line ready; then terminate; fi
wait_exit 10
want_rc 143
want_out "task closed"
want_no_out "sleep returned"
finish

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

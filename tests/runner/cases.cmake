# End-to-end cases of the command-line runner: options, the `arg` table and
# `...`, exit statuses, warnings on stderr and Ctrl-C (SIGINT) handling.
# Each case is one CTest test, runner.NAME (label runner), run in
# tests/runner/scripts/ so that scripts are named as a user would type them.
#
#   runner_case(NAME
#     [ARGS arg...]             the runner's command line (after its path)
#     [STDIN text]              text (and a newline) on stdin; default /dev/null
#     [TTY]                     stdin is a terminal (through script(1))
#     [INTERRUPT_AFTER line...] send SIGINT once stdout has each line, in order
#     [TERMINATE_AFTER line...] the same with SIGTERM
#     [SIGNAL_AFTER SIG:line...] send SIG<SIG> once stdout or stderr has each
#                               line, in order (not mixed with INTERRUPT_AFTER)
#     [EXIT n]                  exit status, default 0
#     [STDOUT_IS text]          the whole of stdout (trailing newlines aside)
#     [STDOUT_HAS text...] [STDERR_HAS text...] [STDOUT_LACKS text...] [STDERR_LACKS text...]
#     [STDOUT_MATCHES regex...] [STDERR_MATCHES regex...]
#     [STDOUT_EMPTY] [STDERR_EMPTY]
#     [TIMEOUT seconds])        default 20
#
# Texts are plain text, regexes extended (grep -E), each matched against one
# line. Every case also fails on a sanitizer report or a libuv handle left
# open. ${runner} is the runner's path, as arg[-n] shows it. Adding a case:
# one call below, and its script in tests/runner/scripts/ if it needs one.

string(REPLACE "." "\\." version_re "${PROJECT_VERSION}")

# --- version and help ---------------------------------------------------------

runner_case(version
  ARGS -v
  STDOUT_MATCHES "^lua-batteries ${version_re} \\(Lua 5\\.4\\.[0-9]+, libuv 1\\.[0-9]+\\.[0-9]+\\)$"
  STDERR_EMPTY)

runner_case(long_version
  ARGS --version
  STDOUT_HAS "lua-batteries ${PROJECT_VERSION} (Lua 5.4")

runner_case(help
  ARGS -h
  STDOUT_HAS "usage: lua-batteries [options] [script [args]]" "-e chunk" "--virtual-time"
             "--stats" "--trace FILE" "--trace-html FILE"
             "--sandbox" "--allow-read DIR" "--allow-write DIR" "--allow-net HOST[:PORT]"
             "--allow-listen ADDR[:PORT]" "--allow-run PROGRAM" "--allow-env NAME" "--max-memory MB"
  STDERR_EMPTY)

runner_case(unknown_option
  ARGS -x args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: unrecognized option '-x'" "usage: lua-batteries"
  STDOUT_EMPTY)

# --- -e chunks, stdin, arg and ... ------------------------------------------

runner_case(e_without_chunk
  ARGS -e
  EXIT 1
  STDERR_HAS "lua-batteries: '-e' needs argument")

runner_case(e_chunks_run_in_order
  ARGS -e "x = 1" -e "x = x * 10" -e "print(x)"
  STDOUT_IS "10")

runner_case(e_chunk_glued_to_option
  ARGS "-eprint(\"glued\")"
  STDOUT_IS "glued")

runner_case(e_chunks_run_before_the_script
  ARGS -e "greeting = \"hello\"" greet.lua
  STDOUT_IS "hello")

runner_case(e_chunk_error_stops_the_run
  ARGS -e "error(\"boom\")" greet.lua
  EXIT 1
  STDERR_HAS "lua-batteries: " "boom"
  STDOUT_EMPTY)

runner_case(dash_runs_stdin_with_args
  STDIN "print(\"from stdin\", ...)"
  ARGS - a b
  STDOUT_IS "from stdin\ta\tb")

runner_case(piped_stdin_runs_without_a_script
  STDIN "print(\"piped\")"
  STDOUT_IS "piped")

runner_case(no_script_on_a_terminal_prints_usage
  TTY
  EXIT 1
  STDOUT_HAS "usage: lua-batteries")

runner_case(version_alone_does_not_read_stdin
  STDIN "print(\"should not run\")"
  ARGS -v
  STDOUT_LACKS "should not run")

runner_case(arg_table_and_varargs
  ARGS --grace-ms 50 args.lua one "two words"
  STDOUT_IS "-3\t${runner}\n-2\t--grace-ms\n-1\t50\n0\targs.lua\n1\tone\n2\ttwo words\n...\t2\tone\ttwo words")

runner_case(double_dash_ends_options
  ARGS -- args.lua -x
  STDOUT_IS "-2\t${runner}\n-1\t--\n0\targs.lua\n1\t-x\n...\t1\t-x")

runner_case(missing_script_file
  ARGS no-such-file.lua
  EXIT 1
  STDERR_HAS "no-such-file.lua")

# --- option values ----------------------------------------------------------

runner_case(bad_grace_ms_is_rejected
  ARGS --grace-ms abc args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: invalid value 'abc' for --grace-ms"
  STDOUT_EMPTY)

runner_case(negative_grace_ms_is_rejected
  ARGS --grace-ms=-5 args.lua
  EXIT 1
  STDERR_HAS "invalid value '-5' for --grace-ms")

runner_case(bad_slice_ms_is_rejected
  ARGS --slice-ms ten busy_pair.lua
  EXIT 1
  STDERR_HAS "lua-batteries: invalid value 'ten' for --slice-ms"
  STDOUT_EMPTY)

runner_case(negative_slice_ms_is_rejected
  ARGS --slice-ms=-1 busy_pair.lua
  EXIT 1
  STDERR_HAS "invalid value '-1' for --slice-ms")

runner_case(missing_slice_ms_is_rejected
  ARGS --slice-ms
  EXIT 1
  STDERR_HAS "'--slice-ms' needs argument")

runner_case(bad_driver_is_rejected
  ARGS --driver threads args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: unknown driver 'threads' for --driver")

runner_case(driver_option_sets_the_default_driver
  ARGS --driver coroutine driver.lua
  STDOUT_IS "coroutine")

runner_case(max_tasks_limits_live_tasks
  ARGS --max-tasks 2 max_tasks.lua
  STDOUT_IS "false\tstd.task: task limit reached (2)\nslot freed\nfalse\tstd.task: task limit reached (2)")

runner_case(max_tasks_zero_means_no_limit
  ARGS --max-tasks=0 -e "for i = 1, 100 do std.task.spawn(function() end) end print(\"spawned\")"
  STDOUT_IS "spawned")

runner_case(bad_max_tasks_is_rejected
  ARGS --max-tasks -3 args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: invalid value '-3' for --max-tasks (expected a whole number, 0 for no limit)"
  STDOUT_EMPTY)

runner_case(max_tasks_needs_a_value
  ARGS --max-tasks
  EXIT 1
  STDERR_HAS "lua-batteries: '--max-tasks' needs argument")

# --- preemption (real time: these are about time slices) --------------------

# The default (the watchdog) never interleaves Lua code between suspension
# points; neither does --no-watchdog; --slice-ms does.
runner_case(busy_tasks_run_one_at_a_time_by_default
  ARGS busy_pair.lua
  STDOUT_IS "a starts\na ends\nb starts\nb ends")

runner_case(no_watchdog_runs_busy_tasks_one_at_a_time
  ARGS --no-watchdog busy_pair.lua
  STDOUT_IS "a starts\na ends\nb starts\nb ends")

runner_case(slice_ms_sets_the_slice
  ARGS --slice-ms=2 busy_pair.lua
  STDOUT_IS "a starts\nb starts\na ends\nb ends")

runner_case(a_due_sleeper_preempts_a_busy_task_before_its_slice_ends
  ARGS --slice-ms 600000 due_sleeper.lua
  STDOUT_IS "the sleeper ran while this task spun")

# --- the virtual clock ------------------------------------------------------

# Hours of sleep must take no wall time: the timeout is the check.
runner_case(virtual_time_runs_hours_of_sleep_instantly_in_deadline_order
  ARGS --virtual-time virtual.lua
  STDOUT_IS "woke 1h at 3600.000 s\nwoke 2h at 7200.000 s\nwoke 3h at 10800.000 s\ntask.with_timeout: exceeded 250 ms at 10800.250 s"
  STDERR_EMPTY
  TIMEOUT 10)

# --- errors, warnings and the end of a run ----------------------------------

runner_case(uncaught_error_exits_1_with_traceback
  ARGS uncaught.lua
  EXIT 1
  STDERR_HAS "lua-batteries: " "kaput" "stack traceback")

runner_case(uncaught_error_object_prints_its_message
  ARGS error_object.lua
  EXIT 1
  STDERR_HAS "lua-batteries: task cancelled")

runner_case(an_uncaught_table_error_prints_its_tostring
  ARGS table_error.lua
  EXIT 1
  STDERR_HAS "custom-error-object-58")

runner_case(a_main_chunk_error_whose_tostring_raises_exits_1
  ARGS main_error_with_raising_tostring.lua
  EXIT 1
  STDERR_HAS "(error while converting an error to text:"
  STDOUT_HAS "task cleaned up")

runner_case(an_error_escaping_a_scope_in_the_main_chunk_exits_1
  ARGS scope_error.lua
  EXIT 1
  STDERR_HAS "raised-in-a-scope-body-31"
  STDOUT_LACKS "must not be reached")

runner_case(a_main_chunk_error_cancels_tasks_and_runs_their_cleanups_once
  ARGS main_error_with_sleeper.lua
  EXIT 1
  STDOUT_IS "cleanup-ran-once: task cancelled")

runner_case(a_main_chunk_error_hard_aborts_tasks_that_outlive_the_grace
  ARGS --grace-ms 100 main_error_with_stubborn_task.lua
  EXIT 1
  STDOUT_IS "closed-by-hard-abort"
  STDERR_MATCHES "lua-batteries: warning: grace window expired: [0-9]+ task\\(s\\) hard-aborted")

runner_case(root_tasks_finish_after_the_main_chunk
  ARGS root_tasks.lua
  STDOUT_IS "main done\ntask done")

runner_case(unobserved_task_error_is_a_warning
  ARGS unobserved.lua
  STDOUT_IS "ok"
  STDERR_HAS "lua-batteries: warning: task t1 (worker) failed and was never joined: " "lost error")

runner_case(an_unjoined_root_task_error_is_a_warning
  ARGS unobserved_root_task.lua
  STDOUT_IS "ok"
  STDERR_HAS "failed and was never joined: " "unjoined-task-failure-17")

runner_case(an_unjoined_error_in_a_nested_scope_is_a_warning
  ARGS nested_unobserved.lua
  STDOUT_IS "ok"
  STDERR_HAS "failed and was never joined: " "nested-scope-failure-23")

runner_case(an_unjoined_error_whose_tostring_raises_is_still_a_warning
  ARGS unobserved_error_with_raising_tostring.lua
  STDOUT_IS "ok"
  STDERR_HAS "failed and was never joined: (error while converting an error to text:")

runner_case(a_root_task_failure_is_reported_once_its_handle_is_collected
  ARGS dropped_failed_handle.lua
  STDERR_MATCHES "^lua-batteries: warning: task t1 failed and was never joined: .*dropped-handle-failure-53"
  STDERR_HAS "main chunk ends")

# A report never hangs the run: a conversion to text has a budget
# (runtime/report.hpp) and a placeholder when it runs out.
runner_case(an_unjoined_error_whose_tostring_never_returns_is_reported_with_a_placeholder
  ARGS unobserved_error_with_endless_tostring.lua
  STDOUT_IS "ok"
  STDERR_HAS "(plain) failed and was never joined: (an error value whose conversion to text did not finish)"
    "(defiant) failed and was never joined: (an error value whose conversion to text did not finish)"
  TIMEOUT 10)

runner_case(a_main_chunk_error_whose_tostring_never_returns_exits_1_with_a_placeholder
  ARGS main_error_with_endless_tostring.lua
  EXIT 1
  STDERR_HAS "lua-batteries: (an error value whose conversion to text did not finish)"
  STDOUT_HAS "task cleaned up"
  TIMEOUT 10)

runner_case(an_end_of_run_report_whose_tostring_never_returns_has_a_placeholder
  ARGS root_task_error_with_endless_tostring.lua
  STDOUT_IS "main done"
  STDERR_HAS "failed and was never joined: (an error value whose conversion to text did not finish)"
  TIMEOUT 10)

# With preemption off (--no-watchdog) a report still has its budget: a
# __tostring that removes the budget hook (debug.sethook) and loops is
# stopped by a timer of the report's own.
runner_case(without_the_watchdog_an_unjoined_error_whose_tostring_removes_the_hook_has_a_placeholder
  ARGS --no-watchdog unobserved_error_with_endless_tostring.lua
  STDOUT_IS "ok"
  STDERR_HAS "(plain) failed and was never joined: (an error value whose conversion to text did not finish)"
    "(defiant) failed and was never joined: (an error value whose conversion to text did not finish)"
  TIMEOUT 10)

runner_case(without_the_watchdog_a_main_chunk_error_whose_tostring_removes_the_hook_exits_1_with_a_placeholder
  ARGS --no-watchdog main_error_with_defiant_tostring.lua
  EXIT 1
  STDERR_HAS "lua-batteries: (an error value whose conversion to text did not finish)"
  TIMEOUT 10)

# --- Ctrl-C -----------------------------------------------------------------

runner_case(sigint_cancels_a_sleeping_task_and_runs_its_close
  ARGS sleeper.lua
  INTERRUPT_AFTER "ready"
  EXIT 130
  STDOUT_HAS "task saw: task cancelled" "task closed"
  TIMEOUT 10)

runner_case(sigterm_shuts_down_like_the_first_ctrl_c_and_exits_143
  ARGS sleeper.lua
  TERMINATE_AFTER "ready"
  EXIT 143
  STDOUT_HAS "task saw: task cancelled" "task closed"
  TIMEOUT 10)

runner_case(sigint_cancels_the_sleeping_main_chunk
  ARGS main_sleeper.lua
  INTERRUPT_AFTER "ready"
  EXIT 130
  STDOUT_LACKS "sleep returned"
  TIMEOUT 10)

# A grace window of a minute: only the second SIGINT can end the run in time.
runner_case(second_sigint_hard_aborts_a_task_that_ignores_cancel
  ARGS --grace-ms 60000 stubborn.lua
  INTERRUPT_AFTER "ready" "ignoring task cancelled"
  EXIT 130
  STDOUT_HAS "task closed"
  TIMEOUT 10)

runner_case(grace_expiry_after_sigint_is_a_warning
  ARGS --grace-ms 100 slow.lua
  INTERRUPT_AFTER "ready"
  EXIT 130
  STDERR_MATCHES "lua-batteries: warning: grace window expired: [0-9]+ task\\(s\\) hard-aborted"
  STDOUT_HAS "task closed"
  STDOUT_LACKS "slow cleanup finished"
  TIMEOUT 10)

runner_case(sigint_stops_a_busy_main_chunk_after_the_grace_window
  ARGS --grace-ms 100 busy_main.lua
  INTERRUPT_AFTER "ready"
  EXIT 130
  STDOUT_HAS "main closed"
  TIMEOUT 10)

# __close handlers run by a hard abort cannot suspend, and only the next
# hard abort cuts them: a second Ctrl-C, or the shutdown's grace expiry.
runner_case(the_next_ctrl_c_cuts_a_close_handler_that_a_hard_abort_runs
  ARGS --grace-ms 100 endless_close.lua
  INTERRUPT_AFTER "ready" "closing"
  EXIT 130
  TIMEOUT 10)

# The same for the __close handlers of a coroutine the task closes, and of
# a task that fails: cleanup code too (the grace window of a minute leaves
# only the second Ctrl-C to end the run in time).
runner_case(the_next_ctrl_c_cuts_a_close_handler_that_coroutine_close_runs
  ARGS --grace-ms 60000 endless_close_in_coroutine_close.lua
  INTERRUPT_AFTER "ready" "closing"
  EXIT 130
  TIMEOUT 10)

runner_case(the_next_ctrl_c_cuts_a_close_handler_of_a_failed_task
  ARGS --grace-ms 60000 endless_close_of_a_failed_task.lua
  INTERRUPT_AFTER "ready" "closing"
  EXIT 130
  TIMEOUT 10)

runner_case(without_the_watchdog_the_next_ctrl_c_cuts_a_close_handler_that_a_hard_abort_runs
  ARGS --no-watchdog --grace-ms 100 endless_close.lua
  INTERRUPT_AFTER "ready" "closing"
  EXIT 130
  TIMEOUT 10)

runner_case(the_shutdown_grace_expiry_cuts_a_close_handler_that_a_hard_abort_runs
  ARGS --grace-ms 300 endless_close_at_shutdown.lua
  EXIT 1
  STDOUT_IS "closing"
  STDERR_HAS "main fails" "grace window expired"
  TIMEOUT 10)

# --- what every task is doing: dumps and messages that name names ------------

# The dump goes to stderr and the run goes on: the Ctrl-C that follows
# finds the worker still asleep, and the exit status is Ctrl-C's, not the
# signal's.
runner_case(sigusr1_prints_the_task_dump_and_the_run_goes_on
  ARGS worker_sleeps.lua
  SIGNAL_AFTER "USR1:ready" "INT:lua-batteries: task dump (SIGUSR1):"
  EXIT 130
  STDERR_HAS "task(s) alive (0 running, 0 runnable, 1 sleeping"
             "  t1 (worker): sleeping until +"
             "      worker_sleeps.lua:3: in function <worker_sleeps.lua:3>"
  STDOUT_HAS "worker saw: task cancelled"
  TIMEOUT 10)

runner_case(sigquit_prints_the_task_dump_and_the_run_goes_on
  ARGS worker_sleeps.lua
  SIGNAL_AFTER "QUIT:ready" "INT:lua-batteries: task dump (SIGQUIT):"
  EXIT 130
  STDERR_HAS "  t1 (worker): sleeping until +"
  STDOUT_HAS "worker saw: task cancelled"
  TIMEOUT 10)

runner_case(ctrl_c_says_where_every_task_was
  ARGS worker_sleeps.lua
  INTERRUPT_AFTER "ready"
  EXIT 130
  STDERR_HAS "lua-batteries: interrupted. At the Ctrl-C:"
  STDERR_MATCHES "^  t1 \\(worker\\): sleeping until \\+[0-9.]+ ms \\([0-9.]+ ms left\\), age [0-9.]+ ms, at worker_sleeps.lua:3$"
  TIMEOUT 10)

runner_case(ctrl_c_on_a_busy_main_chunk_says_where_it_was
  ARGS --grace-ms 100 busy_main.lua
  INTERRUPT_AFTER "ready"
  EXIT 130
  STDERR_HAS "lua-batteries: interrupted. At the Ctrl-C:" "  main chunk: runnable, at busy_main.lua:"
  TIMEOUT 10)

runner_case(a_deadlock_says_which_task_waits_for_which_and_prints_the_dump
  ARGS deadlock.lua
  EXIT 1
  STDERR_HAS "lua-batteries: std.task: deadlock: 2 fiber(s) wait for each other and nothing can wake them:"
             "lua-batteries: task dump at the deadlock:"
             "      [C]: in method 'join'"
  STDERR_MATCHES "^  t1 \\(left\\): joining t2 \\(right\\), age [0-9.]+ ms, at deadlock.lua:4$"
                 "^  t2 \\(right\\): joining t1 \\(left\\), age [0-9.]+ ms, at deadlock.lua:5$")

runner_case(a_shutdown_grace_expiry_names_what_it_aborts_and_prints_the_dump
  ARGS --grace-ms 100 main_error_with_stubborn_task.lua
  EXIT 1
  STDERR_HAS "lua-batteries: warning: grace window expired: 1 task(s) hard-aborted (shutdown, grace 100 ms):"
             "lua-batteries: what the grace window left, as it was when it expired:"
             "      main_error_with_stubborn_task.lua:9: in function <main_error_with_stubborn_task.lua:4>"
  STDERR_MATCHES "^  t1: runnable, age [0-9.]+ ms, at main_error_with_stubborn_task.lua:9$")

runner_case(no_grace_warning_when_the_grace_window_is_zero
  ARGS --grace-ms 0 main_error_with_stubborn_task.lua
  EXIT 1
  STDOUT_IS "closed-by-hard-abort"
  STDERR_LACKS "grace window" "what the grace window left")

runner_case(a_with_timeout_grace_expiry_names_the_task_and_where_it_was
  ARGS timeout_grace_stubborn.lua 50
  STDOUT_IS "task.with_timeout: exceeded 20 ms"
  STDERR_HAS "lua-batteries: warning: grace window expired: 1 task(s) hard-aborted (with_timeout, grace 50 ms):"
  STDERR_MATCHES "^  t1 \\(stubborn\\): runnable, age [0-9.]+ ms, at timeout_grace_stubborn.lua:6$"
  STDERR_LACKS "what the grace window left")

runner_case(no_with_timeout_grace_warning_when_its_grace_is_zero
  ARGS timeout_grace_stubborn.lua 0
  STDOUT_IS "task.with_timeout: exceeded 20 ms"
  STDERR_EMPTY)

runner_case(a_with_timeout_error_shows_where_the_body_was_at_the_deadline
  ARGS timeout_in_main.lua
  EXIT 1
  STDERR_HAS "lua-batteries: task.with_timeout: exceeded 20 ms"
             "timeout_in_main.lua:5: in main chunk"
             "when the deadline passed, the with_timeout body was at:"
             "timeout_in_main.lua:4: in upvalue 'fetch'")

# --- std.log ----------------------------------------------------------------

runner_case(log_records_carry_time_task_and_name
  ARGS --virtual-time log_context.lua
  STDERR_HAS "[   0.0 ms main] info: starting 1 workers"
             "[  12.3 ms t1 fetch] warn: slow source ms=12 source=db"
  STDERR_LACKS "details")

runner_case(log_level_debug_shows_debug_records
  ARGS --virtual-time --log-level debug log_context.lua
  STDERR_HAS "[  12.3 ms t1 fetch] debug: details")

runner_case(log_level_error_hides_records_and_runner_warnings
  ARGS --log-level=error --grace-ms 100 main_error_with_stubborn_task.lua
  EXIT 1
  STDOUT_IS "closed-by-hard-abort"
  STDERR_HAS "main fails while a stubborn task runs"
  STDERR_LACKS "warning" "grace window")

runner_case(bad_log_level_is_rejected
  ARGS --log-level loud log_context.lua
  EXIT 1
  STDERR_HAS "lua-batteries: unknown level 'loud' for --log-level (expected trace, debug, info, warn, error or off)"
  STDOUT_EMPTY)

# --- --stats, --trace, --trace-html --------------------------------------------
# The trace's JSON is checked event by event by tests/trace/check_trace.py
# (runner.trace_json_has_every_event_of_a_known_run), the HTML page in
# Chromium by tests/trace/check_timeline_page.py (browser.*).

# busy(80) spins on os.clock, the process's CPU time; the longest resume is
# the loop thread's own, which other threads of a sanitizer build can make
# smaller: the cases ask for 10 ms and more, and for the right task.
runner_case(stats_counts_tasks_scopes_deadlines_and_the_longest_resume
  ARGS --virtual-time --stats stats_run.lua
  STDOUT_IS "done"
  STDERR_HAS "lua-batteries: stats:"
             "  tasks: 7 spawned, 4 peak alive, finished: 4 returned, 1 failed, 1 cancelled, 1 aborted"
             "  scopes: 5 opened (1 with_timeout), deepest nesting 3"
             "  deadlines hit: 1, grace expiries: 1"
  STDERR_MATCHES "^  longest resume: [1-9][0-9]+\\.[0-9] ms CPU \\([0-9]+\\.[0-9] ms wall\\) of [0-9]+ resumes, in t1 \\(busy\\)$")

# Time slicing cuts the busy task's stretch into slices; it is still one
# stretch without a suspension point.
runner_case(stats_longest_resume_spans_preemptions
  ARGS --virtual-time --slice-ms 2 --stats stats_run.lua
  STDERR_MATCHES "^  longest resume: [1-9][0-9]+\\.[0-9] ms CPU .* in t1 \\(busy\\)$")

runner_case(stats_of_a_main_chunk_alone_name_the_main_chunk
  ARGS --stats -e "local x = 0 for i = 1, 10 do x = x + i end"
  STDERR_HAS "  tasks: 0 spawned, 0 peak alive, finished: 0 returned, 0 failed, 0 cancelled, 0 aborted"
             "  scopes: 0 opened (0 with_timeout), deepest nesting 0"
  STDERR_MATCHES "^  longest resume: [0-9]+\\.[0-9] ms CPU \\([0-9]+\\.[0-9] ms wall\\) of 1 resumes, in the main chunk$")

runner_case(no_stats_without_the_option
  ARGS --virtual-time stats_run.lua
  STDOUT_IS "done"
  STDERR_LACKS "stats:" "longest resume")

runner_case(trace_needs_a_file
  ARGS --trace
  EXIT 1
  STDERR_HAS "lua-batteries: '--trace' needs argument" "usage: lua-batteries")

runner_case(trace_html_needs_a_file
  ARGS --trace-html= -e "print(1)"
  EXIT 1
  STDERR_HAS "lua-batteries: '--trace-html' needs argument")

runner_case(an_unwritable_trace_file_fails_the_run_after_it
  ARGS --trace /nonexistent-dir/trace.json -e "print('ran')"
  EXIT 1
  STDOUT_IS "ran"
  STDERR_HAS "lua-batteries: cannot write the trace to /nonexistent-dir/trace.json: No such file or directory")

# --- policies: --sandbox, --allow-*, --max-memory (the escape suite is tests/policy/)

runner_case(an_allow_flag_implies_the_sandbox
  ARGS --allow-read . -e "assert(io == nil and debug == nil and os.execute == nil) print(std.fs.read('args.lua') ~= nil)"
  STDOUT_IS "true")

runner_case(without_policy_flags_everything_is_open
  ARGS -e "print(io ~= nil, debug ~= nil, std.process ~= nil, std.net ~= nil)"
  STDOUT_IS "true\ttrue\ttrue\ttrue")

runner_case(the_sandbox_denies_a_read_with_the_spec_text
  ARGS --sandbox -e "std.fs.read('/etc/passwd')"
  EXIT 1
  STDERR_HAS "std.fs.read: access to '/etc/passwd' denied by policy")

runner_case(allow_env_reads_only_the_names_granted
  ARGS --allow-env HOME -e "print(os.getenv('HOME') ~= nil, pcall(os.getenv, 'PATH'))"
  STDOUT_HAS "true\tfalse\tos.getenv: access to 'PATH' denied by policy")

runner_case(a_root_that_is_no_directory_is_refused
  ARGS --allow-read no-such-dir args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: sandbox root 'no-such-dir': No such file or directory")

runner_case(a_db_outside_the_roots_is_refused
  ARGS --allow-write . --db /tmp/lua-batteries-outside.db args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: std.sql: access to '/tmp/lua-batteries-outside.db' denied by policy")

runner_case(bad_allow_net_is_rejected
  ARGS --allow-net example.com:http args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: invalid value 'example.com:http' for --allow-net (expected HOST, HOST:PORT or [IPv6]:PORT)"
  STDERR_LACKS "usage:")

# A policy flag with a bad value names it, without the usage text; one
# whose value is missing prints the usage text too, as every option does.
runner_case(allow_run_needs_a_program_that_exists
  ARGS --allow-run no-such-program-anywhere args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: no program 'no-such-program-anywhere' for --allow-run (not a path to one, nor on $PATH)"
  STDERR_LACKS "usage:")

runner_case(allow_read_needs_a_value
  ARGS --allow-read
  EXIT 1
  STDERR_HAS "lua-batteries: '--allow-read' needs argument" "usage: lua-batteries")

runner_case(allow_write_needs_a_directory
  ARGS --allow-write= args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: empty directory for --allow-write"
  STDERR_LACKS "usage:")

runner_case(allow_run_needs_a_value
  ARGS --allow-run
  EXIT 1
  STDERR_HAS "lua-batteries: '--allow-run' needs argument" "usage: lua-batteries")

runner_case(bad_allow_env_is_rejected
  ARGS --allow-env A=B args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: invalid name 'A=B' for --allow-env"
  STDERR_LACKS "usage:")

runner_case(allow_env_needs_a_value
  ARGS --allow-env
  EXIT 1
  STDERR_HAS "lua-batteries: '--allow-env' needs argument" "usage: lua-batteries")

runner_case(bad_max_memory_is_rejected
  ARGS --max-memory 0 args.lua
  EXIT 1
  STDERR_HAS "lua-batteries: invalid value '0' for --max-memory (expected megabytes: a whole number from 1)"
  STDERR_LACKS "usage:")

runner_case(max_memory_needs_a_value
  ARGS --max-memory
  EXIT 1
  STDERR_HAS "lua-batteries: '--max-memory' needs argument" "usage: lua-batteries")

runner_case(max_memory_leaves_room_for_an_ordinary_script
  ARGS --max-memory 16 -e "local t = {} for i = 1, 1000 do t[i] = ('x'):rep(100) end print(#t)"
  STDOUT_IS "1000")

runner_case(a_task_that_runs_out_of_memory_fails_alone_and_the_rest_goes_on
  ARGS --max-memory 32 -e "local function hog() local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end end local h = std.task.spawn(function() return pcall(hog) end) print(h:join()) collectgarbage() local again = std.task.spawn(function() std.task.sleep(1) return ('y'):rep(1e6) end) print(#again:join())"
  STDOUT_IS "false\tnot enough memory\n1000000")

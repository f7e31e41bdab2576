#!/bin/sh
# Runs a command under valgrind's memcheck: the valgrind preset puts it
# before the runner (LB_RUNNER_LAUNCHER) in the lua and conformance tests.
#   LB_VALGRIND_LOGS=DIR scripts/valgrind-runner.sh COMMAND [ARG...]
# One log per process in DIR; a memcheck error makes the run exit 99 (not
# 1, which some tests expect on purpose) and leaves its report in the log.
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite --quiet \
  --log-file="${LB_VALGRIND_LOGS:?LB_VALGRIND_LOGS: the directory for memcheck logs}/%p.log" "$@"

#!/usr/bin/env bash
# The installed package, as its users meet it:
#   tests/install/install_test.sh BUILD_DIR
# installs BUILD_DIR (`cmake --install`) into a temporary prefix, then
#  - builds examples/embed_host.cpp against it with find_package(CONFIG)
#    and with pkg-config, and runs both;
#  - runs the installed runner;
#  - runs Debian's lua5.4 with LUA_CPATH at the prefix on module_check.lua
#    (require, tasks, a timeout, errors, nested runs, a process and a
#    loopback socket) and on
#    module_sigint.lua (Ctrl-C during lb.run, and lua.c's handling after);
#  - formats the man page with `man -l`, which must warn about nothing.
# Prints "PASS name" or "FAIL name: why" per case; exits 1 if one failed.
set -u
build=${1:?usage: install_test.sh BUILD_DIR}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
limit=${LB_TEST_TIMEOUT:-120}  # seconds any one step may take
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
prefix=$tmp/prefix
pass=0
fail=0
case_ok() { echo "PASS $1"; pass=$((pass + 1)); }
case_fail() {
  echo "FAIL $1: $2"
  [ -s "$tmp/log" ] && sed 's/^/    /' "$tmp/log" | tail -n 20
  fail=$((fail + 1))
}
# step NAME CMD...: runs CMD (output to $tmp/log, bounded by $limit).
step() {
  local name=$1; shift
  if timeout -k 2 "$limit" "$@" >"$tmp/log" 2>&1; then case_ok "$name"; return 0; fi
  case_fail "$name" "exit $? from: $*"
  return 1
}
embed_output_ok() { grep -q "with_timeout: task.with_timeout: exceeded 150 ms" "$tmp/log"; }

if ! step install cmake --install "$build" --prefix "$prefix"; then
  echo "0 passed, 1 failed"
  exit 1
fi
pc=$(find "$prefix" -name lua-batteries.pc | head -n 1)
libdir=$(dirname "$(dirname "$pc")")
cmod=$prefix/lib/lua/5.4/lua_batteries.so
missing=""
for f in "$prefix/bin/lua-batteries" "$pc" "$libdir/liblua_batteries.so" "$cmod" \
  "$prefix/include/lua_batteries/task.hpp" "$prefix/include/lua_batteries/observer.hpp" \
  "$libdir/cmake/lua_batteries/lua_batteries-config.cmake" "$prefix/share/man/man1/lua-batteries.1"; do
  [ -e "$f" ] || missing="$missing ${f#"$prefix"/}"
done
if [ -z "$missing" ]; then case_ok installed_files; else : >"$tmp/log"; case_fail installed_files "missing:$missing"; fi

# The Lua module must leave the Lua API to the interpreter that loads it.
if ldd "$cmod" >"$tmp/log" 2>&1 && ! grep -q liblua "$tmp/log"; then
  case_ok module_links_no_lua_library
else
  case_fail module_links_no_lua_library "ldd lists a Lua library"
fi

# --- a C++ host through find_package ------------------------------------------
mkdir -p "$tmp/cmake-host"
cat >"$tmp/cmake-host/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.22)
project(embed_host_consumer CXX)
find_package(lua_batteries 0.1 CONFIG REQUIRED)
add_executable(embed_host "$top/examples/embed_host.cpp")
target_link_libraries(embed_host PRIVATE lua_batteries::lua_batteries)
CMAKE
if step find_package_configure cmake -S "$tmp/cmake-host" -B "$tmp/cmake-host/build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release &&
  step find_package_build cmake --build "$tmp/cmake-host/build"; then
  if timeout -k 2 "$limit" "$tmp/cmake-host/build/embed_host" >"$tmp/log" 2>&1 && embed_output_ok &&
    ldd "$tmp/cmake-host/build/embed_host" | grep -qF "$libdir/liblua_batteries.so"; then
    case_ok find_package_host_runs_on_the_installed_library
  else
    case_fail find_package_host_runs_on_the_installed_library "wrong output, or not linked to $libdir"
  fi
fi

# --- a C++ host through pkg-config ----------------------------------------------
export PKG_CONFIG_PATH="$(dirname "$pc")"
if step pkg_config_build sh -c "g++ -std=c++20 -o '$tmp/embed_host_pc' '$top/examples/embed_host.cpp' \
    \$(pkg-config --cflags --libs lua-batteries)"; then
  if LD_LIBRARY_PATH="$libdir" timeout -k 2 "$limit" "$tmp/embed_host_pc" >"$tmp/log" 2>&1 && embed_output_ok; then
    case_ok pkg_config_host_runs
  else
    case_fail pkg_config_host_runs "wrong output"
  fi
fi

# --- the installed runner -----------------------------------------------------------
if timeout -k 2 "$limit" "$prefix/bin/lua-batteries" -e \
  'local h = std.task.spawn(function() std.task.sleep(5) return 42 end) print("joined " .. h:join())' \
  >"$tmp/log" 2>&1 && grep -qx "joined 42" "$tmp/log"; then
  case_ok installed_runner_runs_a_task
else
  case_fail installed_runner_runs_a_task "wrong output"
fi

# --- the Lua module from Debian's lua5.4 --------------------------------------------
export LUA_CPATH="$prefix/lib/lua/5.4/?.so"
unset LUA_CPATH_5_4 LUA_INIT LUA_INIT_5_4
if timeout -k 2 "$limit" lua5.4 "$here/module_check.lua" >"$tmp/log" 2>&1 && grep -qx "module ok" "$tmp/log"; then
  case_ok lua54_requires_the_module_and_runs_tasks
else
  case_fail lua54_requires_the_module_and_runs_tasks "module_check.lua failed"
fi

# Ctrl-C: wait_for N waits (10 s at most) until stdout has N "ready" lines.
wait_for() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ "$(grep -cx ready "$tmp/out")" -ge "$1" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
lua5.4 "$here/module_sigint.lua" >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
why=""
if wait_for 1; then
  kill -INT "$pid"
  if wait_for 2; then kill -INT "$pid"; else why="run did not return after SIGINT"; fi
else
  why="never ready"
fi
for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -KILL "$pid" 2>/dev/null && why=${why:-"still running after the second SIGINT"}
wait "$pid"
rc=$?
pid=""
cat "$tmp/out" "$tmp/err" >"$tmp/log"
if [ -z "$why" ]; then
  grep -qx "task closed" "$tmp/out" || why="the task's __close did not run"
  grep -qx "run raised: true lua_batteries.run: interrupted" "$tmp/out" || why=${why:-"run did not raise 'interrupted'"}
  grep -q "sleep returned" "$tmp/out" && why=${why:-"the cancelled sleep returned"}
  # lua.c's handler (not SIG_DFL, not libuv's) took the second SIGINT.
  grep -q "interrupted!" "$tmp/err" || why=${why:-"the interpreter's SIGINT handling was not restored"}
  [ "$rc" = 1 ] || why=${why:-"exit $rc, expected 1"}
fi
if [ -z "$why" ]; then case_ok ctrl_c_interrupts_run_and_restores_the_interpreters_handler
else case_fail ctrl_c_interrupts_run_and_restores_the_interpreters_handler "$why"; fi

# --- the man page -----------------------------------------------------------------------
man_page=$prefix/share/man/man1/lua-batteries.1
if MANWIDTH=80 man --warnings -l "$man_page" >"$tmp/out" 2>"$tmp/log" && [ ! -s "$tmp/log" ] &&
  grep -q "^NAME" "$tmp/out" && grep -q -- "--grace-ms" "$tmp/out" && grep -q "EXIT STATUS" "$tmp/out"; then
  case_ok man_page_formats_without_warnings
else
  case_fail man_page_formats_without_warnings "man -l failed, warned, or lacks a section"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# The rockspec, with Debian's luarocks:
#   tests/install/luarocks_test.sh
# copies the source tree (without build directories) to a temporary
# directory, runs `luarocks make --tree <tmp>` on
# rockspecs/lua-batteries-scm-1.rockspec there, then runs lua5.4 with the
# tree's paths (`luarocks path`) on module_check.lua, and the runner the
# rock installed. Prints PASS/FAIL per case; exits 1 if one failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
limit=${LB_TEST_TIMEOUT:-600}  # seconds the build may take (a full build)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
case_ok() { echo "PASS $1"; pass=$((pass + 1)); }
case_fail() {
  echo "FAIL $1: $2"
  sed 's/^/    /' "$tmp/log" | tail -n 25
  fail=$((fail + 1))
}
luarocks=(luarocks --lua-version 5.4)

mkdir "$tmp/src"
tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$tmp/src" -xf -
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
if (cd "$tmp/src" && timeout -k 2 "$limit" "${luarocks[@]}" make --tree "$tmp/tree" \
  rockspecs/lua-batteries-scm-1.rockspec) >"$tmp/log" 2>&1; then
  case_ok luarocks_make_builds_and_installs
else
  case_fail luarocks_make_builds_and_installs "luarocks make failed"
  echo "$pass passed, $fail failed"
  exit 1
fi

# Only the module and the runner: nothing else lands in the tree's Lua
# module directory.
extra=$(cd "$tmp/tree/lib/lua/5.4" && ls | grep -vx lua_batteries.so)
if [ -f "$tmp/tree/lib/lua/5.4/lua_batteries.so" ] && [ -z "$extra" ]; then
  case_ok the_rock_installs_the_module_alone_in_the_cpath_directory
else
  : >"$tmp/log"
  case_fail the_rock_installs_the_module_alone_in_the_cpath_directory "found: $(ls "$tmp/tree/lib/lua/5.4")"
fi

unset LUA_INIT LUA_INIT_5_4 LUA_PATH LUA_PATH_5_4 LUA_CPATH_5_4
export LUA_CPATH
LUA_CPATH=$("${luarocks[@]}" path --tree "$tmp/tree" --lr-cpath)
if timeout -k 2 60 lua5.4 "$here/module_check.lua" >"$tmp/log" 2>&1 && grep -qx "module ok" "$tmp/log"; then
  case_ok lua54_requires_the_module_from_the_tree
else
  case_fail lua54_requires_the_module_from_the_tree "module_check.lua failed"
fi

if timeout -k 2 60 "$tmp/tree/bin/lua-batteries" -e 'print(std.task ~= nil)' >"$tmp/log" 2>&1 &&
  grep -qx true "$tmp/log"; then
  case_ok the_rocks_runner_runs
else
  case_fail the_rocks_runner_runs "wrong output"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

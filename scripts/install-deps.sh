#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if missing.
#   scripts/install-deps.sh           build and test packages
#   scripts/install-deps.sh --bench   also Google Benchmark and the benchmark
#                                     peers (make bench, make bench-smoke,
#                                     hence make test)
# Runs apt-get (through sudo when not root) only when something is absent.
set -euo pipefail
# clang and libclang-rt-14-dev (libFuzzer, sanitizer runtimes): the fuzz build.
# lua5.4, luarocks, man-db and tmux: the packaging tests (require from
# the stock interpreter, luarocks make, man -l, the prompt driven through a
# pseudo-terminal). libreadline-dev: the prompt's line editing.
# lua-socket: the std.io.wait_readable tests drive LuaSocket sockets.
packages=(cmake make g++ pkg-config liblua5.4-dev libuv1-dev libgtest-dev valgrind clang libclang-rt-14-dev
          libreadline-dev lua5.4 luarocks man-db tmux lua-socket)
# std.json, std.sql / std.kv, std.http; python3 serves HTTP and HTTPS to
# their tests, with a certificate openssl makes at test time.
packages+=(rapidjson-dev libsqlite3-dev libcurl4-openssl-dev python3 openssl)
# chromium: the browser test draws the --trace-html page headless.
packages+=(chromium)
if [ "${1:-}" = "--bench" ]; then
  # The peers: Python asyncio, Lua 5.4 + cqueues and luv, Node.js (any `node`
  # already on PATH will do).
  packages+=(libbenchmark-dev python3 lua5.4 lua-cqueues lua-luv)
  command -v node >/dev/null || command -v nodejs >/dev/null || packages+=(nodejs)
  # W12's curl --parallel; W13's better-sqlite3 comes from npm at bench time.
  packages+=(curl)
  command -v npm >/dev/null || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

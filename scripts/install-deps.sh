#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if missing.
# Runs apt-get (through sudo when not root) only when something is absent.
set -euo pipefail
packages=(cmake make g++ pkg-config liblua5.4-dev libuv1-dev libgtest-dev valgrind)
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

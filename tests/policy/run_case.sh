#!/usr/bin/env bash
# One case of the escape suite (tests/policy/*.lua):
#   tests/policy/run_case.sh RUNNER CASE.lua [SECONDS]
# builds a fresh tree in a temporary directory and runs the runner on the
# case there (the working directory is the tree), with the arguments of the
# case's header:
#
#   -- policy-args: --allow-write root        the runner's options
#   -- expect-exit: 1                         default 0 (then stdout must end "ok")
#   -- expect-stderr: not enough memory       a line of stderr must hold it
#   -- swap: root/swap                        while the case runs, another
#        process swaps that path between a file inside the root and a
#        symlink to outside/secret.txt, in a loop
#
# The tree:
#   outside/secret.txt  "secret"           outside/dir/           outside/hardlinked.txt "hard"
#   root/data.txt       "inside"           root/sub/              root/hard (a hard link to outside/hardlinked.txt)
#   root/link-file -> ../outside/secret.txt                        root/link-dir -> ../outside
#   root/abs-link  -> <tree>/outside        root/swap (see above)
#
# Whatever the case does, nothing outside root/ may change: the tree
# outside root/ (names, types, sizes, contents, link targets) is compared
# before and after. Prints what failed; exits 1 if anything did.
set -u
runner=${1:?usage: run_case.sh RUNNER CASE.lua}
case_file=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
limit=${3:-60}  # seconds the run may take
tmp=$(mktemp -d)
swapper=""
cleanup() {
  [ -n "$swapper" ] && kill "$swapper" 2>/dev/null && wait "$swapper" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
tree=$tmp/tree
mkdir -p "$tree/outside/dir" "$tree/root/sub"
printf secret > "$tree/outside/secret.txt"
printf hard > "$tree/outside/hardlinked.txt"
printf inside > "$tree/root/data.txt"
ln "$tree/outside/hardlinked.txt" "$tree/root/hard"
ln -s ../outside/secret.txt "$tree/root/link-file"
ln -s ../outside "$tree/root/link-dir"
ln -s "$tree/outside" "$tree/root/abs-link"
printf inside > "$tree/root/swap"

header() { sed -n "s/^-- $1: //p" "$case_file" | head -1; }
args=$(header policy-args)
want_exit=$(header expect-exit)
want_exit=${want_exit:-0}
want_stderr=$(header expect-stderr)
swap=$(header swap)

# Everything outside root/, as text: path, type, size, content hash, link target.
snapshot() {
  (cd "$tree" && find . -path ./root -prune -o -printf '%p %y %s %l\n' | sort &&
    find . -path ./root -prune -o -type f -print0 | sort -z | xargs -0 -r sha1sum)
}
before=$(snapshot)

if [ -n "$swap" ]; then
  # rename(2) over the path: it is always either the file or the link.
  (
    cd "$tree" || exit 1
    printf inside > "$swap.file"
    while true; do
      ln -sfn "$tree/outside/secret.txt" "$swap.link-new" && mv -T "$swap.link-new" "$swap"
      cp "$swap.file" "$swap.file-new" && mv -T "$swap.file-new" "$swap"
    done
  ) &
  swapper=$!
fi

# shellcheck disable=SC2086  # the header's arguments are words
(cd "$tree" && timeout "$limit" "$runner" $args "$case_file") > "$tmp/stdout" 2> "$tmp/stderr"
status=$?
if [ -n "$swapper" ]; then
  kill "$swapper" 2>/dev/null
  wait "$swapper" 2>/dev/null
  swapper=""
fi
after=$(snapshot)

failed=0
fail() { echo "FAIL: $*"; failed=1; }
[ "$status" -eq "$want_exit" ] || fail "exit status $status, expected $want_exit"
if [ "$want_exit" -eq 0 ] && [ "$(tail -n 1 "$tmp/stdout")" != ok ]; then fail "stdout does not end with 'ok'"; fi
if [ -n "$want_stderr" ] && ! grep -qF -- "$want_stderr" "$tmp/stderr"; then fail "stderr lacks '$want_stderr'"; fi
if grep -q "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer" "$tmp/stderr"; then fail "sanitizer report"; fi
[ "$before" = "$after" ] || fail "the tree outside the root changed:
$(diff <(echo "$before") <(echo "$after"))"
if [ "$failed" -ne 0 ]; then
  echo "--- stdout"; tail -n 30 "$tmp/stdout"; echo "--- stderr"; tail -n 30 "$tmp/stderr"
  exit 1
fi
echo "PASS $(basename "$case_file")"

#!/usr/bin/env bash
# Runs every ```lua block of a Markdown file with the runner and fails if
# any exits with a status other than 0.
#
#   tests/docs/check_readme_blocks.sh BIN FILE.md [TIMEOUT_SECONDS]
#
# A block runs alone, as written, with no runner options. An HTML comment
# on the last non-blank line before the opening fence changes that:
#   <!-- fragment -->                 not run (a piece of a larger program)
#   <!-- run: OPTIONS -->             run with these runner options,
#                                     e.g. <!-- run: --virtual-time -->
# Prints one line per block (file:line of its fence, and the verdict); on
# a failure also the block's stdout and stderr. Exit status: 0 when every
# run block exited 0, 1 otherwise, 2 on a usage error.
set -u

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 BIN FILE.md [TIMEOUT_SECONDS]" >&2
  exit 2
fi
bin=$1
doc=$2
limit=${3:-60}
if [ ! -x "$bin" ]; then
  echo "$0: $bin is not an executable" >&2
  exit 2
fi
if [ ! -r "$doc" ]; then
  echo "$0: cannot read $doc" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Splits the document into work/NNN.lua files, with work/NNN.meta holding
# "LINE<TAB>MODE<TAB>OPTIONS" (MODE: run or fragment).
awk -v dir="$work" '
  /^[[:space:]]*$/ { if (!in_block) next }
  !in_block && /^```lua[[:space:]]*$/ {
    in_block = 1
    n++
    file = sprintf("%s/%03d.lua", dir, n)
    mode = "run"; opts = ""
    if (last ~ /^<!--[[:space:]]*fragment[[:space:]]*-->$/) mode = "fragment"
    if (last ~ /^<!--[[:space:]]*run:.*-->$/) {
      opts = last
      sub(/^<!--[[:space:]]*run:[[:space:]]*/, "", opts)
      sub(/[[:space:]]*-->$/, "", opts)
    }
    printf "%d\t%s\t%s\n", NR, mode, opts > sprintf("%s/%03d.meta", dir, n)
    printf "" > file
    next
  }
  in_block && /^```[[:space:]]*$/ { in_block = 0; last = ""; next }
  in_block { print > file; next }
  { last = $0 }
' "$doc"

failed=0
ran=0
skipped=0
for meta in "$work"/*.meta; do
  [ -e "$meta" ] || break
  block=${meta%.meta}.lua
  IFS=$'\t' read -r line mode opts < "$meta"
  where="$doc:$line"
  if [ "$mode" = fragment ]; then
    echo "skip  $where (fragment)"
    skipped=$((skipped + 1))
    continue
  fi
  ran=$((ran + 1))
  # shellcheck disable=SC2086  # OPTIONS are separate words on purpose
  timeout "$limit" "$bin" $opts "$block" > "$block.out" 2> "$block.err" < /dev/null
  status=$?
  if [ $status -eq 0 ]; then
    echo "ok    $where${opts:+ ($opts)}"
  else
    failed=$((failed + 1))
    echo "FAIL  $where${opts:+ ($opts)}: exit status $status"
    echo "----- stdout"; cat "$block.out"
    echo "----- stderr"; cat "$block.err"
    echo "-----"
  fi
done

echo "$doc: $ran block(s) run, $failed failed, $skipped fragment(s) skipped"
[ $failed -eq 0 ]

#!/bin/sh
# check-format.sh SOURCE_ROOT — fails when a C file of ours is not as clang-format writes it.
set -u
cd "$1" || exit 1

if ! command -v clang-format >/dev/null 2>&1; then
  echo "clang-format is not installed; skipping"
  exit 77
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files --cached --others --exclude-standard -- 'src/*.[ch]' 'tests/*.[ch]')
else
  files=$(find src tests -name '*.[ch]')
fi

bad=0
for f in $files; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=1
  fi
done
exit $bad

#!/usr/bin/env bash
# clang-format check of the C++ lines changed since a base commit (default: the one in .format-base, from which
# the project enforces its .clang-format). Only changed lines are checked, so history is not reformatted and an
# author is asked to format exactly what they wrote. Exit 0 clean, 1 with the diff to apply, 2 bad usage.
#   bash tools/format_check.sh [BASE]        check
#   bash tools/format_check.sh --fix [BASE]  reformat those lines in the working tree
set -euo pipefail
cd "$(dirname "$0")/.."
fix=0
if [ "${1:-}" = "--fix" ]; then fix=1; shift; fi
base=${1:-$(cat .format-base)}
if ! git rev-parse -q --verify "${base}^{commit}" >/dev/null; then
  echo "format: base commit $base is not in this clone's history; nothing to compare against (skipped)"
  exit 0
fi
gcf=$(command -v git-clang-format-14 || command -v git-clang-format || true)
if [ -z "$gcf" ]; then echo "format: git-clang-format not found (Debian package clang-format)" >&2; exit 2; fi
dirs=(core risk strategy net sim runtime tools bench tests)
if [ "$fix" = 1 ]; then
  "$gcf" --binary "$(command -v clang-format-14 || command -v clang-format)" --extensions h,cpp "$base" -- "${dirs[@]}"
  exit 0
fi
out=$("$gcf" --binary "$(command -v clang-format-14 || command -v clang-format)" --diff --extensions h,cpp \
  "$base" -- "${dirs[@]}" 2>&1 || true)
case "$out" in
  ""|*"no modified files to format"*|*"did not modify any files"*)
    echo "format: lines changed since ${base:0:12} follow .clang-format"
    exit 0 ;;
esac
echo "$out"
echo "format: the lines above, changed since ${base:0:12}, do not follow .clang-format;" \
  "run: bash tools/format_check.sh --fix" >&2
exit 1

#!/bin/sh
# make lint: static analysis of plumb's C sources with cppcheck and clang-tidy.
#
#   sh scripts/lint.sh [FILE.c...]     (default: every .c under src/)
#
# cppcheck runs its warning, portability and performance checks; clang-tidy runs the
# checks chosen in .clang-tidy (the reasons for each exclusion are there). Both must be
# clean: a finding that is a false positive is silenced on its line with a comment
# that says why (cppcheck: // cppcheck-suppress ID, clang-tidy: NOLINTNEXTLINE(check)).
# Prints every finding, then "lint: N cppcheck findings, N clang-tidy findings" and
# exits 1 when either is not zero. Needs the generated headers in $BUILD/gen (make lint
# builds plumb first). Extra compiler flags for both tools: LINT_CFLAGS.
BUILD=${BUILD:-build}
FLAGS="-D_GNU_SOURCE -Isrc -I$BUILD/gen ${LINT_CFLAGS:-}"
if [ $# -gt 0 ]; then files="$*"; else files=$(find src -name '*.c' | sort); fi
out=${TMPDIR:-/tmp}/plumb-lint.$$
trap 'rm -f "$out".*' EXIT

echo "== cppcheck"
# -q: findings only; --inline-suppr: honour suppressions in the source. Code that
# protoc-c generated into $BUILD/gen is not ours to fix, and cppcheck, which does not
# read the system headers, takes its version check for a failing #error.
cppcheck -q -j2 --std=c11 --enable=warning,portability,performance --inline-suppr \
	--suppress="*:$BUILD/gen/*" --error-exitcode=1 $FLAGS $files 2>"$out.cpp"
cat "$out.cpp"
ncpp=$(grep -c ': \(error\|warning\|portability\|performance\|style\): ' "$out.cpp")

echo "== clang-tidy"
# two files at a time on the two cores; headers under src/ are checked as included
printf '%s\n' $files | xargs -P2 -n3 sh -c \
	'clang-tidy --quiet "$@" -- -std=gnu11 '"$FLAGS"' 2>/dev/null' _ >"$out.tidy"
grep -A3 ': \(warning\|error\): ' "$out.tidy"
ntidy=$(grep ': \(warning\|error\): ' "$out.tidy" | sort -u | wc -l)

echo "lint: $ncpp cppcheck findings, $ntidy clang-tidy findings"
[ "$ncpp" = 0 ] && [ "$ntidy" = 0 ]

#!/bin/sh
# make check: build, lint, run the suite, run it again under ASan+UBSan, the
# ThreadSanitizer stage, then short fuzz runs.
# Ends with one line "check: N passed, N failed" counting these stages.
pass=0; fail=0
stage() {
	name=$1; shift
	echo "== $name"
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "== $name FAILED"; fi
}
stage build make -j2 --no-print-directory all tests
stage lint make --no-print-directory lint
stage suite sh tests/run-suite.sh build
stage asan make --no-print-directory check-asan
stage tsan make --no-print-directory check-tsan
stage fuzz-build make --no-print-directory fuzz-build
stage fuzz sh fuzz/run.sh build-fuzz/fuzz "${FUZZ_SECONDS:-5}"
echo "check: $pass passed, $fail failed"
[ "$fail" = 0 ]

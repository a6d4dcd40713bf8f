#!/bin/sh
# Run the whole test suite against one build directory: every unit test binary in
# BUILD/tests/, then every end-to-end test in tests/e2e/ driving BUILD/plumb.
# Each test runs in its own process with a timeout. Prints "suite: N passed, N failed".
build=${1:-build}
pass=0; fail=0; failed=""
export PLUMB_BIN="$PWD/$build/plumb" PLUMB_BUILD="$PWD/$build"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
log="$build/test-logs"; mkdir -p "$log"
for t in "$build"/tests/test_* tests/e2e/test_*.py; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	case "$t" in
	*.d) continue ;; # the compiler's dependency files sit next to the test binaries
	*.py) cmd="python3 $t" ;;
	*) cmd="$t" ;;
	esac
	if timeout 600 $cmd >"$log/$name.log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name"; tail -n 40 "$log/$name.log"
	fi
done
echo "suite ($build): $pass passed, $fail failed"
[ "$fail" = 0 ]

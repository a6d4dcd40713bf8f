#!/bin/sh
# Run the whole test suite against one build directory: every unit test binary in
# BUILD/tests/, then every end-to-end test in tests/e2e/ driving BUILD/plumb.
#
# Tests run SUITE_JOBS at a time (default: the number of CPUs), each in its own process
# with a timeout (tests/run-one.sh). A test whose source says "suite: alone" (it mounts
# file systems, adds network devices or cgroups outside a namespace of its own, or
# compares against the live machine) changes or reads what every other test sees, so it
# runs afterwards, by itself. Prints "suite: N passed, N failed".
build=${1:-build}
jobs=${SUITE_JOBS:-$(nproc 2>/dev/null || echo 1)}
export PLUMB_BIN="$PWD/$build/plumb" PLUMB_BUILD="$PWD/$build"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
log="$build/test-logs"; mkdir -p "$log"
shared="$log/suite-shared.list"; alone="$log/suite-alone.list"
: >"$shared"; : >"$alone"
for t in "$build"/tests/test_* tests/e2e/test_*.py; do
	[ -e "$t" ] || continue
	case "$t" in
	*.d) continue ;;
	*.py) src=$t ;;
	*) [ -x "$t" ] || continue; src=tests/unit/$(basename "$t").c ;;
	esac
	rm -f "$log/$(basename "$t").ok" "$log/$(basename "$t").fail"
	if grep -q "suite: alone" "$src" 2>/dev/null; then echo "$t" >>"$alone"; else echo "$t" >>"$shared"; fi
done
xargs -P "$jobs" -n 1 sh tests/run-one.sh "$log" <"$shared"
xargs -P 1 -n 1 sh tests/run-one.sh "$log" <"$alone"
pass=0; fail=0; failed=""
for t in $(cat "$shared" "$alone"); do
	name=$(basename "$t")
	if [ -e "$log/$name.ok" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
[ -z "$failed" ] || echo "failed:$failed"
echo "suite ($build): $pass passed, $fail failed"
[ "$fail" = 0 ]

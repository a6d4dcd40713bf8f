#!/bin/sh
# Run every fuzz target in DIR for SECONDS each, starting from its seed corpus in
# fuzz/corpus/<target>/. New inputs go to build-fuzz/corpus/<target>/, not the repo.
# Prints "fuzz: N passed, N failed"; a crash leaves its input in build-fuzz/crashes/.
dir=$1; secs=${2:-10}
pass=0; fail=0
mkdir -p build-fuzz/crashes
for bin in "$dir"/fuzz_*; do
	t=$(basename "$bin")
	mkdir -p "build-fuzz/corpus/$t" "fuzz/corpus/$t"
	if "$bin" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -print_final_stats=0 \
		-artifact_prefix="build-fuzz/crashes/$t-" "build-fuzz/corpus/$t" "fuzz/corpus/$t" \
		>"build-fuzz/$t.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $t (see build-fuzz/$t.log)"; tail -n 30 "build-fuzz/$t.log"
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]

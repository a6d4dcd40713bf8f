#!/bin/sh
# Run every fuzz target in DIR, starting from its seed corpus in fuzz/corpus/<target>/
# plus the working corpus in build-fuzz/corpus/<target>/, where new interesting inputs
# go (not the repo).
#
#   run.sh DIR [SECONDS]         each target for SECONDS (default 10): make check's short runs
#   run.sh --runs N DIR [TARGET...]  each target (or just the named ones) for N executions:
#                                make fuzz (N = 1000000)
#
# Runs FUZZ_JOBS targets at a time (default 2: one per core of the 2-core machines make
# check runs on). Prints one line per target (executions, exec/s, seconds, result,
# working corpus size), then a summary line "fuzz: N passed, N failed, E executions".
# A crash leaves its input in build-fuzz/crashes/ and the log in build-fuzz/<target>.log.
# After a long (--runs) pass, the working corpus is minimised: only the inputs that add
# coverage beyond the seeds are kept (libFuzzer -merge=1 into a copy of the seeds, then
# the seed copies are dropped again).
runs=
if [ "$1" = "--runs" ]; then runs=$2; shift 2; fi
dir=$1; shift
secs=10
if [ -z "$runs" ] && [ $# -gt 0 ]; then secs=$1; shift; fi
only=$*
jobs=${FUZZ_JOBS:-2}
case $jobs in '' | *[!0-9]* | 0) jobs=1 ;; esac
mkdir -p build-fuzz/crashes
rm -f build-fuzz/*.result

# run_target BIN: fuzz one target (one libFuzzer process, one core), minimise its
# working corpus after a long pass, and leave its table line, result and execution
# count in build-fuzz/<target>.result for the summary.
run_target() {
	bin=$1; t=$(basename "$bin")
	mkdir -p "build-fuzz/corpus/$t" "fuzz/corpus/$t"
	if [ -n "$runs" ]; then limit="-runs=$runs"; else limit="-max_total_time=$secs"; fi
	start=$(date +%s)
	if "$bin" "$limit" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/crashes/$t-" "build-fuzz/corpus/$t" "fuzz/corpus/$t" \
		>"build-fuzz/$t.log" 2>&1; then
		result=ok
	else
		result=FAIL
	fi
	el=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$t.log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build-fuzz/$t.log" | tail -n 1)
	work="build-fuzz/corpus/$t"
	if [ -n "$runs" ] && [ "$result" = ok ]; then
		rm -rf "$work.min" && cp -r "fuzz/corpus/$t" "$work.min" &&
		"$bin" -merge=1 -rss_limit_mb=1024 -timeout=10 "$work.min" "$work" \
			>>"build-fuzz/$t.log" 2>&1 &&
		(cd "fuzz/corpus/$t" && for s in *; do rm -f "../../../$work.min/$s"; done) &&
		rm -rf "$work" && mv "$work.min" "$work"
	fi
	printf '%-24s %12s %10s %8s  %-6s %s\n%s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$el" \
		"$result" "$(ls "$work" | wc -l)" "$result" "${execs:-0}" >"build-fuzz/$t.result"
}

# the targets, $jobs at a time (each is single-threaded, and all run for the same time)
printf '%-24s %12s %10s %8s  %-6s %s\n' target executions exec/s seconds result corpus
n=0; names=
for bin in "$dir"/fuzz_*; do
	t=$(basename "$bin")
	if [ -n "$only" ]; then
		case " $only " in *" $t "*) ;; *) continue ;; esac
	fi
	names="$names $t"
	run_target "$bin" &
	n=$((n + 1))
	if [ $((n % jobs)) -eq 0 ]; then wait; fi
done
wait

pass=0; fail=0; total=0
for t in $names; do
	r=build-fuzz/$t.result
	if [ ! -s "$r" ]; then
		printf '%-24s %12s %10s %8s  %-6s\n' "$t" ? ? ? FAIL
		fail=$((fail + 1)); continue
	fi
	head -n 1 "$r"
	set -- $(tail -n 1 "$r")
	total=$((total + $2))
	if [ "$1" = ok ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $t (see build-fuzz/$t.log)"; tail -n 30 "build-fuzz/$t.log"
	fi
done
echo "fuzz: $pass passed, $fail failed, $total executions"
[ "$fail" = 0 ]

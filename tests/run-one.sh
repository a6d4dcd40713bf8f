#!/bin/sh
# Run one test of the suite (tests/run-suite.sh): run-one.sh LOGDIR TEST. A unit test is a
# binary, an end-to-end test a .py file. The test runs with a 600 s timeout, its output
# goes to LOGDIR/NAME.log, and its result is one line on stdout ("ok   NAME", or
# "FAIL NAME" with the log's tail) and a file LOGDIR/NAME.ok or LOGDIR/NAME.fail.
log=$1; t=$2
name=$(basename "$t")
case "$t" in
*.py) set -- python3 "$t" ;;
*) set -- "$t" ;;
esac
rm -f "$log/$name.ok" "$log/$name.fail"
if timeout 600 "$@" >"$log/$name.log" 2>&1; then
	: >"$log/$name.ok"; echo "ok   $name"
else
	: >"$log/$name.fail"; echo "FAIL $name"; tail -n 40 "$log/$name.log"
fi

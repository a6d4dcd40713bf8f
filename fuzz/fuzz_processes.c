/* fuzz_processes: a state from the /proc/<pid>/stat parser (lib/pidstat, which has its
 * own target), then the tally and emit. The tally counts a state once; emit gives the
 * four plain families plus one series per state. */
#include "collectors/processes.h"
#include "fuzz_common.h"
#include "lib/pidstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proc_counts pc;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data;
	struct pidstat ps;
	memset(&pc, 0, sizeof(pc));
	if (pidstat_parse(p, size, &ps) < 0)
		return 0;
	struct span st = ps.state;
	int64_t threads = ps.num_threads;
	int r = proc_states_add(&pc.procs, st);
	if (r == 0 ? pc.procs.n != 1 || pc.procs.v[0].count != 1 : st.len <= PROC_STATE_MAX)
		abort();
	pc.pids = 1;
	pc.threads = (uint64_t)threads;
	if (processes_emit(&pc, 1, 2, s) == 0 && s->nseries != 4 + pc.procs.n)
		abort();
	fuzz_check_sink(s);
	return 0;
}

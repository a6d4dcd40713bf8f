/* fuzz_processes: the /proc/<pid>/stat parser, then the state tally and emit. A parsed
 * state is a non-empty word inside the input; the tally counts it once; emit gives the
 * four plain families plus one series per state. */
#include "collectors/processes.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proc_counts pc;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data;
	struct span st;
	int64_t threads = 0;
	memset(&pc, 0, sizeof(pc));
	if (processes_stat_parse(p, size, &st, &threads) < 0)
		return 0;
	if (st.len == 0 || st.p < p || st.p + st.len > p + size)
		abort();
	for (size_t i = 0; i < st.len; i++)
		if (st.p[i] == ' ' || st.p[i] == '\t' || st.p[i] == '\n')
			abort();
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

/*
 * fuzz_cg_stat: every cgroup file parser of lib/cgstat on the same input, asserting
 * what must hold whatever the bytes: device counts within CG_MAX_DEVS, "truncated"
 * only when full, has-bits only for known fields, results 0/-EINVAL/-ERANGE only, and
 * a pressure file that parsed has a some or full line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/cgstat.h"

static void check_r(int r)
{
	if (r != 0 && r != -EINVAL && r != -ERANGE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cg_io_stat io;
	static struct cg_blkio blk;
	struct span s = { (const char *)data, size };
	struct cg_cpu_stat cpu;
	struct cg_cpu_max max;
	struct cg_cpuacct_stat acct;
	struct cg_mem_stat mem;
	struct cg_mem_events ev;
	struct cg_pressure psi;
	uint64_t u;
	int64_t i;
	bool unl;
	int r;

	check_r(cg_parse_cpu_stat_v2(s, &cpu));
	if (cpu.has & ~0x3fu)
		abort();
	check_r(cg_parse_cpu_stat_v1(s, &cpu));
	if (cpu.has & ~(unsigned)(CG_CPU_NR_PERIODS | CG_CPU_NR_THROTTLED | CG_CPU_THROTTLED))
		abort();
	r = cg_parse_cpu_max(s, &max);
	check_r(r);
	if (r == 0 && max.quota_usec < -1)
		abort();
	check_r(cg_parse_u64(s, &u));
	check_r(cg_parse_i64(s, &i));
	r = cg_parse_limit(s, &u, &unl);
	check_r(r);
	if (r == 0 && unl && u != UINT64_MAX)
		abort();
	check_r(cg_parse_cpuacct_stat(s, &acct));
	check_r(cg_parse_memory_stat(s, &mem));
	if ((mem.has | mem.has_total) >> CG_MS_N)
		abort();
	check_r(cg_parse_memory_events(s, &ev));
	if (ev.has & ~0x3fu)
		abort();
	check_r(cg_parse_io_stat(s, &io));
	if (io.n > CG_MAX_DEVS || (io.truncated && io.n != CG_MAX_DEVS))
		abort();
	for (uint32_t k = 0; k < io.n; k++)
		if (io.dev[k].has & ~0x3fu)
			abort();
	check_r(cg_parse_blkio(s, &blk));
	if (blk.n > CG_MAX_DEVS || (blk.truncated && blk.n != CG_MAX_DEVS))
		abort();
	r = cg_parse_pressure(s, &psi);
	check_r(r);
	if (r == 0 && !psi.has_some && !psi.has_full)
		abort();
	(void)cg_weight_to_shares(u);
	return 0;
}

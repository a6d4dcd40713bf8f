/*
 * test_cgroup_stat: the cgroup file parsers of lib/cgstat, on file contents written
 * the way the kernel prints them (v2 from a 6.x kernel, v1 from a 5.x kernel), plus
 * garbled, overflowing and oversized inputs.
 */
#include <errno.h>
#include <stdint.h>

#include "lib/cgstat.h"
#include "t.h"

#define S(lit) SPAN_LIT(lit)

static void test_cpu_stat_v2(void)
{
	struct cg_cpu_stat st;
	CHECK_INT(cg_parse_cpu_stat_v2(S("usage_usec 8361240\n"
					 "user_usec 5283450\n"
					 "system_usec 3077790\n"
					 "core_sched.force_idle_usec 0\n"
					 "nr_periods 3621\n"
					 "nr_throttled 112\n"
					 "throttled_usec 4410287\n"
					 "nr_bursts 0\n"
					 "burst_usec 0\n"),
				       &st),
		  0);
	CHECK_INT(st.has, CG_CPU_USAGE | CG_CPU_USER | CG_CPU_SYSTEM | CG_CPU_NR_PERIODS |
				  CG_CPU_NR_THROTTLED | CG_CPU_THROTTLED);
	CHECK_INT(st.usage_usec, 8361240);
	CHECK_INT(st.user_usec, 5283450);
	CHECK_INT(st.system_usec, 3077790);
	CHECK_INT(st.nr_periods, 3621);
	CHECK_INT(st.nr_throttled, 112);
	CHECK_INT(st.throttled_usec, 4410287);

	/* No cpu controller enabled: only the three usage lines. */
	CHECK_INT(cg_parse_cpu_stat_v2(S("usage_usec 12\nuser_usec 10\nsystem_usec 2\n"), &st), 0);
	CHECK_INT(st.has, CG_CPU_USAGE | CG_CPU_USER | CG_CPU_SYSTEM);
	CHECK_INT(st.nr_periods, 0);

	CHECK_INT(cg_parse_cpu_stat_v2(S("usage_usec 18446744073709551616\n"), &st), -ERANGE);
	CHECK_INT(cg_parse_cpu_stat_v2(S("usage_usec 12x\n"), &st), -EINVAL);
	CHECK_INT(cg_parse_cpu_stat_v2(S("usage_usec\n"), &st), -EINVAL);
	CHECK_INT(cg_parse_cpu_stat_v2(S("usage_usec 1 2\n"), &st), -EINVAL);
	CHECK_INT(cg_parse_cpu_stat_v2(S("future_key garbage\n\n"), &st), 0);
	CHECK_INT(st.has, 0);
	CHECK_INT(cg_parse_cpu_stat_v2(S(""), &st), 0);
	/* Truncated mid-line: the value is what is there. */
	CHECK_INT(cg_parse_cpu_stat_v2(S("usage_usec 83"), &st), 0);
	CHECK_INT(st.usage_usec, 83);
}

static void test_cpu_stat_v1(void)
{
	struct cg_cpu_stat st;
	CHECK_INT(cg_parse_cpu_stat_v1(S("nr_periods 1520\nnr_throttled 31\n"
					 "throttled_time 2187365214\n"),
				       &st),
		  0);
	CHECK_INT(st.has, CG_CPU_NR_PERIODS | CG_CPU_NR_THROTTLED | CG_CPU_THROTTLED);
	CHECK_INT(st.nr_periods, 1520);
	CHECK_INT(st.nr_throttled, 31);
	CHECK_INT(st.throttled_ns, 2187365214LL);
	CHECK_INT(st.throttled_usec, 0);
}

static void test_cpu_max(void)
{
	struct cg_cpu_max m;
	CHECK_INT(cg_parse_cpu_max(S("max 100000\n"), &m), 0);
	CHECK_INT(m.quota_usec, -1);
	CHECK_INT(m.period_usec, 100000);
	CHECK_INT(cg_parse_cpu_max(S("50000 100000\n"), &m), 0);
	CHECK_INT(m.quota_usec, 50000);
	CHECK_INT(m.period_usec, 100000);
	CHECK_INT(cg_parse_cpu_max(S("max\n"), &m), -EINVAL);
	CHECK_INT(cg_parse_cpu_max(S("-5 100000\n"), &m), -EINVAL);
	CHECK_INT(cg_parse_cpu_max(S("5 100000 7\n"), &m), -EINVAL);
	CHECK_INT(cg_parse_cpu_max(S("5 99999999999999999999\n"), &m), -ERANGE);
	CHECK_INT(cg_parse_cpu_max(S(""), &m), -EINVAL);
}

static void test_single_numbers(void)
{
	uint64_t v = 7;
	int64_t q = 0;
	bool unl = false;

	CHECK_INT(cg_parse_u64(S("1073741824\n"), &v), 0);
	CHECK_INT(v, 1073741824);
	CHECK_INT(cg_parse_u64(S("max\n"), &v), -EINVAL);
	CHECK_INT(cg_parse_u64(S("\n"), &v), -EINVAL);
	CHECK_INT(cg_parse_u64(S("18446744073709551616\n"), &v), -ERANGE);
	CHECK_INT(cg_parse_i64(S("-1\n"), &q), 0);
	CHECK_INT(q, -1);
	CHECK_INT(cg_parse_i64(S("150000\n"), &q), 0);
	CHECK_INT(q, 150000);

	CHECK_INT(cg_parse_limit(S("max\n"), &v, &unl), 0);
	CHECK(unl);
	CHECK(v == UINT64_MAX);
	CHECK_INT(cg_parse_limit(S("536870912\n"), &v, &unl), 0);
	CHECK(!unl);
	CHECK_INT(v, 536870912);
	CHECK_INT(cg_parse_limit(S("maximum\n"), &v, &unl), -EINVAL);

	/* v1 memory.limit_in_bytes with no limit, as 4K-page kernels print it. */
	CHECK_INT(cg_parse_u64(S("9223372036854771712\n"), &v), 0);
	CHECK(cg_v1_limit_unlimited(v));
	CHECK(!cg_v1_limit_unlimited(536870912));
	CHECK(!cg_v1_limit_unlimited(1ull << 62));
}

static void test_weight_to_shares(void)
{
	CHECK_INT(cg_weight_to_shares(100), 2597); /* the default weight */
	CHECK_INT(cg_weight_to_shares(1), 2);
	CHECK_INT(cg_weight_to_shares(10000), 262144);
	CHECK_INT(cg_weight_to_shares(39), 998); /* kubelet's 1000m cpu request -> 39 */
	CHECK_INT(cg_weight_to_shares(0), 0);
	CHECK_INT(cg_weight_to_shares(10001), 0);
}

static void test_cpuacct_stat(void)
{
	struct cg_cpuacct_stat st;
	CHECK_INT(cg_parse_cpuacct_stat(S("user 45213\nsystem 10456\n"), &st), 0);
	CHECK(st.has_user && st.has_system);
	CHECK_INT(st.user_ticks, 45213);
	CHECK_INT(st.system_ticks, 10456);
	CHECK_INT(cg_parse_cpuacct_stat(S("user 45213\n"), &st), 0);
	CHECK(st.has_user && !st.has_system);
	CHECK_INT(cg_parse_cpuacct_stat(S("user -3\n"), &st), -EINVAL);
}

static void test_memory_stat_v2(void)
{
	struct cg_mem_stat m;
	CHECK_INT(cg_parse_memory_stat(S("anon 44896256\n"
					 "file 138534912\n"
					 "kernel 3702784\n"
					 "kernel_stack 327680\n"
					 "pagetables 774144\n"
					 "sec_pagetables 0\n"
					 "percpu 26880\n"
					 "sock 4096\n"
					 "vmalloc 0\n"
					 "shmem 135168\n"
					 "zswap 0\n"
					 "zswapped 0\n"
					 "file_mapped 31690752\n"
					 "file_dirty 8192\n"
					 "file_writeback 0\n"
					 "swapcached 0\n"
					 "anon_thp 0\n"
					 "file_thp 0\n"
					 "shmem_thp 0\n"
					 "inactive_anon 44724224\n"
					 "active_anon 307200\n"
					 "inactive_file 97218560\n"
					 "active_file 41181184\n"
					 "unevictable 0\n"
					 "slab_reclaimable 2097152\n"
					 "slab_unreclaimable 438744\n"
					 "slab 2535896\n"
					 "workingset_refault_anon 0\n"
					 "pgfault 196522\n"
					 "pgmajfault 612\n"
					 "thp_fault_alloc 0\n"),
				       &m),
		  0);
	CHECK(cg_mem_has(&m, CG_MS_ANON));
	CHECK_INT(m.v[CG_MS_ANON], 44896256);
	CHECK_INT(m.v[CG_MS_FILE], 138534912);
	CHECK_INT(m.v[CG_MS_FILE_MAPPED], 31690752);
	CHECK_INT(m.v[CG_MS_FILE_DIRTY], 8192);
	CHECK_INT(m.v[CG_MS_INACTIVE_FILE], 97218560);
	CHECK_INT(m.v[CG_MS_ACTIVE_FILE], 41181184);
	CHECK_INT(m.v[CG_MS_KERNEL_STACK], 327680);
	CHECK_INT(m.v[CG_MS_SLAB], 2535896);
	CHECK_INT(m.v[CG_MS_SOCK], 4096);
	CHECK_INT(m.v[CG_MS_SHMEM], 135168);
	CHECK_INT(m.v[CG_MS_PGFAULT], 196522);
	CHECK_INT(m.v[CG_MS_PGMAJFAULT], 612);
	CHECK(!cg_mem_has(&m, CG_MS_RSS));
	CHECK(!cg_mem_has(&m, CG_MS_CACHE));
	CHECK_INT(m.has_total, 0);
	/* working set as cAdvisor computes it: usage - inactive_file */
	CHECK_INT(189906944ull - m.v[CG_MS_INACTIVE_FILE], 92688384);
	CHECK_STR(cg_mem_key_name(CG_MS_INACTIVE_FILE), "inactive_file");
	CHECK(cg_mem_key_name(CG_MS_N) == NULL);
}

static void test_memory_stat_v1(void)
{
	struct cg_mem_stat m;
	CHECK_INT(cg_parse_memory_stat(S("cache 139264000\n"
					 "rss 45056000\n"
					 "rss_huge 0\n"
					 "shmem 135168\n"
					 "mapped_file 31690752\n"
					 "dirty 8192\n"
					 "writeback 0\n"
					 "swap 0\n"
					 "pgpgin 81721\n"
					 "pgpgout 36852\n"
					 "pgfault 196522\n"
					 "pgmajfault 612\n"
					 "inactive_anon 44724224\n"
					 "active_anon 307200\n"
					 "inactive_file 97218560\n"
					 "active_file 41181184\n"
					 "unevictable 0\n"
					 "hierarchical_memory_limit 536870912\n"
					 "hierarchical_memsw_limit 9223372036854771712\n"
					 "total_cache 141361152\n"
					 "total_rss 46104576\n"
					 "total_rss_huge 0\n"
					 "total_shmem 135168\n"
					 "total_mapped_file 31694848\n"
					 "total_dirty 8192\n"
					 "total_writeback 0\n"
					 "total_swap 4096\n"
					 "total_pgfault 201003\n"
					 "total_pgmajfault 640\n"
					 "total_inactive_anon 45772800\n"
					 "total_active_anon 307200\n"
					 "total_inactive_file 99315712\n"
					 "total_active_file 42045440\n"
					 "total_unevictable 0\n"),
				       &m),
		  0);
	CHECK_INT(m.v[CG_MS_CACHE], 139264000);
	CHECK_INT(m.v[CG_MS_RSS], 45056000);
	CHECK_INT(m.v[CG_MS_MAPPED_FILE], 31690752);
	CHECK_INT(m.v[CG_MS_HIERARCHICAL_MEMORY_LIMIT], 536870912);
	CHECK(cg_mem_has_total(&m, CG_MS_RSS));
	CHECK_INT(m.total[CG_MS_CACHE], 141361152);
	CHECK_INT(m.total[CG_MS_RSS], 46104576);
	CHECK_INT(m.total[CG_MS_MAPPED_FILE], 31694848);
	CHECK_INT(m.total[CG_MS_SWAP], 4096);
	CHECK_INT(m.total[CG_MS_INACTIVE_FILE], 99315712);
	CHECK_INT(m.total[CG_MS_PGFAULT], 201003);
	CHECK(!cg_mem_has_total(&m, CG_MS_HIERARCHICAL_MEMORY_LIMIT));
	CHECK(!cg_mem_has(&m, CG_MS_ANON));

	CHECK_INT(cg_parse_memory_stat(S("rss 1\nanon nope\n"), &m), -EINVAL);
	CHECK_INT(cg_parse_memory_stat(S("total_ 5\ntotal_total_rss 9\n"), &m), 0);
	CHECK_INT(m.has | m.has_total, 0);
	CHECK_INT(cg_parse_memory_stat(S("total_rss 99999999999999999999\n"), &m), -ERANGE);
}

static void test_memory_events(void)
{
	struct cg_mem_events e;
	CHECK_INT(cg_parse_memory_events(S("low 0\nhigh 0\nmax 27\noom 2\noom_kill 2\n"
					   "oom_group_kill 0\n"),
					 &e),
		  0);
	CHECK_INT(e.has, CG_ME_LOW | CG_ME_HIGH | CG_ME_MAX | CG_ME_OOM | CG_ME_OOM_KILL |
				 CG_ME_OOM_GROUP_KILL);
	CHECK_INT(e.max, 27);
	CHECK_INT(e.oom, 2);
	CHECK_INT(e.oom_kill, 2);
	/* Older kernels: no oom_group_kill. */
	CHECK_INT(cg_parse_memory_events(S("low 0\nhigh 0\nmax 0\noom 0\noom_kill 1\n"), &e), 0);
	CHECK(!(e.has & CG_ME_OOM_GROUP_KILL));
	CHECK_INT(e.oom_kill, 1);
}

static void test_io_stat(void)
{
	struct cg_io_stat *io = calloc(1, sizeof(*io));
	CHECK(io != NULL);
	if (!io)
		return;
	CHECK_INT(cg_parse_io_stat(S("259:0 rbytes=1622016 wbytes=139264 rios=78 wios=24 "
				     "dbytes=0 dios=0\n"
				     "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n"
				     "253:1 rbytes=1622016 wbytes=139264 rios=78 wios=30 "
				     "dbytes=0 dios=0 cost.vrate=100.00 cost.usage=33\n"),
				   io),
		  0);
	CHECK_INT(io->n, 3);
	CHECK(!io->truncated);
	CHECK_INT(io->dev[0].major, 259);
	CHECK_INT(io->dev[0].minor, 0);
	CHECK_INT(io->dev[0].rbytes, 1622016);
	CHECK_INT(io->dev[0].wbytes, 139264);
	CHECK_INT(io->dev[0].rios, 78);
	CHECK_INT(io->dev[0].wios, 24);
	CHECK_INT(io->dev[0].has, 0x3f);
	CHECK_INT(io->dev[1].major, 8);
	CHECK_INT(io->dev[1].rbytes, 4096);
	CHECK_INT(io->dev[2].wios, 30);

	/* Older kernels: no discard keys; a device line may even have none. */
	CHECK_INT(cg_parse_io_stat(S("8:16 rbytes=10 wbytes=20 rios=1 wios=2\n8:32\n"), io), 0);
	CHECK_INT(io->n, 2);
	CHECK_INT(io->dev[0].has, CG_IO_RBYTES | CG_IO_WBYTES | CG_IO_RIOS | CG_IO_WIOS);
	CHECK_INT(io->dev[1].has, 0);
	CHECK_INT(io->dev[1].minor, 32);

	CHECK_INT(cg_parse_io_stat(S("8 rbytes=1\n"), io), -EINVAL);
	CHECK_INT(cg_parse_io_stat(S("8:x rbytes=1\n"), io), -EINVAL);
	CHECK_INT(cg_parse_io_stat(S("4294967296:0 rbytes=1\n"), io), -ERANGE);
	CHECK_INT(cg_parse_io_stat(S("8:0 rbytes=-1\n"), io), -EINVAL);
	CHECK_INT(cg_parse_io_stat(S("8:0 rbytes=99999999999999999999\n"), io), -ERANGE);
	CHECK_INT(cg_parse_io_stat(S(""), io), 0);
	CHECK_INT(io->n, 0);

	/* 100 devices: 64 kept, the rest flagged. */
	char big[100 * 40];
	size_t len = 0;
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, "8:%d rbytes=%d\n", i, i * 10);
	CHECK_INT(cg_parse_io_stat((struct span){ big, len }, io), 0);
	CHECK_INT(io->n, CG_MAX_DEVS);
	CHECK(io->truncated);
	CHECK_INT(io->dev[63].minor, 63);
	CHECK_INT(io->dev[63].rbytes, 630);

	/* A very long line of unknown keys parses without trouble. */
	size_t blen = 1 << 20;
	char *huge = malloc(blen);
	CHECK(huge != NULL);
	if (huge) {
		memcpy(huge, "8:0 ", 4);
		memset(huge + 4, 'x', blen - 16);
		memcpy(huge + blen - 12, " rbytes=77\n", 11);
		CHECK_INT(cg_parse_io_stat((struct span){ huge, blen - 1 }, io), 0);
		CHECK_INT(io->dev[0].rbytes, 77);
		free(huge);
	}
	free(io);
}

static void test_blkio(void)
{
	struct cg_blkio *b = calloc(1, sizeof(*b));
	CHECK(b != NULL);
	if (!b)
		return;
	CHECK_INT(cg_parse_blkio(S("8:0 Read 23461888\n"
				   "8:0 Write 1167360\n"
				   "8:0 Sync 23625728\n"
				   "8:0 Async 1003520\n"
				   "8:0 Discard 0\n"
				   "8:0 Total 24629248\n"
				   "253:0 Read 23461888\n"
				   "253:0 Write 1167360\n"
				   "253:0 Sync 23625728\n"
				   "253:0 Async 1003520\n"
				   "253:0 Discard 0\n"
				   "253:0 Total 24629248\n"
				   "Total 49258496\n"),
				 b),
		  0);
	CHECK_INT(b->n, 2);
	CHECK_INT(b->dev[0].major, 8);
	CHECK_INT(b->dev[0].read, 23461888);
	CHECK_INT(b->dev[0].write, 1167360);
	CHECK_INT(b->dev[0].sync, 23625728);
	CHECK_INT(b->dev[0].async, 1003520);
	CHECK_INT(b->dev[0].total, 24629248);
	CHECK_INT(b->dev[0].has, 0x3f);
	CHECK_INT(b->dev[1].major, 253);
	CHECK(b->has_total);
	CHECK_INT(b->total, 49258496);

	/* An idle cgroup: only the Total line. */
	CHECK_INT(cg_parse_blkio(S("Total 0\n"), b), 0);
	CHECK_INT(b->n, 0);
	CHECK(b->has_total);

	/* Old kernels without Discard; an unknown op is skipped. */
	CHECK_INT(cg_parse_blkio(S("8:16 Read 5\n8:16 Write 6\n8:16 Weird 7\n"), b), 0);
	CHECK_INT(b->n, 1);
	CHECK_INT(b->dev[0].has, CG_BLK_READ | CG_BLK_WRITE);

	CHECK_INT(cg_parse_blkio(S("8:0 Read\n"), b), -EINVAL);
	CHECK_INT(cg_parse_blkio(S("Total x\n"), b), -EINVAL);
	CHECK_INT(cg_parse_blkio(S("8:0 Read 1 2\n"), b), -EINVAL);
	CHECK_INT(cg_parse_blkio(S("80 Read 1\n"), b), -EINVAL);
	free(b);
}

static void test_pressure(void)
{
	struct cg_pressure p;
	CHECK_INT(cg_parse_pressure(S("some avg10=1.53 avg60=0.87 avg300=0.22 total=2218719\n"
				      "full avg10=0.00 avg60=0.12 avg300=0.04 total=389201\n"),
				    &p),
		  0);
	CHECK(p.has_some && p.has_full);
	CHECK_DBL(p.some.avg10, 1.53);
	CHECK_DBL(p.some.avg60, 0.87);
	CHECK_DBL(p.some.avg300, 0.22);
	CHECK_INT(p.some.total_usec, 2218719);
	CHECK_DBL(p.full.avg60, 0.12);
	CHECK_INT(p.full.total_usec, 389201);

	/* cpu.pressure before 5.13 had no full line. */
	CHECK_INT(cg_parse_pressure(S("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"), &p), 0);
	CHECK(p.has_some && !p.has_full);

	CHECK_INT(cg_parse_pressure(S("some avg10=0.00 avg60=0.00 total=0\n"), &p), -EINVAL);
	CHECK_INT(cg_parse_pressure(S("some avg10=x avg60=0 avg300=0 total=0\n"), &p), -EINVAL);
	CHECK_INT(cg_parse_pressure(S("some avg10=0 avg60=0 avg300=0 total=-1\n"), &p), -EINVAL);
	CHECK_INT(cg_parse_pressure(S("some avg10 avg60=0 avg300=0 total=1\n"), &p), -EINVAL);
	CHECK_INT(cg_parse_pressure(S(""), &p), -EINVAL);
	CHECK_INT(cg_parse_pressure(S("other x\n"), &p), -EINVAL);
}

int main(void)
{
	RUN(test_cpu_stat_v2);
	RUN(test_cpu_stat_v1);
	RUN(test_cpu_max);
	RUN(test_single_numbers);
	RUN(test_weight_to_shares);
	RUN(test_cpuacct_stat);
	RUN(test_memory_stat_v2);
	RUN(test_memory_stat_v1);
	RUN(test_memory_events);
	RUN(test_io_stat);
	RUN(test_blkio);
	RUN(test_pressure);
	return T_DONE("test_cgroup_stat");
}

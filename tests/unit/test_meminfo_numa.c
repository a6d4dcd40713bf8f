/*
 * test_meminfo_numa: the meminfo_numa collector against the fixture host, a host
 * without NUMA, and missing, truncated and hostile node files.
 */
#include "collectors/meminfo_numa.h"
#include "alloc_probe.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define NODE "sys/devices/system/node/"
#define MEMINFO "Node 0 MemTotal: 100 kB\nNode 0 HugePages_Total: 2\n"

static const char *const flags_on[] = { "--collector.meminfo_numa", "--collector.loadavg",
					NULL };

static void fixture_values(void)
{
	const char *flags[] = { "--collector.meminfo_numa", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_memory_numa_Active_anon{node=\"0\"}"), 707915776);
	CHECK_DBL(series_value(out.p, "node_memory_numa_AnonHugePages{node=\"0\"}"), 150994944);
	CHECK_DBL(series_value(out.p, "node_memory_numa_MemTotal{node=\"1\"}"), 137438953472);
	CHECK_DBL(series_value(out.p, "node_memory_numa_Inactive_file{node=\"2\"}"), 72873476096);
	CHECK_DBL(series_value(out.p, "node_memory_numa_HugePages_Total{node=\"2\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_memory_numa_numa_hit_total{node=\"0\"}"), 193460335812);
	CHECK_DBL(series_value(out.p, "node_memory_numa_other_node_total{node=\"2\"}"), 9860526920);
	CHECK(has_line(out.p, "# TYPE node_memory_numa_numa_hit_total counter"));
	CHECK(has_line(out.p, "# TYPE node_memory_numa_MemTotal gauge"));
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 1);
	buf_fini(&out);
}

/* A host without the node directory (no NUMA): success 1 and no series, as in
 * node_exporter; a node without one of its files: success 0. */
static void missing_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 1);
	CHECK(!has_line(out.p, "node_memory_numa_"));
	tmptree_put(&t, NODE "node0/meminfo", MEMINFO);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 0);
	CHECK(!has_line(out.p, "node_memory_numa_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_put(&t, NODE "node0/numastat", "numa_hit 5\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 1);
	CHECK_DBL(series_value(out.p, "node_memory_numa_MemTotal{node=\"0\"}"), 102400);
	CHECK_DBL(series_value(out.p, "node_memory_numa_HugePages_Total{node=\"0\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_memory_numa_numa_hit_total{node=\"0\"}"), 5);
	/* other entries are not nodes; a file named like one fails, as node_exporter's glob
	 * takes it and cannot open meminfo beneath it */
	tmptree_put(&t, NODE "possible", "0\n");
	tmptree_mkdir(&t, NODE "nodex");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 1);
	tmptree_put(&t, NODE "node9", "");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 0);
	CHECK(!has_line(out.p, "node_memory_numa_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

/* A line cut short and garbage fail the collection, with no half results. The meminfo
 * label comes from the file, the numastat one from the directory. */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, NODE "node3/numastat", "numa_hit 5\nnuma_miss 6\n");
	tmptree_put(&t, NODE "node3/meminfo", "Node 7 MemTotal: 100 kB\nNode 7 MemFree:");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 0);
	CHECK(!has_line(out.p, "node_memory_numa_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_write(&t, NODE "node3/meminfo", "\x7f" "ELF\0\1\2\3\n", 9);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 0);
	tmptree_put(&t, NODE "node3/meminfo", "Node 7 MemTotal: 100 kB\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 1);
	CHECK_DBL(series_value(out.p, "node_memory_numa_MemTotal{node=\"7\"}"), 102400);
	CHECK_DBL(series_value(out.p, "node_memory_numa_numa_miss_total{node=\"3\"}"), 6);
	tmptree_put(&t, NODE "node3/numastat", "numa_hit 5\nnuma_miss");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "meminfo_numa"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_meminfo(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ "\n  \n", 1, 0 },
		{ MEMINFO, 1, 2 },
		{ "Node 0 MemTotal:\n", 0, 0 },             /* three words */
		{ "Node 0 MemTotal: 1 MB\n", 0, 0 },        /* only kB is a unit */
		{ "Node 0 MemTotal: 1 kB x\n", 0, 0 },
		{ "Node 0 MemTotal: x kB\n", 0, 0 },
		{ MEMINFO "Node 0 MemFree: 1e999\n", 0, 0 }, /* all or nothing */
		{ "Node 0 Bad-Name: 1\n", 1, 0 },           /* no valid metric name: left out */
		{ "Node 0 A(b)c(d): 1\n", 1, 0 },          /* "A_b)c(d": left out */
		{ "Node 0 Active(anon):: 1 kB\n", 1, 1 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = meminfo_numa_parse_meminfo(cases[i].text, strlen(cases[i].text), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	sink_fini(&s);
}

static void hostile_numastat(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ "numa_hit 1\n\nnuma_miss 2", 1, 2 },
		{ "numa_hit\n", 0, 0 },
		{ "numa_hit 1 2\n", 0, 0 },
		{ "numa_hit 1\nnuma_miss x\n", 0, 0 },
		{ "numa_hit -1.5e3\n", 1, 1 },
		{ "bad-name 1\n", 1, 0 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = meminfo_numa_parse_numastat(cases[i].text, strlen(cases[i].text),
						    SPAN_LIT("0"), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	sink_fini(&s);
}

/* A warm scrape allocates nothing, on the fixture, live and without NUMA. */
static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.meminfo_numa", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.meminfo_numa", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
	const char *none[] = { "--path.sysfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.meminfo_numa", NULL };
	CHECK_INT(alloc_probe_scrape(none, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(truncated_and_garbage_files);
	RUN(hostile_meminfo);
	RUN(hostile_numastat);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_meminfo_numa");
}

/*
 * test_stat: the stat collector and lib/procstat against the fixture host and
 * hostile input.
 */
#include "alloc_probe.h"
#include "collectors/stat.h"
#include "harness.h"
#include "lib/procstat.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.stat", "--collector.stat.softirq", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_boot_time_seconds"), 1.418183276e+09);
	CHECK_DBL(series_value(out.p, "node_context_switches_total"), 3.8014093e+07);
	CHECK_DBL(series_value(out.p, "node_forks_total"), 26442);
	CHECK_DBL(series_value(out.p, "node_intr_total"), 8.885917e+06);
	CHECK_DBL(series_value(out.p, "node_procs_running"), 2);
	CHECK_DBL(series_value(out.p, "node_procs_blocked"), 0);
	CHECK_DBL(series_value(out.p, "node_softirqs_total{vector=\"tasklet\"}"), 1.783454e+06);
	CHECK_DBL(series_value(out.p, "node_softirqs_total{vector=\"block_iopoll\"}"), 0);
	CHECK_DBL(collector_success(out.p, "stat"), 1);
	buf_fini(&out);
}

static void softirq_off_by_default(void)
{
	const char *flags[] = { "--collector.stat", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK(has_line(out.p, "node_forks_total "));
	CHECK(!has_line(out.p, "node_softirqs_total{"));
	buf_fini(&out);
}

static void missing_file(void)
{
	const char *flags[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
				"--collector.stat", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK(!has_line(out.p, "node_forks_total"));
	CHECK_DBL(collector_success(out.p, "stat"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "btime\n", 1 },
		{ "btime 12\nctxt 5\n", 1 },
		{ "btime x\n", 0 },
		{ "ctxt 18446744073709551616\n", 0 },
		{ "procs_running -1\n", 0 },
		{ "softirq 1 2 3 4 5 6 7 8 9 10\n", 0 },
		{ "softirq 1 2 3 4 5 6 7 8 9 10 11 12\n", 1 },
		{ "intr 1 2 3 junk\n", 0 },
		{ "cpu0 a\n", 0 },
		{ "\0\0\0 \n\t\t\n", 1 },
		{ "procs_blocked 3 extra words\n", 1 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		size_t len = strlen(cases[i].text);
		if (i == 10)
			len = 8; /* the NULs are part of the input */
		int r = stat_parse(cases[i].text, len, true, &s);
		CHECK((r == 0) == cases[i].ok);
		CHECK_INT(s.nseries, cases[i].ok ? 16 : 0);
	}
	sink_fini(&s);
}

static int count_cpu(void *ctx, int64_t cpu, const double secs[PROCSTAT_NMODES])
{
	(void)secs;
	(void)cpu;
	(*(int *)ctx)++;
	return 0;
}

static int refuse(void *ctx, int64_t cpu, const double secs[PROCSTAT_NMODES])
{
	(void)ctx;
	(void)cpu;
	(void)secs;
	return -ENOSPC;
}

static void procstat_callbacks(void)
{
	const char *t = "cpu 1 2\ncpu0 1 2\ncpu1 3\nintr 4\nsoftirq 9 0 1 2 3 4 5 6 7 8 9\n";
	struct procstat ps;
	int n = 0;
	CHECK_INT(procstat_parse(t, strlen(t), &ps, count_cpu, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(ps.intr, 4);
	CHECK_INT(ps.softirq_total, 9);
	CHECK_INT(ps.softirq[9], 9);
	CHECK_INT(procstat_parse(t, strlen(t), &ps, refuse, NULL), -ENOSPC);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	const char *extra[] = { "--collector.stat", "--collector.stat.softirq", NULL };
	const char *flags[16];
	fixture_flags(extra, flags, 16);
	CHECK(alloc_probe_scrape(flags, 0) > 0); /* the probe sees the first scrape's buffers */
	CHECK_INT(alloc_probe_fixture(extra), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(softirq_off_by_default);
	RUN(missing_file);
	RUN(hostile_input);
	RUN(procstat_callbacks);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_stat");
}

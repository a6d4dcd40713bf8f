/*
 * test_cgroups: the cgroups collector on the fixture host, without /proc/cgroups, and on
 * cut and garbled text.
 */
#include "collectors/cgroups.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.cgroups", NULL };

static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_cgroups_cgroups{subsys_name=\"memory\"}"), 234);
	CHECK_DBL(series_value(out.p, "node_cgroups_cgroups{subsys_name=\"cpuset\"}"), 47);
	CHECK_DBL(series_value(out.p, "node_cgroups_cgroups{subsys_name=\"rdma\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_cgroups_enabled{subsys_name=\"pids\"}"), 1);
	CHECK(!has_line(out.p, "node_cgroups_cgroups{subsys_name=\"#subsys_name\"}"));
	CHECK_DBL(collector_success(out.p, "cgroups"), 1);
	buf_fini(&out);
}

static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("cgroups", &out), 0);
	CHECK_DBL(collector_success(out.p, "cgroups"), 0);
	CHECK(!has_line(out.p, "node_cgroups_"));
	buf_fini(&out);
}

/* A disabled controller reports 0; a bad line anywhere fails the whole file. */
static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ "#subsys_name\thierarchy\tnum_cgroups\tenabled\n", 1, 0 },
		{ "cpu\t3\t172\t1\n", 1, 2 },
		{ "cpu 3 172 1 extra words\n", 1, 2 },
		{ "memory\t0\t1\t0", 1, 2 },
		{ "cpu\t3\t172\n", 0, 0 },
		{ "cpu\t3\t172\tyes\n", 0, 0 },
		{ "cpu\tx\t172\t1\n", 0, 0 },
		{ "cpu\t3\t172\t1\n\nmemory\t7\t234\t1\n", 0, 0 },
		{ "cpu\t3\t172\t1\nmemory\t7\t2", 0, 0 },
	};
	struct metric_sink s;
	double v;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		CHECK_RESULT(cgroups_parse(cases[i].text, strlen(cases[i].text), &s), cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	sink_reset(&s);
	CHECK_INT(cgroups_parse("memory\t0\t1\t0", 13, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_cgroups_enabled", "subsys_name", "memory", &v) ==
		      0 &&
	      v == 0);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(hostile_input);
	return T_DONE("test_cgroups");
}

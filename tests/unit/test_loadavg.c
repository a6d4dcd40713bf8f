/*
 * test_loadavg: the loadavg collector against the fixture host and hostile input.
 */
#include "collectors/loadavg.h"
#include "harness.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.loadavg", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_load1"), 0.21);
	CHECK_DBL(series_value(out.p, "node_load5"), 0.37);
	CHECK_DBL(series_value(out.p, "node_load15"), 0.39);
	CHECK_DBL(collector_success(out.p, "loadavg"), 1);
	buf_fini(&out);
}

static void missing_file_fails_only_this_collector(void)
{
	const char *flags[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
				"--collector.loadavg", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK(isnan(series_value(out.p, "node_load1")));
	CHECK_DBL(collector_success(out.p, "loadavg"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const char *const cases[] = { "", "0.1", "0.1 0.2", "x y z", "1e999 1 1",
					     "0.1 0.2 0.3 1/2 3", "\n\n\n" };
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = loadavg_parse(cases[i], strlen(cases[i]), &s);
		CHECK(i == 5 ? r == 0 : r < 0);
		CHECK_INT(s.nseries, i == 5 ? 3 : 0);
	}
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file_fails_only_this_collector);
	RUN(hostile_input);
	return T_DONE("test_loadavg");
}

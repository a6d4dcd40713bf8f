/*
 * test_schedstat: the schedstat collector against the fixture host and hostile input.
 */
#include "alloc_probe.h"
#include "collectors/schedstat.h"
#include "harness.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.schedstat", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_schedstat_running_seconds_total{cpu=\"0\"}"),
		  2.045936778163039e+06);
	CHECK_DBL(series_value(out.p, "node_schedstat_waiting_seconds_total{cpu=\"1\"}"),
		  364107.263788241);
	CHECK_DBL(series_value(out.p, "node_schedstat_timeslices_total{cpu=\"1\"}"), 5.145567945e+09);
	CHECK_DBL(collector_success(out.p, "schedstat"), 1);
	buf_fini(&out);
}

static void missing_file(void)
{
	const char *flags[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
				"--collector.schedstat", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "schedstat"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		unsigned nseries;
	} cases[] = {
		{ "", 0 },
		{ "version 15\ntimestamp 1\n", 0 },
		{ "cpu0 1 2 3 4 5 6 7 8\n", 0 },                       /* one field short */
		{ "cpu0 1 2 3 4 5 6 7 8 9\n", 3 },
		{ "cpu0  1 2 3 4 5 6 7 8 9\n", 0 },                    /* double space */
		{ "cpu0 1 2 3 4 5 6 99999999999999999999 8 9\n", 0 },  /* overflow: skipped */
		{ "xxcpucpu7 1 2 3 4 5 6 7 8 9 10 11\n", 3 },          /* unanchored */
		{ "cpu 1 2 3 4 5 6 7 8 9\ncpu1 1 2 3 4 5 6 7 8 9", 3 }, /* no number; no newline */
		{ "cpu0 1 2 3 4 5 6 7 8 9x\n", 3 },
		{ "cpu0 1 2 3 4 5 6 7 8 -9\n", 0 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		CHECK_INT(schedstat_parse(cases[i].text, strlen(cases[i].text), &s), 0);
		if (s.nseries != cases[i].nseries)
			fprintf(stderr, "case %zu\n", i);
		CHECK_INT(s.nseries, cases[i].nseries);
	}
	const char *t = "cpu7 1 2 3 4 5 6 7000000000 8 9\n";
	struct buf out = { 0 };
	sink_reset(&s);
	CHECK_INT(schedstat_parse(t, strlen(t), &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_schedstat_running_seconds_total{cpu=\"7\"}"), 7);
	CHECK_DBL(series_value(out.p, "node_schedstat_waiting_seconds_total{cpu=\"7\"}"), 8e-9);
	buf_fini(&out);
	sink_fini(&s);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	const char *flags[] = { "--collector.schedstat", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(hostile_input);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_schedstat");
}

/*
 * test_softnet: the softnet collector against the fixture host and hostile input.
 */
#include "collectors/softnet.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.softnet", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_softnet_processed_total{cpu=\"2\"}"), 5577791);
	CHECK_DBL(series_value(out.p, "node_softnet_dropped_total{cpu=\"1\"}"), 41);
	CHECK_DBL(series_value(out.p, "node_softnet_times_squeezed_total{cpu=\"3\"}"), 50);
	CHECK_DBL(series_value(out.p, "node_softnet_backlog_len{cpu=\"0\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_softnet_flow_limit_count_total{cpu=\"3\"}"), 0);
	CHECK_DBL(collector_success(out.p, "softnet"), 1);
	buf_fini(&out);
}

static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("softnet", &out), 0);
	CHECK_DBL(collector_success(out.p, "softnet"), 0);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ "\n\n", 1, 0 },
		{ "1 2 3 4 5 6 7 8\n", 0, 0 },                  /* too few columns */
		{ "1 2 3 4 5 6 7 8 9\n", 1, 7 },                /* 2.6.23 layout */
		{ "1 2 3 4 5 6 7 8 9 a b c d e f 10 11 12 13\n", 1, 7 },
		{ "1 2 3 4 5 6 7 8 zz\n", 0, 0 },
		{ "1 2 3 4 5 6 7 8 100000000\n", 0, 0 },        /* more than 32 bits */
		{ "1 2 3 4 5 6 7 8 9\n1 2 3\n", 0, 0 },         /* one bad line spoils all */
		{ "1 2 3 4 5 6 7 8 9 a b c 7\n", 1, 7 },        /* CPU number from column 12 */
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = softnet_parse(cases[i].text, strlen(cases[i].text), &s);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	struct buf out = { 0 };
	sink_finish(&s);
	render_sink(&s, EXPO_TEXT, &out);
	CHECK_DBL(series_value(out.p, "node_softnet_backlog_len{cpu=\"7\"}"), 12);
	CHECK_DBL(series_value(out.p, "node_softnet_flow_limit_count_total{cpu=\"7\"}"), 11);
	buf_fini(&out);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(hostile_input);
	return T_DONE("test_softnet");
}

/*
 * test_xfrm: the xfrm collector on the fixture host, without its file, and on cut,
 * garbled and odd /proc/net/xfrm_stat text.
 */
#include "collectors/xfrm.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.xfrm", NULL };

/* Every count lines up with e2e-output.txt. */
static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_xfrm_in_error_packets_total"), 1);
	CHECK_DBL(series_value(out.p, "node_xfrm_in_no_states_packets_total"), 3);
	CHECK_DBL(series_value(out.p, "node_xfrm_in_state_mismatch_packets_total"), 23451);
	CHECK_DBL(series_value(out.p, "node_xfrm_out_error_packets_total"), 1e6);
	CHECK_DBL(series_value(out.p, "node_xfrm_fwd_hdr_error_packets_total"), 6654);
	CHECK_DBL(series_value(out.p, "node_xfrm_out_state_invalid_packets_total"), 28765);
	CHECK_DBL(series_value(out.p, "node_xfrm_acquire_error_packets_total"), 24532);
	CHECK(has_line(out.p, "# TYPE node_xfrm_acquire_error_packets_total counter"));
	CHECK_DBL(collector_success(out.p, "xfrm"), 1);
	buf_fini(&out);
}

/* A kernel without CONFIG_XFRM_STATISTICS has no file: no data, no series. */
static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("xfrm", &out), 0);
	CHECK_DBL(collector_success(out.p, "xfrm"), 0);
	CHECK(!has_line(out.p, "node_xfrm_"));
	buf_fini(&out);
}

/* Lines must be a name and an integer; unknown names are skipped; missing ones are 0;
 * nothing is added from a bad file. */
static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "XfrmInError 5\n", 1 },
		{ "XfrmSomethingNew 7\nXfrmOutError 3", 1 },
		{ "XfrmInError\t-2\r\n", 1 },
		{ "XfrmInError\n", 0 },
		{ "XfrmInError 1 2\n", 0 },
		{ "XfrmInError x\n", 0 },
		{ "XfrmInError 1.5\n", 0 },
		{ "XfrmInError 1\n\nXfrmOutError 2\n", 0 },
		{ "XfrmInError 99999999999999999999\n", 0 },
		{ "XfrmInError                     1\nXfrmInBufferError", 0 },
	};
	struct metric_sink s;
	double v;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		CHECK_RESULT(xfrm_parse(cases[i].text, strlen(cases[i].text), &s), cases[i].ok);
		CHECK_INT(s.nseries, cases[i].ok ? XFRM_COUNTERS : 0);
	}
	static const char two[] = "XfrmInError 5\nXfrmSomethingNew 7\n";
	sink_reset(&s);
	CHECK_INT(xfrm_parse(two, sizeof(two) - 1, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_xfrm_in_error_packets_total", NULL, NULL, &v) ==
		      0 &&
	      v == 5);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_xfrm_acquire_error_packets_total", NULL, NULL,
			  &v) == 0 &&
	      v == 0);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(hostile_input);
	return T_DONE("test_xfrm");
}

/*
 * test_softirqs: the softirqs collector against the fixture host, and missing,
 * truncated and hostile /proc/softirqs files.
 */
#include "collectors/softirqs.h"
#include "alloc_probe.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define FN(cpu, type) "node_softirqs_functions_total{cpu=\"" cpu "\",type=\"" type "\"}"

static const char *const flags_on[] = { "--collector.softirqs", "--collector.loadavg", NULL };

static void fixture_values(void)
{
	const char *flags[] = { "--collector.softirqs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, FN("0", "HI")), 7);
	CHECK_DBL(series_value(out.p, FN("0", "TIMER")), 424191);
	CHECK_DBL(series_value(out.p, FN("1", "NET_RX")), 104508);
	CHECK_DBL(series_value(out.p, FN("1", "IRQ_POLL")), 0);
	CHECK_DBL(series_value(out.p, FN("0", "SCHED")), 378895);
	CHECK_DBL(series_value(out.p, FN("1", "RCU")), 146631);
	CHECK(isnan(series_value(out.p, FN("2", "RCU"))));
	CHECK(has_line(out.p, "# TYPE node_softirqs_functions_total counter"));
	CHECK_DBL(collector_success(out.p, "softirqs"), 1);
	buf_fini(&out);
}

/* No file: success 0 and no series, the other collectors unharmed. */
static void missing_file(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "softirqs"), 0);
	CHECK(!has_line(out.p, "node_softirqs_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* An empty file and garbage fail only this collector; a file cut short reports the
 * lines it has (a count cut in two reads as a smaller count, as in node_exporter). */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "proc/softirqs", "");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "softirqs"), 0);
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_put(&t, "proc/softirqs", "   CPU0  CPU1\n  HI:  1  2\n  TIMER:  3  4\n NET_TX: 5 6");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "softirqs"), 1);
	CHECK_DBL(series_value(out.p, FN("1", "NET_TX")), 6);
	tmptree_write(&t, "proc/softirqs", "CPU0\nHI: \x7f" "ELF\0\1\n", 16);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "softirqs"), 0);
	CHECK(!has_line(out.p, "node_softirqs_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 0, 0 },                          /* no header: empty */
		{ "\n", 1, 0 },
		{ "CPU0\nHI: 1 2\n", 1, 2 },
		{ "CPU0\nHI: 1 -2\n", 0, 0 },
		{ "CPU0\nHI: +2\n", 0, 0 },
		{ "CPU0\nHI: 1.5\n", 0, 0 },
		{ "CPU0\nHI: 18446744073709551616\n", 0, 0 },
		{ "CPU0\nHI: 18446744073709551615\n", 1, 1 },
		{ "CPU0\nHI:\n", 1, 0 },                /* no column: skipped */
		{ "CPU0\nFOO: x\n", 1, 0 },             /* another kind: skipped */
		{ "CPU0\nHI 1\n", 1, 0 },               /* no colon: another kind */
		{ "CPU0\nHI: x\nHI: 5\n", 0, 0 },        /* a replaced line still counts */
		{ "CPU0\nHI: 1\nHI: 5 6\n", 1, 2 },     /* the last line wins */
		{ "CPU0\n\tNET_RX:\t1\r\n", 1, 1 },
		{ "CPU0\nHI: 1\nTIMER: 1\nNET_TX: 1\nNET_RX: 1\nBLOCK: 1\nIRQ_POLL: 1\nTASKLET: 1\n"
		  "SCHED: 1\nHRTIMER: 1\nRCU: 1\n", 1, 10 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = softirqs_parse(cases[i].text, strlen(cases[i].text), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series); /* all or nothing */
	}
	sink_fini(&s);
}

/* A kind given twice counts as its last line, whatever its length. */
static void last_line_wins(void)
{
	const char *text = "CPU0 CPU1 CPU2\nSCHED: 1 2 3\nSCHED: 7\n";
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(softirqs_parse(text, strlen(text), &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, FN("0", "SCHED")), 7);
	CHECK(isnan(series_value(out.p, FN("1", "SCHED"))));
	buf_fini(&out);
	sink_fini(&s);
}

/* A warm scrape allocates nothing, and neither does one of a host without the file. */
static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *flags[] = { "--collector.softirqs", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.softirqs", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
	const char *none[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.softirqs", NULL };
	CHECK_INT(alloc_probe_scrape(none, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(last_line_wins);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_softirqs");
}

/*
 * test_lnstat: the lnstat collector on the fixture host, without /proc/net/stat, and on
 * cut, garbled and odd files.
 */
#include "collectors/lnstat.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.lnstat", NULL };

static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p,
			       "node_lnstat_allocs_total{cpu=\"1\",subsystem=\"arp_cache\"}"),
		  13);
	CHECK_DBL(series_value(out.p,
			       "node_lnstat_table_fulls_total{cpu=\"1\",subsystem=\"ndisc_cache\"}"),
		  263);
	CHECK_DBL(series_value(out.p,
			       "node_lnstat_ignore_total{cpu=\"2\",subsystem=\"nf_conntrack\"}"),
		  22740);
	CHECK_DBL(series_value(out.p,
			       "node_lnstat_entries_total{cpu=\"3\",subsystem=\"nf_conntrack\"}"),
		  33);
	CHECK(!has_line(out.p, "node_lnstat_allocs_total{cpu=\"2\",subsystem=\"arp_cache\"}"));
	CHECK(has_line(out.p, "# TYPE node_lnstat_search_restart_total counter"));
	CHECK_DBL(collector_success(out.p, "lnstat"), 1);
	buf_fini(&out);
}

/* node_exporter finds no files and reports success with nothing; so does plumb. */
static void missing_directory(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("lnstat", &out), 0);
	CHECK_DBL(collector_success(out.p, "lnstat"), 1);
	CHECK(!has_line(out.p, "node_lnstat_"));
	buf_fini(&out);
}

/* A sub-directory reads as empty; a bad file fails the collection; a file larger than
 * the first buffer is read whole. */
static void odd_files(void)
{
	struct tmptree t;
	struct buf out = { 0 }, big = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_mkdir(&t, "proc/net/stat/subdir"), 0);
	tmptree_put(&t, "proc/net/stat/empty", "");
	buf_puts(&big, "entries lookups\n");
	for (int i = 0; i < 3000; i++)
		buf_puts(&big, "0000000a 000000ff\n");
	tmptree_write(&t, "proc/net/stat/big", big.p, big.len);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "lnstat"), 1);
	CHECK_DBL(series_value(out.p, "node_lnstat_lookups_total{cpu=\"2999\",subsystem=\"big\"}"),
		  255);
	tmptree_put(&t, "proc/net/stat/bad", "entries\nzz\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "lnstat"), 0);
	CHECK(!has_line(out.p, "node_lnstat_"));
	buf_fini(&big);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 1, 0 },
		{ "entries allocs\n", 1, 0 },
		{ "entries allocs\n00000001 00000002\n", 1, 2 },
		{ "entries allocs\n00000001\n\n00000003 ffffffffffffffff\n", 1, 3 },
		{ "entries bad-name allocs\n1 2 3\n", 1, 2 }, /* the odd column is left out */
		{ "entries allocs\n1 2 3\n", 0, 0 },            /* more values than names */
		{ "\n1\n", 0, 0 },
		{ "entries\n0x1\n", 0, 0 },
		{ "entries\n-1\n", 0, 0 },
		{ "entries\n1g\n", 0, 0 },
		{ "entries\n10000000000000000\n", 0, 0 },
	};
	struct metric_sink s;
	double v;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		CHECK_RESULT(lnstat_parse("t", cases[i].text, strlen(cases[i].text), &s),
			     cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	/* the cpu label counts the values of each column, not the lines */
	static const char gap[] = "entries allocs\n00000001\n00000003 00000004\n";
	sink_reset(&s);
	CHECK_INT(lnstat_parse("t", gap, sizeof(gap) - 1, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_lnstat_allocs_total", "cpu", "0", &v) == 0 &&
	      v == 4);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_lnstat_entries_total", "cpu", "1", &v) == 0 &&
	      v == 3);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_directory);
	RUN(odd_files);
	RUN(hostile_input);
	return T_DONE("test_lnstat");
}

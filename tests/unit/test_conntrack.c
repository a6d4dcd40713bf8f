/*
 * test_conntrack: the conntrack collector against the fixture host and hostile input.
 */
#include "collectors/conntrack.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.conntrack", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_entries"), 123);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_entries_limit"), 65536);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_stat_ignore"), 89738);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_stat_invalid"), 53);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_stat_search_restart"), 7);
	CHECK_DBL(collector_success(out.p, "conntrack"), 1);
	buf_fini(&out);
}

static void missing_and_bad_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.conntrack", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	/* not loaded */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "conntrack"), 0);
	/* count and max but garbage in max */
	tmptree_put(&t, "proc/sys/net/netfilter/nf_conntrack_count", "5\n");
	tmptree_put(&t, "proc/sys/net/netfilter/nf_conntrack_max", "lots\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "conntrack"), 0);
	CHECK(isnan(series_value(out.p, "node_nf_conntrack_entries")));
	/* all three, stat file with the 16-column layout of old kernels */
	tmptree_put(&t, "proc/sys/net/netfilter/nf_conntrack_max", "18446744073709551615\n");
	tmptree_put(&t, "proc/net/stat/nf_conntrack",
		"entries searched ...\n"
		"1 2 3 4 5 6 7 8 9 a b c d e f 10\n"
		"1 2 3 4 5 6 7 8 9 a b c d e f 10\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "conntrack"), 1);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_entries_limit"), 18446744073709551615.0);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_stat_early_drop"), 24);
	CHECK_DBL(series_value(out.p, "node_nf_conntrack_stat_search_restart"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 0 },
		{ "header only", 1 },
		{ "h\n1 2 3\n", 0 },
		{ "h\n1 2 3 4 5 6 7 8 9 a b c d e f 10 11 12\n", 0 }, /* 18 columns */
		{ "h\n1 2 3 4 5 6 7 8 9 a b c d e f 10 xyz\n", 0 },
		{ "h\n1 2 3 4 5 6 7 8 9 a b c d e f 10 11111111111111111111\n", 0 },
		{ "h\n\n", 0 },
	};
	struct conntrack_stats st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = conntrack_parse_stat(cases[i].text, strlen(cases[i].text), &st);
		CHECK_RESULT(r, cases[i].ok);
	}
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_and_bad_files);
	RUN(hostile_input);
	return T_DONE("test_conntrack");
}

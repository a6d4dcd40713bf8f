/*
 * test_bcache: the bcache collector against the fixture host (its bdev0 and cache0 are
 * links stored as files), hosts without bcache, and sets with missing, garbled and
 * hostile files; then the bch_hprint, writeback_rate_debug and priority_stats parsers.
 */
#include "collectors/bcache.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define U "uuid=\"deaddd54-c735-46d5-868e-f331c5fd7c74\""
#define BDEV "{backing_device=\"bdev0\"," U "}"
#define CACHE "{cache_device=\"cache0\"," U "}"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.bcache", "--collector.bcache.priorityStats", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcache"), 1);
	CHECK_DBL(series_value(out.p, "node_bcache_cache_available_percent{" U "}"), 100);
	CHECK_DBL(series_value(out.p, "node_bcache_active_journal_entries{" U "}"), 1);
	CHECK_DBL(series_value(out.p, "node_bcache_btree_read_average_duration_seconds{" U "}"),
		  1.305e-06);
	CHECK_DBL(series_value(out.p, "node_bcache_tree_depth{" U "}"), 0);
	CHECK_DBL(series_value(out.p, "node_bcache_cache_hits_total" BDEV), 546);
	CHECK_DBL(series_value(out.p, "node_bcache_cache_readaheads_total" BDEV), 13);
	CHECK_DBL(series_value(out.p, "node_bcache_dirty_data_bytes" BDEV), 0);
	CHECK_DBL(series_value(out.p, "node_bcache_dirty_target_bytes" BDEV), 21894266880.0);
	CHECK_DBL(series_value(out.p, "node_bcache_writeback_rate" BDEV), 1150976);
	CHECK_DBL(series_value(out.p, "node_bcache_writeback_rate_proportional_term" BDEV), 437748);
	CHECK_DBL(series_value(out.p, "node_bcache_writeback_rate_integral_term" BDEV), 808960);
	CHECK_DBL(series_value(out.p, "node_bcache_writeback_change" BDEV), 329204);
	CHECK_DBL(series_value(out.p, "node_bcache_metadata_written_bytes_total" CACHE), 512);
	CHECK_DBL(series_value(out.p, "node_bcache_io_errors" CACHE), 0);
	CHECK_DBL(series_value(out.p, "node_bcache_priority_stats_unused_percent" CACHE), 99);
	CHECK_DBL(series_value(out.p, "node_bcache_priority_stats_metadata_percent" CACHE), 0);
	CHECK(has_line(out.p, "# TYPE node_bcache_cache_read_races_total counter"));
	CHECK(has_line(out.p, "# TYPE node_bcache_io_errors gauge"));
	/* priority_stats only when asked for */
	const char *plain[] = { "--collector.bcache", NULL };
	CHECK_INT(harness_run_fixture(plain, &out), 0);
	CHECK_DBL(series_value(out.p, "node_bcache_written_bytes_total" CACHE), 0);
	CHECK(!has_line(out.p, "node_bcache_priority_stats"));
	buf_fini(&out);
}

/* No /sys/fs/bcache, or one with only its control files: success and no series. */
static void host_without_bcache(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.bcache", NULL };
	CHECK_INT(tmptree_run_empty("bcache", &out), 0);
	CHECK_DBL(collector_success(out.p, "bcache"), 1);
	CHECK(!has_line(out.p, "node_bcache_"));
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/fs/bcache/register", "");
	tmptree_put(&t, "sys/fs/bcache/register_quiet", "");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcache"), 1);
	CHECK(!has_line(out.p, "node_bcache_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

#define SET "sys/fs/bcache/0a-1b/"
#define WB "rate: 512/sec\ndirty: 1.5k\ntarget: 2M\nproportional: -1.0k\nintegral: 3\n" \
	   "change: -2.5k/sec\nnext io: -4ms\n"

/* A set built by hand: real symlinks, readaheads of 0, missing files, then one broken
 * file after another fails the collection alone. */
static void broken_sets(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.bcache", "--collector.loadavg", NULL };
	const char *prio[] = { "--collector.bcache", "--collector.bcache.priorityStats", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, SET "tree_depth", "2\n");
	tmptree_put(&t, "sys/devices/sdb/bcache/writeback_rate_debug", WB);
	tmptree_put(&t, "sys/devices/sdb/bcache/stats_total/cache_hits", "1.0k\n");
	tmptree_put(&t, "sys/devices/sdb/bcache/stats_total/cache_readaheads", "0\n");
	tmptree_link(&t, SET "bdev12", "../../../devices/sdb/bcache");
	tmptree_link(&t, SET "cache0", "../../../devices/gone/bcache"); /* dangling */
	tmptree_mkdir(&t, SET "bdevX");                                  /* not bdev[0-9]* */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcache"), 1);
	CHECK_DBL(series_value(out.p, "node_bcache_tree_depth{uuid=\"0a-1b\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_bcache_congested{uuid=\"0a-1b\"}"), 0); /* missing */
	const char *b = "{backing_device=\"bdev12\",uuid=\"0a-1b\"}";
	char s[160];
	snprintf(s, sizeof(s), "node_bcache_cache_hits_total%s", b);
	CHECK_DBL(series_value(out.p, s), 1024);
	snprintf(s, sizeof(s), "node_bcache_writeback_rate%s", b);
	CHECK_DBL(series_value(out.p, s), 512);
	snprintf(s, sizeof(s), "node_bcache_dirty_target_bytes%s", b);
	CHECK_DBL(series_value(out.p, s), 2097152);
	snprintf(s, sizeof(s), "node_bcache_writeback_rate_proportional_term%s", b);
	CHECK_DBL(series_value(out.p, s), -1024);
	snprintf(s, sizeof(s), "node_bcache_writeback_change%s", b);
	CHECK_DBL(series_value(out.p, s), -2548); /* (2 + 5/10.24) * 1024 */
	CHECK(!has_line(out.p, "node_bcache_cache_readaheads_total")); /* 0: left out */
	CHECK(!has_line(out.p, "node_bcache_dirty_data_bytes{backing_device=\"bdevX\""));
	/* a dangling cache link: its files are all missing, so zeros */
	CHECK_DBL(series_value(out.p, "node_bcache_written_bytes_total{cache_device=\"cache0\","
				      "uuid=\"0a-1b\"}"), 0);
	/* ... but priority_stats must be there when asked for */
	CHECK_INT(tmptree_run(&t, prio, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcache"), 0);
	tmptree_del(&t, SET "cache0");

	static const struct {
		const char *file, *text;
	} bad[] = {
		{ SET "tree_depth", "two\n" },          /* not a number */
		{ SET "tree_depth", "" },               /* empty: node_exporter would panic */
		{ SET "internal/btree_nodes", "5%\n" }, /* '%' is no multiplier */
		{ "sys/devices/sdb/bcache/writeback_rate_debug", "rate:\n" },
		{ "sys/devices/sdb/bcache/writeback_rate_debug", "next io: soonms\n" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tmptree_put(&t, bad[i].file, bad[i].text);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		if (collector_success(out.p, "bcache") != 0)
			fprintf(stderr, "case %zu passed\n", i);
		CHECK_DBL(collector_success(out.p, "bcache"), 0);
		CHECK(!has_line(out.p, "node_bcache_"));
		CHECK_DBL(series_value(out.p, "node_load1"), 0.5); /* the others go on */
		tmptree_put(&t, SET "tree_depth", "2\n");
		tmptree_put(&t, SET "internal/btree_nodes", "1\n");
		tmptree_put(&t, "sys/devices/sdb/bcache/writeback_rate_debug", WB);
	}
	/* a backing device without writeback_rate_debug fails, as in node_exporter */
	tmptree_del(&t, "sys/devices/sdb/bcache/writeback_rate_debug");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcache"), 0);
	/* a set that is a file, not a directory */
	tmptree_del(&t, "sys/fs/bcache/0a-1b");
	tmptree_put(&t, "sys/fs/bcache/0a-1b", "x\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcache"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void dehumanize(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} cases[] = {
		{ "512", 1, 512 },
		{ "1.1M", 1, 1150976 },
		{ "20.4G", 1, 21894266880ull },
		{ "100k", 1, 102400 },
		{ "1.10k", 1, 2024 },        /* ".10" reads as 10/10.24: 1.9765625 KiB */
		{ "1.5.7k", 1, 1524 },       /* past a second dot is ignored */
		{ "3x", 1, 0 },              /* an unknown multiplier byte multiplies by 0 */
		{ "1e3", 1, 1000 },          /* a Go float without multiplier */
		{ "0.5", 1, 0 },
		{ "-1", 1, UINT64_MAX },     /* Go's uint64(-1.0) on amd64 */
		{ "", 0, 0 },
		{ "k", 0, 0 },
		{ ".5k", 0, 0 },
		{ "1.k", 0, 0 },
		{ " 1", 0, 0 },
		{ "1 ", 0, 0 },
		{ "inf", 0, 0 },
		{ "1_0", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 7;
		int r = bcache_dehumanize(span_cstr(cases[i].s), &v);
		if ((r == 0) != cases[i].ok || (r == 0 && v != cases[i].v))
			fprintf(stderr, "dehumanize(\"%s\"): r=%d v=%llu\n", cases[i].s, r,
				(unsigned long long)v);
		CHECK_RESULT(r, cases[i].ok);
		CHECK(!cases[i].ok || v == cases[i].v);
	}
	int64_t sv;
	CHECK(bcache_dehumanize_signed(SPAN_LIT("-427.5k"), &sv) == 0 && sv == -437748);
	CHECK(bcache_dehumanize_signed(SPAN_LIT("321.5k"), &sv) == 0 && sv == 329204);
	CHECK(bcache_dehumanize_signed(SPAN_LIT("--1"), &sv) == 0 && sv == 1); /* "-1" wraps */
	CHECK(bcache_dehumanize_signed(SPAN_LIT("-"), &sv) < 0);
	uint64_t v;
	CHECK(bcache_value_parse("100\n", 4, &v) == 0 && v == 100);
	CHECK(bcache_value_parse("100", 3, &v) == 0 && v == 10); /* the last byte goes */
	CHECK(bcache_value_parse("", 0, &v) < 0);
	CHECK(bcache_value_parse("\n", 1, &v) < 0);
}

static void debug_files(void)
{
	struct bcache_writeback wb;
	const char *fix = "rate:           1.1M/sec\ndirty:          20.4G\ntarget:         20.4G\n"
			  "proportional:   427.5k\nintegral:       790.0k\nchange:         "
			  "321.5k/sec\nnext io:        17ms\n";
	CHECK_INT(bcache_writeback_parse(fix, strlen(fix), &wb), 0);
	CHECK(wb.rate == 1150976 && wb.target == 21894266880ull && wb.dirty == wb.target);
	CHECK(wb.proportional == 437748 && wb.integral == 808960 && wb.change == 329204);
	CHECK(wb.next_io == 17);
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "other: x\n  rate: x\n", 1 },        /* unknown and indented lines are ignored */
		{ "rate:\n", 0 },                      /* the key itself is the last word */
		{ "rate: 1M/sec extra\n", 0 },
		{ "dirty: 1M/sec\n", 0 },               /* only rate and change drop /sec */
		{ "next io: 17\n", 1 },
		{ "next io: +17ms\n", 1 },
		{ "next io: 1.5ms\n", 0 },
		{ "change: -\n", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = bcache_writeback_parse(cases[i].text, strlen(cases[i].text), &wb);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "writeback case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
	}
	struct bcache_priority pr;
	const char *ps = "Unused:\t\t99%\nMetadata:\t0%\nAverage:\t10473\nSectors per Q:\t64\n"
			 "Quantiles:\t[0 0 20946]\n";
	CHECK(bcache_priority_parse(ps, strlen(ps), &pr) == 0 && pr.unused == 99 && pr.metadata == 0);
	CHECK(bcache_priority_parse("Unused: 5", 9, &pr) == 0 && pr.unused == 5);
	CHECK(bcache_priority_parse("Unused: x%\n", 11, &pr) < 0);
	CHECK(bcache_priority_parse("Metadata:\n", 10, &pr) < 0);
	CHECK(bcache_priority_parse("Metadata: -1%\n", 14, &pr) < 0);
	/* a line longer than Go's Scanner takes */
	static char longline[70000];
	memset(longline, 'x', sizeof(longline));
	CHECK(bcache_priority_parse(longline, sizeof(longline), &pr) < 0);
	CHECK(bcache_priority_parse(longline, 65535, &pr) == 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(host_without_bcache);
	RUN(broken_sets);
	RUN(dehumanize);
	RUN(debug_files);
	return T_DONE("test_bcache");
}

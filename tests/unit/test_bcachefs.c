/*
 * test_bcachefs: the bcachefs collector against the fixture host, hosts without
 * bcachefs, and filesystems with missing, garbled and repeated entries; then each
 * parser on hostile text.
 */
#include "collectors/bcachefs.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define U "uuid=\"deadbeef-1234-5678-9012-abcdefabcdef\""

static void fixture_values(void)
{
	const char *flags[] = { "--collector.bcachefs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcachefs"), 1);
	CHECK_DBL(series_value(out.p, "node_bcachefs_info{" U "}"), 1);
	CHECK_DBL(series_value(out.p, "node_bcachefs_btree_cache_size_bytes{" U "}"), 2201170739.0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_compression_compressed_bytes{algorithm=\"lz4\","
				      U "}"), 52505975193.0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_compression_uncompressed_bytes{algorithm="
				      "\"incompressible\"," U "}"), 11874725579980.0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_errors_total{error_type="
				      "\"extent_io_opts_not_set\"," U "}"), 11299659571772285102.0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_errors_total{error_type=\"subvol_missing\","
				      U "}"), 194);
	CHECK_DBL(series_value(out.p, "node_bcachefs_accounting_key_to_wb_slowpath_total{" U "}"),
		  44105502);
	CHECK_DBL(series_value(out.p, "node_bcachefs_reconcile_phys_total{" U "}"),
		  69928939526553.0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_btree_writes_total{type=\"interior\"," U "}"),
		  3035363);
	CHECK_DBL(series_value(out.p, "node_bcachefs_btree_write_average_size_bytes{type="
				      "\"init_next_bset\"," U "}"), 28876);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_info{device=\"4\",label=\"disk-4\","
				      "state=\"[rw] ro evacuating spare\"," U "}"), 1);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_bucket_size_bytes{device=\"10\"," U "}"),
		  524288);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_buckets{device=\"4\"," U "}"), 7629824);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_durability{device=\"8\"," U "}"), 1);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_io_done_bytes_total{data_type=\"user\","
				      "device=\"4\",operation=\"read\"," U "}"), 3770452246528.0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_io_done_bytes_total{data_type="
				      "\"need_gc_gens\",device=\"4\",operation=\"write\"," U "}"), 0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_io_errors_total{device=\"4\",type="
				      "\"read\"," U "}"), 197416);
	CHECK(has_line(out.p, "# TYPE node_bcachefs_write_super_total counter"));
	CHECK(has_line(out.p, "# TYPE node_bcachefs_device_buckets gauge"));
	buf_fini(&out);
}

/* No /sys/fs/bcachefs, or nothing in it: no data (success 0), as node_exporter. */
static void host_without_bcachefs(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.bcachefs", NULL };
	CHECK_INT(tmptree_run_empty("bcachefs", &out), 0);
	CHECK_DBL(collector_success(out.p, "bcachefs"), 0);
	CHECK(!has_line(out.p, "node_bcachefs_"));
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/fs/bcachefs/not-a-filesystem", "x\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcachefs"), 0);
	CHECK(!has_line(out.p, "node_bcachefs_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

#define FS "sys/fs/bcachefs/u1/"

/* A bare filesystem, then repeated keys, missing and garbled files. */
static void filesystems_by_hand(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.bcachefs", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_mkdir(&t, FS "dev-0");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcachefs"), 1);
	CHECK_DBL(series_value(out.p, "node_bcachefs_btree_cache_size_bytes{uuid=\"u1\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_info{device=\"0\",label=\"\",state=\"\","
				      "uuid=\"u1\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_buckets{device=\"0\",uuid=\"u1\"}"), 0);

	/* a key listed twice reports its last line, as procfs's maps do */
	tmptree_put(&t, FS "errors", "x 1 100\ny 5\nx 2 200\n");
	tmptree_put(&t, FS "dev-0/io_done", "read:\nsb : 1\nwrite:\nsb : 2\nread:\nsb : 3\n");
	tmptree_put(&t, FS "counters/odd.name-x", "since mount: 1\nsince filesystem creation: 1k\n");
	tmptree_link(&t, FS "counters/linked", "odd.name-x");
	tmptree_mkdir(&t, FS "counters/subdir");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcachefs"), 1);
	CHECK_DBL(series_value(out.p, "node_bcachefs_errors_total{error_type=\"x\",uuid=\"u1\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_bcachefs_errors_total{error_type=\"y\",uuid=\"u1\"}"), 5);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_io_done_bytes_total{data_type=\"sb\","
				      "device=\"0\",operation=\"read\",uuid=\"u1\"}"), 3);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_io_done_bytes_total{data_type=\"sb\","
				      "device=\"0\",operation=\"write\",uuid=\"u1\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_bcachefs_odd_name_x_total{uuid=\"u1\"}"), 1024);
	CHECK_DBL(series_value(out.p, "node_bcachefs_linked_total{uuid=\"u1\"}"), 1024);
	CHECK(!has_line(out.p, "node_bcachefs_subdir_total"));

	static const struct {
		const char *file, *text;
	} bad[] = {
		{ FS "btree_cache_size", "lots\n" },
		{ FS "errors", "x -1\n" },
		{ FS "errors", "x 1 soon\n" },
		{ FS "counters/odd.name-x", "since boot: 5\n" }, /* neither line */
		{ FS "counters/odd.name-x", "since mount: x\n" },
		{ FS "compression_stats", "header\nlz4: 1k 2k bad\n" },
		{ FS "btree_write_stats", "header\nleaf: 1.5 2k\n" },
		{ FS "dev-0/nbuckets", "\n" },                   /* empty: ParseUint("") */
		{ FS "dev-0/bucket_size", "big\n" },
		{ FS "dev-0/io_done", "write:\nuser: 12 \nsb: x\n" },
		{ FS "dev-0/io_errors", "IO errors since filesystem creation\n  read: -\n" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tmptree_put(&t, bad[i].file, bad[i].text);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		if (collector_success(out.p, "bcachefs") != 0)
			fprintf(stderr, "case %zu passed\n", i);
		CHECK_DBL(collector_success(out.p, "bcachefs"), 0);
		CHECK(!has_line(out.p, "node_bcachefs_"));
		CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
		tmptree_del(&t, bad[i].file);
		if (i == 3 || i == 4)
			tmptree_put(&t, FS "counters/odd.name-x", "since filesystem creation: 1\n");
	}
	/* a value file is cut at 1 MiB as procfs cuts it; a listing file that long fails */
	static char big[(1u << 20) + 10];
	memset(big, ' ', sizeof(big));
	big[0] = '7';
	memcpy(big + sizeof(big) - 3, "99\n", 3);
	tmptree_write(&t, FS "dev-0/durability", big, sizeof(big));
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_bcachefs_device_durability{device=\"0\",uuid=\"u1\"}"), 7);
	tmptree_write(&t, FS "errors", big, sizeof(big));
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "bcachefs"), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void sizes_and_names(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} cases[] = {
		{ "2.05G", 1, 2201170739ull }, { "100k", 1, 102400 },  { "1.26k", 1, 1290 },
		{ " 512 \n", 1, 512 },	       { "2.00M", 1, 2097152 }, { "1e", 1, 1ull << 60 },
		{ "1e3", 1, 1000 },	       { "3 K", 1, 3072 },	{ "-1", 1, UINT64_MAX },
		{ "", 0, 0 },		       { "k", 0, 0 },		{ "1x", 0, 0 },
		{ "1KiB", 0, 0 },	       { "0x10", 0, 0 },	{ "nan", 1, 1ull << 63 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 9;
		int r = bcachefs_human_bytes(span_cstr(cases[i].s), &v);
		if ((r == 0) != cases[i].ok || (r == 0 && v != cases[i].v))
			fprintf(stderr, "human_bytes(\"%s\"): r=%d v=%llu\n", cases[i].s, r,
				(unsigned long long)v);
		CHECK_RESULT(r, cases[i].ok);
		CHECK(!cases[i].ok || v == cases[i].v);
	}
	static const struct {
		const char *in, *out;
	} names[] = {
		{ "plain_name", "node_bcachefs_plain_name_total" },
		{ "a-b", "node_bcachefs_a_b_total" },
		{ "a__-__b", "node_bcachefs_a_b_total" },  /* the underscores around go too */
		{ "a-_-b", "node_bcachefs_a__b_total" },   /* two runs, as Go's regexp finds them */
		{ "_x_", "node_bcachefs__x__total" },
		{ "9lives", "node_bcachefs_9lives_total" },
		{ "caf\xc3\xa9.", "node_bcachefs_caf__total" },
	};
	char buf[300];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_INT(bcachefs_counter_name(names[i].in, buf, sizeof(buf)), 0);
		CHECK_STR(buf, names[i].out);
	}
	CHECK(bcachefs_counter_name("abc", buf, 20) < 0);
}

static void parsers(void)
{
	struct metric_sink s;
	uint64_t v;
	sink_init(&s);
	const char *cs = "type compressed uncompressed avg\nlz4: 1k 2k\nshort 1\nzstd 1 2 3 4\n";
	CHECK_INT(bcachefs_compression_parse(cs, strlen(cs), "u", &s), 0);
	CHECK_INT(s.nseries, 4);
	sink_reset(&s);
	CHECK_INT(bcachefs_compression_parse("lz4 1 2\n", 8, "u", &s), 0); /* only a header */
	CHECK_INT(s.nseries, 0);
	CHECK_INT(bcachefs_counter_parse("since mount: 5\n", 15, &v), 0);
	CHECK(v == 0);
	CHECK_INT(bcachefs_counter_parse("since filesystem creation:\t2k\r\n", 31, &v), 0);
	CHECK(v == 2048);
	CHECK(bcachefs_counter_parse("", 0, &v) < 0);
	CHECK(bcachefs_counter_parse(" since mount: 5\n", 16, &v) < 0);
	/* io_errors: only the section since creation, up to the next "IO errors since" */
	sink_reset(&s);
	const char *ie = "read: 9\nIO errors since filesystem creation\n  read: 1\nbogus\n"
			 "IO errors since filesystem creation\n  write: 2\nIO errors since 1 y ago\n"
			 "  read: bad\n";
	CHECK_INT(bcachefs_io_errors_parse(ie, strlen(ie), "u", "1", &s), 0);
	CHECK_INT(s.nseries, 2);
	sink_reset(&s);
	const char *early = "IO errors since 1 y ago\n read: 1\nIO errors since filesystem creation\n"
			    " read: x\n";
	CHECK_INT(bcachefs_io_errors_parse(early, strlen(early), "u", "1", &s), 0);
	CHECK_INT(s.nseries, 0);
	/* io_done: lines before the first section are not read at all */
	sink_reset(&s);
	const char *id = "junk: x\nwrite:\n\nsb:1\nno colon\n  read:  \nbtree : 7 \n";
	CHECK_INT(bcachefs_io_done_parse(id, strlen(id), "u", "1", &s), 0);
	CHECK_INT(s.nseries, 2);
	sink_reset(&s);
	CHECK_INT(bcachefs_btree_writes_parse("h\nleaf: 3 1k\nx 1\n", 17, "u", &s), 0);
	CHECK_INT(s.nseries, 2);
	CHECK(bcachefs_btree_writes_parse("h\nleaf: -3 1k\n", 14, "u", &s) < 0);
	/* lines too long for Go's Scanner fail; 1 MiB ones in the two files it widens for */
	static char longer[70000];
	memset(longer, 'x', sizeof(longer));
	CHECK(bcachefs_errors_parse(longer, sizeof(longer), "u", &s) < 0);
	CHECK(bcachefs_compression_parse(longer, sizeof(longer), "u", &s) == 0);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(host_without_bcachefs);
	RUN(filesystems_by_hand);
	RUN(sizes_and_names);
	RUN(parsers);
	return T_DONE("test_bcachefs");
}

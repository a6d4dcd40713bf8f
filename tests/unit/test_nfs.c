/*
 * test_nfs: the nfs collector against the fixture host, and missing, truncated and
 * hostile /proc/net/rpc/nfs files.
 */
#include "collectors/nfs.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define REQ(m, p) "node_nfs_requests_total{method=\"" m "\",proto=\"" p "\"}"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.nfs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nfs_packets_total{protocol=\"udp\"}"), 70);
	CHECK_DBL(series_value(out.p, "node_nfs_packets_total{protocol=\"tcp\"}"), 69);
	CHECK_DBL(series_value(out.p, "node_nfs_connections_total"), 45);
	CHECK_DBL(series_value(out.p, "node_nfs_rpcs_total"), 1218785755);
	CHECK_DBL(series_value(out.p, "node_nfs_rpc_retransmissions_total"), 374636);
	CHECK_DBL(series_value(out.p, "node_nfs_rpc_authentication_refreshes_total"), 1218815394);
	CHECK_DBL(series_value(out.p, REQ("Null", "2")), 16);
	CHECK_DBL(series_value(out.p, REQ("FsStat", "2")), 82);
	CHECK_DBL(series_value(out.p, REQ("GetAttr", "3")), 1061909262);
	CHECK_DBL(series_value(out.p, REQ("Access", "3")), 117661341);
	CHECK_DBL(series_value(out.p, REQ("Commit", "3")), 23729);
	CHECK_DBL(series_value(out.p, REQ("Null", "4")), 98);
	/* the kernel's order: GetDeviceInfo comes before LayoutGet */
	CHECK_DBL(series_value(out.p, REQ("GetDeviceInfo", "4")), 1);
	CHECK_DBL(series_value(out.p, REQ("LayoutGet", "4")), 90);
	/* the fixture counts 48 operations: the rest are padded with 0 */
	CHECK_DBL(series_value(out.p, REQ("ReclaimComplete", "4")), 35);
	CHECK_DBL(series_value(out.p, REQ("Clone", "4")), 0);
	CHECK(has_line(out.p, "# TYPE node_nfs_requests_total counter"));
	CHECK_DBL(collector_success(out.p, "nfs"), 1);
	buf_fini(&out);
}

/* No file (no nfs module): success 0, no series, and the other collectors unharmed. */
static void missing_file(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.nfs", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfs"), 0);
	CHECK(!has_line(out.p, "node_nfs_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* A file cut short, and garbage, fail only this collector. */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.nfs", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "proc/net/rpc/nfs", "net 1 2 3 4\nrpc 5 6 7\nproc3 22 0 1 2 3");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfs"), 0);
	CHECK(!has_line(out.p, "node_nfs_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_write(&t, "proc/net/rpc/nfs", "\x7f" "ELF\0\1\2", 7);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfs"), 0);
	/* cut at a line's end instead: what is there is reported, the rest is 0 */
	tmptree_put(&t, "proc/net/rpc/nfs", "net 1 2 3 4\nrpc 5 6 7\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfs"), 1);
	CHECK_DBL(series_value(out.p, "node_nfs_connections_total"), 4);
	CHECK_DBL(series_value(out.p, "node_nfs_rpc_authentication_refreshes_total"), 7);
	CHECK_DBL(series_value(out.p, REQ("Access", "3")), 0);
	CHECK_DBL(series_value(out.p, REQ("Clone", "4")), 0);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "", 1 },
		{ "net 1 2 3 4\n", 1 },
		{ "net 1 2 3 4\n\n", 0 },               /* a blank line has no value */
		{ "net 1 2 3\n", 0 },                   /* wrong count */
		{ "net 1 2 3 4 5\n", 0 },
		{ "net\n", 0 },
		{ "rpc 1 2 -3\n", 0 },                  /* not unsigned */
		{ "rpc 1 2 18446744073709551616\n", 0 }, /* overflows */
		{ "rpc 1 2 18446744073709551615\n", 1 },
		{ "rpc 1 2 0x3\n", 0 },
		{ "bogus 1\n", 0 },                     /* unknown key */
		{ "proc2 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", 0 }, /* fewer than 18 */
		{ "proc2 18 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", 0 }, /* says 18, has 17 */
		{ "proc2 19 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 9\n", 1 }, /* more is fine */
		{ "proc3 22 0 0\n", 0 },
		{ "proc4 0\n", 1 },                     /* no operations: all 0 */
		{ "proc4 2 1\n", 0 },
		{ "proc4 1 7\n", 1 },
		{ "\tnet\t1 2 3 4\r\n", 1 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = nfs_parse(cases[i].text, strlen(cases[i].text), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		/* all or nothing: 6 network and RPC series plus 18 + 22 + 59 procedures */
		CHECK_INT(s.nseries, r == 0 ? 105 : 0);
	}
	sink_fini(&s);
}

/* A line given twice counts as its last copy; a long proc4 line keeps 59 operations. */
static void repeats_and_long_lines(void)
{
	const char *text = "net 1 2 3 4\nnet 5 6 7 8\n"
			   "proc4 61 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
			   "21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 "
			   "41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61\n";
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(nfs_parse(text, strlen(text), &s), 0);
	CHECK_INT(s.nseries, 105);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nfs_connections_total"), 8);
	CHECK_DBL(series_value(out.p, REQ("Clone", "4")), 59);
	CHECK_DBL(series_value(out.p, REQ("Null", "4")), 1);
	buf_fini(&out);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(repeats_and_long_lines);
	return T_DONE("test_nfs");
}

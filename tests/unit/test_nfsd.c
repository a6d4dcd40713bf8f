/*
 * test_nfsd: the nfsd collector against the fixture host, and missing, truncated and
 * hostile /proc/net/rpc/nfsd files.
 */
#include "collectors/nfsd.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define ZEROS10 " 0 0 0 0 0 0 0 0 0 0"
#define REQ(m, p) "node_nfsd_requests_total{method=\"" m "\",proto=\"" p "\"}"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.nfsd", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nfsd_reply_cache_hits_total"), 0);
	CHECK_DBL(series_value(out.p, "node_nfsd_reply_cache_misses_total"), 6);
	CHECK_DBL(series_value(out.p, "node_nfsd_reply_cache_nocache_total"), 18622);
	CHECK_DBL(series_value(out.p, "node_nfsd_file_handles_stale_total"), 0);
	CHECK_DBL(series_value(out.p, "node_nfsd_disk_bytes_read_total"), 157286400);
	CHECK_DBL(series_value(out.p, "node_nfsd_disk_bytes_written_total"), 72864);
	CHECK_DBL(series_value(out.p, "node_nfsd_server_threads"), 8);
	CHECK_DBL(series_value(out.p, "node_nfsd_read_ahead_cache_size_blocks"), 32);
	CHECK_DBL(series_value(out.p, "node_nfsd_read_ahead_cache_not_found_total"), 0);
	CHECK_DBL(series_value(out.p, "node_nfsd_packets_total{proto=\"udp\"}"), 55);
	CHECK_DBL(series_value(out.p, "node_nfsd_packets_total{proto=\"tcp\"}"), 917);
	CHECK_DBL(series_value(out.p, "node_nfsd_connections_total"), 1);
	CHECK_DBL(series_value(out.p, "node_nfsd_rpc_errors_total{error=\"fmt\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_nfsd_rpc_errors_total{error=\"auth\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_nfsd_rpc_errors_total{error=\"cInt\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_nfsd_server_rpcs_total"), 18628);
	CHECK_DBL(series_value(out.p, REQ("GetAttr", "2")), 69);
	CHECK_DBL(series_value(out.p, REQ("Lookup", "2")), 4410);
	CHECK_DBL(series_value(out.p, REQ("ReadDir", "2")), 99);
	CHECK_DBL(series_value(out.p, REQ("Lookup", "3")), 2719);
	CHECK_DBL(series_value(out.p, REQ("ReadDirPlus", "3")), 216);
	CHECK_DBL(series_value(out.p, REQ("Access", "4")), 1098);
	CHECK_DBL(series_value(out.p, REQ("GetFH", "4")), 5896);
	CHECK_DBL(series_value(out.p, REQ("PutFH", "4")), 9609);
	CHECK_DBL(series_value(out.p, REQ("Read", "4")), 150);
	CHECK_DBL(series_value(out.p, REQ("Renew", "4")), 1236);
	CHECK_DBL(series_value(out.p, REQ("WdelegGetattr", "4")), 15);
	/* NULL is not reported for v2 and v3, nor the PUTPUBFH and PUTROOTFH operations */
	CHECK(isnan(series_value(out.p, REQ("Null", "2"))));
	CHECK(isnan(series_value(out.p, REQ("PutRootFH", "4"))));
	CHECK(has_line(out.p, "# TYPE node_nfsd_server_threads gauge"));
	CHECK_DBL(collector_success(out.p, "nfsd"), 1);
	buf_fini(&out);
}

/* No file (nfsd not loaded), one cut short, and garbage: success 0, no series, and
 * the other collectors unharmed. */
static void missing_truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.nfsd", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfsd"), 0);
	CHECK(!has_line(out.p, "node_nfsd_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_put(&t, "proc/net/rpc/nfsd",
		    "rc 0 6 18622\nfh 0 0 0 0 0\nio 157286400 72864\nth 8 0 0.000 0.0");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfsd"), 1); /* the cut fell in th's histogram */
	CHECK_DBL(series_value(out.p, "node_nfsd_server_threads"), 8);
	CHECK_DBL(series_value(out.p, REQ("Write", "4")), 0);
	tmptree_put(&t, "proc/net/rpc/nfsd", "rc 0 6 18622\nfh 0 0 0 0 0\nio 157286400");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfsd"), 0);
	CHECK(!has_line(out.p, "node_nfsd_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_write(&t, "proc/net/rpc/nfsd", "\0\0\0\xff\n", 5);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nfsd"), 0);
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
		{ "rc 1 2 3\n", 1 },
		{ "rc 1 2\n", 0 },
		{ "fh 1 2 3 4\n", 0 },
		{ "io 1 2 3\n", 0 },
		{ "th 8\n", 0 },                          /* needs two numbers */
		{ "th 8 0\n", 1 },
		{ "th 8 0 x y z\n", 1 },                  /* the histogram is not parsed */
		{ "th 8 x\n", 0 },
		{ "ra 32 0 0 0 0 0 0 0 0 0 0\n", 0 },     /* 11 of 12 */
		{ "net 1 2 3 4\n", 1 },
		{ "rpc 1 2 3 4\n", 0 },
		{ "proc4 2 2 10853\n", 1 },
		{ "proc4 3 2 10853 1\n", 0 },             /* NULL and COMPOUND, no more */
		{ "proc4 2 2\n", 0 },
		{ "proc4ops 38" ZEROS10 ZEROS10 ZEROS10 " 0 0 0 0 0 0 0 0\n", 0 },
		{ "proc4ops 39" ZEROS10 ZEROS10 ZEROS10 " 0 0 0 0 0 0 0 0 0\n", 1 },
		{ "wdeleg_getattr 15 16\n", 1 },
		{ "wdeleg_getattr\n", 0 },
		{ "wdeleg_getattr -1\n", 0 },
		{ "rc 1 2 3\n\n", 0 },
		{ "nope 1\n", 0 },
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = nfsd_parse(cases[i].text, strlen(cases[i].text), &s);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		/* all or nothing: 16 counts plus 17 + 21 + 35 + 1 procedures */
		CHECK_INT(s.nseries, r == 0 ? 90 : 0);
	}
	sink_fini(&s);
}

/* A kernel without RELEASE_LOCKOWNER (39 operations) reports it as 0; a later copy of
 * a line wins. */
static void short_proc4ops(void)
{
	const char *text = "proc4ops 39 0 0 0 5 0 0 0 0 0 0" ZEROS10 ZEROS10 " 0 0 0 0 0 0 0 0 7\n"
			   "rc 1 1 1\nrc 2 3 4\n";
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(nfsd_parse(text, strlen(text), &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, REQ("Access", "4")), 5);
	CHECK_DBL(series_value(out.p, REQ("Write", "4")), 7);
	CHECK_DBL(series_value(out.p, REQ("RelLockOwner", "4")), 0);
	CHECK_DBL(series_value(out.p, "node_nfsd_reply_cache_nocache_total"), 4);
	buf_fini(&out);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(short_proc4ops);
	return T_DONE("test_nfsd");
}

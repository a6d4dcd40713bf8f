/*
 * test_zfs: the zfs collector against the fixture host, hosts without ZFS, missing,
 * truncated and hostile kstat files, and a descriptor grant too small to hold them.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include "collectors/zfs.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define STATE(s, p) "node_zfs_zpool_state{state=\"" s "\",zpool=\"" p "\"}"
#define IO_HDR                                                                                     \
	"nread nwritten reads writes wtime wlentime wupdate rtime rlentime rupdate wcnt rcnt\n"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.zfs", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_zfs_arc_hits"), 8772612);
	/* a signed statistic (kstat type 3) */
	CHECK_DBL(series_value(out.p, "node_zfs_arc_memory_available_bytes"), -922337203685477580.);
	CHECK_DBL(series_value(out.p, "node_zfs_abd_struct_size"), 2520);
	CHECK_DBL(series_value(out.p, "node_zfs_dbuf_hash_hits"), 108807);
	CHECK_DBL(series_value(out.p, "node_zfs_dmu_tx_dmu_tx_assigned"), 3532844);
	CHECK_DBL(series_value(out.p, "node_zfs_fm_erpt_dropped"), 18); /* from erpt-dropped */
	CHECK_DBL(series_value(out.p, "node_zfs_vdev_cache_delegations"), 40);
	CHECK_DBL(series_value(out.p, "node_zfs_xuio_onloan_read_buf"), 32);
	CHECK_DBL(series_value(out.p, "node_zfs_zfetch_hits"), 7067992);
	CHECK_DBL(series_value(out.p, "node_zfs_zil_zil_commit_count"), 10);
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_nwritten{zpool=\"poolz1\"}"), 2680501248.0);
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_wupdate{zpool=\"pool1\"}"), 79210489694949.0);
	CHECK(isnan(series_value(out.p, "node_zfs_zpool_nread{zpool=\"pool2\"}"))); /* no io */
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_dataset_nwritten{dataset=\"poolz1/dataset1\","
				      "zpool=\"poolz1\"}"), 32806);
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_dataset_nunlinks{dataset=\"pool3/dataset "
				      "with  space\",zpool=\"pool3\"}"), 3);
	CHECK_DBL(series_value(out.p, STATE("online", "pool1")), 1);
	CHECK_DBL(series_value(out.p, STATE("suspended", "pool2")), 1);
	CHECK_DBL(series_value(out.p, STATE("online", "pool2")), 0);
	CHECK_DBL(series_value(out.p, STATE("degraded", "poolz1")), 1);
	CHECK(has_line(out.p, "# TYPE node_zfs_arc_hits untyped"));
	CHECK(has_line(out.p, "# TYPE node_zfs_zpool_state gauge"));
	CHECK_DBL(collector_success(out.p, "zfs"), 1);
	buf_fini(&out);
}

/* Without /proc/spl/kstat/zfs: no data (success 0), no series, others unharmed. With
 * the directory but nothing in it (the module loaded, no pool, no statistics):
 * success and no series, as node_exporter. */
static void host_without_zfs(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.zfs", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 0);
	CHECK(!has_line(out.p, "node_zfs_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_mkdir(&t, "proc/spl/kstat/zfs");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 1);
	CHECK(!has_line(out.p, "node_zfs_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

#define HDR "6 1 0x01 91 4368 5266997922 97951858082072\nname type data\n"

/* A malformed named file or pool file fails the collection; a pool directory with
 * nothing in it, or a stray file, reports nothing. */
static void broken_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.zfs", "--collector.loadavg", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "proc/spl/kstat/zfs/arcstats", HDR "hits 4 12\nc_min 4 7\n");
	tmptree_put(&t, "proc/spl/kstat/zfs/zil", HDR "zil_commit_count 4 3\n");
	tmptree_put(&t, "proc/spl/kstat/zfs/tank/state", "ONLINE\n");
	tmptree_mkdir(&t, "proc/spl/kstat/zfs/empty");
	tmptree_put(&t, "proc/spl/kstat/zfs/stray", "not a pool\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 1);
	CHECK_DBL(series_value(out.p, "node_zfs_arc_hits"), 12);
	CHECK_DBL(series_value(out.p, "node_zfs_zil_zil_commit_count"), 3);
	CHECK_DBL(series_value(out.p, STATE("online", "tank")), 1);
	CHECK(!has_line(out.p, STATE("online", "empty")));
	CHECK(!has_line(out.p, "node_zfs_dbuf_"));
	/* cut in the middle of the header */
	tmptree_put(&t, "proc/spl/kstat/zfs/arcstats", "6 1 0x01 91 4368 5266997922 1\nname ty");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 0);
	CHECK(!has_line(out.p, "node_zfs_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	/* cut in the middle of a value: 1 instead of 12 cannot be told, but a sign can */
	tmptree_put(&t, "proc/spl/kstat/zfs/arcstats", HDR "hits 4 -");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 0);
	tmptree_put(&t, "proc/spl/kstat/zfs/arcstats", HDR "hits 4 12\n");
	tmptree_write(&t, "proc/spl/kstat/zfs/tank/objset-0x36", "\0\1\2\3garbage", 11);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 0);
	tmptree_put(&t, "proc/spl/kstat/zfs/tank/objset-0x36", HDR "dataset_name 7 tank/a\n"
		    "writes 4 9\n");
	tmptree_put(&t, "proc/spl/kstat/zfs/tank/io", "12 3 0x00 1 80 1 2\n"
		    IO_HDR
		    "1 2 3 4 5 6 7 8 9 10 11\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 0); /* io: eleven values for twelve fields */
	tmptree_put(&t, "proc/spl/kstat/zfs/tank/io", "12 3 0x00 1 80 1 2\n"
		    IO_HDR
		    "1 2 3 4 5 6 7 8 9 10 11 12\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "zfs"), 1);
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_rcnt{zpool=\"tank\"}"), 12);
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_dataset_writes{dataset=\"tank/a\","
				      "zpool=\"tank\"}"), 9);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_kstat(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 0, 0 },                                   /* no header */
		{ "name type data\n", 1, 0 },
		{ "name type data\nhits 4 5\n", 1, 1 },
		{ "name  type\tdata\r\nhits 4 5\r\n", 1, 1 },
		{ "name type data extra\nhits 4 5\n", 0, 0 },   /* a header has three words */
		{ "hits 4 5\nname type data\n", 1, 0 },         /* before the header: ignored */
		{ "name type data\nhits 4 x\n", 0, 0 },
		{ "name type data\nhits 4 -1\n", 0, 0 },
		{ "name type data\nhits 4 18446744073709551616\n", 0, 0 },
		{ "name type data\nhits 3 -9223372036854775808\n", 1, 1 },
		{ "name type data\nhits 3 9223372036854775808\n", 0, 0 },
		{ "name type data\nmsg 7 hello world\n", 1, 0 }, /* strings are not reported */
		{ "name type data\nodd 2 x\n", 1, 0 },
		{ "name type data\nshort 4\n", 1, 0 },
		{ "name type data\nbad+name 4 1\nok 4 2\n", 1, 1 }, /* no valid name: skipped */
		{ "name type data\ntrail. 4 1\n", 1, 0 },        /* nothing after the last '.' */
		{ "name type data\na.b-c 4 1\n", 1, 1 },          /* node_zfs_x_b_c */
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		int r = zfs_kstat_parse(cases[i].text, strlen(cases[i].text), "x", "zfs_x", &s);
		if ((r == 0) != cases[i].ok || (r == 0 && s.nseries != cases[i].series))
			fprintf(stderr, "case %zu: r=%d series=%u\n", i, r, s.nseries);
		CHECK_RESULT(r, cases[i].ok);
		if (r == 0)
			CHECK_INT(s.nseries, cases[i].series);
	}
	sink_reset(&s);
	const char *named = "name type data\na.b-c 4 1\n";
	CHECK_INT(zfs_kstat_parse(named, strlen(named), "x", "zfs_x", &s), 0);
	CHECK(sink_find_family(&s, "node_zfs_x_b_c", 14) >= 0);
	sink_fini(&s);
}

static void hostile_pool_files(void)
{
	static const char io_hdr[] = IO_HDR;
	char text[512];
	struct metric_sink s;
	sink_init(&s);
	CHECK_INT(zfs_pool_io_parse("", 0, "p", &s), 0);
	CHECK_INT(s.nseries, 0);
	/* eleven fields are no header */
	snprintf(text, sizeof(text), "nread a b c d e f g h i j\n1 2 3 4 5 6 7 8 9 10 11\n");
	CHECK_INT(zfs_pool_io_parse(text, strlen(text), "p", &s), 0);
	CHECK_INT(s.nseries, 0);
	snprintf(text, sizeof(text), "%s\n", io_hdr); /* a blank line of values */
	CHECK(zfs_pool_io_parse(text, strlen(text), "p", &s) < 0);
	sink_reset(&s);
	snprintf(text, sizeof(text), "%s1 2 3 4 5 6 7 8 9 10 11 x\n", io_hdr);
	CHECK(zfs_pool_io_parse(text, strlen(text), "p", &s) < 0);
	sink_reset(&s);
	/* a value past the header's fields is ignored */
	snprintf(text, sizeof(text), "%s1 2 3 4 5 6 7 8 9 10 11 12 13\n", io_hdr);
	CHECK_INT(zfs_pool_io_parse(text, strlen(text), "p", &s), 0);
	CHECK_INT(s.nseries, 12);

	/* objset: the dataset name runs from where its first word first appears in the
	 * line; a statistic before the name line has empty labels */
	sink_reset(&s);
	const char *obj = "name type data\nwrites 4 1\ndataset_name 7 a b \r\nreads 4 2\n";
	struct buf out = { 0 };
	CHECK_INT(zfs_objset_parse(obj, strlen(obj), "p", &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_dataset_writes{dataset=\"\",zpool=\"\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_zfs_zpool_dataset_reads{dataset=\"ataset_name 7 a b \","
				      "zpool=\"p\"}"), 2);
	sink_reset(&s);
	CHECK(zfs_objset_parse("writes 4 1\n", 11, "p", &s) < 0); /* no header */
	CHECK(zfs_objset_parse("name type data\nwrites 4 -1\n", 27, "p", &s) < 0);

	/* state: the first line, any case, nothing else */
	static const struct {
		const char *text, *on;
	} states[] = {
		{ "ONLINE\n", "online" },
		{ "suspended\r\n", "suspended" },
		{ "Degraded", "degraded" },
		{ "", NULL },
		{ "DEGRADED \n", NULL },
		{ "\nONLINE\n", NULL },
	};
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		sink_reset(&s);
		CHECK_INT(zfs_pool_state_parse(states[i].text, strlen(states[i].text), "p", &s), 0);
		CHECK_INT(s.nseries, 7);
		double sum = 0, on = 0;
		char want[128];
		snprintf(want, sizeof(want), "%s", states[i].on ? states[i].on : "");
		CHECK_INT(sink_finish(&s), 0);
		buf_reset(&out);
		CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
		static const char all[] =
			"online\0degraded\0faulted\0offline\0removed\0unavail\0suspended\0";
		for (const char *st = all; *st; st += strlen(st) + 1) {
			char series[160];
			snprintf(series, sizeof(series), STATE("%s", "p"), st);
			double v = series_value(out.p, series);
			sum += v;
			if (strcmp(st, want) == 0)
				on = v;
		}
		CHECK_DBL(sum, states[i].on ? 1 : 0);
		CHECK_DBL(on, states[i].on ? 1 : 0);
	}
	buf_fini(&out);
	sink_fini(&s);
}

/* The node_zfs_ lines of a fixture run, into out. Returns the harness result. */
static int zfs_lines(struct buf *out)
{
	const char *flags[] = { "--collector.zfs", NULL };
	struct buf all = { 0 };
	int r = harness_run_fixture(flags, &all);
	buf_reset(out);
	for (const char *p = all.p; r == 0 && p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (strncmp(p, "node_zfs_", 9) == 0 && buf_append(out, p, n) < 0)
			r = -ENOMEM;
		p += n;
	}
	buf_fini(&all);
	return r;
}

/* With a descriptor limit too small to hold every named file open, the ones left over
 * are read each time instead: the same series come out. Runs in a child, since the
 * limit cannot be raised again. */
static void small_descriptor_grant(void)
{
	struct buf want = { 0 };
	CHECK_INT(zfs_lines(&want), 0);
	CHECK(want.len > 1000);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 20, 20 }; /* leaves a handful to the claims */
		struct buf got = { 0 };
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || zfs_lines(&got) != 0)
			_exit(2);
		_exit(got.len == want.len && memcmp(got.p, want.p, got.len) == 0 ? 0 : 1);
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
	buf_fini(&want);
}

int main(void)
{
	RUN(fixture_values);
	RUN(host_without_zfs);
	RUN(broken_files);
	RUN(hostile_kstat);
	RUN(hostile_pool_files);
	RUN(small_descriptor_grant);
	return T_DONE("test_zfs");
}

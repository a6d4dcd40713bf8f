/*
 * test_mountstats: the mountstats collector on the shared fixture (a pid file in place
 * of the self link), and on entries cut short, garbled, duplicated or missing; the
 * parsers on their own.
 */
#include "alloc_probe.h"
#include "collectors/mountstats.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.mountstats", NULL };

#define TCP "{export=\"192.168.1.1:/srv/test\",mountaddr=\"192.168.1.1\",protocol=\"tcp\""
#define UDP "{export=\"192.168.1.1:/srv/test\",mountaddr=\"192.168.1.1\",protocol=\"udp\""

static void shared_fixture(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_age_seconds_total" TCP "}"), 13968);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_read_bytes_total" UDP "}"), 1207640230);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_total_read_bytes_total" TCP "}"),
		  1210214218);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_event_vfs_access_total" TCP "}"), 398);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_transport_sends_total" TCP
				      ",transport=\"0\"}"),
		  6428);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_transport_idle_time_seconds" TCP
				      ",transport=\"0\"}"),
		  11);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_transport_idle_time_seconds" UDP
				      ",transport=\"0\"}"),
		  0);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_transport_pending_queue_total" UDP
				      ",transport=\"0\"}"),
		  5726);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_operations_queue_time_seconds_total"
				      "{export=\"192.168.1.1:/srv/test\",mountaddr=\"192.168.1.1\","
				      "operation=\"ACCESS\",protocol=\"udp\"}"),
		  9.007044786793922e+12);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_operations_response_time_seconds_total"
				      "{export=\"192.168.1.1:/srv/test\",mountaddr=\"192.168.1.1\","
				      "operation=\"READ\",protocol=\"tcp\"}"),
		  79.386);
	/* the second tcp mount of the export adds its mount point only */
	CHECK(!has_line(out.p, "node_mountstats_nfs_operations_requests_total"
			       "{export=\"192.168.1.1:/srv/test\",mountaddr=\"192.168.1.1\","
			       "operation=\"ACCESS\",protocol=\"tcp\"}"));
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_mountpoint_info"
				      "{export=\"192.168.1.1:/srv/test\",mountaddr=\"192.168.1.1\","
				      "mountpoint=\"/mnt/nfs/test-dupe\",protocol=\"tcp\"}"),
		  1);
	CHECK_DBL(collector_success(out.p, "mountstats"), 1);
	buf_fini(&out);
}

static const char entry[] =
	"device rootfs mounted on / with fstype rootfs\n"
	"device srv:/x mounted on /m with fstype nfs statvers=1.1\n"
	"\topts:\trw,vers=3\n"
	"\tage:\t1.5\n"
	"\tbytes:\t1 2 3 4 5 6 7 8\n"
	"\tevents:\t1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27\n"
	"\txprt:\trdma 0 0 1 0 5 6 7 8 9 10 1 2 3 4 5 6 7 8 9 10\n"
	"\tper-op statistics\n"
	"\t  GETATTR: 5 5 0 100 200 9007199254740993 3000 4000 2\n"
	"\n";

static const char info[] = "1 0 0:1 / / rw - rootfs rootfs rw\n"
			   "2 1 0:2 / /m rw - nfs srv:/x rw,addr=10.0.0.1,addr=10.0.0.2=x\n";

static void put(struct tmptree *t, const char *stats, const char *mi)
{
	tmptree_put(t, "proc/self/mountstats", stats);
	tmptree_put(t, "proc/self/mountinfo", mi);
}

static void odd_entries(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	put(&t, entry, info);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
#define ID "{export=\"srv:/x\",mountaddr=\"10.0.0.2\",protocol=\"rdma\""
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_age_seconds_total" ID "}"), 1.5);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_event_vfs_file_release_total" ID "}"), 18);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_event_truncation_total" ID "}"), 20);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_event_pnfs_write_total" ID "}"), 27);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_write_pages_total" ID "}"), 8);
	/* rdma: the TCP 1.0 layout, then no slot or queue figures */
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_transport_backlog_queue_total" ID
				      ",transport=\"0\"}"),
		  10);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_transport_maximum_rpc_slots" ID
				      ",transport=\"0\"}"),
		  0);
	CHECK_DBL(series_value(out.p, "node_mountstats_nfs_operations_queue_time_seconds_total"
				      "{export=\"srv:/x\",mountaddr=\"10.0.0.2\",operation=\"GETATTR\","
				      "protocol=\"rdma\"}"),
		  0.001);
	CHECK_DBL(collector_success(out.p, "mountstats"), 1);
#undef ID
	/* no NFS mounts: success, nothing reported, mountinfo not even needed */
	put(&t, "device rootfs mounted on / with fstype rootfs\n", "garbage\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "mountstats"), 1);
	CHECK(!has_line(out.p, "node_mountstats_"));

	/* what node_exporter refuses fails the collection */
	static const char *const bad[] = {
		"device a mounted on /b with fstype ext4 statvers=1.1\n",
		"device a mounted at /b with fstype nfs\n",
		"device a mounted on\n",
		"device a mounted on /b with fstype nfs statvers=1.1\n\tage:\n",
		"device a mounted on /b with fstype nfs statvers=1.1\n\tbytes:\t1 2 3\n",
		"device a mounted on /b with fstype nfs statvers=1.1\n\tevents:\t1 x\n",
		"device a mounted on /b with fstype nfs statvers=1.1\n\txprt:\ttcp 1 2 3\n",
		"device a mounted on /b with fstype nfs statvers=1.2\n\txprt:\tudp 1 2 3 4 5 6 7\n",
		"device a mounted on /b with fstype nfs statvers=1.0\n\txprt:\tsctp 1 2 3 4 5 6 7\n",
		"device a mounted on /b with fstype nfs statvers=1.1\n\tage:\t1h\n",
		"device a mounted on /b with fstype nfs statvers=1.1\n\tper-op statistics\n\tNULL: 1 2\n",
		"device a mounted on /b with fstype nfs statvers=1.1\n\tper-op statistics\n"
		"\tNULL: 1 2 3 4 5 6 7 -8\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(&t, bad[i], info);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		CHECK_DBL(collector_success(out.p, "mountstats"), 0);
		CHECK(!has_line(out.p, "node_mountstats_"));
	}
	/* a bad mountinfo line fails it when there is NFS to label */
	put(&t, entry, "1 0 0:1 / / rw rootfs rootfs rw\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "mountstats"), 0);
	/* a mountstats entry past mountinfo's end has no address */
	put(&t, entry, "1 0 0:1 / / rw - rootfs rootfs rw\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK(has_line(out.p, "node_mountstats_nfs_age_seconds_total{export=\"srv:/x\","
			      "mountaddr=\"\",protocol=\"rdma\"}"));
	/* truncated in the middle of the entry */
	put(&t, "device srv:/x mounted on /m with fstype nfs statvers=1.1\n\tbytes:\t1 2", info);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "mountstats"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void missing(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("mountstats", &out), 0);
	CHECK_DBL(collector_success(out.p, "mountstats"), 0);
	CHECK(!has_line(out.p, "node_mountstats_"));
	buf_fini(&out);
}

static void parsers(void)
{
	struct ms_scratch sc = { 0 };
	struct metric_sink s;
	double v;
	CHECK_INT(mountstats_mountinfo(&sc, info, sizeof(info) - 1), 0);
	CHECK_INT(sc.naddr, 2);
	CHECK(sc.addr[0].len == 0 && span_eq(sc.addr[1], "10.0.0.2"));
	static const char empty_line[] = "1 0 0:1 / / rw - a b c\n\n", bad_id[] = "x 0 0:1 / / rw - a b c\n";
	CHECK_INT(mountstats_mountinfo(&sc, empty_line, sizeof(empty_line) - 1), -EINVAL);
	CHECK_INT(mountstats_mountinfo(&sc, bad_id, sizeof(bad_id) - 1), -EINVAL);
	CHECK_INT(mountstats_mountinfo(&sc, empty_line, sizeof(empty_line) - 2), 0);
	CHECK(mountstats_has_nfs(entry, sizeof(entry) - 1));
	sink_init(&s);
	CHECK_INT(mountstats_mountinfo(&sc, info, sizeof(info) - 1), 0);
	CHECK_INT(mountstats_parse(&sc, entry, sizeof(entry) - 1, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_mountstats_nfs_operations_requests_total",
			  "operation", "GETATTR", &v) == 0 &&
	      v == 5);
	sink_fini(&s);
	mountstats_scratch_fini(&sc);
}

static void steady_state_allocates_nothing(void)
{
	const char *f[16];
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	fixture_flags(flags, f, 16);
	CHECK_INT(alloc_probe_scrape(f, 2), 0);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(odd_entries);
	RUN(missing);
	RUN(parsers);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_mountstats");
}

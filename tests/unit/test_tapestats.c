/*
 * test_tapestats: the tapestats collector on the shared fixture (class entries stored
 * as link files), with its ignore flag, and on missing, garbled and odd stats trees.
 */
#include "collectors/tapestats.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.tapestats", NULL };

#define ST0 "{device=\"st0\"}"

/* st0's counters as in e2e-output.txt; nst0 and st0a/l/m are not reported. */
static void shared_fixture(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_tape_io_now" ST0), 1);
	CHECK_DBL(series_value(out.p, "node_tape_io_time_seconds_total" ST0), 9247.01108772);
	CHECK_DBL(series_value(out.p, "node_tape_io_others_total" ST0), 1409);
	CHECK_DBL(series_value(out.p, "node_tape_read_bytes_total" ST0), 979383912);
	CHECK_DBL(series_value(out.p, "node_tape_reads_completed_total" ST0), 3741);
	CHECK_DBL(series_value(out.p, "node_tape_read_time_seconds_total" ST0), 33.788355744);
	CHECK_DBL(series_value(out.p, "node_tape_residual_total" ST0), 19);
	CHECK_DBL(series_value(out.p, "node_tape_written_bytes_total" ST0), 1496246784000.0);
	CHECK_DBL(series_value(out.p, "node_tape_writes_completed_total" ST0), 53772916);
	CHECK_DBL(series_value(out.p, "node_tape_write_time_seconds_total" ST0), 5233.597394395);
	CHECK(!has_line(out.p, "node_tape_io_now{device=\"nst0\"}"));
	CHECK(!has_line(out.p, "node_tape_io_now{device=\"st0a\"}"));
	CHECK_DBL(collector_success(out.p, "tapestats"), 1);
	buf_fini(&out);
}

static void ignored_devices(void)
{
	const char *extra[] = { "--collector.tapestats", "--collector.tapestats.ignored-devices=^st0$",
				NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(extra, &out), 0);
	CHECK(!has_line(out.p, "node_tape_"));
	CHECK_DBL(collector_success(out.p, "tapestats"), 1);
	buf_fini(&out);
}

/* No class directory: no data, no series. */
static void missing_class(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("tapestats", &out), 0);
	CHECK_DBL(collector_success(out.p, "tapestats"), 0);
	CHECK(!has_line(out.p, "node_tape_"));
	buf_fini(&out);
}

/* A drive with some files missing (0), Go-style numbers and unknown files; then a
 * garbled counter, a drive without stats/ and a directory among the stats each fail,
 * even on an ignored drive, as in node_exporter. Other entries are never read. */
static void odd_trees(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *ign[] = { "--collector.tapestats", "--collector.tapestats.ignored-devices=st1",
			      NULL };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/class/scsi_tape/st1/stats/read_cnt", "0x10\n");
	tmptree_put(&t, "sys/class/scsi_tape/st1/stats/write_ns", "1_500_000_000");
	tmptree_put(&t, "sys/class/scsi_tape/st1/stats/vendor_extra", "not a number");
	tmptree_put(&t, "sys/class/scsi_tape/nst1", "garbage, never read");
	tmptree_put(&t, "sys/class/scsi_tape/st1x/stats/read_cnt", "garbage, never read");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_tape_reads_completed_total{device=\"st1\"}"), 16);
	CHECK_DBL(series_value(out.p, "node_tape_write_time_seconds_total{device=\"st1\"}"), 1.5);
	CHECK_DBL(series_value(out.p, "node_tape_io_now{device=\"st1\"}"), 0);
	CHECK_DBL(collector_success(out.p, "tapestats"), 1);

	tmptree_put(&t, "sys/class/scsi_tape/st1/stats/in_flight", "-1");
	for (int k = 0; k < 2; k++) {
		CHECK_INT(tmptree_run(&t, k ? ign : flags, &out), 0);
		CHECK_DBL(collector_success(out.p, "tapestats"), 0);
		CHECK(!has_line(out.p, "node_tape_"));
	}
	tmptree_put(&t, "sys/class/scsi_tape/st1/stats/in_flight", "");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "tapestats"), 0);
	tmptree_put(&t, "sys/class/scsi_tape/st1/stats/in_flight", "2");
	tmptree_mkdir(&t, "sys/class/scsi_tape/st1/stats/subdir");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "tapestats"), 0);
	tmptree_del(&t, "sys/class/scsi_tape/st1/stats/subdir");
	tmptree_mkdir(&t, "sys/class/scsi_tape/st2");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "tapestats"), 0);
	CHECK(!has_line(out.p, "node_tape_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

static void names_and_records(void)
{
	CHECK(tape_device_name("st0"));
	CHECK(tape_device_name("st123"));
	CHECK(!tape_device_name("st"));
	CHECK(!tape_device_name("nst0"));
	CHECK(!tape_device_name("st0a"));
	CHECK(!tape_device_name("st-1"));
	struct tape_counters c = { { 0 } };
	CHECK_INT(tape_record(&c, "io_ns", SPAN_LIT("2000000000")), 0);
	CHECK(tape_record(&c, "io_ns", SPAN_LIT("2s")) < 0);
	CHECK_INT(tape_record(&c, "whatever", SPAN_LIT("2s")), 0);
	struct metric_sink s;
	double v;
	sink_init(&s);
	CHECK_INT(tape_emit(&c, "st9", &s), 0);
	CHECK_INT(s.nseries, TAPE_NFILES);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_tape_io_time_seconds_total", "device", "st9", &v) ==
		      0 &&
	      v == 2);
	sink_fini(&s);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(ignored_devices);
	RUN(missing_class);
	RUN(odd_trees);
	RUN(names_and_records);
	return T_DONE("test_tapestats");
}

/*
 * test_drbd: the drbd collector on the fixture host, without /proc/drbd, on DRBD 9's
 * bare file, and on cut and garbled text.
 */
#include "collectors/drbd.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.drbd", NULL };

#define D1 "{device=\"drbd1\"}"

static void fixture_values(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_drbd_network_sent_bytes_total" D1), 17324442.0 * 1024);
	CHECK_DBL(series_value(out.p, "node_drbd_network_received_bytes_total" D1), 10961011);
	CHECK_DBL(series_value(out.p, "node_drbd_disk_written_bytes_total" D1), 28263521.0 * 1024);
	CHECK_DBL(series_value(out.p, "node_drbd_disk_read_bytes_total" D1), 1.2154539008e+11);
	CHECK_DBL(series_value(out.p, "node_drbd_activitylog_writes_total" D1), 1100);
	CHECK_DBL(series_value(out.p, "node_drbd_bitmap_writes_total" D1), 221);
	CHECK_DBL(series_value(out.p, "node_drbd_local_pending" D1), 12345);
	CHECK_DBL(series_value(out.p, "node_drbd_remote_pending" D1), 12346);
	CHECK_DBL(series_value(out.p, "node_drbd_remote_unacknowledged" D1), 12347);
	CHECK_DBL(series_value(out.p, "node_drbd_application_pending" D1), 12348);
	CHECK_DBL(series_value(out.p, "node_drbd_epochs" D1), 1);
	CHECK_DBL(series_value(out.p, "node_drbd_out_of_sync_bytes" D1), 12645376);
	CHECK_DBL(series_value(out.p, "node_drbd_connected" D1), 1);
	CHECK_DBL(series_value(out.p,
			       "node_drbd_node_role_is_primary{device=\"drbd1\",node=\"remote\"}"),
		  1);
	CHECK_DBL(series_value(out.p,
			       "node_drbd_disk_state_is_up_to_date{device=\"drbd1\",node=\"local\"}"),
		  1);
	CHECK_DBL(collector_success(out.p, "drbd"), 1);
	buf_fini(&out);
}

static void missing_file(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("drbd", &out), 0);
	CHECK_DBL(collector_success(out.p, "drbd"), 0);
	CHECK(!has_line(out.p, "node_drbd_"));
	buf_fini(&out);
}

/* Two devices, a secondary one that is not connected, pairs before any device. */
static void states_and_devices(void)
{
	static const char text[] =
		"version: 9.0.0 (api:2/proto:86-116)\n"
		"ro:Secondary/Primary\n"
		" 0: cs:StandAlone ro:Secondary/Unknown ds:Diskless/DUnknown C r-----\n"
		"    ns:0 nr:0 oos:3\n"
		" 07: cs:Connected ro:Primary/Secondary ds:UpToDate/Inconsistent/x wo:f\n";
	struct metric_sink s;
	double v;
	sink_init(&s);
	CHECK_INT(drbd_parse(text, sizeof(text) - 1, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drbd_connected", "device", "drbd0", &v) == 0 &&
	      v == 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drbd_connected", "device", "drbd7", &v) == 0 &&
	      v == 1);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drbd_out_of_sync_bytes", "device", "drbd0", &v) ==
		      0 &&
	      v == 3072);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drbd_node_role_is_primary", "device", "unknown",
			  &v) == 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drbd_disk_state_is_up_to_date", "device", "drbd7",
			  &v) == 0);
	CHECK_INT(s.nseries, 2 + 1 + 2 + 2 + 3 + 1 + 2 + 2);
	sink_reset(&s);
	CHECK_INT(drbd_parse("version: 9.1.2\n", 15, &s), 0); /* DRBD 9: nothing per device */
	CHECK_INT(s.nseries, 0);
	sink_fini(&s);
}

/* A counter that is not a number or a pair without '/' fails the file, adding nothing. */
static void hostile_input(void)
{
	static const char *const bad[] = {
		"1: ns:abc\n", "1: ns:\n", "1: cs:Connected ro:Primary\n", "1: ds:UpToDate\n",
		"1: cs:Connected ns:17", /* cut: still a number */
	};
	struct metric_sink s;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sink_reset(&s);
		int r = drbd_parse(bad[i], strlen(bad[i]), &s);
		CHECK_RESULT(r, i == 4);
		CHECK_INT(s.nseries, i == 4 ? 2 : 0);
	}
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_file);
	RUN(states_and_devices);
	RUN(hostile_input);
	return T_DONE("test_drbd");
}

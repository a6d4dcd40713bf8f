/*
 * test_fibrechannel: the fibrechannel collector on the shared fixture, through a real
 * class link, and on hosts with missing, garbled and odd attributes and statistics.
 */
#include "collectors/fibrechannel.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.fibrechannel", NULL };

#define H0 "{fc_host=\"host0\"}"
#define H1 "{fc_host=\"host1\"}"

/* The fixture's two hosts, as in e2e-output.txt: host0 has every attribute, host1 only
 * speed and port_state; counters at 2^64-1 (host0 dumped_frames, host1
 * fcp_packet_aborts) are left out. */
static void check_fixture(const char *text)
{
	CHECK_DBL(series_value(text, "node_fibrechannel_info{dev_loss_tmo=\"30\",fabric_name=\"0\","
				     "fc_host=\"host0\",port_id=\"000002\",port_name=\"1000e0071bce95f2\","
				     "port_state=\"Online\",port_type=\"Point-To-Point (direct nport "
				     "connection)\",speed=\"16 Gbit\",supported_classes=\"Class 3\","
				     "supported_speeds=\"4 Gbit, 8 Gbit, 16 Gbit\",symbolic_name="
				     "\"Emulex SN1100E2P FV12.4.270.3 DV12.4.0.0. HN:gotest. OS:Linux\"}"),
		  1);
	CHECK_DBL(series_value(text, "node_fibrechannel_info{dev_loss_tmo=\"\",fabric_name=\"\","
				     "fc_host=\"host1\",port_id=\"\",port_name=\"\",port_state=\"Online\","
				     "port_type=\"\",speed=\"8 Gbit\",supported_classes=\"\","
				     "supported_speeds=\"\",symbolic_name=\"\"}"),
		  1);
	CHECK_DBL(series_value(text, "node_fibrechannel_invalid_crc_total" H0), 2);
	CHECK_DBL(series_value(text, "node_fibrechannel_fcp_packet_aborts_total" H0), 19);
	CHECK_DBL(series_value(text, "node_fibrechannel_seconds_since_last_reset_total" H0), 7);
	CHECK_DBL(series_value(text, "node_fibrechannel_error_frames_total" H1), 19);
	CHECK_DBL(series_value(text, "node_fibrechannel_nos_total" H1), 288);
	CHECK_DBL(series_value(text, "node_fibrechannel_loss_of_signal_total" H1), 272);
	CHECK_DBL(series_value(text, "node_fibrechannel_dumped_frames_total" H1), 0);
	CHECK(!has_line(text, "node_fibrechannel_dumped_frames_total" H0));
	CHECK(!has_line(text, "node_fibrechannel_fcp_packet_aborts_total" H1));
	CHECK_DBL(collector_success(text, "fibrechannel"), 1);
}

static void shared_fixture(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	check_fixture(out.p);
	buf_fini(&out);
}

static void class_links(void)
{
	struct tmptree t;
	char target[PATH_MAX], link[64];
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(target, sizeof(target), "%.3000s/sys/class/fc_host/host%d", fixture_root(), i);
		snprintf(link, sizeof(link), "sys/class/fc_host/host%d", i);
		CHECK_INT(tmptree_link(&t, link, target), 0);
	}
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	check_fixture(out.p);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void missing_class(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("fibrechannel", &out), 0);
	CHECK_DBL(collector_success(out.p, "fibrechannel"), 0);
	CHECK(!has_line(out.p, "node_fibrechannel_"));
	buf_fini(&out);
}

#define H5 "{fc_host=\"host5\"}"
#define INFO5_EMPTY                                                                        \
	"node_fibrechannel_info{dev_loss_tmo=\"\",fabric_name=\"\",fc_host=\"host5\","      \
	"port_id=\"\",port_name=\"\",port_state=\"%s\",port_type=\"\",speed=\"\","          \
	"supported_classes=\"\",supported_speeds=\"\",symbolic_name=\"\"}"

/* A port in state Unknown, one with no state and a dangling entry report all fourteen
 * counters as 0; an online port reports what it has. Write-only reset_statistics,
 * unknown files and directories in statistics/ are skipped; a garbled counter, or a
 * statistics that is no directory, fails the collection with nothing half-reported. */
static void odd_hosts(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char series[400];
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/class/fc_host/host5/port_state", "Unknown\n");
	tmptree_put(&t, "sys/class/fc_host/host5/statistics/rx_frames", "0x99");
	tmptree_put(&t, "sys/class/fc_host/host5/statistics/reset_statistics", "write only");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	snprintf(series, sizeof(series), INFO5_EMPTY, "Unknown");
	CHECK_DBL(series_value(out.p, series), 1);
	CHECK_DBL(series_value(out.p, "node_fibrechannel_rx_frames_total" H5), 0);
	CHECK_DBL(series_value(out.p, "node_fibrechannel_link_failure_total" H5), 0);
	CHECK_DBL(series_value(out.p, "node_fibrechannel_fcp_packet_aborts_total" H5), 0);

	tmptree_del(&t, "sys/class/fc_host/host5/port_state");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	snprintf(series, sizeof(series), INFO5_EMPTY, "");
	CHECK_DBL(series_value(out.p, series), 1);
	CHECK_DBL(series_value(out.p, "node_fibrechannel_tx_words_total" H5), 0);

	tmptree_put(&t, "sys/class/fc_host/host5/port_state", "Online");
	tmptree_put(&t, "sys/class/fc_host/host5/port_name", "0x");
	tmptree_put(&t, "sys/class/fc_host/host5/node_name", "0x20000000c9");
	tmptree_put(&t, "sys/class/fc_host/host5/statistics/vendor_thing", "not a number");
	tmptree_mkdir(&t, "sys/class/fc_host/host5/statistics/subdir");
	CHECK_INT(tmptree_link(&t, "sys/class/fc_host/host6", "../../devices/gone"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_fibrechannel_rx_frames_total" H5), 153);
	CHECK(!has_line(out.p, "node_fibrechannel_tx_words_total" H5));
	CHECK(has_line(out.p, "node_fibrechannel_info{dev_loss_tmo=\"\",fabric_name=\"\","
			      "fc_host=\"host5\",port_id=\"\",port_name=\"0x\",port_state=\"Online\""));
	CHECK_DBL(series_value(out.p, "node_fibrechannel_nos_total{fc_host=\"host6\"}"), 0);
	CHECK_DBL(collector_success(out.p, "fibrechannel"), 1);

	tmptree_put(&t, "sys/class/fc_host/host5/statistics/nos_count", "lots");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "fibrechannel"), 0);
	CHECK(!has_line(out.p, "node_fibrechannel_"));
	tmptree_del(&t, "sys/class/fc_host/host5/statistics");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "fibrechannel"), 1);
	CHECK(!has_line(out.p, "node_fibrechannel_rx_frames_total" H5));
	tmptree_put(&t, "sys/class/fc_host/host5/statistics", "a file");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "fibrechannel"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void record_emit(void)
{
	struct fc_host h;
	struct metric_sink s;
	double v;
	memset(&h, 0, sizeof(h));
	fc_record_attr(&h, "fabric_name", SPAN_LIT("0x10000000c9"));
	fc_record_attr(&h, "port_state", SPAN_LIT("Linkdown"));
	fc_record_attr(&h, "speed", SPAN_LIT("0x1")); /* not one of the hex names: kept */
	CHECK_INT(fc_record_stat(&h, "tx_frames", SPAN_LIT("0xff")), 0);
	CHECK_INT(fc_record_stat(&h, "rx_frames", SPAN_LIT("18446744073709551615")), 0);
	CHECK(fc_record_stat(&h, "rx_words", SPAN_LIT("0xfg")) < 0);
	CHECK(fc_record_stat(&h, "rx_words", SPAN_LIT("0x")) < 0); /* cut short */
	CHECK(fc_record_stat(&h, "rx_words", SPAN_LIT("")) < 0);
	CHECK_INT(fc_record_stat(&h, "unknown", SPAN_LIT("0xfg")), 0);
	sink_init(&s);
	CHECK_INT(fc_emit(&h, "host9", &s), 0);
	CHECK_INT(s.nseries, 2); /* info and tx_frames; rx_frames is "not implemented" */
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_fibrechannel_tx_frames_total", NULL, NULL, &v) == 0 &&
	      v == 255);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_fibrechannel_info", "fabric_name", "10000000c9", &v) ==
	      0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_fibrechannel_info", "speed", "0x1", &v) == 0);
	sink_fini(&s);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(class_links);
	RUN(missing_class);
	RUN(odd_hosts);
	RUN(record_emit);
	return T_DONE("test_fibrechannel");
}

/*
 * test_infiniband: the infiniband collector on the shared fixture, through real class
 * links, with its device filters, and on devices and ports with missing, garbled and
 * odd files; its state, rate and port-number parsers on their own.
 */
#include "collectors/infiniband.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.infiniband", NULL };

#define MLX1 "{device=\"mlx4_0\",port=\"1\"}"
#define MLX2 "{device=\"mlx4_0\",port=\"2\"}"
#define I40 "{device=\"i40iw0\",port=\"1\"}"

/* Values of e2e-output.txt: data counters are 4-byte words, i40iw0's counters all
 * read "N/A (no PMA)" and are left out. */
static void check_fixture(const char *text)
{
	CHECK_DBL(series_value(text, "node_infiniband_info{board_id=\"SM_1141000001000\","
				     "device=\"mlx4_0\",firmware_version=\"2.31.5050\","
				     "hca_type=\"MT4099\"}"),
		  1);
	CHECK_DBL(series_value(text, "node_infiniband_info{board_id=\"I40IW Board ID\","
				     "device=\"i40iw0\",firmware_version=\"0.2\",hca_type=\"I40IW\"}"),
		  1);
	CHECK_DBL(series_value(text, "node_infiniband_rate_bytes_per_second" I40), 1.25e9);
	CHECK_DBL(series_value(text, "node_infiniband_rate_bytes_per_second" MLX2), 5e9);
	CHECK_DBL(series_value(text, "node_infiniband_state_id" MLX1), 4);
	CHECK_DBL(series_value(text, "node_infiniband_physical_state_id" I40), 5);
	CHECK_DBL(series_value(text, "node_infiniband_port_data_received_bytes_total" MLX1), 18527668);
	CHECK_DBL(series_value(text, "node_infiniband_port_data_transmitted_bytes_total" MLX2), 0);
	CHECK_DBL(series_value(text, "node_infiniband_legacy_data_transmitted_bytes_total" MLX2),
		  14933760);
	CHECK_DBL(series_value(text, "node_infiniband_port_packets_received_total" MLX1), 6825908347.0);
	CHECK_DBL(series_value(text, "node_infiniband_port_transmit_wait_total" MLX1), 4294967295.0);
	CHECK_DBL(series_value(text, "node_infiniband_port_discards_transmitted_total" MLX1), 5);
	CHECK_DBL(series_value(text, "node_infiniband_legacy_unicast_packets_received_total" MLX2),
		  61148);
	CHECK(!has_line(text, "node_infiniband_port_constraint_errors_received_total" MLX2));
	CHECK(!has_line(text, "node_infiniband_symbol_error_total" I40));
	CHECK(!has_line(text, "node_infiniband_vl15_dropped_total"));
	CHECK_DBL(collector_success(text, "infiniband"), 1);
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
	static const char *const devs[] = { "mlx4_0", "i40iw0" };
	struct tmptree t;
	char target[PATH_MAX], link[64];
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(target, sizeof(target), "%.3000s/sys/class/infiniband/%s", fixture_root(),
			 devs[i]);
		snprintf(link, sizeof(link), "sys/class/infiniband/%s", devs[i]);
		CHECK_INT(tmptree_link(&t, link, target), 0);
	}
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	check_fixture(out.p);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void device_filters(void)
{
	const char *inc[] = { "--collector.infiniband", "--collector.infiniband.device-include=^mlx",
			      NULL };
	const char *exc[] = { "--collector.infiniband", "--collector.infiniband.device-exclude=mlx",
			      NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(inc, &out), 0);
	CHECK(has_line(out.p, "node_infiniband_state_id" MLX1));
	CHECK(!has_line(out.p, "node_infiniband_state_id" I40));
	CHECK(!has_line(out.p, "node_infiniband_info{board_id=\"I40IW"));
	CHECK_INT(harness_run_fixture(exc, &out), 0);
	CHECK(!has_line(out.p, "node_infiniband_state_id" MLX1));
	CHECK(has_line(out.p, "node_infiniband_state_id" I40));
	CHECK_DBL(collector_success(out.p, "infiniband"), 1);
	buf_fini(&out);
}

static void missing_class(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("infiniband", &out), 0);
	CHECK_DBL(collector_success(out.p, "infiniband"), 0);
	CHECK(!has_line(out.p, "node_infiniband_"));
	buf_fini(&out);
}

#define P0 "sys/class/infiniband/mlx5_0/ports/1/"
#define M5 "{device=\"mlx5_0\",port=\"1\"}"

/* Run the tree and check the collector failed with nothing half-reported. */
static void check_fails(struct tmptree *t, struct buf *out)
{
	CHECK_INT(tmptree_run(t, flags, out), 0);
	CHECK_DBL(collector_success(out->p, "infiniband"), 0);
	CHECK(!has_line(out->p, "node_infiniband_"));
}

/* hw_counters (lifespan as whole seconds), counters_ext ignored without counters,
 * board_id and hca_type optional, data counters wrapping at 2^64; then each required
 * file missing or garbled fails. */
static void odd_ports(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/class/infiniband/mlx5_0/fw_ver", "16.35\n");
	tmptree_put(&t, P0 "state", "4: ACTIVE\n");
	tmptree_put(&t, P0 "phys_state", "5: LinkUp\n");
	tmptree_put(&t, P0 "rate", "2.5 \n");
	tmptree_put(&t, P0 "hw_counters/lifespan", "12999\n");
	tmptree_put(&t, P0 "hw_counters/out_of_buffer", "0x10\n");
	tmptree_put(&t, P0 "hw_counters/vendor_thing", "garbage\n");
	tmptree_put(&t, P0 "counters_ext/port_rcv_data_64", "7\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_infiniband_info{board_id=\"\",device=\"mlx5_0\","
				      "firmware_version=\"16.35\",hca_type=\"\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_infiniband_lifespan_seconds" M5), 12);
	CHECK(has_line(out.p, "# TYPE node_infiniband_lifespan_seconds gauge"));
	CHECK_DBL(series_value(out.p, "node_infiniband_out_of_buffer_drops_total" M5), 16);
	CHECK_DBL(series_value(out.p, "node_infiniband_rate_bytes_per_second" M5), 312500000);
	CHECK(!has_line(out.p, "node_infiniband_legacy_data_received_bytes_total"));
	CHECK_DBL(collector_success(out.p, "infiniband"), 1);

	tmptree_put(&t, P0 "counters/port_rcv_data", "4611686018427387904"); /* 2^62 * 4 = 2^64 */
	tmptree_put(&t, P0 "counters/symbol_error", "N/A (no PMA)");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_infiniband_port_data_received_bytes_total" M5), 0);
	CHECK_DBL(series_value(out.p, "node_infiniband_legacy_data_received_bytes_total" M5), 28);
	CHECK(!has_line(out.p, "node_infiniband_symbol_error_total"));

	tmptree_put(&t, P0 "counters/symbol_error", "many");
	check_fails(&t, &out);
	tmptree_put(&t, P0 "counters/symbol_error", "3");
	tmptree_put(&t, P0 "rate", "2.5");
	check_fails(&t, &out); /* no space after the number */
	tmptree_put(&t, P0 "rate", "1e39 Gb/sec"); /* beyond a 32-bit float */
	check_fails(&t, &out);
	tmptree_put(&t, P0 "rate", "2.5 Gb/sec");
	tmptree_put(&t, P0 "state", "ACTIVE");
	check_fails(&t, &out);
	tmptree_put(&t, P0 "state", "4: ACTIVE: really");
	check_fails(&t, &out);
	tmptree_put(&t, P0 "state", "4: ACTIVE");
	tmptree_mkdir(&t, "sys/class/infiniband/mlx5_0/ports/x");
	check_fails(&t, &out);
	tmptree_del(&t, "sys/class/infiniband/mlx5_0/ports/x");
	tmptree_del(&t, P0 "phys_state");
	check_fails(&t, &out); /* missing: no data */
	tmptree_put(&t, P0 "phys_state", "5: LinkUp");
	tmptree_del(&t, "sys/class/infiniband/mlx5_0/fw_ver");
	check_fails(&t, &out);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void parsers(void)
{
	uint32_t id;
	uint64_t bps;
	CHECK(ib_parse_state(SPAN_LIT("4: ACTIVE\n"), &id) == 0 && id == 4);
	CHECK(ib_parse_state(SPAN_LIT(" 1 :DOWN"), &id) == 0 && id == 1);
	CHECK(ib_parse_state(SPAN_LIT("4294967296: X"), &id) < 0);
	CHECK(ib_parse_state(SPAN_LIT(": X"), &id) < 0);
	CHECK(ib_parse_state(SPAN_LIT("-1: X"), &id) < 0);
	CHECK(ib_parse_state(SPAN_LIT(""), &id) < 0);
	CHECK(ib_parse_rate(SPAN_LIT("100 Gb/sec (4X EDR)\n"), &bps) == 0 && bps == 12500000000ull);
	CHECK(ib_parse_rate(SPAN_LIT("53.125 Gb/sec (1X HDR)"), &bps) == 0 && bps == 6640625000ull);
	CHECK(ib_parse_rate(SPAN_LIT("0.1 Gb/sec"), &bps) == 0 && bps == 12500000); /* float32 0.1 */
	CHECK(ib_parse_rate(SPAN_LIT(" 10 Gb/sec"), &bps) < 0);
	CHECK(ib_parse_rate(SPAN_LIT("-1 Gb/sec"), &bps) < 0);
	CHECK(ib_parse_rate(SPAN_LIT("x Gb/sec"), &bps) < 0);
	uint32_t port;
	CHECK(ib_port_number("1", &port) && port == 1);
	CHECK(ib_port_number("007", &port) && port == 7);
	CHECK(!ib_port_number("", &port));
	CHECK(!ib_port_number("+1", &port));
	CHECK(!ib_port_number("4294967296", &port));
	struct ib_port p;
	ib_port_reset(&p);
	CHECK_INT(ib_record(&p, IB_COUNTERS, "port_xmit_data", SPAN_LIT("0x10")), 0);
	CHECK_INT(ib_record(&p, IB_HW_COUNTERS, "port_xmit_data", SPAN_LIT("junk")), 0); /* not there */
	CHECK(ib_record(&p, IB_COUNTERS, "link_downed", SPAN_LIT("junk")) < 0);
	struct metric_sink s;
	double v;
	sink_init(&s);
	CHECK_INT(ib_emit_port(&p, "hfi1_0", 4000000000u, &s), 0);
	CHECK_INT(s.nseries, 4);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_infiniband_port_data_transmitted_bytes_total", "port",
			  "4000000000", &v) == 0 &&
	      v == 64);
	sink_fini(&s);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(class_links);
	RUN(device_filters);
	RUN(missing_class);
	RUN(odd_ports);
	RUN(parsers);
	return T_DONE("test_infiniband");
}

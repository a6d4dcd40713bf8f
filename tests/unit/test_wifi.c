/*
 * test_wifi: the wifi collector on node_exporter's fixtures (switched on by the fixtures
 * flag alone), hostile fixtures, hand-built nl80211 interface, scan and station messages
 * (malformed ones included), and a host without nl80211.
 */
#include <linux/nl80211.h>

#include "collectors/wifi.h"
#include "harness.h"
#include "lib/netlink.h"
#include "nlattr_build.h"
#include "t.h"
#include "tmptree.h"

static char fixture_flag[PATH_MAX + 64];

static const char *fixtures(void)
{
	snprintf(fixture_flag, sizeof(fixture_flag), "--collector.wifi.fixtures=%.4000s/wifi",
		 fixture_root());
	return fixture_flag;
}

#define ST(name, mac) "node_wifi_station_" name "{device=\"wlan0\",mac_address=\"" mac "\"}"
#define A "aa:bb:cc:dd:ee:ff"
#define B "01:02:03:04:05:06"

/* node_exporter's e2e output for its fixtures, with the collector named by no flag. */
static void fixture_values(void)
{
	const char *flags[] = { fixtures(), NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "wifi"), 1);
	CHECK_DBL(series_value(out.p, "node_wifi_interface_frequency_hertz{device=\"wlan0\"}"),
		  2.412e9);
	CHECK_DBL(series_value(out.p, "node_wifi_interface_frequency_hertz{device=\"wlan1\"}"),
		  2.412e9);
	CHECK_DBL(series_value(out.p, "node_wifi_station_info{bssid=\"00:11:22:33:44:55\","
				      "device=\"wlan0\",mode=\"client\",ssid=\"Example\"}"),
		  1);
	CHECK_DBL(series_value(out.p, ST("connected_seconds_total", A)), 30);
	CHECK_DBL(series_value(out.p, ST("connected_seconds_total", B)), 60);
	CHECK_DBL(series_value(out.p, ST("inactive_seconds", A)), 0.4);
	CHECK_DBL(series_value(out.p, ST("inactive_seconds", B)), 0.8);
	CHECK_DBL(series_value(out.p, ST("receive_bits_per_second", A)), 1.28e8);
	CHECK_DBL(series_value(out.p, ST("transmit_bits_per_second", B)), 3.28e8);
	CHECK_DBL(series_value(out.p, ST("signal_dbm", A)), -52);
	CHECK_DBL(series_value(out.p, ST("signal_dbm", B)), -26);
	CHECK_DBL(series_value(out.p, ST("transmit_retries_total", A)), 10);
	CHECK_DBL(series_value(out.p, ST("transmit_failed_total", B)), 4);
	CHECK_DBL(series_value(out.p, ST("beacon_loss_total", B)), 2);
	CHECK_DBL(series_value(out.p, ST("receive_bytes_total", A)), 0);
	CHECK_DBL(series_value(out.p, ST("received_packets_total", A)), 0);
	CHECK_DBL(series_value(out.p, ST("transmitted_packets_total", B)), 0);
	CHECK(!has_line(out.p, "node_wifi_station_info{bssid=\"\",device=\"wlan1\""));
	CHECK(strstr(out.p, "# TYPE node_wifi_station_connected_seconds_total counter\n"));
	CHECK(strstr(out.p, "# TYPE node_wifi_station_signal_dbm gauge\n"));
	const char *off[] = { fixtures(), "--no-collector.wifi", NULL };
	CHECK_INT(harness_run_fixture(off, &out), 0);
	CHECK(isnan(collector_success(out.p, "wifi")));
	buf_fini(&out);
}

/* Run the collector on a fixture folder w/ under t; returns its success. */
static double run_dir(struct tmptree *t, struct buf *out)
{
	char flag[PATH_MAX + 64];
	snprintf(flag, sizeof(flag), "--collector.wifi.fixtures=%s/w", t->root);
	const char *flags[] = { flag, NULL };
	CHECK_INT(tmptree_run(t, flags, out), 0);
	return collector_success(out->p, "wifi");
}

static void hostile_fixtures(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_DBL(run_dir(&t, &out), 0); /* no interfaces.json */
	tmptree_put(&t, "w/interfaces.json", "null");
	CHECK_DBL(run_dir(&t, &out), 1);
	CHECK(!has_line(out.p, "node_wifi_"));
	/* names that are no file names have no BSS or station files; nameless are skipped */
	tmptree_put(&t, "w/interfaces.json",
		    "[{\"Name\":\"../w\",\"Frequency\":5180},{\"name\":\"\"},{\"Type\":10},"
		    "{\"name\":\"x\",\"HardwareAddr\":\"AQID\",\"Frequency\":-1}]");
	tmptree_put(&t, "w/bss.json", "{\"ssid\":\"nope\",\"status\":0}");
	CHECK_DBL(run_dir(&t, &out), 1);
	CHECK_DBL(series_value(out.p, "node_wifi_interface_frequency_hertz{device=\"../w\"}"),
		  5.18e9);
	CHECK_DBL(series_value(out.p, "node_wifi_interface_frequency_hertz{device=\"x\"}"), -1e6);
	CHECK(!has_line(out.p, "node_wifi_station_info"));
	/* an ad-hoc BSS, an unknown status, no BSSID */
	tmptree_put(&t, "w/x/bss.json", "{\"SSID\":\"caf\\u00e9\",\"Status\":2}");
	tmptree_put(&t, "w/x/stationinfo.json", "[{\"Signal\":-90,\"Connected\":1500000000}]");
	CHECK_DBL(run_dir(&t, &out), 1);
	CHECK_DBL(series_value(out.p, "node_wifi_station_info{bssid=\"\",device=\"x\","
				      "mode=\"ad-hoc\",ssid=\"caf\xc3\xa9\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_wifi_station_signal_dbm{device=\"x\",mac_address=\"\"}"),
		  -90);
	CHECK_DBL(series_value(out.p, "node_wifi_station_connected_seconds_total{device=\"x\","
				      "mac_address=\"\"}"),
		  1.5);
	tmptree_put(&t, "w/x/bss.json", "{\"Status\":7,\"BSSID\":\"AAECAwQF\\r\\n\"}");
	CHECK_DBL(run_dir(&t, &out), 1);
	CHECK(has_line(out.p, "node_wifi_station_info{bssid=\"00:01:02:03:04:05\",device=\"x\","
			      "mode=\"unknown\""));
	static const char *const bad_bss[] = {
		"", "[]", "{\"BSSID\":\"AQI\"}", "{\"BSSID\":\"A===\"}", "{\"BSSID\":\"AQ==AQ==\"}",
		"{\"BSSID\":7}", "{\"Status\":\"1\"}", "{\"SSID\":1}", "{\"Status\":1} {}",
		"{\"BSSID\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"Status\":9223372036854775808}",
	};
	for (size_t i = 0; i < sizeof(bad_bss) / sizeof(*bad_bss); i++) {
		tmptree_put(&t, "w/x/bss.json", bad_bss[i]);
		double ok = run_dir(&t, &out);
		if (ok != 0)
			fprintf(stderr, "accepted bss: %s\n", bad_bss[i]);
		CHECK_DBL(ok, 0);
		CHECK(!has_line(out.p, "node_wifi_"));
	}
	tmptree_put(&t, "w/x/bss.json", "{}");
	static const char *const bad_stations[] = { "{}", "[null]", "[{\"Signal\":1.5}]",
						    "[{\"HardwareAddr\":\"!!!!\"}]", "[" };
	for (size_t i = 0; i < sizeof(bad_stations) / sizeof(*bad_stations); i++) {
		tmptree_put(&t, "w/x/stationinfo.json", bad_stations[i]);
		CHECK_DBL(run_dir(&t, &out), 0);
	}
	tmptree_put(&t, "w/interfaces.json", "[null]");
	CHECK_DBL(run_dir(&t, &out), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void iface_messages(void)
{
	struct nlb m = { .len = 0 };
	struct wifi_iface ifi;
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	nlb_u32(&m, NL80211_ATTR_IFINDEX, 4);
	nlb_str(&m, NL80211_ATTR_IFNAME, "wlp3s0");
	nlb_attr(&m, NL80211_ATTR_MAC, mac, 6);
	nlb_u32(&m, NL80211_ATTR_WIPHY, 1);
	nlb_u32(&m, NL80211_ATTR_IFTYPE, NL80211_IFTYPE_STATION);
	nlb_u64(&m, NL80211_ATTR_WDEV, 0x100000001ull);
	nlb_u32(&m, NL80211_ATTR_WIPHY_FREQ, 5745);
	CHECK_INT(wifi_parse_iface(m.b, m.len, &ifi), 0);
	CHECK_INT(ifi.index, 4);
	CHECK_STR(ifi.name, "wlp3s0");
	CHECK_INT((int)ifi.addr.len, 6);
	CHECK_INT(ifi.type, 2);
	CHECK(ifi.device == 0x100000001LL);
	CHECK_INT(ifi.frequency, 5745);
	char text[3 * WIFI_ADDR_MAX + 1];
	wifi_addr_text(&ifi.addr, text, sizeof(text));
	CHECK_STR(text, "02:00:00:00:00:01");
	CHECK_INT(wifi_parse_iface(m.b, m.len - 1, &ifi), -EINVAL);
	m.len = 0;
	nlb_attr(&m, NL80211_ATTR_WIPHY_FREQ, "\1\2", 2); /* a u32 of two bytes */
	CHECK_INT(wifi_parse_iface(m.b, m.len, &ifi), -EINVAL);
	m.len = 0;
	nlb_u32(&m, NL80211_ATTR_WDEV, 1);
	CHECK_INT(wifi_parse_iface(m.b, m.len, &ifi), -EINVAL);
	m.len = 0;
	uint8_t long_mac[40] = { 0 };
	nlb_attr(&m, NL80211_ATTR_MAC, long_mac, sizeof(long_mac));
	CHECK_INT(wifi_parse_iface(m.b, m.len, &ifi), -EINVAL);
}

/* A scan message with one BSS: status or not, and its information elements. */
static void bss_msg(struct nlb *m, bool status, const void *ies, size_t ies_len)
{
	static const uint8_t bssid[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	m->len = 0;
	nlb_u32(m, NL80211_ATTR_IFINDEX, 4);
	size_t at = nlb_nest(m, NL80211_ATTR_BSS);
	nlb_attr(m, NL80211_BSS_BSSID, bssid, 6);
	nlb_u32(m, NL80211_BSS_FREQUENCY, 2437);
	uint16_t bi = 100;
	nlb_attr(m, NL80211_BSS_BEACON_INTERVAL, &bi, 2);
	nlb_u32(m, NL80211_BSS_SEEN_MS_AGO, 20);
	nlb_attr(m, NL80211_BSS_INFORMATION_ELEMENTS, ies, ies_len);
	if (status)
		nlb_u32(m, NL80211_BSS_STATUS, NL80211_BSS_STATUS_ASSOCIATED);
	nlb_end(m, at);
}

static void bss_messages(void)
{
	struct nlb m;
	struct wifi_bss bss;
	/* SSID "ho\xffme" (one byte not UTF-8), then a rates element */
	static const uint8_t ies[] = { 0, 5, 'h', 'o', 0xff, 'm', 'e', 1, 2, 0x82, 0x84 };
	bss_msg(&m, true, ies, sizeof(ies));
	CHECK_INT(wifi_parse_bss(m.b, m.len, &bss), 1);
	CHECK_STR(bss.ssid, "ho\xef\xbf\xbdme");
	CHECK_INT(bss.status, 1);
	CHECK_INT(bss.frequency, 2437);
	CHECK(bss.beacon_interval_ns == 102400000);
	CHECK(bss.last_seen_ns == 20000000);
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(wifi_emit_bss("wlan0", &bss, &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK(has_line(out.p, "node_wifi_station_info{bssid=\"00:11:22:33:44:55\",device=\"wlan0\","
			      "mode=\"client\",ssid=\"ho\xef\xbf\xbdme\"} 1"));
	sink_fini(&s);
	buf_fini(&out);
	/* a BSS seen in the scan but not in use */
	bss_msg(&m, false, ies, sizeof(ies));
	CHECK_INT(wifi_parse_bss(m.b, m.len, &bss), 0);
	/* an element that runs past the end, and one cut after its id */
	static const uint8_t over[] = { 0, 9, 'a' };
	bss_msg(&m, true, over, sizeof(over));
	CHECK_INT(wifi_parse_bss(m.b, m.len, &bss), -EINVAL);
	static const uint8_t cut[] = { 0, 1, 'a', 7 };
	bss_msg(&m, true, cut, sizeof(cut));
	CHECK_INT(wifi_parse_bss(m.b, m.len, &bss), -EINVAL);
	CHECK_INT(wifi_parse_bss(m.b, 6, &bss), -EINVAL); /* the first attribute cut */
}

static void station_messages(void)
{
	struct nlb m = { .len = 0 };
	struct wifi_station st;
	static const uint8_t mac[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	nlb_u32(&m, NL80211_ATTR_IFINDEX, 4);
	nlb_attr(&m, NL80211_ATTR_MAC, mac, 6);
	size_t info = nlb_nest(&m, NL80211_ATTR_STA_INFO);
	nlb_u32(&m, NL80211_STA_INFO_INACTIVE_TIME, 400);
	nlb_u32(&m, NL80211_STA_INFO_RX_BYTES, 1000);
	nlb_u32(&m, NL80211_STA_INFO_TX_BYTES, 2000);
	int8_t sig = -52;
	nlb_attr(&m, NL80211_STA_INFO_SIGNAL, &sig, 1);
	size_t tx = nlb_nest(&m, NL80211_STA_INFO_TX_BITRATE);
	uint16_t r16 = 650;
	nlb_attr(&m, NL80211_RATE_INFO_BITRATE, &r16, 2);
	nlb_u32(&m, NL80211_RATE_INFO_BITRATE32, 1640);
	nlb_end(&m, tx);
	size_t rx = nlb_nest(&m, NL80211_STA_INFO_RX_BITRATE);
	nlb_attr(&m, NL80211_RATE_INFO_BITRATE, &r16, 2);
	nlb_end(&m, rx);
	nlb_u32(&m, NL80211_STA_INFO_RX_PACKETS, 11);
	nlb_u32(&m, NL80211_STA_INFO_TX_PACKETS, 12);
	nlb_u32(&m, NL80211_STA_INFO_TX_RETRIES, 10);
	nlb_u32(&m, NL80211_STA_INFO_TX_FAILED, 2);
	nlb_u32(&m, NL80211_STA_INFO_CONNECTED_TIME, 30);
	nlb_u32(&m, NL80211_STA_INFO_BEACON_LOSS, 1);
	nlb_u64(&m, NL80211_STA_INFO_RX_BYTES64, 5000000000ull);
	nlb_end(&m, info);
	CHECK_INT(wifi_parse_station(m.b, m.len, &st), 1);
	CHECK(st.inactive_ns == 400000000);
	CHECK(st.connected_ns == 30000000000LL);
	CHECK(st.rx_bytes == 5000000000LL); /* the 64-bit counter, after the 32-bit one */
	CHECK_INT(st.tx_bytes, 2000);
	CHECK_INT(st.signal, -52);
	CHECK(st.tx_bitrate == 164000000);
	CHECK(st.rx_bitrate == 65000000);
	CHECK_INT(st.rx_packets, 11);
	CHECK_INT(st.tx_packets, 12);
	CHECK_INT(st.tx_retries, 10);
	CHECK_INT(st.tx_failed, 2);
	CHECK_INT(st.beacon_loss, 1);
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(wifi_emit_station("wlan0", &st, &s), 0);
	CHECK_INT((int)s.nseries, 12);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, ST("receive_bytes_total", A)), 5e9);
	CHECK_DBL(series_value(out.p, ST("inactive_seconds", A)), 0.4);
	sink_fini(&s);
	buf_fini(&out);
	CHECK_INT(wifi_parse_station(m.b, m.len - 4, &st), -EINVAL);
	/* no station information: none */
	m.len = 0;
	nlb_attr(&m, NL80211_ATTR_MAC, mac, 6);
	CHECK_INT(wifi_parse_station(m.b, m.len, &st), 0);
	/* an empty signal, a rate of the wrong size */
	info = nlb_nest(&m, NL80211_ATTR_STA_INFO);
	nlb_attr(&m, NL80211_STA_INFO_SIGNAL, NULL, 0);
	nlb_end(&m, info);
	CHECK_INT(wifi_parse_station(m.b, m.len, &st), -EINVAL);
	m.len = 0;
	info = nlb_nest(&m, NL80211_ATTR_STA_INFO);
	rx = nlb_nest(&m, NL80211_STA_INFO_RX_BITRATE);
	nlb_u32(&m, NL80211_RATE_INFO_BITRATE, 1);
	nlb_end(&m, rx);
	nlb_end(&m, info);
	CHECK_INT(wifi_parse_station(m.b, m.len, &st), -EINVAL);
}

/* Whether this kernel has nl80211 (cfg80211 loaded). */
static bool have_nl80211(void)
{
	static unsigned char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	uint16_t id;
	return nl_genl_family(NL80211_GENL_NAME, buf, sizeof(buf), &id) == 0;
}

/* Without nl80211: no series and success 0, as node_exporter reports "no data". */
static void live_host(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.wifi", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	if (have_nl80211()) {
		fprintf(stderr, "test_wifi: this kernel has nl80211; checked success only\n");
		CHECK_DBL(collector_success(out.p, "wifi"), 1);
	} else {
		CHECK_DBL(collector_success(out.p, "wifi"), 0);
		CHECK(!has_line(out.p, "node_wifi_"));
	}
	buf_fini(&out);
}

int main(void)
{
	RUN(fixture_values);
	RUN(hostile_fixtures);
	RUN(iface_messages);
	RUN(bss_messages);
	RUN(station_messages);
	RUN(live_host);
	return T_DONE("test_wifi");
}

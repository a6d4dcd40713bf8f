/*
 * wifi: wireless interfaces, the access point each is associated with, and its stations,
 * from nl80211 over generic netlink, as node_exporter's wifi collector reports them (off
 * by default).
 *
 * Each collection finds the nl80211 family (a kernel without it, or without cfg80211
 * loaded, has nothing to report: -ENODEV, success 0, as node_exporter's "no data"),
 * dumps the interfaces (NL80211_CMD_GET_INTERFACE), and for each named one reports its
 * frequency, then dumps its scan results (NL80211_CMD_GET_SCAN: the BSS with a status
 * is the one in use, node_wifi_station_info) and its stations (NL80211_CMD_GET_STATION:
 * node_wifi_station_*), with mdlayher/wifi's reading of the attributes. An interface
 * with no BSS or no stations has none of those series; any other error fails the
 * collection. --collector.wifi.fixtures=DIR reads node_exporter's test fixtures instead
 * (DIR/interfaces.json, DIR/<iface>/bss.json, DIR/<iface>/stationinfo.json; a missing
 * file there is "none"); giving it switches the collector on (collector_ops.enabled_by).
 * Steady state: the interface table and a station table live in priv and grow only with
 * their counts, dumps and fixtures go into fixed buffers there: no allocation once warm.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nl80211.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collectors/wifi.h"
#include "core/collector.h"
#include "lib/buf.h"
#include "lib/jscan.h"
#include "lib/log.h"
#include "lib/netlink.h"
#include "lib/procfile.h"

#define WIFI_MAX_IFACES 4096
#define WIFI_MAX_STATIONS (1u << 16)
#define WIFI_FIXTURE_MAX (256u << 10)

static const struct metric_desc desc_freq = {
	"node_wifi_interface_frequency_hertz", "Frequency the wireless interface works on, in hertz.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_info = {
	"node_wifi_station_info",
	"The access point (BSS) a wireless interface uses: its BSSID, SSID and the mode; always 1.",
	METRIC_GAUGE,
};
enum {
	S_CONNECTED, S_INACTIVE, S_RX_RATE, S_TX_RATE, S_RX_BYTES, S_TX_BYTES, S_RX_PACKETS,
	S_TX_PACKETS, S_SIGNAL, S_TX_RETRIES, S_TX_FAILED, S_BEACON_LOSS, S_N
};
static const struct metric_desc station_descs[S_N] = {
	{ "node_wifi_station_connected_seconds_total", "Seconds the station has been connected.",
	  METRIC_COUNTER },
	{ "node_wifi_station_inactive_seconds", "Seconds since the station was last active.",
	  METRIC_GAUGE },
	{ "node_wifi_station_receive_bits_per_second",
	  "The station's last receive bitrate, in bits per second.", METRIC_GAUGE },
	{ "node_wifi_station_transmit_bits_per_second",
	  "The station's last transmit bitrate, in bits per second.", METRIC_GAUGE },
	{ "node_wifi_station_receive_bytes_total", "Bytes received from the station.",
	  METRIC_COUNTER },
	{ "node_wifi_station_transmit_bytes_total", "Bytes sent to the station.", METRIC_COUNTER },
	{ "node_wifi_station_received_packets_total", "Packets received from the station.",
	  METRIC_COUNTER },
	{ "node_wifi_station_transmitted_packets_total", "Packets sent to the station.",
	  METRIC_COUNTER },
	{ "node_wifi_station_signal_dbm", "The station's signal strength, in dBm.", METRIC_GAUGE },
	{ "node_wifi_station_transmit_retries_total", "Retries of transmissions to the station.",
	  METRIC_COUNTER },
	{ "node_wifi_station_transmit_failed_total", "Transmissions to the station that failed.",
	  METRIC_COUNTER },
	{ "node_wifi_station_beacon_loss_total", "Times the station's beacons were lost.",
	  METRIC_COUNTER },
};

static const struct flag_def wifi_flags[] = {
	{ "collector.wifi.fixtures", FLAG_STRING, "",
	  "Read node_exporter's test fixtures in DIR instead of nl80211 (for end-to-end "
	  "tests); giving it enables the collector.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* ---- nl80211 ------------------------------------------------------------------- */

static int addr_from(const struct nl_attr *a, struct wifi_addr *addr)
{
	if (a->len > WIFI_ADDR_MAX)
		return -EINVAL;
	memcpy(addr->b, a->data, a->len);
	addr->len = a->len;
	addr->present = true;
	return 0;
}

int wifi_parse_iface(const unsigned char *p, size_t len, struct wifi_iface *ifi)
{
	struct nl_attr_iter it = nl_attrs(p, len);
	struct nl_attr a;
	uint32_t v;
	int r;
	memset(ifi, 0, sizeof(*ifi));
	while ((r = nl_attr_next(&it, &a)) > 0) {
		switch (a.type) {
		case NL80211_ATTR_IFINDEX:
		case NL80211_ATTR_WIPHY:
		case NL80211_ATTR_IFTYPE:
		case NL80211_ATTR_WIPHY_FREQ:
			if ((r = nl_attr_u32(&a, &v)) < 0)
				return r;
			if (a.type == NL80211_ATTR_IFINDEX)
				ifi->index = (int64_t)v;
			else if (a.type == NL80211_ATTR_WIPHY)
				ifi->phy = (int64_t)v;
			else if (a.type == NL80211_ATTR_IFTYPE)
				ifi->type = (int64_t)v;
			else
				ifi->frequency = (int64_t)v;
			break;
		case NL80211_ATTR_IFNAME:
			jscan_utf8_copy(nl_attr_str(&a), ifi->name, sizeof(ifi->name));
			break;
		case NL80211_ATTR_MAC:
			if ((r = addr_from(&a, &ifi->addr)) < 0)
				return r;
			break;
		case NL80211_ATTR_WDEV:
			if (a.len != 8)
				return -EINVAL;
			uint64_t w;
			memcpy(&w, a.data, 8);
			ifi->device = (int64_t)w;
			break;
		default:
			break;
		}
	}
	return r;
}

/* The SSID from a BSS's information elements (the last SSID element wins). */
static int parse_ies(const struct nl_attr *a, struct wifi_bss *bss)
{
	size_t i = 0;
	while (i < a->len) {
		if (a->len - i < 2 || a->len - i - 2 < a->data[i + 1])
			return -EINVAL;
		uint8_t id = a->data[i], n = a->data[i + 1];
		if (id == 0) /* the SSID */
			jscan_utf8_copy((struct span){ (const char *)a->data + i + 2, n }, bss->ssid,
				       sizeof(bss->ssid));
		i += 2u + n;
	}
	return 0;
}

int wifi_parse_bss(const unsigned char *p, size_t len, struct wifi_bss *bss)
{
	struct nl_attr_iter it = nl_attrs(p, len), in;
	struct nl_attr a, n;
	int r;
	while ((r = nl_attr_next(&it, &a)) > 0) {
		if (a.type != NL80211_ATTR_BSS)
			continue;
		bool has_status = false;
		in = nl_attrs(a.data, a.len);
		while ((r = nl_attr_next(&in, &n)) > 0)
			has_status |= n.type == NL80211_BSS_STATUS;
		if (r < 0)
			return r;
		if (!has_status)
			continue;
		memset(bss, 0, sizeof(*bss));
		in = nl_attrs(a.data, a.len);
		while ((r = nl_attr_next(&in, &n)) > 0) {
			uint32_t v;
			uint16_t v16;
			switch (n.type) {
			case NL80211_BSS_BSSID:
				r = addr_from(&n, &bss->bssid);
				break;
			case NL80211_BSS_FREQUENCY:
				if ((r = nl_attr_u32(&n, &v)) == 0)
					bss->frequency = v;
				break;
			case NL80211_BSS_BEACON_INTERVAL:
				if ((r = nl_attr_u16(&n, &v16)) == 0)
					bss->beacon_interval_ns = (int64_t)v16 * 1024 * 1000;
				break;
			case NL80211_BSS_SEEN_MS_AGO:
				if ((r = nl_attr_u32(&n, &v)) == 0)
					bss->last_seen_ns = (int64_t)v * 1000000;
				break;
			case NL80211_BSS_STATUS:
				if ((r = nl_attr_u32(&n, &v)) == 0)
					bss->status = v;
				break;
			case NL80211_BSS_INFORMATION_ELEMENTS:
				r = parse_ies(&n, bss);
				break;
			default:
				break;
			}
			if (r < 0)
				return r;
		}
		return r < 0 ? r : 1;
	}
	return r;
}

/* A nested rate (struct rate_info attributes) in bits per second, as mdlayher/wifi
 * reads it: the 32-bit rate, else the 16-bit one, in units of 100 kbit/s. */
static int parse_rate(const struct nl_attr *a, int64_t *bps)
{
	struct nl_attr_iter it = nl_attrs(a->data, a->len);
	struct nl_attr n;
	int64_t rate = 0;
	int r;
	while ((r = nl_attr_next(&it, &n)) > 0) {
		uint32_t v;
		uint16_t v16;
		if (n.type == NL80211_RATE_INFO_BITRATE32) {
			if ((r = nl_attr_u32(&n, &v)) < 0)
				return r;
			rate = v;
		}
		if (rate == 0 && n.type == NL80211_RATE_INFO_BITRATE) {
			if ((r = nl_attr_u16(&n, &v16)) < 0)
				return r;
			rate = v16;
		}
	}
	*bps = rate * 100 * 1000;
	return r;
}

/* The attributes of NL80211_ATTR_STA_INFO into st, in mdlayher/wifi's order of
 * precedence: the 64-bit byte counters, else the 32-bit ones. */
static int parse_sta_info(const struct nl_attr *a, struct wifi_station *st)
{
	struct nl_attr_iter it = nl_attrs(a->data, a->len);
	struct nl_attr n;
	int r;
	while ((r = nl_attr_next(&it, &n)) > 0) {
		uint32_t v = 0;
		uint64_t v64;
		int64_t *u32_into = NULL;
		switch (n.type) {
		case NL80211_STA_INFO_CONNECTED_TIME:
			if ((r = nl_attr_u32(&n, &v)) == 0)
				st->connected_ns = (int64_t)v * 1000000000;
			break;
		case NL80211_STA_INFO_INACTIVE_TIME:
			if ((r = nl_attr_u32(&n, &v)) == 0)
				st->inactive_ns = (int64_t)v * 1000000;
			break;
		case NL80211_STA_INFO_RX_BYTES64:
		case NL80211_STA_INFO_TX_BYTES64:
			if (n.len != 8)
				return -EINVAL;
			memcpy(&v64, n.data, 8);
			*(n.type == NL80211_STA_INFO_RX_BYTES64 ? &st->rx_bytes : &st->tx_bytes) =
				(int64_t)v64;
			break;
		case NL80211_STA_INFO_SIGNAL:
			if (n.len < 1)
				return -EINVAL;
			st->signal = n.data[0] < 128 ? n.data[0] : (int64_t)n.data[0] - 256; /* s8 */
			break;
		case NL80211_STA_INFO_RX_PACKETS:
			u32_into = &st->rx_packets;
			break;
		case NL80211_STA_INFO_TX_PACKETS:
			u32_into = &st->tx_packets;
			break;
		case NL80211_STA_INFO_TX_RETRIES:
			u32_into = &st->tx_retries;
			break;
		case NL80211_STA_INFO_TX_FAILED:
			u32_into = &st->tx_failed;
			break;
		case NL80211_STA_INFO_BEACON_LOSS:
			u32_into = &st->beacon_loss;
			break;
		case NL80211_STA_INFO_RX_BITRATE:
			r = parse_rate(&n, &st->rx_bitrate);
			break;
		case NL80211_STA_INFO_TX_BITRATE:
			r = parse_rate(&n, &st->tx_bitrate);
			break;
		case NL80211_STA_INFO_RX_BYTES:
			if (st->rx_bytes == 0)
				u32_into = &st->rx_bytes;
			break;
		case NL80211_STA_INFO_TX_BYTES:
			if (st->tx_bytes == 0)
				u32_into = &st->tx_bytes;
			break;
		default:
			break;
		}
		if (r >= 0 && u32_into && (r = nl_attr_u32(&n, &v)) == 0)
			*u32_into = v;
		if (r < 0)
			return r;
	}
	return r;
}

int wifi_parse_station(const unsigned char *p, size_t len, struct wifi_station *st)
{
	struct nl_attr_iter it = nl_attrs(p, len);
	struct nl_attr a;
	int r;
	memset(st, 0, sizeof(*st));
	while ((r = nl_attr_next(&it, &a)) > 0) {
		if (a.type == NL80211_ATTR_MAC && (r = addr_from(&a, &st->addr)) < 0)
			return r;
		if (a.type == NL80211_ATTR_STA_INFO)
			return (r = parse_sta_info(&a, st)) < 0 ? r : 1;
	}
	return r;
}

/* ---- node_exporter's JSON fixtures ------------------------------------------------ */

enum jkind { J_INT, J_STR, J_ADDR };
/* A field of one of the fixture structs: its Go name, kind, and place. */
struct jfield {
	const char *name;
	enum jkind kind;
	size_t off, cap;
};
#define JF(n, k, type, field)                                                              \
	{ n, k, offsetof(type, field), sizeof(((type *)0)->field) }

static const struct jfield iface_fields[] = {
	JF("Index", J_INT, struct wifi_iface, index),
	JF("Name", J_STR, struct wifi_iface, name),
	JF("HardwareAddr", J_ADDR, struct wifi_iface, addr),
	JF("PHY", J_INT, struct wifi_iface, phy),
	JF("Device", J_INT, struct wifi_iface, device),
	JF("Type", J_INT, struct wifi_iface, type),
	JF("Frequency", J_INT, struct wifi_iface, frequency),
	{ NULL, J_INT, 0, 0 },
};
static const struct jfield bss_fields[] = {
	JF("SSID", J_STR, struct wifi_bss, ssid),
	JF("BSSID", J_ADDR, struct wifi_bss, bssid),
	JF("Frequency", J_INT, struct wifi_bss, frequency),
	JF("BeaconInterval", J_INT, struct wifi_bss, beacon_interval_ns),
	JF("LastSeen", J_INT, struct wifi_bss, last_seen_ns),
	JF("Status", J_INT, struct wifi_bss, status),
	{ NULL, J_INT, 0, 0 },
};
static const struct jfield station_fields[] = {
	JF("HardwareAddr", J_ADDR, struct wifi_station, addr),
	JF("Connected", J_INT, struct wifi_station, connected_ns),
	JF("Inactive", J_INT, struct wifi_station, inactive_ns),
	JF("ReceivedBytes", J_INT, struct wifi_station, rx_bytes),
	JF("TransmittedBytes", J_INT, struct wifi_station, tx_bytes),
	JF("ReceivedPackets", J_INT, struct wifi_station, rx_packets),
	JF("TransmittedPackets", J_INT, struct wifi_station, tx_packets),
	JF("ReceiveBitrate", J_INT, struct wifi_station, rx_bitrate),
	JF("TransmitBitrate", J_INT, struct wifi_station, tx_bitrate),
	JF("Signal", J_INT, struct wifi_station, signal),
	JF("TransmitRetries", J_INT, struct wifi_station, tx_retries),
	JF("TransmitFailed", J_INT, struct wifi_station, tx_failed),
	JF("BeaconLoss", J_INT, struct wifi_station, beacon_loss),
	{ NULL, J_INT, 0, 0 },
};

/* The value of base64 character c (standard alphabet), or -1. */
static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (ascii_digit(c))
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode s (Go's base64.StdEncoding: padded, CR and LF ignored) into addr. Returns 0
 * or -EINVAL (malformed, or longer than WIFI_ADDR_MAX). */
static int base64_addr(const char *s, size_t n, struct wifi_addr *addr)
{
	char q[4];
	size_t nq = 0, o = 0;
	bool ended = false;
	addr->len = 0;
	addr->present = true;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (ended)
			return -EINVAL; /* data after padding */
		q[nq++] = s[i];
		if (nq < 4)
			continue;
		nq = 0;
		int v[4], k = 4;
		if (q[3] == '=')
			k = q[2] == '=' ? 2 : 3;
		for (int j = 0; j < 4; j++) {
			v[j] = j < k ? b64val(q[j]) : 0;
			if (v[j] < 0 || (j >= k && q[j] != '='))
				return -EINVAL;
		}
		unsigned bits = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
				(unsigned)v[3];
		if (o + (size_t)k - 1 > WIFI_ADDR_MAX)
			return -EINVAL;
		for (int j = 0; j < k - 1; j++)
			addr->b[o++] = (uint8_t)(bits >> (16 - 8 * j));
		ended = k < 4;
	}
	addr->len = o;
	return nq ? -EINVAL : 0;
}

/* One member's value (already named by key) into the struct at base, by fields. */
static int read_field(struct jscan *s, const char *key, bool cut,
		      const struct jfield *fields, void *base)
{
	struct jscan_val v;
	char text[128];
	size_t n;
	int r = jscan_value(s, &v);
	const struct jfield *f = fields;
	while (f->name && (cut || !jscan_key_is(key, f->name)))
		f++;
	if (r < 0 || !f->name || v.type == JSCAN_NULL)
		return r < 0 ? r : jscan_skip(s, &v);
	char *at = (char *)base + f->off;
	switch (f->kind) {
	case J_INT: {
		int64_t x;
		if ((r = jscan_i64(&v, INT64_MIN, INT64_MAX, &x)) == 0)
			memcpy(at, &x, sizeof(x));
		return r;
	}
	case J_STR:
		r = jscan_str(&v, at, f->cap, &n);
		return r == -E2BIG ? -EINVAL : r;
	case J_ADDR:
		if ((r = jscan_str(&v, text, sizeof(text), &n)) < 0)
			return -EINVAL;
		return base64_addr(text, n, (struct wifi_addr *)(void *)at);
	}
	return -EINVAL;
}

/* One object into the struct at base (size bytes, zeroed first). */
static int read_object(struct jscan *s, const struct jfield *fields, void *base,
		       size_t size)
{
	struct jscan_val v;
	char key[32];
	bool cut;
	int r;
	memset(base, 0, size);
	if ((r = jscan_value(s, &v)) < 0)
		return r;
	if (v.type != JSCAN_OBJECT)
		return -EINVAL; /* a null entry: node_exporter would crash on it */
	while ((r = jscan_member(s, key, sizeof(key), &cut)) > 0)
		if ((r = read_field(s, key, cut, fields, base)) < 0)
			return r;
	return r;
}

/* An array of objects (or null), each filled into base and passed to fn on the second
 * pass: the first checks the whole document, as Go decodes all of it first. */
static int read_list(const char *buf, size_t len, const struct jfield *fields, void *base,
		     size_t size, int (*fn)(void *ctx, const void *item), void *ctx)
{
	struct jscan s;
	struct jscan_val v;
	int r = 0;
	for (int pass = 0; pass < 2; pass++) {
		jscan_init(&s, buf, len);
		if ((r = jscan_value(&s, &v)) < 0)
			return r;
		if (v.type == JSCAN_NULL)
			return jscan_end(&s);
		if (v.type != JSCAN_ARRAY)
			return -EINVAL;
		while ((r = jscan_elem(&s)) > 0) {
			if ((r = read_object(&s, fields, base, size)) < 0)
				return r;
			if (pass == 1 && (r = fn(ctx, base)) < 0)
				return r;
		}
		if (r < 0 || (r = jscan_end(&s)) < 0)
			return r;
	}
	return r;
}

/* The typed callbacks of the two lists, called through read_list's untyped one. */
struct list_call {
	int (*iface)(void *ctx, const struct wifi_iface *ifi);
	int (*station)(void *ctx, const struct wifi_station *st);
	void *ctx;
};

static int call_iface(void *ctx, const void *item)
{
	const struct list_call *c = ctx;
	return c->iface(c->ctx, item);
}

static int call_station(void *ctx, const void *item)
{
	const struct list_call *c = ctx;
	return c->station(c->ctx, item);
}

int wifi_parse_ifaces_json(const char *buf, size_t len,
			   int (*fn)(void *ctx, const struct wifi_iface *ifi), void *ctx)
{
	struct wifi_iface ifi;
	struct list_call c = { .iface = fn, .ctx = ctx };
	return read_list(buf, len, iface_fields, &ifi, sizeof(ifi), call_iface, &c);
}

int wifi_parse_stations_json(const char *buf, size_t len,
			     int (*fn)(void *ctx, const struct wifi_station *st), void *ctx)
{
	struct wifi_station st;
	struct list_call c = { .station = fn, .ctx = ctx };
	return read_list(buf, len, station_fields, &st, sizeof(st), call_station, &c);
}

int wifi_parse_bss_json(const char *buf, size_t len, struct wifi_bss *bss)
{
	struct jscan s;
	jscan_init(&s, buf, len);
	int r = read_object(&s, bss_fields, bss, sizeof(*bss));
	return r < 0 ? r : jscan_end(&s);
}

/* ---- series ------------------------------------------------------------------------ */

void wifi_addr_text(const struct wifi_addr *addr, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < addr->len && o + 3 < cap; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = "0123456789abcdef"[addr->b[i] >> 4];
		out[o++] = "0123456789abcdef"[addr->b[i] & 15];
	}
	out[o] = '\0';
}

int wifi_emit_iface(const struct wifi_iface *ifi, struct metric_sink *out)
{
	if (!ifi->name[0])
		return 0;
	return sink_add(out, &desc_freq, (double)ifi->frequency * 1000 * 1000,
			LABELS(L("device", ifi->name)));
}

int wifi_emit_bss(const char *dev, const struct wifi_bss *bss, struct metric_sink *out)
{
	char bssid[3 * WIFI_ADDR_MAX + 1];
	const char *mode = bss->status == 0 || bss->status == 1 ? "client"
			   : bss->status == 2			 ? "ad-hoc"
								 : "unknown";
	wifi_addr_text(&bss->bssid, bssid, sizeof(bssid));
	return sink_add(out, &desc_info, 1,
			LABELS(L("device", dev), L("bssid", bssid), L("ssid", bss->ssid),
			       L("mode", mode)));
}

/* A Go time.Duration's Seconds(). */
static double seconds(int64_t ns)
{
	int64_t whole = ns / 1000000000, part = ns % 1000000000;
	return (double)whole + (double)part / 1e9;
}

int wifi_emit_station(const char *dev, const struct wifi_station *st, struct metric_sink *out)
{
	char mac[3 * WIFI_ADDR_MAX + 1];
	const double v[S_N] = {
		seconds(st->connected_ns), seconds(st->inactive_ns), (double)st->rx_bitrate,
		(double)st->tx_bitrate,	   (double)st->rx_bytes,     (double)st->tx_bytes,
		(double)st->rx_packets,	   (double)st->tx_packets,   (double)st->signal,
		(double)st->tx_retries,	   (double)st->tx_failed,    (double)st->beacon_loss,
	};
	wifi_addr_text(&st->addr, mac, sizeof(mac));
	for (int i = 0; i < S_N; i++) {
		int r = sink_add(out, &station_descs[i], v[i],
				 LABELS(L("device", dev), L("mac_address", mac)));
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- the collector ------------------------------------------------------------------ */

struct wifi_priv {
	const char *fixtures;         /* --collector.wifi.fixtures, or NULL for nl80211 */
	uint16_t family;              /* nl80211's id, 0 until found */
	struct metric_sink *out;      /* the sink of the collection in progress */
	struct wifi_iface *ifaces;    /* owned; [0..nifaces) from this collection */
	uint32_t nifaces, ifaces_cap;
	struct wifi_station *stations; /* owned; one interface's, [0..nstations) */
	uint32_t nstations, stations_cap;
	bool no_stations;             /* a station message had no station information */
	int found_bss;                /* the scan dump found the BSS in use */
	struct wifi_bss bss;
	unsigned char nlbuf[NL_BUF_SIZE] __attribute__((aligned(8)));
	char fixture[WIFI_FIXTURE_MAX];
};

/* Append *item (size bytes) to an array in priv, growing it up to max entries. */
static int push(void **arr, uint32_t *n, uint32_t *cap, uint32_t max, const void *item,
		size_t size)
{
	if (*n == *cap) {
		if (*n >= max)
			return -E2BIG;
		int r = grow_array(arr, cap, *n + 1, size);
		if (r < 0)
			return r;
	}
	memcpy((char *)*arr + (size_t)(*n)++ * size, item, size);
	return 0;
}

static int keep_iface(void *ctx, const struct wifi_iface *ifi)
{
	struct wifi_priv *p = ctx;
	return push((void **)&p->ifaces, &p->nifaces, &p->ifaces_cap, WIFI_MAX_IFACES, ifi,
		    sizeof(*ifi));
}

static int keep_station(void *ctx, const struct wifi_station *st)
{
	struct wifi_priv *p = ctx;
	return push((void **)&p->stations, &p->nstations, &p->stations_cap, WIFI_MAX_STATIONS,
		    st, sizeof(*st));
}

/* nl_msg_fn over an nl80211 dump: the generic netlink header, then the attributes. */
static int on_iface(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct wifi_priv *w = ctx;
	struct wifi_iface ifi;
	if (type != w->family)
		return 0;
	if (len < GENL_HDRLEN)
		return -EINVAL;
	int r = wifi_parse_iface(p + GENL_HDRLEN, len - GENL_HDRLEN, &ifi);
	return r < 0 ? r : keep_iface(w, &ifi);
}

static int on_scan(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct wifi_priv *w = ctx;
	if (type != w->family || w->found_bss)
		return 0; /* the first BSS in use is the one reported */
	if (len < GENL_HDRLEN)
		return -EINVAL;
	int r = wifi_parse_bss(p + GENL_HDRLEN, len - GENL_HDRLEN, &w->bss);
	if (r > 0)
		w->found_bss = 1;
	return r < 0 ? r : 0;
}

static int on_station(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct wifi_priv *w = ctx;
	struct wifi_station st;
	if (type != w->family)
		return 0;
	if (len < GENL_HDRLEN)
		return -EINVAL;
	int r = wifi_parse_station(p + GENL_HDRLEN, len - GENL_HDRLEN, &st);
	if (r == 0)
		w->no_stations = true;
	return r <= 0 ? r : keep_station(w, &st);
}

/* One nl80211 dump of cmd, for the interface ifi when not NULL (its index, and its
 * address as mdlayher/wifi sends it), walked by fn. Returns 0 or -errno. */
static int nl80211_dump(struct wifi_priv *w, uint8_t cmd, const struct wifi_iface *ifi,
			nl_msg_fn fn)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		unsigned char attrs[2 * NLA_HDRLEN + 4 + NLA_ALIGN(WIFI_ADDR_MAX)];
	} req = {
		.h = { .nlmsg_type = w->family, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 1 },
		.g = { .cmd = cmd, .version = 1 },
	};
	size_t o = 0;
	if (ifi) {
		struct nlattr a = { .nla_len = NLA_HDRLEN + 4, .nla_type = NL80211_ATTR_IFINDEX };
		uint32_t index = (uint32_t)ifi->index;
		memcpy(req.attrs, &a, sizeof(a));
		memcpy(req.attrs + NLA_HDRLEN, &index, 4);
		o = NLA_HDRLEN + 4;
		if (ifi->addr.present) {
			a = (struct nlattr){ .nla_len = (uint16_t)(NLA_HDRLEN + ifi->addr.len),
					     .nla_type = NL80211_ATTR_MAC };
			memcpy(req.attrs + o, &a, sizeof(a));
			memcpy(req.attrs + o + NLA_HDRLEN, ifi->addr.b, ifi->addr.len);
			o += NLA_ALIGN(NLA_HDRLEN + ifi->addr.len);
		}
	}
	req.h.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN + o);
	return nl_request(NETLINK_GENERIC, &req, req.h.nlmsg_len, w->nlbuf, sizeof(w->nlbuf), fn,
			  w);
}

/* The BSS and stations of interface ifi from nl80211 or the fixtures, emitted. */
static int collect_iface(struct wifi_priv *w, const struct wifi_iface *ifi)
{
	char rel[WIFI_NAME_MAX + 32];
	size_t len;
	int r;
	w->found_bss = 0;
	w->nstations = 0;
	w->no_stations = false;
	if (!w->fixtures) {
		r = nl80211_dump(w, NL80211_CMD_GET_SCAN, ifi, on_scan);
		if (r == 0 && w->found_bss)
			r = wifi_emit_bss(ifi->name, &w->bss, w->out);
		if (r == -ENOENT)
			r = 0; /* no BSS: mdlayher/wifi's os.ErrNotExist */
		if (r == 0)
			r = nl80211_dump(w, NL80211_CMD_GET_STATION, ifi, on_station);
		if (r == -ENOENT)
			r = 0;
	} else {
		/* a name that is no plain file name has no fixtures */
		bool plain = !strchr(ifi->name, '/') && strcmp(ifi->name, ".") && strcmp(ifi->name, "..");
		snprintf(rel, sizeof(rel), "%s/bss.json", ifi->name);
		r = plain ? read_file_at(w->fixtures, rel, w->fixture, sizeof(w->fixture), &len)
			  : -ENOENT;
		if (r == 0 && (r = wifi_parse_bss_json(w->fixture, len, &w->bss)) == 0)
			r = wifi_emit_bss(ifi->name, &w->bss, w->out);
		if (r == -ENOENT)
			r = 0;
		snprintf(rel, sizeof(rel), "%s/stationinfo.json", ifi->name);
		if (r == 0)
			r = plain ? read_file_at(w->fixtures, rel, w->fixture, sizeof(w->fixture),
						 &len)
				  : -ENOENT;
		if (r == 0)
			r = wifi_parse_stations_json(w->fixture, len, keep_station, w);
		if (r == -ENOENT)
			r = 0;
	}
	if (w->no_stations)
		w->nstations = 0; /* mdlayher/wifi reports none for the interface then */
	for (uint32_t i = 0; r == 0 && i < w->nstations; i++)
		r = wifi_emit_station(ifi->name, &w->stations[i], w->out);
	return r;
}

/* Declare the fixture folder, when one is given, for the sandbox. */
static int wifi_declare(struct collector *c, struct resources *res)
{
	const char *dir = cfg_str(c->cfg, "collector.wifi.fixtures");
	return dir && *dir ? res_path(res, dir, NULL, RES_READ) : 0;
}

static int wifi_init(struct collector *c)
{
	struct wifi_priv *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	c->priv = w;
	const char *dir = cfg_str(c->cfg, "collector.wifi.fixtures");
	w->fixtures = dir && *dir ? dir : NULL;
	return 0;
}

static int wifi_collect(struct collector *c, struct metric_sink *out)
{
	struct wifi_priv *w = c->priv;
	size_t len;
	int r;
	w->out = out;
	w->nifaces = 0;
	if (w->fixtures) {
		r = read_file_at(w->fixtures, "interfaces.json", w->fixture, sizeof(w->fixture), &len);
		if (r == 0)
			r = wifi_parse_ifaces_json(w->fixture, len, keep_iface, w);
	} else {
		/* looked up every time: cfg80211 may be loaded after plumb started */
		r = w->family ? 0 : nl_genl_family(NL80211_GENL_NAME, w->nlbuf, sizeof(w->nlbuf),
						   &w->family);
		if (r == -ENOENT)
			r = -ENODEV; /* no nl80211 here: no data, as in node_exporter */
		if (r == 0)
			r = nl80211_dump(w, NL80211_CMD_GET_INTERFACE, NULL, on_iface);
	}
	for (uint32_t i = 0; r == 0 && i < w->nifaces; i++) {
		if (!w->ifaces[i].name[0])
			continue; /* a device without a netdev (P2P) */
		if ((r = wifi_emit_iface(&w->ifaces[i], out)) == 0)
			r = collect_iface(w, &w->ifaces[i]);
	}
	w->out = NULL;
	return r;
}

static void wifi_fini(struct collector *c)
{
	struct wifi_priv *w = c->priv;
	if (w) {
		free(w->ifaces);
		free(w->stations);
	}
	free(w);
	c->priv = NULL;
}

const struct collector_ops collector_ops_wifi = {
	.name = "wifi",
	.default_enabled = false,
	.reads = "nl80211 over generic netlink: interfaces, the BSS in use, stations",
	.flags = wifi_flags,
	.enabled_by = "collector.wifi.fixtures",
	.declare = wifi_declare,
	.init = wifi_init,
	.collect = wifi_collect,
	.fini = wifi_fini,
};

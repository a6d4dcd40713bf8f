/*
 * wifi: the parsers of the wifi collector, exposed for tests and the fuzz target:
 * nl80211's interface, scan (BSS) and station messages, node_exporter's JSON fixtures
 * of the same three, and the emission of their series.
 */
#ifndef PLUMB_COLLECTOR_WIFI_H
#define PLUMB_COLLECTOR_WIFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"

#define WIFI_NAME_MAX 64  /* an interface name, with its NUL */
#define WIFI_ADDR_MAX 32  /* bytes of a hardware address kept; longer is refused */
#define WIFI_SSID_MAX 1024 /* an SSID as UTF-8 (255 bytes, each maybe U+FFFD), with NUL */

/* A hardware address of any length up to WIFI_ADDR_MAX; len 0 when absent. */
struct wifi_addr {
	uint8_t b[WIFI_ADDR_MAX];
	size_t len;
	bool present; /* given at all (possibly empty), as Go's non-nil slice */
};

/* One wireless interface (mdlayher/wifi's Interface). */
struct wifi_iface {
	int64_t index, phy, device, type, frequency; /* frequency in MHz */
	char name[WIFI_NAME_MAX];
	struct wifi_addr addr;
};

/* The BSS an interface is associated with (mdlayher/wifi's BSS). */
struct wifi_bss {
	char ssid[WIFI_SSID_MAX];
	struct wifi_addr bssid;
	int64_t frequency, beacon_interval_ns, last_seen_ns, status;
};

/* One station (mdlayher/wifi's StationInfo); durations in nanoseconds. */
struct wifi_station {
	struct wifi_addr addr;
	int64_t connected_ns, inactive_ns;
	int64_t rx_bytes, tx_bytes, rx_packets, tx_packets, rx_bitrate, tx_bitrate, signal;
	int64_t tx_retries, tx_failed, beacon_loss;
};

/* The attributes of an NL80211_CMD_NEW_INTERFACE message (after the generic netlink
 * header) into *ifi (zeroed first). Returns 0 or -EINVAL. */
int wifi_parse_iface(const unsigned char *p, size_t len, struct wifi_iface *ifi);

/* The attributes of a scan-dump message: when it holds an NL80211_ATTR_BSS with a
 * status (the BSS the interface uses), fill *bss and return 1; else 0; -EINVAL for a
 * malformed message or information element. */
int wifi_parse_bss(const unsigned char *p, size_t len, struct wifi_bss *bss);

/* The attributes of a station-dump message into *st: 1 when it has station
 * information (NL80211_ATTR_STA_INFO), 0 when not (mdlayher/wifi then reports no
 * stations for the whole interface), -EINVAL when malformed. */
int wifi_parse_station(const unsigned char *p, size_t len, struct wifi_station *st);

/* node_exporter's fixtures, decoded as Go's encoding/json fills those structs (member
 * names matched without regard to case, unknown members and nulls skipped, hardware
 * addresses in base64). interfaces.json: an array of interfaces, passed one by one to
 * fn, which returns 0 or -errno to stop; bss.json: one BSS; stationinfo.json: an array
 * of stations, each passed to fn. Each returns 0, -EINVAL, or fn's error; a whole
 * document is checked before fn sees any of it. */
int wifi_parse_ifaces_json(const char *buf, size_t len,
			   int (*fn)(void *ctx, const struct wifi_iface *ifi), void *ctx);
int wifi_parse_bss_json(const char *buf, size_t len, struct wifi_bss *bss);
int wifi_parse_stations_json(const char *buf, size_t len,
			     int (*fn)(void *ctx, const struct wifi_station *st), void *ctx);

/* Emit node_wifi_interface_frequency_hertz for ifi (nothing for an unnamed one),
 * node_wifi_station_info for a BSS, the node_wifi_station_* series of a station of
 * device dev. Return 0 or -errno from the sink. */
int wifi_emit_iface(const struct wifi_iface *ifi, struct metric_sink *out);
int wifi_emit_bss(const char *dev, const struct wifi_bss *bss, struct metric_sink *out);
int wifi_emit_station(const char *dev, const struct wifi_station *st, struct metric_sink *out);

/* addr as Go's net.HardwareAddr.String writes it ("aa:bb:..", "" when empty) into
 * out[cap] (cap >= 3 * WIFI_ADDR_MAX). */
void wifi_addr_text(const struct wifi_addr *addr, char *out, size_t cap);

#endif

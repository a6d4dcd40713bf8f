/* fuzz_wifi: the wifi collector's parsers. Input: a mode byte, then one nl80211
 * message's attributes (interface, scan or station: modes 0-2) or one of
 * node_exporter's fixtures (interfaces.json, bss.json, stationinfo.json: modes 3-5).
 * Checks: names and SSIDs stay within their buffers, addresses within WIFI_ADDR_MAX
 * and their text is three characters a byte; a station gives twelve series; list
 * callbacks come only for a document that parses; the output is a valid exposition. */
#include "collectors/wifi.h"
#include "fuzz_common.h"

static size_t calls;

static void check_addr(const struct wifi_addr *a)
{
	char text[3 * WIFI_ADDR_MAX + 1];
	if (a->len > WIFI_ADDR_MAX)
		abort();
	wifi_addr_text(a, text, sizeof(text));
	if (strlen(text) != (a->len ? 3 * a->len - 1 : 0))
		abort();
}

static int on_iface(void *ctx, const struct wifi_iface *ifi)
{
	calls++;
	if (strlen(ifi->name) >= sizeof(ifi->name))
		abort();
	check_addr(&ifi->addr);
	return wifi_emit_iface(ifi, ctx);
}

static int on_station(void *ctx, const struct wifi_station *st)
{
	struct metric_sink *s = ctx;
	uint32_t before = s->nseries;
	calls++;
	check_addr(&st->addr);
	if (wifi_emit_station("wlan0", st, s) != 0 || s->nseries - before != 12)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	static struct wifi_iface ifi;
	static struct wifi_bss bss;
	static struct wifi_station st;
	if (size == 0)
		return 0;
	const unsigned char *p = data + 1;
	const char *text = (const char *)p;
	size_t n = size - 1;
	int r;
	calls = 0;
	switch (data[0] % 6) {
	case 0:
		if (wifi_parse_iface(p, n, &ifi) == 0)
			on_iface(s, &ifi);
		break;
	case 1:
		if (wifi_parse_bss(p, n, &bss) == 1) {
			check_addr(&bss.bssid);
			if (strlen(bss.ssid) >= sizeof(bss.ssid) || wifi_emit_bss("wlan0", &bss, s))
				abort();
		}
		break;
	case 2:
		if (wifi_parse_station(p, n, &st) == 1)
			on_station(s, &st);
		break;
	case 3:
		r = wifi_parse_ifaces_json(text, n, on_iface, s);
		if (r < 0 && calls)
			abort();
		break;
	case 4:
		if (wifi_parse_bss_json(text, n, &bss) == 0) {
			check_addr(&bss.bssid);
			if (wifi_emit_bss("wlan0", &bss, s))
				abort();
		}
		break;
	default:
		r = wifi_parse_stations_json(text, n, on_station, s);
		if (r < 0 && calls)
			abort();
		break;
	}
	fuzz_check_sink(s);
	return 0;
}

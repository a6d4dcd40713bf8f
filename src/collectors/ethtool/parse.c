/*
 * ethtool/parse: the ethtool collector's pure half. It reads the structs SIOCETHTOOL
 * fills (driver information, legacy link settings), names and filters a device's
 * statistics as node_exporter 1.5 does, and emits the series. No system calls; the
 * collector (ethtool.c), the unit test and fuzz_ethtool call it. See ethtool.h.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/ethtool.h"
#include "lib/promname.h"
#include "lib/sort.h"

#define NAMES_MAX (ETHTOOL_MAX_STATS * (size_t)ETHTOOL_NAME_MAX) /* bytes of names kept */

static const char prefix[] = "node_ethtool_";

/* The statistics node_exporter reports under names and help of their own. */
static const struct {
	const char *raw;
	struct metric_desc d;
} specials[] = {
	{ "rx_bytes", { "node_ethtool_received_bytes_total", "Bytes the interface received (driver statistic rx_bytes).", METRIC_UNTYPED } },
	{ "rx_dropped", { "node_ethtool_received_dropped_total", "Received frames the interface dropped (driver statistic rx_dropped).", METRIC_UNTYPED } },
	{ "rx_errors", { "node_ethtool_received_errors_total", "Received frames with errors (driver statistic rx_errors).", METRIC_UNTYPED } },
	{ "rx_packets", { "node_ethtool_received_packets_total", "Packets the interface received (driver statistic rx_packets).", METRIC_UNTYPED } },
	{ "tx_bytes", { "node_ethtool_transmitted_bytes_total", "Bytes the interface sent (driver statistic tx_bytes).", METRIC_UNTYPED } },
	{ "tx_errors", { "node_ethtool_transmitted_errors_total", "Sent frames with errors (driver statistic tx_errors).", METRIC_UNTYPED } },
	{ "tx_packets", { "node_ethtool_transmitted_packets_total", "Packets the interface sent (driver statistic tx_packets).", METRIC_UNTYPED } },
};

/* Keys node_exporter's table gives to its link series: a statistic of that name would
 * land in one of them (with the wrong labels), so it is left out. */
static const char *const link_keys[] = {
	"supported_port", "supported_speed", "supported_autonegotiate", "supported_pause",
	"supported_asymmetricpause", "advertised_speed", "advertised_autonegotiate",
	"advertised_pause", "advertised_asymmetricpause", "autonegotiate",
};

static const struct metric_desc desc_info = {
	"node_ethtool_info",
	"Driver of a network interface as ethtool -i reports it, in labels; always 1.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_autoneg = {
	"node_network_autonegotiate", "1 when the interface uses autonegotiation.", METRIC_GAUGE,
};
static const struct metric_desc desc_port = {
	"node_network_supported_port_info",
	"A port or PHY type the interface supports (type label); always 1.", METRIC_GAUGE,
};
/* [0] supported, [1] advertised */
static const struct metric_desc desc_speed[2] = {
	{ "node_network_supported_speed_bytes",
	  "A speed and duplex the interface supports, in bytes per second.", METRIC_GAUGE },
	{ "node_network_advertised_speed_bytes",
	  "A speed and duplex the interface offers its link partner, in bytes per second.",
	  METRIC_GAUGE },
};
static const struct metric_desc desc_caps[2][3] = {
	{ { "node_network_autonegotiate_supported", "1 when the interface supports autonegotiation.", METRIC_GAUGE },
	  { "node_network_pause_supported", "1 when the interface supports pause frames.", METRIC_GAUGE },
	  { "node_network_asymmetricpause_supported", "1 when the interface supports asymmetric pause frames.", METRIC_GAUGE } },
	{ { "node_network_autonegotiate_advertised", "1 when the interface offers autonegotiation.", METRIC_GAUGE },
	  { "node_network_pause_advertised", "1 when the interface offers pause frames.", METRIC_GAUGE },
	  { "node_network_asymmetricpause_advertised", "1 when the interface offers asymmetric pause frames.", METRIC_GAUGE } },
};
static const unsigned cap_bits[3] = {
	ETHTOOL_LINK_MODE_Autoneg_BIT, ETHTOOL_LINK_MODE_Pause_BIT, ETHTOOL_LINK_MODE_Asym_Pause_BIT,
};

/* node_exporter's port types: bit and type label. */
static const struct {
	unsigned bit;
	const char *type;
} ports[] = {
	{ ETHTOOL_LINK_MODE_TP_BIT, "TP" },       { ETHTOOL_LINK_MODE_AUI_BIT, "AUI" },
	{ ETHTOOL_LINK_MODE_MII_BIT, "MII" },     { ETHTOOL_LINK_MODE_FIBRE_BIT, "FIBRE" },
	{ ETHTOOL_LINK_MODE_BNC_BIT, "BNC" },     { ETHTOOL_LINK_MODE_Backplane_BIT, "Backplane" },
};

/* node_exporter's speed modes among the low 32 bits (2500baseT, bit 47, never shows in a
 * 32-bit mask): bit, Mb/s, duplex, mode label. */
static const struct {
	unsigned bit;
	unsigned mbps;
	const char *duplex;
	const char *mode;
} speeds[] = {
	{ ETHTOOL_LINK_MODE_10baseT_Half_BIT, 10, "half", "10baseT" },
	{ ETHTOOL_LINK_MODE_10baseT_Full_BIT, 10, "full", "10baseT" },
	{ ETHTOOL_LINK_MODE_100baseT_Half_BIT, 100, "half", "100baseT" },
	{ ETHTOOL_LINK_MODE_100baseT_Full_BIT, 100, "full", "100baseT" },
	{ ETHTOOL_LINK_MODE_1000baseT_Half_BIT, 1000, "half", "1000baseT" },
	{ ETHTOOL_LINK_MODE_1000baseT_Full_BIT, 1000, "full", "1000baseT" },
	{ ETHTOOL_LINK_MODE_10000baseT_Full_BIT, 10000, "full", "10000baseT" },
	{ ETHTOOL_LINK_MODE_1000baseKX_Full_BIT, 1000, "full", "1000baseKX" },
	{ ETHTOOL_LINK_MODE_10000baseKX4_Full_BIT, 10000, "full", "10000baseKX4" },
	{ ETHTOOL_LINK_MODE_10000baseKR_Full_BIT, 10000, "full", "10000baseKR" },
	{ ETHTOOL_LINK_MODE_10000baseR_FEC_BIT, 10000, "full", "10000baseR_FEC" },
	{ ETHTOOL_LINK_MODE_20000baseMLD2_Full_BIT, 20000, "full", "20000baseMLD2" },
	{ ETHTOOL_LINK_MODE_20000baseKR2_Full_BIT, 20000, "full", "20000baseKR2" },
	{ ETHTOOL_LINK_MODE_40000baseKR4_Full_BIT, 40000, "full", "40000baseKR4" },
	{ ETHTOOL_LINK_MODE_40000baseCR4_Full_BIT, 40000, "full", "40000baseCR4" },
	{ ETHTOOL_LINK_MODE_40000baseSR4_Full_BIT, 40000, "full", "40000baseSR4" },
	{ ETHTOOL_LINK_MODE_40000baseLR4_Full_BIT, 40000, "full", "40000baseLR4" },
	{ ETHTOOL_LINK_MODE_56000baseKR4_Full_BIT, 56000, "full", "56000baseKR4" },
	{ ETHTOOL_LINK_MODE_56000baseCR4_Full_BIT, 56000, "full", "56000baseCR4" },
	{ ETHTOOL_LINK_MODE_56000baseSR4_Full_BIT, 56000, "full", "56000baseSR4" },
	{ ETHTOOL_LINK_MODE_56000baseLR4_Full_BIT, 56000, "full", "56000baseLR4" },
	{ ETHTOOL_LINK_MODE_25000baseCR_Full_BIT, 25000, "full", "25000baseCR" },
};

#define NELEM(a) (sizeof(a) / sizeof(*(a)))

/* Copy a fixed 32-byte kernel text up to its first NUL into out[33]. */
static void copy_text(const char *field, char *out)
{
	size_t n = strnlen(field, ETHTOOL_STR_LEN);
	memcpy(out, field, n);
	out[n] = '\0';
}

int ethtool_parse_drvinfo(const void *raw, size_t len, struct ethtool_drv *out)
{
	struct ethtool_drvinfo d;
	if (len < sizeof(d))
		return -EINVAL;
	memcpy(&d, raw, sizeof(d));
	copy_text(d.driver, out->driver);
	copy_text(d.version, out->version);
	copy_text(d.fw_version, out->fw_version);
	copy_text(d.bus_info, out->bus_info);
	copy_text(d.erom_version, out->erom_version);
	out->n_stats = d.n_stats;
	return 0;
}

int ethtool_parse_link(const void *raw, size_t len, struct ethtool_link *out)
{
	struct ethtool_cmd cmd;
	if (len < sizeof(cmd))
		return -EINVAL;
	memcpy(&cmd, raw, sizeof(cmd));
	out->supported = cmd.supported;
	out->advertising = cmd.advertising;
	out->autoneg = cmd.autoneg;
	return 0;
}

/* Replace each "<w>" word of s[0..len) (at the start or after '_', followed by '_' or the
 * end, matches not overlapping, as Go's ReplaceAllString with (^|_)w(_|$)) by full, into
 * out[cap]. Returns the new length or -ENAMETOOLONG. */
static int replace_word(const char *s, size_t len, const char *w, const char *full, char *out,
			size_t cap)
{
	size_t o = 0, flen = strlen(full);
	for (size_t i = 0; i < len;) {
		size_t at = i == 0 && s[0] != '_' ? 0 : i + 1; /* where the word would start */
		bool lead = at == i + 1;
		if ((!lead || s[i] == '_') && at + 2 <= len && s[at] == w[0] && s[at + 1] == w[1] &&
		    (at + 2 == len || s[at + 2] == '_')) {
			size_t end = at + 2 < len ? at + 3 : at + 2;
			bool trail = at + 2 < len;
			if (o + lead + flen + trail + 1 > cap)
				return -ENAMETOOLONG;
			if (lead)
				out[o++] = '_';
			memcpy(out + o, full, flen);
			o += flen;
			if (trail)
				out[o++] = '_';
			i = end;
			continue;
		}
		if (o + 2 > cap)
			return -ENAMETOOLONG;
		out[o++] = s[i++];
	}
	out[o] = '\0';
	return (int)o;
}

int ethtool_stat_name(struct span raw, char *out, size_t cap)
{
	char a[ETHTOOL_NAME_MAX], b[ETHTOOL_NAME_MAX];
	int n = promname_sanitize(raw, a, sizeof(a));
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (a[i] >= 'A' && a[i] <= 'Z')
			a[i] = (char)(a[i] - 'A' + 'a');
	int skip = 0;
	while (skip < n && a[skip] == '_')
		skip++;
	if (skip == n)
		return 0;
	n = replace_word(a + skip, (size_t)(n - skip), "rx", "received", b, sizeof(b));
	if (n >= 0)
		n = replace_word(b, (size_t)n, "tx", "transmitted", a, sizeof(a));
	if (n < 0)
		return n;
	if (sizeof(prefix) - 1 + (size_t)n + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out, prefix, sizeof(prefix) - 1);
	memcpy(out + sizeof(prefix) - 1, a, (size_t)n + 1);
	return (int)(sizeof(prefix) - 1) + n;
}

/* Statistic i's name in strings, cut at its first NUL. */
static struct span raw_name(const char *strings, uint32_t i)
{
	const char *p = strings + (size_t)i * ETHTOOL_STR_LEN;
	return (struct span){ p, strnlen(p, ETHTOOL_STR_LEN) };
}

/* Order: family name, then driver name, then index. */
static int cmp_stat(const void *pa, const void *pb, void *ctx)
{
	const struct ethtool_statset *st = ctx;
	const struct ethtool_stat *a = pa, *b = pb;
	int c = strcmp(st->names.p + a->name_off, st->names.p + b->name_off);
	if (c)
		return c;
	struct span ra = raw_name(st->strings, a->raw), rb = raw_name(st->strings, b->raw);
	size_t m = ra.len < rb.len ? ra.len : rb.len;
	c = memcmp(ra.p, rb.p, m);
	if (c)
		return c;
	if (ra.len != rb.len)
		return ra.len < rb.len ? -1 : 1;
	return a->raw < b->raw ? -1 : a->raw > b->raw;
}

static bool is_link_key(struct span raw)
{
	for (size_t k = 0; k < NELEM(link_keys); k++)
		if (span_eq(raw, link_keys[k]))
			return true;
	return false;
}

static bool same_raw(const struct ethtool_statset *st, uint32_t a, uint32_t b)
{
	struct span ra = raw_name(st->strings, a), rb = raw_name(st->strings, b);
	return ra.len == rb.len && memcmp(ra.p, rb.p, ra.len) == 0;
}

int ethtool_stats_parse(struct ethtool_statset *st, const char *strings, const uint64_t *vals,
			uint32_t n, const struct regex *include)
{
	char name[ETHTOOL_NAME_MAX];
	int r = 0;
	st->n = 0;
	st->strings = strings;
	buf_reset(&st->names);
	st->names.max = NAMES_MAX;
	if (n > ETHTOOL_MAX_STATS)
		return -E2BIG;
	if (n > st->cap && (r = grow_array((void **)&st->v, &st->cap, n, sizeof(*st->v))) < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		struct span raw = raw_name(strings, i);
		if (raw.len == 0 || is_link_key(raw) ||
		    (include && !regex_match(include, raw.p, raw.len)))
			continue;
		int len = ethtool_stat_name(raw, name, sizeof(name));
		if (len <= 0 || strcmp(name, desc_info.name) == 0)
			continue; /* nothing left of it, too long (never for 32 bytes), or "info":
				     the info gauge's name, which an untyped family cannot share */
		uint32_t off = (uint32_t)st->names.len;
		if ((r = buf_append(&st->names, name, (size_t)len + 1)) < 0)
			return r;
		st->v[st->n++] = (struct ethtool_stat){ off, i, vals[i] };
	}
	sort_heap(st->v, st->n, sizeof(*st->v), cmp_stat, st);
	/* each family name: one driver name (its last value), or dropped as a clash */
	uint32_t kept = 0;
	for (uint32_t i = 0; i < st->n;) {
		uint32_t j = i + 1;
		bool clash = false;
		while (j < st->n && strcmp(st->names.p + st->v[j].name_off,
					   st->names.p + st->v[i].name_off) == 0) {
			clash |= !same_raw(st, st->v[i].raw, st->v[j].raw);
			j++;
		}
		if (!clash)
			st->v[kept++] = st->v[j - 1];
		i = j;
	}
	st->n = kept;
	return 0;
}

void ethtool_stats_fini(struct ethtool_statset *st)
{
	free(st->v);
	buf_fini(&st->names);
	memset(st, 0, sizeof(*st));
}

int ethtool_emit_stats(const struct ethtool_statset *st, const char *device, struct metric_sink *out)
{
	char help[96];
	int r = 0;
	for (uint32_t i = 0; r == 0 && i < st->n; i++) {
		struct span raw = raw_name(st->strings, st->v[i].raw);
		struct metric_desc d = { st->names.p + st->v[i].name_off, help, METRIC_UNTYPED };
		const struct metric_desc *dp = &d;
		for (size_t k = 0; k < NELEM(specials); k++)
			if (span_eq(raw, specials[k].raw))
				dp = &specials[k].d;
		snprintf(help, sizeof(help), "Statistic %.*s of the interface's driver (ethtool -S).",
			 (int)raw.len, raw.p);
		r = sink_add(out, dp, (double)st->v[i].value, LABELS(L("device", device)));
	}
	return r;
}

int ethtool_emit_info(const struct ethtool_drv *drv, const char *device, struct metric_sink *out)
{
	return sink_add(out, &desc_info, 1,
			LABELS(L("bus_info", drv->bus_info), L("device", device),
			       L("driver", drv->driver), L("expansion_rom_version", drv->erom_version),
			       L("firmware_version", drv->fw_version), L("version", drv->version)));
}

/* The speed and capability series of mask (which: 0 supported, 1 advertised). */
static int emit_modes(uint32_t mask, int which, const char *device, struct metric_sink *out)
{
	int r = 0;
	for (size_t k = 0; r == 0 && k < NELEM(speeds); k++) {
		if (!(mask & (UINT32_C(1) << speeds[k].bit)))
			continue;
		r = sink_add(out, &desc_speed[which], speeds[k].mbps * 1e6 / 8,
			     LABELS(L("device", device), L("duplex", speeds[k].duplex),
				    L("mode", speeds[k].mode)));
	}
	for (int k = 0; r == 0 && k < 3; k++)
		r = sink_add(out, &desc_caps[which][k], (mask >> cap_bits[k]) & 1,
			     LABELS(L("device", device)));
	return r;
}

int ethtool_emit_link(const struct ethtool_link *link, const char *device, struct metric_sink *out)
{
	int r = emit_modes(link->supported, 0, device, out);
	for (size_t k = 0; r == 0 && k < NELEM(ports); k++) {
		if (link->supported & (UINT32_C(1) << ports[k].bit))
			r = sink_add(out, &desc_port, 1,
				     LABELS(L("device", device), L("type", ports[k].type)));
	}
	if (r == 0)
		r = emit_modes(link->advertising, 1, device, out);
	if (r == 0)
		r = sink_add(out, &desc_autoneg, link->autoneg, LABELS(L("device", device)));
	return r;
}

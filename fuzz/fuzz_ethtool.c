/* fuzz_ethtool: what SIOCETHTOOL could hand back, as one input: a flags byte (bit 0: keep
 * only statistics matching "x"), then a struct ethtool_drvinfo, a struct ethtool_cmd,
 * and n statistics (n * 32 name bytes, then n little-endian u64 values) from what is
 * left. A struct cut short must be refused. Checks on the statistics: every family
 * name is node_ethtool_ and [0-9a-z_] and what ethtool_stat_name gives its driver name
 * (naming it again may change it, as in Go: "rx_rx" gives "received_rx"); names are in strictly increasing order (no clash is
 * left); each kept value is its name's last, and no other driver name gets its family
 * name (a plain O(n^2) reference); node_ethtool_info is never a statistic's. Then everything is emitted and the
 * exposition checked. */
#include <errno.h>
#include <linux/ethtool.h>

#include "collectors/ethtool.h"
#include "fuzz_common.h"

static struct ethtool_statset st;
static struct regex *only_x;

static struct span raw_at(const char *names, uint32_t i)
{
	const char *p = names + (size_t)i * ETHTOOL_STR_LEN;
	return (struct span){ p, strnlen(p, ETHTOOL_STR_LEN) };
}

/* The reference: whether driver name i survives, and with which value. */
static int reference(const char *names, const uint64_t *vals, uint32_t n, uint32_t i,
		     const struct regex *inc, const char *fq, uint64_t *value)
{
	char other[ETHTOOL_NAME_MAX];
	struct span ri = raw_at(names, i);
	*value = vals[i];
	for (uint32_t k = 0; k < n; k++) {
		struct span rk = raw_at(names, k);
		if (rk.len == 0 || (inc && !regex_match(inc, rk.p, rk.len)))
			continue;
		if (ethtool_stat_name(rk, other, sizeof(other)) <= 0 || strcmp(other, fq) != 0)
			continue;
		if (rk.len != ri.len || memcmp(rk.p, ri.p, ri.len) != 0)
			return 0; /* a clash */
		*value = vals[k]; /* the last of the repeats */
	}
	return 1;
}

static void check_stats(const char *names, const uint64_t *vals, uint32_t n,
			const struct regex *inc)
{
	char again[ETHTOOL_NAME_MAX];
	for (uint32_t i = 0; i < st.n; i++) {
		const char *fq = st.names.p + st.v[i].name_off;
		struct span raw = raw_at(names, st.v[i].raw);
		uint64_t value;
		if (strncmp(fq, "node_ethtool_", 13) != 0 || raw.len == 0 ||
		    strcmp(fq, "node_ethtool_info") == 0)
			abort();
		for (const char *c = fq; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				abort();
		if (ethtool_stat_name(raw, again, sizeof(again)) <= 0 || strcmp(again, fq) != 0)
			abort();
		if (i > 0 && strcmp(st.names.p + st.v[i - 1].name_off, fq) >= 0)
			abort();
		if (!reference(names, vals, n, st.v[i].raw, inc, fq, &value) || value != st.v[i].value)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metric_sink *s = fuzz_sink();
	struct ethtool_drv drv;
	struct ethtool_link link;
	static char names[ETHTOOL_MAX_STATS * ETHTOOL_STR_LEN];
	static uint64_t vals[ETHTOOL_MAX_STATS];
	if (!only_x && regex_compile("x", &only_x, NULL, 0) < 0)
		abort();
	if (size < 1)
		return 0;
	int flags = data[0];
	data++, size--;
	size_t dlen = size < sizeof(struct ethtool_drvinfo) ? size : sizeof(struct ethtool_drvinfo);
	int r = ethtool_parse_drvinfo(data, dlen, &drv);
	if ((r == 0) != (dlen == sizeof(struct ethtool_drvinfo)))
		abort();
	if (r == 0 && (strlen(drv.driver) > 32 || strlen(drv.bus_info) > 32))
		abort();
	if (r == 0 && ethtool_emit_info(&drv, "eth0", s) < 0)
		abort();
	data += dlen, size -= dlen;
	size_t clen = size < sizeof(struct ethtool_cmd) ? size : sizeof(struct ethtool_cmd);
	r = ethtool_parse_link(data, clen, &link);
	if ((r == 0) != (clen == sizeof(struct ethtool_cmd)))
		abort();
	if (r == 0 && ethtool_emit_link(&link, "eth0", s) < 0)
		abort();
	data += clen, size -= clen;
	uint32_t n = (uint32_t)(size / (ETHTOOL_STR_LEN + 8));
	if (n > ETHTOOL_MAX_STATS)
		n = ETHTOOL_MAX_STATS;
	memcpy(names, data, (size_t)n * ETHTOOL_STR_LEN);
	memcpy(vals, data + (size_t)n * ETHTOOL_STR_LEN, (size_t)n * 8);
	const struct regex *inc = (flags & 1) ? only_x : NULL;
	if (ethtool_stats_parse(&st, names, vals, n, inc) != 0)
		abort();
	check_stats(names, vals, n, inc);
	if (ethtool_emit_stats(&st, "eth0", s) < 0)
		abort();
	fuzz_check_sink(s);
	return 0;
}

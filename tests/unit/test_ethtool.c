/*
 * test_ethtool: the ethtool collector run on node_exporter's ethtool fixtures (driver,
 * settings and statistics as ethtool(8) prints them, served by a stand-in for the ioctl)
 * over the fixture host's /sys/class/net, with the exact series node_exporter 1.5 makes
 * of them; its three flags; statistic names; clashes, repeats and hostile answers; no
 * interfaces; a driver that never answers (the collection fails in time, and recovers
 * once the call returns).
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "collectors/ethtool.h"
#include "core/collector.h"
#include "harness.h"
#include "lib/strparse.h"
#include "t.h"
#include "tmptree.h"

extern const struct collector_ops collector_ops_ethtool;

/* The stand-in's state: fixtures beneath dir; a device that blocks until a byte comes
 * through hang[0]. */
struct fake {
	char dir[PATH_MAX];
	const char *hang_dev;
	int hang[2];
};

/* Read dir/dev/file into buf[cap]. Returns the length or -errno. */
static int fixture_file(const struct fake *f, const char *dev, const char *file, char *buf,
			size_t cap)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s/%s", f->dir, dev, file);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -errno;
	size_t n = fread(buf, 1, cap - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return (int)n;
}

/* The value after "key: " on a line of text, or an empty span. */
static struct span value_of(const char *text, const char *key)
{
	struct cursor c = cursor_init(text, strlen(text));
	struct span line;
	while (cursor_line(&c, &line)) {
		line = span_trim(line);
		size_t k = strlen(key);
		if (line.len > k && memcmp(line.p, key, k) == 0 && line.p[k] == ':') {
			struct span v = { line.p + k + 1, line.len - k - 1 };
			return span_trim(v);
		}
	}
	return (struct span){ "", 0 };
}

static const struct {
	const char *word;
	unsigned bit;
} words[] = {
	{ "10baseT/Half", ETHTOOL_LINK_MODE_10baseT_Half_BIT },
	{ "10baseT/Full", ETHTOOL_LINK_MODE_10baseT_Full_BIT },
	{ "100baseT/Half", ETHTOOL_LINK_MODE_100baseT_Half_BIT },
	{ "100baseT/Full", ETHTOOL_LINK_MODE_100baseT_Full_BIT },
	{ "1000baseT/Half", ETHTOOL_LINK_MODE_1000baseT_Half_BIT },
	{ "1000baseT/Full", ETHTOOL_LINK_MODE_1000baseT_Full_BIT },
	{ "10000baseT/Full", ETHTOOL_LINK_MODE_10000baseT_Full_BIT },
	{ "TP", ETHTOOL_LINK_MODE_TP_BIT },
	{ "AUI", ETHTOOL_LINK_MODE_AUI_BIT },
	{ "MII", ETHTOOL_LINK_MODE_MII_BIT },
	{ "FIBRE", ETHTOOL_LINK_MODE_FIBRE_BIT },
	{ "BNC", ETHTOOL_LINK_MODE_BNC_BIT },
	{ "Backplane", ETHTOOL_LINK_MODE_Backplane_BIT },
};

/* The mode bits named by the words of s. */
static uint32_t mode_bits(struct span s)
{
	struct span w;
	uint32_t bits = 0;
	while (span_word(&s, &w))
		for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
			if (span_eq(w, words[i].word))
				bits |= UINT32_C(1) << words[i].bit;
	return bits;
}

/* ethtool(8)'s settings text as struct ethtool_cmd: link modes (and the lines that
 * continue them), ports, pause, autonegotiation. */
static void settings_to_cmd(const char *text, struct ethtool_cmd *cmd)
{
	struct cursor c = cursor_init(text, strlen(text));
	struct span line;
	uint32_t *cont = NULL;
	while (cursor_line(&c, &line)) {
		line = span_trim(line);
		const char *colon = memchr(line.p, ':', line.len);
		if (!colon) {
			if (cont)
				*cont |= mode_bits(line);
			continue;
		}
		struct span key = { line.p, (size_t)(colon - line.p) };
		struct span v = span_trim((struct span){ colon + 1, line.len - key.len - 1 });
		cont = NULL;
		if (span_eq(key, "Supported link modes"))
			cont = &cmd->supported;
		else if (span_eq(key, "Advertised link modes"))
			cont = &cmd->advertising;
		if (cont)
			*cont |= mode_bits(v);
		if (span_eq(key, "Supported ports"))
			cmd->supported |= mode_bits(v);
		uint32_t *pause = span_eq(key, "Supported pause frame use") ? &cmd->supported
				  : span_eq(key, "Advertised pause frame use") ? &cmd->advertising
									       : NULL;
		if (pause && (span_eq(v, "Symmetric") || span_eq(v, "Symmetric Receive-only")))
			*pause |= UINT32_C(1) << ETHTOOL_LINK_MODE_Pause_BIT;
		if (pause && (span_eq(v, "Transmit-only") || span_eq(v, "Symmetric Receive-only")))
			*pause |= UINT32_C(1) << ETHTOOL_LINK_MODE_Asym_Pause_BIT;
		if (span_eq(key, "Supports auto-negotiation") && span_eq(v, "Yes"))
			cmd->supported |= UINT32_C(1) << ETHTOOL_LINK_MODE_Autoneg_BIT;
		if (span_eq(key, "Advertised auto-negotiation") && span_eq(v, "Yes"))
			cmd->advertising |= UINT32_C(1) << ETHTOOL_LINK_MODE_Autoneg_BIT;
		if (span_eq(key, "Auto-negotiation") && span_eq(v, "on"))
			cmd->autoneg = 1;
	}
}

/* ethtool -S text: the statistics' names into names[32 each] and values into vals (both
 * may be NULL to count). Returns the count, or -errno for an "ERROR: n" line. */
static int stats_of(const char *text, char *names, uint64_t *vals)
{
	struct cursor c = cursor_init(text, strlen(text));
	struct span line;
	int n = 0;
	while (cursor_line(&c, &line)) {
		if (span_starts(line, "#") || span_starts(line, "NIC statistics:"))
			continue;
		line = span_trim(line);
		const char *sep = NULL;
		for (size_t i = 0; i + 1 < line.len; i++)
			if (line.p[i] == ':' && line.p[i + 1] == ' ')
				sep = line.p + i;
		if (!sep)
			continue;
		struct span key = { line.p, (size_t)(sep - line.p) };
		uint64_t v = 0;
		if (span_u64((struct span){ sep + 2, line.len - key.len - 2 }, &v) < 0)
			continue;
		if (span_eq(key, "ERROR"))
			return -(int)v;
		if (names) {
			memset(names + (size_t)n * ETH_GSTRING_LEN, 0, ETH_GSTRING_LEN);
			memcpy(names + (size_t)n * ETH_GSTRING_LEN, key.p,
			       key.len < ETH_GSTRING_LEN ? key.len : ETH_GSTRING_LEN);
			vals[n] = v;
		}
		n++;
	}
	return n;
}

/* The stand-in for SIOCETHTOOL: answers from the fixture files of ifname. */
static int fake_io(void *ctx, const char *ifname, void *data)
{
	struct fake *f = ctx;
	char text[8192];
	uint32_t cmd;
	memcpy(&cmd, data, sizeof(cmd));
	const char *hang = __atomic_load_n(&f->hang_dev, __ATOMIC_ACQUIRE);
	if (hang && strcmp(ifname, hang) == 0) {
		char b;
		if (read(f->hang[0], &b, 1) < 0)
			return -errno;
	}
	if (cmd == ETHTOOL_GSET) {
		struct ethtool_cmd *c = data;
		if (fixture_file(f, ifname, "settings", text, sizeof(text)) < 0)
			return -EOPNOTSUPP;
		settings_to_cmd(text, c);
		return 0;
	}
	if (cmd == ETHTOOL_GDRVINFO) {
		struct ethtool_drvinfo *d = data;
		if (fixture_file(f, ifname, "driver", text, sizeof(text)) < 0)
			return -EOPNOTSUPP;
		span_copy(value_of(text, "driver"), d->driver, sizeof(d->driver));
		span_copy(value_of(text, "version"), d->version, sizeof(d->version));
		span_copy(value_of(text, "firmware-version"), d->fw_version, sizeof(d->fw_version));
		span_copy(value_of(text, "bus-info"), d->bus_info, sizeof(d->bus_info));
		span_copy(value_of(text, "expansion-rom-version"), d->erom_version,
			  sizeof(d->erom_version));
		if (fixture_file(f, ifname, "statistics", text, sizeof(text)) >= 0) {
			int n = stats_of(text, NULL, NULL);
			d->n_stats = n > 0 ? (uint32_t)n : 0;
		}
		return 0;
	}
	if (fixture_file(f, ifname, "statistics", text, sizeof(text)) < 0)
		return -EOPNOTSUPP;
	static char names[256 * ETH_GSTRING_LEN];
	static uint64_t vals[256];
	int n = stats_of(text, names, vals);
	if (n < 0)
		return n;
	if (cmd == ETHTOOL_GSTRINGS) {
		struct ethtool_gstrings *g = data;
		g->len = (uint32_t)n;
		memcpy(g->data, names, (size_t)n * ETH_GSTRING_LEN);
		return 0;
	}
	struct ethtool_stats *s = data;
	s->n_stats = (uint32_t)n;
	memcpy(s->data, vals, (size_t)n * sizeof(uint64_t));
	return 0;
}

/* One ethtool collector built from flags (NULL-terminated, after the program name). */
struct run {
	struct plumb_config *cfg;
	struct collector c;
	struct metric_sink s;
	struct buf out;
};

static int run_start(struct run *r, const char *const *flags)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = "plumb";
	for (size_t i = 0; flags[i] && argc < 15; i++)
		argv[argc++] = (char *)flags[i];
	argv[argc] = NULL;
	memset(r, 0, sizeof(*r));
	log_setup("error", "logfmt");
	if (cfg_parse(argc, argv, &r->cfg) != 0)
		return -EINVAL;
	r->c.ops = &collector_ops_ethtool;
	r->c.cfg = r->cfg;
	r->c.fd_claim = -1;
	sink_init(&r->s);
	return r->c.ops->init(&r->c);
}

/* Collect once into r->out (rendered text). Returns collect's result. */
static int run_collect(struct run *r)
{
	sink_reset(&r->s);
	buf_reset(&r->out);
	int e = r->c.ops->collect(&r->c, &r->s);
	if (e == 0 && sink_finish(&r->s) == 0)
		render_sink(&r->s, EXPO_TEXT, &r->out);
	return e;
}

static void run_end(struct run *r)
{
	r->c.ops->fini(&r->c);
	sink_fini(&r->s);
	buf_fini(&r->out);
	cfg_free(r->cfg);
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%.4000s/ethtool", fixture_root());
	f->hang[0] = f->hang[1] = -1;
}

/* Start a collector on the fixture host with extra flags and the fixture stand-in. */
static int fixture_start(struct run *r, struct fake *f, const char *extra1, const char *extra2)
{
	static char sysfs[PATH_MAX + 32];
	snprintf(sysfs, sizeof(sysfs), "--path.sysfs=%.4000s/sys", fixture_root());
	const char *flags[] = { sysfs, extra1, extra2, NULL };
	int e = run_start(r, flags);
	if (e == 0)
		e = ethtool_set_io(&r->c, fake_io, f, 2000);
	return e;
}

/* node_exporter 1.5's output for these fixtures, series by series. */
static void fixture_series(void)
{
	struct run r;
	struct fake f;
	fake_init(&f);
	CHECK_INT(fixture_start(&r, &f, NULL, NULL), 0);
	CHECK_INT(run_collect(&r), 0);
	const char *t = r.out.p ? r.out.p : "";
	static const struct {
		const char *series;
		double v;
	} want[] = {
		{ "node_ethtool_align_errors{device=\"eth0\"}", 0 },
		{ "node_ethtool_info{bus_info=\"0000:00:1f.6\",device=\"eth0\",driver=\"e1000e\","
		  "expansion_rom_version=\"\",firmware_version=\"0.5-4\",version=\"5.11.0-22-generic\"}", 1 },
		{ "node_ethtool_port_received_dropped{device=\"eth0\"}", 12028 },
		{ "node_ethtool_received_broadcast{device=\"eth0\"}", 5792 },
		{ "node_ethtool_received_errors_total{device=\"eth0\"}", 0 },
		{ "node_ethtool_received_missed{device=\"eth0\"}", 401 },
		{ "node_ethtool_received_multicast{device=\"eth0\"}", 23973 },
		{ "node_ethtool_received_packets_total{device=\"eth0\"}", 1260062 },
		{ "node_ethtool_received_unicast{device=\"eth0\"}", 1230297 },
		{ "node_ethtool_transmitted_aborted{device=\"eth0\"}", 0 },
		{ "node_ethtool_transmitted_errors_total{device=\"eth0\"}", 0 },
		{ "node_ethtool_transmitted_multi_collisions{device=\"eth0\"}", 0 },
		{ "node_ethtool_transmitted_packets_total{device=\"eth0\"}", 961500 },
		{ "node_ethtool_transmitted_single_collisions{device=\"eth0\"}", 0 },
		{ "node_ethtool_transmitted_underrun{device=\"eth0\"}", 0 },
		{ "node_network_advertised_speed_bytes{device=\"eth0\",duplex=\"full\",mode=\"1000baseT\"}", 1.25e8 },
		{ "node_network_advertised_speed_bytes{device=\"eth0\",duplex=\"full\",mode=\"100baseT\"}", 1.25e7 },
		{ "node_network_advertised_speed_bytes{device=\"eth0\",duplex=\"full\",mode=\"10baseT\"}", 1.25e6 },
		{ "node_network_advertised_speed_bytes{device=\"eth0\",duplex=\"half\",mode=\"100baseT\"}", 1.25e7 },
		{ "node_network_advertised_speed_bytes{device=\"eth0\",duplex=\"half\",mode=\"10baseT\"}", 1.25e6 },
		{ "node_network_asymmetricpause_advertised{device=\"eth0\"}", 0 },
		{ "node_network_asymmetricpause_supported{device=\"eth0\"}", 0 },
		{ "node_network_autonegotiate{device=\"eth0\"}", 1 },
		{ "node_network_autonegotiate_advertised{device=\"eth0\"}", 1 },
		{ "node_network_autonegotiate_supported{device=\"eth0\"}", 1 },
		{ "node_network_pause_advertised{device=\"eth0\"}", 1 },
		{ "node_network_pause_supported{device=\"eth0\"}", 1 },
		{ "node_network_supported_port_info{device=\"eth0\",type=\"MII\"}", 1 },
		{ "node_network_supported_port_info{device=\"eth0\",type=\"TP\"}", 1 },
		{ "node_network_supported_speed_bytes{device=\"eth0\",duplex=\"full\",mode=\"10000baseT\"}", 1.25e9 },
		{ "node_network_supported_speed_bytes{device=\"eth0\",duplex=\"full\",mode=\"1000baseT\"}", 1.25e8 },
		{ "node_network_supported_speed_bytes{device=\"eth0\",duplex=\"full\",mode=\"100baseT\"}", 1.25e7 },
		{ "node_network_supported_speed_bytes{device=\"eth0\",duplex=\"full\",mode=\"10baseT\"}", 1.25e6 },
		{ "node_network_supported_speed_bytes{device=\"eth0\",duplex=\"half\",mode=\"100baseT\"}", 1.25e7 },
		{ "node_network_supported_speed_bytes{device=\"eth0\",duplex=\"half\",mode=\"10baseT\"}", 1.25e6 },
	};
	size_t nsamples = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		CHECK_DBL(series_value(t, want[i].series), want[i].v);
	for (const char *p = t; *p; p = strchr(p, '\n') + 1) {
		nsamples += *p != '#';
		if (!strchr(p, '\n'))
			break;
	}
	/* nothing else: not the two clashing "duplicate metric"s, nothing for bond0 (its
	 * statistics fail, it has no driver or settings) or dmz */
	CHECK_INT(nsamples, sizeof(want) / sizeof(*want));
	CHECK(has_line(t, "# TYPE node_ethtool_received_packets_total untyped"));
	CHECK(has_line(t, "# TYPE node_ethtool_align_errors untyped"));
	CHECK(has_line(t, "# TYPE node_ethtool_info gauge"));
	CHECK(has_line(t, "# TYPE node_network_supported_speed_bytes gauge"));
	CHECK(!has_line(t, "node_ethtool_duplicate_metric"));
	/* the second collection gives the same */
	CHECK_INT(run_collect(&r), 0);
	CHECK_DBL(series_value(r.out.p, "node_ethtool_received_missed{device=\"eth0\"}"), 401);
	run_end(&r);
}

static void flags_filter(void)
{
	struct run r;
	struct fake f;
	fake_init(&f);
	/* metrics-include matches the driver's own names, unanchored */
	CHECK_INT(fixture_start(&r, &f, "--collector.ethtool.metrics-include=^rx_(missed|packets)$", NULL), 0);
	CHECK_INT(run_collect(&r), 0);
	CHECK_DBL(series_value(r.out.p, "node_ethtool_received_missed{device=\"eth0\"}"), 401);
	CHECK_DBL(series_value(r.out.p, "node_ethtool_received_packets_total{device=\"eth0\"}"), 1260062);
	CHECK(!has_line(r.out.p, "node_ethtool_received_unicast"));
	CHECK(!has_line(r.out.p, "node_ethtool_transmitted"));
	CHECK(has_line(r.out.p, "node_ethtool_info{")); /* info and link series stay */
	CHECK(has_line(r.out.p, "node_network_autonegotiate{"));
	run_end(&r);
	/* a pattern that keeps one of two clashing names: the other no longer clashes */
	CHECK_INT(fixture_start(&r, &f, "--collector.ethtool.metrics-include=duplicate_", NULL), 0);
	CHECK_INT(run_collect(&r), 0);
	CHECK_DBL(series_value(r.out.p, "node_ethtool_duplicate_metric{device=\"eth0\"}"), 2);
	run_end(&r);
	/* device-exclude and device-include */
	CHECK_INT(fixture_start(&r, &f, "--collector.ethtool.device-exclude=^eth", NULL), 0);
	CHECK_INT(run_collect(&r), 0);
	CHECK(!has_line(r.out.p, "node_ethtool"));
	CHECK(!has_line(r.out.p, "node_network"));
	run_end(&r);
	CHECK_INT(fixture_start(&r, &f, "--collector.ethtool.device-include=^bond", NULL), 0);
	CHECK_INT(run_collect(&r), 0);
	CHECK(!has_line(r.out.p, "node_ethtool"));
	run_end(&r);
	/* both given: both apply */
	CHECK_INT(fixture_start(&r, &f, "--collector.ethtool.device-include=^(eth|bond)",
				"--collector.ethtool.device-exclude=0$"), 0);
	CHECK_INT(run_collect(&r), 0);
	CHECK(!has_line(r.out.p, "node_ethtool"));
	run_end(&r);
	const char *bad[] = { "--collector.ethtool.metrics-include=(", NULL };
	CHECK(run_start(&r, bad) == -EINVAL);
	cfg_free(r.cfg);
}

/* node_exporter's own examples of statistic names, and more. */
static void stat_names(void)
{
	static const struct {
		const char *raw, *want;
	} cases[] = {
		{ "rx_errors", "node_ethtool_received_errors" },
		{ "Queue[0] AllocFails", "node_ethtool_queue_0_allocfails" },
		{ "Tx LPI entry count", "node_ethtool_transmitted_lpi_entry_count" },
		{ "port.VF_admin_queue_requests", "node_ethtool_port_vf_admin_queue_requests" },
		{ "[3]: tx_bytes", "node_ethtool_3_transmitted_bytes" },
		{ "     err", "node_ethtool_err" },
		{ "rx_rx", "node_ethtool_received_rx" },      /* matches do not overlap */
		{ "rx", "node_ethtool_received" },
		{ "xrx_txy", "node_ethtool_xrx_txy" },
		{ "a_rx_rx_b", "node_ethtool_a_received_rx_b" }, /* the '_' went to the first */
		{ "a_rx_tx_b", "node_ethtool_a_received_transmitted_b" }, /* tx: a second pass */
		{ "__tx", "node_ethtool_transmitted" },
		{ "tx__rx", "node_ethtool_transmitted__received" },
		{ "a__-b", "node_ethtool_a_b" },
		{ "\xc3\xa9t\xc3\xa9", "node_ethtool_t_" },
		{ "1st", "node_ethtool_1st" },
	};
	char out[ETHTOOL_NAME_MAX];
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int n = ethtool_stat_name(span_cstr(cases[i].raw), out, sizeof(out));
		CHECK_INT(n, (long long)strlen(cases[i].want));
		CHECK_STR(out, cases[i].want);
	}
	CHECK_INT(ethtool_stat_name(span_cstr("___"), out, sizeof(out)), 0);
	CHECK_INT(ethtool_stat_name(span_cstr("!?"), out, sizeof(out)), 0);
	CHECK_INT(ethtool_stat_name(span_cstr("rx_rx_rx_rx_rx_rx_rx_rx_rx_rx_rx"), out, 20),
		  -ENAMETOOLONG);
	/* the longest growth of a 32-byte name fits */
	CHECK(ethtool_stat_name(span_cstr("rx_rx_rx_rx_rx_rx_rx_rx_rx_rx_rx"), out, sizeof(out)) > 0);
}

/* Fill name slot i of names. */
static void put_name(char *names, int i, const char *s)
{
	memset(names + (size_t)i * ETHTOOL_STR_LEN, 0, ETHTOOL_STR_LEN);
	memcpy(names + (size_t)i * ETHTOOL_STR_LEN, s, strnlen(s, ETHTOOL_STR_LEN));
}

/* Clashes (even three), repeats (last value wins), empty names, link keys, a name of
 * 32 bytes without NUL, too many statistics. */
static void stats_set(void)
{
	char names[10 * ETHTOOL_STR_LEN];
	uint64_t vals[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct ethtool_statset st = { 0 };
	struct metric_sink s;
	put_name(names, 0, "a.b");
	put_name(names, 1, "a-b");
	put_name(names, 2, "a b");
	put_name(names, 3, "q");
	put_name(names, 4, "");
	put_name(names, 5, "q");
	put_name(names, 6, "autonegotiate");
	put_name(names, 7, "rx_bytes");
	memset(names + (size_t)8 * ETHTOOL_STR_LEN, 'z', ETHTOOL_STR_LEN); /* no NUL */
	put_name(names, 9, "supported_speed");
	CHECK_INT(ethtool_stats_parse(&st, names, vals, 10, NULL), 0);
	CHECK_INT(st.n, 3);
	CHECK_STR(st.names.p + st.v[0].name_off, "node_ethtool_q");
	CHECK_INT(st.v[0].value, 6);
	CHECK_STR(st.names.p + st.v[1].name_off, "node_ethtool_received_bytes");
	CHECK_STR(st.names.p + st.v[2].name_off,
		  "node_ethtool_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	sink_init(&s);
	CHECK_INT(ethtool_emit_stats(&st, "x0", &s), 0);
	CHECK_INT(s.nseries, 3);
	struct buf out = { 0 };
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_ethtool_received_bytes_total{device=\"x0\"}"), 8);
	CHECK_DBL(series_value(out.p, "node_ethtool_q{device=\"x0\"}"), 6);
	buf_fini(&out);
	sink_fini(&s);
	CHECK_INT(ethtool_stats_parse(&st, names, vals, ETHTOOL_MAX_STATS + 1, NULL), -E2BIG);
	CHECK_INT(st.n, 0);
	ethtool_stats_fini(&st);
}

/* Short structs are refused; texts of 32 bytes without NUL are kept whole. */
static void structs(void)
{
	struct ethtool_drvinfo d;
	struct ethtool_drv drv;
	struct ethtool_cmd cmd = { .supported = 1u << 31, .advertising = 3, .autoneg = 1 };
	struct ethtool_link link;
	memset(&d, 'v', sizeof(d));
	d.n_stats = 7;
	CHECK_INT(ethtool_parse_drvinfo(&d, sizeof(d) - 1, &drv), -EINVAL);
	CHECK_INT(ethtool_parse_drvinfo(&d, sizeof(d), &drv), 0);
	CHECK_INT(strlen(drv.driver), 32);
	CHECK_INT(strlen(drv.erom_version), 32);
	CHECK_INT(drv.n_stats, 7);
	CHECK_INT(ethtool_parse_link(&cmd, sizeof(cmd) - 1, &link), -EINVAL);
	CHECK_INT(ethtool_parse_link(&cmd, sizeof(cmd), &link), 0);
	CHECK_INT(link.supported, 1u << 31);
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(ethtool_emit_link(&link, "x0", &s), 0);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_supported_speed_bytes{device=\"x0\",duplex=\"full\",mode=\"25000baseCR\"}"),
		  3.125e9);
	CHECK_DBL(series_value(out.p, "node_network_advertised_speed_bytes{device=\"x0\",duplex=\"half\",mode=\"10baseT\"}"),
		  1.25e6);
	buf_fini(&out);
	sink_fini(&s);
}

/* No class folder, or an empty one: no data (-ENODEV). */
static void no_interfaces(void)
{
	struct tmptree t;
	struct run r;
	char sysfs[PATH_MAX + 32];
	CHECK_INT(tmptree_make(&t), 0);
	snprintf(sysfs, sizeof(sysfs), "--path.sysfs=%.4000s/sys", t.root);
	const char *flags[] = { sysfs, NULL };
	CHECK_INT(run_start(&r, flags), 0);
	CHECK_INT(run_collect(&r), -ENODEV);
	CHECK_INT(tmptree_mkdir(&t, "sys/class/net"), 0);
	tmptree_put(&t, "sys/class/net/bonding_masters", "bond0\n");
	CHECK_INT(run_collect(&r), -ENODEV);
	run_end(&r);
	tmptree_rm(&t);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A driver that does not answer: the collection fails after the time limit, the next
 * fail at once while the call is out, and all is back once it returns. The collector
 * can be ended with the call still out. */
static void stuck_driver(void)
{
	struct run r;
	static struct fake f; /* the worker may still read it after this function returns */
	fake_init(&f);
	CHECK_INT(pipe(f.hang), 0);
	__atomic_store_n(&f.hang_dev, "eth0", __ATOMIC_RELEASE);
	CHECK_INT(fixture_start(&r, &f, NULL, NULL), 0);
	CHECK_INT(ethtool_set_io(&r.c, fake_io, &f, 200), 0);
	double t0 = now_s();
	CHECK_INT(run_collect(&r), -ETIMEDOUT);
	double t1 = now_s();
	CHECK(t1 - t0 >= 0.19 && t1 - t0 < 2);
	CHECK_INT(run_collect(&r), -ETIMEDOUT);
	CHECK(now_s() - t1 < 0.1);
	CHECK_INT(ethtool_set_io(&r.c, fake_io, &f, 200), -EBUSY);
	__atomic_store_n(&f.hang_dev, NULL, __ATOMIC_RELEASE);
	CHECK_INT(write(f.hang[1], "x", 1), 1);
	int e = -ETIMEDOUT;
	for (int i = 0; i < 100 && e == -ETIMEDOUT; i++) {
		usleep(10000);
		e = run_collect(&r);
	}
	CHECK_INT(e, 0);
	CHECK_DBL(series_value(r.out.p, "node_ethtool_received_missed{device=\"eth0\"}"), 401);
	/* stuck again, and ended while stuck: the worker frees the job when it returns */
	__atomic_store_n(&f.hang_dev, "eth0", __ATOMIC_RELEASE);
	CHECK_INT(run_collect(&r), -ETIMEDOUT);
	run_end(&r);
	CHECK_INT(write(f.hang[1], "x", 1), 1);
	/* the pipe stays open: nothing orders the worker's last read before a close here */
}

/* The real ioctl against this host's interfaces (whatever they support). */
static void live_host(void)
{
	struct run r;
	const char *flags[] = { NULL };
	CHECK_INT(run_start(&r, flags), 0);
	int e = run_collect(&r);
	CHECK(e == 0 || e == -ENODEV);
	run_end(&r);
}

int main(void)
{
	RUN(fixture_series);
	RUN(flags_filter);
	RUN(stat_names);
	RUN(stats_set);
	RUN(structs);
	RUN(no_interfaces);
	RUN(stuck_driver);
	RUN(live_host);
	return T_DONE("test_ethtool");
}

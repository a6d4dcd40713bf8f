/*
 * arp: the number of neighbour (ARP) table entries per network device, from
 * /proc/net/arp.
 *
 * The file has a header ("IP address HW type Flags HW address Mask Device") and one
 * line per entry; the device is the last column. --collector.arp.device-include and
 * --collector.arp.device-exclude pick devices by regex. Only the /proc path is
 * implemented: the netlink path node_exporter prefers by default is not, so plumb
 * does not accept --collector.arp.netlink.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/arp.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/procfile.h"

#define ARP_COLS 6
#define ARP_HEADER_COLS 9

static const struct metric_desc desc_entries = {
	"node_arp_entries", "Entries in the ARP (IPv4 neighbour) table, per device.",
	METRIC_GAUGE,
};

static const struct flag_def arp_flags[] = {
	{ "collector.arp.device-include", FLAG_REGEX, NULL,
	  "Regexp of devices to count ARP entries for (exclusive with device-exclude).", false },
	{ "collector.arp.device-exclude", FLAG_REGEX, NULL,
	  "Regexp of devices not to count ARP entries for (exclusive with device-include).", false },
	{ NULL, 0, NULL, NULL, false },
};

struct arp_priv {
	struct procfile pf;
	struct filter filter;
	struct arp_counts tab;
};

/* Whether s is a MAC address as Go's net.ParseMAC takes it in colon form: 6, 8 or 20
 * two-digit hex groups separated by ':' or '-'. */
static bool mac_ok(struct span s)
{
	size_t groups = (s.len + 1) / 3;
	if (s.len < 2 || (s.len + 1) % 3 || (groups != 6 && groups != 8 && groups != 20))
		return false;
	char sep = s.len > 2 ? s.p[2] : ':';
	if (sep != ':' && sep != '-')
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.p[i];
		bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
			   (ch >= 'A' && ch <= 'F');
		if (i % 3 == 2 ? ch != sep : !hex)
			return false;
	}
	return true;
}

/* Parse Go base-0 unsigned text ("0x2", "2", "0o7") for the flags column. */
static bool flags_ok(struct span s)
{
	uint64_t v;
	if (s.len > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X'))
		return span_u64_base(s, 16, &v) == 0 && v <= UINT32_MAX;
	return span_u64(s, &v) == 0 && v <= UINT32_MAX;
}

/* Count one device in tab. Returns 0, -E2BIG past ARP_MAX_DEVICES, or -ENOMEM. */
static int count_device(struct arp_counts *tab, struct span dev)
{
	for (size_t i = 0; i < tab->n; i++) {
		if (tab->v[i].name.len == dev.len && memcmp(tab->v[i].name.p, dev.p, dev.len) == 0) {
			tab->v[i].count++;
			return 0;
		}
	}
	if (tab->n >= ARP_MAX_DEVICES)
		return -E2BIG;
	if (tab->n == tab->cap) {
		size_t ncap = tab->cap ? tab->cap * 2 : 16;
		struct arp_dev *nv = realloc(tab->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		tab->v = nv;
		tab->cap = ncap;
	}
	tab->v[tab->n++] = (struct arp_dev){ dev, 1 };
	return 0;
}

/* Take one line: skip the header and blanks, count a valid entry. Returns 0 or -errno. */
static int parse_line(struct span line, struct arp_counts *tab)
{
	struct span col[ARP_HEADER_COLS + 1];
	size_t n = 0;
	while (n <= ARP_HEADER_COLS && span_word(&line, &col[n]))
		n++;
	if (n == 0 || n == ARP_HEADER_COLS)
		return 0;
	if (n != ARP_COLS || !mac_ok(col[3]) || !flags_ok(col[2]))
		return -EINVAL;
	if (memchr(col[5].p, '\0', col[5].len))
		return -EINVAL; /* no kernel writes that; it could not be exposed either */
	return count_device(tab, col[5]);
}

int arp_parse(const char *buf, size_t len, const struct filter *f, struct arp_counts *tab,
	      struct metric_sink *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	int r;
	tab->n = 0;
	while (cursor_line(&c, &line))
		if ((r = parse_line(line, tab)) < 0)
			return r;
	for (size_t i = 0; i < tab->n; i++) {
		struct span dev = tab->v[i].name;
		if (f && !filter_pass(f, dev.p, dev.len))
			continue;
		if ((r = sink_add(out, &desc_entries, tab->v[i].count, LABELS(LS("device", dev)))) < 0)
			return r;
	}
	return 0;
}

void arp_counts_fini(struct arp_counts *tab)
{
	free(tab->v);
	*tab = (struct arp_counts){ 0 };
}

static int arp_init(struct collector *c)
{
	struct arp_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pf.fd = -1;
	c->priv = p;
	const char *inc = cfg_str(c->cfg, "collector.arp.device-include");
	const char *exc = cfg_str(c->cfg, "collector.arp.device-exclude");
	if (inc && *inc && exc && *exc) {
		plog(LOG_ERROR, "--collector.arp.device-include and device-exclude exclude each other",
		     PLOG_END);
		return -EINVAL;
	}
	int r = filter_init(&p->filter, inc, exc);
	if (r < 0)
		return r;
	return procfile_init(&p->pf, cfg_procfs(c->cfg), "net/arp", 0);
}

static int arp_collect(struct collector *c, struct metric_sink *out)
{
	struct arp_priv *p = c->priv;
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r;
	return arp_parse(p->pf.buf, p->pf.len, &p->filter, &p->tab, out);
}

static void arp_fini(struct collector *c)
{
	struct arp_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->pf);
		filter_fini(&p->filter);
		arp_counts_fini(&p->tab);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_arp = {
	.name = "arp",
	.default_enabled = true,
	.reads = "/proc/net/arp",
	.flags = arp_flags,
	.init = arp_init,
	.collect = arp_collect,
	.fini = arp_fini,
};

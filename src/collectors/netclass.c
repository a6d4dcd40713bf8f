/*
 * netclass: network interface properties from /sys/class/net/<iface>/ (operational
 * state, MTU, speed, carrier changes, flags, addresses...).
 *
 * The class directory is listed every scrape (interfaces come and go). Plain files in
 * it (bonding_masters) are skipped; --collector.netclass.ignored-devices drops devices
 * by regex. Each attribute is read once per scrape, at most 128 bytes, trimmed. As in
 * node_exporter, an attribute that cannot be read because it does not exist, is not
 * permitted, or the driver answers EINVAL/EOPNOTSUPP (speed of a link that is down) is
 * just absent; any other read error fails the collection. An integer attribute that
 * does not parse (Go base-0 syntax: 10, 0x1003, 017) is absent too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/netclass.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/sysfs.h"
#include "lib/log.h"
#include "lib/regex.h"

const char *const netclass_int_files[NC_NINT] = {
	"addr_assign_type", "carrier", "carrier_changes", "carrier_up_count",
	"carrier_down_count", "dev_id", "dormant", "flags", "ifindex", "iflink", "link_mode",
	"mtu", "name_assign_type", "netdev_group", "speed", "tx_queue_len", "type",
};
const char *const netclass_str_files[NC_NSTR] = {
	"address", "broadcast", "duplex", "operstate", "ifalias",
};

/* Families fed by integer attributes, in enum order (speed is scaled to bytes). */
static const struct metric_desc int_descs[NC_NINT] = {
	{ "node_network_address_assign_type", "How the interface's address was assigned (addr_assign_type).", METRIC_GAUGE },
	{ "node_network_carrier", "1 when the interface has a physical link (carrier).", METRIC_GAUGE },
	{ "node_network_carrier_changes_total", "Times the link went up or down.", METRIC_COUNTER },
	{ "node_network_carrier_up_changes_total", "Times the link came up.", METRIC_COUNTER },
	{ "node_network_carrier_down_changes_total", "Times the link went down.", METRIC_COUNTER },
	{ "node_network_device_id", "Port number among interfaces sharing a device (dev_id).", METRIC_GAUGE },
	{ "node_network_dormant", "1 when the interface waits for an external event (dormant).", METRIC_GAUGE },
	{ "node_network_flags", "Interface flags (IFF_*) as a number.", METRIC_GAUGE },
	{ "node_network_iface_id", "Interface index (ifindex).", METRIC_GAUGE },
	{ "node_network_iface_link", "Index of the interface this one is bound to (iflink).", METRIC_GAUGE },
	{ "node_network_iface_link_mode", "Link mode: 0 default, 1 dormant (link_mode).", METRIC_GAUGE },
	{ "node_network_mtu_bytes", "Largest packet the interface sends, in bytes (MTU).", METRIC_GAUGE },
	{ "node_network_name_assign_type", "How the interface got its name (name_assign_type).", METRIC_GAUGE },
	{ "node_network_net_dev_group", "Device group of the interface (netdev_group).", METRIC_GAUGE },
	{ "node_network_speed_bytes", "Link speed in bytes per second.", METRIC_GAUGE },
	{ "node_network_transmit_queue_length", "Length of the transmit queue, in packets.", METRIC_GAUGE },
	{ "node_network_protocol_type", "Hardware type of the interface (ARPHRD_*).", METRIC_GAUGE },
};

/* Order node_exporter reports them in (cosmetic: the sink sorts anyway). */
static const struct metric_desc desc_up = {
	"node_network_up", "1 when the interface's operational state is up, else 0.", METRIC_GAUGE,
};
static const struct metric_desc desc_info = {
	"node_network_info", "Text properties of a network interface as labels; always 1.",
	METRIC_GAUGE,
};

static const struct flag_def netclass_flags[] = {
	{ "collector.netclass.ignored-devices", FLAG_REGEX, "^$",
	  "Regexp of network interfaces the netclass collector leaves out.", false },
	{ "collector.netclass.ignore-invalid-speed", FLAG_BOOL, "false",
	  "Leave out the speed of interfaces that report a negative (unknown) speed.", false },
	{ NULL, 0, NULL, NULL, false },
};

struct netclass_priv {
	struct dirscan dir;
	struct regex *ignored;
	bool ignore_invalid_speed;
	struct netclass_iface ifc;
};

/* Parse Go's strconv.ParseInt(s, 0, 64) syntax: sign, then 0x/0o/0b prefix or a
 * leading 0 for octal. Returns 0 or -EINVAL/-ERANGE. */
static int parse_go_int(struct span s, int64_t *out)
{
	bool neg = false;
	int base = 10;
	uint64_t u;
	if (s.len && (s.p[0] == '-' || s.p[0] == '+')) {
		neg = s.p[0] == '-';
		s.p++, s.len--;
	}
	if (s.len > 2 && s.p[0] == '0' && strchr("xXoObB", s.p[1])) {
		char c = s.p[1];
		base = (c == 'x' || c == 'X') ? 16 : (c == 'o' || c == 'O') ? 8 : 2;
		s.p += 2, s.len -= 2;
	} else if (s.len > 1 && s.p[0] == '0') {
		base = 8;
	}
	if (s.len == 0 || s.p[0] == 'x' || s.p[0] == 'X')
		return -EINVAL;
	int r = base == 2 ? -EINVAL : span_u64_base(s, base, &u);
	if (base == 2) {
		u = 0;
		for (size_t i = 0; i < s.len; i++) {
			if ((s.p[i] != '0' && s.p[i] != '1') || u >> 63)
				return -EINVAL;
			u = u << 1 | (uint64_t)(s.p[i] - '0');
		}
		r = 0;
	}
	if (r < 0)
		return r;
	if (u > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return -ERANGE;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

void netclass_set_attr(struct netclass_iface *ifc, const char *file, const char *value,
		       size_t len)
{
	struct span v = span_trim((struct span){ value, len < NETCLASS_ATTR_MAX ? len : NETCLASS_ATTR_MAX });
	for (int i = 0; i < NC_NINT; i++) {
		if (strcmp(file, netclass_int_files[i]) == 0) {
			ifc->has[i] = parse_go_int(v, &ifc->v[i]) == 0;
			return;
		}
	}
	for (int i = 0; i < NC_NSTR; i++) {
		if (strcmp(file, netclass_str_files[i]) == 0) {
			memcpy(ifc->s[i], v.p, v.len);
			ifc->s[i][v.len] = '\0';
			return;
		}
	}
}

/* The value of an integer attribute as node_exporter reports it. */
static double int_value(const struct netclass_iface *ifc, int i)
{
	if (i != NC_SPEED)
		return (double)ifc->v[i];
	/* Mb/s to bytes/s in int64 arithmetic, wrapping like Go's */
	uint64_t bits = (uint64_t)ifc->v[i] * 1000000u;
	return (double)((int64_t)bits / 8);
}

int netclass_emit(const struct netclass_iface *ifc, const char *device,
		  bool ignore_invalid_speed, struct metric_sink *out)
{
	const char *admin = !ifc->has[NC_FLAGS] ? "unknown" : (ifc->v[NC_FLAGS] & 1) ? "up" : "down";
	int r = sink_add(out, &desc_up, strcmp(ifc->s[NC_OPERSTATE], "up") == 0 ? 1 : 0,
			 LABELS(L("device", device)));
	if (r < 0)
		return r;
	r = sink_add(out, &desc_info, 1,
		     LABELS(L("address", ifc->s[NC_ADDRESS]), L("adminstate", admin),
			    L("broadcast", ifc->s[NC_BROADCAST]), L("device", device),
			    L("duplex", ifc->s[NC_DUPLEX]), L("ifalias", ifc->s[NC_IFALIAS]),
			    L("operstate", ifc->s[NC_OPERSTATE])));
	for (int i = 0; r == 0 && i < NC_NINT; i++) {
		if (!ifc->has[i] || (i == NC_SPEED && ignore_invalid_speed && ifc->v[i] < 0))
			continue;
		r = sink_add(out, &int_descs[i], int_value(ifc, i), LABELS(L("device", device)));
	}
	return r;
}

/* Whether a failed attribute read just means "absent". */
static bool ignorable(int err)
{
	return err == -ENOENT || err == -EACCES || err == -EPERM || err == -EINVAL ||
	       err == -EOPNOTSUPP || err == -ENOTDIR;
}

/* Read one attribute of the interface at dirfd into ifc. Returns 0 or -errno. */
static int read_one(int dirfd, const char *file, struct netclass_iface *ifc)
{
	char buf[NETCLASS_ATTR_MAX + 1];
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ignorable(-errno) ? 0 : -errno;
	ssize_t n;
	do {
		n = read(fd, buf, NETCLASS_ATTR_MAX);
	} while (n < 0 && errno == EINTR);
	int r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return ignorable(r) ? 0 : r;
	netclass_set_attr(ifc, file, buf, (size_t)n);
	return 0;
}

/* Read every attribute of one interface directory. Returns 0 or -errno. */
static int read_iface(int dirfd, struct netclass_iface *ifc)
{
	memset(ifc->has, 0, sizeof(ifc->has));
	for (int i = 0; i < NC_NSTR; i++)
		ifc->s[i][0] = '\0';
	for (int i = 0; i < NC_NINT; i++) {
		int r = read_one(dirfd, netclass_int_files[i], ifc);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < NC_NSTR; i++) {
		int r = read_one(dirfd, netclass_str_files[i], ifc);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Collect one entry of the class directory. Returns 0 or -errno. */
static int collect_entry(struct netclass_priv *p, const char *name, struct metric_sink *out)
{
	if (regex_match(p->ignored, name, strlen(name)))
		return 0;
	int fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	if (fd == -ENOTDIR || fd == -ENOENT)
		return 0; /* a plain file (bonding_masters), or gone since the listing */
	if (fd < 0)
		return fd;
	int r = read_iface(fd, &p->ifc);
	close(fd);
	if (r < 0)
		return r;
	return netclass_emit(&p->ifc, name, p->ignore_invalid_speed, out);
}

static int netclass_collect(struct collector *c, struct metric_sink *out)
{
	struct netclass_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	if (r < 0)
		return r;
	while ((r = dirscan_next(&p->dir, &name, &type)) > 0) {
		if (type != DT_DIR && type != DT_LNK && type != DT_REG && type != DT_UNKNOWN)
			continue;
		if ((r = collect_entry(p, name, out)) < 0)
			return r;
	}
	return r;
}

static int netclass_init(struct collector *c)
{
	struct netclass_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	p->ignore_invalid_speed = cfg_bool(c->cfg, "collector.netclass.ignore-invalid-speed");
	const char *pat = cfg_str(c->cfg, "collector.netclass.ignored-devices");
	int r = regex_compile(pat ? pat : "^$", &p->ignored, NULL, 0);
	if (r < 0)
		return r;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/net");
}

static void netclass_fini(struct collector *c)
{
	struct netclass_priv *p = c->priv;
	if (p) {
		dirscan_fini(&p->dir);
		regex_free(p->ignored);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_netclass = {
	.name = "netclass",
	.default_enabled = true,
	.reads = "/sys/class/net/<iface>/",
	.flags = netclass_flags,
	.init = netclass_init,
	.collect = netclass_collect,
	.fini = netclass_fini,
};

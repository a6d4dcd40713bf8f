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
 *
 * Opening ~22 sysfs files per interface per scrape costs more than reading them, so the
 * attribute files of up to NC_HELD_MAX interfaces (fewer if the core grants fewer descriptors) are
 * held open and re-read with pread at offset 0, which makes sysfs call the attribute's
 * show() again. A held interface is known by its entry's name and inode number in the
 * class directory: an interface that is deleted, renamed, or deleted and made again
 * under the same name no longer matches and its files are closed. A held file that
 * answers ENODEV (its device went away between listing and reading) or any other
 * unexpected error drops the interface back to plain open/read/close for that scrape,
 * so errors are reported exactly as without the cache. An attribute whose open failed
 * (absent, not permitted) is retried each scrape, as before.
 *
 * On the kernel's sysfs (not a fixture tree) the kernel answers carrier, dormant, speed
 * and duplex with EINVAL while the interface is not up, so for a held interface whose
 * flags (read first) lack IFF_UP they are not read: absent, as the kernel makes them.
 *
 * With --collector.netclass.netlink none of this runs: netclass/rtnl.c asks rtnetlink
 * and ethtool's netlink family instead (see there).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "collectors/netclass.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/sysfs.h"
#include "lib/log.h"
#include "lib/regex.h"
#include "lib/regfile.h"

const char *const netclass_int_files[NC_NINT] = {
	"addr_assign_type", "carrier", "carrier_changes", "carrier_up_count",
	"carrier_down_count", "dev_id", "dormant", "flags", "ifindex", "iflink", "link_mode",
	"mtu", "name_assign_type", "netdev_group", "speed", "tx_queue_len", "type",
};
const char *const netclass_str_files[NC_NSTR] = {
	"address", "broadcast", "duplex", "operstate", "ifalias",
};

/* Families fed by integer attributes, in enum order (speed is scaled to bytes). */
const struct metric_desc netclass_int_descs[NC_NINT] = {
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
const struct metric_desc netclass_desc_up = {
	"node_network_up", "1 when the interface's operational state is up, else 0.", METRIC_GAUGE,
};
const struct metric_desc netclass_desc_info = {
	"node_network_info", "Text properties of a network interface as labels; always 1.",
	METRIC_GAUGE,
};

static const struct flag_def netclass_flags[] = {
	{ "collector.netclass.ignored-devices", FLAG_REGEX, "^$",
	  "Regexp of network interfaces the netclass collector leaves out.", false },
	{ "collector.netclass.ignore-invalid-speed", FLAG_BOOL, "false",
	  "Leave out the speed of interfaces that report a negative (unknown) speed.", false },
	{ "collector.netclass.netlink", FLAG_BOOL, "false",
	  "Read interface properties over rtnetlink (and speed and duplex from ethtool's "
	  "netlink family) instead of from sysfs attributes, which take the RTNL lock.", false },
	{ "collector.netclass_rtnl.with-stats", FLAG_BOOL, "false",
	  "With --collector.netclass.netlink, also report each interface's traffic and "
	  "error counters (as gauges), replacing the netdev collector: turn netdev off.", false },
	{ NULL, 0, NULL, NULL, false },
};

#define NC_NATTR (NC_NINT + NC_NSTR)
#define NC_HELD_MAX 256    /* interfaces whose files are held open, at most */
#define NC_HELD_NAME 32    /* longest entry name held, with its NUL (IFNAMSIZ is 16) */

/* One interface whose directory and attribute files are held open. */
struct nc_held {
	int dirfd;                /* the interface's directory; -1: slot free */
	int fd[NC_NATTR];         /* attribute files in enum order (ints, then strings);
				     -1 when not open (retried every scrape) */
	unsigned long long ino;   /* d_ino of the class entry it was opened through */
	bool seen;                /* listed in the current scrape */
	char name[NC_HELD_NAME];
};

struct netclass_priv {
	struct dirscan dir;
	struct regex *ignored;
	struct netclass_rtnl *rtnl; /* owned; the netlink mode, or NULL for sysfs */
	bool ignore_invalid_speed;
	signed char kernel;       /* the class directory is the kernel's sysfs: 1, 0, -1 unknown */
	unsigned nheld_max;       /* slots of held[] in use at most (fd budget) */
	struct netclass_iface ifc;
	struct nc_held held[NC_HELD_MAX];
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

/* The file name of attribute a (0..NC_NATTR: integers, then strings). */
static const char *attr_file(int a)
{
	return a < NC_NINT ? netclass_int_files[a] : netclass_str_files[a - NC_NINT];
}

/* Store the raw text value[0..len) of attribute a (0..NC_NATTR) in ifc, as
 * netclass_set_attr does. */
static void set_attr(struct netclass_iface *ifc, int a, const char *value, size_t len)
{
	struct span v = span_trim((struct span){ value, len < NETCLASS_ATTR_MAX ? len : NETCLASS_ATTR_MAX });
	if (a < NC_NINT) {
		ifc->has[a] = parse_go_int(v, &ifc->v[a]) == 0;
		return;
	}
	memcpy(ifc->s[a - NC_NINT], v.p, v.len);
	ifc->s[a - NC_NINT][v.len] = '\0';
}

void netclass_set_attr(struct netclass_iface *ifc, const char *file, const char *value,
		       size_t len)
{
	for (int a = 0; a < NC_NATTR; a++) {
		if (strcmp(file, attr_file(a)) == 0) {
			set_attr(ifc, a, value, len);
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
	/* NOLINTNEXTLINE(bugprone-integer-division): whole bytes, as Go's integer division */
	return (double)((int64_t)bits / 8);
}

int netclass_emit(const struct netclass_iface *ifc, const char *device,
		  bool ignore_invalid_speed, struct metric_sink *out)
{
	const char *admin = !ifc->has[NC_FLAGS] ? "unknown" : (ifc->v[NC_FLAGS] & 1) ? "up" : "down";
	int r = sink_add(out, &netclass_desc_up, strcmp(ifc->s[NC_OPERSTATE], "up") == 0 ? 1 : 0,
			 LABELS(L("device", device)));
	if (r < 0)
		return r;
	r = sink_add(out, &netclass_desc_info, 1,
		     LABELS(L("address", ifc->s[NC_ADDRESS]), L("adminstate", admin),
			    L("broadcast", ifc->s[NC_BROADCAST]), L("device", device),
			    L("duplex", ifc->s[NC_DUPLEX]), L("ifalias", ifc->s[NC_IFALIAS]),
			    L("operstate", ifc->s[NC_OPERSTATE])));
	for (int i = 0; r == 0 && i < NC_NINT; i++) {
		if (!ifc->has[i] || (i == NC_SPEED && ignore_invalid_speed && ifc->v[i] < 0))
			continue;
		r = sink_add(out, &netclass_int_descs[i], int_value(ifc, i), LABELS(L("device", device)));
	}
	return r;
}

bool netclass_absent(int err)
{
	return err == -ENOENT || err == -EACCES || err == -EPERM || err == -EINVAL ||
	       err == -EOPNOTSUPP || err == -ENOTDIR;
}

/* Read attribute a of the interface at dirfd into ifc: open, read, close. Returns 0 or
 * -errno. */
static int read_one(int dirfd, int a, struct netclass_iface *ifc)
{
	char buf[NETCLASS_ATTR_MAX + 1];
	int fd = regfile_open(dirfd, attr_file(a), NULL);
	if (fd < 0)
		return netclass_absent(fd) ? 0 : fd;
	ssize_t n;
	do {
		n = read(fd, buf, NETCLASS_ATTR_MAX);
	} while (n < 0 && errno == EINTR);
	int r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return netclass_absent(r) ? 0 : r;
	set_attr(ifc, a, buf, (size_t)n);
	return 0;
}

/* Forget what ifc held from the previous interface. */
static void clear_iface(struct netclass_iface *ifc)
{
	memset(ifc->has, 0, sizeof(ifc->has));
	for (int i = 0; i < NC_NSTR; i++)
		ifc->s[i][0] = '\0';
}

/* Read every attribute of one interface directory. Returns 0 or -errno. */
static int read_iface(int dirfd, struct netclass_iface *ifc)
{
	clear_iface(ifc);
	for (int a = 0; a < NC_NATTR; a++) {
		int r = read_one(dirfd, a, ifc);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Close h's files and free its slot. Accepts a free slot (which holds no file: most
 * of the NC_HELD_MAX are, and each scrape passes over them all). */
static void held_close(struct nc_held *h)
{
	if (h->dirfd < 0)
		return;
	for (int a = 0; a < NC_NATTR; a++) {
		if (h->fd[a] >= 0)
			close(h->fd[a]);
		h->fd[a] = -1;
	}
	if (h->dirfd >= 0)
		close(h->dirfd);
	h->dirfd = -1;
}

/* Read attribute a through held slot h (opening it first if it is not open yet).
 * Returns 0 (also for an attribute that is absent, as read_one) or -errno for any
 * other failure, -ENODEV included: then the caller drops h. */
static int held_read(struct nc_held *h, int a, struct netclass_iface *ifc)
{
	char buf[NETCLASS_ATTR_MAX + 1];
	if (h->fd[a] < 0) {
		int fd = regfile_open(h->dirfd, attr_file(a), NULL);
		if (fd < 0)
			return netclass_absent(fd) ? 0 : fd;
		h->fd[a] = fd;
	}
	ssize_t n;
	do {
		n = regfile_pread(h->fd[a], buf, NETCLASS_ATTR_MAX, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return netclass_absent(-errno) ? 0 : -errno;
	set_attr(ifc, a, buf, (size_t)n);
	return 0;
}

/* Whether the kernel answers attribute a with EINVAL while its interface is not up. */
static bool needs_up(int a)
{
	return a == NC_CARRIER || a == NC_DORMANT || a == NC_SPEED || a == NC_NINT + NC_DUPLEX;
}

/* Read every attribute through held slot h, flags first: on the kernel's sysfs an
 * interface that is not up has no carrier, dormant, speed or duplex to read. Returns 0
 * or -errno (see held_read). */
static int held_read_iface(struct nc_held *h, bool kernel, struct netclass_iface *ifc)
{
	clear_iface(ifc);
	int r = held_read(h, NC_FLAGS, ifc);
	bool down = kernel && ifc->has[NC_FLAGS] && !(ifc->v[NC_FLAGS] & IFF_UP);
	for (int a = 0; r == 0 && a < NC_NATTR; a++)
		if (a != NC_FLAGS && !(down && needs_up(a)))
			r = held_read(h, a, ifc);
	return r;
}

/* Whether the class directory (open in p->dir) is the kernel's sysfs, asked once. */
static bool on_kernel_sysfs(struct netclass_priv *p)
{
	struct statfs sf;
	if (p->kernel < 0)
		p->kernel = fstatfs(dirscan_fd(&p->dir), &sf) == 0 && sf.f_type == SYSFS_MAGIC;
	return p->kernel == 1;
}

/* The held slot for entry name with inode ino, or NULL. A slot held under this name
 * for another inode (the interface was made again) is closed. */
static struct nc_held *held_find(struct netclass_priv *p, const char *name,
				 unsigned long long ino)
{
	for (unsigned i = 0; i < p->nheld_max; i++) {
		struct nc_held *h = &p->held[i];
		if (h->dirfd < 0 || strcmp(h->name, name) != 0)
			continue;
		if (h->ino == ino)
			return h;
		held_close(h);
		return NULL;
	}
	return NULL;
}

/* Take a free slot for the interface directory dirfd (entry name, inode ino): the slot
 * owns dirfd from then on. Returns the slot, or NULL (none free, or the name is too
 * long) and the caller keeps dirfd. */
static struct nc_held *held_take(struct netclass_priv *p, const char *name,
				 unsigned long long ino, int dirfd)
{
	size_t len = strlen(name);
	if (len >= NC_HELD_NAME)
		return NULL;
	for (unsigned i = 0; i < p->nheld_max; i++) {
		struct nc_held *h = &p->held[i];
		if (h->dirfd >= 0)
			continue;
		memcpy(h->name, name, len + 1);
		h->ino = ino;
		h->dirfd = dirfd;
		return h;
	}
	return NULL;
}

/* Collect one entry of the class directory: through its held files if it has them,
 * else by opening it (and holding its files if a slot is free). Returns 0 or -errno. */
static int collect_entry(struct netclass_priv *p, const char *name, unsigned long long ino,
			 struct metric_sink *out)
{
	if (regex_match(p->ignored, name, strlen(name)))
		return 0;
	struct nc_held *h = held_find(p, name, ino);
	bool kernel = on_kernel_sysfs(p);
	if (h) {
		h->seen = true;
		if (held_read_iface(h, kernel, &p->ifc) == 0)
			return netclass_emit(&p->ifc, name, p->ignore_invalid_speed, out);
		held_close(h); /* gone or failing: read it the plain way, errors and all */
	}
	int fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	if (fd == -ENOTDIR || fd == -ENOENT)
		return 0; /* a plain file (bonding_masters), or gone since the listing */
	if (fd < 0)
		return fd;
	int r;
	if (!h && (h = held_take(p, name, ino, fd))) {
		h->seen = true;
		r = held_read_iface(h, kernel, &p->ifc);
		if (r < 0) {
			held_close(h);
			return r;
		}
	} else {
		r = read_iface(fd, &p->ifc);
		close(fd);
		if (r < 0)
			return r;
	}
	return netclass_emit(&p->ifc, name, p->ignore_invalid_speed, out);
}

static int netclass_collect(struct collector *c, struct metric_sink *out)
{
	struct netclass_priv *p = c->priv;
	const char *name;
	unsigned char type;
	if (p->rtnl)
		return netclass_rtnl_collect(p->rtnl, out);
	for (unsigned i = 0; i < p->nheld_max; i++)
		p->held[i].seen = false;
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0) {
		r = 0;
		if (type != DT_DIR && type != DT_LNK && type != DT_REG && type != DT_UNKNOWN)
			continue;
		r = collect_entry(p, name, dirscan_ino(&p->dir), out);
	}
	/* interfaces no longer listed (or not reached after an error) let go of their files */
	for (unsigned i = 0; i < p->nheld_max; i++) {
		if (!p->held[i].seen)
			held_close(&p->held[i]);
	}
	return r;
}

/* Claim a directory and the attribute files for each interface it may hold. */
static int netclass_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, (uint64_t)NC_HELD_MAX * (NC_NATTR + 1));
}

static int netclass_init(struct collector *c)
{
	struct netclass_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	for (unsigned i = 0; i < NC_HELD_MAX; i++) {
		p->held[i].dirfd = -1;
		for (int a = 0; a < NC_NATTR; a++)
			p->held[i].fd[a] = -1;
	}
	c->priv = p;
	p->kernel = -1;
	uint64_t budget = c->fd_budget / (NC_NATTR + 1);
	p->nheld_max = budget < NC_HELD_MAX ? (unsigned)budget : NC_HELD_MAX;
	p->ignore_invalid_speed = cfg_bool(c->cfg, "collector.netclass.ignore-invalid-speed");
	const char *pat = cfg_str(c->cfg, "collector.netclass.ignored-devices");
	int r = regex_compile(pat ? pat : "^$", &p->ignored, NULL, 0);
	if (r < 0)
		return r;
	if (cfg_bool(c->cfg, "collector.netclass.netlink")) {
		bool stats = cfg_bool(c->cfg, "collector.netclass_rtnl.with-stats");
		if (stats && c->companion_enabled)
			plog(LOG_WARN, "--collector.netclass_rtnl.with-stats reports the counters "
				       "netdev reports, under the same names: turn the netdev "
				       "collector off (--no-collector.netdev), or its collections fail",
			     PLOG_END);
		return netclass_rtnl_new(cfg_sysfs(c->cfg), p->ignored, stats,
					 p->ignore_invalid_speed, &p->rtnl);
	}
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/net");
}

static void netclass_fini(struct collector *c)
{
	struct netclass_priv *p = c->priv;
	if (p) {
		for (unsigned i = 0; i < NC_HELD_MAX; i++)
			held_close(&p->held[i]);
		dirscan_fini(&p->dir);
		netclass_rtnl_free(p->rtnl);
		regex_free(p->ignored);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_netclass = {
	.name = "netclass",
	.default_enabled = true,
	.reads = "/sys/class/net/<iface>/, or rtnetlink and ethtool netlink",
	.flags = netclass_flags,
	.companion = "netdev", /* with-stats reports netdev's counters */
	.declare = netclass_declare,
	.init = netclass_init,
	.collect = netclass_collect,
	.fini = netclass_fini,
};

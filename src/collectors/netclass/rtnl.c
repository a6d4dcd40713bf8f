/*
 * netclass/rtnl: the netclass collector's netlink mode (--collector.netclass.netlink).
 *
 * Reading ~22 sysfs attributes per interface makes the kernel take the RTNL lock for
 * most of them; node_exporter's netlink mode asks rtnetlink instead, in one
 * RTM_GETLINK dump, and this file does the same, with node_exporter's choices: speed
 * and duplex come from ethtool's generic netlink family (ETHTOOL_MSG_LINKMODES_GET,
 * one dump; without it they are left out, said once at info level); the three
 * attributes netlink lacks (addr_assign_type, dev_id, name_assign_type, which take no
 * RTNL lock) from <sysfs>/class/net/<iface>/; node_network_info has no adminstate
 * label and spells duplex as ethtool's Go library does (Half, Full, Unknown);
 * dormant repeats the link mode; node_network_altnames_info lists alternative names.
 * With --collector.netclass_rtnl.with-stats every rtnl_link_stats64 counter is also
 * reported, as a gauge under its kernel name: the same names netdev's detailed
 * counters use, so it replaces the netdev collector and the two must not both run.
 * A speed the driver does not know (SPEED_UNKNOWN) is reported as node_exporter does,
 * as 2^32-1 Mb/s, unless --collector.netclass.ignore-invalid-speed leaves it out.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectors/netclass.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/sort.h"

#define RTNL_MAX_MODES (1u << 20) /* ethtool replies kept per scrape, at most */
#define SPEED_UNKNOWN_MBPS 0xffffffffu

static const struct metric_desc desc_altname = {
	"node_network_altnames_info", "An alternative name of a network interface; always 1.",
	METRIC_GAUGE,
};
#define NETCLASS_STAT(n, h) { "node_network_" #n "_total", h, METRIC_GAUGE },
static const struct metric_desc stat_descs[RTNL_NSTATS] = { RTNL_STATS(NETCLASS_STAT) };

/* The state names of IF_OPER_* (RFC 2863), as node_network_info's operstate. */
static const char *const operstates[] = {
	"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up",
};

/* What ethtool said about one link. */
struct rtnl_mode {
	uint32_t index;
	uint32_t speed;
	uint8_t duplex;
};

struct netclass_rtnl {
	const struct regex *ignored;    /* borrowed from the collector */
	bool with_stats, ignore_invalid_speed;
	bool ethtool_missing;           /* the kernel has no ethtool family: said once */
	uint16_t ethtool_id;            /* 0 until found */
	int classdir;                   /* <sysfs>/class/net, or -1 */
	char classpath[PATH_MAX];
	struct rtnl_mode *modes;        /* owned; [0..nmodes) from this scrape, by index */
	size_t nmodes, modes_cap;
	struct metric_sink *out;        /* the sink of the collection in progress */
	unsigned char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
};

int netclass_rtnl_new(const char *sysfs, const struct regex *ignored, bool with_stats,
		      bool ignore_invalid_speed, struct netclass_rtnl **out)
{
	struct netclass_rtnl *n = calloc(1, sizeof(*n));
	int r = -ENOMEM;
	*out = NULL;
	if (!n)
		goto out;
	n->classdir = -1;
	n->ignored = ignored;
	n->with_stats = with_stats;
	n->ignore_invalid_speed = ignore_invalid_speed;
	if ((r = path_join(n->classpath, sizeof(n->classpath), sysfs, "class/net")) < 0) {
		free(n);
		goto out;
	}
	*out = n;
out:
	return r;
}

void netclass_rtnl_free(struct netclass_rtnl *n)
{
	if (!n)
		return;
	if (n->classdir >= 0)
		close(n->classdir);
	free(n->modes);
	free(n);
}

/* Whether device name[0..len) is left out by --collector.netclass.ignored-devices. */
static bool ignored(const struct netclass_rtnl *n, struct span name)
{
	return regex_match(n->ignored, name.p, name.len);
}

/* nl_msg_fn over ethtool's link-mode dump: keep each device's speed and duplex, and
 * report its speed. */
static int on_modes(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct netclass_rtnl *n = ctx;
	struct rtnl_linkmodes lm;
	char dev[IFNAMSIZ + 1];
	if (type != n->ethtool_id)
		return 0;
	int r = rtnl_parse_linkmodes(p, len, &lm);
	if (r < 0 || !lm.name.len || ignored(n, lm.name))
		return r;
	/* Go reads the u32 into a 64-bit int: SPEED_UNKNOWN stays positive, 2^32-1 Mb/s */
	if (!(n->ignore_invalid_speed && lm.has_speed && lm.speed == SPEED_UNKNOWN_MBPS)) {
		span_copy(lm.name, dev, sizeof(dev));
		uint64_t bytes = (uint64_t)lm.speed * 1000 * 1000 / 8;
		r = sink_add(n->out, &netclass_int_descs[NC_SPEED], (double)bytes,
			     LABELS(L("device", dev)));
		if (r < 0)
			return r;
	}
	if (n->nmodes == n->modes_cap) {
		size_t cap = n->modes_cap ? 2 * n->modes_cap : 64;
		struct rtnl_mode *m = cap <= RTNL_MAX_MODES ? realloc(n->modes, cap * sizeof(*m)) : NULL;
		if (!m)
			return cap <= RTNL_MAX_MODES ? -ENOMEM : -E2BIG;
		n->modes = m;
		n->modes_cap = cap;
	}
	n->modes[n->nmodes++] = (struct rtnl_mode){ lm.index, lm.speed, lm.duplex };
	return 0;
}

/* sort_heap order of link modes by index. */
static int cmp_mode(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	uint32_t x = ((const struct rtnl_mode *)a)->index, y = ((const struct rtnl_mode *)b)->index;
	return x < y ? -1 : x > y;
}

/* Dump ethtool's link modes into n->modes (sorted by index) and report the speeds.
 * Without an ethtool family in the kernel there are none (logged once). Returns 0 or
 * -errno. */
static int dump_modes(struct netclass_rtnl *n)
{
	int r;
	n->nmodes = 0;
	if (n->ethtool_missing)
		return 0;
	if (!n->ethtool_id &&
	    (r = nl_genl_family(ETHTOOL_GENL_NAME, n->buf, sizeof(n->buf), &n->ethtool_id)) < 0) {
		if (r != -ENOENT)
			return r;
		n->ethtool_missing = true;
		plog(LOG_INFO, "netclass: the kernel has no ethtool netlink family; interface "
			       "speed and duplex are left out", PLOG_END);
		return 0;
	}
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		struct nlattr hdr, flags;
		uint32_t flags_value;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = n->ethtool_id,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.g = { .cmd = ETHTOOL_MSG_LINKMODES_GET, .version = ETHTOOL_GENL_VERSION },
		.hdr = { .nla_len = 2 * NLA_HDRLEN + 4,
			 .nla_type = NLA_F_NESTED | ETHTOOL_A_LINKMODES_HEADER },
		.flags = { .nla_len = NLA_HDRLEN + 4, .nla_type = ETHTOOL_A_HEADER_FLAGS },
		.flags_value = ETHTOOL_FLAG_COMPACT_BITSETS, /* no bit lists: they go unread */
	};
	r = nl_request(NETLINK_GENERIC, &req, sizeof(req), n->buf, sizeof(n->buf), on_modes, n);
	sort_heap(n->modes, n->nmodes, sizeof(*n->modes), cmp_mode, NULL);
	return r;
}

/* The link modes of link index from this scrape's dump, or NULL. */
static const struct rtnl_mode *mode_of(const struct netclass_rtnl *n, uint32_t index)
{
	size_t lo = 0, hi = n->nmodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n->modes[mid].index == index)
			return &n->modes[mid];
		if (n->modes[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ethtool's duplex as its Go library spells it. */
static void duplex_name(uint8_t d, char *out, size_t cap)
{
	if (d <= 1 || d == 0xff)
		snprintf(out, cap, "%s", d == 0 ? "Half" : d == 1 ? "Full" : "Unknown");
	else
		snprintf(out, cap, "Duplex(%u)", d);
}

/* Read integer attribute attr of device dev from sysfs into *v. Returns 1 when read,
 * 0 when absent (missing, not permitted, refused by the driver, not a number), or
 * -errno for another failure. */
static int sysfs_int(struct netclass_rtnl *n, const char *dev, const char *attr, int64_t *v)
{
	char rel[IFNAMSIZ + 32], buf[NETCLASS_ATTR_MAX + 1];
	if (n->classdir < 0) {
		n->classdir = open(n->classpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (n->classdir < 0)
			return netclass_absent(-errno) ? 0 : -errno;
	}
	snprintf(rel, sizeof(rel), "%s/%s", dev, attr);
	int r = read_attr(n->classdir, rel, buf, sizeof(buf));
	if (r < 0)
		return netclass_absent(r) ? 0 : r;
	return span_i64_auto(span_cstr(buf), v) == 0 ? 1 : 0;
}

/* Add one gauge or counter of device dev. Returns 0 or -errno. */
static int put(struct metric_sink *out, int which, double v, const char *dev)
{
	return sink_add(out, &netclass_int_descs[which], v, LABELS(L("device", dev)));
}

/* The sysfs attributes netlink lacks. Returns 0 or -errno. */
static int put_sysfs(struct netclass_rtnl *n, const char *dev)
{
	static const struct {
		const char *file;
		int which;
	} attrs[] = { { "addr_assign_type", NC_ADDR_ASSIGN_TYPE },
		      { "dev_id", NC_DEV_ID },
		      { "name_assign_type", NC_NAME_ASSIGN_TYPE } };
	for (size_t i = 0; i < sizeof(attrs) / sizeof(*attrs); i++) {
		int64_t v = 0;
		int r = sysfs_int(n, dev, attrs[i].file, &v);
		if (r > 0)
			r = put(n->out, attrs[i].which, (double)v, dev);
		if (r < 0)
			return r;
	}
	return 0;
}

/* node_network_up, _info and _altnames_info of link l (named dev). Returns 0 or -errno. */
static int put_info(struct netclass_rtnl *n, const struct rtnl_link *l, const char *dev)
{
	char addr[3 * RTNL_MAX_ADDR + 1], brd[3 * RTNL_MAX_ADDR + 1], alias[IFALIASZ + 1];
	char duplex[16] = "";
	const struct rtnl_mode *m = mode_of(n, l->index);
	if (m)
		duplex_name(m->duplex, duplex, sizeof(duplex));
	rtnl_format_hwaddr(l->address, l->address_len, addr, sizeof(addr));
	rtnl_format_hwaddr(l->broadcast, l->broadcast_len, brd, sizeof(brd));
	span_copy(l->alias, alias, sizeof(alias));
	const char *oper = l->operstate < sizeof(operstates) / sizeof(*operstates)
				   ? operstates[l->operstate] : "unknown";
	int r = sink_add(n->out, &netclass_desc_up, l->operstate == IF_OPER_UP,
			 LABELS(L("device", dev)));
	if (r == 0)
		r = sink_add(n->out, &netclass_desc_info, 1,
			     LABELS(L("address", addr), L("broadcast", brd), L("device", dev),
				    L("duplex", duplex), L("ifalias", alias), L("operstate", oper)));
	struct nl_attr_iter it = nl_attrs(l->props, l->props_len);
	struct span alt;
	int more;
	while (r == 0 && (more = rtnl_next_altname(&it, &alt)) != 0) {
		if (more < 0)
			return more;
		if (alt.len)
			r = sink_add(n->out, &desc_altname, 1,
				     LABELS(LS("altname", alt), L("device", dev)));
	}
	return r;
}

int netclass_rtnl_emit(struct netclass_rtnl *n, const struct rtnl_link *l,
		       struct metric_sink *out)
{
	char dev[IFNAMSIZ + 1];
	if (!l->name.len || ignored(n, l->name))
		return 0;
	span_copy(l->name, dev, sizeof(dev));
	struct metric_sink *saved = n->out;
	n->out = out;
	int r = put_info(n, l, dev);
	if (r == 0)
		r = put_sysfs(n, dev);
	const struct {
		bool has;
		int which;
		double v;
	} vals[] = {
		{ l->has_carrier, NC_CARRIER, l->carrier },
		{ l->has_carrier_changes, NC_CARRIER_CHANGES, l->carrier_changes },
		{ l->has_carrier_up, NC_CARRIER_UP, l->carrier_up },
		{ l->has_carrier_down, NC_CARRIER_DOWN, l->carrier_down },
		{ true, NC_FLAGS, l->flags },
		{ true, NC_IFINDEX, l->index },
		{ l->has_linkmode, NC_LINK_MODE, l->linkmode },
		{ l->has_linkmode, NC_DORMANT, l->linkmode }, /* as node_exporter: not dormant */
		/* the kernel leaves IFLA_LINK out when a link is its own */
		{ true, NC_IFLINK, l->link ? l->link : l->index },
		{ true, NC_MTU, l->mtu },
		{ l->has_group, NC_NETDEV_GROUP, l->group },
		{ l->has_txqlen, NC_TX_QUEUE_LEN, l->txqlen },
		{ true, NC_TYPE, l->type },
	};
	for (size_t i = 0; r == 0 && i < sizeof(vals) / sizeof(*vals); i++)
		if (vals[i].has)
			r = put(out, vals[i].which, vals[i].v, dev);
	for (int i = 0; r == 0 && n->with_stats && l->has_stats64 && i < RTNL_NSTATS; i++)
		r = sink_add(out, &stat_descs[i], (double)l->stats[i], LABELS(L("device", dev)));
	n->out = saved;
	return r;
}

/* nl_msg_fn over the RTM_GETLINK dump: every link's series. */
static int on_link(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct netclass_rtnl *n = ctx;
	struct rtnl_link l;
	if (type != RTM_NEWLINK)
		return 0;
	int r = rtnl_parse_link(p, len, &l);
	return r < 0 ? r : netclass_rtnl_emit(n, &l, n->out);
}

int netclass_rtnl_collect(struct netclass_rtnl *n, struct metric_sink *out)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC },
	};
	n->out = out;
	int r = dump_modes(n);
	if (r == 0)
		r = nl_request(NETLINK_ROUTE, &req, sizeof(req), n->buf, sizeof(n->buf), on_link, n);
	n->out = NULL;
	return r;
}

/*
 * netdev: per-interface traffic and error counters, and optionally their addresses.
 *
 * By default, as node_exporter, the counters come from the kernel over rtnetlink (an
 * RTM_GETLINK dump: struct rtnl_link_stats64 per link), which also has rx_nohandler;
 * with --no-collector.netdev.netlink they come from /proc/net/dev. Either way the
 * kernel's detailed error counters are folded the way /proc/net/dev prints them
 * (drop = dropped + missed, frame = frame + length + over + crc, carrier = carrier +
 * aborted + heartbeat + window), unless --collector.netdev.enable-detailed-metrics asks
 * for each counter under its own name (node_network_receive_errors_total,
 * ..._receive_crc_errors_total, ...; from /proc/net/dev only errs and drop are renamed,
 * as in node_exporter). --collector.netdev.address-info adds
 * node_network_address_info{device,address,netmask,scope} for every IPv4 and IPv6
 * address (an RTM_GETADDR dump, named through the link dump). --collector.netdev.
 * device-include / device-exclude pick devices for both (device-whitelist and
 * device-blacklist are their deprecated names). --collector.netdev.label-ifalias adds
 * the ifalias label, read as node_exporter reads it, from <sysfs>/class/net/<dev>/
 * ifalias: a device with no directory there gets no label. Dumps go over a socket
 * opened per scrape, into a fixed buffer held in priv; the ifindex-to-name table grows
 * only when links are added: no allocation once warm.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/netdev.h"
#include "core/collector.h"
#include "lib/ifnames.h"
#include "lib/log.h"
#include "lib/procfile.h"

_Static_assert((int)RTNL_NSTATS >= (int)17, "fold_stats fills 17 values");
#define NETDEV_ALIAS_MAX 257        /* an alias (IFALIASZ) and its NUL */

/* The families, indexed as /proc/net/dev's 16 columns, then receive_nohandler. */
enum { NETDEV_NCOLS = 16, NETDEV_NFAM = 17 };
#define RX(n, h) { "node_network_receive_" n "_total", h, METRIC_COUNTER }
#define TX(n, h) { "node_network_transmit_" n "_total", h, METRIC_COUNTER }
static const struct metric_desc descs[NETDEV_NFAM] = {
	RX("bytes", "Bytes received by the interface."),
	RX("packets", "Packets received by the interface."),
	RX("errs", "Receive errors counted by the interface."),
	RX("drop", "Received packets dropped (including missed by the hardware)."),
	RX("fifo", "Receive FIFO overruns."),
	RX("frame", "Received frames with length, overrun, CRC or alignment errors."),
	RX("compressed", "Compressed packets received."),
	RX("multicast", "Multicast packets received."),
	TX("bytes", "Bytes sent by the interface."),
	TX("packets", "Packets sent by the interface."),
	TX("errs", "Transmit errors counted by the interface."),
	TX("drop", "Packets dropped on the way out."),
	TX("fifo", "Transmit FIFO underruns."),
	TX("colls", "Collisions seen while sending."),
	TX("carrier", "Transmit errors from carrier loss, aborts, heartbeat or window."),
	TX("compressed", "Compressed packets sent."),
	RX("nohandler", "Packets received that no protocol handler wanted."),
};
/* /proc/net/dev's columns with --collector.netdev.enable-detailed-metrics: errs and
 * drop take the kernel's names. */
static const struct metric_desc proc_detailed[NETDEV_NCOLS] = {
	RX("bytes", "Bytes received by the interface."),
	RX("packets", "Packets received by the interface."),
	RX("errors", "Receive errors, all kinds together."),
	RX("dropped", "Received packets dropped (including missed by the hardware)."),
	RX("fifo", "Receive FIFO overruns."),
	RX("frame", "Received frames with length, overrun, CRC or alignment errors."),
	RX("compressed", "Compressed packets received."),
	RX("multicast", "Multicast packets received."),
	TX("bytes", "Bytes sent by the interface."),
	TX("packets", "Packets sent by the interface."),
	TX("errors", "Transmit errors, all kinds together."),
	TX("dropped", "Packets dropped on the way out."),
	TX("fifo", "Transmit FIFO underruns."),
	TX("colls", "Collisions seen while sending."),
	TX("carrier", "Transmit errors from carrier loss, aborts, heartbeat or window."),
	TX("compressed", "Compressed packets sent."),
};
/* rtnetlink's counters with --collector.netdev.enable-detailed-metrics, in
 * rtnl_link_stats64's order. */
#define NETDEV_DETAILED(n, h) { "node_network_" #n "_total", h, METRIC_COUNTER },
static const struct metric_desc nl_detailed[RTNL_NSTATS] = { RTNL_STATS(NETDEV_DETAILED) };
static const struct metric_desc desc_addr = {
	"node_network_address_info",
	"An IPv4 or IPv6 address of a network device; always 1. netmask is the prefix length.",
	METRIC_GAUGE,
};

static const struct flag_def netdev_flags[] = {
	{ "collector.netdev.device-include", FLAG_REGEX, NULL,
	  "Regexp of network devices to report (exclusive with device-exclude).", false },
	{ "collector.netdev.device-exclude", FLAG_REGEX, NULL,
	  "Regexp of network devices to leave out (exclusive with device-include).", false },
	{ "collector.netdev.netlink", FLAG_BOOL, "true",
	  "Read the counters over rtnetlink instead of from /proc/net/dev.", false },
	{ "collector.netdev.address-info", FLAG_BOOL, "false",
	  "Also report every IPv4 and IPv6 address of the devices as node_network_address_info.",
	  false },
	{ "collector.netdev.enable-detailed-metrics", FLAG_BOOL, "false",
	  "Report each of the kernel's counters under its own name instead of folded as "
	  "/proc/net/dev prints them; the names differ from the default ones.", false },
	{ "collector.netdev.label-ifalias", FLAG_BOOL, "false",
	  "Label every counter with the device's alias (ifalias), from sysfs.", false },
	{ "collector.netdev.device-whitelist", FLAG_REGEX, NULL,
	  "Deprecated name of --collector.netdev.device-include.", false },
	{ "collector.netdev.device-blacklist", FLAG_REGEX, NULL,
	  "Deprecated name of --collector.netdev.device-exclude.", false },
	{ NULL, 0, NULL, NULL, false },
};

struct netdev_priv {
	struct procfile pf;
	struct filter filter;
	struct netdev_opts opts; /* filter points to the one above */
	bool netlink, address_info;
	struct metric_sink *out; /* the sink of the collection in progress */
	struct ifnames names;    /* the last link dump's, for naming addresses */
	struct nl_sock nl;       /* NETLINK_ROUTE, kept from one collection to the next */
	unsigned char nlbuf[NL_BUF_SIZE] __attribute__((aligned(8)));
};

/* The alias of device dev for its ifalias label, read from <dir>/<dev>/ifalias and
 * trimmed as node_exporter's procfs library trims it, into buf[cap]. Returns 1 (an
 * unreadable alias is empty), or 0 when the device has no directory there: no label. */
static int read_ifalias(int dir, struct span dev, char *buf, size_t cap)
{
	char rel[2 * IFNAMSIZ + 16], name[2 * IFNAMSIZ];
	struct stat st;
	buf[0] = '\0';
	if (span_copy(dev, name, sizeof(name)) < 0 || strchr(name, '/'))
		return 0;
	snprintf(rel, sizeof(rel), "%s/ifalias", name);
	if (read_attr(dir, rel, buf, cap) == 0) {
		struct span t = span_trim(span_cstr(buf));
		memmove(buf, t.p, t.len);
		buf[t.len] = '\0';
		return 1;
	}
	buf[0] = '\0';
	return fstatat(dir, name, &st, 0) == 0 ? 1 : 0;
}

/* Add n counters of one device (v[i] for d[i]), with its ifalias label when o asks
 * for one. Returns 0 or -errno. */
static int emit_dev(struct metric_sink *out, const struct netdev_opts *o,
		    const struct metric_desc *d, struct span dev, const double *v, int n)
{
	char alias[NETDEV_ALIAS_MAX];
	bool labelled = o->ifalias_dir >= 0 &&
			read_ifalias(o->ifalias_dir, dev, alias, sizeof(alias)) > 0;
	for (int i = 0; i < n; i++) {
		int r = labelled ? sink_add(out, &d[i], v[i],
					    LABELS(LS("device", dev), L("ifalias", alias)))
				 : sink_add(out, &d[i], v[i], LABELS(LS("device", dev)));
		if (r < 0)
			return r;
	}
	return 0;
}

/* One device line of /proc/net/dev into name and 16 values. Returns 0 or -EINVAL. */
static int parse_dev_line(struct span line, struct span *name, double *v)
{
	struct span rest = span_trim(line), w;
	const char *colon = memchr(rest.p, ':', rest.len);
	if (!colon)
		return -EINVAL;
	*name = span_trim((struct span){ rest.p, (size_t)(colon - rest.p) });
	rest = (struct span){ colon + 1, rest.len - (size_t)(colon - rest.p) - 1 };
	int n = 0;
	while (span_word(&rest, &w)) {
		uint64_t x;
		if (n >= NETDEV_NCOLS || span_u64(w, &x) < 0)
			return -EINVAL;
		v[n++] = (double)x;
	}
	if (n != NETDEV_NCOLS || name->len == 0 || memchr(name->p, '\0', name->len))
		return -EINVAL;
	return 0;
}

/* One pass over /proc/net/dev: check only (out == NULL) or emit. */
static int do_proc(const char *buf, size_t len, const struct netdev_opts *o,
		   struct metric_sink *out)
{
	const struct filter *f = o->filter;
	struct cursor c = cursor_init(buf, len);
	struct span line, name;
	double v[NETDEV_NCOLS];
	for (int i = 0; i < 2; i++)
		if (!cursor_line(&c, &line))
			return 0;
	while (cursor_line(&c, &line)) {
		if (span_trim(line).len == 0)
			continue;
		int r = parse_dev_line(line, &name, v);
		if (r < 0)
			return r;
		if (!out || (f && !filter_pass(f, name.p, name.len)))
			continue;
		if ((r = emit_dev(out, o, o->detailed ? proc_detailed : descs, name, v,
				  NETDEV_NCOLS)) < 0)
			return r;
	}
	return 0;
}

int netdev_parse_proc(const char *buf, size_t len, const struct netdev_opts *o,
		      struct metric_sink *out)
{
	int r = do_proc(buf, len, o, NULL);
	return r < 0 ? r : do_proc(buf, len, o, out);
}

/* Fold rtnl_link_stats64's counters into /proc/net/dev's 16 values plus nohandler. */
static void fold_stats(const uint64_t *s, double *v)
{
	v[0] = (double)s[RTNL_receive_bytes];
	v[1] = (double)s[RTNL_receive_packets];
	v[2] = (double)s[RTNL_receive_errors];
	v[3] = (double)(s[RTNL_receive_dropped] + s[RTNL_receive_missed_errors]);
	v[4] = (double)s[RTNL_receive_fifo_errors];
	v[5] = (double)(s[RTNL_receive_frame_errors] + s[RTNL_receive_length_errors] +
			s[RTNL_receive_over_errors] + s[RTNL_receive_crc_errors]);
	v[6] = (double)s[RTNL_receive_compressed];
	v[7] = (double)s[RTNL_multicast];
	v[8] = (double)s[RTNL_transmit_bytes];
	v[9] = (double)s[RTNL_transmit_packets];
	v[10] = (double)s[RTNL_transmit_errors];
	v[11] = (double)s[RTNL_transmit_dropped];
	v[12] = (double)s[RTNL_transmit_fifo_errors];
	v[13] = (double)s[RTNL_collisions];
	v[14] = (double)(s[RTNL_transmit_carrier_errors] + s[RTNL_transmit_aborted_errors] +
			 s[RTNL_transmit_heartbeat_errors] + s[RTNL_transmit_window_errors]);
	v[15] = (double)s[RTNL_transmit_compressed];
	v[16] = (double)s[RTNL_receive_nohandler];
}

int netdev_emit_link(const struct rtnl_link *l, const struct netdev_opts *o,
		     struct metric_sink *out)
{
	double v[RTNL_NSTATS]; /* more than NETDEV_NFAM */
	if (!l->name.len || (!l->has_stats64 && !l->has_stats32) ||
	    (o->filter && !filter_pass(o->filter, l->name.p, l->name.len)))
		return 0;
	if (!o->detailed) {
		fold_stats(l->stats, v);
		return emit_dev(out, o, descs, l->name, v, NETDEV_NFAM);
	}
	for (int i = 0; i < RTNL_NSTATS; i++)
		v[i] = (double)l->stats[i];
	return emit_dev(out, o, nl_detailed, l->name, v, RTNL_NSTATS);
}

/* What netdev_parse_netlink's message callback needs. */
struct link_walk {
	const struct netdev_opts *o;
	struct metric_sink *out; /* NULL: names only */
	struct netdev_priv *p;   /* NULL: no names kept */
};

/* nl_msg_fn over an RTM_GETLINK dump: emit each link's counters and/or keep its name. */
static int on_link(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct link_walk *w = ctx;
	struct rtnl_link l;
	if (type != RTM_NEWLINK)
		return 0;
	int r = rtnl_parse_link(p, len, &l);
	if (r == 0 && w->p)
		r = ifnames_add(&w->p->names, &l);
	if (r == 0 && w->out)
		r = netdev_emit_link(&l, w->o, w->out);
	return r;
}

int netdev_parse_netlink(const void *buf, size_t len, const struct netdev_opts *o,
			 bool *done, struct metric_sink *out)
{
	struct link_walk w = { o, out, NULL };
	return nl_parse(buf, len, on_link, &w, done);
}

int netdev_emit_addr(const struct rtnl_addr *a, const char *device, struct metric_sink *out)
{
	char addr[64], mask[8];
	if (!a->has_addr || a->prefixlen > (a->family == AF_INET ? 32 : 128))
		return 0;
	rtnl_format_ip(a->family, a->addr, addr, sizeof(addr));
	snprintf(mask, sizeof(mask), "%u", a->prefixlen);
	return sink_add(out, &desc_addr, 1,
			LABELS(L("address", addr), L("device", device), L("netmask", mask),
			       L("scope", rtnl_ip_scope(a->family, a->addr))));
}

/* nl_msg_fn over an RTM_GETADDR dump: one node_network_address_info per address. */
static int on_addr(void *ctx, uint16_t type, const unsigned char *msg, size_t len)
{
	struct netdev_priv *p = ctx;
	struct rtnl_addr a;
	if (type != RTM_NEWADDR)
		return 0;
	int r = rtnl_parse_addr(msg, len, &a);
	const struct ifname *dev = r == 0 ? ifnames_find(&p->names, a.index) : NULL;
	if (!dev || !dev->name[0] || !filter_pass(&p->filter, dev->name, strlen(dev->name)))
		return r;
	return netdev_emit_addr(&a, dev->name, p->out);
}

/* Dump the links: their counters into out (NULL: none), their names into p->names when
 * address-info wants them. Returns 0 or -errno. */
static int dump_links(struct netdev_priv *p, struct metric_sink *out)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC },
	};
	struct link_walk w = { &p->opts, out, p->address_info ? p : NULL };
	ifnames_reset(&p->names);
	return nl_sock_request(&p->nl, &req, sizeof(req), p->nlbuf, sizeof(p->nlbuf), on_link,
			       &w, NL_TIMEOUT_MS);
}

/* Dump the addresses into out, named by the last link dump. Returns 0 or -errno. */
static int dump_addrs(struct netdev_priv *p, struct metric_sink *out)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg a;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.a = { .ifa_family = AF_UNSPEC },
	};
	p->out = out;
	int r = nl_sock_request(&p->nl, &req, sizeof(req), p->nlbuf, sizeof(p->nlbuf), on_addr, p,
				NL_TIMEOUT_MS);
	p->out = NULL;
	return r;
}

/* The include and exclude patterns: --collector.netdev.device-include/-exclude, or
 * their deprecated names (with a warning). Returns 0, or -EINVAL (logged) when both
 * kinds are given, or a name and its deprecated one. */
static int pick_filter(const struct plumb_config *cfg, const char **inc, const char **exc)
{
	static const char *const names[2][2] = {
		{ "collector.netdev.device-include", "collector.netdev.device-whitelist" },
		{ "collector.netdev.device-exclude", "collector.netdev.device-blacklist" },
	};
	const char *v[2];
	for (int k = 0; k < 2; k++) {
		const char *now = cfg_str(cfg, names[k][0]), *old = cfg_str(cfg, names[k][1]);
		v[k] = now;
		if (!old || !*old)
			continue;
		if (now && *now) {
			plog(LOG_ERROR, "a netdev device flag and its deprecated name exclude each other",
			     "flag", names[k][0], "deprecated", names[k][1], PLOG_END);
			return -EINVAL;
		}
		plog(LOG_WARN, "deprecated flag; use its new name", "flag", names[k][1], "use",
		     names[k][0], PLOG_END);
		v[k] = old;
	}
	if (v[0] && *v[0] && v[1] && *v[1]) {
		plog(LOG_ERROR, "--collector.netdev.device-include and device-exclude exclude each other",
		     PLOG_END);
		return -EINVAL;
	}
	*inc = v[0];
	*exc = v[1];
	return 0;
}

static int netdev_init(struct collector *c)
{
	struct netdev_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pf.fd = -1;
	p->opts.ifalias_dir = -1;
	p->nl = NL_SOCK_INIT(NETLINK_ROUTE);
	c->priv = p;
	p->netlink = cfg_bool(c->cfg, "collector.netdev.netlink");
	p->opts.detailed = cfg_bool(c->cfg, "collector.netdev.enable-detailed-metrics");
	p->address_info = cfg_bool(c->cfg, "collector.netdev.address-info");
	const char *inc, *exc;
	int r = pick_filter(c->cfg, &inc, &exc);
	if (r == 0)
		r = filter_init(&p->filter, inc, exc);
	if (r < 0)
		return r;
	p->opts.filter = &p->filter;
	if (cfg_bool(c->cfg, "collector.netdev.label-ifalias")) {
		char dir[PATH_MAX];
		if ((r = path_join(dir, sizeof(dir), cfg_sysfs(c->cfg), "class/net")) < 0)
			return r;
		/* without the folder no device gets the label, as in node_exporter */
		p->opts.ifalias_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	return procfile_init(&p->pf, cfg_procfs(c->cfg), "net/dev", 0);
}

static int netdev_collect(struct collector *c, struct metric_sink *out)
{
	struct netdev_priv *p = c->priv;
	int r;
	if (p->netlink) {
		r = dump_links(p, out);
	} else {
		r = procfile_read(&p->pf);
		if (r == 0)
			r = netdev_parse_proc(p->pf.buf, p->pf.len, &p->opts, out);
		if (r == 0 && p->address_info)
			r = dump_links(p, NULL); /* the names, for the addresses */
	}
	if (r == 0 && p->address_info)
		r = dump_addrs(p, out);
	return r;
}

static void netdev_fini(struct collector *c)
{
	struct netdev_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->pf);
		filter_fini(&p->filter);
		ifnames_fini(&p->names);
		nl_sock_close(&p->nl);
		if (p->opts.ifalias_dir >= 0)
			close(p->opts.ifalias_dir);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_netdev = {
	.name = "netdev",
	.default_enabled = true,
	.reads = "rtnetlink link statistics (and addresses), or /proc/net/dev",
	.flags = netdev_flags,
	.init = netdev_init,
	.collect = netdev_collect,
	.fini = netdev_fini,
};

/*
 * netdev: per-interface traffic and error counters.
 *
 * By default, as node_exporter, the counters come from the kernel over rtnetlink (an
 * RTM_GETLINK dump: struct rtnl_link_stats64 per link), which also has rx_nohandler;
 * with --no-collector.netdev.netlink they come from /proc/net/dev. Either way the
 * kernel's detailed error counters are folded the way /proc/net/dev prints them
 * (drop = dropped + missed, frame = frame + length + over + crc, carrier = carrier +
 * aborted + heartbeat + window). --collector.netdev.device-include / device-exclude
 * pick devices. The netlink socket is opened per scrape into a fixed buffer held in
 * priv: no allocation. address-info (node_network_address_info) is not implemented.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectors/netdev.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/procfile.h"

#define NL_BUF_SIZE (64 * 1024)

/* The families, indexed as /proc/net/dev's 16 columns, then receive_nohandler. */
enum { NETDEV_NCOLS = 16, NETDEV_NOHANDLER = 16, NETDEV_NFAM = 17 };
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

static const struct flag_def netdev_flags[] = {
	{ "collector.netdev.device-include", FLAG_REGEX, NULL,
	  "Regexp of network devices to report (exclusive with device-exclude).", false },
	{ "collector.netdev.device-exclude", FLAG_REGEX, NULL,
	  "Regexp of network devices to leave out (exclusive with device-include).", false },
	{ "collector.netdev.netlink", FLAG_BOOL, "true",
	  "Read the counters over rtnetlink instead of from /proc/net/dev.", false },
	{ NULL, 0, NULL, NULL, false },
};

struct netdev_priv {
	struct procfile pf;
	struct filter filter;
	bool netlink;
	unsigned char nlbuf[NL_BUF_SIZE] __attribute__((aligned(8)));
};

/* Add n counters of one device (v[i] for descs[i]). Returns 0 or -errno. */
static int emit_dev(struct metric_sink *out, struct span dev, const double *v, int n)
{
	for (int i = 0; i < n; i++) {
		int r = sink_add(out, &descs[i], v[i], LABELS(LS("device", dev)));
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
static int do_proc(const char *buf, size_t len, const struct filter *f, struct metric_sink *out)
{
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
		if ((r = emit_dev(out, name, v, NETDEV_NCOLS)) < 0)
			return r;
	}
	return 0;
}

int netdev_parse_proc(const char *buf, size_t len, const struct filter *f,
		      struct metric_sink *out)
{
	int r = do_proc(buf, len, f, NULL);
	return r < 0 ? r : do_proc(buf, len, f, out);
}

/* Fold rtnl_link_stats64 (read as up to 24 u64s, missing ones 0) into our 17 values. */
static void fold_stats(const uint64_t *s, double *v)
{
	/* rtnl_link_stats64 order: rx_packets tx_packets rx_bytes tx_bytes rx_errors
	 * tx_errors rx_dropped tx_dropped multicast collisions rx_length_errors
	 * rx_over_errors rx_crc_errors rx_frame_errors rx_fifo_errors rx_missed_errors
	 * tx_aborted_errors tx_carrier_errors tx_fifo_errors tx_heartbeat_errors
	 * tx_window_errors rx_compressed tx_compressed rx_nohandler */
	v[0] = (double)s[2];
	v[1] = (double)s[0];
	v[2] = (double)s[4];
	v[3] = (double)(s[6] + s[15]);
	v[4] = (double)s[14];
	v[5] = (double)(s[13] + s[10] + s[11] + s[12]);
	v[6] = (double)s[21];
	v[7] = (double)s[8];
	v[8] = (double)s[3];
	v[9] = (double)s[1];
	v[10] = (double)s[5];
	v[11] = (double)s[7];
	v[12] = (double)s[18];
	v[13] = (double)s[9];
	v[14] = (double)(s[17] + s[16] + s[19] + s[20]);
	v[15] = (double)s[22];
	v[16] = (double)s[23];
}

/* Walk the attributes of one RTM_NEWLINK and emit its counters. Returns 0 or -errno. */
static int do_link(const unsigned char *p, size_t len, const struct filter *f,
		   struct metric_sink *out)
{
	struct span name = { NULL, 0 };
	uint64_t s[24] = { 0 };
	bool have64 = false, have32 = false;
	if (len < NLMSG_ALIGN(sizeof(struct ifinfomsg)))
		return -EINVAL;
	p += NLMSG_ALIGN(sizeof(struct ifinfomsg));
	len -= NLMSG_ALIGN(sizeof(struct ifinfomsg));
	while (len >= sizeof(struct rtattr)) {
		struct rtattr a;
		memcpy(&a, p, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > len)
			return -EINVAL;
		const unsigned char *d = p + RTA_LENGTH(0);
		size_t dlen = a.rta_len - RTA_LENGTH(0);
		if (a.rta_type == IFLA_IFNAME) {
			name = (struct span){ (const char *)d, strnlen((const char *)d, dlen) };
		} else if (a.rta_type == IFLA_STATS64) {
			memset(s, 0, sizeof(s));
			memcpy(s, d, dlen < sizeof(s) ? dlen : sizeof(s));
			have64 = true;
		} else if (a.rta_type == IFLA_STATS && !have64) {
			uint32_t s32[24] = { 0 };
			memcpy(s32, d, dlen < sizeof(s32) ? dlen : sizeof(s32));
			for (int i = 0; i < 24; i++)
				s[i] = s32[i];
			have32 = true;
		}
		size_t step = RTA_ALIGN(a.rta_len);
		if (step > len)
			break;
		p += step;
		len -= step;
	}
	if (!name.len || (!have64 && !have32) || (f && !filter_pass(f, name.p, name.len)))
		return 0;
	double v[NETDEV_NFAM];
	fold_stats(s, v);
	return emit_dev(out, name, v, NETDEV_NFAM);
}

int netdev_parse_netlink(const void *buf, size_t len, const struct filter *f, bool *done,
			 struct metric_sink *out)
{
	const unsigned char *p = buf;
	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len)
			return -EINVAL;
		if (h.nlmsg_type == NLMSG_DONE) {
			*done = true;
			return 0;
		}
		if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;
			if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
				return -EINVAL;
			memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
			return e.error < 0 && e.error > -4096 ? e.error : -EIO;
		}
		if (h.nlmsg_type == RTM_NEWLINK) {
			int r = do_link(p + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN, f, out);
			if (r < 0)
				return r;
		}
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* Dump the links over a fresh rtnetlink socket. Returns 0 or -errno. */
static int collect_netlink(struct netdev_priv *p, struct metric_sink *out)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC },
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	int r = 0;
	bool done = false;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		r = -errno;
		goto out_close;
	}
	while (!done && r == 0) {
		ssize_t n = recv(fd, p->nlbuf, sizeof(p->nlbuf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			goto out_close;
		}
		r = netdev_parse_netlink(p->nlbuf, (size_t)n, &p->filter, &done, out);
	}
out_close:
	close(fd);
	return r;
}

static int netdev_init(struct collector *c)
{
	struct netdev_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pf.fd = -1;
	c->priv = p;
	p->netlink = cfg_bool(c->cfg, "collector.netdev.netlink");
	const char *inc = cfg_str(c->cfg, "collector.netdev.device-include");
	const char *exc = cfg_str(c->cfg, "collector.netdev.device-exclude");
	if (inc && *inc && exc && *exc) {
		plog(LOG_ERROR, "--collector.netdev.device-include and device-exclude exclude each other",
		     PLOG_END);
		return -EINVAL;
	}
	int r = filter_init(&p->filter, inc, exc);
	if (r < 0)
		return r;
	return procfile_init(&p->pf, cfg_procfs(c->cfg), "net/dev", 0);
}

static int netdev_collect(struct collector *c, struct metric_sink *out)
{
	struct netdev_priv *p = c->priv;
	if (p->netlink)
		return collect_netlink(p, out);
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r;
	return netdev_parse_proc(p->pf.buf, p->pf.len, &p->filter, out);
}

static void netdev_fini(struct collector *c)
{
	struct netdev_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->pf);
		filter_fini(&p->filter);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_netdev = {
	.name = "netdev",
	.default_enabled = true,
	.reads = "rtnetlink link statistics, or /proc/net/dev",
	.flags = netdev_flags,
	.init = netdev_init,
	.collect = netdev_collect,
	.fini = netdev_fini,
};

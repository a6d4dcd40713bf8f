/*
 * qdisc: the counters of each network device's root queueing discipline, as
 * node_exporter's qdisc collector reports them (off by default).
 *
 * Each collection dumps the links (RTM_GETLINK, for their names) and the queueing
 * disciplines (RTM_GETQDISC) over rtnetlink, and reports every root qdisc (parent
 * TC_H_ROOT; classes' and ingress qdiscs are left out) under device and kind labels,
 * with github.com/ema/qdisc's reading of the kernel's statistics (qdisc_parse_msg). A
 * device that vanished between the two dumps is skipped (node_exporter fails the
 * collection then). --collector.qdisk.device-include / device-exclude (node_exporter
 * 1.5's spelling; its later --collector.qdisc.* names are accepted too) pick devices;
 * 1.5 passed the exclude pattern in both places, which dropped every device when it was
 * set, and that is not copied. --collector.qdisc.fixtures=DIR reads DIR/results.json,
 * node_exporter's test fixture, instead of the kernel; giving it switches the collector
 * on (collector_ops.enabled_by). Steady state: the dumps go into a buffer in priv and
 * the name table grows only with the number of links; the fixture is read into a fixed
 * buffer and walked without a tree: no allocation once warm.
 */
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/gen_stats.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collectors/qdisc.h"
#include "core/collector.h"
#include "lib/ifnames.h"
#include "lib/jscan.h"
#include "lib/log.h"
#include "lib/netlink.h"
#include "lib/procfile.h"
#include "lib/utf8valid.h"

#define QDISC_FIXTURE_MAX (1u << 20) /* results.json, at most */

enum { Q_BYTES, Q_PACKETS, Q_DROPS, Q_REQUEUES, Q_OVERLIMITS, Q_QLEN, Q_BACKLOG, Q_N };
static const struct metric_desc descs[Q_N] = {
	{ "node_qdisc_bytes_total", "Bytes the queueing discipline has sent.", METRIC_COUNTER },
	{ "node_qdisc_packets_total", "Packets the queueing discipline has sent.",
	  METRIC_COUNTER },
	{ "node_qdisc_drops_total", "Packets the queueing discipline has dropped.",
	  METRIC_COUNTER },
	{ "node_qdisc_requeues_total",
	  "Packets taken off the queue but put back because the device could not send them.",
	  METRIC_COUNTER },
	{ "node_qdisc_overlimits_total",
	  "Times the queueing discipline held back a packet because a limit was reached.",
	  METRIC_COUNTER },
	{ "node_qdisc_current_queue_length", "Packets waiting in the queue now.", METRIC_GAUGE },
	{ "node_qdisc_backlog", "Bytes waiting in the queue now.", METRIC_GAUGE },
};

static const struct flag_def qdisc_flags[] = {
	{ "collector.qdisc.fixtures", FLAG_STRING, "",
	  "Read node_exporter's test fixture DIR/results.json instead of the kernel (for "
	  "end-to-end tests); giving it enables the collector.", false },
	{ "collector.qdisk.device-include", FLAG_REGEX, NULL,
	  "Regexp of devices whose root qdisc to report (exclusive with device-exclude).",
	  false },
	{ "collector.qdisk.device-exclude", FLAG_REGEX, NULL,
	  "Regexp of devices whose root qdisc to leave out (exclusive with device-include).",
	  false },
	{ "collector.qdisc.device-include", FLAG_REGEX, NULL,
	  "Later node_exporter name of --collector.qdisk.device-include.", false },
	{ "collector.qdisc.device-exclude", FLAG_REGEX, NULL,
	  "Later node_exporter name of --collector.qdisk.device-exclude.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* Read the u32 at p (host order, unaligned). */
static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* TCA_STATS2's nested TCA_STATS_BASIC and TCA_STATS_QUEUE into q. */
static int parse_stats2(const struct nl_attr *a, struct qdisc_info *q)
{
	struct nl_attr_iter it = nl_attrs(a->data, a->len);
	struct nl_attr n;
	int r;
	while ((r = nl_attr_next(&it, &n)) > 0) {
		if (n.type == TCA_STATS_BASIC) {
			if (n.len < 12) /* u64 bytes, u32 packets (and padding) */
				return -EINVAL;
			q->bytes = get_u64(n.data);
			q->packets = get_u32(n.data + 8);
		} else if (n.type == TCA_STATS_QUEUE) {
			if (n.len < 20) /* struct gnet_stats_queue */
				return -EINVAL;
			q->qlen = get_u32(n.data);
			q->backlog = get_u32(n.data + 4);
			q->drops = get_u32(n.data + 8);
			q->requeues = get_u32(n.data + 12);
			q->overlimits = get_u32(n.data + 16);
		}
	}
	return r;
}

int qdisc_parse_msg(const unsigned char *p, size_t len, struct qdisc_info *q)
{
	struct nl_attr a;
	int r;
	memset(q, 0, sizeof(*q));
	if (len < sizeof(struct tcmsg))
		return -EINVAL;
	q->ifindex = get_u32(p + offsetof(struct tcmsg, tcm_ifindex));
	q->handle = get_u32(p + offsetof(struct tcmsg, tcm_handle));
	q->parent = get_u32(p + offsetof(struct tcmsg, tcm_parent));
	if (q->parent == TC_H_ROOT)
		q->parent = 0;
	struct nl_attr_iter it = nl_attrs(p + sizeof(struct tcmsg), len - sizeof(struct tcmsg));
	while ((r = nl_attr_next(&it, &a)) > 0) {
		if (a.type == TCA_KIND) {
			utf8_valid_copy(nl_attr_str(&a), q->kind, sizeof(q->kind));
		} else if (a.type == TCA_STATS2) {
			if ((r = parse_stats2(&a, q)) < 0)
				return r;
		} else if (a.type == TCA_STATS) { /* struct tc_stats, the older block */
			if (a.len < 36)
				return -EINVAL;
			q->bytes = get_u64(a.data);
			q->packets = get_u32(a.data + 8);
			q->drops = get_u32(a.data + 12);
			q->overlimits = get_u32(a.data + 16);
			q->qlen = get_u32(a.data + 28);
			q->backlog = get_u32(a.data + 32);
		}
	}
	return r;
}

/* One member of a QdiscInfo object into q. Unknown names are skipped. */
static int read_field(struct jscan *s, const char *key, bool cut, struct qdisc_info *q)
{
	static const char *const u32s[] = { "Parent", "Handle", "Packets", "Drops", "Requeues",
					    "Overlimits", "Qlen", "Backlog" };
	uint32_t *const u32p[] = { &q->parent, &q->handle, &q->packets, &q->drops,
				   &q->requeues, &q->overlimits, &q->qlen, &q->backlog };
	static const char *const u64s[] = { "Bytes", "GcFlows", "Throttled", "FlowsPlimit" };
	struct jscan_val v;
	uint64_t x;
	size_t n;
	int r = jscan_value(s, &v);
	if (r < 0 || cut || v.type == JSCAN_NULL)
		return r < 0 ? r : jscan_skip(s, &v);
	if (jscan_key_is(key, "IfaceName") || jscan_key_is(key, "Kind")) {
		bool name = jscan_key_is(key, "IfaceName");
		r = jscan_str(&v, name ? q->iface : q->kind, name ? sizeof(q->iface) : sizeof(q->kind),
			     &n);
		return r == -E2BIG ? -EINVAL : r;
	}
	for (size_t i = 0; i < sizeof(u32s) / sizeof(*u32s); i++) {
		if (!jscan_key_is(key, u32s[i]))
			continue;
		if ((r = jscan_u64(&v, UINT32_MAX, &x)) == 0)
			*u32p[i] = (uint32_t)x;
		return r;
	}
	for (size_t i = 0; i < sizeof(u64s) / sizeof(*u64s); i++) {
		if (!jscan_key_is(key, u64s[i]))
			continue;
		if ((r = jscan_u64(&v, UINT64_MAX, &x)) == 0 && i == 0)
			q->bytes = x;
		return r;
	}
	return jscan_skip(s, &v);
}

int qdisc_parse_json(const char *buf, size_t len, qdisc_fn fn, void *ctx)
{
	struct jscan s;
	struct jscan_val v;
	struct qdisc_info q;
	char key[32];
	bool cut;
	int r;
	jscan_init(&s, buf, len);
	if ((r = jscan_value(&s, &v)) < 0)
		return r;
	if (v.type == JSCAN_NULL)
		return jscan_end(&s);
	if (v.type != JSCAN_ARRAY)
		return -EINVAL;
	/* Go decodes the whole array before node_exporter looks at it: check it all first */
	for (int pass = 0; pass < 2; pass++) {
		jscan_init(&s, buf, len);
		jscan_value(&s, &v);
		while ((r = jscan_elem(&s)) > 0) {
			memset(&q, 0, sizeof(q));
			if ((r = jscan_value(&s, &v)) < 0)
				return r;
			if (v.type != JSCAN_OBJECT)
				return -EINVAL; /* a null entry would crash node_exporter */
			while ((r = jscan_member(&s, key, sizeof(key), &cut)) > 0)
				if ((r = read_field(&s, key, cut, &q)) < 0)
					return r;
			if (r < 0 || (pass == 1 && (r = fn(ctx, &q)) < 0))
				return r;
		}
		if (r < 0 || (r = jscan_end(&s)) < 0)
			return r;
	}
	return 0;
}

int qdisc_emit(const struct qdisc_info *q, const char *dev, const struct filter *f,
	       struct metric_sink *out)
{
	const double v[Q_N] = { (double)q->bytes,      (double)q->packets, (double)q->drops,
				(double)q->requeues,   (double)q->overlimits,
				(double)q->qlen,       (double)q->backlog };
	if (q->parent != 0 || (f && !filter_pass(f, dev, strlen(dev))))
		return 0;
	for (int i = 0; i < Q_N; i++) {
		int r = sink_add(out, &descs[i], v[i], LABELS(L("device", dev), L("kind", q->kind)));
		if (r < 0)
			return r;
	}
	return 0;
}

struct qdisc_priv {
	struct filter filter;
	const char *fixtures;     /* --collector.qdisc.fixtures, or NULL for the kernel */
	struct metric_sink *out;  /* the sink of the collection in progress */
	struct ifnames names;     /* from this collection's link dump */
	unsigned char nlbuf[NL_BUF_SIZE] __attribute__((aligned(8)));
	char fixture[QDISC_FIXTURE_MAX];
};

/* nl_msg_fn over RTM_GETQDISC: emit each root qdisc of a named link. */
static int on_qdisc(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct qdisc_priv *pr = ctx;
	struct qdisc_info q;
	if (type != RTM_NEWQDISC)
		return 0;
	int r = qdisc_parse_msg(p, len, &q);
	const struct ifname *dev = r == 0 ? ifnames_find(&pr->names, q.ifindex) : NULL;
	return dev ? qdisc_emit(&q, dev->name, &pr->filter, pr->out) : r;
}

/* qdisc_fn for the fixture: emit under the entry's own name. */
static int on_fixture(void *ctx, const struct qdisc_info *q)
{
	struct qdisc_priv *pr = ctx;
	return qdisc_emit(q, q->iface, &pr->filter, pr->out);
}

/* Both dumps, emitting into pr->out. Returns 0 or -errno. */
static int dump(struct qdisc_priv *pr)
{
	struct {
		struct nlmsghdr h;
		struct tcmsg t;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETQDISC,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.t = { .tcm_family = AF_UNSPEC },
	};
	int r = ifnames_dump(&pr->names, pr->nlbuf, sizeof(pr->nlbuf), NL_TIMEOUT_MS);
	if (r < 0)
		return r;
	return nl_request(NETLINK_ROUTE, &req, sizeof(req), pr->nlbuf, sizeof(pr->nlbuf),
			  on_qdisc, pr);
}

/* The include and exclude patterns from the qdisk flags or their later qdisc names.
 * Returns 0, or -EINVAL (logged) when a flag and its other name are both given, or an
 * include and an exclude. */
static int pick_filter(const struct plumb_config *cfg, const char **inc, const char **exc)
{
	static const char *const names[2][2] = {
		{ "collector.qdisk.device-include", "collector.qdisc.device-include" },
		{ "collector.qdisk.device-exclude", "collector.qdisc.device-exclude" },
	};
	const char *v[2];
	for (int k = 0; k < 2; k++) {
		const char *a = cfg_str(cfg, names[k][0]), *b = cfg_str(cfg, names[k][1]);
		if (a && *a && b && *b) {
			plog(LOG_ERROR, "qdisc: a device flag is given under both its names", "flag",
			     names[k][0], "other", names[k][1], PLOG_END);
			return -EINVAL;
		}
		v[k] = a && *a ? a : b;
	}
	if (v[0] && *v[0] && v[1] && *v[1]) {
		plog(LOG_ERROR, "qdisc: device-include and device-exclude exclude each other",
		     PLOG_END);
		return -EINVAL;
	}
	*inc = v[0];
	*exc = v[1];
	return 0;
}

/* Declare the fixture folder, when one is given, for the sandbox. */
static int qdisc_declare(struct collector *c, struct resources *res)
{
	const char *dir = cfg_str(c->cfg, "collector.qdisc.fixtures");
	return dir && *dir ? res_path(res, dir, NULL, RES_READ) : 0;
}

static int qdisc_init(struct collector *c)
{
	struct qdisc_priv *pr = calloc(1, sizeof(*pr));
	const char *inc, *exc;
	if (!pr)
		return -ENOMEM;
	c->priv = pr;
	const char *dir = cfg_str(c->cfg, "collector.qdisc.fixtures");
	pr->fixtures = dir && *dir ? dir : NULL;
	int r = pick_filter(c->cfg, &inc, &exc);
	return r < 0 ? r : filter_init(&pr->filter, inc, exc);
}

static int qdisc_collect(struct collector *c, struct metric_sink *out)
{
	struct qdisc_priv *pr = c->priv;
	size_t len;
	int r;
	pr->out = out;
	if (!pr->fixtures) {
		r = dump(pr);
	} else {
		r = read_file_at(pr->fixtures, "results.json", pr->fixture, sizeof(pr->fixture), &len);
		if (r == 0)
			r = qdisc_parse_json(pr->fixture, len, on_fixture, pr);
	}
	pr->out = NULL;
	return r;
}

static void qdisc_fini(struct collector *c)
{
	struct qdisc_priv *pr = c->priv;
	if (pr) {
		filter_fini(&pr->filter);
		ifnames_fini(&pr->names);
	}
	free(pr);
	c->priv = NULL;
}

const struct collector_ops collector_ops_qdisc = {
	.name = "qdisc",
	.default_enabled = false,
	.reads = "rtnetlink queueing discipline statistics (RTM_GETQDISC)",
	.flags = qdisc_flags,
	.enabled_by = "collector.qdisc.fixtures",
	.declare = qdisc_declare,
	.init = qdisc_init,
	.collect = qdisc_collect,
	.fini = qdisc_fini,
};

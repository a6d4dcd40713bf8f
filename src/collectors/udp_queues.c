/*
 * udp_queues: bytes queued in UDP sockets' send and receive buffers, summed over all
 * sockets, from /proc/net/udp (ip="v4") and /proc/net/udp6 (ip="v6").
 *
 * Column 5 of each socket line is "tx_queue:rx_queue" in hex. A missing table (IPv4 or
 * IPv6 switched off) is skipped; when both are missing the collection fails with
 * -ENOENT, as node_exporter reports no data then.
 */
#include <errno.h>
#include <stdlib.h>

#include "collectors/udp_queues.h"
#include "core/collector.h"
#include "lib/procfile.h"

static const struct metric_desc desc_queues = {
	"node_udp_queues", "Bytes queued in UDP socket buffers, summed over sockets.", METRIC_GAUGE,
};

struct udp_queues_priv {
	struct procfile v4, v6;
};

/* Split "a:b" into a and b; false unless there is exactly one ':'. */
static bool split_colon(struct span s, struct span *a, struct span *b)
{
	struct span rest = s;
	if (!span_field(&rest, ':', a) || !span_field(&rest, ':', b))
		return false;
	struct span extra;
	return !span_field(&rest, ':', &extra);
}

/* Whether s is an even-length run of hex digits (an address as the kernel prints it). */
static bool hex_bytes(struct span s)
{
	if (s.len % 2)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.p[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

/* Check an "hexip:hexport" column. */
static bool address_ok(struct span s)
{
	struct span ip, port;
	uint64_t v;
	return split_colon(s, &ip, &port) && hex_bytes(ip) && span_u64_base(port, 16, &v) == 0;
}

/* Check one socket line and take its queues. Returns 0 or -EINVAL. */
static int parse_socket(struct span line, uint64_t *tx, uint64_t *rx)
{
	struct span f[10], a, b;
	uint64_t v;
	for (int i = 0; i < 10; i++)
		if (!span_word(&line, &f[i]))
			return -EINVAL;
	if (!split_colon(f[0], &a, &b) || span_u64(a, &v) < 0 || b.len != 0)
		return -EINVAL;
	if (!address_ok(f[1]) || !address_ok(f[2]) || span_u64_base(f[3], 16, &v) < 0)
		return -EINVAL;
	if (!split_colon(f[4], &a, &b) || span_u64_base(a, 16, tx) < 0 ||
	    span_u64_base(b, 16, rx) < 0)
		return -EINVAL;
	if (span_u64(f[7], &v) < 0 || span_u64(f[9], &v) < 0)
		return -EINVAL;
	return 0;
}

int udp_queues_parse(const char *buf, size_t len, uint64_t *tx, uint64_t *rx)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	uint64_t t = 0, r = 0;
	cursor_line(&c, &line); /* the header */
	while (cursor_line(&c, &line)) {
		uint64_t lt, lr;
		if (parse_socket(line, &lt, &lr) < 0)
			return -EINVAL;
		t += lt;
		r += lr;
	}
	*tx = t;
	*rx = r;
	return 0;
}

/* Read one table and add its two series. Returns 0, -ENOENT when the file is missing,
 * or -errno. */
static int collect_one(struct procfile *pf, const char *ip, struct metric_sink *out)
{
	uint64_t tx, rx;
	int r = procfile_read(pf);
	if (r < 0)
		return r;
	if ((r = udp_queues_parse(pf->buf, pf->len, &tx, &rx)) < 0)
		return r;
	if ((r = sink_add(out, &desc_queues, (double)tx, LABELS(L("ip", ip), L("queue", "tx")))) < 0)
		return r;
	return sink_add(out, &desc_queues, (double)rx, LABELS(L("ip", ip), L("queue", "rx")));
}

static int udp_queues_init(struct collector *c)
{
	struct udp_queues_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->v4.fd = p->v6.fd = -1;
	c->priv = p;
	int r = procfile_init(&p->v4, cfg_procfs(c->cfg), "net/udp", 0);
	if (r < 0)
		return r;
	return procfile_init(&p->v6, cfg_procfs(c->cfg), "net/udp6", 0);
}

static int udp_queues_collect(struct collector *c, struct metric_sink *out)
{
	struct udp_queues_priv *p = c->priv;
	int r4 = collect_one(&p->v4, "v4", out);
	if (r4 < 0 && r4 != -ENOENT)
		return r4;
	int r6 = collect_one(&p->v6, "v6", out);
	if (r6 < 0 && r6 != -ENOENT)
		return r6;
	return r4 == -ENOENT && r6 == -ENOENT ? -ENOENT : 0;
}

static void udp_queues_fini(struct collector *c)
{
	struct udp_queues_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->v4);
		procfile_fini(&p->v6);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_udp_queues = {
	.name = "udp_queues",
	.default_enabled = true,
	.reads = "/proc/net/udp, /proc/net/udp6",
	.init = udp_queues_init,
	.collect = udp_queues_collect,
	.fini = udp_queues_fini,
};

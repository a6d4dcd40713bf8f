/*
 * udp_queues: bytes queued in UDP sockets' send and receive buffers, summed over all
 * sockets of each family: node_udp_queues{ip="v4|v6",queue="tx|rx"}.
 *
 * The kernel is asked over NETLINK_SOCK_DIAG (lib/sockdiag.h): one dump per family,
 * whose idiag_wqueue / idiag_rqueue are the very tx_queue / rx_queue columns of
 * /proc/net/udp{,6}, without the kernel formatting a text line per socket. The tables
 * themselves are read instead when sock_diag cannot answer for them: --path.procfs
 * names a tree that is not this process's network namespace (node_exporter's fixture
 * host; decided once at init by comparing <procfs>/self/ns/net with /proc/self/ns/net),
 * or the kernel has no udp_diag for a family (logged once at info). As node_exporter,
 * a family whose table file is absent (IPv6 switched off) is left out, and both absent
 * fail the collection with -ENOENT. Both dumps share one time limit; the receive buffer
 * and tally live in priv, so a collection allocates nothing.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "collectors/udp_queues.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/netlink.h"
#include "lib/nlbudget.h"
#include "lib/procfile.h"
#include "lib/sockdiag.h"

static const struct metric_desc desc_queues = {
	"node_udp_queues", "Bytes queued in UDP socket buffers, summed over sockets.", METRIC_GAUGE,
};

/* One address family: its label, its table file, and where its figures come from. */
struct udp_family {
	const char *ip;    /* "v4", "v6" */
	uint8_t af;        /* AF_INET, AF_INET6 */
	bool diag;         /* ask sock_diag; false: read pf */
	bool present;      /* pf was seen to exist: a table never goes away once there */
	struct procfile pf; /* <procfs>/net/udp{,6} */
};

struct udp_queues_priv {
	unsigned char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct sockdiag_tally tally;
	struct nl_sock nl; /* kept from one collection to the next */
	struct udp_family fam[2];
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
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F')))
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

/* Whether <procfs> shows this process's network namespace: <procfs>/self/ns/net is the
 * same namespace file as /proc/self/ns/net. False when either cannot be looked at (a
 * fixture tree has no such file): its tables are then read as they are. */
static bool same_netns(const char *procfs)
{
	char path[PATH_MAX];
	struct stat theirs, ours;
	if (path_join(path, sizeof(path), procfs, "self/ns/net") < 0 || stat(path, &theirs) < 0 ||
	    stat("/proc/self/ns/net", &ours) < 0)
		return false;
	return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

/* Sum f's sockets' queues into *tx and *rx from its table file. Returns 0, -ENOENT when
 * the file is absent, or -errno. */
static int from_file(struct udp_family *f, uint64_t *tx, uint64_t *rx)
{
	int r = procfile_read(&f->pf);
	if (r == 0)
		r = udp_queues_parse(f->pf.buf, f->pf.len, tx, rx);
	return r;
}

/* Sum f's sockets' queues into *tx and *rx over sock_diag, within what is left of b;
 * its table file must exist, as node_exporter reads it (looked for until it is seen:
 * IPv6 may be loaded after start-up, but not unloaded). Returns 0, -ENOENT when the
 * file is absent, -EOPNOTSUPP when the kernel cannot dump UDP sockets of f's family,
 * -ETIMEDOUT, or -errno from the dump. */
static int from_diag(struct udp_queues_priv *p, struct udp_family *f, const struct nl_budget *b,
		     uint64_t *tx, uint64_t *rx)
{
	struct stat st;
	unsigned ms;
	int r;
	if (!f->present && stat(f->pf.path, &st) < 0)
		return -errno;
	f->present = true;
	if (!(ms = nl_budget_left(b)))
		return -ETIMEDOUT;
	memset(&p->tally, 0, sizeof(p->tally));
	r = sockdiag_dump(&p->nl, f->af, IPPROTO_UDP, p->buf, sizeof(p->buf), &p->tally, ms);
	if (r == -ENOENT || r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT)
		r = -EOPNOTSUPP; /* no sock_diag, or no udp_diag for the family */
	if (r == 0) {
		*tx = p->tally.wqueue;
		*rx = p->tally.rqueue;
	}
	return r;
}

/* Add f's two series, from sock_diag or its file. A kernel without UDP sock_diag for
 * the family turns f over to its file for good, logged once at info. Returns 0, -ENOENT
 * when f's file is absent, or -errno. */
static int collect_one(struct udp_queues_priv *p, struct udp_family *f, const struct nl_budget *b,
		       struct metric_sink *out)
{
	uint64_t tx = 0, rx = 0;
	int r = -ENOENT;
	if (f->diag) {
		r = from_diag(p, f, b, &tx, &rx);
		if (r == -EOPNOTSUPP) {
			plog(LOG_INFO, "udp_queues: the kernel cannot dump UDP sockets; reading",
			     "path", f->pf.path, PLOG_END);
			f->diag = false;
		}
	}
	if (!f->diag)
		r = from_file(f, &tx, &rx);
	if (r == 0)
		r = sink_add(out, &desc_queues, (double)tx,
			     LABELS(L("ip", f->ip), L("queue", "tx")));
	if (r == 0)
		r = sink_add(out, &desc_queues, (double)rx,
			     LABELS(L("ip", f->ip), L("queue", "rx")));
	return r;
}

static int udp_queues_init(struct collector *c)
{
	static const char *const rel[2] = { "net/udp", "net/udp6" };
	struct udp_queues_priv *p = calloc(1, sizeof(*p));
	int r = 0;
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->nl = NL_SOCK_INIT(NETLINK_SOCK_DIAG);
	bool diag = same_netns(cfg_procfs(c->cfg));
	for (int i = 0; i < 2 && r == 0; i++) {
		struct udp_family *f = &p->fam[i];
		f->ip = i ? "v6" : "v4";
		f->af = i ? AF_INET6 : AF_INET;
		f->diag = diag;
		f->pf.fd = -1;
		r = procfile_init(&f->pf, cfg_procfs(c->cfg), rel[i], 0);
	}
	return r;
}

static int udp_queues_collect(struct collector *c, struct metric_sink *out)
{
	struct udp_queues_priv *p = c->priv;
	struct nl_budget b;
	nl_budget_start(&b, NL_TIMEOUT_MS);
	int r4 = collect_one(p, &p->fam[0], &b, out);
	if (r4 < 0 && r4 != -ENOENT)
		return r4;
	int r6 = collect_one(p, &p->fam[1], &b, out);
	if (r6 < 0 && r6 != -ENOENT)
		return r6;
	return r4 == -ENOENT && r6 == -ENOENT ? -ENOENT : 0;
}

static void udp_queues_fini(struct collector *c)
{
	struct udp_queues_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->fam[0].pf);
		procfile_fini(&p->fam[1].pf);
		nl_sock_close(&p->nl);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_udp_queues = {
	.name = "udp_queues",
	.default_enabled = true,
	.reads = "UDP sockets over netlink (sock_diag), else /proc/net/udp, /proc/net/udp6",
	.init = udp_queues_init,
	.collect = udp_queues_collect,
	.fini = udp_queues_fini,
};

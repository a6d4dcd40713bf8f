/*
 * tcpstat: TCP sockets per connection state, as node_exporter's tcpstat collector
 * (off by default) reports them: node_tcp_connection_states{state}.
 *
 * Each collection dumps the kernel's TCP sockets over NETLINK_SOCK_DIAG
 * (lib/sockdiag.h): IPv4 always, IPv6 when <procfs>/net/tcp6 exists (the one use of
 * --path.procfs, as in node_exporter). With both, one request asks for every family, so
 * the kernel walks its TCP tables once instead of twice (most of the collector's cost);
 * a kernel that refuses that request is asked once per family from then on. Besides one
 * gauge per state seen, node_exporter reports the sums of every socket's receive and
 * send queue (for a listener: its accept queue and that queue's limit) under the
 * "states" rx_queued_bytes and tx_queued_bytes; plumb does the same. Both dumps share
 * one time limit (NL_TIMEOUT_MS), so a stalled dump fails the collection instead of
 * holding the scrape. The receive buffer and the tally live in priv: no allocation
 * after init.
 */
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/tcpstat.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/netlink.h"
#include "lib/nlbudget.h"

static const struct metric_desc desc_states = {
	"node_tcp_connection_states",
	"TCP sockets in each connection state (IPv4 and IPv6), and the bytes queued in all of "
	"them (rx_queued_bytes, tx_queued_bytes).",
	METRIC_GAUGE,
};

/* node_exporter's names, indexed by its enum: the kernel's TCP states 1..11, then its
 * two queue sums, which take the next two numbers (12 and 13). Anything else is
 * "unknown" (index 0). */
#define TCPSTAT_RX 12
#define TCPSTAT_TX 13
#define TCPSTAT_NNAMES 14
static const char *const state_names[TCPSTAT_NNAMES] = {
	"unknown",   "established", "syn_sent", "syn_recv",   "fin_wait1",
	"fin_wait2", "time_wait",   "close",    "close_wait", "last_ack",
	"listen",    "closing",     "rx_queued_bytes", "tx_queued_bytes",
};

struct tcpstat_priv {
	unsigned char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct sockdiag_tally tally;
	struct nl_sock nl;   /* kept from one collection to the next */
	bool per_family;     /* the kernel refused the one request for both families */
	char tcp6[PATH_MAX]; /* <procfs>/net/tcp6 */
};

int tcpstat_emit(const struct sockdiag_tally *t, struct metric_sink *out)
{
	double v[TCPSTAT_NNAMES] = { 0 };
	bool seen[TCPSTAT_NNAMES] = { false };
	int r;
	if (t->sockets == 0)
		return 0;
	/* As node_exporter's map: a state numbered like a queue sum lands in that sum. */
	for (size_t s = 0; s < sizeof(t->state) / sizeof(t->state[0]); s++) {
		if (!t->state[s])
			continue;
		size_t i = s < TCPSTAT_NNAMES ? s : 0;
		v[i] += (double)t->state[s];
		seen[i] = true;
	}
	v[TCPSTAT_RX] += (double)t->rqueue;
	v[TCPSTAT_TX] += (double)t->wqueue;
	seen[TCPSTAT_RX] = seen[TCPSTAT_TX] = true;
	for (size_t i = 0; i < TCPSTAT_NNAMES; i++) {
		if (!seen[i])
			continue;
		if ((r = sink_add(out, &desc_states, v[i], LABELS(L("state", state_names[i])))) < 0)
			return r;
	}
	return 0;
}

static int tcpstat_init(struct collector *c)
{
	struct tcpstat_priv *p = calloc(1, sizeof(*p));
	int r = 0;
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->nl = NL_SOCK_INIT(NETLINK_SOCK_DIAG);
	int n = snprintf(p->tcp6, sizeof(p->tcp6), "%s/net/tcp6", cfg_procfs(c->cfg));
	if (n < 0 || (size_t)n >= sizeof(p->tcp6))
		return -ENAMETOOLONG;
	/* a kernel built without sock_diag has nothing of this kind to ask */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		r = errno == EPROTONOSUPPORT ? -ENODEV : -errno;
	else
		close(fd);
	return r;
}

/* Tally IPv4 and IPv6 TCP sockets into p->tally within NL_TIMEOUT_MS: one request for
 * both families, or one per family once the kernel has refused that. Returns 0 or
 * -errno. */
static int dump_both(struct tcpstat_priv *p)
{
	struct nl_budget budget;
	unsigned ms;
	int r;
	nl_budget_start(&budget, NL_TIMEOUT_MS);
	if (!p->per_family) {
		r = sockdiag_dump_tcp_any(&p->nl, p->buf, sizeof(p->buf), &p->tally, NL_TIMEOUT_MS);
		if (r == 0 || r == -ETIMEDOUT)
			return r;
		plog(LOG_DEBUG, "tcpstat: the kernel refused one dump for both families; asking "
		     "per family", "err", strerror(-r), PLOG_END);
		p->per_family = true;
		memset(&p->tally, 0, sizeof(p->tally));
	}
	r = sockdiag_dump(&p->nl, AF_INET, IPPROTO_TCP, p->buf, sizeof(p->buf), &p->tally, NL_TIMEOUT_MS);
	if (r == 0) {
		ms = nl_budget_left(&budget);
		r = ms ? sockdiag_dump(&p->nl, AF_INET6, IPPROTO_TCP, p->buf, sizeof(p->buf), &p->tally, ms)
		       : -ETIMEDOUT;
	}
	return r;
}

static int tcpstat_collect(struct collector *c, struct metric_sink *out)
{
	struct tcpstat_priv *p = c->priv;
	struct stat st;
	int r;
	memset(&p->tally, 0, sizeof(p->tally));
	if (stat(p->tcp6, &st) == 0)
		r = dump_both(p);
	else
		r = sockdiag_dump(&p->nl, AF_INET, IPPROTO_TCP, p->buf, sizeof(p->buf), &p->tally,
				  NL_TIMEOUT_MS);
	if (r == 0)
		r = tcpstat_emit(&p->tally, out);
	return r;
}

static void tcpstat_fini(struct collector *c)
{
	struct tcpstat_priv *p = c->priv;
	if (p)
		nl_sock_close(&p->nl);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_tcpstat = {
	.name = "tcpstat",
	.default_enabled = false,
	.reads = "TCP sockets over netlink (sock_diag)",
	.init = tcpstat_init,
	.collect = tcpstat_collect,
	.fini = tcpstat_fini,
};

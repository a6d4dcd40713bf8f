/*
 * ipvs: the IP Virtual Server's totals (/proc/net/ip_vs_stats) and its backends'
 * connections and weights (/proc/net/ip_vs), as node_exporter's ipvs collector reports
 * them.
 *
 * Backends are summed by the labels --collector.ipvs.backend-labels keeps (all six by
 * default), so a user who drops remote_address gets one series per virtual service.
 * The parse follows prometheus/procfs, quirks included: a backend listed under a
 * service it does not know (SCTP) counts for the service above that one, and text past
 * a line longer than 64 KiB is not read. Without the ip_vs module there is no
 * ip_vs_stats: no data (-ENOENT), as in node_exporter; any other failure, the backend
 * file's included, fails the collection.
 *
 * Steady state: both files are procfiles in priv and the backends an array kept there,
 * sorted in place to sum them: a scrape allocates nothing once the array has grown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/ipvs.h"
#include "core/collector.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/sort.h"

#define IPVS_ALL_NAMES "local_address,local_port,remote_address,remote_port,proto,local_mark"
/* prometheus/procfs reads ip_vs with a bufio.Scanner, which stops at a longer line */
#define IPVS_MAX_LINE 65535
#define IPVS_FILE_MAX (32u << 20)

const char *const ipvs_label_names[IPVS_NLABELS] = {
	"local_address", "local_port", "remote_address", "remote_port", "proto", "local_mark",
};

static const struct metric_desc stat_descs[5] = {
	{ "node_ipvs_connections_total", "Connections IPVS has scheduled since it was loaded.",
	  METRIC_COUNTER },
	{ "node_ipvs_incoming_packets_total", "Packets IPVS has received since it was loaded.",
	  METRIC_COUNTER },
	{ "node_ipvs_outgoing_packets_total", "Packets IPVS has sent since it was loaded.",
	  METRIC_COUNTER },
	{ "node_ipvs_incoming_bytes_total", "Bytes IPVS has received since it was loaded.",
	  METRIC_COUNTER },
	{ "node_ipvs_outgoing_bytes_total", "Bytes IPVS has sent since it was loaded.",
	  METRIC_COUNTER },
};

static const struct metric_desc desc_active = {
	"node_ipvs_backend_connections_active",
	"Active connections to real servers, summed over the backends that share these labels.",
	METRIC_GAUGE
};
static const struct metric_desc desc_inactive = {
	"node_ipvs_backend_connections_inactive",
	"Inactive connections to real servers, summed over the backends that share these labels.",
	METRIC_GAUGE
};
static const struct metric_desc desc_weight = {
	"node_ipvs_backend_weight",
	"Scheduling weight of real servers, summed over the backends that share these labels.",
	METRIC_GAUGE
};


static const struct flag_def ipvs_flags[] = {
	{ "collector.ipvs.backend-labels", FLAG_STRING, IPVS_ALL_NAMES,
	  "Comma-separated labels the IPVS backend series keep; backends that agree on them "
	  "are summed (any of " IPVS_ALL_NAMES ").",
	  false },
	{ NULL, 0, NULL, NULL, false },
};

/* Go's strconv.ParseUint(s, 16, 64): hex digits only, no "0x" (which strtoull would
 * take). Returns 0, -EINVAL or -ERANGE. */
static int hex_u64(struct span s, uint64_t *out)
{
	if (s.len == 0 || memchr(s.p, 'x', s.len) || memchr(s.p, 'X', s.len))
		return -EINVAL;
	return span_u64_base(s, 16, out);
}

/* The value of one hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int ipvs_parse_stats(const char *buf, size_t len, struct ipvs_stats *st)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line = { NULL, 0 }, w;
	uint64_t v[5];
	size_t nf = 0;
	/* the third of at least four "\n"-separated parts: two header lines come first */
	for (int i = 0; i < 3; i++) {
		if (!cursor_line(&cur, &line) || line.p + line.len >= buf + len)
			return -EINVAL; /* ran out before a third newline */
	}
	while (span_word(&line, &w)) {
		if (nf == 5)
			return -EINVAL;
		int r = hex_u64(w, &v[nf++]);
		if (r < 0)
			return r;
	}
	if (nf != 5)
		return -EINVAL;
	*st = (struct ipvs_stats){ v[0], v[1], v[2], v[3], v[4] };
	return 0;
}

int ipvs_emit_stats(const struct ipvs_stats *st, struct metric_sink *out)
{
	const uint64_t v[5] = { st->conns, st->in_pkts, st->out_pkts, st->in_bytes,
				st->out_bytes };
	for (size_t i = 0; i < 5; i++) {
		int r = sink_add(out, &stat_descs[i], (double)v[i], NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Append s to dst[cap] at *o, cutting it to leave room for a NUL. */
static void put_cut(char *dst, size_t cap, size_t *o, struct span s)
{
	size_t n = *o + 1 < cap ? cap - 1 - *o : 0;
	if (n > s.len)
		n = s.len;
	if (n)
		memcpy(dst + *o, s.p, n);
	*o += n;
}

int ipvs_parse_labels(const char *spec, unsigned *mask, char *unknown, size_t cap)
{
	struct span s = span_cstr(spec), f, bad[64];
	size_t nbad = 0;
	*mask = 0;
	unknown[0] = '\0';
	while (span_field(&s, ',', &f)) {
		size_t i = 0;
		while (i < IPVS_NLABELS && !span_eq(f, ipvs_label_names[i]))
			i++;
		if (i < IPVS_NLABELS) {
			*mask |= 1u << i;
			continue;
		}
		if (f.len == 0)
			continue;
		/* sorted insert, without repeats: node_exporter's message lists each once */
		size_t j = 0;
		int c = 1;
		while (j < nbad) {
			size_t m = f.len < bad[j].len ? f.len : bad[j].len;
			c = memcmp(f.p, bad[j].p, m);
			if (c == 0)
				c = (f.len > bad[j].len) - (f.len < bad[j].len);
			if (c <= 0)
				break;
			j++;
		}
		if (j < nbad && c == 0)
			continue;
		if (nbad == sizeof(bad) / sizeof(bad[0]))
			continue; /* enough names to tell the user */
		memmove(&bad[j + 1], &bad[j], (nbad - j) * sizeof(bad[0]));
		bad[j] = f;
		nbad++;
	}
	if (nbad == 0)
		return 0;
	size_t o = 0;
	for (size_t j = 0; j < nbad; j++) {
		if (j)
			put_cut(unknown, cap, &o, SPAN_LIT(", "));
		put_cut(unknown, cap, &o, bad[j]);
	}
	unknown[o] = '\0';
	return -EINVAL;
}

size_t ipvs_addr_text(const struct ipvs_addr *a, char *out, size_t cap)
{
	size_t o = 0;
	if (cap < 40) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	if (a->family == 4) {
		for (int i = 0; i < 4; i++) {
			unsigned v = a->b[i];
			if (i)
				out[o++] = '.';
			if (v >= 100)
				out[o++] = (char)('0' + v / 100);
			if (v >= 10)
				out[o++] = (char)('0' + v / 10 % 10);
			out[o++] = (char)('0' + v % 10);
		}
	} else if (a->family == 6) {
		unsigned g[8];
		int zs = -1, ze = -1; /* the longest run of two or more zero groups, first wins */
		for (size_t i = 0; i < 8; i++)
			g[i] = (unsigned)a->b[2 * i] << 8 | a->b[2 * i + 1];
		for (int i = 0; i < 8; i++) {
			int j = i;
			while (j < 8 && g[j] == 0)
				j++;
			if (j - i >= 2 && j - i > ze - zs) {
				zs = i;
				ze = j;
			}
		}
		for (int i = 0; i < 8; i++) {
			if (i == zs) {
				out[o++] = ':';
				out[o++] = ':';
				i = ze;
				if (i >= 8)
					break;
			} else if (i > 0) {
				out[o++] = ':';
			}
			bool lead = true;
			for (int sh = 12; sh >= 0; sh -= 4) {
				unsigned d = g[i] >> sh & 0xf;
				if (lead && d == 0 && sh > 0)
					continue;
				lead = false;
				out[o++] = "0123456789abcdef"[d];
			}
		}
	}
	out[o] = '\0';
	return o;
}

/* Parse an "ADDR:PORT" of /proc/net/ip_vs: 13 bytes of hex IPv4 "C0A80016:0CEA", or 46 of
 * bracketed IPv6 "[2620:0000:...:0001]:0050", as prometheus/procfs does (the bytes
 * between address and port are not looked at). Returns 0 or -EINVAL. */
static int parse_ip_port(struct span s, struct ipvs_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (s.len == 13) {
		for (size_t i = 0; i < 4; i++) {
			int hi = hexval(s.p[2 * i]), lo = hexval(s.p[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			a->b[i] = (uint8_t)(hi << 4 | lo);
		}
		a->family = 4;
	} else if (s.len == 46) {
		char tmp[40];
		memcpy(tmp, s.p + 1, 39);
		tmp[39] = '\0';
		if (inet_pton(AF_INET6, tmp, a->b) != 1)
			return -EINVAL;
		a->family = 6;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a->b, mapped, 12) == 0) { /* Go prints it as IPv4 */
			memmove(a->b, a->b + 12, 4);
			memset(a->b + 4, 0, 12);
			a->family = 4;
		}
	} else {
		return -EINVAL;
	}
	unsigned v = 0;
	for (size_t i = s.len - 4; i < s.len; i++) {
		int d = hexval(s.p[i]);
		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned)d;
	}
	*port = (uint16_t)v;
	return 0;
}

/* Append b to list, growing its array (to at most IPVS_MAX_BACKENDS). 0 or -errno. */
static int backends_push(struct ipvs_backends *list, const struct ipvs_backend *b)
{
	if (list->n == list->cap) {
		if (list->n >= IPVS_MAX_BACKENDS)
			return -E2BIG;
		int r = grow_array((void **)&list->v, &list->cap, list->n + 1, sizeof(*list->v));
		if (r < 0)
			return r;
	}
	list->v[list->n++] = *b;
	return 0;
}

int ipvs_parse_backends(const char *buf, size_t len, struct ipvs_backends *list)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	struct ipvs_backend b = { .proto = SPAN_LIT(""), .mark = SPAN_LIT("") };
	list->n = 0;
	while (cursor_line(&cur, &line) && line.len <= IPVS_MAX_LINE) {
		struct span f[6], rest = line;
		size_t nf = 0;
		int r = 0;
		while (nf < 6 && span_word(&rest, &f[nf]))
			nf++;
		/* node_exporter would index a missing second field of a one-word line (and
		 * crash); it is skipped here */
		if (nf < 2 || span_eq(f[0], "IP") || span_eq(f[0], "Prot") ||
		    span_eq(f[1], "RemoteAddress:Port"))
			continue;
		if (span_eq(f[0], "TCP") || span_eq(f[0], "UDP")) {
			b.proto = f[0];
			b.mark = SPAN_LIT("");
			r = parse_ip_port(f[1], &b.laddr, &b.lport);
		} else if (span_eq(f[0], "FWM")) {
			b.proto = f[0];
			b.mark = f[1];
			memset(&b.laddr, 0, sizeof(b.laddr));
			b.lport = 0;
		} else if (span_eq(f[0], "->") && nf == 6) {
			if ((r = parse_ip_port(f[1], &b.raddr, &b.rport)) == 0 &&
			    (r = span_u64(f[3], &b.weight)) == 0 && (r = span_u64(f[4], &b.active)) == 0 &&
			    (r = span_u64(f[5], &b.inactive)) == 0)
				r = backends_push(list, &b);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Order two addresses: by family, then bytes. Negative, 0 or positive. */
static int addr_cmp(const struct ipvs_addr *a, const struct ipvs_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == 6 ? 16 : 4);
}

/* Order two spans bytewise, a prefix first. Negative, 0 or positive. */
static int span_cmp(struct span a, struct span b)
{
	size_t m = a.len < b.len ? a.len : b.len;
	int c = m ? memcmp(a.p, b.p, m) : 0;
	return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* Order backends by the labels in *(unsigned *)ctx alone, so that those agreeing on
 * them are neighbours. sort_cmp_fn. */
static int backend_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct ipvs_backend *a = pa, *b = pb;
	unsigned mask = *(const unsigned *)ctx;
	int c = 0;
	if (!c && (mask & 1u << IPVS_LOCAL_ADDRESS))
		c = addr_cmp(&a->laddr, &b->laddr);
	if (!c && (mask & 1u << IPVS_LOCAL_PORT))
		c = (a->lport > b->lport) - (a->lport < b->lport);
	if (!c && (mask & 1u << IPVS_REMOTE_ADDRESS))
		c = addr_cmp(&a->raddr, &b->raddr);
	if (!c && (mask & 1u << IPVS_REMOTE_PORT))
		c = (a->rport > b->rport) - (a->rport < b->rport);
	if (!c && (mask & 1u << IPVS_PROTO))
		c = span_cmp(a->proto, b->proto);
	if (!c && (mask & 1u << IPVS_LOCAL_MARK))
		c = span_cmp(a->mark, b->mark);
	return c;
}

/* Decimal text of v into out[6]. Returns the length. */
static size_t port_text(uint16_t v, char *out)
{
	char tmp[6];
	size_t n = 0, o = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		out[o++] = tmp[--n];
	out[o] = '\0';
	return o;
}

/* Emit the three backend series of the sums (active, inactive, weight) under b's
 * values of the labels in mask. Returns 0 or -errno from the sink. */
static int emit_group(const struct ipvs_backend *b, unsigned mask, const uint64_t sum[3],
		      struct metric_sink *out)
{
	char la[48], ra[48], lp[6], rp[6];
	struct label ls[IPVS_NLABELS];
	size_t n = 0;
	for (size_t i = 0; i < IPVS_NLABELS; i++) {
		if (!(mask & 1u << i))
			continue;
		const char *name = ipvs_label_names[i];
		switch ((enum ipvs_label)i) {
		case IPVS_LOCAL_ADDRESS:
			ls[n] = (struct label){ name, la, ipvs_addr_text(&b->laddr, la, sizeof(la)) };
			break;
		case IPVS_LOCAL_PORT:
			ls[n] = (struct label){ name, lp, port_text(b->lport, lp) };
			break;
		case IPVS_REMOTE_ADDRESS:
			ls[n] = (struct label){ name, ra, ipvs_addr_text(&b->raddr, ra, sizeof(ra)) };
			break;
		case IPVS_REMOTE_PORT:
			ls[n] = (struct label){ name, rp, port_text(b->rport, rp) };
			break;
		case IPVS_PROTO:
			ls[n] = LS(name, b->proto);
			break;
		case IPVS_LOCAL_MARK:
		case IPVS_NLABELS:
			ls[n] = LS(name, b->mark);
			break;
		}
		n++;
	}
	int r = sink_add(out, &desc_active, (double)sum[0], ls, n);
	if (r == 0)
		r = sink_add(out, &desc_inactive, (double)sum[1], ls, n);
	if (r == 0)
		r = sink_add(out, &desc_weight, (double)sum[2], ls, n);
	return r;
}

int ipvs_emit_backends(struct ipvs_backends *list, unsigned mask, struct metric_sink *out)
{
	sort_heap(list->v, list->n, sizeof(*list->v), backend_cmp, &mask);
	for (uint32_t i = 0, j; i < list->n; i = j) {
		uint64_t sum[3] = { 0, 0, 0 }; /* wrapping, as Go's uint64 sums do */
		for (j = i; j < list->n && backend_cmp(&list->v[i], &list->v[j], &mask) == 0; j++) {
			sum[0] += list->v[j].active;
			sum[1] += list->v[j].inactive;
			sum[2] += list->v[j].weight;
		}
		int r = emit_group(&list->v[i], mask, sum, out);
		if (r < 0)
			return r;
	}
	return 0;
}

void ipvs_backends_fini(struct ipvs_backends *list)
{
	free(list->v);
	*list = (struct ipvs_backends){ 0 };
}

struct ipvs_priv {
	struct procfile stats;    /* /proc/net/ip_vs_stats */
	struct procfile backends; /* /proc/net/ip_vs */
	struct ipvs_backends list;
	unsigned mask;            /* of --collector.ipvs.backend-labels */
};

static int ipvs_init(struct collector *c)
{
	char unknown[256];
	struct ipvs_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->stats.fd = p->backends.fd = -1;
	const char *spec = cfg_str(c->cfg, "collector.ipvs.backend-labels");
	int r = ipvs_parse_labels(spec ? spec : "", &p->mask, unknown, sizeof(unknown));
	if (r < 0) {
		plog(LOG_ERROR, "unknown IPVS backend labels", "labels", unknown, "known",
		     IPVS_ALL_NAMES, PLOG_END);
		return r;
	}
	if ((r = procfile_init(&p->stats, cfg_procfs(c->cfg), "net/ip_vs_stats", 0)) < 0)
		return r;
	return procfile_init(&p->backends, cfg_procfs(c->cfg), "net/ip_vs", IPVS_FILE_MAX);
}

static int ipvs_collect(struct collector *c, struct metric_sink *out)
{
	struct ipvs_priv *p = c->priv;
	struct ipvs_stats st;
	int r = procfile_read(&p->stats); /* -ENOENT without the ip_vs module: no data */
	if (r == 0)
		r = ipvs_parse_stats(p->stats.buf, p->stats.len, &st);
	if (r == 0)
		r = ipvs_emit_stats(&st, out);
	if (r == 0)
		r = procfile_read(&p->backends);
	if (r == 0)
		r = ipvs_parse_backends(p->backends.buf, p->backends.len, &p->list);
	if (r == 0)
		r = ipvs_emit_backends(&p->list, p->mask, out);
	return r;
}

static void ipvs_fini(struct collector *c)
{
	struct ipvs_priv *p = c->priv;
	if (!p)
		return;
	procfile_fini(&p->stats);
	procfile_fini(&p->backends);
	ipvs_backends_fini(&p->list);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_ipvs = {
	.name = "ipvs",
	.default_enabled = true,
	.reads = "/proc/net/ip_vs_stats, /proc/net/ip_vs",
	.flags = ipvs_flags,
	.init = ipvs_init,
	.collect = ipvs_collect,
	.fini = ipvs_fini,
};

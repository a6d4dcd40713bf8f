/*
 * nfsd: the kernel NFS server's statistics from /proc/net/rpc/nfsd, as node_exporter's
 * nfsd collector reports them.
 *
 * Each line is a key and counters: rc (reply cache), fh (file handles), io (bytes),
 * th (threads, then a histogram we skip), ra (read-ahead cache), net, rpc, one procN
 * line per NFS version, proc4ops (NFSv4 operations) and wdeleg_getattr. As in
 * node_exporter (prometheus/procfs), an unknown key or a wrong number of values fails
 * the collection and a line the file lacks reports zeros. Without the file (nfsd is
 * not loaded) the collection reports no data.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "collectors/nfsd.h"
#include "core/collector.h"
#include "lib/rpcstat.h"

/* NFSv4 operations on the proc4ops line, by operation number, as node_exporter names
 * the ones it reports (NULL: not reported). A kernel that stops at 38 lacks the last. */
#define NFSD_V4_OPS 40
static const char *const v4_ops[NFSD_V4_OPS] = {
	/*  0 */ NULL,                 NULL,                 NULL,                 "Access",
	/*  4 */ "Close",              "Commit",             "Create",             "DelegPurge",
	/*  8 */ "DelegReturn",        "GetAttr",            "GetFH",              "Link",
	/* 12 */ "Lock",               "Lockt",              "Locku",              "Lookup",
	/* 16 */ "LookupRoot",         "Nverify",            "Open",               "OpenAttr",
	/* 20 */ "OpenConfirm",        "OpenDgrd",           "PutFH",              NULL,
	/* 24 */ NULL,                 "Read",               "ReadDir",            "ReadLink",
	/* 28 */ "Remove",             "Rename",             "Renew",              "RestoreFH",
	/* 32 */ "SaveFH",             "SecInfo",            "SetAttr",            "SetClientID",
	/* 36 */ "SetClientIDConfirm", "Verify",             "Write",              "RelLockOwner",
};

static const struct metric_desc desc_rc_hits = {
	"node_nfsd_reply_cache_hits_total",
	"Requests nfsd answered from its reply cache (a client sent them again).", METRIC_COUNTER
};
static const struct metric_desc desc_rc_misses = {
	"node_nfsd_reply_cache_misses_total",
	"Requests nfsd had to cache a reply for and did not find in its reply cache.",
	METRIC_COUNTER
};
static const struct metric_desc desc_rc_nocache = {
	"node_nfsd_reply_cache_nocache_total",
	"Requests nfsd answered without its reply cache (idempotent ones).", METRIC_COUNTER
};
static const struct metric_desc desc_fh_stale = {
	"node_nfsd_file_handles_stale_total", "Stale file handles nfsd was handed.",
	METRIC_COUNTER
};
static const struct metric_desc desc_io_read = {
	"node_nfsd_disk_bytes_read_total", "Bytes nfsd read from disk for its clients.",
	METRIC_COUNTER
};
static const struct metric_desc desc_io_write = {
	"node_nfsd_disk_bytes_written_total", "Bytes nfsd wrote to disk for its clients.",
	METRIC_COUNTER
};
static const struct metric_desc desc_threads = {
	"node_nfsd_server_threads", "nfsd kernel threads running.", METRIC_GAUGE
};
static const struct metric_desc desc_ra_size = {
	"node_nfsd_read_ahead_cache_size_blocks", "Size of nfsd's read-ahead cache, in blocks.",
	METRIC_GAUGE
};
static const struct metric_desc desc_ra_notfound = {
	"node_nfsd_read_ahead_cache_not_found_total",
	"Lookups in nfsd's read-ahead cache that found nothing.", METRIC_COUNTER
};
static const struct metric_desc desc_packets = {
	"node_nfsd_packets_total", "Network packets nfsd sent and received, by transport.",
	METRIC_COUNTER
};
static const struct metric_desc desc_connections = {
	"node_nfsd_connections_total", "TCP connections nfsd accepted.", METRIC_COUNTER
};
static const struct metric_desc desc_rpc_errors = {
	"node_nfsd_rpc_errors_total", "Bad RPC calls nfsd received, by kind of error.",
	METRIC_COUNTER
};
static const struct metric_desc desc_rpcs = {
	"node_nfsd_server_rpcs_total", "RPC calls nfsd received.", METRIC_COUNTER
};
static const struct metric_desc desc_requests = {
	"node_nfsd_requests_total",
	"NFS procedures nfsd served, by protocol version and procedure.", METRIC_COUNTER
};

/* What the file says; zero for what it does not. */
struct nfsd_stats {
	uint64_t rc[3];  /* hits, misses, nocache */
	uint64_t fh[5];  /* stale, then four the kernel no longer counts */
	uint64_t io[2];  /* read, written */
	uint64_t th[2];  /* threads, times all were busy */
	uint64_t ra[12]; /* size, a 10-bucket histogram, not found */
	uint64_t net[4]; /* all, udp, tcp, tcp connections */
	uint64_t rpc[5]; /* calls, bad, bad format, bad auth, bad client */
	uint64_t v2[RPCSTAT_V2_PROCS];
	uint64_t v3[RPCSTAT_V3_PROCS];
	uint64_t v4ops[NFSD_V4_OPS];
	uint64_t wdeleg_getattr;
};

/* Values kept per line: more than any line uses. */
#define NFSD_LINE_MAX 64

/* Lines of a fixed number of values, and where they go. */
struct fixed_line {
	const char *key;
	size_t n;
	size_t off; /* offsetof the array in struct nfsd_stats */
};

static const struct fixed_line fixed_lines[] = {
	{ "rc", 3, offsetof(struct nfsd_stats, rc) },
	{ "fh", 5, offsetof(struct nfsd_stats, fh) },
	{ "io", 2, offsetof(struct nfsd_stats, io) },
	{ "ra", 12, offsetof(struct nfsd_stats, ra) },
	{ "net", 4, offsetof(struct nfsd_stats, net) },
	{ "rpc", 5, offsetof(struct nfsd_stats, rpc) },
};

/* Take one line into st. Returns 0 or -EINVAL. */
static int nfsd_line(struct span line, struct nfsd_stats *st)
{
	struct span key;
	uint64_t v[NFSD_LINE_MAX];
	size_t n;
	if (!span_word(&line, &key))
		return -EINVAL;
	/* th: the thread count and a busy count; the histogram after them is not parsed */
	bool th = span_eq(key, "th");
	if (rpcstat_u64s(&line, th ? 2 : SIZE_MAX, v, NFSD_LINE_MAX, &n) < 0 || n == 0)
		return -EINVAL;
	if (th) {
		if (n != 2)
			return -EINVAL;
		memcpy(st->th, v, sizeof(st->th));
		return 0;
	}
	for (size_t i = 0; i < sizeof(fixed_lines) / sizeof(fixed_lines[0]); i++) {
		if (!span_eq(key, fixed_lines[i].key))
			continue;
		if (n != fixed_lines[i].n)
			return -EINVAL;
		memcpy((char *)st + fixed_lines[i].off, v, n * sizeof(v[0]));
		return 0;
	}
	if (span_eq(key, "proc2") && rpcstat_proc_ok(v, n, RPCSTAT_V2_PROCS)) {
		memcpy(st->v2, v + 1, sizeof(st->v2));
	} else if (span_eq(key, "proc3") && rpcstat_proc_ok(v, n, RPCSTAT_V3_PROCS)) {
		memcpy(st->v3, v + 1, sizeof(st->v3));
	} else if (span_eq(key, "proc4") && rpcstat_proc_ok(v, n, 2) && n == 3) {
		/* NULL and COMPOUND calls: checked, not reported */
	} else if (span_eq(key, "proc4ops") && rpcstat_proc_ok(v, n, NFSD_V4_OPS - 1)) {
		size_t have = n - 1 < NFSD_V4_OPS ? n - 1 : NFSD_V4_OPS;
		memset(st->v4ops, 0, sizeof(st->v4ops));
		memcpy(st->v4ops, v + 1, have * sizeof(v[0]));
	} else if (span_eq(key, "wdeleg_getattr")) {
		st->wdeleg_getattr = v[0];
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Emit node_nfsd_requests_total{proto} for names[i] = v[i], skipping NULL names.
 * Returns 0 or -errno from the sink. */
static int emit_procs(const char *proto, const char *const *names, const uint64_t *v, size_t n,
		      struct metric_sink *out)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (names[i])
			r = sink_add(out, &desc_requests, (double)v[i],
				     LABELS(L("method", names[i]), L("proto", proto)));
	}
	return r;
}

/* Emit everything but the requests. Returns 0 or -errno from the sink. */
static int emit_counts(const struct nfsd_stats *st, struct metric_sink *out)
{
	const struct {
		const struct metric_desc *d;
		uint64_t v;
		const char *lname, *lvalue; /* one label, or NULL */
	} s[] = {
		{ &desc_rc_hits, st->rc[0], NULL, NULL },
		{ &desc_rc_misses, st->rc[1], NULL, NULL },
		{ &desc_rc_nocache, st->rc[2], NULL, NULL },
		{ &desc_fh_stale, st->fh[0], NULL, NULL },
		{ &desc_io_read, st->io[0], NULL, NULL },
		{ &desc_io_write, st->io[1], NULL, NULL },
		{ &desc_threads, st->th[0], NULL, NULL },
		{ &desc_ra_size, st->ra[0], NULL, NULL },
		{ &desc_ra_notfound, st->ra[11], NULL, NULL },
		{ &desc_packets, st->net[1], "proto", "udp" },
		{ &desc_packets, st->net[2], "proto", "tcp" },
		{ &desc_connections, st->net[3], NULL, NULL },
		{ &desc_rpc_errors, st->rpc[2], "error", "fmt" },
		{ &desc_rpc_errors, st->rpc[3], "error", "auth" },
		{ &desc_rpc_errors, st->rpc[4], "error", "cInt" },
		{ &desc_rpcs, st->rpc[0], NULL, NULL },
	};
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i].lname)
			r = sink_add(out, s[i].d, (double)s[i].v,
				     LABELS(L(s[i].lname, s[i].lvalue)));
		else
			r = sink_add(out, s[i].d, (double)s[i].v, NULL, 0);
	}
	return r;
}

int nfsd_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct nfsd_stats st;
	memset(&st, 0, sizeof(st));
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line)) {
		if (nfsd_line(line, &st) < 0)
			return -EINVAL;
	}
	int r = emit_counts(&st, out);
	/* NULL is not reported for v2 and v3 */
	if (r == 0)
		r = emit_procs("2", rpcstat_v2_procs + 1, st.v2 + 1, RPCSTAT_V2_PROCS - 1, out);
	if (r == 0)
		r = emit_procs("3", rpcstat_v3_procs + 1, st.v3 + 1, RPCSTAT_V3_PROCS - 1, out);
	if (r == 0)
		r = emit_procs("4", v4_ops, st.v4ops, NFSD_V4_OPS, out);
	if (r == 0)
		r = sink_add(out, &desc_requests, (double)st.wdeleg_getattr,
			     LABELS(L("method", "WdelegGetattr"), L("proto", "4")));
	return r;
}

const struct collector_ops collector_ops_nfsd = {
	.name = "nfsd",
	.default_enabled = true,
	.reads = "/proc/net/rpc/nfsd",
	.file = &(const struct collector_file){ "net/rpc/nfsd", 1u << 20, nfsd_parse, false },
	COLLECTOR_FILE_OPS,
};

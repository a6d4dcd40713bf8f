/*
 * nfs: the NFS client's RPC statistics from /proc/net/rpc/nfs, as node_exporter's nfs
 * collector reports them.
 *
 * The file has a "net" line (packets and TCP connections), an "rpc" line (calls,
 * retransmissions, credential refreshes) and one procN line per NFS version counting
 * calls of each procedure. As in node_exporter (prometheus/procfs), any line it does
 * not know, or with the wrong number of values, fails the collection; a line the file
 * lacks reports zeros; an NFSv4 line shorter than this list (an older kernel) is padded
 * with zeros. Without the file (the nfs module is not loaded) the collection reports
 * no data.
 */
#include <errno.h>
#include <string.h>

#include "collectors/nfs.h"
#include "core/collector.h"
#include "lib/rpcstat.h"

/* NFSv4 client operations counted on the proc4 line, in the kernel's order, named as
 * node_exporter names them. */
#define NFS_V4_OPS 59
static const char *const v4_ops[NFS_V4_OPS] = {
	"Null",               "Read",               "Write",              "Commit",
	"Open",               "OpenConfirm",        "OpenNoattr",         "OpenDowngrade",
	"Close",              "Setattr",            "FsInfo",             "Renew",
	"SetClientID",        "SetClientIDConfirm", "Lock",               "Lockt",
	"Locku",              "Access",             "Getattr",            "Lookup",
	"LookupRoot",         "Remove",             "Rename",             "Link",
	"Symlink",            "Create",             "Pathconf",           "StatFs",
	"ReadLink",           "ReadDir",            "ServerCaps",         "DelegReturn",
	"GetACL",             "SetACL",             "FsLocations",        "ReleaseLockowner",
	"Secinfo",            "FsidPresent",        "ExchangeID",         "CreateSession",
	"DestroySession",     "Sequence",           "GetLeaseTime",       "ReclaimComplete",
	"GetDeviceInfo",      "LayoutGet",          "LayoutCommit",       "LayoutReturn",
	"SecinfoNoName",      "TestStateID",        "FreeStateID",        "GetDeviceList",
	"BindConnToSession",  "DestroyClientID",    "Seek",               "Allocate",
	"DeAllocate",         "LayoutStats",        "Clone",
};

static const struct metric_desc desc_packets = {
	"node_nfs_packets_total", "Network packets the NFS client sent and received, by transport.",
	METRIC_COUNTER
};
static const struct metric_desc desc_connections = {
	"node_nfs_connections_total", "TCP connections the NFS client made.", METRIC_COUNTER
};
static const struct metric_desc desc_rpcs = {
	"node_nfs_rpcs_total", "RPC calls the NFS client made.", METRIC_COUNTER
};
static const struct metric_desc desc_retrans = {
	"node_nfs_rpc_retransmissions_total", "RPC calls the NFS client had to send again.",
	METRIC_COUNTER
};
static const struct metric_desc desc_refresh = {
	"node_nfs_rpc_authentication_refreshes_total",
	"Times the NFS client refreshed its RPC credentials.", METRIC_COUNTER
};
static const struct metric_desc desc_requests = {
	"node_nfs_requests_total",
	"NFS procedures the client called, by protocol version and procedure.", METRIC_COUNTER
};

/* What the file says; zero for what it does not. */
struct nfs_stats {
	uint64_t net[4]; /* all, udp, tcp, tcp connections */
	uint64_t rpc[3]; /* calls, retransmissions, credential refreshes */
	uint64_t v2[RPCSTAT_V2_PROCS];
	uint64_t v3[RPCSTAT_V3_PROCS];
	uint64_t v4[NFS_V4_OPS];
};

/* Values kept per line: more than any line uses. */
#define NFS_LINE_MAX 64

/* Take one line into st. Returns 0 or -EINVAL. */
static int nfs_line(struct span line, struct nfs_stats *st)
{
	struct span key;
	uint64_t v[NFS_LINE_MAX];
	size_t n;
	if (!span_word(&line, &key) || rpcstat_u64s(&line, SIZE_MAX, v, NFS_LINE_MAX, &n) < 0 ||
	    n == 0)
		return -EINVAL;
	if (span_eq(key, "net") && n == 4) {
		memcpy(st->net, v, sizeof(st->net));
	} else if (span_eq(key, "rpc") && n == 3) {
		memcpy(st->rpc, v, sizeof(st->rpc));
	} else if (span_eq(key, "proc2") && rpcstat_proc_ok(v, n, RPCSTAT_V2_PROCS)) {
		memcpy(st->v2, v + 1, sizeof(st->v2));
	} else if (span_eq(key, "proc3") && rpcstat_proc_ok(v, n, RPCSTAT_V3_PROCS)) {
		memcpy(st->v3, v + 1, sizeof(st->v3));
	} else if (span_eq(key, "proc4") && rpcstat_proc_ok(v, n, 0)) {
		/* an older kernel counts fewer operations: the rest are 0 */
		size_t have = n - 1 < NFS_V4_OPS ? n - 1 : NFS_V4_OPS;
		memset(st->v4, 0, sizeof(st->v4));
		memcpy(st->v4, v + 1, have * sizeof(v[0]));
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Emit one node_nfs_requests_total series per procedure of version proto. Returns 0 or
 * -errno from the sink. */
static int emit_procs(const char *proto, const char *const *names, const uint64_t *v, size_t n,
		      struct metric_sink *out)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = sink_add(out, &desc_requests, (double)v[i],
			     LABELS(L("method", names[i]), L("proto", proto)));
	return r;
}

int nfs_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct nfs_stats st;
	memset(&st, 0, sizeof(st));
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line)) {
		if (nfs_line(line, &st) < 0)
			return -EINVAL;
	}
	int r = sink_add(out, &desc_packets, (double)st.net[1], LABELS(L("protocol", "udp")));
	if (r == 0)
		r = sink_add(out, &desc_packets, (double)st.net[2], LABELS(L("protocol", "tcp")));
	if (r == 0)
		r = sink_add(out, &desc_connections, (double)st.net[3], NULL, 0);
	if (r == 0)
		r = sink_add(out, &desc_rpcs, (double)st.rpc[0], NULL, 0);
	if (r == 0)
		r = sink_add(out, &desc_retrans, (double)st.rpc[1], NULL, 0);
	if (r == 0)
		r = sink_add(out, &desc_refresh, (double)st.rpc[2], NULL, 0);
	if (r == 0)
		r = emit_procs("2", rpcstat_v2_procs, st.v2, RPCSTAT_V2_PROCS, out);
	if (r == 0)
		r = emit_procs("3", rpcstat_v3_procs, st.v3, RPCSTAT_V3_PROCS, out);
	if (r == 0)
		r = emit_procs("4", v4_ops, st.v4, NFS_V4_OPS, out);
	return r;
}

const struct collector_ops collector_ops_nfs = {
	.name = "nfs",
	.default_enabled = true,
	.reads = "/proc/net/rpc/nfs",
	.file = &(const struct collector_file){ "net/rpc/nfs", 1u << 20, nfs_parse, false },
	COLLECTOR_FILE_OPS,
};

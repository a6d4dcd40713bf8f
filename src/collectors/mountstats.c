/*
 * mountstats: NFS client statistics per mount from /proc/self/mountstats, as
 * node_exporter's mountstats collector reports them (off by default).
 *
 * Each "device X mounted on Y with fstype nfs4 statvers=1.1" entry is followed by
 * indented lines: age, bytes, events, one xprt line per transport, then per-operation
 * counters. node_exporter labels each mount's figures with its export (X), transport
 * protocol and the server address, which it takes from the addr= super option of the
 * line at the same position of /proc/self/mountinfo (both files list mounts in the same
 * order). A mount whose export, protocol and address were reported already (the same
 * export mounted twice) adds only its node_mountstats_nfs_mountpoint_info. Text that
 * node_exporter refuses fails the collection; a host without NFS mounts reports none.
 *
 * Steady state: both files are procfiles held in priv (mountinfo is read only when an
 * NFS entry is present), and the parser's arrays live in priv: a warm scrape allocates
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/mountstats.h"
#include "core/collector.h"
#include "lib/buf.h"
#include "lib/procfile.h"

#define MANTISSA (UINT64_C(1) << 53) /* node_exporter keeps times below 2^53 */

#define M(name, help, type) { "node_mountstats_nfs_" name, help, type }
static const struct metric_desc desc_info =
	M("mountpoint_info", "Always 1; names a mount point of an NFS export.", METRIC_GAUGE);
static const struct metric_desc desc_age =
	M("age_seconds_total", "Seconds since the NFS mount was made.", METRIC_COUNTER);

/* The eight counters of the bytes: line, in order. */
static const struct metric_desc desc_bytes[8] = {
	M("read_bytes_total", "Bytes read by applications with read().", METRIC_COUNTER),
	M("write_bytes_total", "Bytes written by applications with write().", METRIC_COUNTER),
	M("direct_read_bytes_total", "Bytes read with read() on files opened O_DIRECT.",
	  METRIC_COUNTER),
	M("direct_write_bytes_total", "Bytes written with write() on files opened O_DIRECT.",
	  METRIC_COUNTER),
	M("total_read_bytes_total", "Bytes the client read from the server in all.",
	  METRIC_COUNTER),
	M("total_write_bytes_total", "Bytes the client wrote to the server in all.",
	  METRIC_COUNTER),
	M("read_pages_total", "Pages read through mmap()ed files.", METRIC_COUNTER),
	M("write_pages_total", "Pages written through mmap()ed files.", METRIC_COUNTER),
};

/* The 27 counters of the events: line, in order; NULL: not reported (congestion wait). */
static const struct metric_desc desc_events[27] = {
	M("event_inode_revalidate_total", "Times cached inode attributes were checked with the server.",
	  METRIC_COUNTER),
	M("event_dnode_revalidate_total", "Times cached directory entries were checked with the server.",
	  METRIC_COUNTER),
	M("event_data_invalidate_total", "Times an inode's cached data was dropped.", METRIC_COUNTER),
	M("event_attribute_invalidate_total", "Times an inode's cached attributes were dropped.",
	  METRIC_COUNTER),
	M("event_vfs_open_total", "Files opened.", METRIC_COUNTER),
	M("event_vfs_lookup_total", "Names looked up in directories.", METRIC_COUNTER),
	M("event_vfs_access_total", "Access permission checks.", METRIC_COUNTER),
	M("event_vfs_update_page_total", "Page updates (writes that may follow).", METRIC_COUNTER),
	M("event_vfs_read_page_total", "Single pages read.", METRIC_COUNTER),
	M("event_vfs_read_pages_total", "Reads of groups of pages.", METRIC_COUNTER),
	M("event_vfs_write_page_total", "Single pages written.", METRIC_COUNTER),
	M("event_vfs_write_pages_total", "Writes of groups of pages.", METRIC_COUNTER),
	M("event_vfs_getdents_total", "Directory listings read with getdents().", METRIC_COUNTER),
	M("event_vfs_setattr_total", "Attribute changes (setattr).", METRIC_COUNTER),
	M("event_vfs_flush_total", "Pending writes flushed to the server on demand.", METRIC_COUNTER),
	M("event_vfs_fsync_total", "fsync() calls on files and directories.", METRIC_COUNTER),
	M("event_vfs_lock_total", "File lock attempts.", METRIC_COUNTER),
	M("event_vfs_file_release_total", "Files closed and released.", METRIC_COUNTER),
	{ NULL, NULL, METRIC_COUNTER },
	M("event_truncation_total", "Files truncated.", METRIC_COUNTER),
	M("event_write_extension_total", "Files grown by writes past their end.", METRIC_COUNTER),
	M("event_silly_rename_total", "Files removed while another process still held them open.",
	  METRIC_COUNTER),
	M("event_short_read_total", "Reads the server answered with less data than asked for.",
	  METRIC_COUNTER),
	M("event_short_write_total", "Writes the server stored less of than asked for.",
	  METRIC_COUNTER),
	M("event_jukebox_delay_total", "Times the server answered EJUKEBOX (data being fetched "
				       "from offline storage).",
	  METRIC_COUNTER),
	M("event_pnfs_read_total", "pNFS reads (NFS 4.1 and later).", METRIC_COUNTER),
	M("event_pnfs_write_total", "pNFS writes (NFS 4.1 and later).", METRIC_COUNTER),
};

/* Transport series: the ms_xprt field each reports. */
static const struct {
	struct metric_desc d;
	unsigned field;
} xprt_series[10] = {
	{ M("transport_bind_total", "Times the client bound a new connection to the server from "
				    "scratch.",
	    METRIC_COUNTER),
	  1 },
	{ M("transport_connect_total", "TCP connections the client made to the server.",
	    METRIC_COUNTER),
	  2 },
	{ M("transport_idle_time_seconds", "Seconds since the mount last sent or received RPC "
					   "traffic.",
	    METRIC_GAUGE),
	  4 },
	{ M("transport_sends_total", "RPC requests of this mount sent to the server.", METRIC_COUNTER),
	  5 },
	{ M("transport_receives_total", "RPC replies of this mount received from the server.",
	    METRIC_COUNTER),
	  6 },
	{ M("transport_bad_transaction_ids_total", "Replies whose transaction id this client did "
						   "not know.",
	    METRIC_COUNTER),
	  7 },
	{ M("transport_backlog_queue_total", "Sum of the RPC backlog queue lengths seen at each "
					     "request.",
	    METRIC_COUNTER),
	  9 },
	{ M("transport_maximum_rpc_slots", "Most RPC requests in flight at once so far.",
	    METRIC_GAUGE),
	  10 },
	{ M("transport_sending_queue_total", "Sum of the sending queue lengths seen at each request.",
	    METRIC_COUNTER),
	  11 },
	{ M("transport_pending_queue_total", "Sum of the pending queue lengths seen at each request.",
	    METRIC_COUNTER),
	  12 },
};

/* Operation series: the per-op counter each reports (times in ms become seconds). */
static const struct metric_desc desc_ops[8] = {
	M("operations_requests_total", "Requests of this operation.", METRIC_COUNTER),
	M("operations_transmissions_total", "Transmissions of this operation, retries included.",
	  METRIC_COUNTER),
	M("operations_major_timeouts_total", "Major timeouts of this operation.", METRIC_COUNTER),
	M("operations_sent_bytes_total", "Bytes sent for this operation, RPC headers included.",
	  METRIC_COUNTER),
	M("operations_received_bytes_total", "Bytes received for this operation, RPC headers "
					     "included.",
	  METRIC_COUNTER),
	M("operations_queue_time_seconds_total", "Seconds requests of this operation waited to be "
						 "sent, in all.",
	  METRIC_COUNTER),
	M("operations_response_time_seconds_total", "Seconds from sending requests of this "
						    "operation to their replies, in all.",
	  METRIC_COUNTER),
	M("operations_request_time_seconds_total", "Seconds from queueing requests of this "
						   "operation to their completion, in all.",
	  METRIC_COUNTER),
};
#undef M

/* One NFS entry while it is parsed. */
struct ms_mount {
	struct span export, mountpoint, ops;
	double age;
	uint64_t bytes[8], events[27];
};

struct mountstats_priv {
	struct procfile stats, info;
	struct ms_scratch sc;
};

/* Take up to cap words of line into w; returns how many there are in all. */
static size_t words(struct span line, struct span *w, size_t cap)
{
	struct span x;
	size_t n = 0;
	while (span_word(&line, &x)) {
		if (n < cap)
			w[n] = x;
		n++;
	}
	return n;
}

/* Go's strconv.Atoi: an optional sign and decimal digits within int64. */
static bool go_atoi(struct span s)
{
	int64_t v;
	size_t i = s.len && (s.p[0] == '+' || s.p[0] == '-');
	if (i == s.len)
		return false;
	for (size_t j = i; j < s.len; j++)
		if (!ascii_digit(s.p[j]))
			return false;
	return span_i64(s, &v) == 0;
}

/* The addr= value of a comma-separated option list ("" if none; the last one wins). */
static struct span addr_option(struct span opts)
{
	struct span opt, addr = { opts.p, 0 };
	while (span_field(&opts, ',', &opt)) {
		const char *eq = memchr(opt.p, '=', opt.len);
		struct span key = { opt.p, eq ? (size_t)(eq - opt.p) : opt.len };
		if (!span_eq(key, "addr"))
			continue;
		if (!eq) {
			addr = (struct span){ opt.p, 0 };
			continue;
		}
		const char *v = eq + 1, *end = opt.p + opt.len;
		const char *eq2 = memchr(v, '=', (size_t)(end - v));
		addr = (struct span){ v, (size_t)((eq2 ? eq2 : end) - v) };
	}
	return addr;
}

int mountstats_mountinfo(struct ms_scratch *sc, const char *buf, size_t len)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	sc->naddr = 0;
	while (cursor_line(&cur, &line)) {
		struct span f[4], last = { line.p, 0 }, before[3] = { { 0 } };
		size_t n = 0, start = 0;
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		/* split at single spaces: keep the first two fields and the last four */
		for (size_t i = 0; i <= line.len; i++) {
			if (i < line.len && line.p[i] != ' ')
				continue;
			struct span field = { line.p + start, i - start };
			if (n < 2)
				f[n] = field;
			before[0] = before[1], before[1] = before[2], before[2] = last;
			last = field;
			n++;
			start = i + 1;
		}
		if (n < 10 || !span_eq(before[0], "-") || !go_atoi(f[0]) || !go_atoi(f[1]))
			return -EINVAL;
		if (sc->naddr == sc->addr_cap &&
		    grow_array((void **)&sc->addr, &sc->addr_cap, sc->naddr + 1, sizeof(*sc->addr)))
			return -ENOMEM;
		sc->addr[sc->naddr++] = addr_option(last);
	}
	return 0;
}

bool mountstats_has_nfs(const char *buf, size_t len)
{
	return memmem(buf, len, "with fstype nfs", 15) != NULL;
}

/* n unsigned decimals of w into v. Returns 0 or -EINVAL. */
static int u64s(const struct span *w, size_t n, uint64_t *v)
{
	for (size_t i = 0; i < n; i++)
		if (span_u64(w[i], &v[i]) < 0)
			return -EINVAL;
	return 0;
}

/* Go's time.ParseDuration(s + "s").Seconds() for a plain decimal s: whole nanoseconds,
 * within int64. Returns 0 or -EINVAL. */
static int age_seconds(struct span s, double *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t whole = 0, frac = 0, scale = 1000000000;
	bool digits = false;
	if (i < s.len && (s.p[i] == '-' || s.p[i] == '+'))
		neg = s.p[i++] == '-';
	for (; i < s.len && ascii_digit(s.p[i]); i++, digits = true) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		whole = whole * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (i < s.len && s.p[i] == '.') {
		for (i++; i < s.len && ascii_digit(s.p[i]); i++, digits = true) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(s.p[i] - '0') * scale;
			}
		}
	}
	if (!digits || i != s.len || whole > (UINT64_C(1) << 63) / 1000000000)
		return -EINVAL;
	uint64_t ns = whole * 1000000000 + frac;
	if (ns > (UINT64_C(1) << 63) - (neg ? 0 : 1))
		return -EINVAL;
	uint64_t whole_s = ns / 1000000000; /* whole seconds, then the rest, as Go's Seconds() */
	double sec = (double)whole_s + (double)(ns % 1000000000) / 1e9;
	*out = neg ? -sec : sec;
	return 0;
}

/* An xprt: line's words after "xprt:" (w[0] the protocol, n words in all) for stats
 * version ver, into x. Returns 0 or -EINVAL. */
static int parse_xprt(const struct span *w, size_t n, struct span ver, struct ms_xprt *x)
{
	uint64_t v[31] = { 0 };
	size_t k = n - 1;
	bool tcp = span_eq(w[0], "tcp"), udp = span_eq(w[0], "udp"), rdma = span_eq(w[0], "rdma");
	if (span_eq(ver, "1.0")) {
		if (!(tcp && k == 10) && !(udp && k == 7))
			return -EINVAL;
	} else if (span_eq(ver, "1.1")) {
		if (!(tcp && k == 13) && !(udp && k == 10) && !(rdma && k >= 20 && k <= 31))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (u64s(w + 1, k, v) < 0)
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	x->proto = w[0];
	if (udp) { /* no connect, connect idle or idle time */
		x->v[0] = v[0], x->v[1] = v[1];
		memcpy(&x->v[5], &v[2], 8 * sizeof(uint64_t));
	} else if (rdma) { /* the TCP 1.0 layout, then RDMA's own counters */
		memcpy(x->v, v, 10 * sizeof(uint64_t));
	} else {
		memcpy(x->v, v, 13 * sizeof(uint64_t));
	}
	return 0;
}

/* Whether identifier id[0..nid) (nid 3 for an export, protocol and address; 4 with a
 * mount point) was reported already; if not, remember it. A linear search: a host has
 * few NFS mounts. Returns 1 if seen, 0 if new, -ENOMEM. */
static int seen(struct ms_scratch *sc, const struct span *id, size_t nid)
{
	struct span key[4];
	for (size_t j = 0; j < 4; j++) /* a 3-span id ends in a span no mount point equals */
		key[j] = j < nid ? id[j] : (struct span){ NULL, SIZE_MAX };
	for (uint32_t i = 0; i + 4 <= sc->nseen; i += 4) {
		size_t j = 0;
		while (j < 4 && sc->seen[i + j].len == key[j].len &&
		       (key[j].len == 0 || key[j].len == SIZE_MAX ||
			memcmp(sc->seen[i + j].p, key[j].p, key[j].len) == 0))
			j++;
		if (j == 4)
			return 1;
	}
	if (sc->nseen + 4 > sc->seen_cap &&
	    grow_array((void **)&sc->seen, &sc->seen_cap, sc->nseen + 4, sizeof(*sc->seen)))
		return -ENOMEM;
	memcpy(&sc->seen[sc->nseen], key, sizeof(key));
	sc->nseen += 4;
	return 0;
}

/* Emit every series of mount m for one protocol. */
static int emit_stats(const struct ms_scratch *sc, const struct ms_mount *m, struct span proto,
		      struct span addr, struct metric_sink *out)
{
#define ID LS("export", m->export), LS("protocol", proto), LS("mountaddr", addr)
	struct cursor cur = cursor_init(m->ops.p, m->ops.len);
	struct span line, w[9];
	char num[24];
	int r = sink_add(out, &desc_age, m->age, LABELS(ID));
	for (size_t i = 0; r == 0 && i < 8; i++)
		r = sink_add(out, &desc_bytes[i], (double)m->bytes[i], LABELS(ID));
	for (uint32_t t = 0; r == 0 && t < sc->nxprt; t++) {
		snprintf(num, sizeof(num), "%u", t);
		for (size_t i = 0; r == 0 && i < 10; i++) {
			uint64_t v = sc->xprt[t].v[xprt_series[i].field];
			if (i == 2)
				v %= MANTISSA;
			r = sink_add(out, &xprt_series[i].d, (double)v, LABELS(ID, L("transport", num)));
		}
	}
	while (r == 0 && m->ops.len && cursor_line(&cur, &line)) {
		uint64_t v[8];
		if (words(line, w, 9) == 0)
			break;
		struct span op = w[0];
		if (span_ends(op, ":"))
			op.len--;
		if (u64s(w + 1, 8, v) < 0)
			return -EINVAL; /* checked while parsing */
		for (size_t i = 0; r == 0 && i < 8; i++) {
			double d = i < 5 ? (double)v[i] : (double)(v[i] % MANTISSA) / 1000.0;
			r = sink_add(out, &desc_ops[i], d, LABELS(ID, LS("operation", op)));
		}
	}
	for (size_t i = 0; r == 0 && i < 27; i++)
		if (desc_events[i].name)
			r = sink_add(out, &desc_events[i], (double)m->events[i], LABELS(ID));
#undef ID
	return r;
}

/* Parse the indented lines of an NFS entry (stats version ver) from cur into m and
 * sc's transports. Returns 0 or -EINVAL. */
static int parse_nfs(struct ms_scratch *sc, struct cursor *cur, struct span ver, struct ms_mount *m)
{
	struct span line, w[34];
	size_t n;
	sc->nxprt = 0;
	while (cursor_line(cur, &line)) {
		n = words(line, w, 34);
		if (n == 0)
			break;
		if ((span_eq(w[0], "opts:") || span_eq(w[0], "age:") || span_eq(w[0], "bytes:") ||
		     span_eq(w[0], "events:")) &&
		    n < 2)
			return -EINVAL;
		if (span_eq(w[0], "age:") && age_seconds(w[1], &m->age) < 0)
			return -EINVAL;
		if (span_eq(w[0], "bytes:") && (n != 9 || u64s(w + 1, 8, m->bytes) < 0))
			return -EINVAL;
		if (span_eq(w[0], "events:") && (n != 28 || u64s(w + 1, 27, m->events) < 0))
			return -EINVAL;
		if (span_eq(w[0], "xprt:")) {
			if (n < 3 || n > 33) /* at most 31 counters */
				return -EINVAL;
			if (sc->nxprt == sc->xprt_cap &&
			    grow_array((void **)&sc->xprt, &sc->xprt_cap, sc->nxprt + 1, sizeof(*sc->xprt)))
				return -ENOMEM;
			if (parse_xprt(w + 1, n - 1, ver, &sc->xprt[sc->nxprt]) < 0)
				return -EINVAL;
			sc->nxprt++;
		}
		if (span_eq(w[0], "per-op"))
			break;
	}
	/* the per-operation lines, up to an empty line */
	m->ops = (struct span){ cur->p, 0 };
	while (cursor_line(cur, &line)) {
		uint64_t v;
		struct span rest = line, x;
		n = words(line, w, 1);
		if (n == 0)
			break;
		if (n < 9)
			return -EINVAL;
		span_word(&rest, &x); /* the operation's name */
		while (span_word(&rest, &x))
			if (span_u64(x, &v) < 0)
				return -EINVAL;
		m->ops.len = (size_t)(line.p + line.len - m->ops.p);
	}
	return 0;
}

/* Report NFS entry m at mountinfo position idx, as node_exporter does per transport. */
static int report(struct ms_scratch *sc, const struct ms_mount *m, uint32_t idx,
		  struct metric_sink *out)
{
	struct span addr = idx < sc->naddr ? sc->addr[idx] : (struct span){ "", 0 };
	int r = 0;
	for (uint32_t t = 0; r == 0 && t < sc->nxprt; t++) {
		struct span proto = sc->xprt[t].proto;
		struct span id[4] = { m->export, proto, addr, m->mountpoint };
		r = seen(sc, id, 4);
		if (r == 0)
			r = sink_add(out, &desc_info, 1,
				     LABELS(LS("export", m->export), LS("protocol", proto),
					    LS("mountaddr", addr), LS("mountpoint", m->mountpoint)));
		if (r < 0)
			break;
		r = seen(sc, id, 3);
		if (r == 1) {
			r = 0;
			break; /* this export, protocol and address were reported */
		}
		if (r == 0)
			r = emit_stats(sc, m, proto, addr, out);
	}
	return r;
}

int mountstats_parse(struct ms_scratch *sc, const char *buf, size_t len, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line, w[9];
	uint32_t idx = 0;
	int r = 0;
	sc->nseen = 0;
	while (r == 0 && cursor_line(&cur, &line)) {
		size_t n = words(line, w, 9);
		if (n == 0 || !span_eq(w[0], "device"))
			continue;
		if (n < 8 || !span_eq(w[2], "mounted") || !span_eq(w[3], "on") ||
		    !span_eq(w[5], "with") || !span_eq(w[6], "fstype"))
			return -EINVAL;
		if (n > 8) {
			struct ms_mount m = { .export = w[1], .mountpoint = w[4] };
			struct span ver = w[8];
			if (!span_eq(w[7], "nfs") && !span_eq(w[7], "nfs4"))
				return -EINVAL;
			if (span_starts(ver, "statvers="))
				ver.p += 9, ver.len -= 9;
			r = parse_nfs(sc, &cur, ver, &m);
			if (r == 0)
				r = report(sc, &m, idx, out);
		}
		idx++;
	}
	return r;
}

void mountstats_scratch_fini(struct ms_scratch *sc)
{
	free(sc->addr);
	free(sc->xprt);
	free(sc->seen);
	memset(sc, 0, sizeof(*sc));
}

/* The process directory node_exporter reads: "self", or, in a copied tree where the
 * self link became a file holding a pid (the shared fixture), that pid. */
static void self_dir(const char *procfs, char *out, size_t cap)
{
	char path[PATH_MAX], buf[32];
	size_t len = 0;
	uint64_t pid;
	snprintf(out, cap, "self");
	if (path_join(path, sizeof(path), procfs, "self") < 0)
		return;
	char target[8];
	if (readlink(path, target, sizeof(target)) >= 0)
		return; /* a real link: /proc/self is this process */
	if (read_file_at(procfs, "self", buf, sizeof(buf), &len) == 0 &&
	    span_u64(span_cstr(buf), &pid) == 0)
		snprintf(out, cap, "%llu", (unsigned long long)pid);
}

static int mountstats_init(struct collector *c)
{
	struct mountstats_priv *p = calloc(1, sizeof(*p));
	char self[32], rel[64];
	int r;
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->stats.fd = p->info.fd = -1;
	self_dir(cfg_procfs(c->cfg), self, sizeof(self));
	snprintf(rel, sizeof(rel), "%s/mountstats", self);
	r = procfile_init(&p->stats, cfg_procfs(c->cfg), rel, 0);
	snprintf(rel, sizeof(rel), "%s/mountinfo", self);
	if (r == 0)
		r = procfile_init(&p->info, cfg_procfs(c->cfg), rel, 0);
	return r;
}

static int mountstats_collect(struct collector *c, struct metric_sink *out)
{
	struct mountstats_priv *p = c->priv;
	int r = procfile_read(&p->stats);
	p->sc.naddr = 0;
	if (r == 0 && mountstats_has_nfs(p->stats.buf, p->stats.len)) {
		r = procfile_read(&p->info);
		if (r == 0)
			r = mountstats_mountinfo(&p->sc, p->info.buf, p->info.len);
	}
	if (r == 0)
		r = mountstats_parse(&p->sc, p->stats.buf, p->stats.len, out);
	return r;
}

static void mountstats_fini(struct collector *c)
{
	struct mountstats_priv *p = c->priv;
	if (!p)
		return;
	procfile_fini(&p->stats);
	procfile_fini(&p->info);
	mountstats_scratch_fini(&p->sc);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_mountstats = {
	.name = "mountstats",
	.default_enabled = false,
	.reads = "/proc/self/mountstats, /proc/self/mountinfo (NFS client mounts)",
	.init = mountstats_init,
	.collect = mountstats_collect,
	.fini = mountstats_fini,
};

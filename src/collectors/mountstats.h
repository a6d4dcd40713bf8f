/*
 * mountstats: the parsers of the mountstats collector, exposed for tests and the fuzz
 * target.
 */
#ifndef PLUMB_COLLECTOR_MOUNTSTATS_H
#define PLUMB_COLLECTOR_MOUNTSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* One transport ("xprt:") line, laid out as for TCP on statvers 1.1: port, bind,
 * connect, connect idle time, idle time, sends, receives, bad xids, active requests,
 * backlog, max slots, sending queue, pending queue (UDP and RDMA lines are moved into
 * this layout, their missing fields 0). */
struct ms_xprt {
	struct span proto;
	uint64_t v[13];
};

/* What a collection remembers while it parses; reused across collections so a warm
 * one allocates nothing. Zero it before first use; free it with mountstats_scratch_fini. */
struct ms_scratch {
	struct span *addr;   /* per mountinfo line: its addr= super option ("" if none) */
	uint32_t naddr, addr_cap;
	struct ms_xprt *xprt; /* one mount's transports */
	uint32_t nxprt, xprt_cap;
	struct span *seen;    /* identifiers already reported: 4 spans each */
	uint32_t nseen, seen_cap; /* in spans */
};

/* Parse a mountinfo table (buf[0..len), which must outlive the next mountstats_parse)
 * into sc: the addr option of each line, as node_exporter pairs them with mountstats
 * entries by position. Returns 0, -EINVAL for a line node_exporter refuses (fewer than
 * ten fields, no "-" before the last three, a bad mount or parent id), or -ENOMEM. */
int mountstats_mountinfo(struct ms_scratch *sc, const char *buf, size_t len);

/* Whether the mountstats text has an entry that may be NFS, so mountinfo is needed. */
bool mountstats_has_nfs(const char *buf, size_t len);

/* Parse a mountstats file (buf[0..len)) and emit node_mountstats_nfs_* for each NFS
 * mount, labelled with the addr sc holds for its position (from mountstats_mountinfo;
 * "" past its end). Returns 0, -EINVAL for text node_exporter refuses (its parse errors
 * fail the whole collection), -ENOMEM, or -errno from the sink. */
int mountstats_parse(struct ms_scratch *sc, const char *buf, size_t len, struct metric_sink *out);

void mountstats_scratch_fini(struct ms_scratch *sc); /* accepts a zeroed sc */

#endif

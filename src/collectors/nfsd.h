/*
 * nfsd: parser for /proc/net/rpc/nfsd (the kernel NFS server's statistics), exposed for
 * the unit tests and the fuzz target. The collector is in nfsd.c.
 */
#ifndef PLUMB_COLLECTOR_NFSD_H
#define PLUMB_COLLECTOR_NFSD_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/net/rpc/nfsd (buf[0..len), need not be NUL-terminated) and
 * emit every node_nfsd_* family: reply cache, stale file handles, bytes read and
 * written, threads, read-ahead cache, packets and connections, RPC errors and calls,
 * and node_nfsd_requests_total per NFSv2, v3 and v4 procedure (0 for a line the file
 * lacks). Returns 0, -EINVAL when a line breaks a rule node_exporter treats as fatal
 * (nothing is emitted then), or -errno from the sink. */
int nfsd_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

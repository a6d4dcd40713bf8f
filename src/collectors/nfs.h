/*
 * nfs: parser for /proc/net/rpc/nfs (the NFS client's RPC statistics), exposed for the
 * unit tests and the fuzz target. The collector is in nfs.c.
 */
#ifndef PLUMB_COLLECTOR_NFS_H
#define PLUMB_COLLECTOR_NFS_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/net/rpc/nfs (buf[0..len), need not be NUL-terminated) and
 * emit node_nfs_packets_total, node_nfs_connections_total, node_nfs_rpcs_total,
 * node_nfs_rpc_retransmissions_total, node_nfs_rpc_authentication_refreshes_total and
 * node_nfs_requests_total (every NFSv2, v3 and v4 procedure; 0 for a line the file
 * lacks). Returns 0, -EINVAL when a line breaks a rule node_exporter treats as fatal
 * (nothing is emitted then), or -errno from the sink. */
int nfs_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

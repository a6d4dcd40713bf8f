/*
 * udp_queues: parser for /proc/net/udp and /proc/net/udp6 (what the collector reads
 * when sock_diag cannot answer), exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_UDP_QUEUES_H
#define PLUMB_COLLECTOR_UDP_QUEUES_H

#include <stddef.h>
#include <stdint.h>

/* Sum the tx_queue and rx_queue columns of a /proc/net/udp{,6} table (buf[0..len)):
 * a header line, then one line per socket. Every socket line is checked as
 * node_exporter's procfs does (at least 10 columns; sl "N:", addresses "hexip:hexport",
 * hex state, "hextx:hexrx" queues, decimal uid and inode); one bad line makes the file
 * invalid (-EINVAL). Returns 0 or -errno. */
int udp_queues_parse(const char *buf, size_t len, uint64_t *tx, uint64_t *rx);

#endif

/*
 * conntrack: parsers for the netfilter connection-tracking files, exposed for tests
 * and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_CONNTRACK_H
#define PLUMB_COLLECTOR_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

/* The per-CPU counters of /proc/net/stat/nf_conntrack, summed over CPUs. */
struct conntrack_stats {
	uint64_t found, invalid, ignore, insert, insert_failed, drop, early_drop, search_restart;
};

/* Parse the text of /proc/net/stat/nf_conntrack (buf[0..len)): a header line, then one
 * line per CPU of 16 or 17 hex columns (the 17th, search_restart, came in 2.6.35).
 * Sums into *st (zeroed first). Any other line shape returns -EINVAL.
 * Returns 0 or -errno. */
int conntrack_parse_stat(const char *buf, size_t len, struct conntrack_stats *st);

#endif

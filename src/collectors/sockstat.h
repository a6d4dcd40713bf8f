/*
 * sockstat: parser for /proc/net/sockstat and /proc/net/sockstat6, exposed for tests
 * and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_SOCKSTAT_H
#define PLUMB_COLLECTOR_SOCKSTAT_H

#include <stdbool.h>
#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of a sockstat file (buf[0..len), need not be NUL-terminated) into out
 * as node_sockstat_<PROTO>_<key> gauges; "mem" (pages) also gives <PROTO>_mem_bytes
 * using page_size. The "sockets: used N" line gives node_sockstat_sockets_used unless
 * v6 is set (sockstat6 has no such line in any kernel). The whole file is checked
 * first: a malformed line (fewer than a protocol and one pair, an odd number of words,
 * a value that is not an integer) returns -EINVAL and adds nothing. Returns 0 or -errno. */
int sockstat_parse(const char *buf, size_t len, bool v6, long page_size, struct metric_sink *out);

#endif

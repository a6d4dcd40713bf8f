/*
 * zoneinfo: parser for /proc/zoneinfo (per-zone page counts, watermarks and NUMA
 * counters), exposed for the unit tests and the fuzz target. The collector is in
 * zoneinfo.c.
 */
#ifndef PLUMB_COLLECTOR_ZONEINFO_H
#define PLUMB_COLLECTOR_ZONEINFO_H

#include <stddef.h>

#include "expo/sink.h"

/* Most entries of a protection array reported; the kernel has one per zone type, at most
 * a handful. */
#define ZONEINFO_MAX_PROTECTION 64

/* Parse the text of /proc/zoneinfo (buf[0..len), need not be NUL-terminated) into the
 * node_zoneinfo_* families, labelled node and zone: one sample for each known field a
 * zone's block lists, and node_zoneinfo_protection_<i> for each entry of its protection
 * array. Malformed text is never an error (as in prometheus/procfs: an unreadable
 * number counts as 0, an unreadable protection array is left out). Returns 0 or -errno
 * from the sink. */
int zoneinfo_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

/*
 * buddyinfo: parser for /proc/buddyinfo (free blocks of the page allocator per node,
 * zone and order), exposed for the unit tests and the fuzz target. The collector is in
 * buddyinfo.c.
 */
#ifndef PLUMB_COLLECTOR_BUDDYINFO_H
#define PLUMB_COLLECTOR_BUDDYINFO_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/buddyinfo (buf[0..len), need not be NUL-terminated) into
 * node_buddyinfo_blocks{node,zone,size}, one sample per count. Returns 0, -EINVAL when a
 * line breaks a rule node_exporter treats as fatal (nothing is added then), or -errno
 * from the sink. */
int buddyinfo_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

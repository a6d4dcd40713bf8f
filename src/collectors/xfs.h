/*
 * xfs: parser for one XFS filesystem's statistics (/sys/fs/xfs/<dev>/stats/stats),
 * exposed for the unit tests and the fuzz target. The collector is in xfs.c.
 */
#ifndef PLUMB_COLLECTOR_XFS_H
#define PLUMB_COLLECTOR_XFS_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of a stats file (buf[0..len), need not be NUL-terminated) and emit
 * the 39 node_xfs_* counters with device="<device>" (0 for a line the file lacks).
 * Returns 0, -EINVAL when a line breaks a rule node_exporter treats as fatal (a value
 * that is not a 32-bit unsigned number, a known line with the wrong number of values;
 * nothing is emitted then), or -errno from the sink. */
int xfs_parse(const char *buf, size_t len, const char *device, struct metric_sink *out);

#endif

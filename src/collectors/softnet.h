/*
 * softnet: parser for /proc/net/softnet_stat, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_SOFTNET_H
#define PLUMB_COLLECTOR_SOFTNET_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/net/softnet_stat (buf[0..len)) into out: one line per CPU of
 * 32-bit hex columns. The {cpu} label is column 12 when the line has 13 or more
 * columns (Linux 5.14+), else the line's position. A line with fewer than 9 columns or
 * a column that is not 32-bit hex makes the whole file invalid: -EINVAL, nothing added.
 * Returns 0 or -errno. */
int softnet_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

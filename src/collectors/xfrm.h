/*
 * xfrm: parser for /proc/net/xfrm_stat (IPsec transform errors), exposed for tests and
 * the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_XFRM_H
#define PLUMB_COLLECTOR_XFRM_H

#include <stddef.h>

#include "expo/sink.h"

/* Counters node_exporter reports from the file, one family each. */
#define XFRM_COUNTERS 28

/* Parse the text of /proc/net/xfrm_stat (buf[0..len), need not be NUL-terminated) into
 * out: all XFRM_COUNTERS counters, 0 for those the file lacks. Returns 0, or -EINVAL
 * when a line is not exactly a name and an integer (nothing is added then). */
int xfrm_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

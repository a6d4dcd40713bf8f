/*
 * loadavg: parser for /proc/loadavg, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_LOADAVG_H
#define PLUMB_COLLECTOR_LOADAVG_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/loadavg (buf[0..len), need not be NUL-terminated) into out.
 * Returns 0 or -EINVAL on malformed input (nothing is added then). */
int loadavg_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

/*
 * lnstat: parser for one file of /proc/net/stat/ (per-CPU network cache statistics),
 * exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_LNSTAT_H
#define PLUMB_COLLECTOR_LNSTAT_H

#include <stddef.h>

#include "expo/sink.h"

/* Most columns a file may have (the kernel's have at most about 20). */
#define LNSTAT_MAX_COLS 256

/* Parse the text of /proc/net/stat/<subsystem> (buf[0..len), need not be
 * NUL-terminated) into out: node_lnstat_<column>_total{subsystem,cpu} for each value.
 * Returns 0, -EINVAL when a value is not hexadecimal or a line has more values than
 * the header has names, -E2BIG past LNSTAT_MAX_COLS names (nothing is added then), or a
 * sink error. */
int lnstat_parse(const char *subsystem, const char *buf, size_t len, struct metric_sink *out);

#endif

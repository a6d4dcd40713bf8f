/*
 * slabinfo: parser for /proc/slabinfo (the kernel's slab caches), exposed for tests and
 * the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_SLABINFO_H
#define PLUMB_COLLECTOR_SLABINFO_H

#include <stddef.h>

#include "expo/sink.h"
#include "lib/regex.h"

/* Parse the text of /proc/slabinfo version 2.1 (buf[0..len), need not be
 * NUL-terminated) into out: five gauges per cache whose name passes f (every cache when
 * f is NULL). Returns 0, -EINVAL when a cache line does not have the 16 fields of
 * version 2.1 with integers where numbers belong (nothing is added then), or a sink
 * error. */
int slabinfo_parse(const char *buf, size_t len, const struct filter *f, struct metric_sink *out);

#endif

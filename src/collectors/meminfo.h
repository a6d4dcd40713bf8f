/*
 * meminfo: parser for /proc/meminfo, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_MEMINFO_H
#define PLUMB_COLLECTOR_MEMINFO_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/meminfo (buf[0..len), need not be NUL-terminated) into out:
 * one gauge node_memory_<Field>_bytes per "Field: N kB" line (N * 1024) and one gauge
 * node_memory_<Field> per "Field: N" line. "Active(anon)" becomes "Active_anon". Blank
 * lines are skipped, and so are lines whose field cannot make a metric name or that
 * repeat an earlier field. Returns 0, or -EINVAL when a line has a bad value or a bad
 * shape; samples added before the bad line stay in out (the agent discards them). */
int meminfo_parse(const char *buf, size_t len, struct metric_sink *out);

/* The metric name of a meminfo field key (without its colon), as node_exporter makes it
 * here and in meminfo_numa: prefix, key, suffix, where the span from the key's first '('
 * to its last ')' becomes '_' and what was inside ("Active(anon)" -> "Active_anon").
 * Written into name[cap], NUL-terminated. Returns 0, or -ENAMETOOLONG when it does not
 * fit. Whether the result is a valid metric name is the sink's to say. */
int meminfo_field_name(const char *prefix, struct span key, const char *suffix, char *name,
		       size_t cap);

#endif

/*
 * schedstat: parser for /proc/schedstat, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_SCHEDSTAT_H
#define PLUMB_COLLECTOR_SCHEDSTAT_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/schedstat (buf[0..len)) and add, for each well-formed cpu
 * line, node_schedstat_running_seconds_total, node_schedstat_waiting_seconds_total and
 * node_schedstat_timeslices_total labelled cpu. Lines that do not match, or whose
 * numbers overflow, are skipped. Returns 0 or a sink error (-E2BIG, -ENOMEM). */
int schedstat_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

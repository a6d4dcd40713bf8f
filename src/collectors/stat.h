/*
 * stat: the system-wide counters of /proc/stat, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_STAT_H
#define PLUMB_COLLECTOR_STAT_H

#include <stdbool.h>
#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/stat (buf[0..len)) and add node_boot_time_seconds,
 * node_context_switches_total, node_forks_total, node_intr_total, node_procs_blocked,
 * node_procs_running and, when softirq is set, node_softirqs_total{vector} to out.
 * Returns 0, or -EINVAL on malformed input (nothing is added then), or a sink error. */
int stat_parse(const char *buf, size_t len, bool softirq, struct metric_sink *out);

#endif

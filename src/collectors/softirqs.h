/*
 * softirqs: parser for /proc/softirqs (software interrupts handled, per kind and CPU),
 * exposed for the unit tests and the fuzz target. The collector is in softirqs.c.
 */
#ifndef PLUMB_COLLECTOR_SOFTIRQS_H
#define PLUMB_COLLECTOR_SOFTIRQS_H

#include <stddef.h>

#include "expo/sink.h"

/* The kinds of softirq reported, in the kernel's order. */
#define SOFTIRQ_KINDS 10

/* Parse the text of /proc/softirqs (buf[0..len), need not be NUL-terminated) into
 * node_softirqs_functions_total{cpu,type}: one sample per CPU column of each of the ten
 * known kinds the file lists (a kind listed twice counts as its last line). Returns 0,
 * -EINVAL for an empty file or a count that is not an unsigned decimal (nothing is
 * added then), or -errno from the sink. */
int softirqs_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

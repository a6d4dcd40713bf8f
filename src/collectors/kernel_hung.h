/*
 * kernel_hung: parser for /proc/sys/kernel/hung_task_detect_count, exposed for tests and
 * the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_KERNEL_HUNG_H
#define PLUMB_COLLECTOR_KERNEL_HUNG_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of hung_task_detect_count (buf[0..len), need not be NUL-terminated):
 * one unsigned decimal, surrounding whitespace allowed, as node_exporter reads it. Adds
 * node_kernel_hung_tasks_total to out. Returns 0, -EINVAL or -ERANGE on anything else
 * (nothing is added then), or -errno from the sink. */
int kernel_hung_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

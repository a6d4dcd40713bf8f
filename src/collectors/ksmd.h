/*
 * ksmd: parser for the files of /sys/kernel/mm/ksm (kernel samepage merging), exposed
 * for the unit tests and the fuzz target. The collector is in ksmd.c.
 */
#ifndef PLUMB_COLLECTOR_KSMD_H
#define PLUMB_COLLECTOR_KSMD_H

#include <stddef.h>

#include "expo/sink.h"

/* The files read, in /sys/kernel/mm/ksm. */
#define KSMD_FILES 10

/* The name of file i (< KSMD_FILES): "full_scans", ..., "sleep_millisecs". */
const char *ksmd_file(size_t i);

/* Parse the text of file i (< KSMD_FILES; buf[0..len), need not be NUL-terminated): an
 * unsigned decimal, with white space around it allowed, becomes its one sample
 * (node_ksmd_full_scans_total, ..., node_ksmd_sleep_seconds in seconds). Returns 0,
 * -EINVAL for any other text (nothing is added then; node_exporter fails the collection
 * too), or -errno from the sink. */
int ksmd_parse(size_t i, const char *buf, size_t len, struct metric_sink *out);

#endif

/*
 * filefd: parser for /proc/sys/fs/file-nr, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_FILEFD_H
#define PLUMB_COLLECTOR_FILEFD_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/sys/fs/file-nr ("allocated\tfree\tmaximum", tab-separated as
 * the kernel writes it; buf[0..len) need not be NUL-terminated) into out as the gauges
 * node_filefd_allocated and node_filefd_maximum. Returns 0, or -EINVAL when there are
 * fewer than three fields or a used one is not a number (nothing is added then). */
int filefd_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

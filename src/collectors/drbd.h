/*
 * drbd: parser for /proc/drbd (DRBD 8 replicated block devices), exposed for tests and
 * the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_DRBD_H
#define PLUMB_COLLECTOR_DRBD_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/drbd (buf[0..len), need not be NUL-terminated) into out.
 * Returns 0, -EINVAL when a known counter is not a number or a role or disk state pair
 * lacks its '/' (nothing is added then), or a sink error. */
int drbd_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

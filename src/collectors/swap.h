/*
 * swap: parser for /proc/swaps (the swap devices and files in use), exposed for the unit
 * tests and the fuzz target. The collector is in swap.c.
 */
#ifndef PLUMB_COLLECTOR_SWAP_H
#define PLUMB_COLLECTOR_SWAP_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/swaps (buf[0..len), need not be NUL-terminated; its first line
 * is a header) into node_swap_size_bytes, node_swap_used_bytes and node_swap_priority,
 * labelled device and swap_type, for each swap area. Returns 0, -EINVAL when a line has
 * fewer than five words or a size, use or priority that is not a decimal integer
 * (nothing is added then), or -errno from the sink. */
int swap_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

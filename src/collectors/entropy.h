/*
 * entropy: parser for the kernel's random pool files, exposed for tests and fuzzing.
 */
#ifndef PLUMB_COLLECTOR_ENTROPY_H
#define PLUMB_COLLECTOR_ENTROPY_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the texts of /proc/sys/kernel/random/entropy_avail (avail[0..alen)) and
 * .../poolsize (pool[0..plen)), each one unsigned decimal number with optional
 * surrounding whitespace, into the gauges node_entropy_available_bits and
 * node_entropy_pool_size_bits. Returns 0, or -EINVAL/-ERANGE when either is not a
 * number (nothing is added then). */
int entropy_parse(const char *avail, size_t alen, const char *pool, size_t plen,
		  struct metric_sink *out);

#endif

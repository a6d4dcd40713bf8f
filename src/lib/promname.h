/*
 * promname: node_exporter's rules for turning text from the kernel into part of a metric
 * name, in one place.
 *
 * node_exporter's SanitizeMetricName (collector/helper.go) replaces each match of
 * `_*[^0-9A-Za-z_]+_*` with one '_': a run of characters that may not stand in a metric
 * name, together with the underscores around it, becomes a single underscore; other
 * underscores are kept. Working on bytes gives the same result as Go's runes, since
 * every byte of a non-ASCII character is outside [0-9A-Za-z_]. Nothing here allocates.
 */
#ifndef PLUMB_PROMNAME_H
#define PLUMB_PROMNAME_H

#include <stddef.h>

#include "lib/strparse.h"

/* Whether c may stand in a metric name after its first character: [0-9A-Za-z_]. */
static inline int promname_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

/* Write name sanitized as above into out[cap] (cap >= 1), NUL-terminated. Returns the
 * length written, or -ENAMETOOLONG when the result does not fit (out then holds a cut,
 * NUL-terminated copy). */
int promname_sanitize(struct span name, char *out, size_t cap);

#endif

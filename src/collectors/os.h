/*
 * os: parser for os-release(5) files, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_OS_H
#define PLUMB_COLLECTOR_OS_H

#include <stddef.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* The os-release keys exported as labels of node_os_info, in label-name order. */
enum os_field {
	OS_BUILD_ID,
	OS_ID,
	OS_ID_LIKE,
	OS_IMAGE_ID,
	OS_IMAGE_VERSION,
	OS_NAME,
	OS_PRETTY_NAME,
	OS_VARIANT,
	OS_VARIANT_ID,
	OS_VERSION,
	OS_VERSION_CODENAME,
	OS_VERSION_ID,
	OS_NFIELDS,
};

/* What an os-release file says. Fields point into the scratch buffer given to
 * os_release_parse (unset keys are empty spans). */
struct os_release {
	struct span field[OS_NFIELDS];
	double version; /* leading major.minor of VERSION_ID; 0 when it has none */
};

/* Parse an os-release file (buf[0..len), need not be NUL-terminated) into *rel, the way
 * node_exporter's env-file parser reads it: KEY=value lines, blank lines and # comments,
 * an optional "export " prefix, unquoted values (a # starts a comment), '...' taken
 * literally, "..." with backslash escapes (\" \\ \/ \b \f \r \n \t \uXXXX). Unescaped
 * values go to scratch[0..cap), which must hold at least len bytes; rel's spans point
 * there. A later line for the same key wins. Returns 0, -EINVAL for a malformed line
 * (bad key, no '=', a control character, \u0000, an unterminated quote or escape), -ERANGE
 * for a VERSION_ID whose number does not fit, or -ENOBUFS when cap < len. */
int os_release_parse(const char *buf, size_t len, char *scratch, size_t cap,
		     struct os_release *rel);

/* Add node_os_info (always) and node_os_version (when rel->version > 0) to out.
 * Returns 0 or a sink error. */
int os_release_emit(const struct os_release *rel, struct metric_sink *out);

#endif

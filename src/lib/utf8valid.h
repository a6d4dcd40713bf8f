/*
 * utf8valid: make label values valid UTF-8 the way Go's strings.ToValidUTF8 does, so
 * values read from hardware (battery model names, sensor labels) render as
 * node_exporter renders them.
 */
#ifndef PLUMB_UTF8VALID_H
#define PLUMB_UTF8VALID_H

#include <stddef.h>

#include "lib/strparse.h"

/* Copy in into out[cap] (NUL-terminated), replacing each run of bytes that are not
 * valid UTF-8 with one U+FFFD. Output that does not fit is cut at a character
 * boundary. Returns the length written (without the NUL). cap must be >= 1. */
size_t utf8_valid_copy(struct span in, char *out, size_t cap);

#endif

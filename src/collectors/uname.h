/*
 * uname: the uname(2) record as node_uname_info, exposed for tests.
 */
#ifndef PLUMB_COLLECTOR_UNAME_H
#define PLUMB_COLLECTOR_UNAME_H

#include <sys/utsname.h>

#include "expo/sink.h"

/* Add node_uname_info 1 labelled with u's six strings (each read up to its NUL or the
 * end of its array, so an unterminated field cannot overrun). Returns 0 or a sink error. */
int uname_emit(const struct utsname *u, struct metric_sink *out);

#endif

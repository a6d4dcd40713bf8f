/*
 * cgroups: parser for /proc/cgroups (the cgroup controllers the kernel knows), exposed
 * for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_CGROUPS_H
#define PLUMB_COLLECTOR_CGROUPS_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/cgroups (buf[0..len), need not be NUL-terminated) into out:
 * node_cgroups_cgroups and node_cgroups_enabled per controller. Returns 0, -EINVAL when
 * a line that is not a comment has fewer than four words or a non-integer in the second
 * to fourth (nothing is added then), or a sink error. */
int cgroups_parse(const char *buf, size_t len, struct metric_sink *out);

#endif

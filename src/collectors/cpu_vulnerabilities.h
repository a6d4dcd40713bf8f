/*
 * cpu_vulnerabilities: parser for one file of /sys/devices/system/cpu/vulnerabilities/,
 * exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_CPU_VULNERABILITIES_H
#define PLUMB_COLLECTOR_CPU_VULNERABILITIES_H

#include <stddef.h>

#include "expo/sink.h"

/* Largest file read: the kernel writes a line of at most a few hundred bytes. */
#define CPUVULN_FILE_MAX 8192

/* Parse the text of vulnerability file `codename` (buf[0..len), need not be
 * NUL-terminated) into out: one node_cpu_vulnerabilities_info series with its state and
 * mitigation. Any text is accepted (text in no known form is state "unknown" with the
 * text as mitigation). The mitigation is assembled in place: buf's contents are
 * overwritten. Returns 0 or a sink error. */
int cpuvuln_parse(const char *codename, char *buf, size_t len, struct metric_sink *out);

#endif

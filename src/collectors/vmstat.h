/*
 * vmstat: parser for /proc/vmstat, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_VMSTAT_H
#define PLUMB_COLLECTOR_VMSTAT_H

#include <stddef.h>

#include "expo/sink.h"
#include "lib/regex.h"

/* node_exporter's default for --collector.vmstat.fields. */
#define VMSTAT_FIELDS_DEFAULT "^(oom_kill|pgpg|pswp|pg.*fault).*"

/* Parse the text of /proc/vmstat (buf[0..len), need not be NUL-terminated) into out:
 * an untyped node_vmstat_<name> for every "name value" line whose name the fields pattern matches
 * (unanchored search). As in node_exporter, every line's value must parse, selected or
 * not. Blank lines and names that make no metric name are skipped. Returns 0, or
 * -EINVAL for a line without a value or with a bad one (samples added before it stay
 * in out; the agent discards them). */
int vmstat_parse(const char *buf, size_t len, const struct regex *fields,
		 struct metric_sink *out);

#endif

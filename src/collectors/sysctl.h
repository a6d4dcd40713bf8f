/*
 * sysctl: what one --collector.sysctl.include(-info) value asks for, and the parser of
 * a sysctl's text, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_SYSCTL_H
#define PLUMB_COLLECTOR_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "expo/sink.h"

#define SYSCTL_NAME_MAX 256

/* One sysctl to report. */
struct sysctl_def {
	bool numeric;                   /* from --collector.sysctl.include, else -info */
	char name[SYSCTL_NAME_MAX];     /* as given: "fs.file-nr" */
	char metric[SYSCTL_NAME_MAX];   /* name made fit for a metric name: "fs_file_nr" */
	char keys[SYSCTL_NAME_MAX];     /* names given to its values: "total,current,max" */
	size_t nkeys;                   /* 0 when none were given */
};

/* Fill d from a flag value "name" or "name:key1,key2,..." (numeric for include, not
 * for include-info). Returns 0, -ENAMETOOLONG when a part does not fit, or -EINVAL for
 * an empty name or a key that cannot end a metric name (letters, digits, '_' and ':'
 * only). */
int sysctl_def_init(struct sysctl_def *d, const char *flag, bool numeric);

/* The path of d's file beneath /proc/sys ("fs/file-nr") into out[cap]. Returns 0 or
 * -ENAMETOOLONG. */
int sysctl_def_path(const struct sysctl_def *d, char *out, size_t cap);

/* Turn the text of d's file (buf[0..len), need not be NUL-terminated; the collector
 * reads at most 128 bytes of it) into out: numeric values as node_sysctl_<metric>,
 * indexed or keyed, or text as node_sysctl_info. Returns 0, -EINVAL when the text has
 * no value or more than 64 (128 bytes hold no more), a numeric value is not an
 * integer, or the values do not match the keys (nothing is added then), or a sink
 * error. */
int sysctl_parse(const struct sysctl_def *d, const char *buf, size_t len, struct metric_sink *out);

#endif

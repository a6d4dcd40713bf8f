/*
 * watchdog: the attribute record of the watchdog collector, exposed for tests and the
 * fuzz target.
 */
#ifndef PLUMB_COLLECTOR_WATCHDOG_H
#define PLUMB_COLLECTOR_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"

#define WD_NUM 7 /* numeric attributes: bootstatus ... access_cs0 */
#define WD_STR 5 /* text attributes: options ... pretimeout_governor */

/* The attribute files of a watchdog, numeric ones first, as wd_record knows them. */
extern const char *const wd_files[WD_NUM + WD_STR];

/* What one /sys/class/watchdog/<name> directory held. Zero it before recording. */
struct wd_values {
	int64_t num[WD_NUM];
	unsigned have;                       /* bit i: num[i] was read */
	char str[WD_STR][SYSFS_ATTR_MAX + 1]; /* text values (NUL bytes kept) */
	size_t str_len[WD_STR];              /* 0 when absent */
};

/* Record attribute `file` (one of wd_files; others are ignored) whose trimmed content
 * is value. Returns 0, or -EINVAL when a numeric attribute is not an integer in Go's
 * base-0 syntax (node_exporter then fails the collection). */
int wd_record(struct wd_values *v, const char *file, struct span value);

/* Emit watchdog `name`'s series from v: a gauge per numeric attribute read and the
 * info series (absent text attributes as ""). Returns 0 or -errno from the sink. */
int wd_emit(const struct wd_values *v, const char *name, struct metric_sink *out);

#endif

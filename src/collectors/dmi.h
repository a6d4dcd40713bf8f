/*
 * dmi: the firmware's DMI strings (/sys/class/dmi/id) as node_dmi_info's labels,
 * recorded and emitted by functions exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_DMI_H
#define PLUMB_COLLECTOR_DMI_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"

#define DMI_NLABELS 20
/* A value is at most SYSFS_ATTR_MAX bytes read; made valid UTF-8, each bad byte may
 * become a 3-byte U+FFFD. */
#define DMI_VAL_MAX (3 * SYSFS_ATTR_MAX + 1)

/* The attribute file each label comes from, and the label's name, in the same order. */
extern const char *const dmi_files[DMI_NLABELS];
extern const char *const dmi_labels[DMI_NLABELS];

struct dmi_info {
	uint32_t have;                      /* bit i: label i was read */
	uint16_t len[DMI_NLABELS];
	char val[DMI_NLABELS][DMI_VAL_MAX]; /* NUL-terminated */
};

/* Record the content of attribute `file` (raw: the bytes read, of which the first
 * SYSFS_ATTR_MAX count, as prometheus/procfs reads them) into d: trimmed of whitespace
 * and with each run of bytes that are not UTF-8 made one U+FFFD, as node_exporter does.
 * A file that is not one of dmi_files is ignored. Returns 0. */
int dmi_record(struct dmi_info *d, const char *file, struct span raw);

/* Emit node_dmi_info with a label for each value recorded. Returns 0, -ENOENT when none
 * was (node_exporter's "no data"), or -errno from the sink. */
int dmi_emit(const struct dmi_info *d, struct metric_sink *out);

#endif

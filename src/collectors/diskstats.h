/*
 * diskstats: parsers for /proc/diskstats lines and udev database files, exposed for
 * the unit tests and the fuzz targets. The collector itself is in diskstats.c.
 */
#ifndef PLUMB_COLLECTOR_DISKSTATS_H
#define PLUMB_COLLECTOR_DISKSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/regex.h"
#include "lib/strparse.h"

#define DISKSTATS_MAX_STATS 17

/* One line of /proc/diskstats. name points into the parsed buffer. */
struct diskstats_dev {
	uint32_t major, minor;
	struct span name;
	unsigned nstats;                   /* 11 to 17 counters present */
	uint64_t stats[DISKSTATS_MAX_STATS];
};

/* Parse one line. Returns 1 with *d filled when the line describes a device (at least
 * 11 counters), 0 when it is too short to count (node_exporter skips those), and
 * -EINVAL when a field that is present is not a number (node_exporter then fails the
 * whole collection). */
int diskstats_parse_line(struct span line, struct diskstats_dev *d);

/* Emit the per-device counter families of d into out (no udev or sysfs data).
 * Returns 0 or -errno from the sink. */
int diskstats_emit_stats(const struct diskstats_dev *d, struct metric_sink *out);

/* Parse a whole /proc/diskstats text and emit the counter families of every device
 * that passes f (f may be NULL). Returns 0 or -EINVAL (as diskstats_parse_line). */
int diskstats_parse(const char *buf, size_t len, const struct filter *f,
		    struct metric_sink *out);

/* Look up property key in the text of a udev database file ("E:KEY=VALUE" lines; the
 * last one wins). *val points into file. Returns true when found. */
bool udev_prop(struct span file, const char *key, struct span *val);

/* Emit node_disk_info's siblings that come from udev properties (filesystem_info,
 * device_mapper_info, ata_*) for device dev, from udev file text. Returns 0 or
 * -errno from the sink. */
int diskstats_emit_udev(struct span dev, struct span udev, struct metric_sink *out);

#endif

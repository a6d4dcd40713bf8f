/*
 * tapestats: the parsers of the tapestats collector, exposed for tests and the fuzz
 * target.
 */
#ifndef PLUMB_COLLECTOR_TAPESTATS_H
#define PLUMB_COLLECTOR_TAPESTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"

#define TAPE_NFILES 10

/* The files of a tape's stats/ directory that are reported, as tape_record knows them. */
extern const char *const tape_files[TAPE_NFILES];

/* One tape's counters, indexed like tape_files; a file that is absent counts 0. */
struct tape_counters {
	uint64_t v[TAPE_NFILES];
};

/* Whether a /sys/class/scsi_tape entry is a tape node node_exporter reports: "st"
 * followed by digits only (the n..., ...a/l/m variants are the same drive). */
bool tape_device_name(const char *name);

/* Record stats file `file` (others are ignored) whose trimmed content is value.
 * Returns 0, or -EINVAL when it is not a number in Go's base-0 syntax. */
int tape_record(struct tape_counters *c, const char *file, struct span value);

/* Emit the ten series of tape `device` from c (nanoseconds as seconds). Returns 0 or
 * -errno from the sink. */
int tape_emit(const struct tape_counters *c, const char *device, struct metric_sink *out);

#endif

/*
 * hwmon: the parts of the hwmon collector that turn file names and values into
 * samples, exposed for unit tests and the fuzz target.
 *
 * A hwmon chip is a directory of attribute files named <type><N>_<property> (temp1_input,
 * fan2_min, in0_alarm, beep_enable...). hwmon_data collects one chip's files as
 * (sensor, property, value) readings, and hwmon_emit() turns them into node_hwmon_*
 * samples with node_exporter's names, units and rules.
 */
#ifndef PLUMB_COLLECTOR_HWMON_H
#define PLUMB_COLLECTOR_HWMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/buf.h"
#include "lib/regex.h"
#include "lib/sort.h"
#include "lib/strparse.h"

/* Most readings one chip may hold (both directories together); more is -E2BIG. */
#define HWMON_MAX_READINGS 65536u

/* Clean s the way node_exporter cleans chip names and properties: lower-case, every
 * character outside [a-z0-9:_] (each invalid UTF-8 byte counting as one) becomes '_',
 * then leading and trailing '_' are dropped. Writes at most s.len bytes plus a NUL into
 * out[cap]; the result is cut if cap is smaller. Returns the length written. */
size_t hwmon_clean(struct span s, char *out, size_t cap);

/* Split a file name as the pattern ^([^0-9]+)([0-9]*)?(_(.+))?$ does, leftmost-first:
 * *type, the digits as *num (0 when none) and *prop (empty when none) point into name.
 * Returns false when the name does not match or the digits overflow an int64. */
bool hwmon_explode(struct span name, struct span *type, int64_t *num, struct span *prop);

/* Whether name is a file of one of the sensor types node_exporter reads. */
bool hwmon_is_sensor_file(struct span name);

/* One reading: offsets into hwmon_data.str. */
struct hwmon_reading {
	uint32_t key, klen;   /* sensor, "<type><N>" with N in decimal ("temp1") */
	uint32_t prop, plen;  /* property ("input", "" for a bare "temp1") */
	uint32_t val, vlen;   /* the value as read, '\n' trimmed at both ends */
	uint32_t file, flen;  /* the file name, to order duplicates as a sorted listing */
	uint32_t pass;        /* 0: the hwmon directory, 1: its device directory */
};

/* Readings of one chip. Zero-initialise; hwmon_data_reset keeps the memory. */
struct hwmon_data {
	struct hwmon_reading *r;
	uint32_t n, cap;
	struct buf str;
};

void hwmon_data_reset(struct hwmon_data *d);
void hwmon_data_fini(struct hwmon_data *d); /* accepts a zeroed d */

/* Record file `file` of directory `pass` holding `value` (already '\n'-trimmed).
 * Files that are not sensor files are ignored. Returns 0, -ENOMEM or -E2BIG. */
int hwmon_data_add(struct hwmon_data *d, struct span file, struct span value, unsigned pass);

/* Emit the samples of chip label `chip` from d, which it sorts starting from the order
 * kept in `order` from the chip's last emission (a zeroed memo at first). Sensors for
 * which "<chip>;<sensor>" does not pass `sensors` (may be NULL) are left out. Where two files
 * give the same sensor and property, the later one in (pass, file name) order wins.
 * Returns 0 or -errno from the sink (a family type clash skips the sample). */
int hwmon_emit(struct hwmon_data *d, struct sort_memo *order, const char *chip,
	       const struct filter *sensors, struct metric_sink *out);

#endif

/*
 * powersupplyclass: parsers of the power supply collector, exposed for tests and the
 * fuzz target.
 */
#ifndef PLUMB_COLLECTOR_POWERSUPPLYCLASS_H
#define PLUMB_COLLECTOR_POWERSUPPLYCLASS_H

#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* Parse an integer as Go's strconv.ParseInt(s, 0, 64): optional sign, then 0x / 0o /
 * 0b / leading-0 octal prefixes or decimal. Returns 0, -EINVAL or -ERANGE. */
int psu_parse_int(struct span s, int64_t *out);

/* The values read from one supply's directory. */
struct psu_values {
	int64_t num[64];
	uint64_t have;            /* bit i: num[i] was read */
	char str[12][256];        /* info strings, "" when absent */
};

/* Record attribute file `name` with content `value` (already trimmed) into v.
 * Unknown names are ignored. Returns 0, or -EINVAL when a numeric attribute is not a
 * number (node_exporter then fails the collection). */
int psu_record(struct psu_values *v, const char *name, struct span value);

/* Emit every family for supply `supply` from v. Returns 0 or -errno from the sink. */
int psu_emit(const struct psu_values *v, const char *supply, struct metric_sink *out);

#endif

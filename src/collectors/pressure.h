/*
 * pressure: parser for /proc/pressure/<resource> (PSI), exposed for tests and fuzzing.
 */
#ifndef PLUMB_COLLECTOR_PRESSURE_H
#define PLUMB_COLLECTOR_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"

/* The resources, in the order they are read. */
enum psi_resource { PSI_CPU, PSI_IO, PSI_MEMORY, PSI_IRQ, PSI_NRES };

/* The totals of one resource file, in microseconds. */
struct psi_stats {
	bool has_some, has_full;
	uint64_t some_total, full_total;
};

/* Parse one pressure file (buf[0..len), need not be NUL-terminated) into *st. Lines
 * look like "some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781"; lines with
 * another first word are ignored; a "some" or "full" line must carry all four values.
 * Returns 0, or -EINVAL for a malformed some/full line (*st is then unspecified). */
int pressure_parse(const char *buf, size_t len, struct psi_stats *st);

/* Add resource res's series to out from *st, converting microseconds to seconds:
 * cpu gives "some" (waiting), io and memory "some" and "full" (waiting, stalled), irq
 * "full" only (stalled). Returns 0, -ENODATA when a line the resource needs is missing
 * (nothing is added then), or a sink error. */
int pressure_emit(enum psi_resource res, const struct psi_stats *st, struct metric_sink *out);

#endif

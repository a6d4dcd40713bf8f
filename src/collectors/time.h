/*
 * time: the clock-source part of the time collector, exposed for tests and fuzzing.
 */
#ifndef PLUMB_COLLECTOR_TIME_H
#define PLUMB_COLLECTOR_TIME_H

#include <stddef.h>

#include "expo/sink.h"

/* Add the clock sources of one sysfs clocksource device (device is its label: the
 * device's position among the clocksource[0-9]* directories in name order, "0" for the
 * first) from the texts of its available_clocksource (avail[0..alen), names separated
 * by whitespace) and current_clocksource (cur[0..clen), one name, surrounding
 * whitespace dropped) files; each text ends at its first NUL if it has one. Adds
 * node_time_clocksource_available_info per available name and one
 * node_time_clocksource_current_info, all 1. Returns 0 or a sink error. */
int time_clocksource_emit(const char *device, const char *avail, size_t alen, const char *cur,
			  size_t clen, struct metric_sink *out);

/* Add node_time_seconds (sec.nsec, the realtime clock) and
 * node_time_zone_offset_seconds{time_zone=zone} (offset, seconds east of UTC).
 * Returns 0 or a sink error. */
int time_now_emit(long long sec, long nsec, const char *zone, long offset,
		  struct metric_sink *out);

#endif

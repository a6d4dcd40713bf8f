/*
 * meminfo_numa: parsers for a NUMA node's sysfs meminfo and numastat files, exposed for
 * the unit tests and the fuzz targets. The collector is in meminfo_numa.c.
 */
#ifndef PLUMB_COLLECTOR_MEMINFO_NUMA_H
#define PLUMB_COLLECTOR_MEMINFO_NUMA_H

#include <stddef.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* Parse the text of /sys/devices/system/node/nodeN/meminfo (buf[0..len), need not be
 * NUL-terminated): each line "Node N Field: value [kB]" becomes a gauge
 * node_memory_numa_<Field>{node="N"} ("Active(anon)" -> Active_anon), the value times
 * 1024 when it ends in kB. Blank lines are skipped, and so are fields that make no valid
 * metric name. Returns 0, -EINVAL for a line of another shape or a value Go's ParseFloat
 * refuses (nothing is added then), or -errno from the sink. */
int meminfo_numa_parse_meminfo(const char *buf, size_t len, struct metric_sink *out);

/* Parse the text of /sys/devices/system/node/nodeN/numastat: each line "name value"
 * becomes a counter node_memory_numa_<name>_total{node=node}. Blank lines are skipped.
 * Returns 0, -EINVAL for a line that is not two words or a bad value (nothing is added
 * then), or -errno from the sink. */
int meminfo_numa_parse_numastat(const char *buf, size_t len, struct span node,
				struct metric_sink *out);

#endif

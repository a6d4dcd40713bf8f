/*
 * mdadm: parsers for /proc/mdstat and md's sysfs sync_completed attribute, exposed
 * for the unit tests and the fuzz target. The collector is in mdadm.c.
 */
#ifndef PLUMB_COLLECTOR_MDADM_H
#define PLUMB_COLLECTOR_MDADM_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse the text of /proc/mdstat (buf[0..len), need not be NUL-terminated) and emit
 * node_md_disks, node_md_disks_required, node_md_state, node_md_blocks and
 * node_md_blocks_synced for every array. Returns 0, or -EINVAL when the text breaks
 * a rule node_exporter treats as fatal (then some arrays may already be emitted;
 * the core drops them). */
int mdstat_parse(const char *buf, size_t len, struct metric_sink *out);

/* Check an md sync_completed value: "none" or "<done> / <total>". 0 or -EINVAL. */
int md_sync_completed_check(const char *s);

#endif

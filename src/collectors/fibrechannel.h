/*
 * fibrechannel: the parsers of the fibrechannel collector, exposed for tests and the
 * fuzz target.
 */
#ifndef PLUMB_COLLECTOR_FIBRECHANNEL_H
#define PLUMB_COLLECTOR_FIBRECHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"

#define FC_NATTR 11 /* text attributes of a host: speed ... supported_speeds */
#define FC_NSTAT 14 /* counters of its statistics/ directory */

/* The files fc_record_attr and fc_record_stat know. */
extern const char *const fc_attr_files[FC_NATTR];
extern const char *const fc_stat_files[FC_NSTAT];

/* What one /sys/class/fc_host/<host> held. Zero it before recording. */
struct fc_host {
	char str[FC_NATTR][SYSFS_ATTR_MAX + 1]; /* text attributes (NUL bytes kept) */
	size_t len[FC_NATTR];
	uint32_t have_attr;                     /* bit i: fc_attr_files[i] was read */
	uint64_t stat[FC_NSTAT];
	uint32_t have_stat;                     /* bit i: fc_stat_files[i] was read */
};

/* Record text attribute `file` (others are ignored) with trimmed content value; the
 * node_name, port_id, port_name and fabric_name values lose their first two bytes
 * (the "0x") when longer than two, as node_exporter shows them. */
void fc_record_attr(struct fc_host *h, const char *file, struct span value);

/* Record statistics file `file` (others are ignored) with trimmed content value.
 * Returns 0, or -EINVAL when it is not a number in Go's base-0 syntax (node_exporter
 * then fails the collection). */
int fc_record_stat(struct fc_host *h, const char *file, struct span value);

/* Emit host `name`'s info series and counters. A host whose port_state is missing or
 * "Unknown" reports every counter as 0 (a disabled port keeps no statistics); otherwise
 * each counter read is reported unless it is 2^64-1, which HBA firmware uses for "not
 * implemented". Returns 0 or -errno from the sink. */
int fc_emit(const struct fc_host *h, const char *name, struct metric_sink *out);

#endif

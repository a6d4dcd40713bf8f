/*
 * infiniband: the parsers of the infiniband collector, exposed for tests and the fuzz
 * target.
 */
#ifndef PLUMB_COLLECTOR_INFINIBAND_H
#define PLUMB_COLLECTOR_INFINIBAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"

/* The counter directories of a port. */
enum ib_dir {
	IB_COUNTERS,     /* counters/ */
	IB_COUNTERS_EXT, /* counters_ext/: 64-bit counters of kernels before 4.5 */
	IB_HW_COUNTERS,  /* hw_counters/: driver counters (mlx5: RoCE, QP errors) */
};

#define IB_NVALUES 60 /* counters the collector knows, over the three directories */

/* What one port's directory held. Set up with ib_port_reset before recording. */
struct ib_port {
	uint32_t state, phys_state; /* the numbers of "4: ACTIVE", "5: LinkUp" */
	uint64_t rate;              /* bytes per second */
	uint64_t v[IB_NVALUES];     /* counters, data counters already multiplied by 4 */
	uint64_t have;              /* bit i: v[i] was read */
};

/* A device's text attributes (labels of node_infiniband_info). Zero it before use. */
struct ib_device {
	char str[3][SYSFS_ATTR_MAX + 1]; /* board_id, fw_ver, hca_type */
	size_t len[3];
};

/* Parse a state or phys_state file ("4: ACTIVE\n": one ':', a decimal before it).
 * Returns 0 with *id, or -EINVAL / -ERANGE (over 32 bits). */
int ib_parse_state(struct span text, uint32_t *id);

/* Parse a rate file ("100 Gb/sec (4X EDR)\n") into bytes per second: the first word,
 * which must end in a space, read as a float of 32 bits, times 125000000. Returns 0
 * with *bps, or -EINVAL / -ERANGE. */
int ib_parse_rate(struct span text, uint64_t *bps);

/* Whether a ports/ entry is a port number (decimal, 32 bits); *port gets it. */
bool ib_port_number(const char *name, uint32_t *port);

/* Empty p. */
void ib_port_reset(struct ib_port *p);

/* Record counter file `file` of directory dir with trimmed content value (unknown
 * files are ignored). A value holding "N/A (no PMA)" (drivers without a performance
 * agent) is skipped. Returns 0, or -EINVAL when a known counter is not a number in
 * Go's base-0 syntax (node_exporter then fails the collection). */
int ib_record(struct ib_port *p, enum ib_dir dir, const char *file, struct span value);

/* Emit port `port` of device `device`: its state, physical state and rate, and every
 * counter read. Returns 0 or -errno from the sink. */
int ib_emit_port(const struct ib_port *p, const char *device, uint32_t port,
		 struct metric_sink *out);

/* Record device attribute `file` (board_id, fw_ver, hca_type; others are ignored). */
void ib_device_record(struct ib_device *d, const char *file, struct span value);

/* Emit node_infiniband_info of device `name`. Returns 0 or -errno from the sink. */
int ib_emit_device(const struct ib_device *d, const char *name, struct metric_sink *out);

#endif

/*
 * dmmultipath: what the dmmultipath collector makes of a device-mapper device's sysfs
 * attributes, exposed for the unit tests and the fuzz target. The collector is in
 * dmmultipath.c.
 */
#ifndef PLUMB_COLLECTOR_DMMULTIPATH_H
#define PLUMB_COLLECTOR_DMMULTIPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* A multipath map, from the attributes of /sys/block/dm-<N>. Spans point into the
 * caller's buffers. */
struct dmmultipath_device {
	const char *sysfs_name; /* "dm-5" */
	struct span name;       /* dm/name, trimmed: "mpathA" */
	struct span uuid;       /* dm/uuid, trimmed: "mpath-3600..." */
	bool suspended;         /* dm/suspended is 1 */
	uint64_t size_bytes;    /* size (512-byte sectors) times 512, wrapping as Go's does */
	uint32_t paths, active; /* paths listed in slaves/, and how many of them are usable */
};

/* A short attribute as node_exporter reads it (prometheus/procfs's SysReadFile: at most
 * SYSFS_ATTR_MAX bytes of raw, then trimmed). */
struct span dmmultipath_attr(struct span raw);

/* Whether dm/uuid's content (raw, as read) names a multipath map: it starts with
 * "mpath-" once read as dmmultipath_attr. */
bool dmmultipath_is_multipath(struct span uuid_raw);

/* Fill d's suspended and size_bytes from the whole contents of dm/suspended and size
 * (each a decimal number, surrounding whitespace allowed). Returns 0 or -EINVAL. */
int dmmultipath_parse_numbers(struct span suspended_raw, struct span size_raw,
			      struct dmmultipath_device *d);

/* Whether a path whose device/state reads state (trimmed) is usable: SCSI "running" or
 * NVMe "live". */
bool dmmultipath_path_usable(struct span state);

/* Emit node_dmmultipath_path_state{device,path,state} 1 for one path of d (state as
 * read, raw) and count it in d->paths and d->active. Returns 0 or -errno from the sink. */
int dmmultipath_emit_path(struct dmmultipath_device *d, const char *path,
			  struct span state_raw, struct metric_sink *out);

/* Emit d's device_info, device_active, device_size_bytes and the path counts
 * (device_paths, device_paths_active, device_paths_failed). Returns 0 or -errno from
 * the sink. */
int dmmultipath_emit_device(const struct dmmultipath_device *d, struct metric_sink *out);

#endif

/*
 * nvme: the parsers of the nvme collector, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_NVME_H
#define PLUMB_COLLECTOR_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"

#define NVME_NCTRL 5 /* controller attributes: firmware_rev, model, serial, state, cntlid */
#define NVME_NNS 4   /* namespace attributes: nuse, size, queue/logical_block_size, ana_state */

/* The attribute files, as nvme_ctrl_record and nvme_ns_record know them. */
extern const char *const nvme_ctrl_files[NVME_NCTRL];
extern const char *const nvme_ns_files[NVME_NNS];

/* A controller's text attributes (labels of node_nvme_info). Zero it before recording. */
struct nvme_ctrl {
	char str[NVME_NCTRL][SYSFS_ATTR_MAX + 1];
	size_t len[NVME_NCTRL];
};

/* One namespace. Set it up with nvme_ns_reset before recording. */
struct nvme_ns {
	uint64_t used_blocks, size_blocks, block_size;
	char ana[SYSFS_ATTR_MAX + 1];
	size_t ana_len;
};

/* If entry `name` of a controller's directory is a namespace, as node_exporter tells
 * (the first "nvme<digits>n<digits>" in it), *nsid gets the digits after the 'n'
 * (a span of name) and true is returned: "nvme0n1" -> "1"; "nvme0c0n1" is no
 * namespace. */
bool nvme_namespace_id(const char *name, struct span *nsid);

/* Record controller attribute `file` (others are ignored) with trimmed content value. */
void nvme_ctrl_record(struct nvme_ctrl *c, const char *file, struct span value);

/* Emit node_nvme_info for controller `device`. Returns 0 or -errno from the sink. */
int nvme_ctrl_emit(const struct nvme_ctrl *c, const char *device, struct metric_sink *out);

/* Empty ns: counts 0, ana_state "unknown" (what node_exporter reports without the file). */
void nvme_ns_reset(struct nvme_ns *ns);

/* Record namespace attribute `file` (others are ignored) with trimmed content value. A
 * count that is not a plain decimal stays 0, as in node_exporter. */
void nvme_ns_record(struct nvme_ns *ns, const char *file, struct span value);

/* Emit the five namespace series of namespace nsid of controller `device` (sizes in
 * bytes: blocks times the logical block size, wrapping at 2^64 as node_exporter's).
 * Returns 0 or -errno from the sink. */
int nvme_ns_emit(const struct nvme_ns *ns, const char *device, struct span nsid,
		 struct metric_sink *out);

#endif

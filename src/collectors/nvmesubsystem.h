/*
 * nvmesubsystem: the parsers of the nvmesubsystem collector (NVMe subsystems and the
 * state of their controller paths), exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_NVMESUBSYSTEM_H
#define PLUMB_COLLECTOR_NVMESUBSYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"

#define NVMESS_NSUB 4    /* subsystem attributes: subsysnqn, model, serial, iopolicy */
#define NVMESS_NCTRL 3   /* controller attributes: state, transport, address */
#define NVMESS_NSTATES 7 /* path states reported, "unknown" included */
/* Room for a label from one attribute made valid UTF-8 (a bad byte becomes 3 bytes). */
#define NVMESS_LABEL_MAX (SYSFS_ATTR_MAX * 3 + 1)

/* The attribute files, as the record functions know them, in reading order. */
extern const char *const nvmess_subsys_files[NVMESS_NSUB];
extern const char *const nvmess_ctrl_files[NVMESS_NCTRL];
/* The state label values of node_nvmesubsystem_path_state, sorted. */
extern const char *const nvmess_states[NVMESS_NSTATES];

/* One subsystem: its text attributes and the paths counted so far. Zero it (or
 * nvmess_subsys_reset) before recording. */
struct nvmess_subsys {
	char str[NVMESS_NSUB][NVMESS_LABEL_MAX]; /* NUL-terminated */
	uint64_t paths, live;
};

/* One controller path's text attributes. Zero it before recording. */
struct nvmess_ctrl {
	char str[NVMESS_NCTRL][NVMESS_LABEL_MAX]; /* NUL-terminated */
};

/* Whether a class entry is a subsystem: its name starts with "nvme-subsys". */
bool nvmess_subsys_name(const char *name);
/* Whether an entry of a subsystem's directory is a controller ("nvme" and digits). */
bool nvmess_ctrl_name(const char *name);
/* Whether it is a namespace ("nvme", digits, "n", digits: nvme0n1). */
bool nvmess_ns_name(const char *name);

/* The state label for a controller's trimmed state attribute: the kernel's names
 * (live, connecting, resetting, dead, deleting, new), "deleting (no IO)" as
 * "deleting", anything else "unknown". Returns a static string. */
const char *nvmess_state(struct span raw);

/* Empty ss: no text, no paths. */
void nvmess_subsys_reset(struct nvmess_subsys *ss);

/* Record attribute `file` (others are ignored) with trimmed content value; text that
 * is not UTF-8 has each bad run replaced by U+FFFD. */
void nvmess_subsys_record(struct nvmess_subsys *ss, const char *file, struct span value);
void nvmess_ctrl_record(struct nvmess_ctrl *c, const char *file, struct span value);

/* Emit node_nvmesubsystem_path_state for controller `ctrl` of subsystem `subsys` (one
 * series per state of nvmess_states, 1 for its own, 0 for the others) and count it in
 * ss's paths (and live). Returns 0 or -errno from the sink. */
int nvmess_ctrl_emit(struct nvmess_subsys *ss, const char *subsys, const struct nvmess_ctrl *c,
		     const char *ctrl, struct metric_sink *out);

/* Emit node_nvmesubsystem_namespace_info for namespace block device `ns`. Returns 0 or
 * -errno from the sink. */
int nvmess_ns_emit(const char *subsys, const char *ns, struct metric_sink *out);

/* Emit node_nvmesubsystem_info, _paths and _paths_live for subsystem `subsys`, once
 * its controllers are counted. Returns 0 or -errno from the sink. */
int nvmess_subsys_emit(const struct nvmess_subsys *ss, const char *subsys,
		       struct metric_sink *out);

#endif

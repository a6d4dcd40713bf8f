/*
 * machine: the facts about the machine that cAdvisor serves beside the containers'
 * figures (machine_cpu_cores, machine_memory_bytes and the rest of kubelet's
 * /metrics/cadvisor), from /proc/cpuinfo, /proc/meminfo, sysfs and the IDs systemd and
 * the kernel write, counted as cAdvisor counts them.
 *
 * The parsers take a file's bytes as a span (no I/O, no allocation). machine_read
 * reads the files that do not change while the machine runs (CPU topology, the IDs);
 * memory is parsed from meminfo, which the caller reads each scrape.
 */
#ifndef PLUMB_MACHINE_H
#define PLUMB_MACHINE_H

#include <stdint.h>

#include "lib/strparse.h"

#define MACHINE_ID_MAX 64 /* an ID kept, with its NUL */

struct machine_info {
	uint32_t cores;          /* logical CPUs online (cAdvisor's NumCores) */
	uint32_t physical_cores; /* distinct "core id" values in /proc/cpuinfo */
	uint32_t sockets;        /* distinct "physical id" values */
	char machine_id[MACHINE_ID_MAX];  /* <rootfs>/etc/machine-id, else /var/lib/dbus/machine-id */
	char boot_id[MACHINE_ID_MAX];     /* <procfs>/sys/kernel/random/boot_id */
	char system_uuid[MACHINE_ID_MAX]; /* <sysfs>/class/dmi/id/product_uuid (root's alone) */
};

/* Count the distinct "core id" and "physical id" values of /proc/cpuinfo text, as
 * cAdvisor does (distinct values, not per socket). At most 4096 distinct values of each
 * are counted. Returns 0, -EINVAL when a value is not a number, or -ENOMEM. */
int machine_parse_cpuinfo(struct span text, uint32_t *physical_cores, uint32_t *sockets);

/* MemTotal and SwapTotal of /proc/meminfo text, in bytes. Returns 0, or -ENOENT when
 * MemTotal is missing or does not parse (SwapTotal missing leaves *swap 0). */
int machine_parse_meminfo(struct span text, uint64_t *mem, uint64_t *swap);

/* Fill *out from procfs, sysfs and rootfs (roots of the --path.* flags). What cannot be
 * read stays 0 or "". Allocates while it runs and frees it all. Returns 0. */
int machine_read(const char *procfs, const char *sysfs, const char *rootfs,
		 struct machine_info *out);

#endif

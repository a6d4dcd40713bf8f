/*
 * perfev: counting events of the kernel's perf subsystem (perf_event_open), opened for
 * every process on one CPU and read back with read() on the held descriptor.
 *
 * An event is opened disabled and then enabled, counting only (no sampling, no ring
 * buffer), with hypervisor time left out, as hodgesds/perf-utils opens them for
 * node_exporter. A single event reads back as {value, time_enabled, time_running}; a
 * group (a leader and its members, which the kernel schedules together) as {nr,
 * time_enabled, time_running, value[nr]}. perfev_group_parse is that layout's pure
 * parser. Values are the raw counts: a multiplexed event is not scaled up.
 */
#ifndef PLUMB_PERFEV_H
#define PLUMB_PERFEV_H

#include <stddef.h>
#include <stdint.h>

/* Event types and configs of <linux/perf_event.h>, for callers that need not include it. */
enum perfev_type {
	PERFEV_HARDWARE = 0,
	PERFEV_SOFTWARE = 1,
	PERFEV_TRACEPOINT = 2,
	PERFEV_HW_CACHE = 3,
};

/* The config of a PERFEV_HW_CACHE event: cache (L1D 0, L1I 1, LL 2, DTLB 3, ITLB 4,
 * BPU 5, NODE 6), op (read 0, write 1, prefetch 2), result (access 0, miss 1). */
#define PERFEV_CACHE(cache, op, result)                                                    \
	((uint64_t)(cache) | ((uint64_t)(op) << 8) | ((uint64_t)(result) << 16))

/* Open one counting event of type and config for every process on cpu. group is -1 for
 * an event of its own or a group's leader (opened disabled; perfev_enable starts it),
 * else the leader's fd (the member counts when its leader does). in_group says whether
 * reads return the group layout. On success *fd is the new descriptor (close-on-exec),
 * owned by the caller. Returns 0 or -errno of perf_event_open (-EACCES or -EPERM when
 * perf_event_paranoid forbids it, -ENOENT or -EOPNOTSUPP for an event this host lacks,
 * -ENODEV for a CPU that is not there, -ENOSYS for a kernel without perf). */
int perfev_open(uint32_t type, uint64_t config, int cpu, int group, int in_group, int *fd);

/* Start counting on fd (with its members, if it leads a group). Returns 0 or -errno. */
int perfev_enable(int fd);

/* Read a single event's count from fd into *value. Returns 0, -errno of read, or -EIO
 * for a short read. */
int perfev_read(int fd, uint64_t *value);

/* Parse a group read of len bytes at buf, which must hold n values, into values[0..n).
 * Returns 0, or -EIO when len or the count in it does not match n. */
int perfev_group_parse(const void *buf, size_t len, size_t n, uint64_t *values);

/* The bytes a group read of n values takes. */
static inline size_t perfev_group_size(size_t n)
{
	return (3 + n) * sizeof(uint64_t);
}

#endif

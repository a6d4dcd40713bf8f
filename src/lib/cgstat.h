/*
 * cgstat: parsers for the cgroup files a container collector reads, v1 and v2.
 *
 * Each parser takes the bytes of one file as a span (no I/O, no allocation) and fills
 * a plain struct; a field the file did not carry keeps its has-flag clear, so the
 * collector can tell "0" from "absent" (an older kernel, a controller that is off).
 * The unit conventions are the kernel's (v2 cpu in microseconds, v1 cpuacct in
 * nanoseconds and USER_HZ ticks, memory in bytes); converting to cAdvisor's units is
 * the collector's job, and the helpers at the end carry cAdvisor's rules where it
 * transforms a value (cpu.weight to shares, "no limit" values).
 *
 * Every parser returns 0, -EINVAL when the file is not the expected format (a line
 * the parser needs is garbled), or -ERANGE when a number overflows 64 bits. Unknown
 * keys are skipped, so newer kernels that add fields parse fine. Per-device files keep
 * at most CG_MAX_DEVS devices and set `truncated` past that. Lines of any length are
 * walked with cursors over the caller's span; nothing is copied.
 */
#ifndef PLUMB_CGSTAT_H
#define PLUMB_CGSTAT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/strparse.h"

#define CG_MAX_DEVS 64

/* ---- CPU ---------------------------------------------------------------------- */

/* v2 cpu.stat ("usage_usec 123\n..."), all microseconds except the counts. */
enum {
	CG_CPU_USAGE = 1u << 0,
	CG_CPU_USER = 1u << 1,
	CG_CPU_SYSTEM = 1u << 2,
	CG_CPU_NR_PERIODS = 1u << 3,
	CG_CPU_NR_THROTTLED = 1u << 4,
	CG_CPU_THROTTLED = 1u << 5,
};
struct cg_cpu_stat {
	unsigned has;            /* CG_CPU_* bits for fields present */
	uint64_t usage_usec, user_usec, system_usec;
	uint64_t nr_periods, nr_throttled;
	uint64_t throttled_usec; /* v2 throttled_usec; for v1 see throttled_ns below */
	uint64_t throttled_ns;   /* v1 cpu.stat throttled_time (ns); CG_CPU_THROTTLED */
};
int cg_parse_cpu_stat_v2(struct span s, struct cg_cpu_stat *out);
/* v1 cpu.stat: nr_periods, nr_throttled, throttled_time (ns). */
int cg_parse_cpu_stat_v1(struct span s, struct cg_cpu_stat *out);

/* v2 cpu.max: "max 100000" (no quota) or "50000 100000". quota_usec is -1 for max. */
struct cg_cpu_max {
	int64_t quota_usec;  /* -1: no limit */
	uint64_t period_usec;
};
int cg_parse_cpu_max(struct span s, struct cg_cpu_max *out);

/* A single-number file: memory.current, memory.swap.current, cpu.weight, cpu.shares,
 * cpuacct.usage, cpu.cfs_period_us, memory.usage_in_bytes, memory.failcnt, ...
 * Returns -EINVAL for "max" (see cg_parse_limit). */
int cg_parse_u64(struct span s, uint64_t *out);
/* v1 cpu.cfs_quota_us: a signed number, -1 meaning no quota. */
int cg_parse_i64(struct span s, int64_t *out);
/* v2 memory.max / memory.swap.max / memory.high / pids.max: "max" or a number.
 * *unlimited is set for "max" (and *out is UINT64_MAX then). */
int cg_parse_limit(struct span s, uint64_t *out, bool *unlimited);

/* v1 cpuacct.stat: "user <ticks>\nsystem <ticks>" in USER_HZ ticks. */
struct cg_cpuacct_stat {
	bool has_user, has_system;
	uint64_t user_ticks, system_ticks;
};
int cg_parse_cpuacct_stat(struct span s, struct cg_cpuacct_stat *out);

/* cAdvisor's cpu.weight -> shares: 2 + ((weight - 1) * 262142) / 9999 for weight in
 * [1, 10000]. Out of range gives 0: cAdvisor then leaves the spec's shares unset. */
uint64_t cg_weight_to_shares(uint64_t weight);

/* ---- Memory ------------------------------------------------------------------- */

/* The memory.stat keys the collector uses (v2 names, v1 names; v1 "total_" variants
 * land in total[] under the same index). */
enum cg_mem_key {
	CG_MS_ANON,           /* v2 anon                     (cAdvisor rss on v2) */
	CG_MS_FILE,           /* v2 file                     (cache on v2) */
	CG_MS_FILE_MAPPED,    /* v2 file_mapped              (mapped_file on v2) */
	CG_MS_FILE_DIRTY,     /* v2 file_dirty */
	CG_MS_FILE_WRITEBACK, /* v2 file_writeback */
	CG_MS_SHMEM,          /* v2 shmem, v1 shmem */
	CG_MS_KERNEL_STACK,   /* v2 kernel_stack */
	CG_MS_SLAB,           /* v2 slab */
	CG_MS_SOCK,           /* v2 sock */
	CG_MS_ANON_THP,       /* v2 anon_thp */
	CG_MS_INACTIVE_ANON,  /* both */
	CG_MS_ACTIVE_ANON,
	CG_MS_INACTIVE_FILE,  /* both; working set = usage - inactive_file */
	CG_MS_ACTIVE_FILE,
	CG_MS_UNEVICTABLE,
	CG_MS_PGFAULT,        /* both */
	CG_MS_PGMAJFAULT,
	CG_MS_CACHE,          /* v1 cache */
	CG_MS_RSS,            /* v1 rss */
	CG_MS_RSS_HUGE,       /* v1 rss_huge */
	CG_MS_MAPPED_FILE,    /* v1 mapped_file */
	CG_MS_DIRTY,          /* v1 dirty */
	CG_MS_WRITEBACK,      /* v1 writeback */
	CG_MS_SWAP,           /* v1 swap */
	CG_MS_HIERARCHICAL_MEMORY_LIMIT, /* v1 hierarchical_memory_limit */
	CG_MS_N
};
struct cg_mem_stat {
	uint64_t has, has_total; /* bit (1 << key) per key present */
	uint64_t v[CG_MS_N];     /* "key N" */
	uint64_t total[CG_MS_N]; /* v1 "total_key N" (hierarchical: what cAdvisor reads) */
};
int cg_parse_memory_stat(struct span s, struct cg_mem_stat *out);
/* The name of key k as the kernel prints it ("anon", "inactive_file"), or NULL. */
const char *cg_mem_key_name(enum cg_mem_key k);
static inline bool cg_mem_has(const struct cg_mem_stat *m, enum cg_mem_key k)
{
	return (m->has >> k) & 1u;
}
static inline bool cg_mem_has_total(const struct cg_mem_stat *m, enum cg_mem_key k)
{
	return (m->has_total >> k) & 1u;
}

/* v2 memory.events (and memory.events.local): "low N\nhigh N\nmax N\noom N\n
 * oom_kill N\noom_group_kill N". Note: cAdvisor's container_oom_events_total does not
 * come from a cgroup file; it counts OOM kills it sees in /dev/kmsg and attributes to
 * the container. oom_kill here is the kernel's own count of the same events. */
enum {
	CG_ME_LOW = 1u << 0,
	CG_ME_HIGH = 1u << 1,
	CG_ME_MAX = 1u << 2,
	CG_ME_OOM = 1u << 3,
	CG_ME_OOM_KILL = 1u << 4,
	CG_ME_OOM_GROUP_KILL = 1u << 5,
};
struct cg_mem_events {
	unsigned has;
	uint64_t low, high, max, oom, oom_kill, oom_group_kill;
};
int cg_parse_memory_events(struct span s, struct cg_mem_events *out);

/* cAdvisor's rule for a v1 memory.limit_in_bytes / memsw limit: a value above 2^62
 * means "no limit" (the kernel prints PAGE_COUNTER_MAX * page size there). */
static inline bool cg_v1_limit_unlimited(uint64_t v)
{
	return v > (1ull << 62);
}

/* ---- Block I/O ---------------------------------------------------------------- */

/* v2 io.stat: one line per device, "8:0 rbytes=N wbytes=N rios=N wios=N dbytes=N
 * dios=N" (keys may be missing or extra; a device line may carry no keys). */
enum {
	CG_IO_RBYTES = 1u << 0,
	CG_IO_WBYTES = 1u << 1,
	CG_IO_RIOS = 1u << 2,
	CG_IO_WIOS = 1u << 3,
	CG_IO_DBYTES = 1u << 4,
	CG_IO_DIOS = 1u << 5,
};
struct cg_io_dev {
	uint32_t major, minor;
	unsigned has; /* CG_IO_* */
	uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};
struct cg_io_stat {
	uint32_t n;
	bool truncated; /* more than CG_MAX_DEVS devices */
	struct cg_io_dev dev[CG_MAX_DEVS];
};
int cg_parse_io_stat(struct span s, struct cg_io_stat *out);

/* v1 blkio.*: blkio.throttle.io_service_bytes, blkio.io_service_bytes_recursive,
 * blkio.throttle.io_serviced, blkio.io_serviced_recursive. Lines "8:0 Read 123",
 * "8:0 Write 4", "8:0 Sync", "8:0 Async", "8:0 Discard", "8:0 Total", and a final
 * "Total N" line for the whole file. */
enum {
	CG_BLK_READ = 1u << 0,
	CG_BLK_WRITE = 1u << 1,
	CG_BLK_SYNC = 1u << 2,
	CG_BLK_ASYNC = 1u << 3,
	CG_BLK_DISCARD = 1u << 4,
	CG_BLK_TOTAL = 1u << 5,
};
struct cg_blkio_dev {
	uint32_t major, minor;
	unsigned has; /* CG_BLK_* */
	uint64_t read, write, sync, async, discard, total;
};
struct cg_blkio {
	uint32_t n;
	bool truncated;
	bool has_total;
	uint64_t total; /* the last "Total N" line */
	struct cg_blkio_dev dev[CG_MAX_DEVS];
};
int cg_parse_blkio(struct span s, struct cg_blkio *out);

/* ---- Pressure ----------------------------------------------------------------- */

/* cpu.pressure / memory.pressure / io.pressure:
 * "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=... total=N". */
struct cg_psi_line {
	double avg10, avg60, avg300;
	uint64_t total_usec;
};
struct cg_pressure {
	bool has_some, has_full;
	struct cg_psi_line some, full;
};
int cg_parse_pressure(struct span s, struct cg_pressure *out);

#endif

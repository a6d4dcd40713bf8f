/*
 * cpu: parsers and state of the cpu collector, exposed for tests and fuzz targets.
 *
 * Two inputs are parsed: /proc/cpuinfo (x86 layout, as the procfs library reads it)
 * for node_cpu_info and friends, and the per-CPU lines of /proc/stat (through
 * lib/procstat) for node_cpu_seconds_total, with node_exporter's guard against
 * counters that go backwards.
 */
#ifndef PLUMB_COLLECTOR_CPU_H
#define PLUMB_COLLECTOR_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/procstat.h"
#include "lib/regex.h"

/* One processor's record of /proc/cpuinfo. Spans point into the parsed buffer. */
struct cpuinfo_cpu {
	uint64_t processor;
	struct span vendor, family, model, model_name, stepping, microcode, cachesize;
	struct span physical_id, core_id, flags, bugs;
	double mhz;
};

/* Called once per processor record, in file order; returns 0 or -errno to stop. */
typedef int (*cpuinfo_fn)(void *ctx, const struct cpuinfo_cpu *cpu);

/* Parse /proc/cpuinfo text (buf[0..len)). The first non-blank line must be a
 * "processor" line. Numeric fields the procfs library checks (processor, cpu MHz,
 * siblings, cpu cores, cpuid level, bogomips, clflush size, cache_alignment) must parse,
 * else the whole file is -EINVAL. Returns 0, -EINVAL, or fn's error. Allocates nothing. */
int cpuinfo_parse(const char *buf, size_t len, cpuinfo_fn fn, void *ctx);

/* What cpu_info_emit adds besides node_cpu_info. */
struct cpu_info_opts {
	bool freq;                  /* node_cpu_frequency_hertz{package,core,cpu} */
	const struct regex *flags;  /* node_cpu_flag_info for the first CPU's matching flags */
	const struct regex *bugs;   /* node_cpu_bug_info likewise; NULL: none */
};

/* Parse cpuinfo text and add node_cpu_info (and what o asks) to out.
 * Returns 0, -EINVAL on malformed text (the caller drops what was added), or a sink
 * error. */
int cpu_info_emit(const char *buf, size_t len, const struct cpu_info_opts *o,
		  struct metric_sink *out);

/* One CPU's reported times, in seconds. */
struct cpu_stat_entry {
	int64_t id;
	double v[PROCSTAT_NMODES];
};

/* The per-CPU times last reported (cur) and a scratch array for the next read; both
 * grow together and are never shrunk. Zero-initialise before use. */
struct cpu_stats {
	struct cpu_stat_entry *cur, *next;
	size_t ncur, nnext, cap;
	size_t max; /* hard limit on CPUs; 0 means 65536 */
};

/* Parse /proc/stat text and fold it into st the way node_exporter does: a mode that
 * went backwards keeps its last value, except that an idle drop of 3 s or more (a CPU
 * hot-plugged back) starts that CPU afresh; CPUs no longer listed are forgotten.
 * On error st is unchanged. Returns 0, -EINVAL, -E2BIG or -ENOMEM. */
int cpu_stats_update(struct cpu_stats *st, const char *buf, size_t len);
/* Add node_cpu_seconds_total and, if guest, node_cpu_guest_seconds_total for st->cur.
 * Returns 0 or a sink error. */
int cpu_stats_emit(const struct cpu_stats *st, bool guest, struct metric_sink *out);
void cpu_stats_fini(struct cpu_stats *st); /* frees; accepts a zeroed st */

#endif

/*
 * procstat: a parser for /proc/stat shared by the cpu and stat collectors.
 *
 * /proc/stat holds per-CPU time counters ("cpuN user nice system ...", in USER_HZ
 * ticks), the system-wide counters (intr, ctxt, btime, processes, procs_running,
 * procs_blocked) and the softirq line. Each collector holds its own procfile for the
 * file and calls procstat_parse on its contents: the parser keeps no state and
 * allocates nothing. Per-CPU lines are handed to a callback as they are met, so a
 * caller that does not need them pays nothing for them.
 *
 * Strictness follows the procfs library node_exporter uses: a line with fewer than
 * two words is skipped, unknown keys are ignored, but a known key whose numbers do not
 * parse makes the whole file malformed (-EINVAL).
 */
#ifndef PLUMB_PROCSTAT_H
#define PLUMB_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

/* /proc/stat counts CPU time in USER_HZ ticks, which Linux fixes at 100 for userspace. */
#define PROCSTAT_USER_HZ 100.0

/* The CPU time modes, in the order /proc/stat lists them. */
enum procstat_mode {
	PROCSTAT_USER = 0,
	PROCSTAT_NICE,
	PROCSTAT_SYSTEM,
	PROCSTAT_IDLE,
	PROCSTAT_IOWAIT,
	PROCSTAT_IRQ,
	PROCSTAT_SOFTIRQ,
	PROCSTAT_STEAL,
	PROCSTAT_GUEST,
	PROCSTAT_GUEST_NICE,
	PROCSTAT_NMODES
};

/* The softirq vectors of the "softirq" line, in file order (after the total). */
enum { PROCSTAT_NSOFTIRQ = 10 };

/* Names of the softirq vectors as node_exporter labels them, in file order. */
extern const char *const procstat_softirq_names[PROCSTAT_NSOFTIRQ];

/* The system-wide part of /proc/stat. A key missing from the file leaves 0. */
struct procstat {
	uint64_t btime;         /* boot time, seconds since the epoch */
	uint64_t intr;          /* interrupts serviced, first number of "intr" */
	uint64_t ctxt;          /* context switches */
	uint64_t processes;     /* forks since boot */
	uint64_t procs_running;
	uint64_t procs_blocked;
	uint64_t softirq_total;
	uint64_t softirq[PROCSTAT_NSOFTIRQ];
};

/* Called for each "cpuN" line with N and its times in seconds (ticks / USER_HZ);
 * modes missing from a short line are 0. The summed "cpu" line is not passed on.
 * Return 0 to go on, or -errno to stop the parse with that result. */
typedef int (*procstat_cpu_fn)(void *ctx, int64_t cpu, const double secs[PROCSTAT_NMODES]);

/* Parse buf[0..len) (need not be NUL-terminated) into *out (zeroed first), calling
 * on_cpu (may be NULL) for each per-CPU line. Returns 0, -EINVAL on a malformed known
 * line, or what on_cpu returned. Nothing is allocated; *out is the caller's. */
int procstat_parse(const char *buf, size_t len, struct procstat *out, procstat_cpu_fn on_cpu,
		   void *ctx);

#endif

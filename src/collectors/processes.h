/*
 * processes: the parser of /proc/<pid>/stat and the tallies the processes collector
 * keeps, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_PROCESSES_H
#define PLUMB_COLLECTOR_PROCESSES_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"

#define PROC_STATE_MAX 16 /* longest state word kept (the kernel writes one letter) */
#define PROC_MAX_STATES 32 /* distinct states kept (the kernel has about a dozen) */

/* How many processes or threads are in each state. */
struct proc_states {
	size_t n;
	struct {
		char name[PROC_STATE_MAX];
		size_t len;
		uint64_t count;
	} v[PROC_MAX_STATES];
};

/* What one pass over /proc counted. */
struct proc_counts {
	uint64_t pids;    /* processes whose stat was read */
	uint64_t threads; /* sum of their num_threads, wrapping as Go's int does */
	struct proc_states procs;   /* processes by state */
	struct proc_states threads_by_state; /* threads (tasks) by state */
};

/* Count one more in state s. Returns 0, -EINVAL for a state longer than PROC_STATE_MAX,
 * or -E2BIG past PROC_MAX_STATES states. */
int proc_states_add(struct proc_states *t, struct span s);

/* Emit the processes families from pc and the two limits. Returns 0 or a sink error. */
int processes_emit(const struct proc_counts *pc, uint64_t max_threads, uint64_t pid_max,
		   struct metric_sink *out);

#endif

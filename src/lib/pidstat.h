/*
 * pidstat: the one parser of /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat, shared by
 * the processes collector (state and thread counts of every process) and the self-metrics
 * (plumb's own process_* series).
 *
 * It is as strict as prometheus/procfs, which node_exporter and the Go client library
 * both use: the command name runs from the first '(' to the last ')' (it may hold spaces
 * and parentheses); after the byte that follows the ')' come the state word and at least
 * 41 numbers (the fields up to cguest_time), each signed or unsigned as the kernel prints
 * it. A missing field or one that is not a number makes the whole text malformed. The
 * parser keeps no state and allocates nothing.
 */
#ifndef PLUMB_PIDSTAT_H
#define PLUMB_PIDSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

/* What the callers use of one stat text, in the kernel's units. */
struct pidstat {
	struct span state;     /* the state word ("R", "S", ...), pointing into the text */
	uint64_t utime, stime; /* CPU time in user and kernel mode, clock ticks */
	int64_t num_threads;
	uint64_t starttime;    /* start after boot, clock ticks */
	uint64_t vsize;        /* virtual memory, bytes */
	int64_t rss;           /* resident set, pages */
};

/* Parse buf[0..len) (need not be NUL-terminated) into *out. Returns 0, or -EINVAL when
 * the text is malformed (then *out is unchanged). */
int pidstat_parse(const char *buf, size_t len, struct pidstat *out);

#endif

/*
 * perf: the flag parsers of the perf collector (--collector.perf.cpus and
 * --collector.perf.tracepoint), exposed for tests and the fuzz targets.
 */
#ifndef PLUMB_COLLECTOR_PERF_H
#define PLUMB_COLLECTOR_PERF_H

#include <stddef.h>
#include <stdint.h>

/* The highest CPU number accepted (the kernel's NR_CPUS is at most 8192), and the most
 * CPUs one list may name. */
#define PERF_CPU_MAX 65535
#define PERF_CPUS_MAX 8192
#define PERF_CPUS_TEXT_MAX 65536 /* longest value accepted */

/* Parse a --collector.perf.cpus value (s[0..len)) as node_exporter does: comma-separated
 * items, each a CPU number ("5"), a range ("0-3") or a range with a stride ("0-10:5" is
 * 0, 5, 10), numbers in Go's Atoi syntax. A range whose start is above its end names no
 * CPU. A CPU named twice is kept once, in first-seen order, into out[0..cap); *n gets
 * the count. Returns 0; -EINVAL for an empty or too long value, an empty item, a malformed number, a
 * number above PERF_CPU_MAX, or a stride below 1 (node_exporter loops forever on one);
 * -E2BIG when more than cap CPUs are named. */
int perf_cpus_parse(const char *s, size_t len, uint16_t *out, size_t cap, size_t *n);

/* One --collector.perf.tracepoint value, "subsystem:event". */
#define PERF_TP_PART_MAX 127 /* longest subsystem or event name */
#define PERF_TP_MAX 64       /* most tracepoints accepted */

struct perf_tracepoint {
	char sys[PERF_TP_PART_MAX + 1];   /* "sched" */
	char event[PERF_TP_PART_MAX + 1]; /* "sched_switch" */
	char metric[2 * PERF_TP_PART_MAX + 16]; /* "node_perf_sched_sched_switch" */
	char help[2 * PERF_TP_PART_MAX + 64];
};

/* Parse one value s[0..len) into *tp: exactly one ':' between a subsystem and an event,
 * each 1 to PERF_TP_PART_MAX of [A-Za-z0-9_] (anything else could not make a metric
 * name, or could step out of the tracing folder). Returns 0 or -EINVAL. */
int perf_tracepoint_parse(const char *s, size_t len, struct perf_tracepoint *tp);

/* Parse the n values vals[i] (NUL-terminated) into out[0..n): each as above, and no two
 * giving the same metric name as each other or as one of the collector's own counters
 * ("a_b:c" and "a:b_c" both give node_perf_a_b_c). On an error *bad is the index of the
 * value at fault. Returns 0, -EINVAL, or -E2BIG for more than PERF_TP_MAX values. */
int perf_tracepoints_parse(const char *const *vals, size_t n, struct perf_tracepoint *out,
			   size_t *bad);

/* Parse a tracefs events/<sys>/<event>/id file (s[0..len), one trailing newline allowed)
 * into *id. Returns 0 or -EINVAL. */
int perf_tracepoint_id_parse(const char *s, size_t len, uint64_t *id);

#endif

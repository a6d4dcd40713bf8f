/*
 * interrupts: parser for /proc/interrupts (interrupts each CPU has handled, per IRQ),
 * exposed for the unit tests and the fuzz target. The collector is in interrupts.c.
 */
#ifndef PLUMB_COLLECTOR_INTERRUPTS_H
#define PLUMB_COLLECTOR_INTERRUPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/regex.h"

/* Most interrupt lines one file may hold (past it the parse fails with -E2BIG). */
#define INTERRUPTS_MAX_LINES (1u << 20)

/* What to report: the interrupts whose "name;info;devices" the filter passes (NULL: all),
 * and whether counts of zero are reported. */
struct interrupts_opts {
	const struct filter *filter;
	bool include_zeros;
};

/* Room the parser reuses from one parse to the next, so that a warm parse allocates
 * nothing. Start zeroed; free with interrupts_scratch_fini. Used by one thread. */
struct irq_line;
struct interrupts_scratch {
	struct irq_line *lines; /* owned */
	size_t n, cap;
	char *text; /* owned: one interrupt's "name;info;devices" */
	size_t text_cap;
};

/* Parse the text of /proc/interrupts (buf[0..len), need not be NUL-terminated) into
 * node_interrupts_total{cpu,type,info,devices}, as node_exporter does: the header counts
 * the CPU columns, a line without ':' or with fewer words than columns + 1 is skipped,
 * and an interrupt named twice counts as its last line. Returns 0; -EINVAL for an empty
 * file or a count Go's ParseFloat refuses (samples added before it stay in out: the
 * caller drops them, as the core does for a failed collector); -ENOMEM, -E2BIG past
 * INTERRUPTS_MAX_LINES, -EFBIG for 4 GiB of text or more, or -errno from the sink. */
int interrupts_parse(const char *buf, size_t len, const struct interrupts_opts *opts,
		     struct interrupts_scratch *ws, struct metric_sink *out);

/* Free ws's memory; accepts a zeroed ws and may be called twice. */
void interrupts_scratch_fini(struct interrupts_scratch *ws);

#endif

/*
 * softirqs: software interrupts each CPU has handled, per kind, from /proc/softirqs, as
 * node_exporter's softirqs collector reports them.
 *
 * The file is a header of CPU names, then one line per kind: "  NET_RX:  43066  104508".
 * Only the ten kinds node_exporter knows (HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL,
 * TASKLET, SCHED, HRTIMER, RCU) are reported, each column as cpu="0", "1", ... in order.
 * As in prometheus/procfs: an empty file fails, a line of fewer than two words or of
 * another kind is skipped, a count that is not an unsigned decimal fails the collection,
 * and a kind listed twice counts as its last line. Off by default, like node_exporter's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "collectors/softirqs.h"
#include "core/collector.h"

static const struct metric_desc desc_functions = {
	"node_softirqs_functions_total",
	"Software interrupts handled, by CPU and kind (/proc/softirqs).", METRIC_COUNTER,
};

/* The kinds as the file names them, without the colon, and as the type label. */
static const char *const kinds[SOFTIRQ_KINDS] = {
	"HI",	   "TIMER",   "NET_TX", "NET_RX",  "BLOCK",
	"IRQ_POLL", "TASKLET", "SCHED",  "HRTIMER", "RCU",
};

/* The kind whose "NAME:" is w, or -1. */
static int kind_of(struct span w)
{
	if (w.len < 2 || w.p[w.len - 1] != ':')
		return -1;
	w.len--;
	for (int k = 0; k < SOFTIRQ_KINDS; k++)
		if (span_eq(w, kinds[k]))
			return k;
	return -1;
}

/* Add the counts in cols (the words after a kind's name) as kind k's samples, or with
 * out NULL only check them. Returns 0, -EINVAL for a bad count, or -errno from the
 * sink. */
static int softirqs_counts(struct span cols, int k, struct metric_sink *out)
{
	struct span w;
	for (unsigned cpu = 0; span_word(&cols, &w); cpu++) {
		uint64_t v;
		if (span_u64(w, &v) < 0)
			return -EINVAL;
		if (!out)
			continue;
		char id[16];
		snprintf(id, sizeof(id), "%u", cpu);
		int r = sink_add(out, &desc_functions, (double)v,
				 LABELS(L("cpu", id), L("type", kinds[k])));
		if (r < 0)
			return r;
	}
	return 0;
}

int softirqs_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct span last[SOFTIRQ_KINDS];
	bool seen[SOFTIRQ_KINDS] = { false };
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	if (!cursor_line(&cur, &line)) /* the header: none means an empty file */
		return -EINVAL;
	while (cursor_line(&cur, &line)) {
		struct span cols = line, name, first;
		if (!span_word(&cols, &name))
			continue;
		struct span probe = cols;
		int k = kind_of(name);
		if (k < 0 || !span_word(&probe, &first))
			continue; /* another kind, or no CPU column */
		int r = softirqs_counts(cols, k, NULL);
		if (r < 0)
			return r;
		last[k] = cols;
		seen[k] = true;
	}
	for (int k = 0; k < SOFTIRQ_KINDS; k++) {
		int r = seen[k] ? softirqs_counts(last[k], k, out) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

const struct collector_ops collector_ops_softirqs = {
	.name = "softirqs",
	.default_enabled = false,
	.reads = "/proc/softirqs",
	.file = &(const struct collector_file){ "softirqs", 0, softirqs_parse, false },
	COLLECTOR_FILE_OPS,
};

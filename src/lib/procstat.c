/*
 * procstat: /proc/stat parsing for the cpu and stat collectors. See procstat.h.
 */
#include "lib/procstat.h"

#include <errno.h>
#include <string.h>

#include "lib/strparse.h"

const char *const procstat_softirq_names[PROCSTAT_NSOFTIRQ] = {
	"hi", "timer", "net_tx", "net_rx", "block", "block_iopoll", "tasklet", "sched",
	"hrtimer", "rcu",
};

/* Whether w is a decimal number that fits in 64 unsigned bits. Cheaper than span_u64
 * for the long "intr" line, whose numbers are only checked, never kept. */
static bool is_u64_text(struct span w)
{
	static const char max[] = "18446744073709551615";
	if (w.len == 0 || w.len > sizeof(max) - 1)
		return false;
	for (size_t i = 0; i < w.len; i++)
		if (w.p[i] < '0' || w.p[i] > '9')
			return false;
	return w.len < sizeof(max) - 1 || memcmp(w.p, max, w.len) <= 0;
}

/* Parse the "intr" line's words after the key: the total, then per-IRQ counts that
 * must all be numbers. Returns 0 or -EINVAL. */
static int parse_intr(struct span rest, struct procstat *out)
{
	struct span w;
	if (!span_word(&rest, &w) || span_u64(w, &out->intr) < 0)
		return -EINVAL;
	while (span_word(&rest, &w))
		if (!is_u64_text(w))
			return -EINVAL;
	return 0;
}

/* Parse the "softirq" line's words after the key: the total and the ten vectors, all
 * required. Returns 0 or -EINVAL. */
static int parse_softirq(struct span rest, struct procstat *out)
{
	struct span w;
	if (!span_word(&rest, &w) || span_u64(w, &out->softirq_total) < 0)
		return -EINVAL;
	for (int i = 0; i < PROCSTAT_NSOFTIRQ; i++)
		if (!span_word(&rest, &w) || span_u64(w, &out->softirq[i]) < 0)
			return -EINVAL;
	return 0;
}

/* Parse a "cpu" or "cpuN" line (key already taken) and pass per-CPU lines to on_cpu.
 * Up to ten times are read; a short line leaves the rest 0, extra words are ignored.
 * Returns 0, -EINVAL, or on_cpu's error. */
static int parse_cpu(struct span key, struct span rest, procstat_cpu_fn on_cpu, void *ctx)
{
	double secs[PROCSTAT_NMODES] = { 0 };
	int64_t id = -1;
	struct span w;
	if (key.len > 3 && span_i64((struct span){ key.p + 3, key.len - 3 }, &id) < 0)
		return -EINVAL;
	for (int i = 0; i < PROCSTAT_NMODES && span_word(&rest, &w); i++) {
		if (span_double(w, &secs[i]) < 0)
			return -EINVAL;
		secs[i] /= PROCSTAT_USER_HZ;
	}
	if (id == -1 || !on_cpu)
		return 0; /* the summed line, which no collector reports */
	return on_cpu(ctx, id, secs);
}

/* Parse one line into out. Returns 0, -EINVAL or on_cpu's error. */
static int parse_line(struct span line, struct procstat *out, procstat_cpu_fn on_cpu,
		      void *ctx)
{
	struct span rest = line, key, probe;
	if (!span_word(&rest, &key))
		return 0;
	struct span look = rest;
	if (!span_word(&look, &probe))
		return 0; /* a key alone on its line says nothing */
	if (span_eq(key, "intr"))
		return parse_intr(rest, out);
	if (span_eq(key, "softirq"))
		return parse_softirq(rest, out);
	if (span_starts(key, "cpu"))
		return parse_cpu(key, rest, on_cpu, ctx);
	uint64_t *dst = NULL;
	if (span_eq(key, "btime"))
		dst = &out->btime;
	else if (span_eq(key, "ctxt"))
		dst = &out->ctxt;
	else if (span_eq(key, "processes"))
		dst = &out->processes;
	else if (span_eq(key, "procs_running"))
		dst = &out->procs_running;
	else if (span_eq(key, "procs_blocked"))
		dst = &out->procs_blocked;
	if (dst && span_u64(probe, dst) < 0)
		return -EINVAL;
	return 0;
}

int procstat_parse(const char *buf, size_t len, struct procstat *out, procstat_cpu_fn on_cpu,
		   void *ctx)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	memset(out, 0, sizeof(*out));
	while (cursor_line(&cur, &line)) {
		int r = parse_line(line, out, on_cpu, ctx);
		if (r < 0)
			return r;
	}
	return 0;
}

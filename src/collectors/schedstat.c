/*
 * schedstat: per-CPU scheduler statistics from /proc/schedstat.
 *
 * A CPU's line reads "cpuN f1 f2 ... f9": the 7th number is the time tasks ran on
 * that CPU, the 8th the time runnable tasks waited for it (both in nanoseconds), the
 * 9th the number of timeslices run. Domain lines and the version header are ignored.
 * Like node_exporter (which finds cpu lines with an unanchored pattern "cpu(\d+)"
 * followed by nine single-space-separated numbers), a line is taken from the first
 * place where that shape appears, and a line whose numbers overflow is skipped.
 */
#include <errno.h>
#include <string.h>

#include "collectors/schedstat.h"
#include "core/collector.h"

static const struct metric_desc d_running = {
	"node_schedstat_running_seconds_total",
	"Seconds tasks spent running on this CPU.", METRIC_COUNTER
};
static const struct metric_desc d_waiting = {
	"node_schedstat_waiting_seconds_total",
	"Seconds runnable tasks spent waiting for this CPU.", METRIC_COUNTER
};
static const struct metric_desc d_slices = {
	"node_schedstat_timeslices_total", "Timeslices run on this CPU.", METRIC_COUNTER
};

enum { SCHED_NFIELDS = 9 };

/* Length of the run of ASCII digits at p[0..n). */
static size_t digits(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/* Try to match "cpu<digits>( <digits>){9}" at line[at..]. On success sets *cpu to the
 * CPU number's digits and f[0..9) to the fields' spans. Returns whether it matched. */
static bool match_at(struct span line, size_t at, struct span *cpu, struct span f[SCHED_NFIELDS])
{
	const char *p = line.p + at;
	size_t n = line.len - at;
	if (n < 4 || memcmp(p, "cpu", 3) != 0)
		return false;
	size_t k = digits(p + 3, n - 3);
	if (k == 0)
		return false;
	*cpu = (struct span){ p + 3, k };
	size_t i = 3 + k;
	for (int j = 0; j < SCHED_NFIELDS; j++) {
		if (i >= n || p[i] != ' ')
			return false;
		k = digits(p + i + 1, n - i - 1);
		if (k == 0)
			return false;
		f[j] = (struct span){ p + i + 1, k };
		i += 1 + k;
	}
	return true;
}

/* Emit the three series of one matched line, unless a number overflows.
 * Returns 0 or a sink error. */
static int emit_cpu(struct span cpu, const struct span f[SCHED_NFIELDS], struct metric_sink *out)
{
	uint64_t run, wait, slices;
	if (span_u64(f[6], &run) < 0 || span_u64(f[7], &wait) < 0 ||
	    span_u64(f[8], &slices) < 0)
		return 0;
	int r = sink_add(out, &d_running, (double)run / 1e9, LABELS(LS("cpu", cpu)));
	if (r == 0)
		r = sink_add(out, &d_waiting, (double)wait / 1e9, LABELS(LS("cpu", cpu)));
	if (r == 0)
		r = sink_add(out, &d_slices, (double)slices, LABELS(LS("cpu", cpu)));
	return r;
}

int schedstat_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line, cpu, f[SCHED_NFIELDS];
	while (cursor_line(&cur, &line)) {
		const char *hit = line.len ? memmem(line.p, line.len, "cpu", 3) : NULL;
		while (hit && !match_at(line, (size_t)(hit - line.p), &cpu, f)) {
			size_t from = (size_t)(hit - line.p) + 1;
			hit = memmem(line.p + from, line.len - from, "cpu", 3);
		}
		if (!hit)
			continue;
		int r = emit_cpu(cpu, f, out);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Allocate the state and point it at <procfs>/schedstat. Returns 0 or -errno. */
const struct collector_ops collector_ops_schedstat = {
	.name = "schedstat",
	.default_enabled = true,
	.reads = "/proc/schedstat",
	.file = &(const struct collector_file){ "schedstat", 0, schedstat_parse, false },
	COLLECTOR_FILE_OPS,
};

/*
 * pressure: pressure stall information (PSI) from /proc/pressure/{cpu,io,memory,irq}.
 *
 * Each file has a "some" line (time at least one task was stalled on the resource)
 * and/or a "full" line (time all non-idle tasks were), each with a cumulative total in
 * microseconds. They become the node_pressure_*_seconds_total counters node_exporter
 * exports: cpu some, io and memory some and full, irq full (Linux 6.1+).
 *
 * Like node_exporter: a resource whose file does not exist is skipped; if none exists
 * (a kernel before 4.20 or without CONFIG_PSI) the collection fails with no series;
 * PSI compiled in but switched off (read gives EOPNOTSUPP) fails it too. The four
 * files are held open and re-read with pread.
 */
#include <errno.h>
#include <stdlib.h>

#include "collectors/pressure.h"
#include "core/collector.h"
#include "lib/procfile.h"

struct pressure_priv {
	struct procfile pf[PSI_NRES];
};

static const char *const psi_files[PSI_NRES] = {
	"pressure/cpu", "pressure/io", "pressure/memory", "pressure/irq",
};

/* "some" and "full" families per resource; a NULL name means the kernel has no such line. */
static const struct metric_desc psi_some[PSI_NRES] = {
	{ "node_pressure_cpu_waiting_seconds_total",
	  "Seconds during which at least one runnable task waited for a CPU.", METRIC_COUNTER },
	{ "node_pressure_io_waiting_seconds_total",
	  "Seconds during which at least one task was stalled on I/O.", METRIC_COUNTER },
	{ "node_pressure_memory_waiting_seconds_total",
	  "Seconds during which at least one task was stalled on memory.", METRIC_COUNTER },
	{ NULL, NULL, METRIC_COUNTER },
};
static const struct metric_desc psi_full[PSI_NRES] = {
	{ NULL, NULL, METRIC_COUNTER },
	{ "node_pressure_io_stalled_seconds_total",
	  "Seconds during which every non-idle task was stalled on I/O at once.", METRIC_COUNTER },
	{ "node_pressure_memory_stalled_seconds_total",
	  "Seconds during which every non-idle task was stalled on memory at once.",
	  METRIC_COUNTER },
	{ "node_pressure_irq_stalled_seconds_total",
	  "Seconds during which the CPUs were busy with interrupts and no task could run.",
	  METRIC_COUNTER },
};

/* Parse the words after "some"/"full": avg10=, avg60=, avg300= (numbers) and total=
 * (microseconds) in that order, into *total. Extra words after them are ignored. */
static int psi_line_values(struct span rest, uint64_t *total)
{
	static const char *const keys[4] = { "avg10=", "avg60=", "avg300=", "total=" };
	struct span w;
	for (int i = 0; i < 4; i++) {
		size_t kl = strlen(keys[i]);
		if (!span_word(&rest, &w) || !span_starts(w, keys[i]))
			return -EINVAL;
		struct span v = { w.p + kl, w.len - kl };
		double avg;
		int r = i < 3 ? span_double(v, &avg) : span_u64(v, total);
		if (r < 0)
			return -EINVAL;
	}
	return 0;
}

int pressure_parse(const char *buf, size_t len, struct psi_stats *st)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line, first;
	*st = (struct psi_stats){ 0 };
	while (cursor_line(&cur, &line)) {
		struct span rest = line;
		if (!span_word(&rest, &first))
			continue;
		int r = 0;
		if (span_eq(first, "some")) {
			r = psi_line_values(rest, &st->some_total);
			st->has_some = r == 0;
		} else if (span_eq(first, "full")) {
			r = psi_line_values(rest, &st->full_total);
			st->has_full = r == 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Microseconds to seconds the way node_exporter computes it (two divisions), so the
 * values agree to the last bit. */
static double psi_seconds(uint64_t us)
{
	return (double)us / 1000.0 / 1000.0;
}

int pressure_emit(enum psi_resource res, const struct psi_stats *st, struct metric_sink *out)
{
	if (res >= PSI_NRES)
		return -EINVAL;
	const struct metric_desc *some = psi_some[res].name ? &psi_some[res] : NULL;
	const struct metric_desc *full = psi_full[res].name ? &psi_full[res] : NULL;
	if ((some && !st->has_some) || (full && !st->has_full))
		return -ENODATA;
	int r = 0;
	if (some)
		r = sink_gauge(out, some, psi_seconds(st->some_total));
	if (r == 0 && full)
		r = sink_gauge(out, full, psi_seconds(st->full_total));
	return r;
}

static int pressure_init(struct collector *c)
{
	struct pressure_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < PSI_NRES; i++)
		p->pf[i].fd = -1;
	c->priv = p;
	for (int i = 0; i < PSI_NRES; i++) {
		int r = procfile_init(&p->pf[i], cfg_procfs(c->cfg), psi_files[i], 4096);
		if (r < 0)
			return r;
		procfile_set_whole(&p->pf[i]); /* single_open */
	}
	return 0;
}

/* Read and emit one resource. Returns 1 when it was emitted, 0 when its file does not
 * exist, or -errno. */
static int pressure_one(struct pressure_priv *p, enum psi_resource res, struct metric_sink *out)
{
	struct psi_stats st;
	int r = procfile_read(&p->pf[res]);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = pressure_parse(p->pf[res].buf, p->pf[res].len, &st);
	if (r == 0)
		r = pressure_emit(res, &st, out);
	return r < 0 ? r : 1;
}

static int pressure_collect(struct collector *c, struct metric_sink *out)
{
	struct pressure_priv *p = c->priv;
	int found = 0;
	for (int i = 0; i < PSI_NRES; i++) {
		int r = pressure_one(p, (enum psi_resource)i, out);
		if (r < 0)
			return r;
		found += r;
	}
	return found ? 0 : -ENODATA;
}

static void pressure_fini(struct collector *c)
{
	struct pressure_priv *p = c->priv;
	for (int i = 0; p && i < PSI_NRES; i++)
		procfile_fini(&p->pf[i]);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_pressure = {
	.name = "pressure",
	.default_enabled = true,
	.reads = "/proc/pressure/{cpu,io,memory,irq}",
	.init = pressure_init,
	.collect = pressure_collect,
	.fini = pressure_fini,
};

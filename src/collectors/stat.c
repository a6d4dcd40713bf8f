/*
 * stat: system-wide kernel counters from /proc/stat.
 *
 * Boot time, context switches, forks, interrupts, runnable and blocked processes,
 * and with --collector.stat.softirq the softirq count per vector. The per-CPU lines
 * of the same file belong to the cpu collector, which reads the file on its own.
 */
#include <errno.h>
#include <stdlib.h>

#include "collectors/stat.h"
#include "core/collector.h"
#include "lib/procfile.h"
#include "lib/procstat.h"

static const struct metric_desc d_boot = {
	"node_boot_time_seconds", "When the system booted, in seconds since the Unix epoch.",
	METRIC_GAUGE
};
static const struct metric_desc d_ctxt = {
	"node_context_switches_total", "Context switches since boot.", METRIC_COUNTER
};
static const struct metric_desc d_forks = {
	"node_forks_total", "Processes and threads created since boot.", METRIC_COUNTER
};
static const struct metric_desc d_intr = {
	"node_intr_total", "Interrupts serviced since boot, all sources together.",
	METRIC_COUNTER
};
static const struct metric_desc d_blocked = {
	"node_procs_blocked", "Processes waiting for I/O to complete right now.", METRIC_GAUGE
};
static const struct metric_desc d_running = {
	"node_procs_running", "Processes runnable right now.", METRIC_GAUGE
};
static const struct metric_desc d_softirq = {
	"node_softirqs_total", "Softirqs handled since boot, by vector.", METRIC_COUNTER
};

static const struct flag_def stat_flags[] = {
	{ "collector.stat.softirq", FLAG_BOOL, "false",
	  "Also export node_softirqs_total, the softirq count per vector.", false },
	{ .name = NULL },
};

struct stat_priv {
	struct procfile pf;
	bool softirq;
};

int stat_parse(const char *buf, size_t len, bool softirq, struct metric_sink *out)
{
	struct procstat ps;
	int r = procstat_parse(buf, len, &ps, NULL, NULL);
	if (r < 0)
		return r;
	const struct {
		const struct metric_desc *d;
		uint64_t v;
	} plain[] = {
		{ &d_boot, ps.btime },          { &d_ctxt, ps.ctxt },
		{ &d_forks, ps.processes },     { &d_intr, ps.intr },
		{ &d_blocked, ps.procs_blocked }, { &d_running, ps.procs_running },
	};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]) && r == 0; i++)
		r = sink_gauge(out, plain[i].d, (double)plain[i].v);
	for (int i = 0; softirq && i < PROCSTAT_NSOFTIRQ && r == 0; i++)
		r = sink_add(out, &d_softirq, (double)ps.softirq[i],
			     LABELS(L("vector", procstat_softirq_names[i])));
	return r;
}

/* Allocate the state and point it at <procfs>/stat. Returns 0 or -errno. */
static int stat_init(struct collector *c)
{
	struct stat_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pf.fd = -1;
	c->priv = p;
	p->softirq = cfg_bool(c->cfg, "collector.stat.softirq");
	int r = procfile_init(&p->pf, cfg_procfs(c->cfg), "stat", 0);
	procfile_set_whole(&p->pf); /* single_open_size */
	return r;
}

/* Re-read /proc/stat and emit. Returns 0 or -errno (file missing, malformed). */
static int stat_collect(struct collector *c, struct metric_sink *out)
{
	struct stat_priv *p = c->priv;
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r;
	return stat_parse(p->pf.buf, p->pf.len, p->softirq, out);
}

/* Close the file and free the state; accepts a half-initialised collector. */
static void stat_fini(struct collector *c)
{
	struct stat_priv *p = c->priv;
	if (p)
		procfile_fini(&p->pf);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_stat = {
	.name = "stat",
	.default_enabled = true,
	.reads = "/proc/stat (system-wide lines)",
	.flags = stat_flags,
	.init = stat_init,
	.collect = stat_collect,
	.fini = stat_fini,
};

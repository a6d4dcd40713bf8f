/*
 * agent: runs the enabled collectors. See agent.h.
 */
#include "core/agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/regfile.h"

static const struct metric_desc desc_duration = {
	"node_scrape_collector_duration_seconds",
	"Seconds a collector spent gathering its part of this scrape.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_success = {
	"node_scrape_collector_success",
	"1 when the collector gathered its metrics without error in this scrape, else 0.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_collections = {
	"plumb_scrape_collections_total",
	"Collections run since plumb started, this one included. Scrapes that arrive while a "
	"collection is in flight share it, so this can grow slower than the scrape count.",
	METRIC_COUNTER,
};

bool agent_enabled(const struct plumb_config *cfg, const struct collector_ops *ops)
{
	char name[96];
	snprintf(name, sizeof(name), "collector.%s", ops->name);
	if (cfg_given(cfg, name))
		return cfg_bool(cfg, name);
	if (cfg_bool(cfg, "collector.disable-defaults"))
		return false;
	return ops->default_enabled;
}

int agent_init(struct agent *a, const struct plumb_config *cfg)
{
	size_t total = 0;
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	while (plumb_collectors[total])
		total++;
	a->collectors = calloc(total ? total : 1, sizeof(*a->collectors));
	if (!a->collectors)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		const struct collector_ops *ops = plumb_collectors[i];
		if (!agent_enabled(cfg, ops))
			continue;
		struct collector *c = &a->collectors[a->n];
		*c = (struct collector){ .ops = ops, .cfg = cfg };
		int r = ops->init ? ops->init(c) : 0;
		if (r == -ENODEV) {
			/* nothing of its kind on this host (no cgroup hierarchy, say) */
			plog(LOG_INFO, "collector has nothing to read on this host; it is left out",
			     "collector", ops->name, PLOG_END);
			if (ops->fini)
				ops->fini(c);
			continue;
		}
		if (r < 0) {
			plog(LOG_ERROR, "collector failed to start; it is left out", "collector",
			     ops->name, "err", regfile_strerror(-r), PLOG_END);
			if (ops->fini)
				ops->fini(c);
			continue;
		}
		a->n++;
	}
	char count[24];
	snprintf(count, sizeof(count), "%zu", a->n);
	plog(LOG_INFO, "collectors enabled", "count", count, PLOG_END);
	for (size_t i = 0; i < a->n; i++)
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): the first a->n have ops */
		plog(LOG_DEBUG, "collector enabled", "collector", a->collectors[i].ops->name, PLOG_END);
	return 0;
}

/* Seconds on CLOCK_MONOTONIC: for durations only, not the time of day. */
static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Log a collector's result when it changes from the last one. */
static void log_change(struct collector *c, int r)
{
	if (r == c->last_err)
		return;
	/* a missing file means this host has no such data (no bonding, no md arrays):
	 * node_exporter logs that at debug level, and so do we */
	if (r == -ENOENT)
		plog(LOG_DEBUG, "collector found no data on this host", "collector", c->ops->name,
		     "err", strerror(-r), PLOG_END);
	else if (r < 0)
		plog(LOG_ERROR, "collector failed", "collector", c->ops->name, "err",
		     regfile_strerror(-r), PLOG_END);
	else if (c->last_err == -ENOENT)
		plog(LOG_DEBUG, "collector has data again", "collector", c->ops->name, PLOG_END);
	else
		plog(LOG_INFO, "collector recovered", "collector", c->ops->name, PLOG_END);
	c->last_err = r;
}

int agent_collect(struct agent *a, struct metric_sink *out)
{
	sink_reset(out);
	for (size_t i = 0; i < a->n; i++) {
		struct collector *c = &a->collectors[i];
		uint32_t mark = out->nseries;
		double t0 = now_seconds();
		int r = c->ops->collect(c, out);
		c->last_duration = now_seconds() - t0;
		if (r < 0)
			out->nseries = mark; /* a failed collector shows no half results */
		log_change(c, r);
		const char *name = c->ops->name;
		sink_add(out, &desc_duration, c->last_duration, LABELS(L("collector", name)));
		sink_add(out, &desc_success, r < 0 ? 0 : 1, LABELS(L("collector", name)));
	}
	for (size_t i = 0; i < a->nsources; i++) {
		uint32_t mark = out->nseries;
		int r = a->sources[i].collect(a->sources[i].ctx, out);
		if (r < 0) {
			out->nseries = mark;
			plog(LOG_WARN, "self-metrics source failed", "source", a->sources[i].name,
			     "err", strerror(-r), PLOG_END);
		}
	}
	a->collections++;
	if (a->report_collections)
		sink_add(out, &desc_collections, (double)a->collections, NULL, 0);
	return sink_finish(out);
}

int agent_add_source(struct agent *a, const struct agent_source *src)
{
	if (a->nsources >= AGENT_MAX_SOURCES)
		return -E2BIG;
	a->sources[a->nsources++] = *src;
	return 0;
}

void agent_fini(struct agent *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->collectors[i].ops->fini)
			a->collectors[i].ops->fini(&a->collectors[i]);
	free(a->collectors);
	memset(a, 0, sizeof(*a));
}

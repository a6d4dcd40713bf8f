/*
 * agent: runs the enabled collectors. See agent.h.
 */
#include "core/agent.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/regfile.h"

/* Bytes of strings held back in the sink while a foreign collector runs: what the
 * lines added after it take (their labels, and their families' names and help texts if
 * no other collector made them), with a wide margin. */
#define AGENT_HELD_BYTES 16384u

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

bool collector_name_reserved(const char *name, size_t len)
{
	static const char *const prefixes[] = { "plumb_", "node_scrape_collector_", "process_" };
	static const char *const names[] = { "node_exporter_build_info" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (len >= n && memcmp(name, prefixes[i], n) == 0)
			return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (len == strlen(names[i]) && memcmp(name, names[i], len) == 0)
			return true;
	return false;
}

bool agent_enabled(const struct plumb_config *cfg, const struct collector_ops *ops)
{
	char name[96];
	snprintf(name, sizeof(name), "collector.%s", ops->name);
	if (cfg_given(cfg, name))
		return cfg_bool(cfg, name);
	if (ops->enabled_by) {
		const char *v = cfg_str(cfg, ops->enabled_by);
		if (v && *v)
			return true;
	}
	if (cfg_bool(cfg, "collector.disable-defaults"))
		return false;
	return ops->default_enabled;
}

int collector_claim(struct collector *c, struct resources *res, uint64_t want)
{
	c->fd_claim = res_claim(res, c->ops->name, want);
	return c->fd_claim < 0 ? c->fd_claim : 0;
}

/* Whether the collector named name is compiled in and enabled by cfg. */
static bool enabled_by_name(const struct plumb_config *cfg, const char *name)
{
	for (size_t i = 0; plumb_collectors[i]; i++)
		if (strcmp(plumb_collectors[i]->name, name) == 0)
			return agent_enabled(cfg, plumb_collectors[i]);
	return false;
}

int agent_declare(struct agent *a, const struct plumb_config *cfg, struct resources *res)
{
	size_t total = 0;
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	while (plumb_collectors[total])
		total++;
	a->collectors = calloc(total ? total : 1, sizeof(*a->collectors));
	if (!a->collectors)
		return -ENOMEM;
	/* the roots every collector reads beneath */
	int r = res_path(res, cfg_procfs(cfg), NULL, RES_READ);
	if (r == 0)
		r = res_path(res, cfg_sysfs(cfg), NULL, RES_READ);
	if (r == 0)
		r = res_path(res, cfg_rootfs(cfg), NULL, RES_READ);
	if (r == 0)
		r = res_path(res, cfg_udev(cfg), NULL, RES_READ);
	/* foreign collectors go last: agent_collect runs them after everything else */
	for (size_t i = 0; r == 0 && i < 2 * total; i++) {
		const struct collector_ops *ops = plumb_collectors[i % total];
		if (ops->foreign != (i >= total) || !agent_enabled(cfg, ops))
			continue;
		struct collector *c = &a->collectors[a->n++];
		*c = (struct collector){ .ops = ops, .cfg = cfg, .fd_claim = -1 };
		c->companion_enabled = ops->companion && enabled_by_name(cfg, ops->companion);
		r = ops->declare ? ops->declare(c, res) : 0;
		if (r < 0)
			plog(LOG_ERROR, "collector could not declare what it needs", "collector",
			     ops->name, "err", strerror(-r), PLOG_END);
		else if (c->fd_claim < 0)
			res_small(res);
	}
	if (r < 0) { /* nothing was started: the table goes, and agent_fini finds none */
		free(a->collectors);
		a->collectors = NULL;
		a->n = 0;
	}
	return r;
}

void agent_start(struct agent *a, const struct resources *res)
{
	size_t kept = 0;
	a->started = true;
	for (size_t i = 0; i < a->n; i++) {
		struct collector *c = &a->collectors[i];
		const struct collector_ops *ops = c->ops;
		c->fd_budget = res_granted(res, c->fd_claim);
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): agent_declare set ops */
		int r = ops->init ? ops->init(c) : 0;
		if (r == -ENODEV) {
			/* nothing of its kind on this host (no cgroup hierarchy, say) */
			plog(LOG_INFO, "collector has nothing to read on this host; it is left out",
			     "collector", ops->name, PLOG_END);
		} else if (r < 0) {
			plog(LOG_ERROR, "collector failed to start; it is left out", "collector",
			     ops->name, "err", regfile_strerror(-r), PLOG_END);
		}
		if (r < 0) {
			if (ops->fini)
				ops->fini(c);
			continue;
		}
		a->collectors[kept++] = *c;
		a->nforeign += ops->foreign;
	}
	a->n = kept;
	char count[24];
	snprintf(count, sizeof(count), "%zu", a->n);
	plog(LOG_INFO, "collectors enabled", "count", count, PLOG_END);
	for (size_t i = 0; i < a->n; i++)
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): the first a->n have ops */
		plog(LOG_DEBUG, "collector enabled", "collector", a->collectors[i].ops->name, PLOG_END);
}

int agent_init(struct agent *a, const struct plumb_config *cfg)
{
	struct resources *res = malloc(sizeof(*res));
	int r = -ENOMEM;
	memset(a, 0, sizeof(*a)); /* agent_fini applies even when malloc failed */
	if (!res)
		goto out;
	res_init(res);
	if ((r = agent_declare(a, cfg, res)) == 0 && (r = res_plan(res)) == 0)
		agent_start(a, res);
	free(res);
out:
	return r;
}

/* CLOCK_MONOTONIC in nanoseconds, for durations only (not the time of day). A
 * difference of two of these divided by 1e9 has at most nine decimals, so it prints
 * short and without printf (the difference of two seconds-since-boot doubles carries
 * their rounding noise into seventeen digits). */
static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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
	else if (r == -ENODEV) /* the hardware or kernel interface is absent (no nl80211) */
		plog(LOG_INFO, "collector has nothing to read on this host", "collector",
		     c->ops->name, PLOG_END);
	else if (r < 0)
		plog(LOG_ERROR, "collector failed", "collector", c->ops->name, "err",
		     regfile_strerror(-r), PLOG_END);
	else if (c->last_err == -ENOENT)
		plog(LOG_DEBUG, "collector has data again", "collector", c->ops->name, PLOG_END);
	else
		plog(LOG_INFO, "collector recovered", "collector", c->ops->name, PLOG_END);
	c->last_err = r;
}

/* Run collector c into out (foreign, if c is), then give back any room held in out and
 * add c's duration and success. */
static void run_collector(struct collector *c, struct metric_sink *out)
{
	uint32_t mark = sink_mark(out);
	int64_t t0 = now_ns();
	sink_foreign(out, c->ops->foreign);
	int r = c->ops->collect(c, out);
	sink_foreign(out, false);
	sink_hold(out, 0, 0);
	c->last_duration = (double)(now_ns() - t0) / 1e9;
	if (r < 0)
		sink_rollback(out, mark); /* a failed collector shows no half results */
	log_change(c, r);
	const char *name = c->ops->name;
	sink_add(out, &desc_duration, c->last_duration, LABELS(L("collector", name)));
	sink_add(out, &desc_success, r < 0 ? 0 : 1, LABELS(L("collector", name)));
}

int agent_collect(struct agent *a, struct metric_sink *out)
{
	size_t own = a->n - a->nforeign;
	sink_reset(out);
	for (size_t i = 0; i < a->n; i++)
		if (a->collectors[i].ops->prepare)
			a->collectors[i].ops->prepare(&a->collectors[i]);
	for (size_t i = 0; i < own; i++)
		run_collector(&a->collectors[i], out);
	for (size_t i = 0; i < a->nsources; i++) {
		uint32_t mark = sink_mark(out);
		int r = a->sources[i].collect(a->sources[i].ctx, out);
		if (r < 0) {
			sink_rollback(out, mark);
			plog(LOG_WARN, "self-metrics source failed", "source", a->sources[i].name,
			     "err", strerror(-r), PLOG_END);
		}
	}
	for (size_t i = own; i < a->n; i++) {
		/* keep room for what is added after it: two lines for it and each foreign
		 * collector left, and the collection count */
		sink_hold(out, 2 * (uint32_t)(a->n - i) + 1, AGENT_HELD_BYTES);
		run_collector(&a->collectors[i], out);
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
	for (size_t i = 0; a->started && i < a->n; i++)
		if (a->collectors[i].ops->fini)
			a->collectors[i].ops->fini(&a->collectors[i]);
	free(a->collectors);
	memset(a, 0, sizeof(*a));
}

/*
 * agent: the set of enabled collectors and one collection over all of them.
 *
 * agent_collect() runs every enabled collector in name order into a sink, times each
 * with CLOCK_MONOTONIC, rolls back the samples of a collector that failed, adds
 * node_scrape_collector_{duration_seconds,success}, and logs a collector's failure once
 * per change of state. Foreign collectors (ops->foreign: data read from files other
 * programs write) run last, after the self-metric sources, into the sink made foreign
 * and with room held back for the lines the agent adds after them, so what they serve
 * can neither take a family plumb emits nor crowd out any of plumb's own series.
 * When report_collections is set (scrape.h sets it), it also reports
 * plumb_scrape_collections_total, the number of collections run so far (this one
 * included), which makes the sharing of collections between concurrent scrapes
 * observable from outside; unit-test harnesses that call agent_collect directly keep
 * seeing only the collectors' families and node_scrape_collector_*. Callers serialise
 * calls; scrape.h shares one collection between concurrent scrapes, and push and
 * health (later) call the same function on a timer.
 */
#ifndef PLUMB_AGENT_H
#define PLUMB_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/collector.h"
#include "core/config.h"
#include "expo/sink.h"

#define AGENT_MAX_SOURCES 8

/* A part of plumb that is not a collector (push, health) and reports its own
 * plumb_* families in every collection. collect() runs on the collecting thread while
 * the part's own threads run, so it guards its state itself; it returns 0 or -errno
 * (its samples are then dropped). */
struct agent_source {
	const char *name;
	int (*collect)(void *ctx, struct metric_sink *out);
	void *ctx;
};

struct agent {
	const struct plumb_config *cfg;
	struct collector *collectors; /* the enabled ones, foreign ones last; owned */
	size_t n;
	bool started;            /* agent_start ran: the collectors' init did */
	size_t nforeign;         /* of n, the foreign ones at the end */
	uint64_t collections;    /* agent_collect calls so far; callers serialise them */
	bool report_collections; /* emit plumb_scrape_collections_total */
	struct agent_source sources[AGENT_MAX_SOURCES];
	size_t nsources;
};

/* Start-up, in two steps around res_plan (resources.h):
 * agent_declare() picks the collectors cfg enables and has each declare what it needs
 * into res; agent_start() hands each its descriptor grant and runs its init(). A
 * collector whose init fails is logged and left out. agent_declare returns 0, -ENOMEM,
 * or a collector's declare error (start-up must stop: a table is full); a failed one
 * keeps no collector, and agent_fini still applies. */
int agent_declare(struct agent *a, const struct plumb_config *cfg, struct resources *res);
void agent_start(struct agent *a, const struct resources *res);

/* Both steps with a plan of the collectors' own claims alone, for callers that run
 * nothing else (tests, harnesses). Returns 0 or -errno as above. */
int agent_init(struct agent *a, const struct plumb_config *cfg);

/* One collection into out (reset first, finished after), counted in a->collections.
 * Returns 0 or -errno from the sink (collector failures are reported as metrics, not
 * errors). */
int agent_collect(struct agent *a, struct metric_sink *out);

void agent_fini(struct agent *a); /* accepts a zeroed agent */

/* Add a source whose families every later collection includes, after the collectors'.
 * Call before collections start (not thread-safe against agent_collect); ctx must
 * outlive the agent's last collection. Returns 0 or -E2BIG beyond AGENT_MAX_SOURCES. */
int agent_add_source(struct agent *a, const struct agent_source *src);

/* Whether collector ops is enabled by cfg: its flag, else its ops->enabled_by flag, else
 * --collector.disable-defaults and its default. */
bool agent_enabled(const struct plumb_config *cfg, const struct collector_ops *ops);

#endif

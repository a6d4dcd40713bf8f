/*
 * collector: the contract between the core and each source of metrics.
 *
 * A collector is a table (struct collector_ops) plus one file in src/collectors/ named
 * after it; the build finds it by that name (collector_ops_<name>). The core calls
 * init() once at start-up, collect() once per collection, fini() at shutdown. All
 * state (held-open files, buffers, caches) lives behind c->priv, never in statics, so
 * tests can run two instances against two fixture trees side by side.
 *
 * A collector never sleeps, forks or talks to the network. Blocking kernel calls that
 * may hang (statfs on a dead mount) go through lib/deadline.h. collect() returns 0, or
 * -errno when the collection failed: the core then drops what it emitted in that call,
 * reports node_scrape_collector_success 0, and logs once per change of state.
 *
 * Data from outside plumb (textfiles) must never pass for plumb's own: a collector that
 * serves it sets ops->foreign and gives way to every family plumb emits.
 */
#ifndef PLUMB_COLLECTOR_H
#define PLUMB_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "expo/sink.h"

struct collector;

struct collector_ops {
	const char *name;       /* "loadavg": --collector.loadavg */
	bool default_enabled;
	const char *reads;      /* what it reads, one short line, for --help and README */
	const struct flag_def *flags; /* its own flags, ended by {NULL}; may be NULL */
	/* Set up state. Returns 0 or -errno (the collector is then left out, with a log);
	 * -ENODEV means there is nothing of its kind on this host (logged at info). */
	int (*init)(struct collector *c);
	/* Collect into out. Returns 0 or -errno. */
	int (*collect)(struct collector *c, struct metric_sink *out);
	/* Free state. Must accept a collector whose init failed half-way. May be NULL. */
	void (*fini)(struct collector *c);
	/* It serves data from outside plumb (files other programs write). Such a collector
	 * runs after every other collector and every self-metric source, into a sink made
	 * foreign (sink_foreign), so it can tell their families from its own; it must leave
	 * out every family that collector_name_reserved names or sink_find_clash finds. */
	bool foreign;
};

struct collector {
	const struct collector_ops *ops;
	const struct plumb_config *cfg;
	void *priv;          /* owned by the collector */
	int last_err;        /* last collect() result, for log-on-change */
	double last_duration; /* seconds */
};

/* Whether name[0..len) is kept for plumb's metrics about itself, which it may emit on
 * some scrapes and not others: plumb_*, node_scrape_collector_*, process_*, and
 * node_exporter's build information, node_exporter_build_info. */
bool collector_name_reserved(const char *name, size_t len);

/* Every collector compiled in, in name order, ended by NULL. */
extern const struct collector_ops *const plumb_collectors[];

#endif

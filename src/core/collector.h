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
#include "core/resources.h"
#include "expo/sink.h"

struct collector;

/* A collector that reads one file beneath --path.procfs with one parse function (loadavg,
 * meminfo...): its ops name the file here and use COLLECTOR_FILE_OPS, and the core
 * does the rest (src/core/collector_file.c): the file is held open and re-read with
 * procfile_read each collection, then handed to parse. */
struct collector_file {
	const char *rel; /* beneath --path.procfs: "loadavg" */
	size_t max;      /* largest size accepted; 0 means PROCFILE_DEFAULT_MAX */
	/* Parse len bytes at buf (NUL-terminated) into out. Returns 0 or -errno. */
	int (*parse)(const char *buf, size_t len, struct metric_sink *out);
	bool whole;      /* the kernel hands the file out whole (procfile_set_whole) */
};

struct collector_ops {
	const char *name;       /* "loadavg": --collector.loadavg */
	bool default_enabled;
	const char *reads;      /* what it reads, one short line, for --help and README */
	const struct flag_def *flags; /* its own flags, ended by {NULL}; may be NULL */
	/* Another collector whose output overlaps this one's (cpu and cpufreq both know the
	 * CPU frequency): the core tells the collector whether it is enabled, in
	 * c->companion_enabled, so the two agree on who reports what. May be NULL. */
	const char *companion;
	/* One of its own flags that switches it on when given a non-empty value, unless
	 * --no-collector.NAME says otherwise: a test-fixture source (qdisc's, wifi's
	 * --collector.X.fixtures) means nothing with the collector off, and the recorded
	 * command line of node_exporter's end-to-end test gives it without --collector.X
	 * (the test's script adds that from a list of its own). May be NULL. */
	const char *enabled_by;
	/* Declare what it needs beyond the --path.* roots, before init(): paths it reads
	 * elsewhere or that the broker may open for it (res_path), and the descriptors it
	 * would like to hold open (res_claim, whose id goes in c->fd_claim). Only c->cfg is
	 * set. NULL means it reads only beneath the roots and holds a few descriptors.
	 * Returns 0 or -errno (-E2BIG when the tables are full: start-up fails). */
	int (*declare)(struct collector *c, struct resources *res);
	/* Set up state. Returns 0 or -errno (the collector is then left out, with a log);
	 * -ENODEV means there is nothing of its kind on this host (logged at info). */
	int (*init)(struct collector *c);
	/* Start slow work of this collection in the background, before any collector's
	 * collect() runs (the filesystem collector hands its statfs calls to its workers
	 * here and takes the results in collect, so the scrape thread need not sleep while
	 * they run). collect() must work without it too, and report what it failed with.
	 * May be NULL. */
	void (*prepare)(struct collector *c);
	/* Collect into out. Returns 0 or -errno; -ENODEV when the host has nothing of its
	 * kind at the moment (no nl80211 for wifi): success 0, logged at info, not error. */
	int (*collect)(struct collector *c, struct metric_sink *out);
	/* Free state. Must accept a collector whose init failed half-way. May be NULL. */
	void (*fini)(struct collector *c);
	/* For the one-file collectors above (with COLLECTOR_FILE_OPS); NULL otherwise. */
	const struct collector_file *file;
	/* It serves data from outside plumb (files other programs write). Such a collector
	 * runs after every other collector and every self-metric source, into a sink made
	 * foreign (sink_foreign), so it can tell their families from its own; it must leave
	 * out every family that collector_name_reserved names or sink_find_clash finds. */
	bool foreign;
};

/* The init, collect and fini of a one-file collector (struct collector_file). */
int collector_file_init(struct collector *c);
int collector_file_collect(struct collector *c, struct metric_sink *out);
void collector_file_fini(struct collector *c);
#define COLLECTOR_FILE_OPS                                                                   \
	.init = collector_file_init, .collect = collector_file_collect, .fini = collector_file_fini

struct collector {
	const struct collector_ops *ops;
	const struct plumb_config *cfg;
	void *priv;          /* owned by the collector */
	int fd_claim;        /* its res_claim id, or -1 */
	uint64_t fd_budget;  /* descriptors it may hold open, granted before init() */
	bool companion_enabled; /* ops->companion is enabled */
	int last_err;        /* last collect() result, for log-on-change */
	double last_duration; /* seconds */
};

/* For a declare(): claim want descriptors for c (its grant is in c->fd_budget at
 * init). Returns 0 or -E2BIG. */
int collector_claim(struct collector *c, struct resources *res, uint64_t want);
/* Whether name[0..len) is kept for plumb's metrics about itself, which it may emit on
 * some scrapes and not others: plumb_*, node_scrape_collector_*, process_*, and
 * node_exporter's build information, node_exporter_build_info. */
bool collector_name_reserved(const char *name, size_t len);

/* Every collector compiled in, in name order, ended by NULL. */
extern const struct collector_ops *const plumb_collectors[];

#endif

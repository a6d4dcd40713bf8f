/*
 * selfmetrics: what every Prometheus exporter serves about itself.
 *
 * The process_* families of Prometheus's client libraries (CPU seconds, resident and
 * virtual memory, the address-space limit, open and allowed descriptors, start time),
 * about plumb's own process: its threads are counted in, a broker child is not. And
 * node_exporter_build_info (node-mixin's dashboards list instances from it) with
 * plumb_build_info, which say which build of plumb runs. --web.disable-exporter-metrics
 * leaves the process_* families out and keeps the build information, as node_exporter
 * does. One agent source (core/agent.h) reports all of them in every collection.
 */
#ifndef PLUMB_SELFMETRICS_H
#define PLUMB_SELFMETRICS_H

#include <stdint.h>

#include "core/config.h"
#include "core/resources.h"
#include "expo/sink.h"

/* --web.disable-exporter-metrics, listed in src/core/modules.c. */
extern const struct flag_def selfmetrics_flags[];

struct selfmetrics;

/* Declare what the source holds (one procfile). Returns 0. */
int selfmetrics_declare(const struct plumb_config *cfg, struct resources *res);

/* Make the source for the process whose /proc directory is self_dir ("/proc/self";
 * tests give a fixture), reading --web.disable-exporter-metrics from cfg. Nothing is
 * opened yet. The caller owns *out and frees it with selfmetrics_free. Returns 0,
 * -ENOMEM or -ENAMETOOLONG. */
int selfmetrics_new(const struct plumb_config *cfg, const char *self_dir,
		    struct selfmetrics **out);
void selfmetrics_free(struct selfmetrics *s); /* accepts NULL */

/* agent_source callback (ctx: a struct selfmetrics): the build information, and unless
 * disabled the process_* families. A process value that cannot be read is left out of
 * this collection (logged once when that starts and once when it ends), as the client
 * libraries leave it out; the rest is still reported. Allocates nothing once the stat
 * buffer has its size. Returns 0 or -errno from the sink. */
int selfmetrics_collect(void *ctx, struct metric_sink *out);

#endif

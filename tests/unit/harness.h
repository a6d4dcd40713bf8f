/*
 * harness.h: run collectors in-process against fixture trees, for unit tests.
 *
 * harness_run() builds a config from flags, starts the named collectors, collects
 * once and renders text 0.0.4 into a buffer. series_value() finds one series in that
 * text by its exact name{labels} form, as node_exporter prints it (labels sorted).
 */
#ifndef PLUMB_HARNESS_H
#define PLUMB_HARNESS_H

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/config.h"
#include "expo/render.h"
#include "expo/sink.h"
#include "lib/log.h"

/* The node_exporter fixture tree: $PLUMB_FIXTURES, else ../shared/fixtures/node_exporter
 * from the repository root (tests run from there). */
static inline const char *fixture_root(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("PLUMB_FIXTURES");
	if (env)
		return env;
	if (!path[0] && !realpath("../shared/fixtures/node_exporter", path))
		snprintf(path, sizeof(path), "../shared/fixtures/node_exporter");
	return path;
}

/* Parse flags (NULL-terminated, without argv[0]) into *cfg and start agent a with the
 * collectors they enable, for a test that collects again and again (harness_collect).
 * Returns agent_init's result or -EINVAL for bad flags; on 0 the caller ends with
 * agent_fini(a) and cfg_free(*cfg), and on an agent_init error with cfg_free alone. */
static inline int harness_start(const char *const *flags, struct agent *a,
				struct plumb_config **cfg)
{
	char *argv[128];
	int argc = 0;
	argv[argc++] = "plumb";
	for (size_t i = 0; flags[i] && argc < 127; i++)
		argv[argc++] = (char *)flags[i];
	argv[argc] = NULL;
	log_setup("error", "logfmt");
	if (cfg_parse(argc, argv, cfg) != 0)
		return -EINVAL;
	return agent_init(a, *cfg);
}

/* Run the collectors enabled by flags (NULL-terminated, without argv[0]; add
 * --collector.disable-defaults and --collector.X to pick) once; render into out.
 * Returns the agent_collect result, or -EINVAL for bad flags. */
static inline int harness_run(const char *const *flags, struct buf *out)
{
	struct plumb_config *cfg = NULL;
	struct agent a;
	struct metric_sink s;
	int r = harness_start(flags, &a, &cfg);
	if (r == -EINVAL && !cfg)
		return -EINVAL;
	sink_init(&s);
	if (r == 0)
		r = agent_collect(&a, &s);
	buf_reset(out);
	if (r == 0)
		r = render_sink(&s, EXPO_TEXT, out);
	agent_fini(&a);
	sink_fini(&s);
	cfg_free(cfg);
	return r;
}

/* One collection of agent a (made by the caller, e.g. to collect again and again),
 * rendered as text into out. Returns the agent_collect or render result. */
static inline int harness_collect(struct agent *a, struct buf *out)
{
	struct metric_sink s;
	sink_init(&s);
	int r = agent_collect(a, &s);
	buf_reset(out);
	if (r == 0)
		r = render_sink(&s, EXPO_TEXT, out);
	sink_fini(&s);
	return r;
}

/* Fill flags[cap] with the fixture host's --path.* flags (procfs, sysfs, rootfs and
 * udev data under fixture_root()) and --collector.disable-defaults, then extra
 * (NULL-terminated), then NULL; what does not fit is left out. The path strings are
 * static: valid until the next call. */
static inline void fixture_flags(const char *const *extra, const char **flags, size_t cap)
{
	static char paths[4][PATH_MAX + 32];
	const char *root = fixture_root();
	snprintf(paths[0], sizeof(paths[0]), "--path.procfs=%.4000s/proc", root);
	snprintf(paths[1], sizeof(paths[1]), "--path.sysfs=%.4000s/sys", root);
	snprintf(paths[2], sizeof(paths[2]), "--path.rootfs=%.4000s", root);
	snprintf(paths[3], sizeof(paths[3]), "--path.udev.data=%.4000s/udev/data", root);
	size_t n = 0;
	for (int i = 0; i < 4 && n + 1 < cap; i++)
		flags[n++] = paths[i];
	if (n + 1 < cap)
		flags[n++] = "--collector.disable-defaults";
	for (size_t i = 0; extra[i] && n + 1 < cap; i++)
		flags[n++] = extra[i];
	flags[n] = NULL;
}

/* harness_run with the fixture host's --path.* flags and --collector.disable-defaults
 * put before extra (NULL-terminated): name the collectors to run in extra. */
static inline int harness_run_fixture(const char *const *extra, struct buf *out)
{
	const char *flags[128];
	fixture_flags(extra, flags, 128);
	return harness_run(flags, out);
}

/* Value of the series written exactly as `series` (e.g. node_load1 or
 * node_cpu_seconds_total{cpu="0",mode="idle"}) in exposition text; NAN if absent. */
static inline double series_value(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p;) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NAN;
}

/* Value of node_scrape_collector_success for the collector named `collector` (e.g.
 * "arp") in exposition text: 1 or 0, NAN if the collector did not run. */
static inline double collector_success(const char *text, const char *collector)
{
	char series[160];
	snprintf(series, sizeof(series), "node_scrape_collector_success{collector=\"%.100s\"}",
		 collector);
	return series_value(text, series);
}

/* Whether any line starts with prefix. */
static inline int has_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = text; p && *p;) {
		if (strncmp(p, prefix, n) == 0)
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

#endif

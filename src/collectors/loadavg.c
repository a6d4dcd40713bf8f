/*
 * loadavg: the 1, 5 and 15 minute load averages from /proc/loadavg.
 *
 * The file is one line: "0.02 0.04 0.05 1/123 4567". The first three words are the
 * averages; the rest is ignored.
 */
#include <errno.h>
#include <stdlib.h>

#include "collectors/loadavg.h"
#include "core/collector.h"
#include "lib/procfile.h"

static const struct metric_desc descs[3] = {
	{ "node_load1", "Load average over the last minute.", METRIC_GAUGE },
	{ "node_load5", "Load average over the last 5 minutes.", METRIC_GAUGE },
	{ "node_load15", "Load average over the last 15 minutes.", METRIC_GAUGE },
};

int loadavg_parse(const char *buf, size_t len, struct metric_sink *out)
{
	struct span s = { buf, len }, w;
	double v[3];
	for (int i = 0; i < 3; i++) {
		if (!span_word(&s, &w) || span_double(w, &v[i]) < 0)
			return -EINVAL;
	}
	for (int i = 0; i < 3; i++) {
		int r = sink_gauge(out, &descs[i], v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int loadavg_init(struct collector *c)
{
	struct procfile *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	c->priv = pf;
	return procfile_init(pf, cfg_procfs(c->cfg), "loadavg", 4096);
}

static int loadavg_collect(struct collector *c, struct metric_sink *out)
{
	struct procfile *pf = c->priv;
	int r = procfile_read(pf);
	if (r < 0)
		return r;
	return loadavg_parse(pf->buf, pf->len, out);
}

static void loadavg_fini(struct collector *c)
{
	if (c->priv)
		procfile_fini(c->priv);
	free(c->priv);
	c->priv = NULL;
}

const struct collector_ops collector_ops_loadavg = {
	.name = "loadavg",
	.default_enabled = true,
	.reads = "/proc/loadavg",
	.init = loadavg_init,
	.collect = loadavg_collect,
	.fini = loadavg_fini,
};

/*
 * loadavg: the 1, 5 and 15 minute load averages from /proc/loadavg.
 *
 * The file is one line: "0.02 0.04 0.05 1/123 4567". The first three words are the
 * averages; the rest is ignored.
 */
#include <errno.h>

#include "collectors/loadavg.h"
#include "core/collector.h"

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

const struct collector_ops collector_ops_loadavg = {
	.name = "loadavg",
	.default_enabled = true,
	.reads = "/proc/loadavg",
	.file = &(const struct collector_file){ "loadavg", 4096, loadavg_parse, true },
	COLLECTOR_FILE_OPS,
};

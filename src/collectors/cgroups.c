/*
 * cgroups: a summary of the cgroup controllers from /proc/cgroups, as node_exporter's
 * cgroups collector reports it.
 *
 * The file has a "#subsys_name hierarchy num_cgroups enabled" header and one line per
 * controller. Each controller gives node_cgroups_cgroups (its number of cgroups) and
 * node_cgroups_enabled (1 or 0). As in node_exporter (prometheus/procfs), a line that is
 * not a comment needs at least four words, the last three integers, or the collection
 * fails. The file is checked whole before anything is added.
 */
#include <errno.h>

#include "collectors/cgroups.h"
#include "core/collector.h"

static const struct metric_desc desc_cgroups = {
	"node_cgroups_cgroups", "Control groups that use the controller, from /proc/cgroups.",
	METRIC_GAUGE
};
static const struct metric_desc desc_enabled = {
	"node_cgroups_enabled", "1 when the controller is enabled, 0 when it is disabled.",
	METRIC_GAUGE
};

/* Split one controller line into its name and the numbers of cgroups and enabled.
 * Returns 0 or -EINVAL. */
static int cgroups_line(struct span line, struct span *name, int64_t *num, int64_t *enabled)
{
	struct span hier, n, en;
	int64_t h;
	if (!span_word(&line, name) || !span_word(&line, &hier) || !span_word(&line, &n) ||
	    !span_word(&line, &en))
		return -EINVAL;
	if (span_i64(hier, &h) < 0 || span_i64(n, num) < 0 || span_i64(en, enabled) < 0)
		return -EINVAL;
	return 0;
}

/* Check every line (pass 0) or emit them (pass 1): nothing is added for a bad file. */
int cgroups_parse(const char *buf, size_t len, struct metric_sink *out)
{
	for (int pass = 0; pass < 2; pass++) {
		struct cursor cur = cursor_init(buf, len);
		struct span line, name;
		while (cursor_line(&cur, &line)) {
			int64_t num, enabled;
			if (span_starts(line, "#"))
				continue;
			int r = cgroups_line(line, &name, &num, &enabled);
			if (r == 0 && pass == 1) {
				r = sink_add(out, &desc_cgroups, (double)num,
					     LABELS(LS("subsys_name", name)));
				if (r == 0)
					r = sink_add(out, &desc_enabled, (double)enabled,
						     LABELS(LS("subsys_name", name)));
			}
			if (r < 0)
				return r;
		}
	}
	return 0;
}

const struct collector_ops collector_ops_cgroups = {
	.name = "cgroups",
	.default_enabled = false,
	.reads = "/proc/cgroups",
	.file = &(const struct collector_file){ "cgroups", 0, cgroups_parse, false },
	COLLECTOR_FILE_OPS,
};

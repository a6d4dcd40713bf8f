/*
 * vmstat: virtual memory event counters from /proc/vmstat.
 *
 * The file is one "name value" pair a line (pgfault 2320168809). The fields whose name
 * matches --collector.vmstat.fields (default: page-ins/outs, swap-ins/outs, faults and
 * OOM kills) become node_vmstat_<name>, untyped as node_exporter has them. The file is
 * held open and re-read with pread; the pattern is compiled once at start-up, and its
 * decision for each name is remembered while the kernel lists the same names (pickmemo).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/vmstat.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/pickmemo.h"
#include "lib/procfile.h"

struct vmstat_priv {
	struct procfile pf;
	struct regex *fields; /* owned */
	struct pickmemo memo; /* fields' decisions over the file's names, in order */
};

static const struct flag_def vmstat_flags[] = {
	{ "collector.vmstat.fields", FLAG_REGEX, VMSTAT_FIELDS_DEFAULT,
	  "Regular expression picking the /proc/vmstat fields to export.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* Whether fields picks key, through memo when there is one. */
static bool picked(struct span key, const struct regex *fields, struct pickmemo *memo)
{
	int known = memo ? pickmemo_next(memo, key.p, key.len, "", 0) : -ENOENT;
	if (known >= 0)
		return known == 1;
	bool pick = regex_match(fields, key.p, key.len);
	if (memo) /* best effort: a name not remembered is matched again */
		pickmemo_record(memo, key.p, key.len, "", 0, pick);
	return pick;
}

/* Parse one line into out, picking fields through memo (may be NULL). Returns 0 (also
 * for a line skipped on purpose) or -EINVAL. */
static int vmstat_line(struct span line, const struct regex *fields, struct pickmemo *memo,
		       struct metric_sink *out)
{
	struct span key, val;
	double v;
	if (!span_word(&line, &key))
		return 0;
	if (!span_word(&line, &val) || span_double(val, &v) < 0)
		return -EINVAL;
	if (!picked(key, fields, memo))
		return 0;
	char name[256];
	const struct span parts[] = { SPAN_LIT("node_vmstat_"), key };
	int n = span_join(name, sizeof(name), parts, 2);
	if (n < 0)
		return 0;
	if (sink_find_family(out, name, (size_t)n) >= 0)
		return 0; /* a repeated field: keep the first */
	const struct metric_desc d = { name, "A /proc/vmstat field, as the kernel counts it.",
				       METRIC_UNTYPED };
	int r = sink_gauge(out, &d, v);
	return (r == -EINVAL || r == -EEXIST) ? 0 : r;
}

/* vmstat_parse with an optional memo. */
static int parse(const char *buf, size_t len, const struct regex *fields,
		 struct pickmemo *memo, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line)) {
		int r = vmstat_line(line, fields, memo, out);
		if (r < 0)
			return r;
	}
	return 0;
}

int vmstat_parse(const char *buf, size_t len, const struct regex *fields,
		 struct metric_sink *out)
{
	return parse(buf, len, fields, NULL, out);
}

static int vmstat_init(struct collector *c)
{
	struct vmstat_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->pf.fd = -1;
	const char *pat = cfg_str(c->cfg, "collector.vmstat.fields");
	char err[128];
	int r = regex_compile(pat ? pat : VMSTAT_FIELDS_DEFAULT, &p->fields, err, sizeof(err));
	if (r < 0) {
		if (r == -EINVAL) /* out of memory is logged by the agent, as for any collector */
			plog(LOG_ERROR, "bad --collector.vmstat.fields", "err", err, PLOG_END);
		return r;
	}
	return procfile_init(&p->pf, cfg_procfs(c->cfg), "vmstat", 0);
}

static int vmstat_collect(struct collector *c, struct metric_sink *out)
{
	struct vmstat_priv *p = c->priv;
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r;
	pickmemo_rewind(&p->memo);
	return parse(p->pf.buf, p->pf.len, p->fields, &p->memo, out);
}

static void vmstat_fini(struct collector *c)
{
	struct vmstat_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->pf);
		regex_free(p->fields);
		pickmemo_fini(&p->memo);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_vmstat = {
	.name = "vmstat",
	.default_enabled = true,
	.reads = "/proc/vmstat",
	.flags = vmstat_flags,
	.init = vmstat_init,
	.collect = vmstat_collect,
	.fini = vmstat_fini,
};

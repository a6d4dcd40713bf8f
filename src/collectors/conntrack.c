/*
 * conntrack: the netfilter connection-tracking table's size and limit
 * (/proc/sys/net/netfilter/nf_conntrack_count and _max) and its event counters summed
 * over CPUs (/proc/net/stat/nf_conntrack).
 *
 * When the count file is missing, conntrack is not loaded: the collection fails with
 * -ENOENT (node_exporter reports "no data", also success 0).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "collectors/conntrack.h"
#include "core/collector.h"
#include "lib/procfile.h"

#define CT_STAT_MIN_COLS 16
#define CT_STAT_MAX_COLS 17

static const struct metric_desc desc_entries = {
	"node_nf_conntrack_entries", "Connections now held in the conntrack table.", METRIC_GAUGE,
};
static const struct metric_desc desc_limit = {
	"node_nf_conntrack_entries_limit", "Size limit of the conntrack table (nf_conntrack_max).",
	METRIC_GAUGE,
};

/* The summed counters, with the families they feed (gauges, as node_exporter has them). */
#define CT_FIELD(f, col, name, help)                                                       \
	{ offsetof(struct conntrack_stats, f), col, { name, help, METRIC_GAUGE } }
static const struct {
	size_t off;
	unsigned col;
	struct metric_desc desc;
} ct_fields[] = {
	CT_FIELD(found, 2, "node_nf_conntrack_stat_found", "Conntrack lookups that found an entry."),
	CT_FIELD(invalid, 4, "node_nf_conntrack_stat_invalid", "Packets conntrack could not track."),
	CT_FIELD(ignore, 5, "node_nf_conntrack_stat_ignore",
		 "Packets that already had a conntrack entry attached."),
	CT_FIELD(insert, 8, "node_nf_conntrack_stat_insert", "Entries added to the table."),
	CT_FIELD(insert_failed, 9, "node_nf_conntrack_stat_insert_failed",
		 "Entries that could not be added (an equal entry was already there)."),
	CT_FIELD(drop, 10, "node_nf_conntrack_stat_drop",
		 "Packets dropped because conntrack failed on them."),
	CT_FIELD(early_drop, 11, "node_nf_conntrack_stat_early_drop",
		 "Entries evicted early to make room in a full table."),
	CT_FIELD(search_restart, 16, "node_nf_conntrack_stat_search_restart",
		 "Table lookups restarted because the hash table was resized."),
};
#define NFIELDS (sizeof(ct_fields) / sizeof(ct_fields[0]))

struct conntrack_priv {
	struct procfile count, max, stat;
};

/* Parse one CPU line into its columns. Returns the column count or -EINVAL. */
static int parse_cpu_line(struct span line, uint64_t *v)
{
	struct span w;
	int n = 0;
	while (span_word(&line, &w)) {
		if (n >= CT_STAT_MAX_COLS || span_u64_base(w, 16, &v[n]) < 0)
			return -EINVAL;
		n++;
	}
	if (n < CT_STAT_MIN_COLS)
		return -EINVAL;
	if (n == CT_STAT_MIN_COLS)
		v[16] = 0;
	return n;
}

int conntrack_parse_stat(const char *buf, size_t len, struct conntrack_stats *st)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	uint64_t v[CT_STAT_MAX_COLS];
	*st = (struct conntrack_stats){ 0 };
	if (!cursor_line(&c, &line))
		return -EINVAL; /* not even a header */
	while (cursor_line(&c, &line)) {
		int n = parse_cpu_line(line, v);
		if (n < 0)
			return n;
		for (size_t i = 0; i < NFIELDS; i++) {
			uint64_t *sum = (uint64_t *)((char *)st + ct_fields[i].off);
			*sum += v[ct_fields[i].col];
		}
	}
	return 0;
}

/* Read a file holding one decimal number. Returns 0 or -errno. */
static int read_number(struct procfile *pf, double *out)
{
	uint64_t v;
	int r = procfile_read(pf);
	if (r < 0)
		return r;
	if (span_u64(procfile_span(pf), &v) < 0)
		return -EINVAL;
	*out = (double)v;
	return 0;
}

static int conntrack_init(struct collector *c)
{
	struct conntrack_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->count.fd = p->max.fd = p->stat.fd = -1;
	c->priv = p;
	const char *proc = cfg_procfs(c->cfg);
	int r = procfile_init(&p->count, proc, "sys/net/netfilter/nf_conntrack_count", 4096);
	if (r == 0)
		r = procfile_init(&p->max, proc, "sys/net/netfilter/nf_conntrack_max", 4096);
	if (r == 0)
		r = procfile_init(&p->stat, proc, "net/stat/nf_conntrack", 0);
	procfile_set_whole(&p->count); /* /proc/sys; net/stat is made a CPU at a time */
	procfile_set_whole(&p->max);
	return r;
}

static int conntrack_collect(struct collector *c, struct metric_sink *out)
{
	struct conntrack_priv *p = c->priv;
	struct conntrack_stats st;
	double count, max;
	int r = read_number(&p->count, &count);
	if (r < 0)
		return r;
	if ((r = read_number(&p->max, &max)) < 0)
		return r;
	if ((r = procfile_read(&p->stat)) < 0)
		return r;
	if ((r = conntrack_parse_stat(p->stat.buf, p->stat.len, &st)) < 0)
		return r;
	if ((r = sink_gauge(out, &desc_entries, count)) < 0 ||
	    (r = sink_gauge(out, &desc_limit, max)) < 0)
		return r;
	for (size_t i = 0; i < NFIELDS; i++) {
		const uint64_t *sum = (const uint64_t *)((const char *)&st + ct_fields[i].off);
		if ((r = sink_gauge(out, &ct_fields[i].desc, (double)*sum)) < 0)
			return r;
	}
	return 0;
}

static void conntrack_fini(struct collector *c)
{
	struct conntrack_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->count);
		procfile_fini(&p->max);
		procfile_fini(&p->stat);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_conntrack = {
	.name = "conntrack",
	.default_enabled = true,
	.reads = "/proc/sys/net/netfilter/nf_conntrack_{count,max}, /proc/net/stat/nf_conntrack",
	.init = conntrack_init,
	.collect = conntrack_collect,
	.fini = conntrack_fini,
};

/*
 * slabinfo: the kernel's slab caches from /proc/slabinfo, as node_exporter's slabinfo
 * collector reports them, with its --collector.slabinfo.slabs-include/-exclude filters.
 *
 * Version 2.1 of the file (every kernel since 2.6.10) has a version line, a "# name"
 * header, and one line per cache:
 *   name active_objs num_objs objsize objperslab pagesperslab : tunables limit batch
 *   shared : slabdata active_slabs num_slabs sharedavail
 * Lines containing "slabinfo -" or "# name" are skipped. As in node_exporter
 * (prometheus/procfs), every other line, an empty one included, must split on runs of
 * whitespace into exactly 16 fields with integers in the 11 numeric places, or the
 * collection fails. Only root may read the file: without root the collection fails
 * (EACCES), as node_exporter's does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/slabinfo.h"
#include "core/collector.h"
#include "lib/procfile.h"

#define SLAB_FIELDS 16

static const struct metric_desc desc_active = {
	"node_slabinfo_active_objects", "Objects of the slab cache in use.", METRIC_GAUGE
};
static const struct metric_desc desc_objects = {
	"node_slabinfo_objects", "Objects the slab cache has allocated, in use or free.",
	METRIC_GAUGE
};
static const struct metric_desc desc_objsize = {
	"node_slabinfo_object_size_bytes", "Size of one object of the slab cache, in bytes.",
	METRIC_GAUGE
};
static const struct metric_desc desc_objperslab = {
	"node_slabinfo_objects_per_slab", "Objects that fit in one slab of the cache.",
	METRIC_GAUGE
};
static const struct metric_desc desc_pagesperslab = {
	"node_slabinfo_pages_per_slab", "Pages each slab of the cache takes.", METRIC_GAUGE
};

/* Field positions that must be integers: the five reported, then limit, batchcount,
 * sharedfactor, active_slabs, num_slabs, sharedavail. */
static const int numeric[] = { 1, 2, 3, 4, 5, 8, 9, 10, 13, 14, 15 };

static const struct flag_def slab_flags[] = {
	{ "collector.slabinfo.slabs-include", FLAG_REGEX, ".*",
	  "Regexp of slab caches to report (the rest are left out).", false },
	{ "collector.slabinfo.slabs-exclude", FLAG_REGEX, NULL,
	  "Regexp of slab caches to leave out.", false },
	{ NULL, 0, NULL, NULL, false },
};

struct slab_priv {
	struct procfile pf;
	struct filter filter;
};

/* The whitespace of Go's regexp \s (not \v). */
static bool slab_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Split line into f[SLAB_FIELDS] as node_exporter does: every run of whitespace is one
 * separator, so leading or trailing whitespace makes an empty first or last field.
 * Returns 0, or -EINVAL when there are not exactly SLAB_FIELDS fields. */
static int slab_split(struct span line, struct span f[SLAB_FIELDS])
{
	size_t n = 0, i = 0, start = 0;
	for (;;) {
		if (i < line.len && !slab_space(line.p[i])) {
			i++;
			continue;
		}
		if (n == SLAB_FIELDS)
			return -EINVAL;
		f[n++] = (struct span){ line.p + start, i - start };
		if (i == line.len)
			break;
		while (i < line.len && slab_space(line.p[i]))
			i++;
		start = i;
	}
	return n == SLAB_FIELDS ? 0 : -EINVAL;
}

/* Whether s contains needle. */
static bool span_contains(struct span s, const char *needle)
{
	return memmem(s.p, s.len, needle, strlen(needle)) != NULL;
}

/* Check one cache line (out NULL) or emit it through filter f. Returns 0 or -errno. */
static int slab_line(struct span line, const struct filter *f, struct metric_sink *out)
{
	struct span fld[SLAB_FIELDS];
	int64_t v[SLAB_FIELDS] = { 0 };
	if (slab_split(line, fld) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		if (span_i64(fld[numeric[i]], &v[numeric[i]]) < 0)
			return -EINVAL;
	if (!out || (f && !filter_pass(f, fld[0].p, fld[0].len)))
		return 0;
	/* the five series share one label set: stored and escaped once */
	const struct label l[] = { LS("slab", fld[0]) };
	uint32_t ls;
	int r = sink_labelset(out, l, 1, &ls);
	if (r == 0)
		r = sink_add_ls(out, &desc_active, (double)v[1], ls, NULL, 0);
	if (r == 0)
		r = sink_add_ls(out, &desc_objects, (double)v[2], ls, NULL, 0);
	if (r == 0)
		r = sink_add_ls(out, &desc_objsize, (double)v[3], ls, NULL, 0);
	if (r == 0)
		r = sink_add_ls(out, &desc_objperslab, (double)v[4], ls, NULL, 0);
	if (r == 0)
		r = sink_add_ls(out, &desc_pagesperslab, (double)v[5], ls, NULL, 0);
	return r;
}

/* Check every line (pass 0), then emit (pass 1): nothing is added for a bad file. */
int slabinfo_parse(const char *buf, size_t len, const struct filter *f, struct metric_sink *out)
{
	for (int pass = 0; pass < 2; pass++) {
		struct cursor cur = cursor_init(buf, len);
		struct span line;
		while (cursor_line(&cur, &line)) {
			if (span_ends(line, "\r")) /* Go's line scanner drops it */
				line.len--;
			if (span_contains(line, "slabinfo -") || span_contains(line, "# name"))
				continue;
			int r = slab_line(line, f, pass ? out : NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* /proc/slabinfo is 0400 root: declare it for the privilege broker. */
static int slab_declare(struct collector *c, struct resources *res)
{
	return res_path(res, cfg_procfs(c->cfg), "slabinfo", RES_READ | RES_BROKER_OPEN);
}

static int slab_init(struct collector *c)
{
	struct slab_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pf.fd = -1;
	c->priv = p;
	int r = filter_init(&p->filter, cfg_str(c->cfg, "collector.slabinfo.slabs-include"),
			    cfg_str(c->cfg, "collector.slabinfo.slabs-exclude"));
	if (r < 0)
		return r;
	return procfile_init(&p->pf, cfg_procfs(c->cfg), "slabinfo", 0);
}

static int slab_collect(struct collector *c, struct metric_sink *out)
{
	struct slab_priv *p = c->priv;
	int r = procfile_read(&p->pf);
	if (r < 0)
		return r;
	return slabinfo_parse(p->pf.buf, p->pf.len, &p->filter, out);
}

static void slab_fini(struct collector *c)
{
	struct slab_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->pf);
		filter_fini(&p->filter);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_slabinfo = {
	.name = "slabinfo",
	.default_enabled = false,
	.reads = "/proc/slabinfo (root only)",
	.declare = slab_declare,
	.flags = slab_flags,
	.init = slab_init,
	.collect = slab_collect,
	.fini = slab_fini,
};

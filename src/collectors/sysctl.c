/*
 * sysctl: chosen kernel parameters from /proc/sys, as node_exporter's sysctl collector
 * reports them; nothing unless --collector.sysctl.include or include-info names some.
 *
 * "--collector.sysctl.include=vm.dirty_ratio" reports the integer(s) in
 * /proc/sys/vm/dirty_ratio: one value as node_sysctl_vm_dirty_ratio, several with an
 * index label, or, given names ("fs.file-nr:total,current,max"), one family per value
 * (node_sysctl_fs_file_nr_total...). "--collector.sysctl.include-info=..." reports the
 * words of a text sysctl as node_sysctl_info{name,value,index} 1. As in node_exporter
 * (prometheus/procfs), a sysctl is the whitespace-separated words of the first 128 bytes
 * of its file; integers are read as Go's ParseInt(s, 0, 64) reads them (0x.. is hex);
 * and a sysctl that is missing, empty, not numeric where it should be, or whose words
 * do not match its names fails the collection. Names given to a text sysctl fail it too.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectors/sysctl.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/sysfs.h"

/* Words in 128 bytes: at most 64. */
#define SYSCTL_MAX_WORDS 64

static const struct flag_def sysctl_flags[] = {
	{ "collector.sysctl.include", FLAG_STRING, NULL,
	  "Numeric sysctl to report, as name or name:key1,key2 to name its values.",
	  true },
	{ "collector.sysctl.include-info", FLAG_STRING, NULL,
	  "Text sysctl to report as node_sysctl_info, one series per word.", true },
	{ NULL, 0, NULL, NULL, false },
};

static const struct metric_desc desc_info = {
	"node_sysctl_info", "Always 1; the labels carry a text sysctl's name and each word of it.",
	METRIC_GAUGE
};

struct sysctl_entry {
	struct sysctl_def def;
	char path[PATH_MAX];
	bool warned; /* its file was missing, and that was logged */
};

struct sysctl_priv {
	struct sysctl_entry *v; /* owned: cap entries, n used */
	size_t n, cap;
};

/* A byte node_exporter keeps in a metric name. */
static bool name_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || ascii_digit(c) || c == '_';
}

/* Write s made fit for a metric name into out[cap], as node_exporter does: every run of
 * other bytes, with the underscores around it, becomes one '_'. Returns 0 or
 * -ENAMETOOLONG. */
static int sanitize(struct span s, char *out, size_t cap)
{
	size_t n = 0, i = 0;
	while (i < s.len) {
		size_t j = i;
		while (j < s.len && s.p[j] == '_')
			j++;
		if (j < s.len && !name_byte(s.p[j])) { /* a match: _* [^name]+ _* */
			while (j < s.len && !name_byte(s.p[j]))
				j++;
			while (j < s.len && s.p[j] == '_')
				j++;
			if (n + 1 >= cap)
				return -ENAMETOOLONG;
			out[n++] = '_';
			i = j;
			continue;
		}
		if (n + 1 >= cap)
			return -ENAMETOOLONG;
		out[n++] = s.p[i++];
	}
	out[n] = '\0';
	return 0;
}

int sysctl_def_init(struct sysctl_def *d, const char *flag, bool numeric)
{
	struct span all = span_cstr(flag), name = all, keys = { NULL, 0 };
	const char *colon = memchr(all.p, ':', all.len);
	memset(d, 0, sizeof(*d));
	d->numeric = numeric;
	if (colon) {
		name.len = (size_t)(colon - all.p);
		keys = (struct span){ colon + 1, all.len - name.len - 1 };
	}
	if (name.len == 0)
		return -EINVAL;
	if (span_copy(name, d->name, sizeof(d->name)) < 0 ||
	    span_copy(keys.p ? keys : SPAN_LIT(""), d->keys, sizeof(d->keys)) < 0 ||
	    sanitize(name, d->metric, sizeof(d->metric)) < 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < keys.len; i++)
		if (keys.p[i] != ',' && keys.p[i] != ':' && !name_byte(keys.p[i]))
			return -EINVAL;
	if (colon) {
		struct span k;
		while (span_field(&keys, ',', &k))
			d->nkeys++;
	}
	return 0;
}

int sysctl_def_path(const struct sysctl_def *d, char *out, size_t cap)
{
	size_t n = strlen(d->name);
	if (n >= cap)
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		out[i] = d->name[i] == '.' ? '/' : d->name[i];
	return 0;
}

/* Emit numeric value v of d: alone (idx < 0), by index, or by key. Returns 0 or a sink
 * error. */
static int emit_number(const struct sysctl_def *d, long idx, struct span key, double v,
		       struct metric_sink *out)
{
	char name[3 * SYSCTL_NAME_MAX], help[2 * SYSCTL_NAME_MAX + 64], index[24];
	struct metric_desc desc = { name, help, METRIC_UNTYPED };
	if (key.p) {
		snprintf(name, sizeof(name), "node_sysctl_%s_%.*s", d->metric, (int)key.len, key.p);
		snprintf(help, sizeof(help), "Value %ld of sysctl %s.", idx, d->name);
		return sink_add(out, &desc, v, NULL, 0);
	}
	snprintf(name, sizeof(name), "node_sysctl_%s", d->metric);
	snprintf(help, sizeof(help), "Value of sysctl %s.", d->name);
	if (idx < 0)
		return sink_add(out, &desc, v, NULL, 0);
	snprintf(index, sizeof(index), "%ld", idx);
	return sink_add(out, &desc, v, LABELS(L("index", index)));
}

int sysctl_parse(const struct sysctl_def *d, const char *buf, size_t len, struct metric_sink *out)
{
	struct span s = { buf, len }, w[SYSCTL_MAX_WORDS + 1], key = { NULL, 0 };
	int64_t v[SYSCTL_MAX_WORDS + 1] = { 0 };
	size_t n = 0;
	char index[24];
	int r = 0;
	while (n <= SYSCTL_MAX_WORDS && span_word(&s, &w[n])) {
		if (d->numeric && span_i64_auto(w[n], &v[n]) < 0)
			return -EINVAL;
		n++;
	}
	if (n == 0 || n > SYSCTL_MAX_WORDS || (n == 1 && d->nkeys) ||
	    (n > 1 && d->nkeys && (n != d->nkeys || !d->numeric)))
		return -EINVAL;
	struct span keys = span_cstr(d->keys);
	for (size_t i = 0; r == 0 && i < n; i++) {
		long idx = n == 1 ? -1 : (long)i;
		if (d->nkeys)
			span_field(&keys, ',', &key);
		if (d->numeric) {
			r = emit_number(d, idx, key, (double)v[i], out);
			continue;
		}
		snprintf(index, sizeof(index), "%zu", i);
		r = sink_add(out, &desc_info, 1,
			     LABELS(L("name", d->name), LS("value", w[i]), L("index", index)));
	}
	return r;
}

/* Read and emit entry e. Returns 0 or -errno. */
static int sysctl_one(struct sysctl_entry *e, struct metric_sink *out)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span val;
	int r = sysfs_attr(AT_FDCWD, e->path, buf, sizeof(buf), &val);
	if (r == -ENOENT && !e->warned) {
		/* a name the operator gave that this kernel lacks: say so once */
		plog(LOG_WARN, "sysctl not found", "sysctl", e->def.name, "path", e->path,
		     PLOG_END);
		e->warned = true;
	}
	if (r == 0) {
		e->warned = false;
		r = sysctl_parse(&e->def, val.p, val.len, out);
	}
	return r;
}

/* Add the entries of flag `flag` (numeric or not) to p. Returns 0 or -errno. */
static int sysctl_add(struct sysctl_priv *p, const struct plumb_config *cfg, const char *flag,
		      bool numeric)
{
	const char *const *vals;
	size_t n = cfg_all(cfg, flag, &vals);
	char rel[SYSCTL_NAME_MAX + 8];
	for (size_t i = 0; i < n; i++) {
		if (p->n == p->cap)
			return -E2BIG; /* not reached: init counted the values */
		struct sysctl_entry *e = &p->v[p->n];
		int r = sysctl_def_init(&e->def, vals[i], numeric);
		if (r == 0) {
			memcpy(rel, "sys/", 4);
			r = sysctl_def_path(&e->def, rel + 4, sizeof(rel) - 4);
		}
		if (r == 0)
			r = path_join(e->path, sizeof(e->path), cfg_procfs(cfg), rel);
		if (r < 0) {
			plog(LOG_ERROR, "bad sysctl flag value", "flag", flag, "value", vals[i],
			     "err", strerror(-r), PLOG_END);
			return r;
		}
		p->n++;
	}
	return 0;
}

static int sysctl_init(struct collector *c)
{
	const char *const *vals;
	size_t total = cfg_all(c->cfg, "collector.sysctl.include", &vals) +
		       cfg_all(c->cfg, "collector.sysctl.include-info", &vals);
	struct sysctl_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	if (total && !(p->v = calloc(total, sizeof(*p->v))))
		return -ENOMEM;
	p->cap = total;
	int r = sysctl_add(p, c->cfg, "collector.sysctl.include", true);
	if (r == 0)
		r = sysctl_add(p, c->cfg, "collector.sysctl.include-info", false);
	return r;
}

static int sysctl_collect(struct collector *c, struct metric_sink *out)
{
	struct sysctl_priv *p = c->priv;
	int r = 0;
	for (size_t i = 0; r == 0 && i < p->n; i++)
		r = sysctl_one(&p->v[i], out);
	return r;
}

static void sysctl_fini(struct collector *c)
{
	struct sysctl_priv *p = c->priv;
	if (p)
		free(p->v);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_sysctl = {
	.name = "sysctl",
	.default_enabled = false,
	.reads = "/proc/sys/* named by --collector.sysctl.include(-info)",
	.flags = sysctl_flags,
	.init = sysctl_init,
	.collect = sysctl_collect,
	.fini = sysctl_fini,
};

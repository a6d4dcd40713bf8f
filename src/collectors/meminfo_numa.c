/*
 * meminfo_numa: memory use and NUMA allocation counters of each NUMA node, from
 * /sys/devices/system/node/node<N>/meminfo and numastat, as node_exporter's meminfo_numa
 * collector reports them.
 *
 * meminfo lines read "Node 0 Active(anon):  707915776 kB" and become
 * node_memory_numa_Active_anon{node="0"} in bytes (the node label is the line's second
 * word); numastat lines read "numa_hit 193460335812" and become
 * node_memory_numa_numa_hit_total{node="0"} (the label is the directory's number). Every
 * directory whose name is "node" and a digit is read; one that cannot be read or parsed
 * fails the collection, as in node_exporter. A host without the node directory (a
 * kernel without NUMA) reports nothing and success, as node_exporter does. Off by
 * default, like node_exporter's.
 *
 * Steady state: the node directory is listed with a dirscan and both files are read
 * into a buffer held in priv, so a warm scrape allocates nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/meminfo.h"
#include "collectors/meminfo_numa.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/gofloat.h"
#include "lib/procfile.h"

#define NUMA_PREFIX "node_memory_numa_"

/* Room for one sysfs file: an attribute is at most a page, 64 KiB on the largest. */
#define NUMA_FILE_MAX (64u << 10)

struct numa_priv {
	struct dirscan ds;
	char *buf; /* owned, NUMA_FILE_MAX bytes */
};

/* Add one family's sample, its HELP text "NUMA node <what> <field> (<from>)." A field that
 * makes no valid metric name, or clashes with a family of another type, is left out.
 * Returns 0 or -errno from the sink. */
static int numa_add(struct metric_sink *out, const char *name, enum metric_type type,
		    const char *what, struct span field, const char *from, double v,
		    struct span node)
{
	char help[384];
	snprintf(help, sizeof(help), "NUMA node %s %.*s (%s).", what,
		 (int)(field.len > 256 ? 256 : field.len), field.p, from);
	const struct metric_desc d = { name, help, type };
	int r = sink_add(out, &d, v, LABELS(LS("node", node)));
	return (r == -EINVAL || r == -EEXIST) ? 0 : r;
}

/* Walk a meminfo file: with out NULL only check it, otherwise add its samples. Returns
 * 0, -EINVAL or -errno from the sink. */
static int meminfo_walk(const char *buf, size_t len, struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line)) {
		struct span w[6];
		size_t n = 0;
		double v;
		while (n < 6 && span_word(&line, &w[n]))
			n++;
		if (n == 0)
			continue;
		if (n < 4 || n > 5 || go_parse_float(w[3], &v) < 0 ||
		    (n == 5 && !span_eq(w[4], "kB")))
			return -EINVAL;
		if (!out)
			continue;
		struct span key = w[2];
		while (key.len && key.p[key.len - 1] == ':')
			key.len--;
		char name[256];
		if (meminfo_field_name(NUMA_PREFIX, key, "", name, sizeof(name)) < 0)
			continue;
		int r = numa_add(out, name, METRIC_GAUGE, "memory field", key,
				 "sysfs meminfo; kB values in bytes", n == 5 ? v * 1024 : v, w[1]);
		if (r < 0)
			return r;
	}
	return 0;
}

int meminfo_numa_parse_meminfo(const char *buf, size_t len, struct metric_sink *out)
{
	int r = meminfo_walk(buf, len, NULL);
	return r < 0 ? r : meminfo_walk(buf, len, out);
}

/* Walk a numastat file as meminfo_walk does. */
static int numastat_walk(const char *buf, size_t len, struct span node,
			 struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line)) {
		struct span w[3];
		size_t n = 0;
		double v;
		while (n < 3 && span_word(&line, &w[n]))
			n++;
		if (n == 0)
			continue;
		if (n != 2 || go_parse_float(w[1], &v) < 0)
			return -EINVAL;
		char name[256];
		int k = snprintf(name, sizeof(name), NUMA_PREFIX "%.*s_total", (int)w[0].len,
				 w[0].p);
		if (!out || k < 0 || (size_t)k >= sizeof(name))
			continue;
		int r = numa_add(out, name, METRIC_COUNTER, "allocation counter", w[0],
				 "sysfs numastat", v, node);
		if (r < 0)
			return r;
	}
	return 0;
}

int meminfo_numa_parse_numastat(const char *buf, size_t len, struct span node,
				struct metric_sink *out)
{
	int r = numastat_walk(buf, len, node, NULL);
	return r < 0 ? r : numastat_walk(buf, len, node, out);
}

static int numa_init(struct collector *c)
{
	struct numa_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ds.fd = -1;
	c->priv = p;
	p->buf = malloc(NUMA_FILE_MAX);
	if (!p->buf)
		return -ENOMEM;
	return dirscan_init(&p->ds, cfg_sysfs(c->cfg), "devices/system/node");
}

/* Read dir/name into p->buf. Returns the length, or -errno. */
static long numa_read(struct numa_priv *p, const char *dir, const char *name)
{
	char rel[NAME_MAX + 16];
	size_t n;
	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	int r = read_file_dirfd(dirscan_fd(&p->ds), rel, p->buf, NUMA_FILE_MAX, &n);
	return r < 0 ? r : (long)n;
}

static int numa_collect(struct collector *c, struct metric_sink *out)
{
	struct numa_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->ds);
	/* node_exporter globs the directory: one it cannot list has no nodes */
	if (r == -ENOENT || r == -ENOTDIR || r == -EACCES)
		return 0;
	while (r >= 0 && (r = dirscan_next(&p->ds, &name, &type)) > 0) {
		if (strncmp(name, "node", 4) != 0 || !ascii_digit(name[4]))
			continue;
		struct span num = { name + 4, 0 };
		while (ascii_digit(num.p[num.len]))
			num.len++;
		long n = numa_read(p, name, "meminfo");
		if (n >= 0)
			n = meminfo_numa_parse_meminfo(p->buf, (size_t)n, out);
		if (n >= 0)
			n = numa_read(p, name, "numastat");
		if (n >= 0)
			n = meminfo_numa_parse_numastat(p->buf, (size_t)n, num, out);
		r = n < 0 ? (int)n : 0;
	}
	return r;
}

static void numa_fini(struct collector *c)
{
	struct numa_priv *p = c->priv;
	if (p) {
		dirscan_fini(&p->ds);
		free(p->buf);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_meminfo_numa = {
	.name = "meminfo_numa",
	.default_enabled = false,
	.reads = "/sys/devices/system/node/node*/{meminfo,numastat}",
	.init = numa_init,
	.collect = numa_collect,
	.fini = numa_fini,
};

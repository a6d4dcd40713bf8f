/*
 * ksmd: the state and counters of kernel samepage merging (KSM), from the files of
 * /sys/kernel/mm/ksm, as node_exporter's ksmd collector reports them.
 *
 * Each file holds one unsigned decimal. A file the kernel lacks (general_profit is
 * recent) is skipped; one that cannot be read or holds anything else fails the
 * collection, as in node_exporter (a negative general_profit too). A kernel without KSM
 * has no directory: the collector then reports nothing and success, as node_exporter
 * does, at the cost of one failed open per scrape. sleep_millisecs is reported in
 * seconds. Off by default, like node_exporter's.
 *
 * Steady state: the directory is held open once found and each file is read into a
 * stack buffer, so a scrape allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "collectors/ksmd.h"
#include "core/collector.h"
#include "lib/procfile.h"

static const struct {
	const char *file;
	struct metric_desc desc;
} files[KSMD_FILES] = {
	{ "full_scans",
	  { "node_ksmd_full_scans_total", "Full scans of all mergeable memory KSM has made.",
	    METRIC_COUNTER } },
	{ "general_profit",
	  { "node_ksmd_general_profit_bytes",
	    "Memory KSM saves, less what its own bookkeeping costs, in bytes.", METRIC_GAUGE } },
	{ "merge_across_nodes",
	  { "node_ksmd_merge_across_nodes",
	    "1 when KSM may merge pages of different NUMA nodes, 0 when not.", METRIC_GAUGE } },
	{ "pages_shared",
	  { "node_ksmd_pages_shared", "Merged pages KSM keeps, one per set of identical pages.",
	    METRIC_GAUGE } },
	{ "pages_sharing",
	  { "node_ksmd_pages_sharing",
	    "Further mappings of the merged pages: about the pages KSM saves.", METRIC_GAUGE } },
	{ "pages_to_scan",
	  { "node_ksmd_pages_to_scan", "Pages ksmd scans each time before it sleeps.",
	    METRIC_GAUGE } },
	{ "pages_unshared",
	  { "node_ksmd_pages_unshared",
	    "Unique pages ksmd keeps checking for a twin to merge with.", METRIC_GAUGE } },
	{ "pages_volatile",
	  { "node_ksmd_pages_volatile", "Pages that change too often to be merged.",
	    METRIC_GAUGE } },
	{ "run",
	  { "node_ksmd_run", "KSM's mode: 0 stopped, 1 running, 2 unmerging everything.",
	    METRIC_GAUGE } },
	{ "sleep_millisecs",
	  { "node_ksmd_sleep_seconds", "How long ksmd sleeps between scans, in seconds.",
	    METRIC_GAUGE } },
};

/* A file is one number; more than this is not one. */
#define KSMD_TEXT_MAX 4096

struct ksmd_priv {
	int dirfd; /* the ksm directory once found, or -1 */
	char path[PATH_MAX];
};

const char *ksmd_file(size_t i)
{
	return i < KSMD_FILES ? files[i].file : NULL;
}

int ksmd_parse(size_t i, const char *buf, size_t len, struct metric_sink *out)
{
	uint64_t v;
	if (i >= KSMD_FILES || span_u64((struct span){ buf, len }, &v) < 0)
		return -EINVAL;
	double x = (double)v;
	if (i == KSMD_FILES - 1)
		x /= 1000; /* sleep_millisecs */
	return sink_gauge(out, &files[i].desc, x);
}

static int ksmd_init(struct collector *c)
{
	struct ksmd_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dirfd = -1;
	c->priv = p;
	return path_join(p->path, sizeof(p->path), cfg_sysfs(c->cfg), "kernel/mm/ksm");
}

static int ksmd_collect(struct collector *c, struct metric_sink *out)
{
	struct ksmd_priv *p = c->priv;
	if (p->dirfd < 0) {
		p->dirfd = open(p->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (p->dirfd < 0)
			return errno == ENOENT ? 0 : -errno; /* no KSM here: nothing, success */
	}
	for (size_t i = 0; i < KSMD_FILES; i++) {
		char buf[KSMD_TEXT_MAX];
		size_t n;
		int r = read_file_dirfd(p->dirfd, files[i].file, buf, sizeof(buf), &n);
		if (r == -ENOENT)
			continue;
		if (r == 0)
			r = ksmd_parse(i, buf, n, out);
		if (r < 0)
			return r;
	}
	return 0;
}

static void ksmd_fini(struct collector *c)
{
	struct ksmd_priv *p = c->priv;
	if (p && p->dirfd >= 0)
		close(p->dirfd);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_ksmd = {
	.name = "ksmd",
	.default_enabled = false,
	.reads = "/sys/kernel/mm/ksm/*",
	.init = ksmd_init,
	.collect = ksmd_collect,
	.fini = ksmd_fini,
};

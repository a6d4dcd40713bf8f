/*
 * xfs: per-filesystem XFS statistics from /sys/fs/xfs/<dev>/stats/stats, as
 * node_exporter's xfs collector reports them.
 *
 * Each line of a stats file is a group name and its counters ("extent_alloc 1 872 0 0").
 * node_exporter (prometheus/procfs) reports eight of the groups and checks every line:
 * values must be 32-bit unsigned numbers (64-bit on xpc, defer_relog and "gc xpc"),
 * and a group it knows must have its number of values, or the collection fails. A host
 * without XFS (no /sys/fs/xfs, or no filesystem in it) reports success and no series,
 * as node_exporter does.
 *
 * Steady state: /sys/fs/xfs is listed with a dirscan and each stats file read once
 * into a buffer in the collector's state, so a collection allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/xfs.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/procfile.h"

/* The reported counters, in the order of the values array xfs_parse fills. */
enum { XFS_NVALUES = 39 };
static const struct metric_desc descs[XFS_NVALUES] = {
	/* extent_alloc */
	{ "node_xfs_extent_allocation_extents_allocated_total", "Extents XFS allocated.",
	  METRIC_COUNTER },
	{ "node_xfs_extent_allocation_blocks_allocated_total", "Blocks XFS allocated.",
	  METRIC_COUNTER },
	{ "node_xfs_extent_allocation_extents_freed_total", "Extents XFS freed.", METRIC_COUNTER },
	{ "node_xfs_extent_allocation_blocks_freed_total", "Blocks XFS freed.", METRIC_COUNTER },
	/* abt */
	{ "node_xfs_allocation_btree_lookups_total", "Lookups in the free-space B-trees.",
	  METRIC_COUNTER },
	{ "node_xfs_allocation_btree_compares_total", "Key compares in the free-space B-trees.",
	  METRIC_COUNTER },
	{ "node_xfs_allocation_btree_records_inserted_total",
	  "Records added to the free-space B-trees.", METRIC_COUNTER },
	{ "node_xfs_allocation_btree_records_deleted_total",
	  "Records removed from the free-space B-trees.", METRIC_COUNTER },
	/* blk_map */
	{ "node_xfs_block_mapping_reads_total", "Block mappings looked up to read.",
	  METRIC_COUNTER },
	{ "node_xfs_block_mapping_writes_total", "Block mappings looked up or made to write.",
	  METRIC_COUNTER },
	{ "node_xfs_block_mapping_unmaps_total", "Block ranges unmapped (freed from files).",
	  METRIC_COUNTER },
	{ "node_xfs_block_mapping_extent_list_insertions_total",
	  "Extents added to in-memory extent lists.", METRIC_COUNTER },
	{ "node_xfs_block_mapping_extent_list_deletions_total",
	  "Extents removed from in-memory extent lists.", METRIC_COUNTER },
	{ "node_xfs_block_mapping_extent_list_lookups_total", "Lookups in in-memory extent lists.",
	  METRIC_COUNTER },
	{ "node_xfs_block_mapping_extent_list_compares_total",
	  "Compares in in-memory extent lists.", METRIC_COUNTER },
	/* bmbt */
	{ "node_xfs_block_map_btree_lookups_total", "Lookups in the block-map B-trees.",
	  METRIC_COUNTER },
	{ "node_xfs_block_map_btree_compares_total", "Key compares in the block-map B-trees.",
	  METRIC_COUNTER },
	{ "node_xfs_block_map_btree_records_inserted_total",
	  "Records added to the block-map B-trees.", METRIC_COUNTER },
	{ "node_xfs_block_map_btree_records_deleted_total",
	  "Records removed from the block-map B-trees.", METRIC_COUNTER },
	/* dir */
	{ "node_xfs_directory_operation_lookup_total",
	  "Directory lookups that missed the VFS name cache.", METRIC_COUNTER },
	{ "node_xfs_directory_operation_create_total", "Directory entries created.",
	  METRIC_COUNTER },
	{ "node_xfs_directory_operation_remove_total", "Directory entries removed.",
	  METRIC_COUNTER },
	{ "node_xfs_directory_operation_getdents_total", "Directory reads (getdents).",
	  METRIC_COUNTER },
	/* ig */
	{ "node_xfs_inode_operation_attempts_total", "Lookups of an inode in the XFS inode cache.",
	  METRIC_COUNTER },
	{ "node_xfs_inode_operation_found_total", "Inode cache lookups that found the inode.",
	  METRIC_COUNTER },
	{ "node_xfs_inode_operation_recycled_total",
	  "Inode cache hits on an inode being recycled, so not usable.", METRIC_COUNTER },
	{ "node_xfs_inode_operation_missed_total",
	  "Inode cache lookups that did not find the inode.", METRIC_COUNTER },
	{ "node_xfs_inode_operation_duplicates_total",
	  "Inodes another thread had added to the cache first.", METRIC_COUNTER },
	{ "node_xfs_inode_operation_reclaims_total",
	  "Inodes reclaimed from the cache to free memory.", METRIC_COUNTER },
	{ "node_xfs_inode_operation_attribute_changes_total",
	  "Explicit changes of inode attributes.", METRIC_COUNTER },
	/* rw: the kernel puts writes first */
	{ "node_xfs_write_calls_total", "write(2) calls on files of the filesystem.",
	  METRIC_COUNTER },
	{ "node_xfs_read_calls_total", "read(2) calls on files of the filesystem.",
	  METRIC_COUNTER },
	/* vnodes */
	{ "node_xfs_vnode_active_total", "Vnodes in use (not on a free list).", METRIC_COUNTER },
	{ "node_xfs_vnode_allocate_total", "Vnode allocations (vn_alloc).", METRIC_COUNTER },
	{ "node_xfs_vnode_get_total", "Vnode gets (vn_get).", METRIC_COUNTER },
	{ "node_xfs_vnode_hold_total", "Vnode holds (vn_hold).", METRIC_COUNTER },
	{ "node_xfs_vnode_release_total", "Vnode releases (vn_rele).", METRIC_COUNTER },
	{ "node_xfs_vnode_reclaim_total", "Vnode reclaims (vn_reclaim).", METRIC_COUNTER },
	{ "node_xfs_vnode_remove_total", "Vnode removals (vn_remove).", METRIC_COUNTER },
};

/* A line node_exporter knows: how many values it must have (min..max; max 0: no
 * limit), whether they are 64-bit, and where the reported ones go (first index in the
 * values array and how many; nemit 0: not reported). */
struct xfs_group {
	const char *name;
	unsigned char min, max;
	bool wide;
	unsigned char first, nemit;
};

static const struct xfs_group groups[] = {
	{ "extent_alloc", 4, 4, false, 0, 4 },
	{ "abt", 4, 4, false, 4, 4 },
	{ "blk_map", 7, 7, false, 8, 7 },
	{ "bmbt", 4, 4, false, 15, 4 },
	{ "dir", 4, 4, false, 19, 4 },
	{ "ig", 7, 7, false, 23, 7 },
	{ "rw", 2, 2, false, 30, 2 },
	{ "vnodes", 7, 8, false, 32, 7 }, /* older kernels have no "free" count */
	{ "trans", 3, 3, false, 0, 0 },
	{ "log", 5, 5, false, 0, 0 },
	{ "push_ail", 10, 10, false, 0, 0 },
	{ "xstrat", 2, 2, false, 0, 0 },
	{ "attr", 4, 4, false, 0, 0 },
	{ "icluster", 3, 3, false, 0, 0 },
	{ "buf", 9, 9, false, 0, 0 },
	{ "xpc", 3, 3, true, 0, 0 },
	{ "defer_relog", 1, 1, true, 0, 0 },
	{ "abtb2", 15, 15, false, 0, 0 },
	{ "abtc2", 15, 15, false, 0, 0 },
	{ "bmbt2", 15, 15, false, 0, 0 },
	{ "ibt2", 15, 15, false, 0, 0 },
	{ "fibt2", 15, 15, false, 0, 0 },
	{ "rmapbt", 15, 15, false, 0, 0 },
	{ "refcntbt", 15, 15, false, 0, 0 },
	{ "rmapbt_mem", 15, 15, false, 0, 0 },
	{ "rcbagbt", 15, 15, false, 0, 0 },
	{ "rtrmapbt", 15, 15, false, 0, 0 },
	{ "rtrmapbt_mem", 15, 15, false, 0, 0 },
	{ "rtrefcntbt", 15, 15, false, 0, 0 },
	{ "qm", 8, 9, false, 0, 0 }, /* 4.20 added a ninth */
	{ "debug", 1, 1, false, 0, 0 },
	{ "zoned", 3, 0, false, 0, 0 },
	{ "metafile", 1, 0, false, 0, 0 },
};

/* An unknown line: any number of 32-bit values. */
static const struct xfs_group unknown_group = { "", 1, 0, false, 0, 0 };
/* "gc xpc N": two words of name, one 64-bit value. */
static const struct xfs_group gc_xpc_group = { "gc xpc", 1, 1, true, 0, 0 };

/* Values kept per line: more than any group reports. */
#define XFS_LINE_KEEP 16

/* The group of a line whose first two words are key and second. */
static const struct xfs_group *find_group(struct span key, struct span second)
{
	if (span_eq(key, "gc") && span_eq(second, "xpc"))
		return &gc_xpc_group;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (span_eq(key, groups[i].name))
			return &groups[i];
	}
	return &unknown_group;
}

/* Take one line into values[XFS_NVALUES]. Returns 0 (also for a line of fewer than two
 * words, which is skipped) or -EINVAL. */
static int xfs_line(struct span line, uint64_t *values)
{
	struct span key, w, rest;
	if (!span_word(&line, &key))
		return 0;
	rest = line;
	if (!span_word(&rest, &w))
		return 0;
	const struct xfs_group *g = find_group(key, w);
	if (g == &gc_xpc_group)
		line = rest; /* the values start after "xpc" */
	uint64_t v[XFS_LINE_KEEP];
	size_t n = 0;
	while (span_word(&line, &w)) {
		uint64_t x;
		if (span_u64(w, &x) < 0 || (!g->wide && x > UINT32_MAX))
			return -EINVAL;
		if (n < XFS_LINE_KEEP)
			v[n] = x;
		n++;
	}
	if (n < g->min || (g->max && n > g->max))
		return -EINVAL;
	if (g->nemit)
		memcpy(values + g->first, v, g->nemit * sizeof(v[0]));
	return 0;
}

int xfs_parse(const char *buf, size_t len, const char *device, struct metric_sink *out)
{
	uint64_t values[XFS_NVALUES] = { 0 };
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line)) {
		if (xfs_line(line, values) < 0)
			return -EINVAL;
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i < XFS_NVALUES; i++)
		r = sink_add(out, &descs[i], (double)values[i], LABELS(L("device", device)));
	return r;
}

/* Largest stats file accepted: a few KiB in practice. */
#define XFS_STATS_MAX (64u << 10)

struct xfs_priv {
	struct dirscan dir; /* /sys/fs/xfs */
	char buf[XFS_STATS_MAX];
};

static int xfs_init(struct collector *c)
{
	struct xfs_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "fs/xfs");
}

/* Read and parse <name>/stats/stats under /sys/fs/xfs, if there is one. Returns 0 or
 * -errno. */
static int xfs_device(struct xfs_priv *p, const char *name, struct metric_sink *out)
{
	char rel[NAME_MAX + 16];
	size_t len;
	if ((size_t)snprintf(rel, sizeof(rel), "%s/stats/stats", name) >= sizeof(rel))
		return 0;
	int r = read_file_dirfd(dirscan_fd(&p->dir), rel, p->buf, sizeof(p->buf), &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0; /* not a filesystem: /sys/fs/xfs also holds global entries */
	if (r < 0)
		return r;
	return xfs_parse(p->buf, len, name, out);
}

static int xfs_collect(struct collector *c, struct metric_sink *out)
{
	struct xfs_priv *p = c->priv;
	const char *name;
	unsigned char type;
	/* no /sys/fs/xfs: no XFS here, which node_exporter reports as success, no series */
	if (dirscan_rewind(&p->dir) < 0)
		return 0;
	int r;
	while ((r = dirscan_next(&p->dir, &name, &type)) > 0) {
		/* "stats" holds the totals of every device, not a device: its file is
		 * stats/stats, which node_exporter's stats/stats glob does not match */
		if ((type != DT_DIR && type != DT_LNK && type != DT_UNKNOWN) ||
		    strcmp(name, "stats") == 0)
			continue;
		r = xfs_device(p, name, out);
		if (r < 0)
			return r;
	}
	return r;
}

static void xfs_fini(struct collector *c)
{
	struct xfs_priv *p = c->priv;
	if (p)
		dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_xfs = {
	.name = "xfs",
	.default_enabled = true,
	.reads = "/sys/fs/xfs/<dev>/stats/stats",
	.init = xfs_init,
	.collect = xfs_collect,
	.fini = xfs_fini,
};

/*
 * bcache: Linux block-layer cache sets (bcache) from /sys/fs/bcache, as node_exporter's
 * bcache collector reports them.
 *
 * Each cache set is a directory /sys/fs/bcache/<uuid> (any entry whose name holds a
 * '-'): set-wide values in it and in internal/, a link bdev<N> per backing device
 * (dirty_data, writeback_rate_debug, stats_total/) and a link cache<N> per cache device
 * (io_errors, metadata_written, written, and priority_stats with
 * --collector.bcache.priorityStats). Values are printed by the kernel's bch_hprint
 * ("20.4G"), read as prometheus/procfs reads them (bcache.h). As in node_exporter, a
 * missing value file reads as 0, but a missing writeback_rate_debug (or priority_stats
 * when asked for), an unreadable file or a value that does not parse fails the
 * collection. node_exporter also reads the five-minute and set-wide totals, which it
 * never reports; plumb reads only what it reports. A host without bcache (no
 * /sys/fs/bcache, or no set in it) reports success and no series, as node_exporter does.
 *
 * Steady state: /sys/fs/bcache is listed with a dirscan, every file is read once into a
 * buffer held in the collector's state, so a collection allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/bcache.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/gofloat.h"
#include "lib/procfile.h"
#include "lib/sysfs.h"

/* The longest line bufio.Scanner takes by default: a longer one is an error there. */
#define GO_SCAN_MAX 65536

static const struct flag_def bcache_flags[] = {
	{ "collector.bcache.priorityStats", FLAG_BOOL, "false",
	  "Also read each cache device's priority_stats (costly for the kernel to produce).",
	  false },
	{ .name = NULL },
};

/* ---- parsers ---- */

/* procfs's parsePseudoFloat: "<int>[.<frac>[.<ignored>...]]", frac in 1024ths written in
 * hundredths. Returns 0 or -EINVAL. */
static int pseudo_float(struct span s, double *out)
{
	const char *dot = memchr(s.p, '.', s.len);
	double ipart, fpart;
	struct span head = { s.p, dot ? (size_t)(dot - s.p) : s.len };
	if (go_parse_float(head, &ipart) < 0)
		return -EINVAL;
	if (!dot) {
		*out = ipart;
		return 0;
	}
	struct span tail = { dot + 1, (size_t)(s.p + s.len - dot - 1) };
	const char *dot2 = memchr(tail.p, '.', tail.len);
	if (dot2)
		tail.len = (size_t)(dot2 - tail.p);
	if (go_parse_float(tail, &fpart) < 0)
		return -EINVAL;
	*out = ipart + fpart / 10.24;
	return 0;
}

int bcache_dehumanize(struct span s, uint64_t *out)
{
	static const char units[] = "kMGTPEZY"; /* 2^10 .. 2^80 */
	double mant, mul = 1;
	if (s.len == 0)
		return -EINVAL;
	unsigned char last = (unsigned char)s.p[s.len - 1];
	if (last > '9') {
		const char *u = last ? memchr(units, last, sizeof(units) - 1) : NULL;
		mul = 0; /* an unknown multiplier byte */
		if (u) {
			mul = 1;
			for (const char *k = units; k <= u; k++)
				mul *= 1024;
		}
		if (pseudo_float((struct span){ s.p, s.len - 1 }, &mant) < 0)
			return -EINVAL;
	} else if (go_parse_float(s, &mant) < 0) {
		return -EINVAL;
	}
	*out = go_f64_to_u64(mant * mul);
	return 0;
}

int bcache_dehumanize_signed(struct span s, int64_t *out)
{
	bool neg = s.len && s.p[0] == '-';
	uint64_t v;
	if (neg) {
		s.p++;
		s.len--;
	}
	if (bcache_dehumanize(s, &v) < 0)
		return -EINVAL;
	*out = (int64_t)(neg ? 0 - v : v); /* Go's int64(-v): wraps */
	return 0;
}

int bcache_value_parse(const char *buf, size_t len, uint64_t *out)
{
	if (len == 0)
		return -EINVAL; /* node_exporter would panic cutting the newline off */
	return bcache_dehumanize((struct span){ buf, len - 1 }, out);
}

/* The last whitespace-separated word of line (which has at least one), without suffix
 * if it ends with it. */
static struct span last_word(struct span line, const char *suffix)
{
	struct span w = { line.p, 0 }, s = line, t;
	while (span_word(&s, &t))
		w = t;
	size_t n = strlen(suffix);
	if (span_ends(w, suffix))
		w.len -= n;
	return w;
}

/* Take the next line of c as bufio.Scanner would. Returns 1, 0 at the end, or -EINVAL
 * for a line Scanner refuses as too long. */
static int scan_line(struct cursor *c, struct span *line)
{
	if (!cursor_line(c, line))
		return 0;
	return line->len >= GO_SCAN_MAX ? -EINVAL : 1;
}

int bcache_writeback_parse(const char *buf, size_t len, struct bcache_writeback *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	int more, r = 0;
	memset(out, 0, sizeof(*out));
	while (r == 0 && (more = scan_line(&c, &line)) != 0) {
		if (more < 0)
			return -EINVAL;
		if (span_starts(line, "rate:"))
			r = bcache_dehumanize(last_word(line, "/sec"), &out->rate);
		else if (span_starts(line, "dirty:"))
			r = bcache_dehumanize(last_word(line, ""), &out->dirty);
		else if (span_starts(line, "target:"))
			r = bcache_dehumanize(last_word(line, ""), &out->target);
		else if (span_starts(line, "proportional:"))
			r = bcache_dehumanize_signed(last_word(line, ""), &out->proportional);
		else if (span_starts(line, "integral:"))
			r = bcache_dehumanize_signed(last_word(line, ""), &out->integral);
		else if (span_starts(line, "change:"))
			r = bcache_dehumanize_signed(last_word(line, "/sec"), &out->change);
		else if (span_starts(line, "next io:"))
			r = span_i64(last_word(line, "ms"), &out->next_io);
	}
	return r < 0 ? -EINVAL : 0;
}

int bcache_priority_parse(const char *buf, size_t len, struct bcache_priority *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line;
	int more, r = 0;
	memset(out, 0, sizeof(*out));
	while (r == 0 && (more = scan_line(&c, &line)) != 0) {
		if (more < 0)
			return -EINVAL;
		if (span_starts(line, "Unused:"))
			r = span_u64(last_word(line, "%"), &out->unused);
		else if (span_starts(line, "Metadata:"))
			r = span_u64(last_word(line, "%"), &out->metadata);
	}
	return r < 0 ? -EINVAL : 0;
}

/* ---- metrics ---- */

#define G METRIC_GAUGE
#define C METRIC_COUNTER

/* Set-wide values: file (beneath the set's directory), family, scale. */
static const struct {
	const char *file;
	struct metric_desc desc;
	double scale;
} set_values[] = {
	{ "average_key_size",
	  { "node_bcache_average_key_size_sectors", "Mean data per btree key, in sectors.", G },
	  1 },
	{ "btree_cache_size",
	  { "node_bcache_btree_cache_size_bytes", "Memory the btree cache uses.", G },
	  1 },
	{ "cache_available_percent",
	  { "node_bcache_cache_available_percent",
	    "Share of the cache holding no dirty data (free for writeback), in percent.", G },
	  1 },
	{ "congested",
	  { "node_bcache_congested", "How congested bcache judges the cache.", G },
	  1 },
	{ "root_usage_percent",
	  { "node_bcache_root_usage_percent",
	    "Fill of the btree's root node in percent; a full root deepens the tree.", G },
	  1 },
	{ "tree_depth", { "node_bcache_tree_depth", "Levels in the btree.", G }, 1 },
	{ "internal/active_journal_entries",
	  { "node_bcache_active_journal_entries", "Journal entries not yet in the index.", G },
	  1 },
	{ "internal/btree_nodes", { "node_bcache_btree_nodes", "Nodes in the btree.", G }, 1 },
	/* the file counts microseconds; node_exporter scales it as nanoseconds, and so
	 * must plumb to report the same values */
	{ "internal/btree_read_average_duration_us",
	  { "node_bcache_btree_read_average_duration_seconds",
	    "Mean time of a btree node read (the kernel's microseconds times 1e-9).", G },
	  1e-9 },
	{ "internal/cache_read_races",
	  { "node_bcache_cache_read_races_total",
	    "Cache reads whose bucket was reused before they completed, so the data was stale.",
	    C },
	  1 },
};

/* A backing device's stats_total/ counters: file and family. */
static const struct {
	const char *file;
	struct metric_desc desc;
} bdev_totals[] = {
	{ "stats_total/bypassed",
	  { "node_bcache_bypassed_bytes_total",
	    "Bytes of IO (reads and writes) that bypassed the cache.", C } },
	{ "stats_total/cache_hits",
	  { "node_bcache_cache_hits_total", "IOs bcache found in the cache.", C } },
	{ "stats_total/cache_misses",
	  { "node_bcache_cache_misses_total", "IOs bcache did not find in the cache.", C } },
	{ "stats_total/cache_bypass_hits",
	  { "node_bcache_cache_bypass_hits_total",
	    "Cache hits of IO that was meant to bypass the cache.", C } },
	{ "stats_total/cache_bypass_misses",
	  { "node_bcache_cache_bypass_misses_total",
	    "Cache misses of IO that was meant to bypass the cache.", C } },
	{ "stats_total/cache_miss_collisions",
	  { "node_bcache_cache_miss_collisions_total",
	    "Cache misses whose insertion raced a write of the same data.", C } },
	{ "stats_total/cache_readaheads",
	  { "node_bcache_cache_readaheads_total", "Readaheads bcache made.", C } },
};
#define BDEV_READAHEADS 6 /* reported only when not 0, as node_exporter does */

static const struct metric_desc desc_dirty_data = {
	"node_bcache_dirty_data_bytes", "Dirty data of the backing device held in the cache.", G
};
static const struct metric_desc desc_wb[] = {
	{ "node_bcache_dirty_target_bytes", "Dirty data the writeback controller aims for.", G },
	{ "node_bcache_writeback_rate", "Writeback rate to the backing device, bytes per second.",
	  G },
	{ "node_bcache_writeback_rate_proportional_term",
	  "Proportional term of the writeback rate controller.", G },
	{ "node_bcache_writeback_rate_integral_term",
	  "Integral term of the writeback rate controller.", G },
	{ "node_bcache_writeback_change", "Last change of the writeback rate, per second.", G },
};

/* A cache device's values: file and family. */
static const struct {
	const char *file;
	struct metric_desc desc;
} cache_values[] = {
	{ "io_errors",
	  { "node_bcache_io_errors",
	    "IO errors of the cache device, decayed over io_error_halflife.", G } },
	{ "metadata_written",
	  { "node_bcache_metadata_written_bytes_total",
	    "Bytes of metadata (btree and the rest) written to the cache device.", C } },
	{ "written",
	  { "node_bcache_written_bytes_total", "Bytes of data written to the cache device.", C } },
};
static const struct metric_desc desc_prio_unused = {
	"node_bcache_priority_stats_unused_percent",
	"Share of the cache holding no data, in percent.", G
};
static const struct metric_desc desc_prio_metadata = {
	"node_bcache_priority_stats_metadata_percent",
	"Share of the cache holding bcache's metadata, in percent.", G
};

#undef G
#undef C

/* ---- the collector ---- */

/* Largest file read: a sysfs attribute is at most a page, 64 KiB on some machines. */
#define BCACHE_BUF ((64u << 10) + 1)

struct bcache_priv {
	struct dirscan dir; /* /sys/fs/bcache */
	struct fdscan sub;  /* lists one cache set's directory */
	bool priority;      /* --collector.bcache.priorityStats */
	char buf[BCACHE_BUF];
};

/* Read dirfd/rel whole into p->buf (dirfd < 0: as a missing file). Returns 0 with *len,
 * or -errno (-ENOENT for a missing file, -ENOTDIR, -EFBIG past the buffer...). */
static int read_whole(struct bcache_priv *p, int dirfd, const char *rel, size_t *len)
{
	*len = 0;
	if (dirfd < 0)
		return -ENOENT;
	return read_file_dirfd(dirfd, rel, p->buf, sizeof(p->buf), len);
}

/* Read the value attribute dirfd/rel into *v: 0 when it does not exist. Returns 0 or
 * -errno (-EINVAL for a value that does not parse). */
static int read_value(struct bcache_priv *p, int dirfd, const char *rel, uint64_t *v)
{
	size_t len;
	int r = read_whole(p, dirfd, rel, &len);
	*v = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return bcache_value_parse(p->buf, len, v);
}

/* A file node_exporter cannot do without: missing is a failure, not "no bcache here". */
static int required(int r)
{
	return r == -ENOENT ? -ENODATA : r;
}

/* Whether name is prefix followed by a digit (the glob "<prefix>[0-9]*"). */
static bool numbered(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(name, prefix, n) == 0 && ascii_digit(name[n]);
}

/* Emit one backing device's series (setfd: the set's directory). Returns 0 or -errno. */
static int collect_bdev(struct bcache_priv *p, int setfd, const char *uuid, const char *name,
			struct metric_sink *out)
{
	int fd = sysfs_open_dir(setfd, name);
	uint64_t dirty, v;
	size_t len;
	struct bcache_writeback wb;
	int r = fd < 0 && fd != -ENOENT ? fd : 0; /* dangling: all its files are missing */
	if (r < 0)
		goto out;
	if ((r = read_value(p, fd, "dirty_data", &dirty)) < 0)
		goto out;
	if ((r = required(read_whole(p, fd, "writeback_rate_debug", &len))) < 0 ||
	    (r = bcache_writeback_parse(p->buf, len, &wb)) < 0)
		goto out;
	const struct label lb[] = { L("uuid", uuid), L("backing_device", name) };
	const double wbv[] = { (double)wb.target, (double)wb.rate, (double)wb.proportional,
			       (double)wb.integral, (double)wb.change };
	r = sink_add(out, &desc_dirty_data, (double)dirty, lb, 2);
	for (size_t i = 0; r == 0 && i < sizeof(wbv) / sizeof(wbv[0]); i++)
		r = sink_add(out, &desc_wb[i], wbv[i], lb, 2);
	for (size_t i = 0; r == 0 && i < sizeof(bdev_totals) / sizeof(bdev_totals[0]); i++) {
		if ((r = read_value(p, fd, bdev_totals[i].file, &v)) == 0 &&
		    (v != 0 || i != BDEV_READAHEADS))
			r = sink_add(out, &bdev_totals[i].desc, (double)v, lb, 2);
	}
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Emit one cache device's series. Returns 0 or -errno. */
static int collect_cache(struct bcache_priv *p, int setfd, const char *uuid, const char *name,
			 struct metric_sink *out)
{
	int fd = sysfs_open_dir(setfd, name);
	uint64_t v[3];
	size_t len;
	struct bcache_priority prio;
	int r = fd < 0 && fd != -ENOENT ? fd : 0; /* dangling: all its files are missing */
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = read_value(p, fd, cache_values[i].file, &v[i]);
	if (r == 0 && p->priority) {
		r = required(read_whole(p, fd, "priority_stats", &len));
		if (r == 0)
			r = bcache_priority_parse(p->buf, len, &prio);
	}
	const struct label lb[] = { L("uuid", uuid), L("cache_device", name) };
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = sink_add(out, &cache_values[i].desc, (double)v[i], lb, 2);
	if (r == 0 && p->priority)
		r = sink_add(out, &desc_prio_unused, (double)prio.unused, lb, 2);
	if (r == 0 && p->priority)
		r = sink_add(out, &desc_prio_metadata, (double)prio.metadata, lb, 2);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Emit the series of the cache set in directory `uuid` of /sys/fs/bcache. Returns 0 or
 * -errno. */
static int collect_set(struct bcache_priv *p, const char *uuid, struct metric_sink *out)
{
	int r = 0, setfd = openat(dirscan_fd(&p->dir), uuid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (setfd < 0)
		return required(-errno); /* gone since listed, or not a directory */
	for (size_t i = 0; r == 0 && i < sizeof(set_values) / sizeof(set_values[0]); i++) {
		uint64_t v;
		if ((r = read_value(p, setfd, set_values[i].file, &v)) == 0)
			r = sink_add(out, &set_values[i].desc, (double)v * set_values[i].scale,
				     LABELS(L("uuid", uuid)));
	}
	const char *name;
	unsigned char type;
	if (r == 0)
		r = fdscan_start(&p->sub, setfd);
	while (r == 0) {
		int more = fdscan_next(&p->sub, &name, &type);
		if (more <= 0) {
			r = more;
			break;
		}
		if (numbered(name, "bdev"))
			r = collect_bdev(p, setfd, uuid, name, out);
		else if (numbered(name, "cache"))
			r = collect_cache(p, setfd, uuid, name, out);
	}
	close(setfd);
	return r;
}

static int bcache_init(struct collector *c)
{
	struct bcache_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	p->priority = cfg_bool(c->cfg, "collector.bcache.priorityStats");
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "fs/bcache");
}

static int bcache_collect(struct collector *c, struct metric_sink *out)
{
	struct bcache_priv *p = c->priv;
	const char *name;
	unsigned char type;
	/* no /sys/fs/bcache: no bcache here, which node_exporter reports as success */
	if (dirscan_rewind(&p->dir) < 0)
		return 0;
	int r;
	while ((r = dirscan_next(&p->dir, &name, &type)) > 0) {
		if (!strchr(name, '-'))
			continue; /* register, register_quiet...: not a cache set */
		if ((r = collect_set(p, name, out)) < 0)
			return r;
	}
	return r;
}

static void bcache_fini(struct collector *c)
{
	struct bcache_priv *p = c->priv;
	if (p)
		dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_bcache = {
	.name = "bcache",
	.default_enabled = true,
	.reads = "/sys/fs/bcache/<uuid>/ and its bdev*, cache* devices",
	.flags = bcache_flags,
	.init = bcache_init,
	.collect = bcache_collect,
	.fini = bcache_fini,
};

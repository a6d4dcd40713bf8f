/*
 * zfs: OpenZFS statistics from /proc/spl/kstat/zfs, as node_exporter's zfs collector
 * reports them on Linux.
 *
 * Eleven named kstat files (arcstats, dbufstats, zil...) become one untyped family per
 * statistic, node_zfs_<subsystem>_<name>. Each pool directory adds its io kstat
 * (node_zfs_zpool_*), one objset-<id> kstat per dataset (node_zfs_zpool_dataset_*)
 * and its state (node_zfs_zpool_state). A named file this ZFS version lacks is skipped;
 * a malformed one fails the collection, as in node_exporter. Without the directory
 * (no ZFS module) the collection reports no data.
 *
 * Steady state: the named files are procfiles held open (as many as the descriptor
 * grant allows; the rest and the pool files are read into one buffer); the directory
 * is listed with a dirscan and each pool with an fdscan. Nothing is set up for the
 * files until ZFS is first seen, so a host without it pays one failed open a scrape.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "collectors/zfs.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/procfile.h"

#define ZFS_DIR "spl/kstat/zfs"

/* The named kstat files and the subsystem each one's families are named after. */
#define ZFS_NKSTAT 11
static const struct {
	const char *file, *subsystem;
} kstats[ZFS_NKSTAT] = {
	{ "abdstats", "zfs_abd" },
	{ "arcstats", "zfs_arc" },
	{ "dbufstats", "zfs_dbuf" },
	{ "dmu_tx", "zfs_dmu_tx" },
	{ "dnodestats", "zfs_dnode" },
	{ "fm", "zfs_fm" },
	{ "vdev_cache_stats", "zfs_vdev_cache" }, /* gone from newer ZFS */
	{ "vdev_mirror_stats", "zfs_vdev_mirror" },
	{ "xuio_stats", "zfs_xuio" }, /* gone from newer ZFS */
	{ "zfetchstats", "zfs_zfetch" },
	{ "zil", "zfs_zil" },
};

/* node_zfs_zpool_state's states, lower case. */
static const char *const pool_states[] = { "online",  "degraded", "faulted",  "offline",
					   "removed", "unavail",  "suspended" };

static const struct metric_desc desc_state = {
	"node_zfs_zpool_state", "1 for the state a ZFS pool is in, 0 for the others.", METRIC_GAUGE
};

/* Most header fields of an io kstat that are reported (ZFS has 12). */
#define ZFS_IO_FIELDS 64

/* Drop one trailing '\r', as Go's line scanner does. */
static struct span chomp(struct span line)
{
	if (line.len && line.p[line.len - 1] == '\r')
		line.len--;
	return line;
}

/* Split up to max words of line into w; returns how many there are, counting one past
 * max when more follow. */
static size_t words(struct span line, struct span *w, size_t max)
{
	size_t n = 0;
	struct span extra;
	while (n < max && span_word(&line, &w[n]))
		n++;
	if (n == max && span_word(&line, &extra))
		n++;
	return n;
}

/* Whether the n words w are the kstat header "name type data". */
static bool kstat_header(const struct span *w, size_t n)
{
	return n == 3 && span_eq(w[0], "name") && span_eq(w[1], "type") && span_eq(w[2], "data");
}

/* Write "<prefix><name>" into out[cap] as node_exporter names a statistic: name cut
 * after its last '.', each '-' made '_'. Returns false when that leaves nothing or does
 * not fit. */
static bool metric_name(char *out, size_t cap, const char *prefix, struct span name)
{
	const char *dot = memrchr(name.p, '.', name.len);
	if (dot) {
		name.len -= (size_t)(dot + 1 - name.p);
		name.p = dot + 1;
	}
	size_t pl = strlen(prefix);
	if (name.len == 0 || pl + name.len + 1 > cap)
		return false;
	memcpy(out, prefix, pl);
	for (size_t i = 0; i < name.len; i++)
		out[pl + i] = name.p[i] == '-' ? '_' : name.p[i];
	out[pl + name.len] = '\0';
	return true;
}

/* Add one untyped series named for stat (prefix + stat), with help from the format
 * fmt (one %s for the statistic) and labels[0..n). A name that is no valid metric name
 * or clashes with a family of another type is skipped. Returns 0 or -errno from the
 * sink. */
static int add_stat(struct metric_sink *out, const char *prefix, struct span stat,
		    const char *help, double v, const struct label *labels, size_t n)
{
	char name[256];
	if (!metric_name(name, sizeof(name), prefix, stat))
		return 0;
	const struct metric_desc d = { name, help, METRIC_UNTYPED };
	int r = sink_add(out, &d, v, labels, n);
	return r == -EINVAL || r == -EEXIST ? 0 : r;
}

int zfs_kstat_parse(const char *buf, size_t len, const char *file, const char *subsystem,
		    struct metric_sink *out)
{
	char prefix[64], help[160];
	snprintf(prefix, sizeof(prefix), "node_%s_", subsystem);
	snprintf(help, sizeof(help), "A statistic of the ZFS %s kstat.", file);
	struct cursor cur = cursor_init(buf, len);
	struct span line, w[4];
	bool started = false;
	while (cursor_line(&cur, &line)) {
		size_t n = words(line, w, 3);
		if (!started) {
			started = kstat_header(w, n);
			continue;
		}
		if (n < 3)
			continue;
		double v;
		if (span_eq(w[1], "4")) { /* KSTAT_DATA_UINT64 */
			uint64_t u;
			if (span_u64(w[2], &u) < 0)
				return -EINVAL;
			v = (double)u;
		} else if (span_eq(w[1], "3")) { /* KSTAT_DATA_INT64 */
			int64_t i;
			if (span_i64(w[2], &i) < 0)
				return -EINVAL;
			v = (double)i;
		} else {
			continue; /* strings and the other kinds are not reported */
		}
		int r = add_stat(out, prefix, w[0], help, v, NULL, 0);
		if (r < 0)
			return r;
	}
	return started ? 0 : -EINVAL;
}

int zfs_pool_io_parse(const char *buf, size_t len, const char *pool, struct metric_sink *out)
{
	struct span hdr[ZFS_IO_FIELDS], line, w;
	size_t nh = 0;
	struct cursor cur = cursor_init(buf, len);
	while (cursor_line(&cur, &line)) {
		if (!nh) {
			size_t n = words(line, hdr, ZFS_IO_FIELDS);
			if (n >= 12 && span_eq(hdr[0], "nread"))
				nh = n > ZFS_IO_FIELDS ? ZFS_IO_FIELDS : n;
			continue;
		}
		/* every line after the header is a line of values, one per header field */
		for (size_t i = 0; i < nh; i++) {
			uint64_t u;
			if (!span_word(&line, &w) || span_u64(w, &u) < 0)
				return -EINVAL;
			int r = add_stat(out, "node_zfs_zpool_", hdr[i],
					 "A counter of a ZFS pool's io kstat.", (double)u,
					 LABELS(L("zpool", pool)));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int zfs_objset_parse(const char *buf, size_t len, const char *pool, struct metric_sink *out)
{
	struct span line, w[4], zpool = SPAN_LIT(""), dataset = SPAN_LIT("");
	bool started = false;
	struct cursor cur = cursor_init(buf, len);
	while (cursor_line(&cur, &line)) {
		line = chomp(line);
		size_t n = words(line, w, 3);
		if (!started) {
			started = kstat_header(w, n);
			continue;
		}
		if (n < 3)
			continue;
		if (span_eq(w[0], "dataset_name")) {
			/* the name may hold spaces: from where its first word first occurs in the
			 * line (node_exporter's rule) to the end of the line */
			const char *at = memmem(line.p, line.len, w[2].p, w[2].len);
			if (!at) /* cannot be: the word is in the line */
				at = w[2].p;
			zpool = span_cstr(pool);
			dataset = (struct span){ at, (size_t)(line.p + line.len - at) };
			continue;
		}
		if (!span_eq(w[1], "4"))
			continue;
		uint64_t u;
		if (span_u64(w[2], &u) < 0)
			return -EINVAL;
		int r = add_stat(out, "node_zfs_zpool_dataset_", w[0],
				 "A statistic of a ZFS dataset's objset kstat.", (double)u,
				 LABELS(LS("zpool", zpool), LS("dataset", dataset)));
		if (r < 0)
			return r;
	}
	return started ? 0 : -EINVAL;
}

int zfs_pool_state_parse(const char *buf, size_t len, const char *pool,
			 struct metric_sink *out)
{
	struct cursor cur = cursor_init(buf, len);
	struct span first = SPAN_LIT("");
	if (cursor_line(&cur, &first))
		first = chomp(first);
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(pool_states) / sizeof(pool_states[0]); i++) {
		size_t sl = strlen(pool_states[i]);
		bool on = first.len == sl && strncasecmp(first.p, pool_states[i], sl) == 0;
		r = sink_add(out, &desc_state, on ? 1 : 0,
			     LABELS(L("zpool", pool), L("state", pool_states[i])));
	}
	return r;
}

/* Largest kstat file accepted (arcstats, the largest, is about 10 KiB). */
#define ZFS_FILE_MAX (256u << 10)

/* What is set up once ZFS is seen. */
struct zfs_files {
	struct procfile kf[ZFS_NKSTAT]; /* the named files; the first nheld are held open */
	struct fdscan scan;             /* lists one pool directory */
	char buf[ZFS_FILE_MAX + 1];     /* the pool files and the named files not held */
};

struct zfs_priv {
	struct dirscan dir;     /* /proc/spl/kstat/zfs */
	struct zfs_files *files; /* NULL until ZFS is first seen */
	size_t nheld;           /* named files that may stay open */
	const char *procfs;
};

/* The directory, the named files. */
static int zfs_declare(struct collector *c, struct resources *res)
{
	return collector_claim(c, res, 1 + ZFS_NKSTAT);
}

static int zfs_init(struct collector *c)
{
	struct zfs_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	p->procfs = cfg_procfs(c->cfg);
	/* the directory takes one descriptor of the grant */
	uint64_t files = c->fd_budget > 0 ? c->fd_budget - 1 : 0;
	p->nheld = files < ZFS_NKSTAT ? (size_t)files : ZFS_NKSTAT;
	return dirscan_init(&p->dir, p->procfs, ZFS_DIR);
}

/* Set up p->files the first time ZFS is seen. Returns 0 or -errno. */
static int zfs_files_init(struct zfs_priv *p)
{
	if (p->files)
		return 0;
	struct zfs_files *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < ZFS_NKSTAT; i++)
		f->kf[i].fd = -1;
	for (size_t i = 0; r == 0 && i < ZFS_NKSTAT; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), ZFS_DIR "/%s", kstats[i].file);
		r = procfile_init(&f->kf[i], p->procfs, rel, ZFS_FILE_MAX);
	}
	if (r < 0) {
		free(f);
		return r;
	}
	p->files = f;
	return 0;
}

/* Read named file i into *text. Returns 0, or -errno (-ENOENT and the like: this ZFS
 * lacks it). */
static int read_kstat(struct zfs_priv *p, size_t i, struct span *text)
{
	struct zfs_files *f = p->files;
	if (i < p->nheld) {
		int r = procfile_read(&f->kf[i]);
		*text = procfile_span(&f->kf[i]);
		return r;
	}
	size_t len;
	int r = read_file_dirfd(dirscan_fd(&p->dir), kstats[i].file, f->buf, sizeof(f->buf), &len);
	*text = (struct span){ f->buf, len };
	return r;
}

/* Read pool directory fd's file name (if it has one) and parse it with parse. Returns
 * 0 or -errno. */
static int pool_file(struct zfs_priv *p, int fd, const char *name, const char *pool,
		     int (*parse)(const char *, size_t, const char *, struct metric_sink *),
		     struct metric_sink *out)
{
	size_t len;
	int r = read_file_dirfd(fd, name, p->files->buf, sizeof(p->files->buf), &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return r;
	return parse(p->files->buf, len, pool, out);
}

/* One pool directory (or any entry that is not one, which has nothing to report).
 * Returns 0 or -errno. */
static int zfs_pool(struct zfs_priv *p, const char *pool, struct metric_sink *out)
{
	int fd = openat(dirscan_fd(&p->dir), pool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	const char *name;
	unsigned char type;
	int r = pool_file(p, fd, "io", pool, zfs_pool_io_parse, out);
	if (r == 0)
		r = fdscan_start(&p->files->scan, fd);
	while (r == 0 && (r = fdscan_next(&p->files->scan, &name, &type)) > 0) {
		r = 0;
		if (strncmp(name, "objset-", 7) == 0)
			r = pool_file(p, fd, name, pool, zfs_objset_parse, out);
	}
	if (r == 0)
		r = pool_file(p, fd, "state", pool, zfs_pool_state_parse, out);
	close(fd);
	return r;
}

static int zfs_collect(struct collector *c, struct metric_sink *out)
{
	struct zfs_priv *p = c->priv;
	const char *name;
	unsigned char type;
	if (dirscan_rewind(&p->dir) < 0)
		return -ENOENT; /* no ZFS module: node_exporter reports no data */
	int r = zfs_files_init(p);
	for (size_t i = 0; r == 0 && i < ZFS_NKSTAT; i++) {
		struct span text;
		r = read_kstat(p, i, &text);
		if (r == -EFBIG || r == -ENOMEM)
			break;
		if (r < 0) {
			r = 0; /* a statistic this ZFS version does not have */
			continue;
		}
		r = zfs_kstat_parse(text.p, text.len, kstats[i].file, kstats[i].subsystem, out);
	}
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0) {
		r = 0;
		if (type == DT_DIR || type == DT_LNK || type == DT_UNKNOWN)
			r = zfs_pool(p, name, out);
	}
	return r;
}

static void zfs_fini(struct collector *c)
{
	struct zfs_priv *p = c->priv;
	if (!p)
		return;
	if (p->files) {
		for (size_t i = 0; i < ZFS_NKSTAT; i++)
			procfile_fini(&p->files->kf[i]);
		free(p->files);
	}
	dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_zfs = {
	.name = "zfs",
	.default_enabled = true,
	.reads = "/proc/spl/kstat/zfs/",
	.declare = zfs_declare,
	.init = zfs_init,
	.collect = zfs_collect,
	.fini = zfs_fini,
};

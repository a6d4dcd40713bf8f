/*
 * btrfs: btrfs filesystems from /sys/fs/btrfs and, where the kernel answers, their
 * devices' error counters by ioctl, as node_exporter's btrfs collector reports them.
 *
 * Each filesystem is a directory /sys/fs/btrfs/<uuid> (any entry whose name holds a
 * '-'). The collector reads it the way prometheus/procfs's btrfs reader does, in its
 * order, so that an error lands where procfs's does: that reader keeps its last error,
 * gives 0 for every value read after one, and clears it with each of the three
 * allocation/<type> sub-readers, so that only errors under allocation/system and in
 * commit_stats fail the collection (btrfs_settle has the listing part). Reported:
 * node_btrfs_info{label}, global_rsv_size_bytes, the commit_stats counters, per block
 * group type reserved_bytes and per profile used_bytes, size_bytes, allocation_ratio.
 *
 * Devices: node_exporter asks every btrfs mount of /proc/1/mountinfo by ioctl
 * (lib/btrfsdev.h); a filesystem that answered gets device_size_bytes,
 * device_unused_bytes and device_errors_total with labels device and btrfs_dev_uuid,
 * any other device_size_bytes{device} from sysfs devices/<dev>/size. plumb runs that
 * survey on a lib/deadline worker, only when a btrfs filesystem exists: one that
 * overruns BTRFS_SURVEY_MS is left to finish alone (logged once) and the sysfs view is
 * reported meanwhile. A host without btrfs reports success and no series.
 *
 * Steady state: /sys/fs/btrfs is listed with a dirscan, each filesystem's listings with
 * an fdscan into grow-only tables; the mount table is parsed again only when it changed;
 * so a warm collection allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/btrfs.h"
#include "collectors/filesystem.h"
#include "core/collector.h"
#include "lib/deadline.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/sysfs.h"

#define BTRFS_SURVEY_MS 5000 /* node_exporter has no limit; filesystem's default mount-timeout */
#define GO_SCAN_MAX 65536    /* bufio.Scanner's longest line */
#define COMMIT_MAX ((64u << 10) + 1)

#define G METRIC_GAUGE
#define C METRIC_COUNTER
static const struct metric_desc desc_info = {
	"node_btrfs_info", "A btrfs filesystem with its label; always 1.", G
};
static const struct metric_desc desc_global_rsv = {
	"node_btrfs_global_rsv_size_bytes", "Size of the filesystem's global block reserve.", G
};
static const struct metric_desc desc_commits = {
	"node_btrfs_commits_total", "Transaction commits since mount.", C
};
static const struct metric_desc desc_last_commit = {
	"node_btrfs_last_commit_seconds", "How long the last transaction commit took.", G
};
static const struct metric_desc desc_max_commit = {
	"node_btrfs_max_commit_seconds", "How long the slowest transaction commit took.", G
};
static const struct metric_desc desc_commit_seconds = {
	"node_btrfs_commit_seconds_total", "Time spent in transaction commits.", C
};
static const struct metric_desc desc_reserved = {
	"node_btrfs_reserved_bytes", "Space reserved in the block groups of one type.", G
};
static const struct metric_desc desc_used = {
	"node_btrfs_used_bytes", "Space used in the block groups of one type and profile.", G
};
static const struct metric_desc desc_size = {
	"node_btrfs_size_bytes", "Space allocated to block groups of one type and profile.", G
};
static const struct metric_desc desc_ratio = {
	"node_btrfs_allocation_ratio", "Disk bytes one byte of data takes under the profile.", G
};
static const struct metric_desc desc_dev_size = {
	"node_btrfs_device_size_bytes", "Size of a device of the filesystem.", G
};
static const struct metric_desc desc_dev_unused = {
	"node_btrfs_device_unused_bytes", "Space of a device not allocated to the filesystem.", G
};
static const struct metric_desc desc_dev_errors = {
	"node_btrfs_device_errors_total", "Errors btrfs has counted for a device, by kind.", C
};
#undef G
#undef C

/* ---- pure parts ---- */

uint64_t btrfs_value(struct span text)
{
	uint64_t v;
	return span_u64(text, &v) == 0 ? v : 0;
}

int btrfs_commit_parse(const char *buf, size_t len, struct btrfs_commit *out)
{
	static const char *const names[] = { "commits", "last_commit_ms", "max_commit_ms",
					     "total_commit_ms" };
	uint64_t *const slots[] = { &out->commits, &out->last_ms, &out->max_ms, &out->total_ms };
	struct cursor c = cursor_init(buf, len);
	struct span line, w[3];
	memset(out, 0, sizeof(*out));
	while (cursor_line(&c, &line)) {
		size_t n = 0;
		uint64_t v;
		while (n < 3 && span_word(&line, &w[n]))
			n++;
		if (line.len >= GO_SCAN_MAX || n != 2 || span_u64(w[1], &v) < 0)
			return -EINVAL;
		for (size_t i = 0; i < 4; i++)
			if (span_eq(w[0], names[i]))
				*slots[i] = v;
	}
	return 0;
}

double btrfs_ratio(struct span mode, uint64_t ndev)
{
	double n = (double)ndev;
	if (span_eq(mode, "single") || span_eq(mode, "raid0"))
		return 1;
	if (span_eq(mode, "dup") || span_eq(mode, "raid1") || span_eq(mode, "raid10"))
		return 2;
	if (span_eq(mode, "raid1c3"))
		return 3;
	if (span_eq(mode, "raid1c4"))
		return 4;
	if (span_eq(mode, "raid5"))
		return n / (n - 1);
	if (span_eq(mode, "raid6"))
		return n / (n - 2);
	return 0;
}

/* Go's byte-wise string order of two entries' names. */
static int ent_cmp(const struct btrfs_ent *a, const struct btrfs_ent *b, const char *names)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = n ? memcmp(names + a->name_off, names + b->name_off, n) : 0;
	return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

void btrfs_settle(struct btrfs_ent *ents, size_t n, const char *names, int *err)
{
	const struct btrfs_ent *first = NULL;
	for (size_t i = 0; i < n; i++)
		if (ents[i].fail && (!first || ent_cmp(&ents[i], first, names) < 0))
			first = &ents[i];
	for (size_t i = 0; i < n; i++) {
		struct btrfs_ent *e = &ents[i];
		int keep = 2; /* values kept as read */
		if (*err || (first && ent_cmp(e, first, names) > 0))
			keep = 0;
		else if (e == first)
			keep = e->fail - 1;
		for (int k = keep; k < 2; k++)
			e->v[k] = 0;
	}
	if (first && !*err)
		*err = first->err;
}

bool btrfs_fsid_matches(struct span uuid, const uint8_t fsid[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (size_t i = 0; i < uuid.len; i++) {
		if (uuid.p[i] == '-')
			continue;
		if (k >= 32 || uuid.p[i] != hex[(fsid[k / 2] >> (k % 2 ? 0 : 4)) & 15])
			return false;
		k++;
	}
	return k == 32;
}

int btrfs_emit_ioctl(const struct btrfsdev_survey *s, const struct btrfsdev_fs *f,
		     const char *uuid, struct metric_sink *out)
{
	static const char *const kinds[BTRFSDEV_NERRS] = { "write", "read", "flush", "corruption",
							   "generation" };
	int r = 0;
	for (uint32_t i = 0; r == 0 && i < f->n; i++) {
		const struct btrfsdev_dev *d = &s->dev[f->first + i];
		const char *path = s->names.p + d->path_off, *slash = strrchr(path, '/');
		char du[37];
		btrfsdev_uuid_text(d->uuid, du);
		const struct label lb[] = { L("uuid", uuid), L("device", slash ? slash + 1 : path),
					    L("btrfs_dev_uuid", du) };
		r = sink_add(out, &desc_dev_size, (double)d->total_bytes, lb, 3);
		uint64_t unused = d->total_bytes - d->bytes_used; /* wraps, as Go's does */
		if (r == 0)
			r = sink_add(out, &desc_dev_unused, (double)unused, lb, 3);
		for (int k = 0; r == 0 && k < BTRFSDEV_NERRS; k++)
			r = sink_add(out, &desc_dev_errors, (double)d->errs[k],
				     LABELS(lb[0], lb[1], lb[2], L("type", kinds[k])));
	}
	return r;
}

/* ---- procfs's reader ---- */

/* A directory read as procfs reads it: fd (or -1 with open_err when it could not be
 * opened) and the last error, which makes every later value 0. */
struct rd {
	int fd, open_err, err;
};

/* procfs's readFile: rel's text, trimmed, as one read of at most 128 bytes into
 * buf[SYSFS_ATTR_MAX + 1]; "" on failure, and a failure other than a missing file
 * becomes rd->err. */
static struct span rd_text(struct rd *rd, const char *rel, char *buf)
{
	struct span v = { buf, 0 };
	int r = rd->fd < 0 ? rd->open_err : sysfs_attr(rd->fd, rel, buf, SYSFS_ATTR_MAX + 1, &v);
	if (r < 0 && r != -ENOENT)
		rd->err = r;
	return r < 0 ? (struct span){ buf, 0 } : v;
}

/* procfs's readValue: 0 once the reader has failed, or when the text is no number. */
static uint64_t rd_value(struct rd *rd, const char *rel)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span t = rd_text(rd, rel, buf);
	return rd->err ? 0 : btrfs_value(t);
}

/* Open dirfd/rel as a directory into a reader. */
static struct rd rd_open(int dirfd, const char *rel)
{
	struct rd rd = { -1, 0, 0 };
	rd.fd = dirfd < 0 ? -1 : openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd.fd < 0)
		rd.open_err = dirfd < 0 ? -ENOENT : -errno;
	return rd;
}

static void rd_close(struct rd *rd)
{
	if (rd->fd >= 0)
		close(rd->fd);
	rd->fd = -1;
}

/* ---- the collector ---- */

/* The survey of btrfs mounts, owned by the deadline pool while it runs. */
struct survey_job {
	struct dl_job dl;         /* first: the pool hands it back */
	struct buf mounts;        /* in: "<source>\0<path>\0" per btrfs mount */
	struct btrfsdev_survey s; /* out */
};

struct btrfs_priv {
	struct dirscan dir; /* /sys/fs/btrfs */
	struct fdscan scan; /* one listing of a filesystem */
	struct btrfs_ent *ents;
	uint32_t nents, ents_cap;
	struct buf names; /* the listed entries' names */
	char commit[COMMIT_MAX];
	/* the ioctl survey */
	const char *rootfs;
	struct mountinfo_src mi;
	struct mount_table mt;
	struct dl_pool *pool;
	struct survey_job *job;
	bool stuck; /* the job overran and has not returned yet */
};

/* Whether entry name of dirfd (type from the listing) is a directory, not following a
 * symlink (Go's DirEntry.IsDir). */
static bool is_dir(int dirfd, const char *name, unsigned char type)
{
	struct stat st;
	if (type != DT_UNKNOWN)
		return type == DT_DIR;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* List directory rel of rd (all entries, or only directories) and read files[0..nf)
 * beneath each into p->ents, then settle them as procfs would (btrfs_settle). A listing
 * that cannot be made is rd's error. Returns 0, or -ENOMEM/-E2BIG. */
static int read_listing(struct btrfs_priv *p, struct rd *rd, const char *rel, bool dirs_only,
			const char *const *files, int nf)
{
	const char *name;
	unsigned char type;
	char buf[SYSFS_ATTR_MAX + 1];
	int r = 0;
	struct rd list = rd_open(rd->fd, rel);
	p->nents = 0;
	buf_reset(&p->names);
	if (list.fd < 0) {
		rd->err = list.open_err == -ENOENT && rd->fd < 0 ? rd->open_err : list.open_err;
		return 0;
	}
	int e = fdscan_start(&p->scan, list.fd);
	while (e == 0 && (e = fdscan_next(&p->scan, &name, &type)) > 0) {
		e = 0;
		if (dirs_only && !is_dir(list.fd, name, type))
			continue;
		if (p->nents == p->ents_cap &&
		    (r = grow_array((void **)&p->ents, &p->ents_cap, p->nents + 1,
				    sizeof(*p->ents))) < 0)
			break;
		struct btrfs_ent *ent = &p->ents[p->nents];
		memset(ent, 0, sizeof(*ent));
		ent->name_off = (uint32_t)p->names.len;
		ent->name_len = (uint32_t)strlen(name);
		if ((r = buf_append(&p->names, name, ent->name_len + 1)) < 0)
			break;
		p->nents++;
		if (nf == 0)
			continue;
		/* a link stored as a file (a copied tree) is followed; a dangling one has no
		 * files */
		struct rd sub = { .fd = sysfs_open_dir(list.fd, name) };
		sub.open_err = sub.fd < 0 ? sub.fd : 0;
		for (int k = 0; k < nf; k++) {
			struct span t = rd_text(&sub, files[k], buf);
			ent->v[k] = btrfs_value(t);
			if (sub.err && !ent->fail) {
				ent->fail = k + 1;
				ent->err = sub.err;
			}
		}
		rd_close(&sub);
	}
	if (e < 0 && !rd->err)
		rd->err = e; /* the listing broke off */
	rd_close(&list);
	btrfs_settle(p->ents, p->nents, p->names.p, &rd->err);
	return r;
}

/* The name of entry i of the last listing. */
static struct span ent_name(const struct btrfs_priv *p, uint32_t i)
{
	return (struct span){ p->names.p + p->ents[i].name_off, p->ents[i].name_len };
}

/* Read allocation/<type> (a sub-reader of rd) and emit its reserved_bytes and profiles.
 * rd's error becomes the sub-reader's, as procfs does. Returns 0 or -errno. */
static int collect_allocation(struct btrfs_priv *p, struct rd *rd, const char *type,
			      const char *uuid, uint64_t ndev, struct metric_sink *out)
{
	static const char *const scalars[] = { "bytes_may_use", "bytes_pinned", "bytes_readonly",
					       "bytes_reserved", "bytes_used", "disk_used",
					       "disk_total", "flags", "total_bytes",
					       "total_bytes_pinned" };
	static const char *const layout_files[] = { "total_bytes", "used_bytes" };
	char rel[32];
	uint64_t reserved = 0;
	snprintf(rel, sizeof(rel), "allocation/%s", type);
	struct rd sub = rd_open(rd->fd, rel);
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		uint64_t v = rd_value(&sub, scalars[i]);
		if (i == 3)
			reserved = v;
	}
	int r = read_listing(p, &sub, ".", true, layout_files, 2);
	rd->err = sub.err;
	rd_close(&sub);
	if (r == 0)
		r = sink_add(out, &desc_reserved, (double)reserved,
			     LABELS(L("uuid", uuid), L("block_group_type", type)));
	for (uint32_t i = 0; r == 0 && i < p->nents; i++) {
		struct span mode = ent_name(p, i);
		const struct label lb[] = { L("uuid", uuid), L("block_group_type", type),
					    LS("mode", mode) };
		r = sink_add(out, &desc_used, (double)p->ents[i].v[1], lb, 3);
		if (r == 0)
			r = sink_add(out, &desc_size, (double)p->ents[i].v[0], lb, 3);
		if (r == 0)
			r = sink_add(out, &desc_ratio, btrfs_ratio(mode, ndev), lb, 3);
	}
	return r;
}

/* Read commit_stats into *cs. Returns 0 (also when there is none: kernels before 6.0),
 * or the error procfs would keep. */
static int read_commit(struct btrfs_priv *p, int fd, struct btrfs_commit *cs)
{
	size_t len;
	int r = read_file_dirfd(fd, "commit_stats", p->commit, sizeof(p->commit), &len);
	memset(cs, 0, sizeof(*cs));
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : btrfs_commit_parse(p->commit, len, cs);
}

/* Find filesystem uuid in the survey, or NULL. */
static const struct btrfsdev_fs *survey_find(const struct btrfsdev_survey *s, struct span uuid)
{
	for (uint32_t i = 0; s && i < s->nfs; i++)
		if (btrfs_fsid_matches(uuid, s->fs[i].fsid))
			return &s->fs[i];
	return NULL;
}

/* Read and emit filesystem directory `name` of /sys/fs/btrfs (survey: the ioctl view, or
 * NULL). Returns 0 or -errno. */
static int collect_fs(struct btrfs_priv *p, const char *name, const struct btrfsdev_survey *s,
		      struct metric_sink *out)
{
	static const char *const size_file[] = { "size" };
	char label_buf[SYSFS_ATTR_MAX + 1], uuid_buf[SYSFS_ATTR_MAX + 1], uuid[NAME_MAX + 1];
	struct btrfs_commit cs;
	struct rd rd = rd_open(dirscan_fd(&p->dir), name);
	int r = 0;
	if (rd.fd < 0)
		return rd.open_err; /* gone, or not a directory: procfs fails there too */
	if ((r = read_listing(p, &rd, "devices", false, size_file, 1)) < 0)
		goto out;
	uint64_t ndev = p->nents;
	struct span label = rd_text(&rd, "label", label_buf);
	struct span id = rd_text(&rd, "metadata_uuid", uuid_buf);
	span_copy(id.len ? id : span_cstr(name), uuid, sizeof(uuid));
	const struct btrfsdev_fs *f = survey_find(s, span_cstr(uuid));
	if (f)
		r = btrfs_emit_ioctl(s, f, uuid, out);
	for (uint32_t i = 0; r == 0 && !f && i < p->nents; i++)
		r = sink_add(out, &desc_dev_size, (double)(p->ents[i].v[0] * 512),
			     LABELS(L("uuid", uuid), LS("device", ent_name(p, i))));
	if (r == 0 && (r = read_listing(p, &rd, "features", false, NULL, 0)) == 0) {
		static const char *const unused[] = { "clone_alignment", "nodesize",
						      "quota_override", "sectorsize",
						      "allocation/global_rsv_reserved" };
		for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
			rd_value(&rd, unused[i]);
	}
	uint64_t rsv = rd_value(&rd, "allocation/global_rsv_size");
	static const char *const types[] = { "data", "metadata", "system" };
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = collect_allocation(p, &rd, types[i], uuid, ndev, out);
	int ce = read_commit(p, rd.fd, &cs);
	if (r == 0)
		r = rd.err ? rd.err : ce; /* only allocation/system's error is left, or this */
	const struct label lu[] = { L("uuid", uuid) };
	if (r == 0)
		r = sink_add(out, &desc_info, 1, LABELS(L("uuid", uuid), LS("label", label)));
	if (r == 0)
		r = sink_add(out, &desc_global_rsv, (double)rsv, lu, 1);
	if (r == 0)
		r = sink_add(out, &desc_commits, (double)cs.commits, lu, 1);
	if (r == 0)
		r = sink_add(out, &desc_last_commit, (double)cs.last_ms / 1000, lu, 1);
	if (r == 0)
		r = sink_add(out, &desc_max_commit, (double)cs.max_ms / 1000, lu, 1);
	if (r == 0)
		r = sink_add(out, &desc_commit_seconds, (double)cs.total_ms / 1000, lu, 1);
out:
	rd_close(&rd);
	return r;
}

/* The survey job's work, on a pool worker: touches nothing but the job. */
static void survey_fn(struct dl_job *dj)
{
	struct survey_job *j = (struct survey_job *)dj;
	btrfsdev_survey_run(&j->s, j->mounts.p, j->mounts.len);
}

/* Free a survey job (dl_job_release's callback, or directly when never run). */
static void survey_free(struct dl_job *dj)
{
	struct survey_job *j = (struct survey_job *)dj;
	buf_fini(&j->mounts);
	btrfsdev_survey_fini(&j->s);
	free(j);
}


/* Ask every btrfs mount about its devices, within BTRFS_SURVEY_MS. Returns the survey,
 * or NULL when there is none this time (no btrfs mount, no mount table, a survey still
 * stuck): node_exporter then falls back to sysfs as well. */
static const struct btrfsdev_survey *survey(struct btrfs_priv *p)
{
	struct survey_job *j = p->job;
	char path[PATH_MAX];
	if (p->stuck) {
		if (dl_job_busy(p->pool, &j->dl))
			return NULL;
		p->stuck = false;
		plog(LOG_INFO, "btrfs device survey returned; asking the devices again", PLOG_END);
	}
	if (mountinfo_src_read(&p->mi, &p->mt) < 0)
		return NULL; /* node_exporter logs this at debug and goes on without */
	if (!j && !(j = p->job = calloc(1, sizeof(*j))))
		return NULL;
	j->dl.fn = survey_fn;
	buf_reset(&j->mounts);
	for (uint32_t i = 0; i < p->mt.n; i++) {
		const struct mount_entry *m = &p->mt.v[i];
		if (strcmp(mount_str(&p->mt, m->fs_off), "btrfs") != 0 ||
		    path_join(path, sizeof(path), p->rootfs, mount_str(&p->mt, m->mp_off)) < 0)
			continue;
		if (buf_append(&j->mounts, mount_str(&p->mt, m->dev_off), m->dev_len + 1) < 0 ||
		    buf_append(&j->mounts, path, strlen(path) + 1) < 0)
			return NULL;
	}
	if (!j->mounts.len)
		return NULL;
	/* the pool's thread starts here, not in init: init runs before the sandbox is
	 * entered, and a thread made then would escape Landlock */
	if (!p->pool && dl_pool_create(1, 2, &p->pool) < 0)
		return NULL;
	struct dl_job *const batch[] = { &j->dl };
	if (dl_pool_run(p->pool, batch, 1, BTRFS_SURVEY_MS) < 0 || j->dl.state != DL_DONE) {
		if (j->dl.state == DL_TIMEDOUT) {
			p->stuck = true;
			plog(LOG_WARN,
			     "btrfs device survey overran; reporting sysfs sizes until it returns",
			     PLOG_END);
		}
		return NULL;
	}
	return &j->s;
}

static int btrfs_init(struct collector *c)
{
	struct btrfs_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	p->rootfs = cfg_rootfs(c->cfg);
	int r = dirscan_init(&p->dir, cfg_sysfs(c->cfg), "fs/btrfs");
	if (r == 0)
		r = mountinfo_src_init(&p->mi, cfg_procfs(c->cfg));
	return r;
}

static int btrfs_collect(struct collector *c, struct metric_sink *out)
{
	struct btrfs_priv *p = c->priv;
	const struct btrfsdev_survey *s = NULL;
	bool asked = false;
	const char *name;
	unsigned char type;
	/* no /sys/fs/btrfs (or no filesystem in it): success and no series, as node_exporter */
	int r = dirscan_rewind(&p->dir);
	if (r < 0)
		return 0;
	while ((r = dirscan_next(&p->dir, &name, &type)) > 0) {
		if (!strchr(name, '-'))
			continue; /* features/, and other global entries */
		if (!asked) {
			s = survey(p);
			asked = true;
		}
		if ((r = collect_fs(p, name, s, out)) < 0)
			break;
	}
	return r == -ENOENT ? -ENODATA : r; /* a failure, not "no btrfs here" */
}

static void btrfs_fini(struct collector *c)
{
	struct btrfs_priv *p = c->priv;
	if (!p)
		return;
	if (p->job && p->pool)
		dl_job_release(p->pool, &p->job->dl, survey_free);
	else if (p->job)
		survey_free(&p->job->dl);
	dl_pool_destroy(p->pool);
	dirscan_fini(&p->dir);
	mountinfo_src_fini(&p->mi);
	mount_table_fini(&p->mt);
	free(p->ents);
	buf_fini(&p->names);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_btrfs = {
	.name = "btrfs",
	.default_enabled = true,
	.reads = "/sys/fs/btrfs/<uuid>/, and device stats by ioctl on each btrfs mount",
	.init = btrfs_init,
	.collect = btrfs_collect,
	.fini = btrfs_fini,
};

/*
 * filesystem: size, free space and inodes of every mounted filesystem, as
 * node_exporter's filesystem collector reports them, without ever letting a hung mount
 * hold a scrape.
 *
 * Each scrape reads <procfs>/1/mountinfo (or <procfs>/self/mountinfo when pid 1's is
 * hidden) unless the kernel says the mount table has not changed since the last read
 * (procfile_mounts_changed: no mount, unmount or remount), drops the mount points and
 * filesystem types the exclude/include patterns filter out, and calls statfs on each
 * remaining mount point (joined under --path.rootfs). The statfs calls run on a
 * lib/deadline.h worker pool of --collector.filesystem.stat-workers threads, each with
 * --collector.filesystem.mount-timeout counted from its start. A mount whose call
 * overruns is reported with device_error="mountpoint timeout", logged once, and not
 * queried again until its stuck call returns; its worker is abandoned and replaced.
 *
 * Series per mount (labels device, mountpoint, fstype, device_error): device_error and
 * readonly always; size_bytes, free_bytes, avail_bytes, files, files_free and
 * mount_info{device,major,minor,mountpoint} only when statfs worked. Entries whose
 * labels repeat (the same mount listed twice) are reported once.
 *
 * Memory: mount table, results, jobs and the dedup table are grow-only arrays in priv;
 * once the host's mount count is reached a scrape allocates nothing.
 */
#include "collectors/filesystem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "core/collector.h"
#include "lib/deadline.h"
#include "lib/log.h"
#include "lib/privop.h"
#include "lib/procfile.h"
#include "lib/regex.h"
#include "lib/strparse.h"

#define DEF_MP_EXCLUDE                                                                     \
	"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
#define DEF_FS_EXCLUDE                                                                     \
	"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|" \
	"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|"      \
	"squashfs|erofs|sysfs|tracefs)$"
#define MAX_STAT_WORKERS 128u
#define EXTRA_STUCK_THREADS 32u /* threads that may sit in stuck calls beyond the pool */
#define MOUNTINFO_MAX (16u << 20)
#define TIMEOUT_LABEL "mountpoint timeout"

static const struct flag_def fs_flags[] = {
	{ "collector.filesystem.mount-points-exclude", FLAG_REGEX, DEF_MP_EXCLUDE,
	  "Mount points to leave out (regex; not together with mount-points-include).", false },
	{ "collector.filesystem.mount-points-include", FLAG_REGEX, NULL,
	  "Only report mount points matching this regex (not together with mount-points-exclude).",
	  false },
	{ "collector.filesystem.ignored-mount-points", FLAG_REGEX, NULL,
	  "Deprecated spelling of mount-points-exclude.", false },
	{ "collector.filesystem.fs-types-exclude", FLAG_REGEX, DEF_FS_EXCLUDE,
	  "Filesystem types to leave out (regex; not together with fs-types-include).", false },
	{ "collector.filesystem.fs-types-include", FLAG_REGEX, NULL,
	  "Only report filesystem types matching this regex (not together with fs-types-exclude).",
	  false },
	{ "collector.filesystem.ignored-fs-types", FLAG_REGEX, NULL,
	  "Deprecated spelling of fs-types-exclude.", false },
	{ "collector.filesystem.mount-timeout", FLAG_DURATION, "5s",
	  "How long one mount's statfs may take before the mount is reported stuck.", false },
	{ "collector.filesystem.stat-workers", FLAG_INT, "4",
	  "Threads running statfs calls side by side.", false },
	{ NULL, 0, NULL, NULL, false },
};

enum { D_SIZE, D_FREE, D_AVAIL, D_FILES, D_FFREE, D_RO, D_ERR, D_INFO, D_COUNT };

static const struct metric_desc descs[D_COUNT] = {
	[D_SIZE] = { "node_filesystem_size_bytes", "Total size of the filesystem in bytes.",
		     METRIC_GAUGE },
	[D_FREE] = { "node_filesystem_free_bytes",
		     "Free bytes on the filesystem, including those reserved for root.",
		     METRIC_GAUGE },
	[D_AVAIL] = { "node_filesystem_avail_bytes",
		      "Free bytes on the filesystem that unprivileged users may use.",
		      METRIC_GAUGE },
	[D_FILES] = { "node_filesystem_files", "Total inodes of the filesystem.", METRIC_GAUGE },
	[D_FFREE] = { "node_filesystem_files_free", "Free inodes of the filesystem.",
		      METRIC_GAUGE },
	[D_RO] = { "node_filesystem_readonly", "1 when the filesystem is mounted read-only.",
		   METRIC_GAUGE },
	[D_ERR] = { "node_filesystem_device_error",
		    "1 when statfs on the mount point failed or timed out; the reason is in the "
		    "device_error label.",
		    METRIC_GAUGE },
	[D_INFO] = { "node_filesystem_mount_info",
		     "Always 1; labels name the mounted device and its major and minor numbers.",
		     METRIC_GAUGE },
};

/* One statfs call, handed to a worker. The worker touches nothing else. */
struct fs_job {
	struct dl_job dl; /* first: the pool hands this back */
	char path[PATH_MAX];
	struct statfs st;
	int err;    /* 0 or the errno of statfs */
	bool stuck; /* timed out and still busy (main thread's view) */
};

enum fs_status { ST_FILTERED = 0, ST_QUEUED, ST_OK, ST_ERROR, ST_TIMEOUT };

/* What one mount's scrape found. err: errno for ST_ERROR. */
struct fs_result {
	bool picked; /* passed the mount point and type filters; kept while the table is */
	enum fs_status status;
	int err;
	struct fs_job *job;
	struct span mp; /* mount point label after the rootfs strip; NUL follows it */
	double size, free, avail, files, ffree;
};

struct fs_priv {
	struct mountinfo_src mi;
	struct mount_table mt;
	struct filter mp_filter, fs_filter;
	const char *rootfs;
	int64_t timeout_ms;
	unsigned workers;          /* pool size, from --collector.filesystem.stat-workers */
	struct dl_pool *pool;      /* made by the first collection (see fs_start) */
	struct fs_job **jobs;      /* every job made; owned */
	size_t njobs, jobs_cap, nstuck;
	struct dl_job **batch;     /* this scrape's queued jobs */
	size_t batch_cap;
	struct fs_result *res;     /* parallel to mt.v */
	size_t res_cap;
	uint32_t *seen;            /* dedup hash: result index + 1; 0 empty */
	size_t seen_cap;           /* power of two */
	size_t nb;                 /* jobs in batch, started by fs_start */
	int start_err;             /* what fs_start returned this collection */
	bool prepared;             /* fs_prepare ran fs_start for this collection */
	uint64_t picks_gen;        /* the mount table whose res[].picked are known */
};

/* ---- parsing ---------------------------------------------------------------------- */

int mount_unescape(const char *src, size_t len, struct buf *out)
{
	int r = buf_reserve(out, len);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++) {
		char c = src[i], dec = 0;
		if (c == '\\' && len - i >= 4) {
			const char *e = src + i + 1;
			if (memcmp(e, "040", 3) == 0)
				dec = ' ';
			else if (memcmp(e, "011", 3) == 0)
				dec = '\t';
			else if (memcmp(e, "012", 3) == 0)
				dec = '\n';
			else if (memcmp(e, "134", 3) == 0)
				dec = '\\';
		}
		if (dec) {
			c = dec;
			i += 3;
		}
		out->p[out->len++] = c;
	}
	out->p[out->len] = '\0';
	return 0;
}

/* Append field f decoded to t->strs; its offset and length go to *off, *len. */
static int put_field(struct mount_table *t, struct span f, uint32_t *off, uint32_t *len)
{
	size_t start = t->strs.len;
	if (start >= UINT32_MAX || f.len >= UINT32_MAX - start)
		return -E2BIG; /* offsets are 32-bit */
	int r = mount_unescape(f.p, f.len, &t->strs);
	if (r < 0)
		return r;
	*off = (uint32_t)start;
	*len = (uint32_t)(t->strs.len - start);
	return buf_putc(&t->strs, '\0') < 0 ? -ENOMEM : 0;
}

/* Whether the comma-separated option list opts holds the option "ro". */
static bool has_ro(struct span opts)
{
	struct span f;
	while (span_field(&opts, ',', &f))
		if (span_eq(f, "ro"))
			return true;
	return false;
}

/* Parse "major:minor" the way node_exporter's %d:%d does. */
static int parse_devnum(struct span s, int64_t *major, int64_t *minor)
{
	const char *colon = memchr(s.p, ':', s.len);
	if (!colon)
		return -EINVAL;
	struct span a = { s.p, (size_t)(colon - s.p) };
	struct span b = { colon + 1, s.len - a.len - 1 };
	if (span_i64(a, major) < 0 || span_i64(b, minor) < 0)
		return -EINVAL;
	return 0;
}

/* Make room for one more entry. */
static int table_grow(struct mount_table *t)
{
	if (t->n < t->cap)
		return 0;
	if (t->cap >= (1u << 20))
		return -E2BIG;
	uint32_t ncap = t->cap ? t->cap * 2 : 64;
	struct mount_entry *v = realloc(t->v, ncap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->v = v;
	t->cap = ncap;
	return 0;
}

/* Parse one mountinfo line into a new entry of t. Returns 0, -EINVAL or -errno. */
static int parse_line(struct span line, struct mount_table *t)
{
	struct span s = line, f, first[6], last[4];
	size_t nf = 0;
	int64_t id;
	if (memchr(line.p, '\0', line.len))
		return -EINVAL; /* the kernel never writes NUL; labels could not carry it */
	while (span_field(&s, ' ', &f)) {
		if (nf < 6)
			first[nf] = f;
		last[nf % 4] = f;
		nf++;
	}
	if (nf < 10 || !span_eq(last[(nf - 4) % 4], "-"))
		return -EINVAL;
	if (span_i64(first[0], &id) < 0 || span_i64(first[1], &id) < 0)
		return -EINVAL;
	int r = table_grow(t);
	if (r < 0)
		return r;
	struct mount_entry *e = &t->v[t->n];
	if (parse_devnum(first[2], &e->major, &e->minor) < 0)
		return -EINVAL;
	e->ro = has_ro(first[5]) || has_ro(last[(nf - 1) % 4]);
	r = put_field(t, first[4], &e->mp_off, &e->mp_len);
	if (r == 0)
		r = put_field(t, last[(nf - 3) % 4], &e->fs_off, &e->fs_len);
	if (r == 0)
		r = put_field(t, last[(nf - 2) % 4], &e->dev_off, &e->dev_len);
	if (r < 0)
		return r;
	t->n++;
	return 0;
}

int mountinfo_parse(const char *buf, size_t len, struct mount_table *t)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	int r = 0;
	t->n = 0;
	t->gen++;
	buf_reset(&t->strs);
	if (!t->strs.max)
		t->strs.max = 64u << 20;
	while (cursor_line(&cur, &line)) {
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--; /* Go's line scanner drops one \r before \n */
		r = parse_line(line, t);
		if (r < 0)
			goto out_reject;
	}
	return 0;
out_reject:
	t->n = 0;
	buf_reset(&t->strs);
	return r;
}

void mount_table_fini(struct mount_table *t)
{
	free(t->v);
	buf_fini(&t->strs);
	memset(t, 0, sizeof(*t));
}

struct span rootfs_strip(const char *rootfs, struct span mp)
{
	size_t rl = rootfs ? strlen(rootfs) : 0;
	if (rl == 0 || (rl == 1 && rootfs[0] == '/'))
		return mp;
	if (mp.len < rl || memcmp(mp.p, rootfs, rl) != 0)
		return mp;
	if (mp.len == rl)
		return SPAN_LIT("/");
	return (struct span){ mp.p + rl, mp.len - rl };
}

void errno_label(int e, char *out, size_t cap)
{
	const char *d = strerrordesc_np(e);
	if (!cap)
		return;
	if (d)
		snprintf(out, cap, "%s", d);
	else
		snprintf(out, cap, "errno %d", e);
	/* Go lowercases the first letter unless the word is all capitals ("STREAMS") */
	if (out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z')
		out[0] = (char)(out[0] - 'A' + 'a');
}

/* ---- jobs ------------------------------------------------------------------------- */

/* Worker side: statfs on the job's path, retried on EINTR. */
static void statfs_job(struct dl_job *dj)
{
	struct fs_job *j = (struct fs_job *)dj;
	int r;
	do
		r = statfs(j->path, &j->st);
	while (r < 0 && errno == EINTR);
	j->err = r < 0 ? errno : 0;
	/* a mount point beneath a folder only root may enter: the broker may statfs it
	 * (lib/privop.h); if it cannot either, the first refusal stands */
	if (j->err && privop_refused(-j->err) && privop_statfs(j->path, &j->st) == 0)
		j->err = 0;
}

/* Release callback for dl_job_release: frees the fs_job whose first member is dj. */
static void job_free(struct dl_job *dj)
{
	free(dj);
}

/* A job not in use this scrape, starting the search at *cursor; made if none is free.
 * Returns NULL on -ENOMEM. The job stays owned by p->jobs. */
static struct fs_job *take_job(struct fs_priv *p, size_t *cursor)
{
	while (*cursor < p->njobs && p->jobs[*cursor]->stuck)
		(*cursor)++;
	if (*cursor < p->njobs)
		return p->jobs[(*cursor)++];
	if (p->njobs == p->jobs_cap) {
		size_t ncap = p->jobs_cap ? p->jobs_cap * 2 : 16;
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized so */
		struct fs_job **v = realloc(p->jobs, ncap * sizeof(*v));
		if (!v)
			return NULL;
		p->jobs = v;
		p->jobs_cap = ncap;
	}
	struct fs_job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->dl.fn = statfs_job;
	p->jobs[p->njobs++] = j;
	*cursor = p->njobs;
	return j;
}

/* The stuck job for stat path `path`, or NULL. */
static struct fs_job *find_stuck(const struct fs_priv *p, const char *path)
{
	if (!p->nstuck)
		return NULL;
	for (size_t i = 0; i < p->njobs; i++)
		if (p->jobs[i]->stuck && strcmp(p->jobs[i]->path, path) == 0)
			return p->jobs[i];
	return NULL;
}

/* Forget the stuck mark of every job whose call has returned, and say so once. */
static void reap_stuck(struct fs_priv *p)
{
	for (size_t i = 0; i < p->njobs && p->nstuck; i++) {
		struct fs_job *j = p->jobs[i];
		if (!j->stuck || dl_job_busy(p->pool, &j->dl))
			continue;
		j->stuck = false;
		p->nstuck--;
		plog(LOG_INFO, "mount point answers statfs again; querying it again", "path",
		     j->path, PLOG_END);
	}
}

/* ---- collection ------------------------------------------------------------------- */

/* Make res, batch and seen hold at least n mounts. Returns 0 or -ENOMEM. */
static int reserve_scrape(struct fs_priv *p, size_t n)
{
	if (n > p->res_cap) {
		struct fs_result *r = realloc(p->res, n * sizeof(*r));
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized so */
		struct dl_job **b = r ? realloc(p->batch, n * sizeof(*b)) : NULL;
		if (r)
			p->res = r;
		if (!b)
			return -ENOMEM;
		p->batch = b;
		p->res_cap = p->batch_cap = n;
	}
	size_t want = 16;
	while (want < 2 * n)
		want *= 2;
	if (want > p->seen_cap) {
		uint32_t *s = realloc(p->seen, want * sizeof(*s));
		if (!s)
			return -ENOMEM;
		p->seen = s;
		p->seen_cap = want;
	}
	return 0;
}

int mountinfo_src_init(struct mountinfo_src *m, const char *procfs)
{
	m->init.fd = m->self.fd = -1;
	m->last = NULL;
	int r = procfile_init(&m->init, procfs, "1/mountinfo", MOUNTINFO_MAX);
	if (r == 0)
		r = procfile_init(&m->self, procfs, "self/mountinfo", MOUNTINFO_MAX);
	return r;
}

int mountinfo_src_read(struct mountinfo_src *m, struct mount_table *t)
{
	struct procfile *pf = m->last;
	if (pf && !procfile_mounts_changed(pf))
		return 0; /* t still describes the table */
	m->last = NULL;
	pf = &m->init;
	int r = procfile_read(pf);
	if (r == -ENOENT) {
		pf = &m->self;
		r = procfile_read(pf);
	}
	if (r == 0)
		r = mountinfo_parse(pf->buf, pf->len, t);
	if (r == 0)
		m->last = pf;
	return r;
}

void mountinfo_src_fini(struct mountinfo_src *m)
{
	procfile_fini(&m->init);
	procfile_fini(&m->self);
	m->last = NULL;
}

/* Decide what mount i needs: filtered out, already stuck, or a statfs (queued into
 * p->batch[*nb]). Returns 0 or -errno. */
static int plan_mount(struct fs_priv *p, uint32_t i, size_t *cursor, size_t *nb)
{
	const struct mount_entry *e = &p->mt.v[i];
	struct fs_result *res = &p->res[i];
	char path[PATH_MAX];
	bool known = p->picks_gen == p->mt.gen; /* else a new table (and res[i] unset) */
	bool picked = known && res->picked;
	memset(res, 0, sizeof(*res));
	res->mp = rootfs_strip(p->rootfs, (struct span){ mount_str(&p->mt, e->mp_off), e->mp_len });
	if (!known) /* run the filters' regexes again */
		picked = filter_pass(&p->mp_filter, res->mp.p, res->mp.len) &&
			 filter_pass(&p->fs_filter, mount_str(&p->mt, e->fs_off), e->fs_len);
	res->picked = picked;
	if (!picked)
		return 0;
	if (path_join(path, sizeof(path), p->rootfs, res->mp.p) < 0) {
		res->status = ST_ERROR;
		res->err = ENAMETOOLONG;
		return 0;
	}
	if (find_stuck(p, path)) {
		res->status = ST_TIMEOUT;
		return 0;
	}
	struct fs_job *j = take_job(p, cursor);
	if (!j)
		return -ENOMEM;
	memcpy(j->path, path, sizeof(path));
	res->status = ST_QUEUED;
	res->job = j;
	p->batch[(*nb)++] = &j->dl;
	return 0;
}

/* Take mount i's statfs result out of its job once the batch has run. */
static void settle_mount(struct fs_priv *p, uint32_t i)
{
	struct fs_result *res = &p->res[i];
	struct fs_job *j = res->job;
	if (res->status != ST_QUEUED)
		return;
	res->job = NULL;
	if (j->dl.state == DL_SKIPPED) {
		res->status = ST_TIMEOUT;
		return;
	}
	if (j->dl.state == DL_TIMEDOUT) {
		res->status = ST_TIMEOUT;
		j->stuck = true;
		p->nstuck++;
		char ms[32];
		snprintf(ms, sizeof(ms), "%lld", (long long)p->timeout_ms);
		plog(LOG_WARN, "mount point did not answer statfs in time; reported as stuck "
			       "until the call returns",
		     "path", j->path, "timeout_ms", ms, PLOG_END);
		return;
	}
	if (j->err) {
		res->status = ST_ERROR;
		res->err = j->err;
		return;
	}
	double bsize = (double)j->st.f_bsize;
	res->status = ST_OK;
	res->size = (double)j->st.f_blocks * bsize;
	res->free = (double)j->st.f_bfree * bsize;
	res->avail = (double)j->st.f_bavail * bsize;
	res->files = (double)j->st.f_files;
	res->ffree = (double)j->st.f_ffree;
}

/* Whether a and b hold the same bytes. */
static bool span_same(struct span a, struct span b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* Whether mounts a and b would print the same label sets. */
static bool same_labels(const struct fs_priv *p, uint32_t a, uint32_t b)
{
	const struct mount_entry *ea = &p->mt.v[a], *eb = &p->mt.v[b];
	const struct fs_result *ra = &p->res[a], *rb = &p->res[b];
	return ra->status == rb->status && ra->err == rb->err && ea->major == eb->major &&
	       ea->minor == eb->minor && span_same(ra->mp, rb->mp) &&
	       ea->dev_len == eb->dev_len && ea->fs_len == eb->fs_len &&
	       memcmp(mount_str(&p->mt, ea->dev_off), mount_str(&p->mt, eb->dev_off),
		      ea->dev_len) == 0 &&
	       memcmp(mount_str(&p->mt, ea->fs_off), mount_str(&p->mt, eb->fs_off), ea->fs_len) == 0;
}

/* FNV-1a of data[0..n), continuing from h (start with 2166136261). */
static uint32_t fnv(uint32_t h, const void *data, size_t n)
{
	const unsigned char *d = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 16777619u;
	return h;
}

/* Whether mount i repeats the labels of a mount reported earlier this scrape; records
 * it when not. */
static bool seen_before(struct fs_priv *p, uint32_t i)
{
	struct span mp = p->res[i].mp;
	const struct mount_entry *e = &p->mt.v[i];
	uint32_t h = fnv(2166136261u, mp.p, mp.len);
	h = fnv(h, mount_str(&p->mt, e->dev_off), e->dev_len);
	size_t mask = p->seen_cap - 1;
	for (size_t k = h & mask;; k = (k + 1) & mask) {
		if (p->seen[k] == 0) {
			p->seen[k] = i + 1;
			return false;
		}
		if (same_labels(p, p->seen[k] - 1, i))
			return true;
	}
}

/* Emit mount i's series. Returns 0 or -errno from the sink. */
static int emit_mount(struct fs_priv *p, uint32_t i, struct metric_sink *out)
{
	const struct mount_entry *e = &p->mt.v[i];
	const struct fs_result *res = &p->res[i];
	char err[128] = "";
	if (res->status == ST_ERROR)
		errno_label(res->err, err, sizeof(err));
	else if (res->status == ST_TIMEOUT)
		snprintf(err, sizeof(err), "%s", TIMEOUT_LABEL);
	struct span dev = { mount_str(&p->mt, e->dev_off), e->dev_len };
	struct span fs = { mount_str(&p->mt, e->fs_off), e->fs_len };
	struct span mp = res->mp;
	const struct label l[4] = { LS("device", dev), L("device_error", err), LS("fstype", fs),
				    LS("mountpoint", mp) };
	int r = sink_add(out, &descs[D_ERR], res->status == ST_OK ? 0 : 1, l, 4);
	if (r == 0)
		r = sink_add(out, &descs[D_RO], e->ro ? 1 : 0, l, 4);
	if (r < 0 || res->status != ST_OK)
		return r;
	const double v[5] = { res->size, res->free, res->avail, res->files, res->ffree };
	for (int d = D_SIZE; d <= D_FFREE && r == 0; d++)
		r = sink_add(out, &descs[d], v[d], l, 4);
	char maj[24], min[24];
	snprintf(maj, sizeof(maj), "%lld", (long long)e->major);
	snprintf(min, sizeof(min), "%lld", (long long)e->minor);
	if (r == 0)
		r = sink_add(out, &descs[D_INFO], 1,
			     LABELS(LS("device", dev), L("major", maj), L("minor", min),
				    LS("mountpoint", mp)));
	return r;
}

/* Read the mount table, decide each mount's fate and start the statfs calls on the
 * pool (p->nb of them in p->batch). Returns 0 or -errno; on error nothing runs. */
static int fs_start(struct fs_priv *p)
{
	size_t cursor = 0;
	p->nb = 0;
	int r = mountinfo_src_read(&p->mi, &p->mt);
	if (r < 0)
		return r;
	r = reserve_scrape(p, p->mt.n);
	if (r < 0)
		return r;
	reap_stuck(p);
	for (uint32_t i = 0; i < p->mt.n && r == 0; i++)
		r = plan_mount(p, i, &cursor, &p->nb);
	if (r < 0) {
		p->picks_gen = 0; /* some mounts were not decided */
		return r;
	}
	p->picks_gen = p->mt.gen;
	/* The pool's threads start here, not in init: init runs before main enters the
	 * sandbox (src/runtime), and threads made then would escape Landlock, which
	 * confines only the thread that enables it and the threads it creates later. */
	if (!p->pool && (r = dl_pool_create(p->workers, p->workers + EXTRA_STUCK_THREADS,
					    &p->pool)) < 0)
		return r;
	return dl_pool_start(p->pool, p->batch, p->nb, p->timeout_ms);
}

/* Start the statfs calls while the collectors before this one run: by the time
 * fs_collect asks, the worker is usually done, and the scrape thread does not sleep
 * and wake for it. */
static void fs_prepare(struct collector *c)
{
	struct fs_priv *p = c->priv;
	p->start_err = fs_start(p);
	p->prepared = true;
}

static int fs_collect(struct collector *c, struct metric_sink *out)
{
	struct fs_priv *p = c->priv;
	if (!p->prepared)
		p->start_err = fs_start(p);
	p->prepared = false;
	int r = p->start_err;
	if (r < 0)
		return r;
	dl_pool_wait(p->pool, p->batch, p->nb);
	memset(p->seen, 0, p->seen_cap * sizeof(*p->seen));
	for (uint32_t i = 0; i < p->mt.n; i++)
		settle_mount(p, i);
	for (uint32_t i = 0; i < p->mt.n && r == 0; i++) {
		if (p->res[i].status != ST_FILTERED && !seen_before(p, i))
			r = emit_mount(p, i, out);
	}
	return r;
}

/* ---- set-up ----------------------------------------------------------------------- */

/* Work out one include/exclude pair the way node_exporter does: the deprecated flag
 * stands in for exclude unless exclude was given too; an include given without an
 * explicit exclude drops the default exclude; both at once is an error. */
static int setup_filter(const struct plumb_config *cfg, struct filter *f, const char *excl,
			const char *incl, const char *old)
{
	const char *ex = cfg_str(cfg, excl), *in = cfg_str(cfg, incl), *dep = cfg_str(cfg, old);
	if (dep && *dep) {
		if (cfg_given(cfg, excl)) {
			plog(LOG_ERROR, "flags are mutually exclusive", "flag", old, "flag", excl,
			     PLOG_END);
			return -EINVAL;
		}
		plog(LOG_WARN, "flag is deprecated", "flag", old, "use", excl, PLOG_END);
		ex = dep;
	}
	if (in && *in && !cfg_given(cfg, excl) && !(dep && *dep))
		ex = NULL;
	if (ex && *ex && in && *in) {
		plog(LOG_ERROR, "flags are mutually exclusive", "flag", excl, "flag", incl, PLOG_END);
		return -EINVAL;
	}
	return filter_init(f, in, ex);
}

static int fs_init(struct collector *c)
{
	const struct plumb_config *cfg = c->cfg;
	int64_t workers = 4;
	struct fs_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->rootfs = cfg_rootfs(cfg);
	int r = mountinfo_src_init(&p->mi, cfg_procfs(cfg));
	if (r == 0)
		r = setup_filter(cfg, &p->mp_filter, "collector.filesystem.mount-points-exclude",
				 "collector.filesystem.mount-points-include",
				 "collector.filesystem.ignored-mount-points");
	if (r == 0)
		r = setup_filter(cfg, &p->fs_filter, "collector.filesystem.fs-types-exclude",
				 "collector.filesystem.fs-types-include",
				 "collector.filesystem.ignored-fs-types");
	if (r < 0)
		return r;
	p->timeout_ms = 5000;
	cfg_duration_ms(cfg, "collector.filesystem.mount-timeout", &p->timeout_ms);
	cfg_int(cfg, "collector.filesystem.stat-workers", &workers);
	if (workers < 1)
		workers = 1; /* node_exporter runs at least one */
	if (workers > MAX_STAT_WORKERS)
		workers = MAX_STAT_WORKERS;
	p->workers = (unsigned)workers;
	return 0;
}

static void fs_fini(struct collector *c)
{
	struct fs_priv *p = c->priv;
	if (!p)
		return;
	for (size_t i = 0; i < p->njobs; i++) {
		if (p->pool)
			dl_job_release(p->pool, &p->jobs[i]->dl, job_free);
		else
			free(p->jobs[i]);
	}
	dl_pool_destroy(p->pool);
	free(p->jobs);
	free(p->batch);
	free(p->res);
	free(p->seen);
	filter_fini(&p->mp_filter);
	filter_fini(&p->fs_filter);
	mount_table_fini(&p->mt);
	mountinfo_src_fini(&p->mi);
	free(p);
	c->priv = NULL;
}

/* The broker may statfs mount points for plumb (one beneath a folder only root may
 * enter, a FUSE mount without allow_other): every one lies under the rootfs. */
static int fs_declare(struct collector *c, struct resources *res)
{
	return res_path(res, cfg_rootfs(c->cfg), NULL, RES_READ | RES_BROKER_STATFS);
}

const struct collector_ops collector_ops_filesystem = {
	.name = "filesystem",
	.default_enabled = true,
	.reads = "/proc/1/mountinfo, statfs on each mount point",
	.flags = fs_flags,
	.declare = fs_declare,
	.init = fs_init,
	.prepare = fs_prepare,
	.collect = fs_collect,
	.fini = fs_fini,
};

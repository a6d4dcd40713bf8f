/*
 * textfile: metrics from *.prom files in the directories --collector.textfile.directory
 * names, as node_exporter's textfile collector serves them.
 *
 * Each flag value is a directory or a glob pattern of directories (the flag may be
 * repeated, as in node_exporter 1.6+); a pattern that matches nothing is read as a
 * directory name. Every scrape lists the directories again and reads their *.prom files
 * in name order. A file that cannot be read or parsed, or that carries client-side
 * timestamps, contributes nothing and sets node_textfile_scrape_error to 1; the others
 * still count, and the collector itself always succeeds.
 *
 * Merging follows node_exporter: a metric name may come from several files; the first
 * file that gives it a HELP text fixes it, and a later file with a different HELP for
 * it is left out (an error). Names without HELP get "Metric read from <files>". Within
 * one file's family, series missing some of the family's label names get them with
 * empty values. Summaries and histograms are sorted by labels, their quantiles and
 * buckets by bound, and a histogram without a +Inf bucket gets one. node_textfile_
 * mtime_seconds{file} gives each good file's modification time.
 *
 * Files never speak for plumb. The collector is foreign (collector.h): it runs after
 * every other collector and self-metric source, and a family whose name plumb keeps for
 * itself, or that would clash with one of theirs in this collection or with this
 * collector's own, is left out. Its samples, and those of families that do not fit
 * whole in --collector.textfile.max-series and --collector.textfile.max-bytes, are
 * counted in plumb_textfile_dropped_series_total{reason}; both set node_textfile_
 * scrape_error to 1 and are logged when the families left out change.
 *
 * Memory: files are read into one grow-only buffer, each good file keeps a parser
 * (struct textparse) whose arrays are grow-only, and every list (directories, names,
 * merged families) is a grow-only array in struct textfile. Once the files stop
 * growing, a scrape allocates nothing; it opens each directory and file afresh, since
 * writers replace files by renaming.
 *
 * The folders are the user's and may sit on NFS or FUSE, where a listing, an open or
 * a read can wait for good on a server that no longer answers. So the reading half of
 * a collection (list, open, read, parse: read_dirs) runs on a lib/deadline.h worker
 * with --collector.textfile.timeout. When it overruns, the scrape goes on without the
 * text files and with node_textfile_scrape_error 1, and so does every later scrape
 * until the stuck call returns: struct textfile then belongs to the stuck job, and
 * struct tf_collector, the collector's own state, holds what a scrape needs meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/textfile.h"
#include "core/collector.h"
#include "expo/textparse.h"
#include "lib/deadline.h"
#include "lib/dirscan.h"
#include "lib/hindex.h"
#include "lib/log.h"
#include "lib/pathmatch.h"
#include "lib/procfile.h"
#include "lib/regfile.h"
#include "lib/sort.h"

#define TF_MAX_FILE (16u << 20)  /* bytes in one .prom file */
#define TF_MAX_LIST 65536u       /* directories or names in one list */
#define TF_MAX_FILES 16384u      /* files parsed in one scrape */
#define TF_BOUND_LABEL 48u       /* sink bytes of one le or quantile label, at most */

static const struct metric_desc desc_mtime = {
	"node_textfile_mtime_seconds",
	"Modification time (Unix seconds) of each text file that was read without error.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_error = {
	"node_textfile_scrape_error",
	"1 when some text file or directory could not be read or parsed in this scrape, else 0.",
	METRIC_GAUGE,
};
static const struct metric_desc desc_dropped = {
	"plumb_textfile_dropped_series_total",
	"Samples from text files left out since plumb started: reason=\"collision\" when "
	"their metric name is plumb's or another collector's, reason=\"limit\" when they "
	"did not fit in the textfile collector's bounds.",
	METRIC_COUNTER,
};
/* The collector's own families, which no file may define either. */
static const struct metric_desc *const own_descs[] = { &desc_mtime, &desc_error, &desc_dropped };

/* Why a file's family was left out. */
enum tf_drop { TF_DROP_COLLISION, TF_DROP_LIMIT, TF_DROP_REASONS };
static const char *const drop_reason[TF_DROP_REASONS] = { "collision", "limit" };

/* Families left out for one reason in one scrape, summed up so that a log line is
 * written only when they change. */
struct tf_drops {
	uint32_t families;
	uint32_t hash;       /* of their names, in order */
	uint64_t samples;
	const char *first;   /* the first one's name, in a parser: valid this scrape only */
};

static const struct flag_def textfile_flags[] = {
	{ "collector.textfile.directory", FLAG_STRING, "",
	  "Directory to read *.prom metric files from; a glob pattern of directories is allowed. "
	  "Repeat to read several.",
	  true },
	{ "collector.textfile.max-series", FLAG_INT, "250000",
	  "Most samples the text files may add to one scrape (a histogram's buckets, sum and "
	  "count each count); families past it are left out whole.",
	  false },
	{ "collector.textfile.max-bytes", FLAG_INT, "67108864",
	  "Most bytes of names, help texts and labels the text files may add to one scrape; "
	  "families past it are left out whole.",
	  false },
	{ "collector.textfile.timeout", FLAG_DURATION, "5s",
	  "How long reading the text files may take before a scrape goes on without them "
	  "(a folder on a hung mount).",
	  false },
	{ NULL, 0, NULL, NULL, false },
};

/* A list of NUL-terminated strings. */
struct strlist {
	struct buf b;
	uint32_t *off;
	uint32_t n, cap;
};

/* A file parsed without error this scrape. */
struct tf_file {
	uint32_t path_off; /* in tf->paths */
	double mtime;
};

/* One file's family that takes part in the output. */
struct tf_ff {
	uint32_t file, fam, merged;
	uint32_t next; /* next ff of the same merged name, +1; 0 ends */
};

/* A metric name across files. */
struct tf_merged {
	uint32_t file, fam;          /* where the name was first seen */
	bool seen_help, conflict;
	uint32_t help_file, help_fam; /* first HELP text */
	uint32_t first_ff, last_ff;   /* +1 */
	bool gen_built, emitted;
	uint32_t gen_off;             /* "Metric read from ..." in tf->helps */
	enum tp_type type;            /* of the first emitted ff */
	uint32_t help_ff;             /* the first emitted ff, whose help the others must match */
	bool checked, taken;          /* whether the name is plumb's (merged_taken) */
	bool served;                  /* some ff of it was added: its name and help are paid */
};

/* A summary or histogram waiting for the sorted emission. */
struct tf_ref {
	uint32_t ff, metric;
};

struct textfile {
	struct dl_job dl; /* first: read_dirs runs as this job (see the top of the file) */
	struct strlist patterns; /* the flag values: a copy a stuck job can still read */
	struct dirscan ds;
	struct strlist dirs, next, names;
	struct buf fbuf;
	struct textparse *tps;
	uint32_t tps_cap;
	struct tf_file *files;
	uint32_t nfiles, files_cap;
	struct buf paths;
	struct tf_merged *merged;
	uint32_t nmerged, merged_cap;
	struct hindex merged_ix;
	struct tf_ff *ffs;
	uint32_t nffs, ffs_cap;
	struct tf_ref *refs;
	uint32_t nrefs, refs_cap;
	struct buf helps;
	struct label la[TP_MAX_LABELS + 1], lb[TP_MAX_LABELS + 1];
	bool errored;
	uint64_t max_series, max_bytes;   /* the flags */
	uint64_t used_series, used_bytes; /* what this scrape's files added so far */
	uint64_t dropped[TF_DROP_REASONS]; /* samples left out since start */
	struct tf_drops drops[TF_DROP_REASONS], last_drops[TF_DROP_REASONS];
};

/* Empty l, keeping its memory. */
static void strlist_reset(struct strlist *l)
{
	buf_reset(&l->b);
	l->n = 0;
}

/* Free l's memory; l must not be used afterwards. */
static void strlist_fini(struct strlist *l)
{
	buf_fini(&l->b);
	free(l->off);
}

/* Entry i (< l->n) of l, NUL-terminated; points into l's buffer, valid until l next
 * grows or is reset. */
static const char *strlist_get(const struct strlist *l, uint32_t i)
{
	return l->b.p + l->off[i];
}

/* Append s[0..n) to l. 0 or -errno (-E2BIG past TF_MAX_LIST). */
static int strlist_add(struct strlist *l, const char *s, size_t n)
{
	if (l->n >= TF_MAX_LIST)
		return -E2BIG;
	int r = grow_array((void **)&l->off, &l->cap, l->n + 1, sizeof(*l->off));
	if (r < 0)
		return r;
	size_t at = l->b.len;
	if ((r = buf_append(&l->b, s, n)) < 0 || (r = buf_putc(&l->b, '\0')) < 0)
		return r;
	l->off[l->n++] = (uint32_t)at;
	return 0;
}

/* Append the cleaned join dir/name to l. 0 or -errno. */
static int strlist_add_join(struct strlist *l, const char *dir, const char *name)
{
	char joined[PATH_MAX * 2], clean[PATH_MAX * 2];
	int n = snprintf(joined, sizeof(joined), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(joined))
		return -ENAMETOOLONG;
	int r = path_clean(joined, clean, sizeof(clean));
	return r < 0 ? r : strlist_add(l, clean, strlen(clean));
}

/* sort_heap order of string offsets (uint32_t) into ctx's (struct strlist) bytes. */
static int by_str(const void *a, const void *b, void *ctx)
{
	const struct strlist *l = ctx;
	return strcmp(l->b.p + *(const uint32_t *)a, l->b.p + *(const uint32_t *)b);
}

/* Sort entries [from, l->n) of l by byte order. */
static void strlist_sort(struct strlist *l, uint32_t from)
{
	sort_heap(l->off + from, l->n - from, sizeof(*l->off), by_str, l);
}

/* Note a failure that makes node_textfile_scrape_error 1, with a log line. */
static void failed(struct textfile *tf, const char *msg, const char *what, const char *err)
{
	tf->errored = true;
	plog(LOG_ERROR, msg, "path", what, "err", err, PLOG_END);
}

/* Read directory dir's entries matching pattern comp (or all when comp is NULL and
 * suffix-filter with ".prom" when prom) into l, sorted. Returns 0 or -errno. */
static int list_dir(struct textfile *tf, const char *dir, const char *comp, bool prom,
		    struct strlist *l)
{
	const char *name;
	unsigned char type;
	uint32_t from = l->n;
	dirscan_fini(&tf->ds);
	int r = dirscan_init(&tf->ds, NULL, dir);
	if (r == 0)
		r = dirscan_rewind(&tf->ds);
	while (r == 0 && (r = dirscan_next(&tf->ds, &name, &type)) == 1) {
		size_t n = strlen(name);
		bool take = prom ? (n >= 5 && memcmp(name + n - 5, ".prom", 5) == 0)
				 : path_match(comp, strlen(comp), name, n) == 1;
		r = take ? (prom ? strlist_add(l, name, n) : strlist_add_join(l, dir, name)) : 0;
	}
	strlist_sort(l, from);
	return r < 0 ? r : 0;
}

/* Expand one flag value into tf->dirs: the directories it names, as Go's
 * filepath.Glob would list them, or the value itself when it matches nothing. */
static int expand(struct textfile *tf, const char *pat)
{
	size_t plen = strlen(pat);
	strlist_reset(&tf->dirs);
	if (!path_has_meta(pat, plen) || path_pattern_check(pat, plen) < 0)
		return strlist_add(&tf->dirs, pat, plen);
	/* the literal prefix before the first component with a pattern character */
	size_t start = 0;
	for (size_t i = 0; i <= plen; i++) {
		if (i < plen && pat[i] != '/')
			continue;
		if (path_has_meta(pat + start, i - start))
			break;
		start = i + 1;
	}
	char prefix[PATH_MAX], clean[PATH_MAX], comp[PATH_MAX];
	if (start >= sizeof(prefix))
		return -ENAMETOOLONG;
	memcpy(prefix, pat, start);
	prefix[start] = '\0';
	int r = path_clean(prefix, clean, sizeof(clean));
	if (r == 0)
		r = strlist_add(&tf->dirs, clean, strlen(clean));
	for (size_t i = start; r == 0 && i < plen;) {
		size_t j = i;
		while (j < plen && pat[j] != '/')
			j++;
		if (j - i >= sizeof(comp))
			return -ENAMETOOLONG;
		memcpy(comp, pat + i, j - i);
		comp[j - i] = '\0';
		bool meta = path_has_meta(comp, j - i);
		strlist_reset(&tf->next);
		for (uint32_t k = 0; r == 0 && j > i && k < tf->dirs.n; k++) {
			const char *d = strlist_get(&tf->dirs, k);
			struct stat st;
			if (meta) {
				r = list_dir(tf, d, comp, false, &tf->next);
				r = r == -E2BIG || r == -ENOMEM ? r : 0; /* unreadable: no match */
				continue;
			}
			uint32_t before = tf->next.n;
			r = strlist_add_join(&tf->next, d, comp);
			if (r == 0 && lstat(strlist_get(&tf->next, before), &st) < 0)
				tf->next.n = before;
		}
		if (j > i) {
			struct strlist t = tf->dirs;
			tf->dirs = tf->next;
			tf->next = t;
		}
		i = j + 1;
	}
	dirscan_fini(&tf->ds);
	if (r == 0 && tf->dirs.n == 0)
		r = strlist_add(&tf->dirs, pat, plen);
	return r;
}

/* Read the open file fd into tf->fbuf. 0 or -errno. */
static int read_all(struct textfile *tf, int fd)
{
	buf_reset(&tf->fbuf);
	for (;;) {
		int r = buf_reserve(&tf->fbuf, 65536);
		if (r < 0)
			return r == -E2BIG ? -EFBIG : r;
		ssize_t n = read(fd, tf->fbuf.p + tf->fbuf.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		tf->fbuf.len += (size_t)n;
	}
}

/* The parser for the next good file, made on first use. NULL on ENOMEM. */
static struct textparse *next_parser(struct textfile *tf)
{
	uint32_t old = tf->tps_cap;
	if (tf->nfiles >= TF_MAX_FILES)
		return NULL;
	if (grow_array((void **)&tf->tps, &tf->tps_cap, tf->nfiles + 1, sizeof(*tf->tps)) < 0)
		return NULL;
	for (uint32_t i = old; i < tf->tps_cap; i++)
		textparse_init(&tf->tps[i]);
	return &tf->tps[tf->nfiles];
}

/* Open, read and parse dir/name (at dirfd). On success the file joins tf->files. */
static void process_file(struct textfile *tf, int dirfd, const char *dir, const char *name)
{
	char path[PATH_MAX * 2], clean[PATH_MAX * 2];
	struct stat st;
	int r = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = regfile_open_shared(dirfd, name, &st);
	if (fd < 0) {
		r = fd;
		goto out_fail;
	}
	r = read_all(tf, fd);
	close(fd);
	if (r < 0)
		goto out_fail;
	struct textparse *tp = next_parser(tf);
	if (!tp || grow_array((void **)&tf->files, &tf->files_cap, tf->nfiles + 1, sizeof(*tf->files)))
		return failed(tf, "textfile: too many files", path, strerror(ENOMEM));
	if (textparse_run(tp, tf->fbuf.p, tf->fbuf.len) < 0)
		return failed(tf, "failed to parse textfile data", path, tp->err_msg);
	if (tp->has_timestamps)
		return failed(tf, "textfile has unsupported client-side timestamps", path, "skipped");
	size_t at = tf->paths.len;
	if ((r = path_clean(path, clean, sizeof(clean))) < 0 ||
	    (r = buf_append(&tf->paths, clean, strlen(clean) + 1)) < 0)
		goto out_fail;
	long long sec = (long long)st.st_mtim.tv_sec;
	if (sec < 0 && st.st_mtim.tv_nsec > 0)
		sec++; /* whole seconds toward zero, as Go's UnixNano()/1e9 */
	tf->files[tf->nfiles++] = (struct tf_file){ (uint32_t)at, (double)sec };
	return;
out_fail:
	failed(tf, "failed to read textfile", path, regfile_strerror(-r));
}

/* Read every *.prom file in directory dir. */
static void read_dir(struct textfile *tf, const char *dir)
{
	strlist_reset(&tf->names);
	int r = list_dir(tf, dir, NULL, true, &tf->names);
	if (r < 0)
		failed(tf, "failed to read textfile collector directory", dir, strerror(-r));
	for (uint32_t i = 0; i < tf->names.n; i++)
		process_file(tf, dirscan_fd(&tf->ds), dir, strlist_get(&tf->names, i));
	dirscan_fini(&tf->ds);
}

/* The parsed family ff refers to; owned by the parser of ff's file (tf->tps). */
static const struct tp_family *ff_family(const struct textfile *tf, const struct tf_ff *ff)
{
	return &tf->tps[ff->file].fams[ff->fam];
}

struct merged_key {
	const struct textfile *tf;
	const char *name;
	size_t len;
};

/* hindex_find callback (ctx is a merged_key): whether merged entry v's name is
 * k->name[0..len). */
static bool merged_eq(const void *ctx, uint32_t v)
{
	const struct merged_key *k = ctx;
	const struct tf_merged *m = &k->tf->merged[v];
	const struct textparse *tp = &k->tf->tps[m->file];
	const struct tp_family *f = &tp->fams[m->fam];
	return f->name_len == k->len && memcmp(tp_str(tp, f->name_off), k->name, k->len) == 0;
}

/* The merged entry for family fam of file i, made if new. Index or -errno. */
static int64_t merged_for(struct textfile *tf, uint32_t i, uint32_t fam)
{
	const struct textparse *tp = &tf->tps[i];
	const struct tp_family *f = &tp->fams[fam];
	struct merged_key k = { tf, tp_str(tp, f->name_off), f->name_len };
	uint32_t h = hindex_hash(HINDEX_SEED, k.name, k.len);
	int64_t m = hindex_find(&tf->merged_ix, h, merged_eq, &k);
	if (m >= 0)
		return m;
	int r = grow_array((void **)&tf->merged, &tf->merged_cap, tf->nmerged + 1, sizeof(*tf->merged));
	if (r == 0)
		r = hindex_add(&tf->merged_ix, h, tf->nmerged);
	if (r < 0)
		return r;
	tf->merged[tf->nmerged] = (struct tf_merged){ .file = i, .fam = fam };
	return tf->nmerged++;
}

/* Decide which file families take part: node_exporter's HELP consistency rule. */
static int merge(struct textfile *tf)
{
	tf->nmerged = tf->nffs = 0;
	hindex_clear(&tf->merged_ix);
	for (uint32_t i = 0; i < tf->nfiles; i++) {
		const struct textparse *tp = &tf->tps[i];
		for (uint32_t j = 0; j < tp->nfams; j++) {
			const struct tp_family *f = &tp->fams[j];
			if (!f->count)
				continue;
			int64_t mi = merged_for(tf, i, j);
			if (mi < 0)
				return (int)mi;
			struct tf_merged *m = &tf->merged[mi];
			if (m->seen_help) {
				const struct textparse *ht = &tf->tps[m->help_file];
				const char *first = tp_str(ht, ht->fams[m->help_fam].help_off);
				if ((f->has_help && strcmp(first, tp_str(tp, f->help_off))) || m->conflict) {
					m->conflict |= f->has_help;
					failed(tf, "inconsistent metric help text", tp_str(tp, f->name_off),
					       "the file's metrics with this name are left out");
					continue;
				}
			}
			if (f->has_help && !m->seen_help) {
				m->seen_help = true;
				m->help_file = i;
				m->help_fam = j;
			}
			int r = grow_array((void **)&tf->ffs, &tf->ffs_cap, tf->nffs + 1, sizeof(*tf->ffs));
			if (r < 0)
				return r;
			tf->ffs[tf->nffs] = (struct tf_ff){ i, j, (uint32_t)mi, 0 };
			if (m->last_ff)
				tf->ffs[m->last_ff - 1].next = tf->nffs + 1;
			else
				m->first_ff = tf->nffs + 1;
			m->last_ff = ++tf->nffs;
		}
	}
	return 0;
}

/* The HELP text an ff is exposed with (pointer valid until tf->helps grows). */
static int ff_help(struct textfile *tf, const struct tf_ff *ff, const char **help)
{
	const struct textparse *tp = &tf->tps[ff->file];
	const struct tp_family *f = &tp->fams[ff->fam];
	struct tf_merged *m = &tf->merged[ff->merged];
	int r = 0;
	if (f->has_help) {
		*help = tp_str(tp, f->help_off);
		return 0;
	}
	if (!m->gen_built) {
		m->gen_off = (uint32_t)tf->helps.len;
		r = buf_puts(&tf->helps, "Metric read from ");
		for (uint32_t k = m->first_ff; k && r == 0; k = tf->ffs[k - 1].next) {
			const char *p = tf->paths.p + tf->files[tf->ffs[k - 1].file].path_off;
			if (k != m->first_ff)
				r = buf_puts(&tf->helps, ", ");
			if (r == 0)
				r = buf_puts(&tf->helps, p);
		}
		if (r == 0)
			r = buf_putc(&tf->helps, '\0');
		m->gen_built = r == 0;
	}
	*help = tf->helps.p + m->gen_off;
	return r;
}

/* Labels of metric mi of ff's family, each of the family's label names present (empty
 * when the metric lacks it), sorted by name, into out. Returns the count. */
static uint32_t fill_labels(const struct textfile *tf, const struct tf_ff *ff, uint32_t mi,
			    struct label *out)
{
	const struct textparse *tp = &tf->tps[ff->file];
	const struct tp_family *f = ff_family(tf, ff);
	const struct tp_metric *m = &tp->mets[mi];
	uint32_t k = 0;
	for (uint32_t i = 0; i < f->nnames; i++) {
		const char *name = tp_str(tp, tp->names[f->names_first + i]);
		const struct tp_label *l = k < m->nlabels ? &tp->labels[m->labels_first + k] : NULL;
		out[i] = (struct label){ name, "", 0 };
		if (l && strcmp(tp_str(tp, l->name_off), name) == 0) {
			out[i].value = tp_str(tp, l->value_off);
			out[i].vlen = l->value_len;
			k++;
		}
	}
	return f->nnames;
}

/* The sink's type for parser type t; any other type than counter, gauge, summary and
 * histogram becomes METRIC_UNTYPED. */
static enum metric_type sink_type(enum tp_type t)
{
	switch (t) {
	case TP_COUNTER:
		return METRIC_COUNTER;
	case TP_GAUGE:
		return METRIC_GAUGE;
	case TP_SUMMARY:
		return METRIC_SUMMARY;
	case TP_HISTOGRAM:
		return METRIC_HISTOGRAM;
	default:
		return METRIC_UNTYPED;
	}
}

int textfile_format_bound(double v, char *out, size_t cap)
{
	char e[40];
	int prec;
	if (cap < 32)
		return -ENOSPC;
	if (isnan(v) || isinf(v))
		return snprintf(out, cap, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
	if (v == 0)
		return snprintf(out, cap, "%s", signbit(v) ? "-0" : "0");
	/* the fewest significant digits that read back to v */
	for (prec = 0; prec < 16; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", prec, v);
	long exp = strtol(strchr(e, 'e') + 1, NULL, 10); /* parses our own output */
	if (exp < -4 || exp >= 6)
		return snprintf(out, cap, "%s", e);
	return snprintf(out, cap, "%.*f", prec > exp ? (int)(prec - exp) : 0, v);
}

/* Emit a summary's or histogram's samples; lab[0..n) holds its filled labels and has
 * room for one more (quantile or le). */
static void emit_parts(struct textfile *tf, struct metric_sink *out, const struct metric_desc *d,
		       const struct tf_ff *ff, uint32_t mi, struct label *lab, uint32_t n)
{
	const struct textparse *tp = &tf->tps[ff->file];
	const struct tp_metric *m = &tp->mets[mi];
	bool hist = d->type == METRIC_HISTOGRAM, inf = false;
	char bound[40];
	for (uint32_t i = 0; i < m->nparts; i++) {
		const struct tp_part *p = &tp->parts[m->parts_first + i];
		int len = textfile_format_bound(p->bound, bound, sizeof(bound));
		lab[n] = (struct label){ hist ? "le" : "quantile", bound, len > 0 ? (size_t)len : 0 };
		inf |= isinf(p->bound) && p->bound > 0;
		sink_add_part(out, d, hist ? SUFFIX_BUCKET : SUFFIX_NONE, p->value, lab, n + 1);
	}
	if (hist && !inf) {
		lab[n] = (struct label){ "le", "+Inf", 4 };
		sink_add_part(out, d, SUFFIX_BUCKET, m->count, lab, n + 1);
	}
	sink_add_part(out, d, SUFFIX_SUM, m->sum, lab, n);
	sink_add_part(out, d, SUFFIX_COUNT, m->count, lab, n);
}

/* Order of summaries/histograms, as Prometheus' registry sorts a family's metrics:
 * by name, then label count, then label values in label-name order; 0 for the same
 * series (from two files, or twice in one). */
static int cmp_series(struct textfile *tf, const struct tf_ref *a, const struct tf_ref *b)
{
	const struct tf_ff *fa = &tf->ffs[a->ff], *fb = &tf->ffs[b->ff];
	if (fa->merged != fb->merged)
		return fa->merged < fb->merged ? -1 : 1;
	uint32_t na = fill_labels(tf, fa, a->metric, tf->la);
	uint32_t nb = fill_labels(tf, fb, b->metric, tf->lb);
	if (na != nb)
		return na < nb ? -1 : 1;
	for (uint32_t i = 0; i < na; i++) {
		size_t m = tf->la[i].vlen < tf->lb[i].vlen ? tf->la[i].vlen : tf->lb[i].vlen;
		int c = memcmp(tf->la[i].value, tf->lb[i].value, m);
		if (c || tf->la[i].vlen != tf->lb[i].vlen)
			return c ? c : (tf->la[i].vlen < tf->lb[i].vlen ? -1 : 1);
	}
	return 0;
}

/* cmp_series, then the file's and the metric's order: the same series from an earlier
 * file comes first. */
static int cmp_ref(struct textfile *tf, const struct tf_ref *a, const struct tf_ref *b)
{
	int c = cmp_series(tf, a, b);
	if (c)
		return c;
	if (a->ff != b->ff)
		return a->ff < b->ff ? -1 : 1;
	return a->metric < b->metric ? -1 : (a->metric > b->metric);
}

/* sort_heap order of struct tf_ref: cmp_ref in ctx's textfile. */
static int by_ref(const void *a, const void *b, void *ctx)
{
	return cmp_ref(ctx, a, b);
}

/* Sort tf->refs with cmp_ref. */
static void sort_refs(struct textfile *tf)
{
	sort_heap(tf->refs, tf->nrefs, sizeof(*tf->refs), by_ref, tf);
}

/* Whether ff may be exposed: the first ff of a name fixes type and HELP, and a later
 * one that differs is dropped, as Prometheus' registry drops it. 1, 0 or -errno. */
static int ff_admit(struct textfile *tf, uint32_t idx)
{
	const struct tf_ff *ff = &tf->ffs[idx];
	struct tf_merged *m = &tf->merged[ff->merged];
	const struct tp_family *f = ff_family(tf, ff);
	const char *h, *first;
	int r = ff_help(tf, ff, &h);
	if (r < 0)
		return r;
	if (!m->emitted) {
		m->emitted = true;
		m->type = f->type;
		m->help_ff = idx;
		return 1;
	}
	if (m->type != f->type)
		return 0;
	if ((r = ff_help(tf, &tf->ffs[m->help_ff], &first)) < 0 || (r = ff_help(tf, ff, &h)) < 0)
		return r;
	return strcmp(first, h) == 0;
}

/* Whether merged entry m (whose first admitted family has type m->type) may not be
 * served: plumb keeps the name for itself (collector_name_reserved), it clashes with
 * one of this collector's own families, or with one another collector or a self-metric
 * source put in out (they all ran before this collector). Decided once per scrape. */
static bool merged_taken(struct textfile *tf, struct tf_merged *m, const struct metric_sink *out)
{
	if (m->checked)
		return m->taken;
	const struct textparse *tp = &tf->tps[m->file];
	const struct tp_family *f = &tp->fams[m->fam];
	const char *name = tp_str(tp, f->name_off);
	enum metric_type t = sink_type(m->type);
	m->taken = collector_name_reserved(name, f->name_len) ||
		   sink_find_clash(out, name, f->name_len, t) >= 0;
	for (size_t i = 0; !m->taken && i < sizeof(own_descs) / sizeof(own_descs[0]); i++)
		m->taken = sink_names_clash(name, f->name_len, t, own_descs[i]->name,
					    strlen(own_descs[i]->name), own_descs[i]->type);
	m->checked = true;
	return m->taken;
}

/* What adding ff costs the sink: *series samples (a histogram's buckets, its +Inf if
 * added, _sum and _count each count), and *bytes of strings: per sample 8 bytes and the
 * name and value of each label (TF_BOUND_LABEL for an le or quantile), plus the family's
 * name and help the first time its name is served. Returns 0 or -errno. */
static int ff_cost(struct textfile *tf, const struct tf_ff *ff, uint64_t *series, uint64_t *bytes)
{
	const struct textparse *tp = &tf->tps[ff->file];
	const struct tp_family *f = ff_family(tf, ff);
	const struct tf_merged *m = &tf->merged[ff->merged];
	bool parts = f->type == TP_SUMMARY || f->type == TP_HISTOGRAM;
	uint64_t names = 0, n = 0, b = 0;
	const char *help;
	for (uint32_t i = 0; i < f->nnames; i++)
		names += 8 + strlen(tp_str(tp, tp->names[f->names_first + i]));
	for (uint32_t k = 0; k < f->count; k++) {
		const struct tp_metric *met = &tp->mets[tp->order[f->first + k]];
		uint64_t lb = names, np = met->nparts;
		for (uint32_t j = 0; j < met->nlabels; j++)
			lb += tp->labels[met->labels_first + j].value_len;
		if (!parts) {
			n++;
			b += lb;
			continue;
		}
		const struct tp_part *last = np ? &tp->parts[met->parts_first + np - 1] : NULL;
		if (f->type == TP_HISTOGRAM && !(last && isinf(last->bound) && last->bound > 0))
			np++; /* the +Inf bucket emit_parts adds */
		n += np + 2;
		b += (np + 2) * lb + np * TF_BOUND_LABEL;
	}
	if (!m->served) {
		int r = ff_help(tf, ff, &help);
		if (r < 0)
			return r;
		b += f->name_len + strlen(help) + 2;
	}
	*series = n;
	*bytes = b;
	return 0;
}

/* Leave out ff's family, named name[0..len), for reason why: count its n samples, note
 * the family for the log, and report the scrape as failed. */
static void drop_family(struct textfile *tf, enum tf_drop why, const char *name, size_t len,
			uint64_t n)
{
	struct tf_drops *d = &tf->drops[why];
	if (!d->families++)
		d->first = name;
	d->hash = hindex_hash(d->hash, name, len + 1); /* the NUL keeps names apart */
	d->samples += n;
	tf->dropped[why] += n;
	tf->errored = true;
}

/* Log the families left out for each reason when they differ from the last scrape's
 * (once per change, not every scrape), then remember them. */
static void log_drops(struct textfile *tf)
{
	static const char *const why_msg[TF_DROP_REASONS] = {
		"text file metrics left out: their names belong to plumb or to another collector",
		"text file metrics left out: over --collector.textfile.max-series or "
		"--collector.textfile.max-bytes",
	};
	for (int i = 0; i < TF_DROP_REASONS; i++) {
		struct tf_drops *d = &tf->drops[i], *l = &tf->last_drops[i];
		char fams[24], samples[24];
		if (d->families != l->families || (d->families && d->hash != l->hash)) {
			snprintf(fams, sizeof(fams), "%u", d->families);
			snprintf(samples, sizeof(samples), "%llu", (unsigned long long)d->samples);
			if (d->families)
				plog(LOG_WARN, why_msg[i], "families", fams, "samples", samples, "first",
				     d->first, PLOG_END);
			else
				plog(LOG_INFO, "text file metrics are no longer left out", "reason",
				     drop_reason[i], PLOG_END);
		}
		*l = *d;
		l->first = NULL; /* points into this scrape's parsers */
	}
}

/* Put every admitted family into out. 0 or -errno. */
static int emit(struct textfile *tf, struct metric_sink *out)
{
	tf->nrefs = 0;
	buf_reset(&tf->helps);
	for (uint32_t i = 0; i < tf->nffs; i++) {
		const struct tf_ff *ff = &tf->ffs[i];
		const struct textparse *tp = &tf->tps[ff->file];
		const struct tp_family *f = ff_family(tf, ff);
		struct tf_merged *m = &tf->merged[ff->merged];
		uint64_t ns, nb;
		int r = ff_admit(tf, i);
		if (r <= 0) {
			if (r < 0)
				return r;
			continue;
		}
		if ((r = ff_cost(tf, ff, &ns, &nb)) < 0)
			return r;
		if (merged_taken(tf, m, out)) {
			drop_family(tf, TF_DROP_COLLISION, tp_str(tp, f->name_off), f->name_len, ns);
			continue;
		}
		if (ns > tf->max_series - tf->used_series || nb > tf->max_bytes - tf->used_bytes) {
			drop_family(tf, TF_DROP_LIMIT, tp_str(tp, f->name_off), f->name_len, ns);
			continue;
		}
		tf->used_series += ns;
		tf->used_bytes += nb;
		m->served = true;
		for (uint32_t k = 0; k < f->count; k++) {
			uint32_t mi = tp->order[f->first + k];
			if (f->type == TP_SUMMARY || f->type == TP_HISTOGRAM) {
				r = grow_array((void **)&tf->refs, &tf->refs_cap, tf->nrefs + 1, sizeof(*tf->refs));
				if (r < 0)
					return r;
				tf->refs[tf->nrefs++] = (struct tf_ref){ i, mi };
				continue;
			}
			const char *help;
			if ((r = ff_help(tf, ff, &help)) < 0)
				return r;
			struct metric_desc d = { tp_str(tp, f->name_off), help, sink_type(f->type) };
			uint32_t n = fill_labels(tf, ff, mi, tf->la);
			sink_add(out, &d, tp->mets[mi].value, tf->la, n);
		}
	}
	sort_refs(tf);
	for (uint32_t i = 0; i < tf->nrefs; i++) {
		/* a series seen in an earlier file is dropped whole, as for counters and
		 * gauges (the sink drops those): its parts mixed with the first one's would
		 * make a histogram that is not cumulative */
		if (i > 0 && cmp_series(tf, &tf->refs[i - 1], &tf->refs[i]) == 0)
			continue;
		const struct tf_ff *ff = &tf->ffs[tf->refs[i].ff];
		const struct textparse *tp = &tf->tps[ff->file];
		const struct tp_family *f = ff_family(tf, ff);
		const char *help;
		int r = ff_help(tf, ff, &help);
		if (r < 0)
			return r;
		struct metric_desc d = { tp_str(tp, f->name_off), help, sink_type(f->type) };
		uint32_t n = fill_labels(tf, ff, tf->refs[i].metric, tf->la);
		emit_parts(tf, out, &d, ff, tf->refs[i].metric, tf->la, n);
	}
	return 0;
}

/* Declare each --collector.textfile.directory (for a glob, the folder before its first
 * wildcard) as read beyond the roots, and as a place the broker may open for plumb: a
 * textfile folder may be root's alone. Returns 0 or -errno from res_path. */
static int textfile_declare(struct collector *c, struct resources *res)
{
	const char *const *dirs;
	char base[PATH_MAX];
	size_t n = cfg_all(c->cfg, "collector.textfile.directory", &dirs);
	for (size_t i = 0; i < n; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		size_t len = strcspn(dirs[i], "*?[");
		while (dirs[i][len] && len > 0 && dirs[i][len - 1] != '/')
			len--; /* a glob: back to the end of the last whole folder name */
		if (len >= sizeof(base))
			return -ENAMETOOLONG;
		memcpy(base, dirs[i], len);
		base[len] = '\0';
		int r = res_path(res, len ? base : ".", NULL, RES_READ | RES_BROKER_OPEN);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The collector's state. tf is the reading job's: while that job is stuck, a scrape
 * touches nothing but the fields here. */
struct tf_collector {
	struct textfile *tf;   /* owned; given to the pool (dl_job_release) at fini */
	struct dl_pool *pool;  /* made by the first collection with a folder to read */
	int64_t timeout_ms;    /* --collector.textfile.timeout */
	bool folders;          /* some flag value names a folder (not all are "") */
	bool stuck;            /* the last reading overran (logged once) */
};

/* The reading half of a collection, as a deadline job: list every folder the flags
 * name and read and parse their *.prom files into tf (tf->files, tf->tps, tf->errored).
 * Touches nothing outside tf, so it may finish after the collector is gone. */
static void read_dirs(struct dl_job *j)
{
	struct textfile *tf = (struct textfile *)j;
	tf->errored = false;
	tf->nfiles = 0;
	tf->used_series = tf->used_bytes = 0;
	memset(tf->drops, 0, sizeof(tf->drops));
	for (int i = 0; i < TF_DROP_REASONS; i++)
		tf->drops[i].hash = HINDEX_SEED;
	buf_reset(&tf->paths);
	for (uint32_t i = 0; i < tf->patterns.n; i++) {
		const char *pat = strlist_get(&tf->patterns, i);
		if (!*pat)
			continue; /* node_exporter's default: no directory, no error */
		int r = expand(tf, pat);
		if (r < 0)
			failed(tf, "failed to expand textfile directory pattern", pat, strerror(-r));
		for (uint32_t k = 0; k < tf->dirs.n; k++)
			read_dir(tf, strlist_get(&tf->dirs, k));
	}
}

/* Run read_dirs on p's worker within p->timeout_ms (directly when no folder is named:
 * then nothing can block, and no thread is made). Returns 0 when tf holds this
 * collection's files, -ETIMEDOUT when the reading overran or an earlier one is still
 * stuck (logged once per hang), or -errno when the pool cannot be made. */
static int read_in_time(struct tf_collector *p)
{
	struct dl_job *j = &p->tf->dl;
	char limit[32];
	int r;
	if (!p->folders) {
		read_dirs(j);
		return 0;
	}
	if (p->pool && dl_job_busy(p->pool, j))
		return -ETIMEDOUT;
	/* made here, not in init: threads made before main enters the sandbox would
	 * escape Landlock (see the filesystem collector) */
	if (!p->pool && (r = dl_pool_create(1, 1, &p->pool)) < 0)
		return r;
	if ((r = dl_pool_run(p->pool, &j, 1, p->timeout_ms)) < 0)
		return r;
	if (j->state == DL_DONE) {
		if (p->stuck)
			plog(LOG_INFO, "reading the text files works again", PLOG_END);
		p->stuck = false;
		return 0;
	}
	if (!p->stuck) {
		snprintf(limit, sizeof(limit), "%lldms", (long long)p->timeout_ms);
		plog(LOG_ERROR, "reading the text files did not finish in time (a hung mount?); "
				"scrapes go on without them until the read returns",
		     "timeout", limit, PLOG_END);
	}
	p->stuck = true;
	return -ETIMEDOUT;
}

static int textfile_init(struct collector *c)
{
	const char *const *pats;
	struct tf_collector *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	struct textfile *tf = p->tf = calloc(1, sizeof(*tf));
	if (!tf)
		return -ENOMEM;
	tf->dl.fn = read_dirs;
	tf->ds.fd = -1;
	tf->fbuf.max = TF_MAX_FILE;
	size_t n = cfg_all(c->cfg, "collector.textfile.directory", &pats);
	for (size_t i = 0; i < n; i++) {
		const char *pat = pats[i] ? pats[i] : "";
		int r = strlist_add(&tf->patterns, pat, strlen(pat));
		if (r < 0)
			return r;
		p->folders |= *pat != '\0';
	}
	int64_t series = 0, bytes = 0; /* the flags have defaults */
	cfg_int(c->cfg, "collector.textfile.max-series", &series);
	cfg_int(c->cfg, "collector.textfile.max-bytes", &bytes);
	if (series < 0 || bytes < 0) {
		plog(LOG_ERROR, "--collector.textfile.max-series and --collector.textfile.max-bytes "
				"may not be negative", PLOG_END);
		return -EINVAL;
	}
	tf->max_series = (uint64_t)series;
	tf->max_bytes = (uint64_t)bytes;
	return cfg_duration_ms(c->cfg, "collector.textfile.timeout", &p->timeout_ms);
}

static int textfile_collect(struct collector *c, struct metric_sink *out)
{
	struct tf_collector *p = c->priv;
	struct textfile *tf = p->tf;
	int r = read_in_time(p);
	if (r == -ETIMEDOUT)
		return sink_gauge(out, &desc_error, 1);
	if (r < 0)
		return r;
	r = merge(tf);
	if (r == 0)
		r = emit(tf, out);
	if (r < 0)
		failed(tf, "textfile: out of memory", "", strerror(-r));
	for (uint32_t i = 0; i < tf->nfiles; i++)
		sink_add(out, &desc_mtime, tf->files[i].mtime,
			 LABELS(L("file", tf->paths.p + tf->files[i].path_off)));
	for (int i = 0; i < TF_DROP_REASONS; i++)
		sink_add(out, &desc_dropped, (double)tf->dropped[i],
			 LABELS(L("reason", drop_reason[i])));
	sink_gauge(out, &desc_error, tf->errored ? 1 : 0);
	log_drops(tf);
	return 0;
}

/* Free tf and everything it holds. */
static void textfile_free(struct textfile *tf)
{
	dirscan_fini(&tf->ds);
	strlist_fini(&tf->patterns);
	strlist_fini(&tf->dirs);
	strlist_fini(&tf->next);
	strlist_fini(&tf->names);
	buf_fini(&tf->fbuf);
	for (uint32_t i = 0; i < tf->tps_cap; i++)
		textparse_fini(&tf->tps[i]);
	free(tf->tps);
	free(tf->files);
	buf_fini(&tf->paths);
	free(tf->merged);
	hindex_fini(&tf->merged_ix);
	free(tf->ffs);
	free(tf->refs);
	buf_fini(&tf->helps);
	free(tf);
}

/* dl_job_release callback: frees the textfile whose job j is, now or when it returns. */
static void textfile_release(struct dl_job *j)
{
	textfile_free((struct textfile *)j);
}

static void textfile_fini(struct collector *c)
{
	struct tf_collector *p = c->priv;
	if (!p)
		return;
	if (p->tf && p->pool)
		dl_job_release(p->pool, &p->tf->dl, textfile_release);
	else if (p->tf)
		textfile_free(p->tf);
	dl_pool_destroy(p->pool);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_textfile = {
	.name = "textfile",
	.default_enabled = true,
	.reads = "*.prom files in --collector.textfile.directory",
	.flags = textfile_flags,
	.declare = textfile_declare,
	.init = textfile_init,
	.collect = textfile_collect,
	.fini = textfile_fini,
	.foreign = true,
};

/*
 * sink: where collectors put what they measured during one collection.
 *
 * A collection writes samples into a metric_sink: each sample names its family (name,
 * help, type), its labels and its value. The sink groups samples by family however
 * they arrive, copies every string it is given (callers may pass stack buffers), and
 * keeps label values raw: escaping is the writers' job (expo/render.h), so the same
 * sink can feed the text formats and, later, remote write.
 *
 * Label sets: a producer with many samples per object (the container collector: ~30 per
 * cgroup, each with the same ~300 bytes of labels) interns the labels once with
 * sink_labelset and adds samples with sink_add_ls, which store a reference and at most a
 * few extra labels. sink_finish sorts the sets once, so a family whose series share one
 * label-name shape sorts by the sets' ranks (a counting sort) instead of comparing
 * blobs, and writes each set's escaped text once for the writers to copy (the one place
 * the sink escapes: the text formats' escaping, kept beside the raw values).
 *
 * Memory: all storage lives in a few growable arrays that sink_reset() empties without
 * freeing, so once a host's working size is reached a collection allocates nothing.
 * Every array has a hard limit; past it sink_add returns -E2BIG and the sample is lost
 * (counted in sink->dropped), never a crash.
 */
#ifndef PLUMB_SINK_H
#define PLUMB_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/strparse.h"

enum metric_type {
	METRIC_UNTYPED = 0,
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
	METRIC_SUMMARY,
};

/* Most labels one series may have. */
#define SINK_MAX_LABELS 64

/* Which endpoint a family is served on. Most are on /metrics; kubelet's resource
 * metrics (/metrics/resource) reuse some names with other labels, so a family is
 * identified by its name and its view together. A family may also be served, as it is,
 * in other views (sink_share_view): the container_* families are on /metrics and on
 * /metrics/cadvisor. */
enum metric_view {
	VIEW_METRICS = 0,  /* /metrics (--web.telemetry-path) */
	VIEW_RESOURCE = 1, /* /metrics/resource */
	VIEW_CADVISOR = 2, /* /metrics/cadvisor: cAdvisor's container_* and machine_* */
	VIEW_COUNT
};

/* A family's description. Collectors usually keep these as static const tables. */
struct metric_desc {
	const char *name;
	const char *help;
	enum metric_type type;
};

/* One label. value need not be NUL-terminated: vlen says how long it is. */
struct label {
	const char *name;
	const char *value;
	size_t vlen;
};

/* Label from a C string, and from a span. */
#define L(n, v) ((struct label){ (n), (v), strlen(v) })
#define LS(n, s) ((struct label){ (n), (s).p, (s).len })
/* A compound-literal label array and its length: sink_add(s, &d, v, LABELS(L(..), L(..))) */
#define LABELS(...)                                                                        \
	(const struct label[]){ __VA_ARGS__ },                                             \
		sizeof((const struct label[]){ __VA_ARGS__ }) / sizeof(struct label)

/* A family as stored in the sink. Offsets point into sink->strings. */
struct sink_family {
	uint32_t name_off, name_len;
	uint32_t help_off, help_len;
	enum metric_type type;
	enum metric_view view;
	uint32_t also;    /* bit v set: also served in view v (sink_share_view) */
	uint32_t first;   /* index of the first series in family order, built by sink_finish */
	uint32_t count;   /* number of series */
	uint32_t hnext;   /* hash chain, index+1; 0 ends */
	bool foreign;     /* made while the sink was foreign (sink_foreign) */
};

/* One sample. Without a label set (ls == 0) the label blob is a run of
 * (u32 name_len, u32 value_len, name, value), all its labels in canonical order. With one
 * (ls = set index + 1) the blob holds only the extra labels, as runs of
 * (u32 name_len, u32 value_len, u32 at, name, value), where at is how many of the set's
 * labels come before this one; nlabels counts the set's labels and the extras. */
struct sink_series {
	/* 24 bytes, not 32: a node with thousands of containers holds 200,000 of these */
	uint32_t family : 22;  /* index into families (fewer than SINK_MAX_FAMILIES) */
	uint32_t suffix : 3;   /* enum sample_suffix */
	uint32_t nlabels : 7;  /* at most SINK_MAX_LABELS */
	uint32_t labels_off, labels_len;
	uint32_t ls;           /* label set index + 1, or 0 */
	double value;
};

/* Most families one sink holds (what sink_series.family can index). */
#define SINK_MAX_FAMILIES (1u << 22)

/* An interned label set (sink_labelset): its blob has the layout of a series without a
 * set. The fields below the blob are filled by sink_finish. */
struct sink_labelset {
	uint32_t off, len, n;    /* blob in strings, n labels in canonical order */
	uint32_t shape;          /* index in shapes[] of its label-name list, or
				    SINK_SHAPE_NONE when the shape table was full */
	uint32_t aux;            /* first of 2 * (n + 1) words in lsaux (sink_finish) */
	uint32_t rank;           /* order among all sets; equal sets equal ranks (sink_finish) */
	uint32_t text_off, text_len; /* escaped text 'a="x",b="y"' in lstext (sink_finish) */
};

#define SINK_SHAPE_NONE UINT32_MAX
/* Distinct label-name lists the sink tells apart for fast ordering. */
#define SINK_MAX_SHAPES 16

/* Sample-name suffixes for histogram and summary parts. */
enum sample_suffix { SUFFIX_NONE = 0, SUFFIX_BUCKET, SUFFIX_SUM, SUFFIX_COUNT, SUFFIX_TOTAL };

/* Where a family's sort order of the last collection is kept (struct metric_sink's
 * perm): count series, as arrival positions at perm[off..off + count); count 0: none. */
struct sink_perm {
	uint32_t off, count;
};

struct metric_sink {
	struct buf strings;            /* names, helps, label blobs */
	struct sink_family *families;
	uint32_t nfamilies, families_cap;
	/* by call since the reset: the family each lookup found in the collections before
	 * (UINT32_MAX: none), fpred_n of them set; fcalls lookups made in this one */
	uint32_t *fpred;
	uint32_t fpred_n, fpred_cap, fcalls;
	struct sink_series *series;
	uint32_t nseries, series_cap;
	uint32_t *order;               /* series indexes grouped by family, after sink_finish */
	uint32_t order_cap;
	uint32_t *hash;                /* family name hash table: index+1; 0 empty */
	uint32_t hash_cap;             /* power of two */
	struct sink_labelset *lsets;   /* interned label sets of this collection */
	uint32_t nlsets, lsets_cap;
	uint32_t shapes[SINK_MAX_SHAPES]; /* set index of each shape's first set */
	uint32_t nshapes;
	uint32_t lsaux_need;           /* words lsaux needs: sum of 2 * (n + 1) */
	uint32_t *lsaux;               /* per set: n + 1 prefix classes, then n + 1 text bounds */
	uint32_t lsaux_cap;
	uint32_t *scratch;             /* sink_finish: sorted set indexes, counting sort room */
	uint32_t scratch_cap;
	uint32_t sorted_sets;          /* scratch[0..sorted_sets) is the last sorted set order */
	uint32_t sorted_families;      /* order[0..sorted_families) is the last family order */
	struct buf lstext;             /* escaped text of every set (sink_finish) */
	/* the last collection's order of each family that arrived out of order, by family
	 * index: a collector's series come in the same order every time, so that order put
	 * in sorted order again is checked in one pass instead of sorted (sink_finish) */
	uint32_t *perm[2];             /* [perm_cur]: the last collection's; the other: this one's */
	uint32_t perm_cap[2];
	struct sink_perm *perm_fam[2]; /* by family index, likewise */
	uint32_t perm_fam_cap[2], perm_nfam;
	unsigned perm_cur;
	uint32_t perm_reused;          /* families the last sink_finish ordered that way */
	uint32_t max_series;           /* hard limit on series and on sets; 0 means 1,000,000 */
	uint32_t held_series;          /* of max_series, kept back from adds (sink_hold) */
	uint64_t dropped;              /* samples refused since the last reset */
	bool finished;
	bool foreign;                  /* adds come from outside plumb (sink_foreign) */
};

/* Make an empty sink. Returns 0 (nothing is allocated until the first add). */
int sink_init(struct metric_sink *s);
/* Forget every sample but keep the memory. */
void sink_reset(struct metric_sink *s);
/* Free everything; accepts a zeroed sink. */
void sink_fini(struct metric_sink *s);

/* Add one sample of family d with labels[0..n) (at most SINK_MAX_LABELS; stored
 * sorted by name, with le and quantile last, whatever order they are given in). If the family exists with another
 * type, the sample is refused with -EEXIST (the first type wins, as in Prometheus
 * registries); a different help text is ignored. Returns 0 or -errno. */
int sink_add(struct metric_sink *s, const struct metric_desc *d, double value,
	     const struct label *labels, size_t n);

/* Like sink_add, for a histogram or summary part: suffix says which sample name
 * (_bucket, _sum, _count) of family d this value is. */
int sink_add_part(struct metric_sink *s, const struct metric_desc *d, enum sample_suffix suffix,
		  double value, const struct label *labels, size_t n);

/* Like sink_add, into another view than VIEW_METRICS (sink_add uses VIEW_METRICS). */
int sink_add_view(struct metric_sink *s, enum metric_view view, const struct metric_desc *d,
		  double value, const struct label *labels, size_t n);

/* Intern a label set for this collection: labels[0..n) (at most SINK_MAX_LABELS, any
 * order, stored canonical like sink_add's) is copied once and *ls gets a handle that stays
 * valid until sink_reset. Many samples can then share it through sink_add_ls, which
 * stores a reference instead of a copy; the writers escape the set's text once per
 * collection. Registering equal sets twice is allowed (they sort and de-duplicate as
 * equal). Returns 0, -EINVAL (bad label name), or -E2BIG (too many labels or sets,
 * strings full; counted in dropped). */
int sink_labelset(struct metric_sink *s, const struct label *labels, size_t n, uint32_t *ls);

/* Add one sample of family d whose labels are set ls plus extra[0..n_extra) (such as
 * cpu="total" or a device), merged in canonical order when written. An extra label may
 * not repeat a name of the set (-EINVAL); the total is at most SINK_MAX_LABELS (-E2BIG).
 * Ordering and duplicate removal are exactly those of sink_add with the merged labels.
 * Returns 0 or -errno as sink_add, -EINVAL for an unknown ls. */
int sink_add_ls(struct metric_sink *s, const struct metric_desc *d, double value, uint32_t ls,
		const struct label *extra, size_t n_extra);
/* Like sink_add_ls, into view. */
int sink_add_ls_view(struct metric_sink *s, enum metric_view view, const struct metric_desc *d,
		     double value, uint32_t ls, const struct label *extra, size_t n_extra);

/* Say where the adds that follow come from: from outside plumb (on: the textfile
 * collector's files) or from plumb itself (off, the state after sink_init and
 * sink_reset). Families made while on are foreign. A foreign add to a family plumb made
 * is refused with -EEXIST, so data read from files never lands in plumb's families; and
 * sink_find_family*, sink_lookup and sink_find_clash do not see foreign families, so
 * nothing plumb derives from a collection (health's inputs) can be fed from a file. */
void sink_foreign(struct metric_sink *s, bool on);

/* Keep room for `series` more series and `bytes` more bytes of strings out of reach of
 * the adds that follow, until the next sink_hold or sink_reset (sink_hold(s, 0, 0) gives
 * it back): adds that would use it fail with -E2BIG and count in dropped. The core holds
 * room for what it adds after a collector that serves data from outside plumb, so that
 * collector cannot crowd those lines out. */
void sink_hold(struct metric_sink *s, uint32_t series, size_t bytes);

/* Where the series added so far end: give it to sink_rollback to take back what is
 * added after it. */
static inline uint32_t sink_mark(const struct metric_sink *s)
{
	return s->nseries;
}

/* Take back every series added since mark (from sink_mark in this collection), so a
 * parse that fails part way shows no half results. Families made since stay, empty:
 * empty families are not written. */
static inline void sink_rollback(struct metric_sink *s, uint32_t mark)
{
	if (mark < s->nseries)
		s->nseries = mark;
}

/* Serve family d of view from in view to as well: the same series, not a copy. Call it
 * after the family's first sample (each collection: a reset forgets it). Returns 0,
 * -ENOENT when d has no family in from, or -EINVAL for a view out of range. */
int sink_share_view(struct metric_sink *s, const struct metric_desc *d, enum metric_view from,
		    enum metric_view to);

/* Whether family f is served in view. */
static inline bool sink_family_in_view(const struct sink_family *f, enum metric_view view)
{
	return f->view == view || ((f->also >> view) & 1u);
}

/* Shorthands for the common cases. */
static inline int sink_gauge(struct metric_sink *s, const struct metric_desc *d, double v)
{
	return sink_add(s, d, v, NULL, 0);
}

/* Find a family of VIEW_METRICS by name (not a foreign one, see sink_foreign); returns
 * its index or -ENOENT. */
int sink_find_family(const struct metric_sink *s, const char *name, size_t len);
/* The same in any view. */
int sink_find_family_view(const struct metric_sink *s, const char *name, size_t len,
			  enum metric_view view);

/* Whether a family `a` of type at and a family `b` of type bt would show a name in
 * common in either text format: the same family name, the same sample name (a summary
 * "x" has "x_sum"; a counter "x" is written "x_total" in OpenMetrics), or the same
 * OpenMetrics family name (a counter "x_total" is family "x" there). Two such families
 * cannot both be served without making the exposition ambiguous. */
bool sink_names_clash(const char *a, size_t alen, enum metric_type at, const char *b,
		      size_t blen, enum metric_type bt);

/* A family plumb made (not foreign) on /metrics that a family `name` of type would
 * clash with (sink_names_clash). Returns its index, or -ENOENT. Names longer than
 * SINK_CLASH_NAME_MAX are checked for the same family name only. */
#define SINK_CLASH_NAME_MAX 1024
int sink_find_clash(const struct metric_sink *s, const char *name, size_t len,
		    enum metric_type type);

/* Lookups for readers of a collection (health reads a few values out of a snapshot).
 * They scan, so they suit a handful of values per collection, not every series. */

/* The next series of family fam (an index from sink_find_family*) after position *pos
 * (start at 0), or NULL when done. Works before and after sink_finish (after it, in the
 * sorted order and without the dropped duplicates). */
const struct sink_series *sink_family_next(const struct metric_sink *s, int fam, uint32_t *pos);

/* The value of label `name` of se into *value (pointing into the sink, valid until its
 * next reset). Returns false when se has no such label. */
bool sink_series_label(const struct metric_sink *s, const struct sink_series *se,
		       const char *name, struct span *value);

/* The value of the first series of family `name` in view whose label lname equals
 * lvalue; with lname NULL, of the family's first series. Returns 0 and *out, or
 * -ENOENT when there is no such series. */
int sink_lookup(const struct metric_sink *s, enum metric_view view, const char *name,
		const char *lname, const char *lvalue, double *out);

/* Group series by family (families sorted by name; series sorted by labels within a
 * family, keeping insertion order for ties) into s->order, dropping a later sample with
 * the same family, labels (merged, for label sets) and suffix as an earlier one (not in
 * histograms and summaries). Sorts the label sets once and writes their escaped text.
 * Called once after a collection, before writing. Returns 0 or -ENOMEM. */
int sink_finish(struct metric_sink *s);

/* Accessors for writers. */
static inline const char *sink_str(const struct metric_sink *s, uint32_t off)
{
	return s->strings.p + off;
}

/* Position in a series' labels: zero it to start. */
struct sink_label_iter {
	uint32_t a;  /* offset in the label set's blob */
	uint32_t b;  /* offset in the series' own blob */
};

/* Iterate the labels of a series in canonical order (a label set's merged with the
 * series' extras). Returns false when done. */
bool sink_label_next(const struct metric_sink *s, const struct sink_series *se,
		     struct sink_label_iter *it, struct span *name, struct span *value);

/* The label set of se, or NULL. */
static inline const struct sink_labelset *sink_series_set(const struct metric_sink *s,
							   const struct sink_series *se)
{
	return se->ls ? &s->lsets[se->ls - 1] : NULL;
}

#endif

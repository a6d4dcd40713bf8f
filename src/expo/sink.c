/*
 * sink: grouping of samples into families during a collection. See sink.h.
 *
 * Families are found by name through an open hash table of chains, after a cheaper
 * guess: a collection adds its samples in the order the last one did, so the k-th
 * lookup is first checked against the family the k-th found last time. A sample with
 * the labels of the one before shares its label blob. Series are kept in arrival
 * order; sink_finish() groups them by family and sorts each family's series by labels,
 * then drops exact duplicates, which no exposition may contain. Sorting
 * allocates nothing past the reusable arrays (qsort may allocate, and a scrape must
 * not): a family already in order costs one compare a series; a family whose series
 * all use label sets of one shape with identical extras is a counting sort on the
 * sets' ranks; the rest is an in-place heap sort whose compare, for two series with
 * sets of one shape and extras of the same names, reads the sets' prefix classes
 * (sink_finish numbers, for every k, the distinct k-label prefixes of the sorted sets)
 * instead of their blobs.
 *
 * Duplicates: series of a family are compared on their merged labels and suffix, so two
 * samples whose labels are equal are adjacent after sorting whichever API added them
 * (equal sets get equal ranks and prefix classes), and the later one is dropped.
 */
#include "expo/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expo/render.h"
#include "lib/sort.h"

#define SINK_DEFAULT_MAX_SERIES 1000000u
#define SINK_MAX_STRINGS ((size_t)512 << 20)

int sink_init(struct metric_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->strings.max = SINK_MAX_STRINGS;
	s->lstext.max = 3 * SINK_MAX_STRINGS; /* every byte may become U+FFFD */
	return 0;
}

void sink_reset(struct metric_sink *s)
{
	buf_reset(&s->strings);
	s->nfamilies = 0;
	s->fcalls = 0;
	s->nseries = 0;
	s->dropped = 0;
	s->nlsets = 0;
	s->nshapes = 0;
	s->lsaux_need = 0;
	buf_reset(&s->lstext);
	s->finished = false;
	s->foreign = false;
	sink_hold(s, 0, 0);
	if (s->hash)
		memset(s->hash, 0, s->hash_cap * sizeof(*s->hash));
}

void sink_fini(struct metric_sink *s)
{
	buf_fini(&s->strings);
	free(s->families);
	free(s->fpred);
	free(s->series);
	free(s->order);
	free(s->hash);
	free(s->lsets);
	free(s->lsaux);
	free(s->scratch);
	for (int i = 0; i < 2; i++) {
		free(s->perm[i]);
		free(s->perm_fam[i]);
	}
	buf_fini(&s->lstext);
	memset(s, 0, sizeof(*s));
}

/* Hash of a family name for the chain table: 8 bytes a step (names are ~30 bytes and
 * every sample looks its family up), mixed by multiplication; only the table's
 * speed depends on it, never the output. */
static uint32_t hash_name(const char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15u ^ n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDu;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xFF51AFD7ED558CCDu;
		h ^= h >> 32;
	}
	h *= 0xC4CEB9FE1A85EC53u;
	return (uint32_t)(h >> 32);
}

/* Whether p[0..n) is a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
static bool valid_metric_name(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
			  (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

/* Whether p[0..n) is a valid label name: [a-zA-Z_][a-zA-Z0-9_]*. */
static bool valid_label_name(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

void sink_foreign(struct metric_sink *s, bool on)
{
	s->foreign = on;
}

void sink_hold(struct metric_sink *s, uint32_t series, size_t bytes)
{
	s->held_series = series;
	/* strings' own limit keeps the bytes back: every add copies through it (a max of 0
	 * would mean buf's default, so holding everything leaves 1) */
	s->strings.max = bytes < SINK_MAX_STRINGS ? SINK_MAX_STRINGS - bytes : 1;
}

/* The family named name[0..len) in view, foreign or not: its index or -ENOENT. */
static int find_family(const struct metric_sink *s, const char *name, size_t len,
		       enum metric_view view)
{
	if (!s->hash_cap)
		return -ENOENT;
	uint32_t i = s->hash[(hash_name(name, len) ^ view) & (s->hash_cap - 1)];
	while (i) {
		const struct sink_family *f = &s->families[i - 1];
		if (f->name_len == len && f->view == view &&
		    memcmp(sink_str(s, f->name_off), name, len) == 0)
			return (int)(i - 1);
		i = f->hnext;
	}
	return -ENOENT;
}

int sink_find_family_view(const struct metric_sink *s, const char *name, size_t len,
			  enum metric_view view)
{
	int idx = find_family(s, name, len, view);
	return idx >= 0 && s->families[idx].foreign ? -ENOENT : idx;
}

int sink_share_view(struct metric_sink *s, const struct metric_desc *d, enum metric_view from,
		    enum metric_view to)
{
	if ((unsigned)from >= VIEW_COUNT || (unsigned)to >= VIEW_COUNT)
		return -EINVAL;
	int idx = sink_find_family_view(s, d->name, strlen(d->name), from);
	if (idx < 0)
		return idx;
	s->families[idx].also |= 1u << to;
	return 0;
}

int sink_find_family(const struct metric_sink *s, const char *name, size_t len)
{
	return sink_find_family_view(s, name, len, VIEW_METRICS);
}

/* A name as an exposition shows it: p[0..len) followed by the suffix suf. */
struct shown_name {
	const char *p;
	size_t len;
	const char *suf;
};

/* Fill out[] with the names a family p[0..n) of type t shows in either text format
 * (family name, OpenMetrics family name, sample names); returns how many (at most 4). */
static size_t shown_names(const char *p, size_t n, enum metric_type t, struct shown_name *out)
{
	size_t k = 0;
	out[k++] = (struct shown_name){ p, n, "" };
	switch (t) {
	case METRIC_HISTOGRAM:
	case METRIC_SUMMARY:
		if (t == METRIC_HISTOGRAM)
			out[k++] = (struct shown_name){ p, n, "_bucket" };
		out[k++] = (struct shown_name){ p, n, "_sum" };
		out[k++] = (struct shown_name){ p, n, "_count" };
		break;
	case METRIC_COUNTER:
		/* OpenMetrics: family "x" with samples "x_total", whichever was given */
		if (n > 6 && memcmp(p + n - 6, "_total", 6) == 0)
			out[k++] = (struct shown_name){ p, n - 6, "" };
		else
			out[k++] = (struct shown_name){ p, n, "_total" };
		break;
	default:
		break;
	}
	return k;
}

/* Whether a and b spell the same name. */
static bool shown_eq(struct shown_name a, struct shown_name b)
{
	size_t sa = strlen(a.suf), sb = strlen(b.suf);
	if (a.len + sa != b.len + sb)
		return false;
	for (size_t i = 0; i < a.len + sa; i++) {
		char ca = i < a.len ? a.p[i] : a.suf[i - a.len];
		char cb = i < b.len ? b.p[i] : b.suf[i - b.len];
		if (ca != cb)
			return false;
	}
	return true;
}

bool sink_names_clash(const char *a, size_t alen, enum metric_type at, const char *b,
		      size_t blen, enum metric_type bt)
{
	struct shown_name na[4], nb[4];
	size_t ka = shown_names(a, alen, at, na), kb = shown_names(b, blen, bt, nb);
	for (size_t i = 0; i < ka; i++)
		for (size_t j = 0; j < kb; j++)
			if (shown_eq(na[i], nb[j]))
				return true;
	return false;
}

/* Whether plumb's family named c[0..n) on /metrics clashes with name[0..len) of type t:
 * its index, or -ENOENT. */
static int clash_with(const struct metric_sink *s, const char *c, size_t n, const char *name,
		      size_t len, enum metric_type t)
{
	int idx = sink_find_family(s, c, n);
	if (idx < 0)
		return -ENOENT;
	const struct sink_family *f = &s->families[idx];
	return sink_names_clash(sink_str(s, f->name_off), f->name_len, f->type, name, len, t)
		       ? idx
		       : -ENOENT;
}

int sink_find_clash(const struct metric_sink *s, const char *name, size_t len,
		    enum metric_type type)
{
	static const char *const sufs[] = { "_total", "_sum", "_count", "_bucket" };
	struct shown_name own[4];
	char c[SINK_CLASH_NAME_MAX + 16];
	int idx = sink_find_family(s, name, len);
	if (idx >= 0 || len > SINK_CLASH_NAME_MAX)
		return idx;
	/* a family that clashes shows one of own's names as is, with one suffix fewer
	 * (a summary whose "_sum" it is), or with "_total" more (a counter whose
	 * OpenMetrics family name it is): look each such name up */
	size_t k = shown_names(name, len, type, own);
	for (size_t i = 0; i < k; i++) {
		size_t sl = strlen(own[i].suf), n = own[i].len + sl;
		memcpy(c, own[i].p, own[i].len);
		memcpy(c + own[i].len, own[i].suf, sl);
		if ((idx = clash_with(s, c, n, name, len, type)) >= 0)
			return idx;
		for (size_t j = 0; j < sizeof(sufs) / sizeof(*sufs); j++) {
			size_t fl = strlen(sufs[j]);
			if (n > fl && memcmp(c + n - fl, sufs[j], fl) == 0 &&
			    (idx = clash_with(s, c, n - fl, name, len, type)) >= 0)
				return idx;
		}
		memcpy(c + n, "_total", 6);
		if ((idx = clash_with(s, c, n + 6, name, len, type)) >= 0)
			return idx;
	}
	return -ENOENT;
}

/* Rebuild the hash table at a size that keeps chains short. */
static int rehash(struct metric_sink *s)
{
	uint32_t want = 64;
	while (want < s->nfamilies * 2 + 2)
		want *= 2;
	if (want != s->hash_cap) {
		uint32_t *h = realloc(s->hash, want * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->hash = h;
		s->hash_cap = want;
	}
	memset(s->hash, 0, s->hash_cap * sizeof(*s->hash));
	for (uint32_t i = 0; i < s->nfamilies; i++) {
		struct sink_family *f = &s->families[i];
		uint32_t slot = (hash_name(sink_str(s, f->name_off), f->name_len) ^ f->view) &
				(s->hash_cap - 1);
		f->hnext = s->hash[slot];
		s->hash[slot] = i + 1;
	}
	return 0;
}

/* Whether found family idx may take a sample of d: its index, or -EEXIST. */
static int family_takes(const struct metric_sink *s, int idx, const struct metric_desc *d)
{
	if (s->foreign && !s->families[idx].foreign)
		return -EEXIST; /* data from a file never joins a family of plumb's */
	return s->families[idx].type == d->type ? idx : -EEXIST;
}

/* Find or add the family for d through the hash table. Returns its index or -errno. */
static int family_lookup(struct metric_sink *s, enum metric_view view, const struct metric_desc *d)
{
	size_t nlen = strlen(d->name);
	int idx = find_family(s, d->name, nlen, view);
	if (idx >= 0)
		return family_takes(s, idx, d);
	if (!valid_metric_name(d->name, nlen))
		return -EINVAL;
	if (s->nfamilies >= SINK_MAX_FAMILIES)
		return -E2BIG;
	const char *help = d->help ? d->help : "";
	size_t hlen = strlen(help);
	int r = grow_array((void **)&s->families, &s->families_cap, s->nfamilies + 1,
			   sizeof(*s->families));
	if (r < 0)
		return r;
	struct sink_family f = { .type = d->type, .view = view, .foreign = s->foreign };
	f.name_off = (uint32_t)s->strings.len;
	f.name_len = (uint32_t)nlen;
	if ((r = buf_append(&s->strings, d->name, nlen + 1)) < 0)
		return r;
	f.help_off = (uint32_t)s->strings.len;
	f.help_len = (uint32_t)hlen;
	if ((r = buf_append(&s->strings, help, hlen + 1)) < 0)
		return r;
	s->families[s->nfamilies++] = f;
	if (s->nfamilies * 2 + 2 > s->hash_cap)
		return (r = rehash(s)) < 0 ? r : (int)(s->nfamilies - 1);
	uint32_t slot = (hash_name(d->name, nlen) ^ view) & (s->hash_cap - 1);
	s->families[s->nfamilies - 1].hnext = s->hash[slot];
	s->hash[slot] = s->nfamilies;
	return (int)(s->nfamilies - 1);
}

/* Whether family j (any index) is the one named name in view. */
static bool family_is(const struct metric_sink *s, uint32_t j, enum metric_view view,
		      const char *name)
{
	if (j >= s->nfamilies)
		return false;
	const struct sink_family *f = &s->families[j];
	/* strncmp stops at name's end, so a shorter name is never read past */
	return f->view == view && strncmp(sink_str(s, f->name_off), name, f->name_len) == 0 &&
	       name[f->name_len] == '\0';
}

/* Find or add the family for d. Returns its index or -errno.
 * A collection adds its samples in the order the last one did, so this call's family is
 * most often the one the same call (by count since the reset) found last time: checked
 * by name, it is the family (names are unique in a view), without hashing the name. */
static int family_for(struct metric_sink *s, enum metric_view view, const struct metric_desc *d)
{
	if ((unsigned)view >= VIEW_COUNT)
		return -EINVAL;
	uint32_t k = s->fcalls;
	if (k < UINT32_MAX)
		s->fcalls++;
	if (k < s->fpred_n && family_is(s, s->fpred[k], view, d->name))
		return family_takes(s, (int)s->fpred[k], d);
	int idx = family_lookup(s, view, d);
	/* remembered only in sequence: a failed grow leaves no gap of stale entries */
	if (k <= s->fpred_n && k < UINT32_MAX &&
	    grow_array((void **)&s->fpred, &s->fpred_cap, k + 1, sizeof(*s->fpred)) == 0) {
		s->fpred[k] = idx >= 0 ? (uint32_t)idx : UINT32_MAX;
		if (k == s->fpred_n)
			s->fpred_n++;
	}
	return idx;
}

/* Sort key rank: "le" and "quantile" go last, as Prometheus clients write them. */
static int label_rank(const char *name)
{
	return (name[0] == 'l' && strcmp(name, "le") == 0) ||
	       (name[0] == 'q' && strcmp(name, "quantile") == 0);
}

/* sort_heap order of label indexes (uint8_t) in ctx's labels: "le" and "quantile"
 * last, then by name, then by index (names may repeat until the caller checks). */
static int by_label(const void *a, const void *b, void *ctx)
{
	const struct label *labels = ctx;
	uint8_t ia = *(const uint8_t *)a, ib = *(const uint8_t *)b;
	int ra = label_rank(labels[ia].name), rb = label_rank(labels[ib].name);
	if (ra != rb)
		return ra - rb;
	int c = strcmp(labels[ia].name, labels[ib].name);
	return c ? c : (int)ia - (int)ib;
}

/* Fill order[0..n) with the indexes of labels sorted by name, so a series' labels are
 * stored, written and compared in one canonical order. */
static void label_order(const struct label *labels, size_t n, uint8_t *order)
{
	for (size_t i = 0; i < n; i++)
		order[i] = (uint8_t)i;
	sort_heap(order, n, sizeof(*order), by_label, (void *)labels);
}

/* Whether name[0..n) sorts last ("le", "quantile"). */
static int span_rank(const char *p, size_t n)
{
	return (n == 2 && memcmp(p, "le", 2) == 0) || (n == 8 && memcmp(p, "quantile", 8) == 0);
}

/* Canonical order of two label names (label_order's): <0, 0 or >0. */
static int name_cmp(struct span a, struct span b)
{
	int ra = span_rank(a.p, a.len), rb = span_rank(b.p, b.len);
	if (ra != rb)
		return ra - rb;
	size_t m = a.len < b.len ? a.len : b.len;
	int c = memcmp(a.p, b.p, m);
	if (c || a.len == b.len)
		return c;
	return a.len < b.len ? -1 : 1;
}

/* Byte order of two label values, shorter first on a common prefix. */
static int value_cmp(struct span a, struct span b)
{
	size_t m = a.len < b.len ? a.len : b.len;
	int c = m ? memcmp(a.p, b.p, m) : 0;
	if (c || a.len == b.len)
		return c;
	return a.len < b.len ? -1 : 1;
}

/* Read the blob entry at strings[off]: hw header words (2 for a full blob, 3 for a
 * series' extras, the third being *at when at is not NULL). Returns its size in bytes. */
static uint32_t blob_label(const struct metric_sink *s, uint32_t off, int hw, struct span *name,
			   struct span *value, uint32_t *at)
{
	const char *p = s->strings.p + off;
	uint32_t hdr[3] = { 0, 0, 0 };
	memcpy(hdr, p, (size_t)hw * sizeof(uint32_t));
	name->p = p + (size_t)hw * sizeof(uint32_t);
	name->len = hdr[0];
	value->p = name->p + hdr[0];
	value->len = hdr[1];
	if (at)
		*at = hdr[2];
	return (uint32_t)hw * (uint32_t)sizeof(uint32_t) + hdr[0] + hdr[1];
}

/* Append labels[0..n) to strings in canonical order as blob entries of hw header words;
 * with set, each entry's third word is how many of set's labels sort before it, and a
 * name the set has is refused. On error strings is left as it was. Returns 0, -EINVAL or
 * -E2BIG. */
static int put_labels(struct metric_sink *s, const struct label *labels, size_t n,
		      const struct sink_labelset *set)
{
	uint8_t order[SINK_MAX_LABELS];
	size_t start = s->strings.len;
	int hw = set ? 3 : 2, r = 0;
	if (n > SINK_MAX_LABELS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		if (!valid_label_name(labels[i].name, strlen(labels[i].name)) ||
		    labels[i].vlen > UINT32_MAX / 2)
			return -EINVAL;
	}
	label_order(labels, n, order);
	for (size_t k = 0; k < n; k++) {
		const struct label *l = &labels[order[k]];
		uint32_t hdr[3] = { (uint32_t)strlen(l->name), (uint32_t)l->vlen, 0 };
		struct span ln = { l->name, hdr[0] }, sn, sv;
		for (uint32_t pos = 0; set && pos < set->len; hdr[2]++) {
			pos += blob_label(s, set->off + pos, 2, &sn, &sv, NULL);
			int c = name_cmp(sn, ln);
			if (c == 0) {
				r = -EINVAL;
				goto out_undo;
			}
			if (c > 0)
				break;
		}
		if ((r = buf_append(&s->strings, hdr, (size_t)hw * sizeof(uint32_t))) < 0 ||
		    (r = buf_append(&s->strings, l->name, hdr[0])) < 0 ||
		    (r = buf_append(&s->strings, l->value, hdr[1])) < 0)
			goto out_undo;
	}
	return 0;
out_undo:
	s->strings.len = start;
	return r;
}

/* Whether sets a and b have the same label names. */
static bool same_names(const struct metric_sink *s, const struct sink_labelset *a,
		       const struct sink_labelset *b)
{
	if (a->n != b->n)
		return false;
	struct span na, va, nb, vb;
	for (uint32_t pa = 0, pb = 0; pa < a->len && pb < b->len;) {
		pa += blob_label(s, a->off + pa, 2, &na, &va, NULL);
		pb += blob_label(s, b->off + pb, 2, &nb, &vb, NULL);
		if (na.len != nb.len || memcmp(na.p, nb.p, na.len) != 0)
			return false;
	}
	return true;
}

/* The shape (index in s->shapes) of set idx, adding it when new and there is room;
 * SINK_SHAPE_NONE otherwise. */
static uint32_t find_shape(struct metric_sink *s, uint32_t idx)
{
	const struct sink_labelset *set = &s->lsets[idx];
	for (uint32_t k = 0; k < s->nshapes; k++) {
		if (same_names(s, &s->lsets[s->shapes[k]], set))
			return k;
	}
	if (s->nshapes >= SINK_MAX_SHAPES)
		return SINK_SHAPE_NONE;
	s->shapes[s->nshapes] = idx;
	return s->nshapes++;
}

int sink_labelset(struct metric_sink *s, const struct label *labels, size_t n, uint32_t *ls)
{
	uint32_t max = s->max_series ? s->max_series : SINK_DEFAULT_MAX_SERIES;
	int r;
	s->finished = false;
	if (s->nlsets >= max || n > SINK_MAX_LABELS ||
	    s->lsaux_need > UINT32_MAX - 2 * (SINK_MAX_LABELS + 1)) {
		r = -E2BIG;
		goto out_drop;
	}
	r = grow_array((void **)&s->lsets, &s->lsets_cap, s->nlsets + 1, sizeof(*s->lsets));
	if (r < 0)
		goto out_drop;
	size_t start = s->strings.len;
	if ((r = put_labels(s, labels, n, NULL)) < 0)
		goto out_drop;
	uint32_t idx = s->nlsets++;
	s->lsets[idx] = (struct sink_labelset){
		.off = (uint32_t)start,
		.len = (uint32_t)(s->strings.len - start),
		.n = (uint32_t)n,
		.aux = s->lsaux_need,
	};
	s->lsaux_need += 2 * ((uint32_t)n + 1);
	s->lsets[idx].shape = find_shape(s, idx);
	*ls = idx;
	return 0;
out_drop:
	s->dropped++;
	return r;
}

/* Whether series prev has the label blob strings[off..off+len) with set ls. The samples
 * of one object come one after another with the same labels (an interface's twenty
 * attributes): each shares the first one's blob, so a collection writes one blob per
 * object, not per sample, and the cache lines those writes take stay few. Blobs are
 * never changed once written, so sharing one is safe. */
static bool same_blob(const struct metric_sink *s, const struct sink_series *prev, uint32_t ls,
		      uint32_t off, uint32_t len)
{
	return prev->ls == ls && prev->labels_len == len &&
	       memcmp(s->strings.p + prev->labels_off, s->strings.p + off, len) == 0;
}

/* The one path every add takes: sample of family d in view, with a suffix, with labels
 * labels[0..n) alone (ls 0) or extra to label set ls - 1. */
static int add_sample(struct metric_sink *s, enum metric_view view, const struct metric_desc *d,
		      enum sample_suffix suffix, double value, uint32_t ls,
		      const struct label *labels, size_t n)
{
	uint32_t max = s->max_series ? s->max_series : SINK_DEFAULT_MAX_SERIES;
	const struct sink_labelset *set = NULL;
	int r;
	s->finished = false;
	if (s->nseries >= max || max - s->nseries <= s->held_series) {
		r = -E2BIG;
		goto out_drop;
	}
	if (ls) {
		if (ls > s->nlsets) {
			r = -EINVAL;
			goto out_drop;
		}
		set = &s->lsets[ls - 1];
		if (n + set->n > SINK_MAX_LABELS) {
			r = -E2BIG;
			goto out_drop;
		}
	}
	int fam = family_for(s, view, d);
	if (fam < 0) {
		r = fam;
		goto out_drop;
	}
	r = grow_array((void **)&s->series, &s->series_cap, s->nseries + 1, sizeof(*s->series));
	if (r < 0)
		goto out_drop;
	size_t start = s->strings.len;
	if ((r = put_labels(s, labels, n, set)) < 0)
		goto out_drop;
	uint32_t off = (uint32_t)start, len = (uint32_t)(s->strings.len - start);
	if (len && s->nseries && same_blob(s, &s->series[s->nseries - 1], ls, off, len)) {
		off = s->series[s->nseries - 1].labels_off;
		s->strings.len = start; /* the copy just made goes */
		s->strings.p[start] = '\0';
	}
	_Static_assert(SINK_MAX_LABELS < 128 && SUFFIX_TOTAL < 8,
		       "sink_series' bit fields hold every label count and suffix");
	s->series[s->nseries++] = (struct sink_series){
		.family = (uint32_t)fam,
		.suffix = suffix,
		.labels_off = off,
		.labels_len = len,
		.nlabels = (uint32_t)n + (set ? set->n : 0),
		.ls = ls,
		.value = value,
	};
	return 0;
out_drop:
	s->dropped++;
	return r;
}

int sink_add_part(struct metric_sink *s, const struct metric_desc *d, enum sample_suffix suffix,
		  double value, const struct label *labels, size_t n)
{
	return add_sample(s, VIEW_METRICS, d, suffix, value, 0, labels, n);
}

int sink_add_view(struct metric_sink *s, enum metric_view view, const struct metric_desc *d,
		  double value, const struct label *labels, size_t n)
{
	return add_sample(s, view, d, SUFFIX_NONE, value, 0, labels, n);
}

int sink_add(struct metric_sink *s, const struct metric_desc *d, double value,
	     const struct label *labels, size_t n)
{
	return add_sample(s, VIEW_METRICS, d, SUFFIX_NONE, value, 0, labels, n);
}

int sink_add_ls(struct metric_sink *s, const struct metric_desc *d, double value, uint32_t ls,
		const struct label *extra, size_t n_extra)
{
	return sink_add_ls_view(s, VIEW_METRICS, d, value, ls, extra, n_extra);
}

int sink_add_ls_view(struct metric_sink *s, enum metric_view view, const struct metric_desc *d,
		     double value, uint32_t ls, const struct label *extra, size_t n_extra)
{
	if (ls >= UINT32_MAX) {
		s->dropped++;
		return -EINVAL;
	}
	return add_sample(s, view, d, SUFFIX_NONE, value, ls + 1, extra, n_extra);
}

bool sink_label_next(const struct metric_sink *s, const struct sink_series *se,
		     struct sink_label_iter *it, struct span *name, struct span *value)
{
	const struct sink_labelset *set = sink_series_set(s, se);
	struct span na, va, nb, vb;
	uint32_t la = 0, lb = 0;
	bool ha = set && it->a < set->len, hb = it->b < se->labels_len;
	if (ha)
		la = blob_label(s, set->off + it->a, 2, &na, &va, NULL);
	if (hb)
		lb = blob_label(s, se->labels_off + it->b, set ? 3 : 2, &nb, &vb, NULL);
	if (ha && (!hb || name_cmp(na, nb) < 0)) {
		*name = na, *value = va;
		it->a += la;
		return true;
	}
	if (!hb)
		return false;
	*name = nb, *value = vb;
	it->b += lb;
	return true;
}

/* Order the merged labels of two series, label by label (name, then value; a series
 * whose labels are a prefix of the other's first). */
static int cmp_merged(const struct metric_sink *s, const struct sink_series *x,
		      const struct sink_series *y)
{
	struct sink_label_iter ix = { 0, 0 }, iy = { 0, 0 };
	struct span na, va, nb, vb;
	for (;;) {
		bool ha = sink_label_next(s, x, &ix, &na, &va);
		bool hb = sink_label_next(s, y, &iy, &nb, &vb);
		if (!ha || !hb)
			return ha == hb ? 0 : (ha ? 1 : -1);
		int c = value_cmp(na, nb); /* byte order, as the blob compare always was */
		if (c == 0)
			c = value_cmp(va, vb);
		if (c)
			return c;
	}
}

/* Whether x and y (with sets of one shape) have extras with the same names. */
static bool same_extra_names(const struct metric_sink *s, const struct sink_series *x,
			     const struct sink_series *y)
{
	if (x->nlabels != y->nlabels)
		return false;
	struct span nx, vx, ny, vy;
	for (uint32_t px = 0, py = 0; px < x->labels_len && py < y->labels_len;) {
		px += blob_label(s, x->labels_off + px, 3, &nx, &vx, NULL);
		py += blob_label(s, y->labels_off + py, 3, &ny, &vy, NULL);
		if (nx.len != ny.len || memcmp(nx.p, ny.p, nx.len) != 0)
			return false;
	}
	return true;
}

/* cmp_merged for x and y whose sets have one shape and whose extras have the same names
 * (so the same places): before each extra, the sets' prefixes up to it decide (their
 * prefix classes), then the extra's value; after the last, the sets' ranks. */
static int cmp_shaped(const struct metric_sink *s, const struct sink_series *x,
		      const struct sink_series *y)
{
	const struct sink_labelset *a = &s->lsets[x->ls - 1], *b = &s->lsets[y->ls - 1];
	const uint32_t *ca = s->lsaux + a->aux, *cb = s->lsaux + b->aux;
	struct span nx, vx, ny, vy;
	uint32_t at;
	for (uint32_t px = 0, py = 0; px < x->labels_len;) {
		px += blob_label(s, x->labels_off + px, 3, &nx, &vx, &at);
		py += blob_label(s, y->labels_off + py, 3, &ny, &vy, NULL);
		if (ca[at] != cb[at])
			return ca[at] < cb[at] ? -1 : 1;
		int c = value_cmp(vx, vy);
		if (c)
			return c;
	}
	return a->rank == b->rank ? 0 : (a->rank < b->rank ? -1 : 1);
}

/* Order two series of one family by merged labels, then suffix (0: same labels). */
static int cmp_labels(const struct metric_sink *s, uint32_t a, uint32_t b)
{
	const struct sink_series *x = &s->series[a], *y = &s->series[b];
	int c;
	if (x->ls && y->ls && s->lsets[x->ls - 1].shape == s->lsets[y->ls - 1].shape &&
	    s->lsets[x->ls - 1].shape != SINK_SHAPE_NONE && same_extra_names(s, x, y))
		c = cmp_shaped(s, x, y);
	else
		c = cmp_merged(s, x, y);
	if (c)
		return c;
	if (x->suffix != y->suffix)
		return x->suffix < y->suffix ? -1 : 1;
	return 0;
}

/* Order two series of one family: by labels, then suffix, then arrival. */
static int cmp_series(const struct metric_sink *s, uint32_t a, uint32_t b)
{
	int c = cmp_labels(s, a, b);
	if (c)
		return c;
	return a < b ? -1 : (a > b ? 1 : 0);
}

/* Order two label sets' blobs by label pairs; *lcp gets how many leading labels are
 * equal. */
static int cmp_blobs(const struct metric_sink *s, const struct sink_labelset *x,
		     const struct sink_labelset *y, uint32_t *lcp)
{
	struct span na, va, nb, vb;
	uint32_t pa = 0, pb = 0;
	*lcp = 0;
	for (;; ++*lcp) {
		bool ha = pa < x->len, hb = pb < y->len;
		if (!ha || !hb)
			return ha == hb ? 0 : (ha ? 1 : -1);
		pa += blob_label(s, x->off + pa, 2, &na, &va, NULL);
		pb += blob_label(s, y->off + pb, 2, &nb, &vb, NULL);
		int c = value_cmp(na, nb);
		if (c == 0)
			c = value_cmp(va, vb);
		if (c)
			return c;
	}
}

/* Order two label sets by labels, then index. */
static int cmp_sets(const struct metric_sink *s, uint32_t a, uint32_t b)
{
	uint32_t lcp;
	int c = cmp_blobs(s, &s->lsets[a], &s->lsets[b], &lcp);
	if (c)
		return c;
	return a < b ? -1 : (a > b ? 1 : 0);
}

/* Order two families by name (bytewise, a prefix first), then view. */
static int cmp_family(const struct metric_sink *s, uint32_t a, uint32_t b)
{
	const struct sink_family *x = &s->families[a], *y = &s->families[b];
	size_t m = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(sink_str(s, x->name_off), sink_str(s, y->name_off), m);
	if (c)
		return c;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return (int)x->view - (int)y->view;
}

/* sort_heap orders of uint32_t indexes, for sets and families: cmp_sets and
 * cmp_family with the sink as ctx. */
static int by_set(const void *a, const void *b, void *ctx)
{
	return cmp_sets(ctx, *(const uint32_t *)a, *(const uint32_t *)b);
}

static int by_family(const void *a, const void *b, void *ctx)
{
	return cmp_family(ctx, *(const uint32_t *)a, *(const uint32_t *)b);
}

/* Whether series a and b (of one family) have the same labels and suffix. */
static bool same_labels(const struct metric_sink *s, uint32_t a, uint32_t b)
{
	const struct sink_series *x = &s->series[a], *y = &s->series[b];
	if (!x->ls && !y->ls)
		return x->suffix == y->suffix && x->labels_len == y->labels_len &&
		       memcmp(s->strings.p + x->labels_off, s->strings.p + y->labels_off,
			      x->labels_len) == 0;
	return cmp_labels(s, a, b) == 0;
}

/* Sort the label sets (their indexes into scratch[0..nlsets)), give each its rank and
 * prefix classes, and write each one's escaped text and label bounds. Returns 0 or
 * -errno. */
static int finish_sets(struct metric_sink *s)
{
	uint32_t n = s->nlsets, *v = s->scratch;
	uint32_t cnt[SINK_MAX_LABELS + 1];
	int r;
	buf_reset(&s->lstext);
	if (n == 0)
		return 0;
	if ((r = grow_array((void **)&s->lsaux, &s->lsaux_cap, s->lsaux_need, sizeof(*s->lsaux))) < 0)
		return r;
	/* a collector registers the same sets in the same order scrape after scrape: start
	 * from the last collection's order (still in scratch) when the count is the same,
	 * so sort_heap usually finds the sets sorted */
	if (n != s->sorted_sets) {
		for (uint32_t i = 0; i < n; i++)
			v[i] = i;
	}
	s->sorted_sets = 0; /* scratch is not a permutation of the sets until below */
	sort_heap(v, n, sizeof(*v), by_set, (void *)s);
	s->sorted_sets = n;
	memset(cnt, 0, sizeof(cnt));
	for (uint32_t i = 0, rank = 0; i < n; i++) {
		struct sink_labelset *set = &s->lsets[v[i]];
		uint32_t lcp = set->n, *cls = s->lsaux + set->aux;
		if (i > 0 && cmp_blobs(s, &s->lsets[v[i - 1]], set, &lcp) != 0)
			rank++;
		set->rank = rank;
		cls[0] = 0;
		for (uint32_t j = 1; j <= set->n; j++) {
			if (i > 0 && lcp < j)
				cnt[j]++;
			cls[j] = cnt[j];
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		struct sink_labelset *set = &s->lsets[i];
		uint32_t *bound = s->lsaux + set->aux + set->n + 1, j = 0;
		struct span ln, lv;
		set->text_off = (uint32_t)s->lstext.len;
		for (uint32_t pos = 0; pos < set->len; j++) {
			pos += blob_label(s, set->off + pos, 2, &ln, &lv, NULL);
			if (j && (r = buf_putc(&s->lstext, ',')) < 0)
				return r;
			bound[j] = (uint32_t)(s->lstext.len - set->text_off);
			if ((r = buf_append(&s->lstext, ln.p, ln.len)) < 0 ||
			    (r = buf_append(&s->lstext, "=\"", 2)) < 0 ||
			    (r = escape_label_value(&s->lstext, lv.p, lv.len)) < 0 ||
			    (r = buf_putc(&s->lstext, '"')) < 0)
				return r;
		}
		set->text_len = (uint32_t)(s->lstext.len - set->text_off);
		bound[set->n] = set->text_len + 1;
	}
	return 0;
}

/* Whether family v[0..n) (n > 0) orders by its sets' ranks alone: every series has a
 * set of one shape, one suffix, and byte-equal extras (then merged order is set order). */
static bool by_rank(const struct metric_sink *s, const uint32_t *v, uint32_t n)
{
	const struct sink_series *f = &s->series[v[0]];
	if (!f->ls || s->lsets[f->ls - 1].shape == SINK_SHAPE_NONE)
		return false;
	for (uint32_t i = 1; i < n; i++) {
		const struct sink_series *x = &s->series[v[i]];
		if (!x->ls || s->lsets[x->ls - 1].shape != s->lsets[f->ls - 1].shape ||
		    x->suffix != f->suffix || x->labels_len != f->labels_len ||
		    memcmp(s->strings.p + x->labels_off, s->strings.p + f->labels_off,
			   x->labels_len) != 0)
			return false;
	}
	return true;
}

/* Whether family v[0..n) (n > 0) has one extra label per series, of one name at one
 * place (*at: how many set labels precede it), over sets of one shape, with one suffix.
 * Then cmp_series orders by the sets' prefix class before the extra, the extra's value,
 * the sets' ranks and arrival (cmp_shaped): the container collector's per-device
 * families are such. */
static bool by_one_extra(const struct metric_sink *s, const uint32_t *v, uint32_t n,
			 uint32_t *at)
{
	const struct sink_series *f = &s->series[v[0]];
	struct span fn, fv, xn, xv;
	uint32_t xat;
	if (!f->ls || s->lsets[f->ls - 1].shape == SINK_SHAPE_NONE ||
	    f->nlabels != s->lsets[f->ls - 1].n + 1)
		return false;
	blob_label(s, f->labels_off, 3, &fn, &fv, at);
	for (uint32_t i = 1; i < n; i++) {
		const struct sink_series *x = &s->series[v[i]];
		if (!x->ls || s->lsets[x->ls - 1].shape != s->lsets[f->ls - 1].shape ||
		    x->suffix != f->suffix || x->nlabels != f->nlabels)
			return false;
		blob_label(s, x->labels_off, 3, &xn, &xv, &xat);
		if (xat != *at || xn.len != fn.len || memcmp(xn.p, fn.p, fn.len) != 0)
			return false;
	}
	return true;
}

/* Order of series a and b of a by_one_extra family whose extra sits at at, up to
 * the sets' ranks: prefix class, then the extra's value. */
static int cmp_one_extra(const struct metric_sink *s, uint32_t a, uint32_t b, uint32_t at)
{
	const struct sink_series *x = &s->series[a], *y = &s->series[b];
	uint32_t ca = s->lsaux[s->lsets[x->ls - 1].aux + at];
	uint32_t cb = s->lsaux[s->lsets[y->ls - 1].aux + at];
	struct span nx, vx, ny, vy;
	if (ca != cb)
		return ca < cb ? -1 : 1;
	blob_label(s, x->labels_off, 3, &nx, &vx, NULL);
	blob_label(s, y->labels_off, 3, &ny, &vy, NULL);
	return value_cmp(vx, vy);
}

/* Stable counting sort of v[0..n) (all with label sets) by their sets' ranks. cnt has
 * room for nlsets + 1 words, tmp for n. */
static void rank_sort(struct metric_sink *s, uint32_t *v, uint32_t n, uint32_t *cnt,
		      uint32_t *tmp)
{
	memset(cnt, 0, ((size_t)s->nlsets + 1) * sizeof(*cnt));
	for (uint32_t i = 0; i < n; i++)
		cnt[s->lsets[s->series[v[i]].ls - 1].rank + 1]++;
	for (uint32_t r = 1; r <= s->nlsets; r++)
		cnt[r] += cnt[r - 1];
	for (uint32_t i = 0; i < n; i++)
		tmp[cnt[s->lsets[s->series[v[i]].ls - 1].rank]++] = v[i];
	memcpy(v, tmp, (size_t)n * sizeof(*v));
}

/* cmp_series with merge_sort's signature (at unused). */
static int cmp_series_at(const struct metric_sink *s, uint32_t a, uint32_t b, uint32_t at)
{
	(void)at;
	return cmp_series(s, a, b);
}

/* Stable bottom-up merge sort of v[0..n) by cmp (given at), through tmp[0..n); two runs
 * already in order are copied after one comparison, so nearly sorted input costs about
 * n comparisons. Allocates nothing. */
static void merge_sort(const struct metric_sink *s, uint32_t *v, uint32_t n, uint32_t *tmp,
		       int (*cmp)(const struct metric_sink *, uint32_t, uint32_t, uint32_t),
		       uint32_t at)
{
	uint32_t *src = v, *dst = tmp;
	for (uint32_t width = 1; width < n; width *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * width) {
			uint32_t mid = lo + width < n ? lo + width : n;
			uint32_t hi = mid + width < n ? mid + width : n;
			uint32_t i = lo, j = mid, k = lo;
			if (mid < hi && cmp(s, src[mid], src[mid - 1], at) >= 0) {
				/* the two runs are in order already */
				memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(*dst));
				continue;
			}
			while (i < mid && j < hi)
				dst[k++] = cmp(s, src[j], src[i], at) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
		if (width > UINT32_MAX / 2)
			break;
	}
	if (src != v)
		memcpy(v, src, (size_t)n * sizeof(*v));
}

/* Sort family v[0..n) (in arrival order) by cmp_series: nothing when already in order;
 * a stable counting sort on ranks when by_rank; that, then a stable merge on the one
 * extra label, when by_one_extra; else a merge sort. cnt has room for nlsets + 1 words,
 * tmp for n. */
static void sort_family(struct metric_sink *s, uint32_t *v, uint32_t n, uint32_t *cnt,
			uint32_t *tmp)
{
	uint32_t k = 1, at;
	while (k < n && cmp_series(s, v[k - 1], v[k]) < 0)
		k++;
	if (k >= n)
		return;
	if (by_rank(s, v, n)) {
		rank_sort(s, v, n, cnt, tmp);
	} else if (by_one_extra(s, v, n, &at)) {
		rank_sort(s, v, n, cnt, tmp);
		merge_sort(s, v, n, tmp, cmp_one_extra, at);
	} else {
		merge_sort(s, v, n, tmp, cmp_series_at, 0);
	}
}

/* Put family v[0..n) (arrival order) in order with the order family idx had in the last
 * collection, if that had n series and gives a strictly increasing sequence now
 * (cmp_series is a total order, arrival breaking ties, so such a sequence is the one
 * sort_family would make). tmp has room for n. Returns whether v was put in order. */
static bool reuse_order(const struct metric_sink *s, uint32_t idx, uint32_t *v, uint32_t n,
			uint32_t *tmp)
{
	unsigned old = s->perm_cur;
	if (idx >= s->perm_nfam || n < 2 || s->perm_fam[old][idx].count != n)
		return false;
	const uint32_t *pos = s->perm[old] + s->perm_fam[old][idx].off;
	for (uint32_t j = 0; j < n; j++)
		tmp[j] = v[pos[j]]; /* pos is a permutation of 0..n-1: it was kept so */
	for (uint32_t j = 1; j < n; j++)
		if (cmp_series(s, tmp[j - 1], tmp[j]) >= 0)
			return false;
	memcpy(v, tmp, (size_t)n * sizeof(*v));
	return true;
}

/* Sort family idx's series v[0..n) (arrival order) as sort_family does, and keep its
 * order for the next collection in perm[cur] from *len (the caller has made
 * perm_fam[cur] hold idx): the arrival list is staged there first, and each series'
 * arrival position found in it after the sort (it ascends). A family that arrived in
 * order keeps nothing; without memory for it, neither (it is sorted all the same). */
static void sort_and_keep(struct metric_sink *s, uint32_t idx, uint32_t *v, uint32_t n,
			  uint32_t *cnt, uint32_t *tmp, uint32_t *len)
{
	unsigned cur = s->perm_cur ^ 1;
	bool keep = n >= 2 && *len <= UINT32_MAX - n &&
		    grow_array((void **)&s->perm[cur], &s->perm_cap[cur], *len + n,
			       sizeof(*s->perm[cur])) == 0;
	uint32_t *arr = keep ? s->perm[cur] + *len : NULL;
	if (arr)
		memcpy(arr, v, (size_t)n * sizeof(*v));
	sort_family(s, v, n, cnt, tmp);
	if (!arr || memcmp(arr, v, (size_t)n * sizeof(*v)) == 0)
		return; /* arrived in order (or no room): nothing to keep */
	for (uint32_t j = 0; j < n; j++) {
		uint32_t lo = 0, hi = n;
		while (hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (arr[mid] <= v[j])
				lo = mid;
			else
				hi = mid;
		}
		tmp[j] = lo;
	}
	memcpy(arr, tmp, (size_t)n * sizeof(*tmp));
	s->perm_fam[cur][idx] = (struct sink_perm){ *len, n };
	*len += n;
}

/* Carry family idx's kept order (it served this collection) into perm[cur] from *len. */
static void carry_order(struct metric_sink *s, uint32_t idx, uint32_t *len)
{
	unsigned old = s->perm_cur, cur = old ^ 1;
	struct sink_perm pf = s->perm_fam[old][idx];
	if (*len > UINT32_MAX - pf.count ||
	    grow_array((void **)&s->perm[cur], &s->perm_cap[cur], *len + pf.count,
		       sizeof(*s->perm[cur])) < 0)
		return;
	memcpy(s->perm[cur] + *len, s->perm[old] + pf.off, (size_t)pf.count * sizeof(uint32_t));
	s->perm_fam[cur][idx] = (struct sink_perm){ *len, pf.count };
	*len += pf.count;
}

int sink_finish(struct metric_sink *s)
{
	/* order[] holds the sorted family list first, then every series grouped */
	uint32_t need = s->nfamilies + s->nseries;
	int r = grow_array((void **)&s->order, &s->order_cap, need ? need : 1, sizeof(*s->order));
	if (r < 0)
		return r;
	/* scratch: sorted sets, then counting-sort counts, then room for a family */
	uint64_t sneed = 2 * (uint64_t)s->nlsets + 1 + s->nseries;
	if (sneed > UINT32_MAX)
		return -E2BIG;
	if ((r = grow_array((void **)&s->scratch, &s->scratch_cap, (uint32_t)sneed,
			    sizeof(*s->scratch))) < 0)
		return r;
	if ((r = finish_sets(s)) < 0)
		return r;
	uint32_t *cnt = s->scratch + s->nlsets, *tmp = cnt + s->nlsets + 1;
	uint32_t *fam_order = s->order;
	uint32_t *ser = s->order + s->nfamilies;
	/* families come back in the same order collection after collection: start from
	 * the last sorted order when the count is the same, and sort_heap finds it sorted */
	for (uint32_t i = 0; i < s->nfamilies; i++) {
		if (s->nfamilies != s->sorted_families)
			fam_order[i] = i;
		s->families[i].count = 0;
	}
	s->sorted_families = 0; /* order is not a sorted permutation until below */
	sort_heap(fam_order, s->nfamilies, sizeof(*fam_order), by_family, (void *)s);
	s->sorted_families = s->nfamilies;
	for (uint32_t i = 0; i < s->nseries; i++)
		s->families[s->series[i].family].count++;
	uint32_t at = 0;
	for (uint32_t k = 0; k < s->nfamilies; k++) {
		struct sink_family *f = &s->families[fam_order[k]];
		f->first = at;
		at += f->count;
		f->count = 0;
	}
	for (uint32_t i = 0; i < s->nseries; i++) {
		struct sink_family *f = &s->families[s->series[i].family];
		ser[f->first + f->count++] = i;
	}
	/* this collection's orders go to the other buffers; without room for their index,
	 * none is kept */
	unsigned cur = s->perm_cur ^ 1;
	uint32_t plen = 0;
	s->perm_reused = 0;
	bool keep = grow_array((void **)&s->perm_fam[cur], &s->perm_fam_cap[cur],
			       s->nfamilies ? s->nfamilies : 1, sizeof(*s->perm_fam[cur])) == 0;
	if (keep)
		memset(s->perm_fam[cur], 0, (size_t)s->nfamilies * sizeof(*s->perm_fam[cur]));
	for (uint32_t k = 0; k < s->nfamilies; k++) {
		uint32_t idx = fam_order[k];
		struct sink_family *f = &s->families[idx];
		uint32_t *v = ser + f->first;
		/* histogram and summary parts keep the order their producer gave */
		bool parts = f->type == METRIC_HISTOGRAM || f->type == METRIC_SUMMARY;
		if (!parts && reuse_order(s, idx, v, f->count, tmp)) {
			s->perm_reused++;
			if (keep)
				carry_order(s, idx, &plen);
		} else if (!parts && keep) {
			sort_and_keep(s, idx, v, f->count, cnt, tmp, &plen);
		} else if (!parts) {
			sort_family(s, v, f->count, cnt, tmp);
		}
		uint32_t kept = f->count ? 1 : 0;
		for (uint32_t i = 1; i < f->count; i++) {
			if (!parts && same_labels(s, v[kept - 1], v[i])) {
				s->dropped++;
				continue;
			}
			v[kept++] = v[i];
		}
		f->count = kept;
	}
	s->perm_cur = cur;
	s->perm_nfam = keep ? s->nfamilies : 0;
	s->finished = true;
	return 0;
}

const struct sink_series *sink_family_next(const struct metric_sink *s, int fam, uint32_t *pos)
{
	if (fam < 0 || (uint32_t)fam >= s->nfamilies)
		return NULL;
	if (s->finished) {
		const struct sink_family *f = &s->families[fam];
		if (*pos >= f->count)
			return NULL;
		return &s->series[s->order[s->nfamilies + f->first + (*pos)++]];
	}
	while (*pos < s->nseries) {
		const struct sink_series *se = &s->series[(*pos)++];
		if (se->family == (uint32_t)fam)
			return se;
	}
	return NULL;
}

bool sink_series_label(const struct metric_sink *s, const struct sink_series *se,
		       const char *name, struct span *value)
{
	struct sink_label_iter it = { 0 };
	struct span n, v;
	while (sink_label_next(s, se, &it, &n, &v)) {
		if (span_eq(n, name)) {
			*value = v;
			return true;
		}
	}
	return false;
}

int sink_lookup(const struct metric_sink *s, enum metric_view view, const char *name,
		const char *lname, const char *lvalue, double *out)
{
	int fam = sink_find_family_view(s, name, strlen(name), view);
	uint32_t pos = 0;
	const struct sink_series *se;
	struct span v;
	while ((se = sink_family_next(s, fam, &pos))) {
		if (lname && !(sink_series_label(s, se, lname, &v) && span_eq(v, lvalue)))
			continue;
		*out = se->value;
		return 0;
	}
	return -ENOENT;
}

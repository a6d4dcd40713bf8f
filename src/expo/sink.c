/*
 * sink: grouping of samples into families during a collection. See sink.h.
 *
 * Families are found by name through an open hash table of chains. Series are kept
 * in arrival order; sink_finish() groups them by family and sorts each family's series
 * by labels with an in-place heap sort (qsort may allocate, and a scrape must not), then
 * drops exact duplicates, which no exposition may contain.
 */
#include "expo/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SINK_DEFAULT_MAX_SERIES 1000000u
#define SINK_MAX_STRINGS ((size_t)512 << 20)

int sink_init(struct metric_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->strings.max = SINK_MAX_STRINGS;
	return 0;
}

void sink_reset(struct metric_sink *s)
{
	buf_reset(&s->strings);
	s->nfamilies = 0;
	s->nseries = 0;
	s->dropped = 0;
	s->finished = false;
	if (s->hash)
		memset(s->hash, 0, s->hash_cap * sizeof(*s->hash));
}

void sink_fini(struct metric_sink *s)
{
	buf_fini(&s->strings);
	free(s->families);
	free(s->series);
	free(s->order);
	free(s->hash);
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

int sink_find_family_view(const struct metric_sink *s, const char *name, size_t len,
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

int sink_find_family(const struct metric_sink *s, const char *name, size_t len)
{
	return sink_find_family_view(s, name, len, VIEW_METRICS);
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

/* Find or add the family for d. Returns its index or -errno. */
static int family_for(struct metric_sink *s, enum metric_view view, const struct metric_desc *d)
{
	size_t nlen = strlen(d->name);
	if ((unsigned)view >= VIEW_COUNT)
		return -EINVAL;
	int idx = sink_find_family_view(s, d->name, nlen, view);
	if (idx >= 0)
		return s->families[idx].type == d->type ? idx : -EEXIST;
	if (!valid_metric_name(d->name, nlen))
		return -EINVAL;
	const char *help = d->help ? d->help : "";
	size_t hlen = strlen(help);
	int r = grow_array((void **)&s->families, &s->families_cap, s->nfamilies + 1,
			   sizeof(*s->families));
	if (r < 0)
		return r;
	struct sink_family f = { .type = d->type, .view = view };
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

/* Sort key rank: "le" and "quantile" go last, as Prometheus clients write them. */
static int label_rank(const char *name)
{
	return (name[0] == 'l' && strcmp(name, "le") == 0) ||
	       (name[0] == 'q' && strcmp(name, "quantile") == 0);
}

/* Fill order[0..n) with the indexes of labels sorted by name (insertion sort: n is
 * small), so a series' labels are stored, written and compared in one canonical order. */
static void label_order(const struct label *labels, size_t n, uint8_t *order)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0) {
			const char *a = labels[order[j - 1]].name, *b = labels[i].name;
			int ra = label_rank(a), rb = label_rank(b);
			if (ra < rb || (ra == rb && strcmp(a, b) <= 0))
				break;
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (uint8_t)i;
	}
}

/* The one path every add takes: sample of family d in view, with a suffix. */
static int add_sample(struct metric_sink *s, enum metric_view view, const struct metric_desc *d,
		      enum sample_suffix suffix, double value, const struct label *labels,
		      size_t n)
{
	uint32_t max = s->max_series ? s->max_series : SINK_DEFAULT_MAX_SERIES;
	int r;
	s->finished = false;
	if (s->nseries >= max) {
		r = -E2BIG;
		goto out_drop;
	}
	for (size_t i = 0; i < n; i++) {
		if (!valid_label_name(labels[i].name, strlen(labels[i].name)) ||
		    labels[i].vlen > UINT32_MAX / 2) {
			r = -EINVAL;
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
	uint8_t order[SINK_MAX_LABELS];
	if (n > SINK_MAX_LABELS) {
		r = -E2BIG;
		goto out_drop;
	}
	label_order(labels, n, order);
	size_t start = s->strings.len;
	for (size_t k = 0; k < n; k++) {
		const struct label *l = &labels[order[k]];
		uint32_t hdr[2] = { (uint32_t)strlen(l->name), (uint32_t)l->vlen };
		if ((r = buf_append(&s->strings, hdr, sizeof(hdr))) < 0 ||
		    (r = buf_append(&s->strings, l->name, hdr[0])) < 0 ||
		    (r = buf_append(&s->strings, l->value, hdr[1])) < 0) {
			s->strings.len = start;
			goto out_drop;
		}
	}
	s->series[s->nseries++] = (struct sink_series){
		.family = (uint32_t)fam,
		.suffix = suffix,
		.labels_off = (uint32_t)start,
		.labels_len = (uint32_t)(s->strings.len - start),
		.nlabels = (uint32_t)n,
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
	return add_sample(s, VIEW_METRICS, d, suffix, value, labels, n);
}

int sink_add_view(struct metric_sink *s, enum metric_view view, const struct metric_desc *d,
		  double value, const struct label *labels, size_t n)
{
	return add_sample(s, view, d, SUFFIX_NONE, value, labels, n);
}

int sink_add(struct metric_sink *s, const struct metric_desc *d, double value,
	     const struct label *labels, size_t n)
{
	return add_sample(s, VIEW_METRICS, d, SUFFIX_NONE, value, labels, n);
}

bool sink_label_next(const struct metric_sink *s, const struct sink_series *se, uint32_t *pos,
		     struct span *name, struct span *value)
{
	if (*pos >= se->labels_len)
		return false;
	const char *p = s->strings.p + se->labels_off + *pos;
	uint32_t hdr[2];
	memcpy(hdr, p, sizeof(hdr));
	name->p = p + sizeof(hdr);
	name->len = hdr[0];
	value->p = name->p + hdr[0];
	value->len = hdr[1];
	*pos += (uint32_t)sizeof(hdr) + hdr[0] + hdr[1];
	return true;
}

/* Order two series of one family: by label pairs, then suffix, then arrival. */
static int cmp_series(const struct metric_sink *s, uint32_t a, uint32_t b)
{
	const struct sink_series *x = &s->series[a], *y = &s->series[b];
	uint32_t pa = 0, pb = 0;
	struct span na, va, nb, vb;
	for (;;) {
		bool ha = sink_label_next(s, x, &pa, &na, &va);
		bool hb = sink_label_next(s, y, &pb, &nb, &vb);
		if (!ha || !hb) {
			if (ha != hb)
				return ha ? 1 : -1;
			break;
		}
		size_t m = na.len < nb.len ? na.len : nb.len;
		int c = memcmp(na.p, nb.p, m);
		if (c || na.len != nb.len)
			return c ? c : (na.len < nb.len ? -1 : 1);
		m = va.len < vb.len ? va.len : vb.len;
		c = m ? memcmp(va.p, vb.p, m) : 0;
		if (c || va.len != vb.len)
			return c ? c : (va.len < vb.len ? -1 : 1);
	}
	if (x->suffix != y->suffix)
		return x->suffix < y->suffix ? -1 : 1;
	return a < b ? -1 : (a > b ? 1 : 0);
}

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

/* In-place heap sort of v[0..n) with cmp; allocates nothing. */
static void heap_sort(const struct metric_sink *s, uint32_t *v, uint32_t n,
		      int (*cmp)(const struct metric_sink *, uint32_t, uint32_t))
{
	if (n < 2)
		return;
	for (uint32_t k = n; k-- > 0;) {
		/* sift down from k over the whole array, building the heap */
		uint32_t i = k;
		for (;;) {
			uint32_t c = 2 * i + 1;
			if (c >= n)
				break;
			if (c + 1 < n && cmp(s, v[c + 1], v[c]) > 0)
				c++;
			if (cmp(s, v[c], v[i]) <= 0)
				break;
			uint32_t t = v[c];
			v[c] = v[i];
			v[i] = t;
			i = c;
		}
	}
	for (uint32_t end = n - 1; end > 0; end--) {
		uint32_t t = v[0];
		v[0] = v[end];
		v[end] = t;
		uint32_t i = 0;
		for (;;) {
			uint32_t c = 2 * i + 1;
			if (c >= end)
				break;
			if (c + 1 < end && cmp(s, v[c + 1], v[c]) > 0)
				c++;
			if (cmp(s, v[c], v[i]) <= 0)
				break;
			uint32_t tt = v[c];
			v[c] = v[i];
			v[i] = tt;
			i = c;
		}
	}
}

static bool same_labels(const struct metric_sink *s, uint32_t a, uint32_t b)
{
	const struct sink_series *x = &s->series[a], *y = &s->series[b];
	return x->suffix == y->suffix && x->labels_len == y->labels_len &&
	       memcmp(s->strings.p + x->labels_off, s->strings.p + y->labels_off,
		      x->labels_len) == 0;
}

int sink_finish(struct metric_sink *s)
{
	/* order[] holds the sorted family list first, then every series grouped */
	uint32_t need = s->nfamilies + s->nseries;
	int r = grow_array((void **)&s->order, &s->order_cap, need ? need : 1, sizeof(*s->order));
	if (r < 0)
		return r;
	uint32_t *fam_order = s->order;
	uint32_t *ser = s->order + s->nfamilies;
	for (uint32_t i = 0; i < s->nfamilies; i++) {
		fam_order[i] = i;
		s->families[i].count = 0;
	}
	heap_sort(s, fam_order, s->nfamilies, cmp_family);
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
	for (uint32_t k = 0; k < s->nfamilies; k++) {
		struct sink_family *f = &s->families[fam_order[k]];
		uint32_t *v = ser + f->first;
		/* histogram and summary parts keep the order their producer gave */
		if (f->type != METRIC_HISTOGRAM && f->type != METRIC_SUMMARY)
			heap_sort(s, v, f->count, cmp_series);
		uint32_t kept = f->count ? 1 : 0;
		for (uint32_t i = 1; i < f->count; i++) {
			bool dup = f->type == METRIC_HISTOGRAM || f->type == METRIC_SUMMARY
					   ? false
					   : same_labels(s, v[kept - 1], v[i]);
			if (dup) {
				s->dropped++;
				continue;
			}
			v[kept++] = v[i];
		}
		f->count = kept;
	}
	s->finished = true;
	return 0;
}

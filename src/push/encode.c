/*
 * encode: a collection's samples as a compressed WriteRequest (see encode.h).
 *
 * The protobuf-c structs point at label strings copied into one buffer and at each
 * other, in arrays that may move while they grow; so labels first hold offsets into
 * the strings and series an index into the labels, and every pointer is filled in
 * once all is copied.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expo/render.h"
#include "lib/dynlib.h"
#include "lib/sort.h"
#include "push/encode.h"

/* A label while a series' list is built. */
struct lspan {
	struct span name, value;
};

int rw_init(struct rw_encoder *e, const struct rw_label *ext, size_t next)
{
	memset(e, 0, sizeof(*e));
	if (next > RW_MAX_EXT)
		return -E2BIG;
	e->ext = ext;
	e->next = next;
	return 0;
}

void rw_fini(struct rw_encoder *e)
{
	free(e->ts);
	free(e->tsp);
	free(e->smp);
	free(e->smpp);
	free(e->lab);
	free(e->labp);
	buf_fini(&e->strings);
	buf_fini(&e->pb);
	buf_fini(&e->out);
	memset(e, 0, sizeof(*e));
}

/* Byte-wise order of two spans (a shorter prefix first), like strcmp. */
static int span_cmp(struct span a, struct span b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = memcmp(a.p, b.p, n);
	return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* Copy s and a NUL into e->strings; *off gets where it starts. Returns 0 or -errno. */
static int put_str(struct rw_encoder *e, struct span s, size_t *off)
{
	*off = e->strings.len;
	int r = buf_append(&e->strings, s.p, s.len);
	return r < 0 ? r : buf_append(&e->strings, "", 1);
}

/* sort_heap order of struct lspan: by name. */
static int by_lname(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return span_cmp(((const struct lspan *)a)->name, ((const struct lspan *)b)->name);
}

/* The labels of series se (named name) in l[], sorted, external ones merged in.
 * Returns how many. */
static size_t series_labels(const struct rw_encoder *e, const struct metric_sink *s,
			    const struct sink_series *se, struct span name, struct lspan *l)
{
	struct sink_label_iter it = { 0 };
	struct span ln, lv;
	size_t n = 0;
	l[n++] = (struct lspan){ SPAN_LIT("__name__"), name };
	while (sink_label_next(s, se, &it, &ln, &lv))
		if (lv.len > 0 && n < SINK_MAX_LABELS + 1)
			l[n++] = (struct lspan){ ln, lv };
	size_t own = n;
	for (size_t i = 0; i < e->next; i++) {
		struct span en = span_cstr(e->ext[i].name);
		bool dup = false;
		for (size_t j = 0; j < own && !dup; j++)
			dup = span_cmp(l[j].name, en) == 0;
		if (!dup)
			l[n++] = (struct lspan){ en, span_cstr(e->ext[i].value) };
	}
	sort_heap(l, n, sizeof(*l), by_lname, NULL);
	return n;
}

/* Make room for nseries series and nlabels labels in e's arrays. 0 or -errno. */
static int reserve(struct rw_encoder *e, uint32_t nseries, uint32_t nlabels)
{
	int r;
	/* tsp, smpp and labp are arrays of pointers (protobuf-c's repeated message
	 * fields), so their element size is a pointer's: not the mistake the check
	 * looks for */
	/* NOLINTBEGIN(bugprone-sizeof-expression) */
	if ((r = grow_array((void **)&e->ts, &e->ts_cap, nseries, sizeof(*e->ts))) < 0 ||
	    (r = grow_array((void **)&e->tsp, &e->tsp_cap, nseries, sizeof(*e->tsp))) < 0 ||
	    (r = grow_array((void **)&e->smp, &e->smp_cap, nseries, sizeof(*e->smp))) < 0 ||
	    (r = grow_array((void **)&e->smpp, &e->smpp_cap, nseries, sizeof(*e->smpp))) < 0 ||
	    (r = grow_array((void **)&e->lab, &e->lab_cap, nlabels, sizeof(*e->lab))) < 0 ||
	    (r = grow_array((void **)&e->labp, &e->labp_cap, nlabels, sizeof(*e->labp))) < 0)
		return r;
	/* NOLINTEND(bugprone-sizeof-expression) */
	return 0;
}

/* Add series se of family f as series number k, its labels from label number *nl on.
 * Label strings are stored as offsets (see the file comment). Returns 0 or -errno. */
static int add_series(struct rw_encoder *e, const struct metric_sink *s,
		      const struct sink_family *f, const struct sink_series *se, uint32_t k,
		      uint32_t *nl, int64_t ts_ms)
{
	struct lspan l[SINK_MAX_LABELS + 1 + RW_MAX_EXT];
	size_t name_off, value_off, fam_off = e->strings.len;
	const char *suf = render_suffix(se->suffix);
	int r;
	/* __name__'s value: the family name and suffix; its span's NULL p marks it */
	if ((r = buf_append(&e->strings, sink_str(s, f->name_off), f->name_len)) < 0 ||
	    (r = buf_append(&e->strings, suf, strlen(suf) + 1)) < 0)
		return r;
	size_t n = series_labels(e, s, se, (struct span){ NULL, 0 }, l);
	if ((r = reserve(e, k + 1, *nl + (uint32_t)n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		Prometheus__Label *lab = &e->lab[*nl + i];
		prometheus__label__init(lab);
		if (l[i].value.p == NULL)
			value_off = fam_off;
		else if ((r = put_str(e, l[i].value, &value_off)) < 0)
			return r;
		if ((r = put_str(e, l[i].name, &name_off)) < 0)
			return r;
		lab->name = (char *)(uintptr_t)name_off;
		lab->value = (char *)(uintptr_t)value_off;
	}
	Prometheus__Sample *smp = &e->smp[k];
	prometheus__sample__init(smp);
	smp->value = se->value;
	smp->timestamp = ts_ms;
	Prometheus__TimeSeries *t = &e->ts[k];
	prometheus__time_series__init(t);
	t->n_labels = n;
	t->labels = (Prometheus__Label **)(uintptr_t)*nl; /* an index until fixed up */
	t->n_samples = 1;
	*nl += (uint32_t)n;
	return 0;
}

int rw_encode(struct rw_encoder *e, const struct metric_sink *s, int64_t ts_ms)
{
	uint32_t k = 0, nl = 0;
	int r;
	buf_reset(&e->strings);
	buf_reset(&e->pb);
	buf_reset(&e->out);
	e->nsamples = 0;
	if (!s->finished)
		return -EINVAL;
	for (uint32_t i = 0; i < s->nfamilies; i++) {
		const struct sink_family *f = &s->families[s->order[i]];
		if (f->view != VIEW_METRICS)
			continue;
		const uint32_t *ser = s->order + s->nfamilies + f->first;
		for (uint32_t j = 0; j < f->count; j++, k++)
			if ((r = add_series(e, s, f, &s->series[ser[j]], k, &nl, ts_ms)) < 0)
				return r;
	}
	/* the arrays and strings are in place: offsets and indexes become pointers */
	for (uint32_t i = 0; i < nl; i++) {
		e->lab[i].name = e->strings.p + (uintptr_t)e->lab[i].name;
		e->lab[i].value = e->strings.p + (uintptr_t)e->lab[i].value;
		e->labp[i] = &e->lab[i];
	}
	for (uint32_t i = 0; i < k; i++) {
		e->ts[i].labels = e->labp + (uintptr_t)e->ts[i].labels;
		e->ts[i].samples = &e->smpp[i];
		e->smpp[i] = &e->smp[i];
		e->tsp[i] = &e->ts[i];
	}
	Prometheus__WriteRequest req = PROMETHEUS__WRITE_REQUEST__INIT;
	req.n_timeseries = k;
	req.timeseries = e->tsp;
	size_t len = prometheus__write_request__get_packed_size(&req);
	if ((r = buf_reserve(&e->pb, len)) < 0)
		return r;
	e->pb.len = prometheus__write_request__pack(&req, (uint8_t *)e->pb.p);
	size_t clen = dyn_snappy.max_compressed_length(e->pb.len);
	if ((r = buf_reserve(&e->out, clen)) < 0)
		return r;
	if (dyn_snappy.compress(e->pb.p, e->pb.len, e->out.p, &clen) != SNAPPY_OK)
		return -EINVAL;
	e->out.len = clen;
	e->nsamples = k;
	return 0;
}

int rw_join(const struct qrec *recs, size_t n, struct buf *raw, struct buf *out)
{
	int r;
	buf_reset(out);
	if (n == 1)
		return buf_append(out, recs[0].payload, recs[0].len);
	buf_reset(raw);
	for (size_t i = 0; i < n; i++) {
		const char *in = (const char *)recs[i].payload;
		size_t ulen;
		if (dyn_snappy.uncompressed_length(in, recs[i].len, &ulen) != SNAPPY_OK)
			return -EBADMSG;
		if ((r = buf_reserve(raw, ulen)) < 0)
			return r;
		if (dyn_snappy.uncompress(in, recs[i].len, raw->p + raw->len, &ulen) != SNAPPY_OK)
			return -EBADMSG;
		raw->len += ulen;
	}
	size_t clen = dyn_snappy.max_compressed_length(raw->len);
	if ((r = buf_reserve(out, clen)) < 0)
		return r;
	if (dyn_snappy.compress(raw->p, raw->len, out->p, &clen) != SNAPPY_OK)
		return -EINVAL;
	out->len = clen;
	return 0;
}

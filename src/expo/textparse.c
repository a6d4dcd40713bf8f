/*
 * textparse: the Prometheus text format 0.0.4, parsed line by line. See textparse.h.
 *
 * A run walks the input one line at a time; a line is a comment (HELP, TYPE, or
 * ignored), blank, or a sample. Families are found by name through a hash index, and
 * so are the summaries and histograms a sample belongs to (by family and label set,
 * quantile and le left out). A sample named <f>_sum, <f>_count or <f>_bucket goes to
 * family f when f was declared a summary or histogram before, as Prometheus' parser
 * does. After the last line, parts are sorted per metric (a repeated bound keeps the
 * last value, as a map would), metrics are grouped by family, and each family's label
 * names are collected so the collector can fill the missing ones.
 */
#include "expo/textparse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sort.h"

#define TP_MAX_STR ((size_t)1 << 30)

enum part_kind { PART_NONE, PART_SUM, PART_COUNT };

/* What parse_sample learned from a line's labels. */
struct sample_ctx {
	uint32_t family;
	enum part_kind kind;
	uint32_t lab0;   /* first label of this line in tp->labels */
	size_t str0;     /* tp->str.len before this line's labels */
	bool has_bound;
	double bound;
};

/* Record the first error's reason; returns err. A failed allocation is reported as
 * such whatever msg says about the limit that growing could also have hit. */
static int fail(struct textparse *tp, int err, const char *msg)
{
	if (!tp->err_msg)
		tp->err_msg = err == -ENOMEM ? "out of memory" : msg;
	return err;
}

/* Whether c is a blank the format skips: space or tab. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Index of the first non-blank byte of s[0..n) at or after i; n when there is none. */
static size_t skip_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

/* Whether c may appear in a metric name (metric: ':' too) or a label name; first: c is
 * the name's first byte, which cannot be a digit. */
static bool name_char(char c, bool first, bool metric)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (metric && c == ':') || (!first && c >= '0' && c <= '9');
}

/* End of the metric (metric=true) or label name starting at s[i]; i if none. */
static size_t scan_name(const char *s, size_t n, size_t i, bool metric)
{
	size_t j = i;
	while (j < n && name_char(s[j], j == i, metric))
		j++;
	return j;
}

/* Case-insensitive (ASCII) equality of p[0..n) with the lower-case literal lit. */
static bool ieq(const char *p, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return false;
	}
	return true;
}

/* Go's strconv.ParseFloat syntax without hex, underscores or 'p' (as Prometheus'
 * parser allows): [+-]digits[.digits][e[+-]digits], [+-]Inf, [+-]Infinity, NaN.
 * Out-of-range values are an error; underflow gives 0. Returns 0 or -EINVAL/-ERANGE. */
int tp_parse_float(const char *p, size_t n, double *out)
{
	char tmp[256];
	size_t i = 0, digits = 0;
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	if (p[0] == '+' || p[0] == '-')
		i = 1;
	if (ieq(p + i, n - i, "inf") || ieq(p + i, n - i, "infinity")) {
		*out = p[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (ieq(p, n, "nan")) {
		*out = NAN;
		return 0;
	}
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		digits++;
	if (i < n && p[i] == '.')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			digits++;
	if (!digits)
		return -EINVAL;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		size_t e = 0;
		if (++i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			e++;
		if (!e)
			return -EINVAL;
	}
	if (i != n)
		return -EINVAL;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end != tmp + n)
		return -EINVAL;
	if (errno == ERANGE && isinf(v))
		return -ERANGE;
	*out = v;
	return 0;
}

/* Go's strconv.ParseInt(s, 10, 64) acceptance: [+-]digits, in range. 0 or -EINVAL. */
static int parse_timestamp(const char *p, size_t n)
{
	if (n == 0)
		return -EINVAL;
	size_t i = (p[0] == '+' || p[0] == '-') ? 1 : 0;
	uint64_t v = 0, lim = p[0] == '-' ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		uint64_t d = (uint64_t)(p[i] - '0');
		if (v > (lim - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	return 0;
}

/* Whether p[0..n) is valid UTF-8 as Go's utf8.ValidString sees it. */
static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len > n - i)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/* A summary count or histogram bucket count as the Go parser stores it: an unsigned
 * integer. Out-of-range values (negative, NaN, >= 2^64) are clamped. */
static double to_count(double v)
{
	if (!(v >= 0))
		return 0;
	if (v >= 18446744073709551616.0)
		return 18446744073709551615.0;
	return (double)(uint64_t)v;
}

/* Append p[0..n) and a NUL to tp->str; *off gets where. 0 or -errno. */
static int put_str(struct textparse *tp, const char *p, size_t n, uint32_t *off)
{
	size_t at = tp->str.len;
	int r = buf_append(&tp->str, p, n);
	if (r == 0)
		r = buf_putc(&tp->str, '\0');
	if (r < 0)
		return fail(tp, r, "out of memory for strings");
	*off = (uint32_t)at;
	return 0;
}

struct fam_key {
	const struct textparse *tp;
	const char *p;
	size_t n;
};

/* hindex_find callback (ctx is a fam_key): whether family v is named k->p[0..n). */
static bool fam_eq(const void *ctx, uint32_t v)
{
	const struct fam_key *k = ctx;
	const struct tp_family *f = &k->tp->fams[v];
	return f->name_len == k->n && memcmp(tp_str(k->tp, f->name_off), k->p, k->n) == 0;
}

/* The index of the family named p[0..n), or -ENOENT. */
static int64_t fam_find(const struct textparse *tp, const char *p, size_t n)
{
	struct fam_key k = { tp, p, n };
	return hindex_find(&tp->fam_ix, hindex_hash(HINDEX_SEED, p, n), fam_eq, &k);
}

/* Add a family named p[0..n). Returns its index or -errno. */
static int64_t fam_create(struct textparse *tp, const char *p, size_t n)
{
	uint32_t off;
	int r = grow_array((void **)&tp->fams, &tp->fams_cap, tp->nfams + 1, sizeof(*tp->fams));
	if (r < 0)
		return fail(tp, r, "too many families");
	if ((r = put_str(tp, p, n, &off)) < 0)
		return r;
	if ((r = hindex_add(&tp->fam_ix, hindex_hash(HINDEX_SEED, p, n), tp->nfams)) < 0)
		return fail(tp, r, "too many families");
	tp->fams[tp->nfams] = (struct tp_family){ .name_off = off, .name_len = (uint32_t)n };
	return tp->nfams++;
}

/* Whether p[0..n) ends with suf[0..sl) and is longer than it. */
static bool ends_with(const char *p, size_t n, const char *suf, size_t sl)
{
	return n > sl && memcmp(p + n - sl, suf, sl) == 0;
}

/* The family a name belongs to, creating it if needed: the family of that name, else
 * the summary/histogram it is the _sum/_count/_bucket of. Returns index or -errno. */
static int64_t resolve_family(struct textparse *tp, const char *p, size_t n,
			      enum part_kind *kind)
{
	*kind = PART_NONE;
	int64_t f = fam_find(tp, p, n);
	if (f >= 0)
		return f;
	bool is_count = ends_with(p, n, "_count", 6), is_sum = ends_with(p, n, "_sum", 4);
	size_t base = n - (is_count ? 6 : is_sum ? 4 : ends_with(p, n, "_bucket", 7) ? 7 : 0);
	if (base == n)
		return fam_create(tp, p, n);
	f = fam_find(tp, p, base);
	enum tp_type t = f >= 0 ? tp->fams[f].type : TP_UNTYPED;
	bool bucket = !is_count && !is_sum;
	if (f >= 0 && (t == TP_HISTOGRAM || (t == TP_SUMMARY && !bucket))) {
		*kind = is_count ? PART_COUNT : is_sum ? PART_SUM : PART_NONE;
		return f;
	}
	return fam_create(tp, p, n);
}

/* HELP text s[0..n) for family f, unescaped. 0 or -errno. */
static int read_help(struct textparse *tp, uint32_t f, const char *s, size_t n)
{
	if (tp->fams[f].has_help)
		return fail(tp, -EINVAL, "second HELP line for a metric");
	size_t at = tp->str.len, run = 0;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (s[i] != '\\')
			continue;
		if (i + 1 >= n || !strchr("\\n\"", s[i + 1]))
			return fail(tp, -EINVAL, "invalid escape sequence in HELP");
		char c = s[i + 1] == 'n' ? '\n' : s[i + 1];
		if ((r = buf_append(&tp->str, s + run, i - run)) == 0)
			r = buf_putc(&tp->str, c);
		run = ++i + 1;
	}
	if (r == 0)
		r = buf_append(&tp->str, s + run, n - run);
	if (r == 0)
		r = buf_putc(&tp->str, '\0');
	if (r < 0)
		return fail(tp, r, "out of memory for strings");
	tp->fams[f].has_help = true;
	tp->fams[f].help_off = (uint32_t)at;
	tp->fams[f].help_len = (uint32_t)(tp->str.len - at - 1);
	return 0;
}

/* TYPE word s[0..n) (the rest of the line, taken whole) for family f. 0 or -EINVAL. */
static int read_type(struct textparse *tp, uint32_t f, const char *s, size_t n)
{
	static const struct {
		const char *word;
		enum tp_type type;
	} types[] = {
		{ "counter", TP_COUNTER },     { "gauge", TP_GAUGE },
		{ "summary", TP_SUMMARY },     { "untyped", TP_UNTYPED },
		{ "histogram", TP_HISTOGRAM }, { "gauge_histogram", TP_GAUGE_HISTOGRAM },
	};
	if (tp->fams[f].has_type)
		return fail(tp, -EINVAL, "second TYPE line for a metric, or TYPE after samples");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (ieq(s, n, types[i].word)) {
			tp->fams[f].type = types[i].type;
			tp->fams[f].has_type = true;
			return 0;
		}
	}
	return fail(tp, -EINVAL, "unknown metric type");
}

/* A comment line; s[i] is just after '#'. 0 or -errno. */
static int parse_comment(struct textparse *tp, const char *s, size_t n, size_t i)
{
	enum part_kind kind;
	i = skip_blanks(s, n, i);
	size_t k = i;
	while (k < n && !is_blank(s[k]))
		k++;
	if (k == n)
		return 0; /* nothing after the keyword: not an error */
	bool help = k - i == 4 && memcmp(s + i, "HELP", 4) == 0;
	if (!help && !(k - i == 4 && memcmp(s + i, "TYPE", 4) == 0))
		return 0; /* a plain comment */
	i = skip_blanks(s, n, k);
	if (i < n && s[i] == '"')
		return fail(tp, -EINVAL, "quoted metric names are not supported");
	size_t j = scan_name(s, n, i, true);
	if (j == n)
		return 0; /* a name and nothing else: ignored */
	if (!is_blank(s[j]))
		return fail(tp, -EINVAL, "invalid metric name in comment");
	if (j - i > TP_MAX_NAME)
		return fail(tp, -E2BIG, "metric name too long");
	int64_t f = resolve_family(tp, s + i, j - i, &kind);
	if (f < 0)
		return (int)f;
	i = skip_blanks(s, n, j);
	if (i == n)
		return 0;
	return help ? read_help(tp, (uint32_t)f, s + i, n - i)
		    : read_type(tp, (uint32_t)f, s + i, n - i);
}

/* A quoted label value starting after the opening quote at s[*pi], unescaped into
 * tp->str with a NUL. *pi ends after the closing quote. 0 or -errno. */
static int read_label_value(struct textparse *tp, const char *s, size_t n, size_t *pi)
{
	size_t i = *pi, run = i;
	int r = 0;
	for (; i < n && s[i] != '"' && r == 0; i++) {
		if (s[i] != '\\')
			continue;
		if (i + 1 >= n || !strchr("\\n\"", s[i + 1]))
			return fail(tp, -EINVAL, "invalid escape sequence in label value");
		char c = s[i + 1] == 'n' ? '\n' : s[i + 1];
		if ((r = buf_append(&tp->str, s + run, i - run)) == 0)
			r = buf_putc(&tp->str, c);
		run = ++i + 1;
	}
	if (r < 0)
		return fail(tp, r, "out of memory for strings");
	if (i >= n)
		return fail(tp, -EINVAL, "label value not terminated");
	if ((r = buf_append(&tp->str, s + run, i - run)) < 0 || (r = buf_putc(&tp->str, '\0')) < 0)
		return fail(tp, r, "out of memory for strings");
	*pi = i + 1;
	return 0;
}

/* One label name=value at s[i..j) (name) / s[*pk] (the opening quote), stored or, for a
 * summary's quantile or a histogram's le, turned into the sample's bound. 0 or -errno. */
static int read_label(struct textparse *tp, struct sample_ctx *sc, const char *s, size_t n,
		      size_t i, size_t j, size_t *pk)
{
	size_t voff = tp->str.len;
	uint32_t noff;
	int r = read_label_value(tp, s, n, pk);
	if (r < 0)
		return r;
	size_t vlen = tp->str.len - voff - 1;
	if (!utf8_valid(tp->str.p + voff, vlen))
		return fail(tp, -EINVAL, "label value is not valid UTF-8");
	enum tp_type t = tp->fams[sc->family].type;
	bool q = t == TP_SUMMARY && j - i == 8 && memcmp(s + i, "quantile", 8) == 0;
	bool le = t == TP_HISTOGRAM && j - i == 2 && memcmp(s + i, "le", 2) == 0;
	if (q || le) {
		if (tp_parse_float(tp->str.p + voff, vlen, &sc->bound) < 0)
			return fail(tp, -EINVAL, "quantile or le label is not a number");
		sc->has_bound = true;
		tp->str.len = voff;
		return 0;
	}
	if (tp->nlabels - sc->lab0 >= TP_MAX_LABELS)
		return fail(tp, -E2BIG, "too many labels");
	if ((r = grow_array((void **)&tp->labels, &tp->labels_cap, tp->nlabels + 1,
		      sizeof(*tp->labels))) < 0)
		return fail(tp, r, "too many labels");
	if ((r = put_str(tp, s + i, j - i, &noff)) < 0)
		return r;
	tp->labels[tp->nlabels++] = (struct tp_label){ noff, (uint32_t)(j - i), (uint32_t)voff,
						       (uint32_t)vlen };
	return 0;
}

/* The label set at s[*pi] == '{'. *pi ends at the value after '}'. 0 or -errno. */
static int parse_labels(struct textparse *tp, struct sample_ctx *sc, const char *s, size_t n,
			size_t *pi)
{
	size_t i = *pi + 1;
	for (;;) {
		i = skip_blanks(s, n, i);
		if (i < n && s[i] == '}')
			break;
		if (i < n && s[i] == '"')
			return fail(tp, -EINVAL, "quoted label names are not supported");
		size_t j = scan_name(s, n, i, false);
		if (j == i)
			return fail(tp, -EINVAL, "invalid label name");
		if (j - i > TP_MAX_NAME)
			return fail(tp, -E2BIG, "label name too long");
		size_t k = skip_blanks(s, n, j);
		if (k >= n || s[k] != '=')
			return fail(tp, -EINVAL, "expected '=' after label name");
		if (j - i == 8 && memcmp(s + i, "__name__", 8) == 0)
			return fail(tp, -EINVAL, "label name __name__ is reserved");
		k = skip_blanks(s, n, k + 1);
		if (k >= n || s[k] != '"')
			return fail(tp, -EINVAL, "expected '\"' at start of label value");
		k++;
		int r = read_label(tp, sc, s, n, i, j, &k);
		if (r < 0)
			return r;
		i = skip_blanks(s, n, k);
		if (i < n && s[i] == '}')
			break;
		if (i >= n || s[i] != ',')
			return fail(tp, -EINVAL, "unexpected character after label value");
		i++;
	}
	*pi = skip_blanks(s, n, i + 1);
	return 0;
}

/* sort_heap order of struct tp_label by name, in ctx's (struct textparse) strings. */
static int by_name(const void *a, const void *b, void *ctx)
{
	const struct textparse *tp = ctx;
	return strcmp(tp_str(tp, ((const struct tp_label *)a)->name_off),
		      tp_str(tp, ((const struct tp_label *)b)->name_off));
}

/* Sort the labels of the current sample by name; fail on a repeated name. */
static int sort_labels(struct textparse *tp, uint32_t first)
{
	uint32_t n = tp->nlabels - first;
	if (n < 2)
		return 0;
	struct tp_label *l = tp->labels + first;
	sort_heap(l, n, sizeof(*l), by_name, tp);
	for (uint32_t i = 1; i < n; i++)
		if (strcmp(tp_str(tp, l[i - 1].name_off), tp_str(tp, l[i].name_off)) == 0)
			return fail(tp, -EINVAL, "duplicate label names");
	return 0;
}

struct group_key {
	const struct textparse *tp;
	uint32_t family, first, n;
};

/* hindex_find callback (ctx is a group_key): whether metric v has k's family and the
 * same label names and values as tp->labels[k->first .. k->first + k->n). */
static bool group_eq(const void *ctx, uint32_t v)
{
	const struct group_key *k = ctx;
	const struct textparse *tp = k->tp;
	const struct tp_metric *m = &tp->mets[v];
	if (m->family != k->family || m->nlabels != k->n)
		return false;
	for (uint32_t i = 0; i < k->n; i++) {
		const struct tp_label *a = &tp->labels[m->labels_first + i];
		const struct tp_label *b = &tp->labels[k->first + i];
		if (strcmp(tp_str(tp, a->name_off), tp_str(tp, b->name_off)) ||
		    a->value_len != b->value_len ||
		    memcmp(tp_str(tp, a->value_off), tp_str(tp, b->value_off), a->value_len))
			return false;
	}
	return true;
}

/* A new metric with the current sample's labels. Returns its index or -errno. */
static int64_t new_metric(struct textparse *tp, const struct sample_ctx *sc)
{
	if (tp->nmets >= TP_MAX_SAMPLES)
		return fail(tp, -E2BIG, "too many samples");
	int r = grow_array((void **)&tp->mets, &tp->mets_cap, tp->nmets + 1, sizeof(*tp->mets));
	if (r < 0)
		return fail(tp, r, "too many samples");
	tp->mets[tp->nmets] = (struct tp_metric){ .family = sc->family,
						  .labels_first = sc->lab0,
						  .nlabels = tp->nlabels - sc->lab0 };
	return tp->nmets++;
}

/* Store a summary or histogram sample into the metric of its label set. 0 or -errno. */
static int store_part(struct textparse *tp, const struct sample_ctx *sc, double v, bool ts)
{
	struct group_key k = { tp, sc->family, sc->lab0, tp->nlabels - sc->lab0 };
	uint32_t h = hindex_hash(HINDEX_SEED, &sc->family, sizeof(sc->family));
	for (uint32_t i = sc->lab0; i < tp->nlabels; i++) {
		h = hindex_hash(h, tp_str(tp, tp->labels[i].name_off), tp->labels[i].name_len + 1);
		h = hindex_hash(h, tp_str(tp, tp->labels[i].value_off), tp->labels[i].value_len + 1);
	}
	int64_t m = hindex_find(&tp->group_ix, h, group_eq, &k);
	int r;
	if (m >= 0) {
		tp->nlabels = sc->lab0; /* the metric keeps its first line's labels */
		tp->str.len = sc->str0;
	} else if ((m = new_metric(tp, sc)) < 0) {
		return (int)m;
	} else if ((r = hindex_add(&tp->group_ix, h, (uint32_t)m)) < 0) {
		return fail(tp, r, "too many samples");
	}
	struct tp_metric *mt = &tp->mets[m];
	bool hist = tp->fams[sc->family].type == TP_HISTOGRAM;
	mt->has_timestamp |= ts;
	if (sc->kind == PART_COUNT)
		mt->count = to_count(v);
	else if (sc->kind == PART_SUM)
		mt->sum = v;
	if (sc->kind != PART_NONE || !sc->has_bound)
		return 0;
	if (tp->nparts >= TP_MAX_SAMPLES)
		return fail(tp, -E2BIG, "too many samples");
	if ((r = grow_array((void **)&tp->parts, &tp->parts_cap, tp->nparts + 1, sizeof(*tp->parts))) < 0)
		return fail(tp, r, "too many samples");
	tp->parts[tp->nparts] = (struct tp_part){ (uint32_t)m, tp->nparts, sc->bound,
						  hist ? to_count(v) : v };
	tp->nparts++;
	return 0;
}

/* The value (and optional timestamp) at s[i..n) of a sample. */
static int parse_value(struct textparse *tp, const char *s, size_t n, size_t i, double *v,
		       bool *ts)
{
	size_t k = i;
	while (k < n && !is_blank(s[k]))
		k++;
	if (tp_parse_float(s + i, k - i, v) < 0)
		return fail(tp, -EINVAL, "expected a number as value");
	*ts = false;
	if (k == n)
		return 0;
	size_t t = skip_blanks(s, n, k + 1), e = t;
	while (e < n && !is_blank(s[e]))
		e++;
	if (parse_timestamp(s + t, e - t) < 0)
		return fail(tp, -EINVAL, "expected an integer as timestamp");
	if (e != n)
		return fail(tp, -EINVAL, "text after the timestamp");
	*ts = true;
	return 0;
}

/* A sample line starting at s[i]. 0 or -errno. */
static int parse_sample(struct textparse *tp, const char *s, size_t n, size_t i)
{
	struct sample_ctx sc = { 0 };
	/* set by parse_value on success; initialised because gcc -O2 cannot see that
	 * fail() always returns < 0 and warns (-Wmaybe-uninitialized) in check-asan */
	double v = 0;
	bool ts = false;
	if (s[i] == '{' || s[i] == '"')
		return fail(tp, -EINVAL, "quoted metric names are not supported");
	size_t j = scan_name(s, n, i, true);
	if (j == i)
		return fail(tp, -EINVAL, "invalid metric name");
	if (j - i > TP_MAX_NAME)
		return fail(tp, -E2BIG, "metric name too long");
	int64_t f = resolve_family(tp, s + i, j - i, &sc.kind);
	if (f < 0)
		return (int)f;
	struct tp_family *fam = &tp->fams[f];
	if (!fam->has_type)
		fam->has_type = true; /* type stays untyped */
	if (fam->type == TP_GAUGE_HISTOGRAM)
		return fail(tp, -EINVAL, "gauge histograms are not supported");
	sc.family = (uint32_t)f;
	sc.lab0 = tp->nlabels;
	sc.str0 = tp->str.len;
	i = skip_blanks(s, n, j);
	int r = 0;
	if (i < n && s[i] == '{')
		r = parse_labels(tp, &sc, s, n, &i);
	if (r == 0)
		r = parse_value(tp, s, n, i, &v, &ts);
	if (r == 0)
		r = sort_labels(tp, sc.lab0);
	if (r < 0)
		return r;
	tp->has_timestamps |= ts;
	if (fam->type == TP_SUMMARY || fam->type == TP_HISTOGRAM)
		return store_part(tp, &sc, v, ts);
	int64_t m = new_metric(tp, &sc);
	if (m < 0)
		return (int)m;
	tp->mets[m].value = v;
	tp->mets[m].has_timestamp = ts;
	return 0;
}

/* One line s[0..n) without its '\n': blank, a comment or a sample. 0 or -errno. */
static int parse_line(struct textparse *tp, const char *s, size_t n)
{
	size_t i = skip_blanks(s, n, 0);
	if (i == n)
		return 0;
	if (s[i] == '#')
		return parse_comment(tp, s, n, i + 1);
	return parse_sample(tp, s, n, i);
}

/* Order of parts: by metric, then bound (NaN first), then arrival. */
static int cmp_part(const struct tp_part *a, const struct tp_part *b)
{
	if (a->metric != b->metric)
		return a->metric < b->metric ? -1 : 1;
	bool na = isnan(a->bound), nb = isnan(b->bound);
	if (na != nb)
		return na ? -1 : 1;
	if (!na && a->bound != b->bound)
		return a->bound < b->bound ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

/* Move v[i] down the max-heap v[0..n) (ordered by cmp_part) to its place. */
static void sift(struct tp_part *v, uint32_t i, uint32_t n)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && cmp_part(&v[c + 1], &v[c]) > 0)
			c++;
		if (cmp_part(&v[c], &v[i]) <= 0)
			return;
		struct tp_part t = v[c];
		v[c] = v[i];
		v[i] = t;
		i = c;
	}
}

/* Sort parts (heap sort: no allocation), keep the last of a repeated bound, and give
 * each metric its range. */
static void finish_parts(struct textparse *tp)
{
	struct tp_part *v = tp->parts;
	uint32_t n = tp->nparts, kept = 0;
	for (uint32_t k = n / 2; k-- > 0;)
		sift(v, k, n);
	for (uint32_t end = n; end > 1; end--) {
		struct tp_part t = v[0];
		v[0] = v[end - 1];
		v[end - 1] = t;
		sift(v, 0, end - 1);
	}
	for (uint32_t i = 0; i < n; i++) {
		bool dup = i + 1 < n && v[i + 1].metric == v[i].metric && v[i + 1].bound == v[i].bound;
		if (!dup)
			v[kept++] = v[i];
	}
	tp->nparts = kept;
	for (uint32_t i = 0; i < kept; i++) {
		struct tp_metric *m = &tp->mets[v[i].metric];
		if (!m->nparts)
			m->parts_first = i;
		m->nparts++;
	}
}

/* Add label name offset off to family f's sorted union (which ends the names array). */
static int add_name(struct textparse *tp, struct tp_family *f, uint32_t off)
{
	uint32_t lo = f->names_first, hi = f->names_first + f->nnames;
	const char *name = tp_str(tp, off);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(tp_str(tp, tp->names[mid]), name);
		if (c == 0)
			return 0;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (f->nnames >= TP_MAX_LABELS)
		return fail(tp, -E2BIG, "too many label names in one family");
	int r = grow_array((void **)&tp->names, &tp->names_cap, tp->nnames + 1, sizeof(*tp->names));
	if (r < 0)
		return fail(tp, r, "out of memory");
	memmove(tp->names + lo + 1, tp->names + lo, (tp->nnames - lo) * sizeof(*tp->names));
	tp->names[lo] = off;
	tp->nnames++;
	f->nnames++;
	return 0;
}

/* Group metrics by family (counting sort) and collect each family's label names. */
static int finish_families(struct textparse *tp)
{
	int r = grow_array((void **)&tp->order, &tp->order_cap, tp->nmets ? tp->nmets : 1,
		     sizeof(*tp->order));
	if (r < 0)
		return fail(tp, r, "out of memory");
	for (uint32_t i = 0; i < tp->nfams; i++)
		tp->fams[i].count = 0;
	for (uint32_t i = 0; i < tp->nmets; i++)
		tp->fams[tp->mets[i].family].count++;
	uint32_t at = 0;
	for (uint32_t i = 0; i < tp->nfams; i++) {
		tp->fams[i].first = at;
		at += tp->fams[i].count;
		tp->fams[i].count = 0;
	}
	for (uint32_t i = 0; i < tp->nmets; i++) {
		struct tp_family *f = &tp->fams[tp->mets[i].family];
		tp->order[f->first + f->count++] = i;
	}
	for (uint32_t i = 0; i < tp->nfams; i++) {
		struct tp_family *f = &tp->fams[i];
		f->names_first = tp->nnames;
		f->nnames = 0;
		for (uint32_t k = 0; k < f->count; k++) {
			const struct tp_metric *m = &tp->mets[tp->order[f->first + k]];
			for (uint32_t l = 0; l < m->nlabels; l++)
				if ((r = add_name(tp, f, tp->labels[m->labels_first + l].name_off)) < 0)
					return r;
		}
	}
	return 0;
}

void textparse_init(struct textparse *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->str.max = TP_MAX_STR;
}

/* Empty tp for a new run, keeping its allocations, and clear the last error. */
static void reset(struct textparse *tp)
{
	buf_reset(&tp->str);
	tp->nfams = tp->nmets = tp->nlabels = tp->nparts = tp->nnames = 0;
	hindex_clear(&tp->fam_ix);
	hindex_clear(&tp->group_ix);
	tp->has_timestamps = false;
	tp->err_line = 0;
	tp->err_msg = NULL;
}

int textparse_run(struct textparse *tp, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	unsigned line = 0;
	int r = 0;
	reset(tp);
	while (p < end && r == 0) {
		line++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > TP_MAX_LINE)
			r = fail(tp, -E2BIG, "line too long");
		else if (memchr(p, '\0', n))
			r = fail(tp, -EINVAL, "NUL byte in input");
		else if (!nl && skip_blanks(p, n, 0) != n)
			r = fail(tp, -EINVAL, "unexpected end of input (no final newline)");
		else
			r = parse_line(tp, p, n);
		p = nl ? nl + 1 : end;
	}
	if (r == 0) {
		finish_parts(tp);
		r = finish_families(tp);
	}
	if (r < 0)
		tp->err_line = line;
	return r;
}

void textparse_fini(struct textparse *tp)
{
	buf_fini(&tp->str);
	free(tp->fams);
	free(tp->mets);
	free(tp->labels);
	free(tp->parts);
	free(tp->order);
	free(tp->names);
	hindex_fini(&tp->fam_ix);
	hindex_fini(&tp->group_ix);
	memset(tp, 0, sizeof(*tp));
}

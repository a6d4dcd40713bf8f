/*
 * render: text 0.0.4 and OpenMetrics 1.0 writers. See render.h.
 *
 * The two formats differ in little: OpenMetrics names a counter family without its
 * _total suffix (its samples carry it), calls untyped "unknown", escapes quotes in
 * HELP, and ends with "# EOF".
 */
#include "expo/render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p[0..n), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned int cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0) {
		len = 2;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3;
		cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

/* What escape() may change, by byte: ESC_ALWAYS for backslash, newline, NUL and every
 * byte >= 0x80 (checked as UTF-8), ESC_QUOTED for '"' (escaped in label values and in
 * OpenMetrics HELP). Text is scanned a table lookup a byte, and most of it (every HELP
 * text plumb writes) needs nothing done. */
enum { ESC_ALWAYS = 1, ESC_QUOTED = 2 };
static const unsigned char esc_class[256] = {
	['\0'] = ESC_ALWAYS, ['\n'] = ESC_ALWAYS, ['\\'] = ESC_ALWAYS,
	['"'] = ESC_QUOTED, [0x80 ... 0xFF] = ESC_ALWAYS,
};

/* Escape p[0..n) into out; quotes are escaped when quote is set. */
static int escape(struct buf *out, const char *p, size_t n, bool quote)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned mask = quote ? ESC_ALWAYS | ESC_QUOTED : ESC_ALWAYS;
	int r = buf_reserve(out, n + 8);
	if (r < 0)
		return r;
	size_t i = 0, run = 0;
	for (;;) {
		while (i < n && !(esc_class[u[i]] & mask))
			i++;
		if (i == n)
			break;
		unsigned char c = u[i];
		const char *rep;
		size_t step = 1;
		if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '"')
			rep = "\\\"";
		else if (c >= 0x80 && (step = utf8_len(u + i, n - i)) != 0) {
			i += step; /* valid UTF-8 stays as it is */
			continue;
		} else {
			rep = "\xEF\xBF\xBD"; /* NUL, or a byte that starts no valid sequence */
			step = 1;
		}
		if ((r = buf_append(out, p + run, i - run)) < 0 || (r = buf_puts(out, rep)) < 0)
			return r;
		i += step;
		run = i;
	}
	return buf_append(out, p + run, n - run);
}

int escape_label_value(struct buf *out, const char *p, size_t n)
{
	return escape(out, p, n, true);
}

/* The TYPE word of t (a static string); untyped is "unknown" in OpenMetrics. */
static const char *type_name(enum metric_type t, enum expo_format fmt)
{
	switch (t) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_HISTOGRAM:
		return "histogram";
	case METRIC_SUMMARY:
		return "summary";
	case METRIC_UNTYPED:
		break;
	}
	return fmt == EXPO_OPENMETRICS ? "unknown" : "untyped";
}

const char *render_suffix(uint32_t suffix)
{
	switch (suffix) {
	case SUFFIX_BUCKET:
		return "_bucket";
	case SUFFIX_SUM:
		return "_sum";
	case SUFFIX_COUNT:
		return "_count";
	case SUFFIX_TOTAL:
		return "_total";
	default:
		return "";
	}
}

/* Whether p[0..n) is written as is inside a quoted label value: no byte that escape()
 * would change (backslash, newline, quote, NUL, any byte >= 0x80). */
static bool plain_value(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (esc_class[(unsigned char)p[i]])
			return false;
	return true;
}

/* Append one sample line. The name, labels and separators are written straight into
 * out after one reservation for the whole line; only values that need escaping go
 * through escape(). */
static int write_series(const struct metric_sink *s, const struct sink_series *se,
			const char *name, size_t nlen, const char *suffix, struct buf *out)
{
	size_t slen = strlen(suffix);
	/* name, suffix, {}, ' ', the value (at most 24 bytes), '\n' */
	size_t need = nlen + slen + 2 + 1 + 32 + 1;
	if ((uint64_t)se->labels_len * 3 > SIZE_MAX / 2)
		return -E2BIG;
	need += (size_t)se->labels_len * 3 + 4 * (size_t)se->nlabels; /* ="", and a comma */
	int r = buf_reserve(out, need);
	if (r < 0)
		return r;
	char *w = out->p + out->len;
	memcpy(w, name, nlen);
	w += nlen;
	memcpy(w, suffix, slen);
	w += slen;
	struct sink_label_iter it = { 0, 0 };
	struct span ln, lv;
	bool first = true;
	while (sink_label_next(s, se, &it, &ln, &lv)) {
		*w++ = first ? '{' : ',';
		memcpy(w, ln.p, ln.len);
		w += ln.len;
		*w++ = '=';
		*w++ = '"';
		if (plain_value(lv.p, lv.len)) {
			memcpy(w, lv.p, lv.len);
			w += lv.len;
		} else {
			out->len = (size_t)(w - out->p);
			if ((r = escape(out, lv.p, lv.len, true)) < 0)
				return r;
			w = out->p + out->len; /* escape may have moved the buffer */
		}
		*w++ = '"';
		first = false;
	}
	if (!first)
		*w++ = '}';
	*w++ = ' ';
	out->len = (size_t)(w - out->p);
	if ((r = buf_put_double(out, se->value)) < 0)
		return r;
	return buf_putc(out, '\n');
}

/* Append one sample line of a series with a label set: the set's text, escaped once by
 * sink_finish, is copied in pieces around the series' extra labels, each placed after
 * as many of the set's labels as its blob entry says. */
static int write_series_ls(const struct metric_sink *s, const struct sink_series *se,
			   const char *name, size_t nlen, const char *suffix, struct buf *out)
{
	const struct sink_labelset *set = sink_series_set(s, se);
	const char *text = s->lstext.p + set->text_off;
	const uint32_t *bound = s->lsaux + set->aux + set->n + 1;
	size_t slen = strlen(suffix);
	size_t need = nlen + slen + 2 + 1 + 32 + 1 + set->text_len + 1;
	if ((uint64_t)se->labels_len * 3 > SIZE_MAX / 4)
		return -E2BIG;
	need += (size_t)se->labels_len * 3 + 4 * (size_t)se->nlabels;
	int r = buf_reserve(out, need);
	if (r < 0)
		return r;
	char *w = out->p + out->len;
	memcpy(w, name, nlen);
	w += nlen;
	memcpy(w, suffix, slen);
	w += slen;
	bool first = true;
	uint32_t done = 0, pos = 0;
	for (;;) {
		uint32_t hdr[3] = { 0, 0, set->n };
		const char *p = s->strings.p + se->labels_off + pos;
		if (pos < se->labels_len)
			memcpy(hdr, p, sizeof(hdr));
		if (hdr[2] > done) {
			/* the set's labels [done, at): text up to the comma before label at */
			*w++ = first ? '{' : ',';
			memcpy(w, text + bound[done], bound[hdr[2]] - 1 - bound[done]);
			w += bound[hdr[2]] - 1 - bound[done];
			done = hdr[2];
			first = false;
		}
		if (pos >= se->labels_len)
			break;
		const char *ln = p + sizeof(hdr), *lv = ln + hdr[0];
		pos += (uint32_t)sizeof(hdr) + hdr[0] + hdr[1];
		*w++ = first ? '{' : ',';
		memcpy(w, ln, hdr[0]);
		w += hdr[0];
		*w++ = '=';
		*w++ = '"';
		if (plain_value(lv, hdr[1])) {
			memcpy(w, lv, hdr[1]);
			w += hdr[1];
		} else {
			out->len = (size_t)(w - out->p);
			if ((r = escape(out, lv, hdr[1], true)) < 0)
				return r;
			w = out->p + out->len; /* escape may have moved the buffer */
		}
		*w++ = '"';
		first = false;
	}
	if (!first)
		*w++ = '}';
	*w++ = ' ';
	out->len = (size_t)(w - out->p);
	if ((r = buf_put_double(out, se->value)) < 0)
		return r;
	return buf_putc(out, '\n');
}

/* Whether family f's name ends in _total. */
static bool ends_total(const struct metric_sink *s, const struct sink_family *f)
{
	return f->name_len > 6 && memcmp(sink_str(s, f->name_off) + f->name_len - 6, "_total", 6) == 0;
}

/* Write family f's HELP and TYPE lines. OpenMetrics names a counter family without
 * its _total. */
static int write_family_head(const struct metric_sink *s, const struct sink_family *f,
			     enum expo_format fmt, struct buf *out)
{
	const char *name = sink_str(s, f->name_off);
	size_t famlen = f->name_len;
	int r;
	if (fmt == EXPO_OPENMETRICS && f->type == METRIC_COUNTER && ends_total(s, f))
		famlen -= 6;
	if ((r = buf_puts(out, "# HELP ")) < 0 || (r = buf_append(out, name, famlen)) < 0 ||
	    (r = buf_putc(out, ' ')) < 0 ||
	    (r = escape(out, sink_str(s, f->help_off), f->help_len, fmt == EXPO_OPENMETRICS)) < 0 ||
	    (r = buf_puts(out, "\n# TYPE ")) < 0 || (r = buf_append(out, name, famlen)) < 0 ||
	    (r = buf_putc(out, ' ')) < 0 || (r = buf_puts(out, type_name(f->type, fmt))) < 0)
		return r;
	return buf_putc(out, '\n');
}

/* Write series i (in family order) of family f; total is the suffix a sample without
 * its own takes ("_total" for an OpenMetrics counter whose name lacks it, else ""). */
static int write_family_series(const struct metric_sink *s, const struct sink_family *f,
			       uint32_t i, const char *total, struct buf *out)
{
	const char *name = sink_str(s, f->name_off);
	const struct sink_series *se = &s->series[s->order[s->nfamilies + f->first + i]];
	const char *suffix = se->suffix == SUFFIX_NONE ? total : render_suffix(se->suffix);
	return se->ls ? write_series_ls(s, se, name, f->name_len, suffix, out)
		      : write_series(s, se, name, f->name_len, suffix, out);
}

void render_cursor_init(struct render_cursor *c)
{
	c->fam = 0;
	c->series = 0;
	c->head_done = false;
}

int render_sink_step(const struct metric_sink *s, enum metric_view view, enum expo_format fmt,
		     struct render_cursor *c, struct buf *out, size_t limit)
{
	int r;
	if (!s->finished)
		return -EINVAL;
	for (; c->fam < s->nfamilies; c->fam++, c->series = 0, c->head_done = false) {
		const struct sink_family *f = &s->families[s->order[c->fam]];
		if (f->count == 0 || !sink_family_in_view(f, view))
			continue;
		if (!c->head_done) {
			if (out->len >= limit)
				return 0;
			if ((r = write_family_head(s, f, fmt, out)) < 0)
				return r;
			c->head_done = true;
		}
		const char *total = fmt == EXPO_OPENMETRICS && f->type == METRIC_COUNTER &&
					    !ends_total(s, f) ? "_total" : "";
		for (; c->series < f->count; c->series++) {
			if (out->len >= limit)
				return 0;
			if ((r = write_family_series(s, f, c->series, total, out)) < 0)
				return r;
		}
	}
	if (c->fam == s->nfamilies && fmt == EXPO_OPENMETRICS) {
		if (out->len >= limit)
			return 0;
		if ((r = buf_puts(out, "# EOF\n")) < 0)
			return r;
	}
	c->fam = s->nfamilies + 1; /* past the end, # EOF included */
	return 1;
}

int render_sink_view(const struct metric_sink *s, enum metric_view view, enum expo_format fmt,
		     struct buf *out)
{
	struct render_cursor c;
	render_cursor_init(&c);
	int r = render_sink_step(s, view, fmt, &c, out, SIZE_MAX);
	return r < 0 ? r : 0;
}

int render_sink(const struct metric_sink *s, enum expo_format fmt, struct buf *out)
{
	return render_sink_view(s, VIEW_METRICS, fmt, out);
}

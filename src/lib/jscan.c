/*
 * jscan: a strict pull reader of JSON text that allocates nothing. See jscan.h.
 */
#include "lib/jscan.h"

#include <errno.h>
#include <string.h>

void jscan_init(struct jscan *s, const char *buf, size_t len)
{
	*s = (struct jscan){ .p = buf, .end = buf + len };
}

/* Record the first error and return it. */
static int fail(struct jscan *s)
{
	s->err = -EINVAL;
	return s->err;
}

static void skip_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Whether the bytes at s->p begin with lit; consumes them if so. */
static bool take(struct jscan *s, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return false;
	s->p += n;
	return true;
}

static bool is_hex(char c)
{
	return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_val(char c)
{
	return ascii_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* A string whose opening quote is at s->p: check it, set text to its contents. */
static int read_string(struct jscan *s, struct span *text)
{
	const char *start = ++s->p;
	while (s->p < s->end && *s->p != '"') {
		unsigned char c = (unsigned char)*s->p;
		if (c < 0x20)
			return fail(s);
		if (c != '\\') {
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			return fail(s);
		char e = s->p[1];
		if (e == 'u') {
			if (s->end - s->p < 6 || !is_hex(s->p[2]) || !is_hex(s->p[3]) ||
			    !is_hex(s->p[4]) || !is_hex(s->p[5]))
				return fail(s);
			s->p += 6;
		} else if (strchr("\"\\/bfnrt", e) && e) {
			s->p += 2;
		} else {
			return fail(s);
		}
	}
	if (s->p >= s->end)
		return fail(s);
	*text = (struct span){ start, (size_t)(s->p - start) };
	s->p++;
	return 0;
}

/* A number at s->p, by RFC 8259's grammar. */
static int read_number(struct jscan *s, struct span *text)
{
	const char *start = s->p;
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0') {
		s->p++;
	} else if (s->p < s->end && *s->p >= '1' && *s->p <= '9') {
		while (s->p < s->end && ascii_digit(*s->p))
			s->p++;
	} else {
		return fail(s);
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (s->p >= s->end || !ascii_digit(*s->p))
			return fail(s);
		while (s->p < s->end && ascii_digit(*s->p))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || !ascii_digit(*s->p))
			return fail(s);
		while (s->p < s->end && ascii_digit(*s->p))
			s->p++;
	}
	*text = (struct span){ start, (size_t)(s->p - start) };
	return 0;
}

int jscan_value(struct jscan *s, struct jscan_val *v)
{
	if (s->err)
		return s->err;
	skip_ws(s);
	const char *start = s->p;
	if (s->p >= s->end)
		return fail(s);
	switch (*s->p) {
	case '{':
	case '[':
		if (s->depth >= JSCAN_MAX_DEPTH)
			return fail(s);
		v->type = *s->p == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
		v->text = (struct span){ s->p, 1 };
		s->p++;
		s->depth++;
		s->fresh = true;
		return 0;
	case '"':
		v->type = JSCAN_STRING;
		return read_string(s, &v->text);
	case 't':
	case 'f':
	case 'n':
		if (take(s, "true") || take(s, "false"))
			v->type = JSCAN_BOOL;
		else if (take(s, "null"))
			v->type = JSCAN_NULL;
		else
			return fail(s);
		v->text = (struct span){ start, (size_t)(s->p - start) };
		return 0;
	default:
		v->type = JSCAN_NUMBER;
		return read_number(s, &v->text);
	}
}

/* Shared step of jscan_elem and jscan_member: 1 when an item follows (its comma
 * consumed), 0 at close (consumed). */
static int next_item(struct jscan *s, char close)
{
	if (s->err)
		return s->err;
	skip_ws(s);
	if (s->p >= s->end || s->depth == 0)
		return fail(s);
	bool fresh = s->fresh;
	s->fresh = false;
	if (*s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	if (!fresh) {
		if (*s->p != ',')
			return fail(s);
		s->p++;
		skip_ws(s);
		if (s->p < s->end && *s->p == close)
			return fail(s); /* a trailing comma */
	}
	return 1;
}

int jscan_elem(struct jscan *s)
{
	return next_item(s, ']');
}

int jscan_member(struct jscan *s, char *key, size_t cap, bool *cut)
{
	struct span text;
	size_t len;
	int r = next_item(s, '}');
	if (r <= 0)
		return r;
	if (s->p >= s->end || *s->p != '"' || read_string(s, &text) < 0)
		return fail(s);
	struct jscan_val k = { JSCAN_STRING, text };
	*cut = jscan_str(&k, key, cap, &len) == -E2BIG;
	skip_ws(s);
	if (s->p >= s->end || *s->p != ':')
		return fail(s);
	s->p++;
	return 1;
}

int jscan_skip(struct jscan *s, const struct jscan_val *v)
{
	char key[1];
	bool cut;
	struct jscan_val in;
	int r;
	if (s->err)
		return s->err;
	if (v->type == JSCAN_ARRAY) {
		while ((r = jscan_elem(s)) > 0)
			if ((r = jscan_value(s, &in)) < 0 || (r = jscan_skip(s, &in)) < 0)
				return r;
		return r;
	}
	if (v->type == JSCAN_OBJECT) {
		while ((r = jscan_member(s, key, sizeof(key), &cut)) > 0)
			if ((r = jscan_value(s, &in)) < 0 || (r = jscan_skip(s, &in)) < 0)
				return r;
		return r;
	}
	return 0;
}

int jscan_end(struct jscan *s)
{
	if (s->err)
		return s->err;
	skip_ws(s);
	return s->p == s->end && s->depth == 0 ? 0 : fail(s);
}

/* Length of the valid UTF-8 sequence at p[0..n), or 0 when p[0] does not start one
 * (Go's utf8.DecodeRune rules: no overlong forms, no surrogates, at most U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Write code point cp as UTF-8 into b[4]. Returns its length. */
static size_t put_utf8(unsigned long cp, char *b)
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | cp >> 18);
	b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t jscan_utf8_copy(struct span in, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in.p;
	size_t i = 0, o = 0;
	while (i < in.len) {
		char b[4];
		size_t n = utf8_seq(p + i, in.len - i), w;
		if (n) {
			memcpy(b, p + i, n);
			w = n;
		} else {
			w = put_utf8(0xfffd, b);
			n = 1;
		}
		if (o + w >= cap)
			break;
		memcpy(out + o, b, w);
		o += w;
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* The four hex digits at p. */
static unsigned long hex4(const char *p)
{
	return hex_val(p[0]) << 12 | hex_val(p[1]) << 8 | hex_val(p[2]) << 4 | hex_val(p[3]);
}

int jscan_str(const struct jscan_val *v, char *out, size_t cap, size_t *len)
{
	const char *p = v->text.p, *end = p + v->text.len;
	size_t o = 0;
	*len = 0;
	if (cap)
		out[0] = '\0';
	if (v->type != JSCAN_STRING || cap == 0)
		return -EINVAL;
	while (p < end) {
		char b[4];
		size_t w;
		if (*p != '\\') {
			size_t n = utf8_seq((const unsigned char *)p, (size_t)(end - p));
			if (n) {
				memcpy(b, p, n);
				w = n;
				p += n;
			} else {
				w = put_utf8(0xfffd, b);
				p++;
			}
		} else if (p[1] != 'u') { /* read_string checked every escape */
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			b[0] = to[strchr(from, p[1]) - from];
			w = 1;
			p += 2;
		} else {
			unsigned long cp = hex4(p + 2);
			p += 6;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				unsigned long lo = hex4(p + 2);
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd; /* a lone surrogate, as Go decodes it */
			w = put_utf8(cp, b);
		}
		if (o + w >= cap) {
			out[o] = '\0';
			*len = o;
			return -E2BIG;
		}
		memcpy(out + o, b, w);
		o += w;
	}
	out[o] = '\0';
	*len = o;
	return 0;
}

int jscan_i64(const struct jscan_val *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t x;
	if (v->type != JSCAN_NUMBER || memchr(v->text.p, '.', v->text.len) ||
	    memchr(v->text.p, 'e', v->text.len) || memchr(v->text.p, 'E', v->text.len) ||
	    span_i64(v->text, &x) < 0 || x < min || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

int jscan_u64(const struct jscan_val *v, uint64_t max, uint64_t *out)
{
	uint64_t x;
	if (v->type != JSCAN_NUMBER || v->text.len == 0 || v->text.p[0] == '-' ||
	    memchr(v->text.p, '.', v->text.len) || memchr(v->text.p, 'e', v->text.len) ||
	    memchr(v->text.p, 'E', v->text.len) || span_u64(v->text, &x) < 0 || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

bool jscan_key_is(const char *key, const char *name)
{
	for (; *key && *name; key++, name++) {
		char a = *key, b = *name;
		if (a >= 'A' && a <= 'Z')
			a = (char)(a | 0x20);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b | 0x20);
		if (a != b)
			return false;
	}
	return *key == *name;
}

/*
 * strparse: checked number and field parsing over spans. See strparse.h.
 */
#include "lib/strparse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whether c is whitespace: space, \t, \n, \v, \f or \r. */
static bool is_space(char c)
{
	/* ' ', or one of \t \n \v \f \r, which are 9..13: two compares per byte */
	return c == ' ' || (unsigned char)(c - '\t') <= '\r' - '\t';
}

bool cursor_line(struct cursor *c, struct span *line)
{
	if (c->p >= c->end)
		return false;
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	const char *stop = nl ? nl : c->end;
	line->p = c->p;
	line->len = (size_t)(stop - c->p);
	c->p = nl ? nl + 1 : c->end;
	return true;
}

bool cursor_line_back(struct cursor *c, struct span *line)
{
	if (c->p >= c->end)
		return false;
	const char *e = c->end;
	if (e[-1] == '\n')
		e--; /* the last line's terminator */
	const char *b = e;
	while (b > c->p && b[-1] != '\n')
		b--;
	line->p = b;
	line->len = (size_t)(e - b);
	c->end = b;
	return true;
}

bool span_word(struct span *s, struct span *word)
{
	size_t i = 0;
	if (s->len == 0)
		return false; /* also keeps a {NULL, 0} span away from pointer arithmetic */
	while (i < s->len && is_space(s->p[i]))
		i++;
	if (i == s->len) {
		s->p += s->len;
		s->len = 0;
		return false;
	}
	size_t j = i;
	while (j < s->len && !is_space(s->p[j]))
		j++;
	word->p = s->p + i;
	word->len = j - i;
	s->p += j;
	s->len -= j;
	return true;
}

int span_join(char *dst, size_t cap, const struct span *parts, size_t n)
{
	size_t len = 0;
	if (cap == 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len >= cap - len) { /* no room left for it and the NUL */
			dst[0] = '\0';
			return -ENAMETOOLONG;
		}
		memcpy(dst + len, parts[i].p, parts[i].len);
		len += parts[i].len;
	}
	dst[len] = '\0';
	return (int)len;
}

bool span_field(struct span *s, char d, struct span *field)
{
	/* An exhausted span has p == NULL, so "a," yields "a" then "" and then stops. */
	if (s->p == NULL)
		return false;
	if (s->len == 0) {
		field->p = s->p;
		field->len = 0;
		s->p = NULL;
		return true;
	}
	const char *hit = memchr(s->p, d, s->len);
	if (!hit) {
		*field = *s;
		s->p = NULL;
		s->len = 0;
		return true;
	}
	field->p = s->p;
	field->len = (size_t)(hit - s->p);
	s->len -= field->len + 1;
	s->p = hit + 1;
	return true;
}

struct span span_trim(struct span s)
{
	while (s.len && is_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

int span_copy(struct span s, char *dst, size_t cap)
{
	if (cap == 0)
		return -ENAMETOOLONG;
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
	return s.len < cap ? 0 : -ENAMETOOLONG;
}

/* Copy a trimmed span into a NUL-terminated scratch buffer for strto*. Numbers longer
 * than the scratch are not numbers we accept. */
static int to_scratch(struct span s, char *tmp, size_t cap)
{
	s = span_trim(s);
	if (s.len == 0 || s.len >= cap)
		return -EINVAL;
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	return 0;
}

/* The value of digit c in base (8, 10 or 16), or base when c is not one. */
static unsigned digit_value(unsigned char c, unsigned base)
{
	unsigned d = c - '0';
	if (d > 9 && base == 16) {
		unsigned l = (c | 0x20u) - 'a';
		d = l < 6 ? l + 10 : base;
	}
	return d < base ? d : base;
}

/* The value of s (already trimmed) when it is nothing but digits of base (8, 10 or 16):
 * what strtoull gives, without its copy and locale (conntrack and softnet print
 * thousands of hex numbers a scrape on a large host). Returns 0, -EINVAL when s is
 * empty or holds anything else (a sign, a "0x"), else -ERANGE when it passes 2^64 - 1.
 * *out is written only on success. */
static int digit_run(struct span s, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	bool over = false;
	if (s.len == 0)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = digit_value((unsigned char)s.p[i], base);
		if (d == base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			over = true;
		else
			v = v * base + d;
	}
	if (over)
		return -ERANGE;
	*out = v;
	return 0;
}

int span_u64_base(struct span s, int base, uint64_t *out)
{
	char tmp[80];
	/* a plain run of digits needs no strtoull; anything else (a prefix, a sign, a
	 * number too long for the scratch) gets its answer from the path below */
	if ((base == 8 || base == 10 || base == 16) && digit_run(span_trim(s), (unsigned)base, out) == 0)
		return 0;
	int r = to_scratch(s, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	if (tmp[0] == '-' || tmp[0] == '+' || is_space(tmp[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(tmp, &end, base);
	if (end == tmp || *end != '\0')
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

int span_u64(struct span s, uint64_t *out)
{
	/* what span_u64_base(s, 10, out) accepts, without strtoull's copy and locale:
	 * cgroup and /proc files are mostly decimal counters */
	s = span_trim(s);
	if (s.len >= 80)
		return -EINVAL;
	return digit_run(s, 10, out);
}

/* A plain decimal of at most 18 digits with an optional '-' (what /proc prints): the
 * value strtoll gives, without its copy and locale. Returns false for anything else,
 * which goes to strtoll. s is trimmed. */
static bool small_i64(struct span s, int64_t *out)
{
	size_t i = s.len && s.p[0] == '-';
	if (s.len == i || s.len - i > 18)
		return false;
	int64_t v = 0;
	for (size_t k = i; k < s.len; k++) {
		unsigned d = (unsigned char)s.p[k] - '0';
		if (d > 9)
			return false;
		v = v * 10 + (int64_t)d;
	}
	*out = i ? -v : v;
	return true;
}

int span_i64(struct span s, int64_t *out)
{
	char tmp[80];
	if (small_i64(span_trim(s), out))
		return 0;
	int r = to_scratch(s, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	char *end;
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (end == tmp || *end != '\0')
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A plain decimal of at most 15 digits, with an optional '-' and '.' ("12", "-0.25",
 * "3.", ".5"): converted without strtod, to the very value strtod gives (see below).
 * PSI averages and cgroup figures are all of this kind. Returns false for anything
 * else, which goes to strtod. s is trimmed. */
static bool small_decimal(struct span s, double *out)
{
	static const double pow10[16] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
					  1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	size_t i = s.len && s.p[0] == '-';
	unsigned digits = 0, frac = 0;
	bool point = false;
	uint64_t v = 0;
	if (s.len - i > 16)
		return false;
	for (; i < s.len; i++) {
		if (s.p[i] == '.' && !point) {
			point = true;
			continue;
		}
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9)
			return false;
		v = v * 10 + d;
		digits++;
		frac += point;
	}
	if (digits == 0 || digits > 15)
		return false;
	/* v < 10^15 < 2^53 and 10^frac are exact, and IEEE division rounds correctly, so
	 * this is the double nearest the decimal: what strtod returns */
	double x = (double)v / pow10[frac];
	*out = s.p[0] == '-' ? -x : x;
	return true;
}

int span_double(struct span s, double *out)
{
	if (small_decimal(span_trim(s), out))
		return 0;
	char tmp[128];
	int r = to_scratch(s, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	/* strtod also takes hex floats and "infinity"; Prometheus's own formats take them too */
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end == tmp || *end != '\0')
		return -EINVAL;
	if (errno == ERANGE && isinf(v))
		return -ERANGE;
	*out = v;
	return 0;
}

/* Go's underscoreOK: in s (sign and prefix included) every '_' stands between two
 * digits, a base prefix counting as a digit. */
static bool underscores_ok(struct span s)
{
	char saw = '^'; /* last class seen: ^ start, 0 digit or prefix, _ underscore, ! other */
	size_t i = 0;
	bool hex = false;
	if (s.len && (s.p[0] == '+' || s.p[0] == '-')) {
		s.p++;
		s.len--;
	}
	if (s.len >= 2 && s.p[0] == '0') {
		char b = (char)(s.p[1] | 0x20);
		if (b == 'b' || b == 'o' || b == 'x') {
			i = 2;
			saw = '0';
			hex = b == 'x';
		}
	}
	for (; i < s.len; i++) {
		char c = s.p[i], l = (char)(c | 0x20);
		if (ascii_digit(c) || (hex && l >= 'a' && l <= 'f')) {
			saw = '0';
		} else if (c == '_') {
			if (saw != '0')
				return false;
			saw = '_';
		} else {
			if (saw == '_')
				return false;
			saw = '!';
		}
	}
	return saw != '_';
}

/* The value of digit c in bases up to 36, or 36 for a byte that is no digit. */
static unsigned digit36(char c)
{
	char l = (char)(c | 0x20);
	if (ascii_digit(c))
		return (unsigned)(c - '0');
	if (l >= 'a' && l <= 'z')
		return (unsigned)(l - 'a') + 10;
	return 36;
}

int span_u64_auto(struct span s, uint64_t *out)
{
	s = span_trim(s);
	struct span all = s;
	unsigned base = 10;
	bool underscores = false;
	uint64_t v = 0;
	if (s.len == 0)
		return -EINVAL;
	if (s.p[0] == '0') {
		char b = s.len >= 3 ? (char)(s.p[1] | 0x20) : 0;
		size_t skip = (b == 'b' || b == 'o' || b == 'x') ? 2 : 1;
		base = b == 'b' ? 2 : b == 'x' ? 16 : 8;
		s.p += skip;
		s.len -= skip;
	}
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = digit36(s.p[i]);
		if (s.p[i] == '_') {
			underscores = true;
			continue;
		}
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (underscores && !underscores_ok(all))
		return -EINVAL;
	*out = v;
	return 0;
}

int span_i64_auto(struct span s, int64_t *out)
{
	s = span_trim(s);
	bool neg = false;
	uint64_t u;
	if (s.len && (s.p[0] == '+' || s.p[0] == '-')) {
		neg = s.p[0] == '-';
		s.p++;
		s.len--;
		if (s.len == 0 || is_space(s.p[0]))
			return -EINVAL; /* "- 5": the sign must touch the number */
	}
	int r = span_u64_auto(s, &u);
	if (r < 0)
		return r;
	if (u > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return -ERANGE;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int span_atoi(struct span s, int64_t *out)
{
	bool neg = s.len && s.p[0] == '-';
	uint64_t u;
	if (s.len && (s.p[0] == '+' || s.p[0] == '-')) {
		s.p++;
		s.len--;
	}
	for (size_t i = 0; i < s.len; i++)
		if (!ascii_digit(s.p[i]))
			return -EINVAL; /* whitespace too: span_u64 would trim it */
	int r = span_u64(s, &u);
	if (r < 0)
		return r;
	if (u > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return -ERANGE;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int str_u64(const char *s, uint64_t *out)
{
	return span_u64(span_cstr(s), out);
}

int str_i64(const char *s, int64_t *out)
{
	return span_i64(span_cstr(s), out);
}

int str_double(const char *s, double *out)
{
	return span_double(span_cstr(s), out);
}

/*
 * pathmatch: Go-compatible path patterns and path cleaning. See pathmatch.h.
 *
 * A pattern is matched chunk by chunk: a chunk is a run of literal characters, '?'
 * and classes, preceded by optional stars. A chunk after a star is tried at every
 * position up to the next '/', which gives Go's results (and its errors: a malformed
 * class is reported only once the matcher reaches it, except by path_pattern_check).
 */
#include "lib/pathmatch.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

struct sp {
	const char *p;
	size_t n;
};

/* Drop the first k bytes (k <= s->n) of s. */
static void adv(struct sp *s, size_t k)
{
	s->p += k;
	s->n -= k;
}

/* Decode one UTF-8 rune of s (n > 0); *len gets its byte count. Invalid bytes decode
 * as U+FFFD of length 1. */
static uint32_t rune(const struct sp *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s->p;
	unsigned c = p[0];
	size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
	static const uint32_t mins[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t cp = l == 1 ? c : l == 2 ? (c & 0x1F) : l == 3 ? (c & 0x0F) : (c & 0x07);
	*len = 1;
	if (l == 0 || l > s->n)
		return 0xFFFD;
	for (size_t i = 1; i < l; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0xFFFD;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < mins[l] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0xFFFD;
	*len = l;
	return cp;
}

bool path_has_meta(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
			return true;
	return false;
}

/* Split the next chunk off *pat: *star says whether stars preceded it. */
static struct sp scan_chunk(struct sp *pat, bool *star)
{
	*star = false;
	while (pat->n && pat->p[0] == '*') {
		adv(pat, 1);
		*star = true;
	}
	bool inrange = false;
	size_t i;
	for (i = 0; i < pat->n; i++) {
		char c = pat->p[i];
		if (c == '\\' && i + 1 < pat->n)
			i++;
		else if (c == '[')
			inrange = true;
		else if (c == ']')
			inrange = false;
		else if (c == '*' && !inrange)
			break;
	}
	struct sp chunk = { pat->p, i };
	adv(pat, i);
	return chunk;
}

/* One (possibly escaped) character of a class. 0 or -EINVAL. */
static int class_char(struct sp *chunk, uint32_t *r)
{
	size_t len;
	if (!chunk->n || chunk->p[0] == '-' || chunk->p[0] == ']')
		return -EINVAL;
	if (chunk->p[0] == '\\') {
		adv(chunk, 1);
		if (!chunk->n)
			return -EINVAL;
	}
	*r = rune(chunk, &len);
	if (*r == 0xFFFD && len == 1 && (unsigned char)chunk->p[0] >= 0x80)
		return -EINVAL;
	adv(chunk, len);
	return chunk->n ? 0 : -EINVAL;
}

/* Match a class at chunk (just after '[') against rune r (ignored when failed). */
static int match_class(struct sp *chunk, uint32_t r, bool *failed)
{
	bool neg = false, hit = false;
	int nrange = 0;
	if (chunk->n && chunk->p[0] == '^') {
		neg = true;
		adv(chunk, 1);
	}
	for (;;) {
		uint32_t lo, hi;
		if (chunk->n && chunk->p[0] == ']' && nrange > 0) {
			adv(chunk, 1);
			break;
		}
		if (class_char(chunk, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (chunk->p[0] == '-') {
			adv(chunk, 1);
			if (class_char(chunk, &hi) < 0)
				return -EINVAL;
		}
		if (lo <= r && r <= hi)
			hit = true;
		nrange++;
	}
	if (hit == neg)
		*failed = true;
	return 0;
}

/* Match chunk at the start of *s; on success *s is what is left. 1, 0 or -EINVAL. */
static int match_chunk(struct sp chunk, struct sp *s)
{
	bool failed = false;
	struct sp t = *s;
	size_t len;
	while (chunk.n) {
		if (!failed && !t.n)
			failed = true;
		char c = chunk.p[0];
		if (c == '[') {
			uint32_t r = 0;
			if (!failed) {
				r = rune(&t, &len);
				adv(&t, len);
			}
			adv(&chunk, 1);
			if (match_class(&chunk, r, &failed) < 0)
				return -EINVAL;
			continue;
		}
		if (c == '?') {
			if (!failed && t.p[0] == '/')
				failed = true;
			if (!failed) {
				rune(&t, &len);
				adv(&t, len);
			}
			adv(&chunk, 1);
			continue;
		}
		if (c == '\\') {
			adv(&chunk, 1);
			if (!chunk.n)
				return -EINVAL;
		}
		if (!failed) {
			if (chunk.p[0] != t.p[0])
				failed = true;
			else
				adv(&t, 1);
		}
		adv(&chunk, 1);
	}
	if (failed)
		return 0;
	*s = t;
	return 1;
}

/* After a failed match, report a syntax error in the rest of the pattern, if any. */
static int check_rest(struct sp pat)
{
	bool star;
	while (pat.n) {
		struct sp chunk = scan_chunk(&pat, &star), empty = { "", 0 };
		if (match_chunk(chunk, &empty) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Try chunk after a star at each position of *name before the next '/'. */
static int match_after_star(struct sp chunk, struct sp *name, bool last)
{
	for (size_t i = 0; i < name->n && name->p[i] != '/'; i++) {
		struct sp t = { name->p + i + 1, name->n - i - 1 };
		int r = match_chunk(chunk, &t);
		if (r < 0)
			return r;
		if (r == 1 && !(last && t.n)) {
			*name = t;
			return 1;
		}
	}
	return 0;
}

int path_match(const char *pattern, size_t plen, const char *nm, size_t nlen)
{
	struct sp pat = { pattern, plen }, name = { nm, nlen };
	bool star;
	while (pat.n) {
		struct sp chunk = scan_chunk(&pat, &star);
		if (star && !chunk.n)
			return memchr(name.p, '/', name.n) ? 0 : 1;
		struct sp t = name;
		int r = match_chunk(chunk, &t);
		if (r == 1 && (!t.n || pat.n)) {
			name = t;
			continue;
		}
		if (r < 0)
			return r;
		if (star && (r = match_after_star(chunk, &name, pat.n == 0)) != 0) {
			if (r < 0)
				return r;
			continue;
		}
		return check_rest(pat);
	}
	return name.n == 0;
}

int path_pattern_check(const char *pattern, size_t plen)
{
	int r = path_match(pattern, plen, "", 0);
	return r < 0 ? r : 0;
}

/* Append c to out[*w] within cap (leaving room for the NUL). */
static int put(char *out, size_t cap, size_t *w, char c)
{
	if (*w + 1 >= cap)
		return -ENAMETOOLONG;
	out[(*w)++] = c;
	return 0;
}

int path_clean(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in), r = 0, w = 0, dotdot = 0;
	bool rooted = n && in[0] == '/';
	int err = 0;
	if (cap < 2)
		return -ENAMETOOLONG;
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n && err == 0) {
		bool end1 = r + 1 == n || in[r + 1] == '/';
		/* NOLINTNEXTLINE(bugprone-branch-clone): "/" and "." are both skipped, apart for clarity */
		if (in[r] == '/') {
			r++;
		} else if (in[r] == '.' && end1) {
			r++;
		} else if (in[r] == '.' && in[r + 1] == '.' && (r + 2 == n || in[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					err = put(out, cap, &w, '/');
				if (!err)
					err = put(out, cap, &w, '.');
				if (!err)
					err = put(out, cap, &w, '.');
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				err = put(out, cap, &w, '/');
			for (; r < n && in[r] != '/' && err == 0; r++)
				err = put(out, cap, &w, in[r]);
		}
	}
	if (err)
		return err;
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return 0;
}

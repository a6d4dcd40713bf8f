/*
 * log: logfmt or JSON lines on stderr. See log.h.
 *
 * The level and format are process-wide settings chosen once at start-up, the one
 * place plumb keeps global state: every thread logs the same way. Each line is built
 * in a stack buffer and written with one write(), so lines from threads never mix.
 */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static bool use_json;

int log_setup(const char *level, const char *format)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	int lvl = -1;
	for (int i = 0; i < 4; i++)
		if (level && strcmp(level, names[i]) == 0)
			lvl = i;
	if (lvl < 0)
		return -EINVAL;
	if (format && strcmp(format, "logfmt") != 0 && strcmp(format, "json") != 0)
		return -EINVAL;
	min_level = (enum log_level)lvl;
	use_json = format && strcmp(format, "json") == 0;
	return 0;
}

int log_enabled(enum log_level lvl)
{
	return lvl >= min_level;
}

struct line {
	char buf[2048];
	size_t len;
	bool cut;    /* something did not fit: nothing more is added */
};

/* Bytes kept back for the end of a line that had to be cut: a value's closing quote,
 * JSON's '}' and the newline. */
#define LINE_TAIL 3

/* Bytes l can still take before the room kept for its end. */
static size_t room(const struct line *l)
{
	return sizeof(l->buf) - LINE_TAIL - l->len;
}

/* Append s[0..n) whole. When it does not fit, append nothing, mark l cut and return
 * false; so does every later call. */
static bool put(struct line *l, const char *s, size_t n)
{
	if (l->cut || n > room(l)) {
		l->cut = true;
		return false;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	return true;
}

/* Take off the end of l, after byte start, a UTF-8 sequence that a cut left
 * incomplete. */
static void drop_partial_utf8(struct line *l, size_t start)
{
	size_t i = l->len;
	while (i > start && ((unsigned char)l->buf[i - 1] & 0xc0) == 0x80)
		i--; /* continuation bytes */
	if (i == start || (unsigned char)l->buf[i - 1] < 0xc0)
		return; /* no lead byte before them: nothing a cut could have split */
	unsigned char lead = (unsigned char)l->buf[i - 1];
	size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (l->len - (i - 1) < want)
		l->len = i - 1;
}

/* Append s quoted and escaped; control bytes become \u00XX (JSON) or \xXX (logfmt). A
 * value too long for the line is cut between two characters, never inside an escape,
 * and still closed: the quote comes from the room kept back. The caller makes sure the
 * opening quote fits. */
static void put_quoted(struct line *l, const char *s)
{
	put(l, "\"", 1);
	size_t start = l->len;
	for (const unsigned char *p = (const unsigned char *)s; *p && !l->cut; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p == '\n') {
			put(l, "\\n", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			int n = snprintf(esc, sizeof(esc), use_json ? "\\u%04x" : "\\x%02x", *p);
			put(l, esc, (size_t)n);
		} else {
			put(l, (const char *)p, 1);
		}
	}
	if (l->cut)
		drop_partial_utf8(l, start);
	if (!put(l, "\"", 1))
		l->buf[l->len++] = '"'; /* one of LINE_TAIL's bytes; l is cut from here on */
}

/* logfmt values need quotes only when they hold spaces, quotes, = or controls. */
static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return true;
	return false;
}

/* Append the pair k=v to l: logfmt (v quoted when it needs it) or a JSON member;
 * first: the line's first pair (no separator, and '{' in JSON). A pair whose key does
 * not fit is left out whole, with every later one; a value that does not fit is cut
 * (put_quoted). */
static void put_kv(struct line *l, const char *k, const char *v, bool first)
{
	size_t klen = strlen(k);
	if (l->cut || room(l) < klen + 6) { /* separator, quoted key, ':' or '=', '"' */
		l->cut = true;
		return;
	}
	if (use_json) {
		put(l, first ? "{" : ",", 1);
		put_quoted(l, k);
		put(l, ":", 1);
		put_quoted(l, v);
		return;
	}
	if (!first)
		put(l, " ", 1);
	put(l, k, klen);
	put(l, "=", 1);
	if (needs_quotes(v) || strlen(v) > room(l))
		put_quoted(l, v);
	else
		put(l, v, strlen(v));
}

void plog(enum log_level lvl, const char *msg, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	if (lvl < min_level)
		return;
	struct line l = { .len = 0 };
	char ts[40];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);
	put_kv(&l, "ts", ts, true);
	put_kv(&l, "level", names[lvl], false);
	put_kv(&l, "msg", msg, false);
	va_list ap;
	va_start(ap, msg);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		put_kv(&l, k, v ? v : "", false);
	}
	va_end(ap);
	/* at least two of LINE_TAIL's bytes are left for these */
	if (use_json)
		l.buf[l.len++] = '}';
	l.buf[l.len++] = '\n';
	ssize_t w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
}

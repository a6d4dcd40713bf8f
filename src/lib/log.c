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
};

/* Append s[0..n) to l, cut short so that two bytes stay free for the line's end. */
static void put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf) - 2 - l->len)
		n = sizeof(l->buf) - 2 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Append s quoted and escaped; control bytes become \u00XX (JSON) or \xXX (logfmt). */
static void put_quoted(struct line *l, const char *s)
{
	put(l, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
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
	put(l, "\"", 1);
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
 * first: the line's first pair (no separator, and '{' in JSON). */
static void put_kv(struct line *l, const char *k, const char *v, bool first)
{
	if (use_json) {
		put(l, first ? "{" : ",", 1);
		put_quoted(l, k);
		put(l, ":", 1);
		put_quoted(l, v);
		return;
	}
	if (!first)
		put(l, " ", 1);
	put(l, k, strlen(k));
	put(l, "=", 1);
	if (needs_quotes(v))
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
	/* put() leaves two bytes free for these */
	if (use_json)
		l.buf[l.len++] = '}';
	l.buf[l.len++] = '\n';
	ssize_t w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
}

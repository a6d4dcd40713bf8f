/*
 * strparse: checked parsing of numbers and fields out of kernel text.
 *
 * Kernel files are text we do not control: a number may overflow, a line may be cut
 * short, a field may be missing. Everything here works on spans (pointer + length,
 * never NUL-terminated) and reports failure instead of guessing, so no caller ever
 * needs atoi, strtoul without end checks, or sscanf.  Nothing here allocates.
 */
#ifndef PLUMB_STRPARSE_H
#define PLUMB_STRPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A view into someone else's bytes. The owner of the bytes outlives the span. */
struct span {
	const char *p;
	size_t len;
};

#define SPAN_LIT(s) ((struct span){ (s), sizeof(s) - 1 })

/* A cursor walking a buffer line by line. */
struct cursor {
	const char *p;
	const char *end;
};

/* Start a cursor over buf[0..len). */
static inline struct cursor cursor_init(const char *buf, size_t len)
{
	return (struct cursor){ buf, buf + len };
}

/* Take the next line (without its '\n') into *line. Returns false at the end. */
bool cursor_line(struct cursor *c, struct span *line);

/* Take the last line left (without its '\n') into *line, shrinking the cursor from its
 * end: the lines cursor_line would give, in reverse order. For parsers that must let a
 * key's last line win where a first-wins consumer (the sink) takes their output.
 * Returns false when no line is left. */
bool cursor_line_back(struct cursor *c, struct span *line);

/* Take the next whitespace-separated word of *s into *word, advancing *s past it.
 * Whitespace is space, tab, \r, \n, \v, \f. Returns false when no word is left. */
bool span_word(struct span *s, struct span *word);

/* Take the next field of *s up to delimiter byte d (not skipping runs: "a,,b" has an
 * empty middle field). Returns false when *s is exhausted. */
bool span_field(struct span *s, char d, struct span *field);

/* Drop leading and trailing whitespace. */
struct span span_trim(struct span s);

/* Make a span from a NUL-terminated string. */
static inline struct span span_cstr(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return (struct span){ s, n };
}

/* Write parts[0..n) one after another into dst (cap bytes) and end it with a NUL, as
 * snprintf with "%.*s%.*s..." would, without printf's cost (collectors name hundreds
 * of counters a scrape this way). Returns the length, or -ENAMETOOLONG when it does not
 * fit (dst then holds ""). */
int span_join(char *dst, size_t cap, const struct span *parts, size_t n);

/* An ASCII decimal digit (locale-free, unlike isdigit). */
static inline bool ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Comparisons with a C string. Inline, so that the length of a literal is a constant
 * and a key that differs in length costs one compare: parsers call these per line. */
static inline bool span_eq(struct span s, const char *lit) /* exact match */
{
	size_t n = strlen(lit);
	return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static inline bool span_starts(struct span s, const char *prefix) /* s begins with prefix */
{
	size_t n = strlen(prefix);
	return s.len >= n && (n == 0 || memcmp(s.p, prefix, n) == 0);
}

static inline bool span_ends(struct span s, const char *suffix) /* s ends with suffix */
{
	size_t n = strlen(suffix);
	return s.len >= n && (n == 0 || memcmp(s.p + s.len - n, suffix, n) == 0);
}

/* Copy s into dst (capacity cap >= 1) as a NUL-terminated string.
 * Returns 0, or -ENAMETOOLONG when it does not fit (dst then holds a truncated copy). */
int span_copy(struct span s, char *dst, size_t cap);

/* Checked number parsers. The whole span must be the number (after trimming
 * whitespace); otherwise they return -EINVAL, and -ERANGE on overflow. *out is
 * written only on success. */
int span_u64(struct span s, uint64_t *out);           /* decimal */
int span_u64_base(struct span s, int base, uint64_t *out); /* base 8/10/16, "0x" allowed for 16 */
int span_i64(struct span s, int64_t *out);
int span_double(struct span s, double *out);          /* strtod syntax, incl. NaN/Inf */

/* Go's strconv.ParseUint(s, 0, 64) and ParseInt(s, 0, 64), which prometheus/procfs
 * applies to sysfs values (so node_exporter reads "0x1f" as 31 and "010" as 8): the base
 * comes from a prefix (0x/0X hex, 0o/0O or a bare leading 0 octal, 0b/0B binary, else
 * decimal), '_' may stand between digits, and only the signed one takes a sign. s is
 * trimmed first. Return 0, -EINVAL or -ERANGE, as above. */
int span_u64_auto(struct span s, uint64_t *out);
int span_i64_auto(struct span s, int64_t *out);

/* Go's strconv.Atoi(s) on 64 bits: an optional sign, then decimal digits and nothing
 * else (no whitespace, no '_'). Returns 0, -EINVAL or -ERANGE, as above. */
int span_atoi(struct span s, int64_t *out);

/* The same for NUL-terminated strings. */
int str_u64(const char *s, uint64_t *out);
int str_i64(const char *s, int64_t *out);
int str_double(const char *s, double *out);

#endif

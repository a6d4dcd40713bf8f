/*
 * regex: the patterns node_exporter's filter flags take, through PCRE2.
 *
 * node_exporter compiles flag values with Go's RE2 and matches unanchored; patterns
 * users write (^(a|b)$, foo.*, (?i)x) mean the same in PCRE2. A match allocates nothing:
 * the match data is made once at compile time.
 */
#ifndef PLUMB_REGEX_H
#define PLUMB_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct regex;

/* Compile pattern. Returns 0, -EINVAL for a bad pattern or -ENOMEM; on either error,
 * if err != NULL, a message in err[errcap]. The caller owns *out and frees it with
 * regex_free. */
int regex_compile(const char *pattern, struct regex **out, char *err, size_t errcap);
/* Unanchored search of s[0..len). */
bool regex_match(const struct regex *re, const char *s, size_t len);
void regex_free(struct regex *re); /* accepts NULL */

/* An include/exclude pair as node_exporter's collectors use them: a name passes when
 * it matches include (if set) and does not match exclude (if set). */
struct filter {
	struct regex *include;
	struct regex *exclude;
};
/* Build from two optional patterns (NULL or "" means unset). Returns 0, -EINVAL or
 * -ENOMEM. */
int filter_init(struct filter *f, const char *include, const char *exclude);
bool filter_pass(const struct filter *f, const char *s, size_t len);
void filter_fini(struct filter *f);

#endif

/*
 * pathmatch: shell-style path patterns and lexical path cleaning with the rules of Go's
 * path/filepath package, for flags that node_exporter documents as glob patterns.
 *
 * Patterns: '*' matches any run of bytes but '/', '?' one character but '/', '[...]'
 * a class ('^' negates, 'a-z' ranges), '\\' quotes the next character. Characters are
 * UTF-8 runes. Nothing here allocates.
 */
#ifndef PLUMB_PATHMATCH_H
#define PLUMB_PATHMATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s contains a pattern character (* ? [ or backslash). */
bool path_has_meta(const char *s, size_t n);

/* Match name[0..nlen) against the whole of pattern[0..plen). Returns 1 on a match, 0
 * on none, -EINVAL for a malformed pattern (a bad class or a trailing backslash). */
int path_match(const char *pattern, size_t plen, const char *name, size_t nlen);

/* Check a whole pattern for syntax errors, as Go's Glob does first. 0 or -EINVAL. */
int path_pattern_check(const char *pattern, size_t plen);

/* The shortest lexically equal form of in (Go's filepath.Clean): single slashes, no
 * "." elements, ".." resolved against the preceding element, no trailing slash; ""
 * becomes ".". Writes out[cap] NUL-terminated. Returns 0 or -ENAMETOOLONG. */
int path_clean(const char *in, char *out, size_t cap);

#endif

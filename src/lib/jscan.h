/*
 * jscan: a strict, allocation-free pull reader of JSON text, for the few small fixed
 * shapes plumb reads (node_exporter's qdisc and wifi test fixtures).
 *
 * The caller walks the document as it goes: jscan_value() reads one value (a container's
 * opening bracket only), jscan_elem() and jscan_member() step through an array or an
 * object, jscan_skip() passes over a value it does not want. Nothing is copied until the
 * caller asks (jscan_str, jscan_i64, jscan_u64), so a read allocates nothing; jansson, by
 * contrast, builds a tree of some 25 blocks for a fixture of two objects on every
 * read, and reports a failed allocation as a syntax error. The grammar is RFC 8259's,
 * checked in full; strings decode as Go's encoding/json decodes them (each byte that is
 * not UTF-8 becomes U+FFFD, a lone surrogate too). Nesting deeper than JSCAN_MAX_DEPTH is
 * refused. Every error is -EINVAL, and sticks: once a call failed, every later call
 * fails the same way.
 */
#ifndef PLUMB_JSCAN_H
#define PLUMB_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

#define JSCAN_MAX_DEPTH 64

enum jscan_type { JSCAN_NULL, JSCAN_BOOL, JSCAN_NUMBER, JSCAN_STRING, JSCAN_ARRAY, JSCAN_OBJECT };

/* One value as read. For a string, text is what stands between the quotes (escapes
 * not yet decoded); for a number or a literal, its text; for a container, its opening
 * bracket (its contents follow through jscan_elem or jscan_member). */
struct jscan_val {
	enum jscan_type type;
	struct span text;
};

struct jscan {
	const char *p, *end;
	unsigned depth;  /* containers open */
	bool fresh;      /* a container was just opened: no comma before its first item */
	int err;         /* the first error, or 0 */
};

/* Start reading buf[0..len) (borrowed: it must outlive the scan). */
void jscan_init(struct jscan *s, const char *buf, size_t len);

/* Read the next value into *v. Returns 0 or -EINVAL. */
int jscan_value(struct jscan *s, struct jscan_val *v);

/* In an array just opened or whose last element was read: returns 1 when another
 * element follows (read it with jscan_value), 0 at the closing bracket (consumed), or
 * -EINVAL. */
int jscan_elem(struct jscan *s);

/* In an object just opened or whose last member's value was read: returns 1 when
 * another member follows, with its name decoded into key[cap] (NUL-terminated; a name
 * that does not fit is cut, and *cut set), the colon consumed and its value next; 0 at
 * the closing brace (consumed); or -EINVAL. cap >= 1. */
int jscan_member(struct jscan *s, char *key, size_t cap, bool *cut);

/* Pass over the rest of v (just read by jscan_value): a container's contents and closing
 * bracket; nothing for other values. Returns 0 or -EINVAL. */
int jscan_skip(struct jscan *s, const struct jscan_val *v);

/* At the end of the top-level value: returns 0 when only white space is left, else
 * -EINVAL. */
int jscan_end(struct jscan *s);

/* Decode string v into out[cap] (NUL-terminated), setting *len. Returns 0, -EINVAL when
 * v is not a string, or -E2BIG when it does not fit. */
int jscan_str(const struct jscan_val *v, char *out, size_t cap, size_t *len);

/* Number v as Go decodes it into an integer field: an integer literal (no fraction or
 * exponent) within [min, max]. Returns 0, or -EINVAL (not an integer, out of range,
 * not a number). */
int jscan_i64(const struct jscan_val *v, int64_t min, int64_t max, int64_t *out);
/* The same for an unsigned field within [0, max]. */
int jscan_u64(const struct jscan_val *v, uint64_t max, uint64_t *out);

/* Copy in to out[cap] (NUL-terminated, cut at a character boundary), replacing each byte
 * that does not start a valid UTF-8 sequence with U+FFFD, as Go's utf8.DecodeRune loops
 * do. Returns the length written. cap >= 1. */
size_t jscan_utf8_copy(struct span in, char *out, size_t cap);

/* ASCII-case-insensitive equality of key and name: how Go's encoding/json matches an
 * object's member names to a struct's field names (for the ASCII names used here). */
bool jscan_key_is(const char *key, const char *name);

#endif

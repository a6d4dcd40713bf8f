/*
 * fuzz_pairs.h: helpers for the targets of the sysfs class collectors (fibrechannel,
 * infiniband, nvme, tapestats, watchdog). Their inputs are records "name\0value\n":
 * an attribute file's name and its content, so any attribute can be fed any bytes.
 * fuzz_check_go_number() checks Go's base-0 number parsers against the plain decimal
 * and hex ones wherever their languages overlap.
 */
#ifndef PLUMB_FUZZ_PAIRS_H
#define PLUMB_FUZZ_PAIRS_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strparse.h"

/* Take the next "name\0value\n" record of [*p, end): name into name[cap] (a name that
 * does not fit ends the input), value as a span of the input (to the next '\n' or the
 * end). Returns false when no record is left. */
static bool fuzz_pair(const char **p, const char *end, char *name, size_t cap, struct span *value)
{
	const char *nul = *p < end ? memchr(*p, '\0', (size_t)(end - *p)) : NULL;
	if (!nul || (size_t)(nul - *p) >= cap)
		return false;
	memcpy(name, *p, (size_t)(nul - *p));
	name[nul - *p] = '\0';
	const char *nl = memchr(nul + 1, '\n', (size_t)(end - nul - 1));
	const char *vend = nl ? nl : end;
	*value = (struct span){ nul + 1, (size_t)(vend - nul - 1) };
	*p = nl ? nl + 1 : end;
	return true;
}

/* Whether s is made of bytes for which ok() holds, and is not empty. */
static bool fuzz_all(struct span s, int (*ok)(int))
{
	for (size_t i = 0; i < s.len; i++)
		if (!ok((unsigned char)s.p[i]))
			return false;
	return s.len > 0;
}

static int fuzz_dec(int c)
{
	return c >= '0' && c <= '9';
}

static int fuzz_hex(int c)
{
	return fuzz_dec(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Abort when span_u64_auto / span_i64_auto disagree with span_u64 on a plain decimal
 * (no leading zero), with span_u64_base(16) on "0x<hex>", or with each other. */
static void fuzz_check_go_number(struct span s)
{
	struct span t = span_trim(s);
	uint64_t a = 0, b = 0;
	int64_t i = 0;
	int ra = span_u64_auto(s, &a), rb;
	if (fuzz_all(t, fuzz_dec) && (t.len == 1 || t.p[0] != '0') && t.len < 70) {
		rb = span_u64(t, &b);
		if ((ra == 0) != (rb == 0) || (ra == 0 && a != b))
			abort();
	}
	if (t.len > 2 && t.len < 70 && t.p[0] == '0' && (t.p[1] | 0x20) == 'x' &&
	    fuzz_all((struct span){ t.p + 2, t.len - 2 }, fuzz_hex)) {
		rb = span_u64_base((struct span){ t.p + 2, t.len - 2 }, 16, &b);
		if ((ra == 0) != (rb == 0) || (ra == 0 && a != b))
			abort();
	}
	if (span_i64_auto(s, &i) == 0) {
		bool neg = t.p[0] == '-';
		struct span u = t.p[0] == '-' || t.p[0] == '+' ? (struct span){ t.p + 1, t.len - 1 } : t;
		if (span_u64_auto(u, &b) != 0 || (neg ? 0 - b : b) != (uint64_t)i)
			abort();
	}
	if (ra == 0 && (t.len == 0 || t.p[0] == '+' || t.p[0] == '-'))
		abort(); /* the unsigned parser takes no sign */
}

#endif

/*
 * hindex: open-addressing hash index with linear probing. See hindex.h.
 *
 * The table is kept at most half full, so probes stay short; growing rehashes from
 * the stored hashes and never needs the keys.
 */
#include "lib/hindex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HINDEX_MAX_ENTRIES (1u << 26)

uint32_t hindex_hash(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

void hindex_clear(struct hindex *ix)
{
	if (ix->slots)
		memset(ix->slots, 0, (size_t)ix->cap * sizeof(*ix->slots));
	ix->n = 0;
}

void hindex_fini(struct hindex *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

int64_t hindex_find(const struct hindex *ix, uint32_t hash, hindex_eq_fn eq, const void *ctx)
{
	if (!ix->cap)
		return -ENOENT;
	uint32_t mask = ix->cap - 1;
	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		const struct hindex_slot *s = &ix->slots[i];
		if (!s->val)
			return -ENOENT;
		if (s->hash == hash && eq(ctx, s->val - 1))
			return s->val - 1;
	}
}

/* Put (hash, val+1) in the first free slot of slots[cap]. */
static void place(struct hindex_slot *slots, uint32_t cap, uint32_t hash, uint32_t stored)
{
	uint32_t mask = cap - 1;
	uint32_t i = hash & mask;
	while (slots[i].val)
		i = (i + 1) & mask;
	slots[i] = (struct hindex_slot){ hash, stored };
}

/* Double the table (or make the first one). Returns 0 or -ENOMEM. */
static int grow(struct hindex *ix)
{
	uint32_t ncap = ix->cap ? ix->cap * 2 : 64;
	struct hindex_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (uint32_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].val)
			place(ns, ncap, ix->slots[i].hash, ix->slots[i].val);
	free(ix->slots);
	ix->slots = ns;
	ix->cap = ncap;
	return 0;
}

int hindex_add(struct hindex *ix, uint32_t hash, uint32_t val)
{
	if (ix->n >= HINDEX_MAX_ENTRIES || val >= UINT32_MAX)
		return -E2BIG;
	if ((ix->n + 1) * 2 > ix->cap) {
		int r = grow(ix);
		if (r < 0)
			return r;
	}
	place(ix->slots, ix->cap, hash, val + 1);
	ix->n++;
	return 0;
}

/*
 * hindex: an open-addressing hash index from caller-computed hashes to caller-owned
 * entries, for parsers that must find "the entry with this key" quickly without
 * allocating once warm.
 *
 * The index stores only (hash, value) pairs; the keys stay wherever the caller keeps
 * its entries, and equality is the caller's callback. Clearing keeps the memory, so a
 * parser that indexes the same-sized input every scrape allocates nothing after the
 * first. Growth doubles and stops at a hard limit (-E2BIG), so hostile input costs
 * bounded memory.
 */
#ifndef PLUMB_HINDEX_H
#define PLUMB_HINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hindex_slot {
	uint32_t hash;
	uint32_t val; /* value + 1; 0 marks an empty slot */
};

struct hindex {
	struct hindex_slot *slots; /* owned */
	uint32_t cap;              /* power of two, or 0 */
	uint32_t n;                /* entries */
};

/* Equality callback: whether entry val is the key the caller looks for. */
typedef bool (*hindex_eq_fn)(const void *ctx, uint32_t val);

/* FNV-1a over p[0..n), continuing from h (start with HINDEX_SEED). */
#define HINDEX_SEED 2166136261u
uint32_t hindex_hash(uint32_t h, const void *p, size_t n);

/* Forget every entry, keep the memory. Accepts a zeroed index. */
void hindex_clear(struct hindex *ix);
/* Free the slots; accepts a zeroed index. */
void hindex_fini(struct hindex *ix);

/* The value of the entry with this hash for which eq(ctx, val) holds, or -ENOENT. */
int64_t hindex_find(const struct hindex *ix, uint32_t hash, hindex_eq_fn eq, const void *ctx);

/* Add val (< UINT32_MAX) under hash; the caller has checked it is absent.
 * Returns 0, -ENOMEM or -E2BIG (more than 2^26 entries). */
int hindex_add(struct hindex *ix, uint32_t hash, uint32_t val);

#endif

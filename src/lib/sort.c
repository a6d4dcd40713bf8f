/*
 * sort: the heap sort behind sort.h, and the kept orders of sort_memo.
 */
#include "lib/sort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* Up to this many elements, insertion sort: fewer comparisons than a heap for the label
 * lists every sample sorts. */
#define SORT_SMALL 12

/* Exchange the size-byte elements at a and b (distinct). Word-sized elements, the
 * common case (indices, offsets), go through one register. */
static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	if (size == sizeof(uint32_t)) {
		uint32_t t;
		memcpy(&t, a, sizeof(t));
		memcpy(a, b, sizeof(t));
		memcpy(b, &t, sizeof(t));
		return;
	}
	if (size == sizeof(uint64_t)) {
		uint64_t t;
		memcpy(&t, a, sizeof(t));
		memcpy(a, b, sizeof(t));
		memcpy(b, &t, sizeof(t));
		return;
	}
	while (size--) {
		unsigned char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Move element i down the max-heap base[0..n) to its place. */
static void sift_down(unsigned char *base, size_t i, size_t n, size_t size, sort_cmp_fn cmp,
		      void *ctx)
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;
		if (l < n && cmp(base + l * size, base + big * size, ctx) > 0)
			big = l;
		if (r < n && cmp(base + r * size, base + big * size, ctx) > 0)
			big = r;
		if (big == i)
			return;
		swap(base + i * size, base + big * size, size);
		i = big;
	}
}

/* Number of leading elements of base[0..n) (n >= 1) already in ascending order. */
static size_t sorted_prefix(const unsigned char *base, size_t n, size_t size, sort_cmp_fn cmp,
			    void *ctx)
{
	size_t k = 1;
	while (k < n && cmp(base + (k - 1) * size, base + k * size, ctx) <= 0)
		k++;
	return k;
}

void sort_heap(void *base, size_t n, size_t size, sort_cmp_fn cmp, void *ctx)
{
	unsigned char *b = base;
	if (n < 2 || size == 0)
		return;
	/* Most of plumb's sorts see the order they saw last scrape, or a handful of labels:
	 * n - 1 comparisons settle the first, insertion the second (only up to SORT_SMALL
	 * elements, so the worst case stays O(n log n)). */
	size_t k = sorted_prefix(b, n, size, cmp, ctx);
	if (k == n)
		return;
	if (n <= SORT_SMALL) {
		for (; k < n; k++)
			for (size_t j = k; j > 0 && cmp(b + (j - 1) * size, b + j * size, ctx) > 0; j--)
				swap(b + (j - 1) * size, b + j * size, size);
		return;
	}
	for (size_t i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp, ctx);
	for (size_t end = n; end-- > 1;) {
		swap(b, b + end * size, size);
		sift_down(b, 0, end, size, cmp, ctx);
	}
}

/* What by_position compares: elements of size bytes at base, under cmp with ctx. */
struct position_ctx {
	const unsigned char *base;
	size_t size;
	sort_cmp_fn cmp;
	void *ctx;
};

/* sort_heap order of positions (uint32_t) into ctx's (struct position_ctx) list. */
static int by_position(const void *a, const void *b, void *ctx)
{
	const struct position_ctx *pc = ctx;
	uint32_t i, j;
	memcpy(&i, a, sizeof(i));
	memcpy(&j, b, sizeof(j));
	return pc->cmp(pc->base + i * pc->size, pc->base + j * pc->size, pc->ctx);
}

/* Copy base[0..n) into m->tmp in the order m->perm gives. */
static void gather(const struct sort_memo *m, const unsigned char *base, size_t n, size_t size)
{
	for (size_t k = 0; k < n; k++)
		memcpy(m->tmp + k * size, base + m->perm[k] * size, size);
}

bool sort_memo_sort(struct sort_memo *m, void *base, size_t n, size_t size, sort_cmp_fn cmp,
		    void *ctx)
{
	unsigned char *b = base;
	if (n < 2 || size == 0)
		return false;
	if (m->n == n && size <= m->tmp_cap / n) {
		gather(m, b, n, size);
		size_t k = 1;
		while (k < n && cmp(m->tmp + (k - 1) * size, m->tmp + k * size, ctx) < 0)
			k++;
		if (k == n) {
			memcpy(b, m->tmp, n * size);
			return true;
		}
	}
	m->n = 0;
	if (n > UINT32_MAX || size > UINT32_MAX / n ||
	    grow_array((void **)&m->perm, &m->perm_cap, (uint32_t)n, sizeof(*m->perm)) < 0 ||
	    grow_array((void **)&m->tmp, &m->tmp_cap, (uint32_t)(n * size), 1) < 0) {
		sort_heap(base, n, size, cmp, ctx);
		return false;
	}
	for (uint32_t k = 0; k < n; k++)
		m->perm[k] = k;
	struct position_ctx pc = { b, size, cmp, ctx };
	sort_heap(m->perm, n, sizeof(*m->perm), by_position, &pc);
	gather(m, b, n, size);
	memcpy(b, m->tmp, n * size);
	m->n = (uint32_t)n;
	return false;
}

void sort_memo_fini(struct sort_memo *m)
{
	free(m->perm);
	free(m->tmp);
	*m = (struct sort_memo){ 0 };
}

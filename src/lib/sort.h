/*
 * sort: one in-place heap sort for the whole of plumb.
 *
 * libc's qsort may allocate (glibc's merge sort does) and is quadratic on hostile input
 * in some libcs; a scrape must allocate nothing and a crafted directory must not cost
 * more than n log n. Every sort in plumb goes through sort_heap() (sort_memo_sort
 * included, for lists sorted again and again). It is not stable: callers that need a
 * total order break ties in cmp.
 */
#ifndef PLUMB_SORT_H
#define PLUMB_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Order a before b: negative, a after b: positive, equal: 0. ctx is the caller's. */
typedef int (*sort_cmp_fn)(const void *a, const void *b, void *ctx);

/* Sort n elements of size bytes each at base, ascending by cmp. Allocates nothing; uses
 * O(1) stack whatever size is (elements are swapped in place). */
void sort_heap(void *base, size_t n, size_t size, sort_cmp_fn cmp, void *ctx);

/* The order one sort of a list found, kept for the next sort of the same list. A
 * collector that lists a directory each scrape gets the same names in the same order
 * (the kernel's, not a sorted one), and sorting them again costs n log n comparisons;
 * put in the kept order and checked, they cost n - 1. Zero-initialise; sort_memo_fini
 * frees. */
struct sort_memo {
	uint32_t *perm;     /* perm[k]: position in the given list of the k-th in order */
	uint32_t n;         /* length of the list perm was made for; 0: nothing kept */
	uint32_t perm_cap;
	unsigned char *tmp; /* room for a list while it is reordered */
	uint32_t tmp_cap;   /* in bytes */
};

/* Sort n elements of size bytes at base as sort_heap does, starting from m's order:
 * when the elements taken in that order are strictly ascending under cmp, that is the
 * order (so cmp must never call two elements of a list equal for the memo to serve);
 * otherwise they are sorted and the order found is kept in m for the next call. The
 * memo's memory grows to the longest list and is kept; without memory the list is
 * sorted all the same and nothing is kept. Returns whether the kept order served. */
bool sort_memo_sort(struct sort_memo *m, void *base, size_t n, size_t size, sort_cmp_fn cmp,
		    void *ctx);

/* Free m's memory and forget its order. Accepts a zeroed memo. */
void sort_memo_fini(struct sort_memo *m);

#endif

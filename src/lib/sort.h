/*
 * sort: one in-place heap sort for the whole of plumb.
 *
 * libc's qsort may allocate (glibc's merge sort does) and is quadratic on hostile input
 * in some libcs; a scrape must allocate nothing and a crafted directory must not cost
 * more than n log n. Every sort in plumb goes through sort_heap(). It is not stable:
 * callers that need a total order break ties in cmp.
 */
#ifndef PLUMB_SORT_H
#define PLUMB_SORT_H

#include <stddef.h>

/* Order a before b: negative, a after b: positive, equal: 0. ctx is the caller's. */
typedef int (*sort_cmp_fn)(const void *a, const void *b, void *ctx);

/* Sort n elements of size bytes each at base, ascending by cmp. Allocates nothing; uses
 * O(1) stack whatever size is (elements are swapped in place). */
void sort_heap(void *base, size_t n, size_t size, sort_cmp_fn cmp, void *ctx);

#endif

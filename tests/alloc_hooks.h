/*
 * alloc_hooks.h: an interposed malloc family for the allocation test tools
 * (alloc_count.c counts allocations, alloc_torture.c fails them one by one).
 *
 * Include it once, in the tool's only source file, after defining three functions:
 *
 *   static bool hook_alloc(void);
 *       called before every allocation (malloc, calloc, realloc, the aligned
 *       allocators); returning false fails that allocation with ENOMEM, as a real
 *       allocator out of memory would.
 *   static void hook_track(void *newp, void *oldp);
 *       called after every successful allocation and every free: newp is the block
 *       handed out (or NULL), oldp the block given back (or NULL; realloc moves both).
 *   static void hook_fresh(void *p, size_t n);
 *       called with each block of n bytes that malloc and the aligned allocators hand
 *       out uninitialised (not calloc's zeroed ones, nor the tail realloc adds), before
 *       the caller sees it: a tool may fill it to expose code that reads it unset.
 *
 * The entry points forward to glibc's __libc_* functions, so they only see the truth
 * in a build without sanitizers (which replace malloc themselves): the Makefile builds
 * these tools without $(SAN), and alloc_hooks_probe() lets a tool check at start
 * that its hooks see the allocations libc makes itself.
 */
#ifndef PLUMB_ALLOC_HOOKS_H
#define PLUMB_ALLOC_HOOKS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool hook_alloc(void);
static void hook_track(void *newp, void *oldp);
static void hook_fresh(void *p, size_t n);

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

/* The allocator's entry points below behave exactly as glibc's (they forward to it),
 * except that hook_alloc may fail an allocation; each reports to the hooks. */
void *malloc(size_t n)
{
	if (!hook_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_malloc(n);
	hook_track(p, NULL);
	if (p)
		hook_fresh(p, n);
	return p;
}

void *calloc(size_t n, size_t size)
{
	if (!hook_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_calloc(n, size);
	hook_track(p, NULL);
	return p;
}

/* A failed realloc leaves p allocated and untouched; realloc(p, 0) frees p. */
void *realloc(void *p, size_t n)
{
	if (!hook_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	void *q = __libc_realloc(p, n);
	if (q || n == 0)
		hook_track(q, p);
	return q;
}

void free(void *p)
{
	if (p)
		hook_track(NULL, p);
	__libc_free(p);
}

/* realloc(p, n * size), or NULL with ENOMEM when that overflows. */
void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

void *memalign(size_t align, size_t n)
{
	if (!hook_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_memalign(align, n);
	hook_track(p, NULL);
	if (p)
		hook_fresh(p, n);
	return p;
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

/* Returns 0 with *out set, EINVAL for a bad alignment, or ENOMEM (not -errno: this
 * is the libc interface). */
int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	return memalign(4096, n);
}

/* The end of both tools' command lines: PHASE [plumb flags...]. */
struct tool_args {
	const char *phase;
	int nflags;
	char **flags; /* argv-style, flags[0] (the phase name) stands in for a program name */
};

/* Take argv[i..argc) as PHASE [plumb flags...] into t. Returns 0, or -EINVAL when
 * there is no PHASE. */
static inline int tool_args_rest(int argc, char **argv, int i, struct tool_args *t)
{
	if (i >= argc)
		return -EINVAL;
	t->phase = argv[i];
	t->flags = &argv[i];
	t->nflags = argc - i;
	return 0;
}

/* Whether an allocation made inside libc (strdup) reaches these hooks: call it with
 * the tool's hooks set to notice one. */
static inline void alloc_hooks_probe(void)
{
	char *(*volatile dup)(const char *) = strdup;
	free(dup("x"));
}

#endif

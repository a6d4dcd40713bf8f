/*
 * alloc_probe.h: count heap allocations in a unit test, for the collectors that promise
 * a steady-state scrape allocates nothing. Including it replaces malloc, calloc and
 * realloc in the test program with wrappers that count each call while the probe is on
 * and forward to glibc's __libc_* functions (glibc routes its own internal allocations,
 * opendir's and fopen's, through them too). Under AddressSanitizer, which owns malloc,
 * the wrappers are compiled out: alloc_probe_ready() then says "not counted" on stdout
 * and returns false, so a sanitizer run reports that it did not check instead of
 * passing on a count of zero that nobody took.
 *
 * Include from one test file per program only (it defines the allocator functions).
 * (tests/alloc_count.c is the end-to-end tool: it counts per collector, across
 * threads, and over the aligned allocators too, and keeps its own allocator.)
 */
#ifndef PLUMB_ALLOC_PROBE_H
#define PLUMB_ALLOC_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_PROBE_ACTIVE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_PROBE_ACTIVE 0
#endif
#endif
#ifndef ALLOC_PROBE_ACTIVE
#define ALLOC_PROBE_ACTIVE 1
#endif

/* volatile: the compiler may assume a call to malloc touches no globals of ours. The
 * count is bumped atomically: collectors may allocate on worker threads. */
static volatile int alloc_probe_on;
static volatile long alloc_probe_calls;

#if ALLOC_PROBE_ACTIVE
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

/* Count one call if the probe is on. */
static inline void alloc_probe_count(void)
{
	if (alloc_probe_on)
		__atomic_add_fetch(&alloc_probe_calls, 1, __ATOMIC_RELAXED);
}

/* glibc's malloc, counted. */
void *malloc(size_t n)
{
	alloc_probe_count();
	return __libc_malloc(n);
}

/* glibc's calloc, counted. */
void *calloc(size_t n, size_t size)
{
	alloc_probe_count();
	return __libc_calloc(n, size);
}

/* glibc's realloc, counted. */
void *realloc(void *p, size_t n)
{
	alloc_probe_count();
	return __libc_realloc(p, n);
}
#endif

/* Whether this build counts allocations. When it does not, prints
 * "<program>: allocations not counted (AddressSanitizer owns malloc)" to stdout and
 * returns false: the caller skips its counting checks. */
static inline bool alloc_probe_ready(void)
{
	if (ALLOC_PROBE_ACTIVE)
		return true;
	printf("%s: allocations not counted (AddressSanitizer owns malloc)\n",
	       program_invocation_short_name);
	return false;
}

/* Start counting from zero. */
static inline void alloc_probe_start(void)
{
	alloc_probe_calls = 0;
	alloc_probe_on = 1;
}

/* Stop counting; returns the calls counted since alloc_probe_start(). */
static inline long alloc_probe_stop(void)
{
	alloc_probe_on = 0;
	return alloc_probe_calls;
}

/* Whether the wrappers see an allocation made on purpose: false means the count
 * cannot be trusted (malloc was not interposed). Only meaningful when
 * alloc_probe_ready(). */
static inline bool alloc_probe_works(void)
{
	void *volatile p;
	alloc_probe_start();
	p = malloc(16);
	long n = alloc_probe_stop();
	free(p);
	return n == 1;
}

/* Parse flags (NULL-terminated, without argv[0]) as harness_run does, start the
 * agent, scrape `warm` times, then return how many allocations one more scrape made;
 * -1 if the flags or start-up failed. */
static inline long alloc_probe_scrape(const char *const *flags, int warm)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = "plumb";
	for (size_t i = 0; flags[i] && argc < 63; i++)
		argv[argc++] = (char *)flags[i];
	argv[argc] = NULL;
	struct plumb_config *cfg;
	struct agent a;
	struct metric_sink s;
	long n = -1;
	log_setup("error", "logfmt");
	if (cfg_parse(argc, argv, &cfg) != 0)
		return -1;
	sink_init(&s);
	if (agent_init(&a, cfg) == 0) {
		for (int i = 0; i < warm; i++)
			agent_collect(&a, &s);
		alloc_probe_start();
		agent_collect(&a, &s);
		n = alloc_probe_stop();
		agent_fini(&a);
	}
	sink_fini(&s);
	cfg_free(cfg);
	return n;
}

/* alloc_probe_scrape(flags, 2) with flags the fixture host's --path.* flags and
 * --collector.disable-defaults followed by extra (NULL-terminated): name the
 * collectors in extra, as for harness_run_fixture. */
static inline long alloc_probe_fixture(const char *const *extra)
{
	const char *flags[64];
	fixture_flags(extra, flags, 64);
	return alloc_probe_scrape(flags, 2);
}

#endif

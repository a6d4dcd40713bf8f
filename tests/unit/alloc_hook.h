/*
 * alloc_hook.h: count heap allocations made during one scrape, for the "steady state
 * allocates nothing" tests. Including it replaces malloc/calloc/realloc in the test
 * program with counting wrappers around glibc's own. Under AddressSanitizer, which
 * owns malloc, counting is off and alloc_hook_active() is false.
 *
 * Include from one test file only (it defines the allocator functions).
 */
#ifndef PLUMB_ALLOC_HOOK_H
#define PLUMB_ALLOC_HOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/agent.h"
#include "core/config.h"
#include "expo/sink.h"

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_HOOK_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_HOOK_OFF 1
#endif
#endif

static unsigned long alloc_hook_calls;

#ifndef ALLOC_HOOK_OFF
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
void *malloc(size_t n)
{
	alloc_hook_calls++;
	return __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
	alloc_hook_calls++;
	return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
	alloc_hook_calls++;
	return __libc_realloc(p, n);
}
#endif

static inline bool alloc_hook_active(void)
{
#ifdef ALLOC_HOOK_OFF
	return false;
#else
	return true;
#endif
}

/* Parse flags (NULL-terminated, without argv[0]), start the agent, scrape `warm`
 * times, then return how many allocations one more scrape made (-1 on set-up error). */
static inline long alloc_hook_scrape(const char *const *flags, int warm)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = "plumb";
	for (size_t i = 0; flags[i] && argc < 63; i++)
		argv[argc++] = (char *)flags[i];
	argv[argc] = NULL;
	struct plumb_config *cfg;
	if (cfg_parse(argc, argv, &cfg) != 0)
		return -1;
	struct agent a;
	struct metric_sink s;
	long n = -1;
	sink_init(&s);
	if (agent_init(&a, cfg) == 0) {
		for (int i = 0; i < warm; i++)
			agent_collect(&a, &s);
		unsigned long before = alloc_hook_calls;
		agent_collect(&a, &s);
		n = (long)(alloc_hook_calls - before);
		agent_fini(&a);
	}
	sink_fini(&s);
	cfg_free(cfg);
	return n;
}

#endif

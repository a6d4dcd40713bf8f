/*
 * sys_testutil.h: helpers for the tests of the system collectors (meminfo, vmstat,
 * filefd, entropy, pressure, os, time, uname, timex).
 *
 * steady_allocs() counts heap allocations made by a steady-state scrape, for
 * collectors that promise to allocate nothing once warmed up.
 * The test binary interposes malloc, calloc and realloc (glibc routes its own internal
 * calls, such as opendir's and fopen's, through them too) and counts calls while
 * counting is on. Under AddressSanitizer, which owns malloc, the probe is compiled out
 * and steady_allocs() returns 0.
 */
#ifndef PLUMB_SYS_TESTUTIL_H
#define PLUMB_SYS_TESTUTIL_H

#include <stddef.h>
#include <sys/stat.h>

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

static volatile int probe_on; /* volatile: the compiler assumes malloc touches no globals */
static volatile long probe_count;

#if ALLOC_PROBE_ACTIVE
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

void *malloc(size_t n)
{
	probe_count += probe_on;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	probe_count += probe_on;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	probe_count += probe_on;
	return __libc_realloc(p, n);
}
#endif

/* Whether the probe sees an allocation made on purpose (always true when compiled out). */
static inline int probe_works(void)
{
	if (!ALLOC_PROBE_ACTIVE)
		return 1;
	void *volatile p;
	probe_count = 0;
	probe_on = 1;
	p = malloc(16);
	probe_on = 0;
	free(p);
	return probe_count == 1;
}

/* Start the collectors named by flags (as for harness_run), scrape three times, and
 * return how many allocations the third scrape made (-1 if start-up failed). */
static inline long steady_allocs(const char *const *flags)
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
		agent_collect(&a, &s);
		agent_collect(&a, &s);
		probe_count = 0;
		probe_on = 1;
		agent_collect(&a, &s);
		probe_on = 0;
		n = probe_count;
		agent_fini(&a);
	}
	sink_fini(&s);
	cfg_free(cfg);
	return n;
}

/* The --path.* flags of the fixture host, for steady_allocs. Returns a static array
 * (valid until the next call) of four flags. */
static inline const char *const *fixture_path_flags(void)
{
	static char paths[4][PATH_MAX + 32];
	static const char *flags[5];
	const char *root = fixture_root();
	snprintf(paths[0], sizeof(paths[0]), "--path.procfs=%.4000s/proc", root);
	snprintf(paths[1], sizeof(paths[1]), "--path.sysfs=%.4000s/sys", root);
	snprintf(paths[2], sizeof(paths[2]), "--path.rootfs=%.4000s", root);
	snprintf(paths[3], sizeof(paths[3]), "--path.udev.data=%.4000s/udev/data", root);
	for (int i = 0; i < 4; i++)
		flags[i] = paths[i];
	flags[4] = NULL;
	return flags;
}

/* A scratch directory tree under /tmp for hostile and missing-file cases. */
struct tmptree {
	char root[64];
};

/* Make a fresh empty tree. Returns 0 or -1. */
static inline int tmptree_make(struct tmptree *t)
{
	snprintf(t->root, sizeof(t->root), "/tmp/plumb-sys-XXXXXX");
	return mkdtemp(t->root) ? 0 : -1;
}

/* Write text to root/rel, creating the directories on the way. Returns 0 or -1. */
static inline int tmptree_put(struct tmptree *t, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (char *s = path + strlen(t->root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Remove the tree. */
static inline void tmptree_rm(struct tmptree *t)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->root);
}

/* Run the collectors in extra (NULL-terminated) once with --path.procfs, --path.sysfs
 * and --path.rootfs pointing into the tree (proc/, sys/ and the root itself). */
static inline int tmptree_run(struct tmptree *t, const char *const *extra, struct buf *out)
{
	char p[3][128];
	snprintf(p[0], sizeof(p[0]), "--path.procfs=%s/proc", t->root);
	snprintf(p[1], sizeof(p[1]), "--path.sysfs=%s/sys", t->root);
	snprintf(p[2], sizeof(p[2]), "--path.rootfs=%s", t->root);
	const char *flags[32] = { p[0], p[1], p[2], "--collector.disable-defaults" };
	size_t n = 4;
	for (size_t i = 0; extra[i] && n < 31; i++)
		flags[n++] = extra[i];
	flags[n] = NULL;
	return harness_run(flags, out);
}

#endif

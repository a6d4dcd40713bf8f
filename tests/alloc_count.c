/*
 * alloc_count: proves that a scrape allocates nothing on the heap in steady state.
 *
 *   alloc_count [--warmup N] [--collections N] [--retry] [--inject] PHASE [plumb flags...]
 *
 * Loads a config from the plumb flags (as the binary would), starts the enabled
 * collectors and plumb's own process metrics (core/selfmetrics.h, counted as "core"),
 * then drives the scrape path in-process through scraper_open_view(): each
 * collection is rendered in turn as text, OpenMetrics, gzipped text and gzipped
 * OpenMetrics, whole and then streamed. After --warmup collections (default 32) it counts every call to
 * malloc, calloc, realloc, reallocarray and the aligned allocators over --collections
 * more (default 100), and attributes each to the collector whose collect() was running
 * (by wrapping each collector's ops), or to "core" (sink, rendering, gzip). It prints
 * one line per finding and exits 0 when the steady state allocated nothing, 1 when it
 * did, 2 on a setup error. With --retry, a window that allocated is followed by one
 * more and only that one decides: on a live machine a buffer may legitimately grow
 * once when the host changes (a new process, a new mount), but an allocation that
 * recurs is a defect either way. --inject makes the first collector allocate (and free)
 * once per collect(), to show that the tool catches and attributes it.
 *
 * The counting allocator (alloc_hooks.h) forwards to glibc's, so it only sees the
 * truth in a build without sanitizers (which replace malloc themselves); the Makefile
 * builds this tool without $(SAN), and the program checks at start that its hooks
 * see the allocations of libc itself (strdup), else it refuses to report.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/scrape.h"
#include "core/selfmetrics.h"
#include "lib/log.h"

/* --- the counting allocator ----------------------------------------------------- */

#define MAX_SLOTS 256 /* collectors, plus slot 0 for the core */

static atomic_bool counting;
static atomic_int current_slot;  /* 0: core; i+1: collector i of the agent */
static atomic_ulong counts[MAX_SLOTS];

/* Count one allocation against the current slot if counting is on; never fails it. */
static bool hook_alloc(void)
{
	if (atomic_load_explicit(&counting, memory_order_relaxed))
		atomic_fetch_add_explicit(&counts[atomic_load(&current_slot)], 1,
					  memory_order_relaxed);
	return true;
}

/* Frees are not counted. */
static void hook_track(void *newp, void *oldp)
{
	(void)newp;
	(void)oldp;
}

/* Fresh blocks are left as libc hands them out. */
static void hook_fresh(void *p, size_t n)
{
	(void)p;
	(void)n;
}

#include "alloc_hooks.h"

/* --- attributing allocations to collectors --------------------------------------- */

static struct agent *hooked_agent;
static bool inject; /* --inject: collector 0 allocates in every collect() */
static struct collector_ops wrapped_ops[MAX_SLOTS];
static const struct collector_ops *real_ops[MAX_SLOTS];

/* collect() of every collector after hook_collectors(): runs the real one with the
 * collector's slot current, so its allocations are charged to it. Same contract as
 * collector_ops.collect. */
static int counted_collect(struct collector *c, struct metric_sink *out)
{
	size_t i = (size_t)(c - hooked_agent->collectors);
	atomic_store(&current_slot, (int)i + 1);
	if (inject && i == 0) {
		char *volatile p = malloc(64);
		free(p);
	}
	int r = real_ops[i]->collect(c, out);
	atomic_store(&current_slot, 0);
	return r;
}

/* Point each of a's collectors at a copy of its ops whose collect is counted_collect.
 * Returns 0, or -E2BIG when there are more collectors than slots. */
static int hook_collectors(struct agent *a)
{
	if (a->n >= MAX_SLOTS)
		return -E2BIG;
	hooked_agent = a;
	for (size_t i = 0; i < a->n; i++) {
		real_ops[i] = a->collectors[i].ops;
		wrapped_ops[i] = *real_ops[i];
		wrapped_ops[i].collect = counted_collect;
		a->collectors[i].ops = &wrapped_ops[i];
	}
	return 0;
}

/* Give every collector its real ops back (before agent_fini); nothing if a was never
 * hooked. */
static void unhook_collectors(struct agent *a)
{
	if (hooked_agent != a)
		return;
	for (size_t i = 0; i < a->n; i++)
		a->collectors[i].ops = real_ops[i];
}

/* --- driving scrapes ---------------------------------------------------------------- */

struct opts {
	long warmup, collections;
	bool retry;
	struct tool_args t;
};

/* Read stream st to its end (into a static scratch area: the tool must not allocate
 * itself) and close it. *len gets the body's length. Returns 0 or -errno. */
static int drain(struct scrape_stream *st, size_t *len)
{
	static char piece[16384];
	size_t got;
	int r;
	*len = 0;
	do {
		r = scrape_stream_read(st, piece, sizeof(piece), &got);
		*len += got;
	} while (r == 0 && got);
	scrape_stream_close(st);
	return r;
}

/* Run n collections through the scrape path, cycling through both formats with and
 * without gzip, each whole and streamed (stream_series 0 streams every collection),
 * releasing each snapshot or stream at once. Returns 0 or -errno. */
static int scrape_n(struct scraper *s, long n)
{
	for (long i = 0; i < n; i++) {
		struct snapshot *snap;
		struct scrape_stream *st;
		const char *body;
		size_t len;
		s->stream_series = (i >> 2) & 1 ? 0 : SCRAPE_STREAM_SERIES;
		int r = scraper_open_view(s, VIEW_METRICS, (enum expo_format)(i & 1), (i >> 1) & 1,
					  &snap, &body, &len, &st);
		if (r < 0)
			return r;
		if (st)
			r = drain(st, &len);
		else
			scraper_put_view(s, snap);
		if (r < 0)
			return r;
		if (len == 0)
			return -ENODATA;
	}
	return 0;
}

/* Allocations counted in every slot since the counters were last zeroed. */
static unsigned long total_counts(void)
{
	unsigned long t = 0;
	for (int i = 0; i < MAX_SLOTS; i++)
		t += atomic_load(&counts[i]);
	return t;
}

/* Count allocations over n collections; print the total and the slots that
 * allocated. Returns the total, or -errno from the scrape path. */
static long measure(const char *phase, const char *what, struct agent *a, struct scraper *s,
		    long n)
{
	for (int i = 0; i < MAX_SLOTS; i++)
		atomic_store(&counts[i], 0);
	atomic_store(&counting, true);
	int r = scrape_n(s, n);
	atomic_store(&counting, false);
	if (r < 0)
		return r;
	unsigned long total = total_counts();
	printf("%s: %s, %ld collections: %lu allocations\n", phase, what, n, total);
	for (size_t i = 0; i <= a->n; i++) {
		unsigned long k = atomic_load(&counts[i]);
		if (k)
			printf("%s:   %s: %lu allocations (%.2f per collection)\n", phase,
			       i ? real_ops[i - 1]->name : "core (sink, render, gzip)", k,
			       (double)k / (double)n);
	}
	return (long)total;
}

/* Check that the hooks see allocations made inside libc. Returns 0 or -ENOSYS. */
static int self_check(void)
{
	atomic_store(&counting, true);
	alloc_hooks_probe();
	atomic_store(&counting, false);
	unsigned long seen = atomic_load(&counts[0]);
	atomic_store(&counts[0], 0);
	return seen == 1 ? 0 : -ENOSYS;
}

/* Parse the command line into o. Returns 0 or -EINVAL (usage printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .warmup = 32, .collections = 100 };
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		char *end = NULL;
		if (strcmp(argv[i], "--retry") == 0) {
			o->retry = true;
		} else if (strcmp(argv[i], "--inject") == 0) {
			inject = true;
		} else if (i + 1 < argc && strcmp(argv[i], "--warmup") == 0) {
			o->warmup = strtol(argv[++i], &end, 10);
		} else if (i + 1 < argc && strcmp(argv[i], "--collections") == 0) {
			o->collections = strtol(argv[++i], &end, 10);
		} else {
			break;
		}
		if (end && (*end || o->warmup < 0 || o->collections <= 0))
			goto out_usage;
	}
	if (tool_args_rest(argc, argv, i, &o->t) < 0)
		goto out_usage;
	return 0;
out_usage:
	fprintf(stderr, "usage: alloc_count [--warmup N] [--collections N] [--retry] [--inject] "
			"PHASE [plumb flags...]\n");
	return -EINVAL;
}

/* Exit status: 0 when the steady state allocated nothing, 1 when it did, 2 on a usage
 * or setup error (see the top of the file). */
int main(int argc, char **argv)
{
	struct opts o;
	struct plumb_config *cfg = NULL;
	struct agent a = { 0 };
	struct scraper s;
	struct selfmetrics *self = NULL;
	int status = 2;
	long got;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (self_check() < 0) {
		fprintf(stderr, "alloc_count: malloc is not interposed (a sanitizer build?); "
				"cannot count allocations\n");
		return 2;
	}
	if (cfg_parse(o.t.nflags, o.t.flags, &cfg) != 0)
		return 2;
	if (log_setup(cfg_str(cfg, "log.level"), cfg_str(cfg, "log.format")) < 0)
		goto out_cfg;
	if (agent_init(&a, cfg) < 0 || hook_collectors(&a) < 0 ||
	    selfmetrics_new(cfg, "/proc/self", &self) < 0 ||
	    agent_add_source(&a, &(struct agent_source){ "self", selfmetrics_collect, self }) < 0)
		goto out_agent;
	printf("%s: %zu collectors:", o.t.phase, a.n);
	for (size_t i = 0; i < a.n; i++)
		printf(" %s", real_ops[i]->name);
	printf("\n");
	scraper_init(&s, &a);
	if ((got = measure(o.t.phase, "warm-up", &a, &s, o.warmup)) < 0)
		goto out_scrape_error;
	if (o.warmup && got == 0) {
		fprintf(stderr, "%s: warm-up allocated nothing: the counter is not counting\n",
			o.t.phase);
		goto out_scraper;
	}
	if ((got = measure(o.t.phase, "steady state", &a, &s, o.collections)) < 0)
		goto out_scrape_error;
	if (got > 0 && o.retry) {
		printf("%s: retrying once: a live host may have grown a buffer\n", o.t.phase);
		if ((got = measure(o.t.phase, "steady state, again", &a, &s, o.collections)) < 0)
			goto out_scrape_error;
	}
	status = got > 0 ? 1 : 0;
	printf("%s: %s\n", o.t.phase,
	       status ? "FAIL: the steady state allocates" : "ok: no allocations in steady state");
	goto out_scraper;
out_scrape_error:
	fprintf(stderr, "%s: scrape failed: %s\n", o.t.phase, strerror((int)-got));
out_scraper:
	scraper_fini(&s);
out_agent:
	unhook_collectors(&a);
	agent_fini(&a);
	selfmetrics_free(self);
out_cfg:
	cfg_free(cfg);
	return status;
}

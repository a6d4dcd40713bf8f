/*
 * alloc_torture: fails every allocation a scrape makes, one at a time, and checks that
 * plumb survives each failure without crashing or leaking.
 *
 *   alloc_torture [--from N] [--max N] [--startup] [--stream] [--inject leak|crash|close]
 *                 PHASE [flags...]
 *
 * A "scrape" here is the first, cold one of a fresh agent, which allocates (in steady
 * state nothing does, see alloc_count.c): one scraper_open_view() for each view
 * (/metrics, /metrics/resource), format (text, OpenMetrics) and encoding (plain,
 * gzip), eight collections and renderings in all, driven in-process as the HTTP server
 * drives them. For N = 1, 2, ... the tool forks a child that loads the config, starts
 * the enabled collectors with allocations working, then makes allocation number N of
 * that scrape fail with ENOMEM (the others succeed, as in curl's torture tests). The
 * child checks that
 *   - each request of the failing scrape returns -errno or a well-formed body (every
 *     line ends in a newline, OpenMetrics ends in "# EOF", gzip has its magic): a
 *     partial result is fine, a broken one is not;
 *   - the next scrape, allocations working again, serves all eight requests;
 *   - after scraper_fini() and agent_fini() no block allocated since the agent started
 *     is still live (the hooks track every block; the leaked ones are printed with the
 *     stack that allocated them);
 *   - no descriptor that plumb never opened was closed. Every block malloc hands out
 *     uninitialised comes filled with the number STRAY_FD in each int, and the tool
 *     holds that descriptor open: cleanup code that closes the slots of a descriptor
 *     array it had not yet marked closed (-1) when a later allocation failed closes
 *     STRAY_FD, which the check after fini finds gone. In a real process such a close
 *     hits whatever another part of plumb holds under that number.
 * A crash (a signal) is caught by the parent. The run ends at the first N that the
 * failing scrape never reached, so N-1 is the number of allocations in a cold scrape.
 * One line per finding and a summary; exit 0 when nothing was found, 1 otherwise, 2
 * on a usage or setup error.
 *
 * With --startup the count starts at agent_init() instead, so the collectors' start-up
 * is tortured too: a collector whose init fails is left out (logged), agent_init()
 * itself may fail with -ENOMEM (plumb then exits with an error), and in every case
 * nothing may leak. With --stream every request is served as a stream (scrape.h: the
 * way large collections are sent), read to its end or to its error; a stream that
 * fails midway is a cut-off body, which is fine, but it must be given back and leak
 * nothing. --inject makes every child whose failure was reached leak a block, crash,
 * or close a descriptor read from fresh malloc'd memory, to show that the tool notices
 * each.
 *
 * The parent runs one clean cycle first, so that libc's lazily made, never freed state
 * (time zone data, the thread-stack cache's TLS blocks) exists before any child tracks
 * blocks; those few are printed with ALLOC_TORTURE_SHOW_KEPT=1.
 *
 * Like alloc_count, it needs malloc un-interposed by sanitizers (alloc_hooks.h).
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/scrape.h"
#include "lib/log.h"

/* --- the failing, tracking allocator ------------------------------------------------ */

#define TRACK_SLOTS (1u << 20) /* open addressing; a cold scrape makes far fewer blocks */
#define TRACK_FRAMES 6
#define TOMBSTONE ((uintptr_t)1)

struct tracked {
	uintptr_t p; /* 0: empty, TOMBSTONE: freed */
	void *stack[TRACK_FRAMES];
	int depth;
};

static atomic_bool armed;      /* count allocations and fail number fail_at */
static atomic_long seq;        /* allocations counted while armed */
static long fail_at;
static atomic_bool failed_one; /* allocation fail_at was reached and failed */
static atomic_bool tracking;   /* record live blocks in table */
static struct tracked *table;  /* TRACK_SLOTS entries, mmap'd by libc before tracking */
static long live;              /* blocks in table; guarded by track_mu */
static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static __thread bool in_hook;  /* backtrace() may allocate: do not track that */
static const char *inject;     /* --inject: "leak", "crash" or "close" once the failure fired */
static bool startup;           /* --startup: count from agent_init on, not the scrape */
static bool streamed;          /* --stream: serve every request as a stream */

/* Count one allocation while armed and fail the fail_at-th. */
static bool hook_alloc(void)
{
	if (!atomic_load_explicit(&armed, memory_order_relaxed) || in_hook)
		return true;
	if (atomic_fetch_add(&seq, 1) + 1 != fail_at)
		return true;
	atomic_store(&failed_one, true);
	return false;
}

/* Slot of p in table (hash of the address), or of the first free slot for it. */
static struct tracked *slot_of(uintptr_t p, bool for_insert)
{
	size_t i = (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull) & (TRACK_SLOTS - 1);
	for (size_t probes = 0; probes < TRACK_SLOTS; probes++, i = (i + 1) & (TRACK_SLOTS - 1)) {
		struct tracked *t = &table[i];
		if (t->p == p || t->p == 0 || (for_insert && t->p == TOMBSTONE))
			return (t->p == p || for_insert) ? t : NULL;
	}
	return NULL;
}

/* Record newp as live and oldp as gone while tracking is on. */
static void hook_track(void *newp, void *oldp)
{
	if (!atomic_load_explicit(&tracking, memory_order_relaxed) || in_hook)
		return;
	in_hook = true;
	pthread_mutex_lock(&track_mu);
	struct tracked *t;
	if (oldp && (t = slot_of((uintptr_t)oldp, false))) {
		t->p = TOMBSTONE;
		live--;
	}
	if (newp) {
		if (!(t = slot_of((uintptr_t)newp, true))) {
			static const char full[] = "alloc_torture: tracking table full\n";
			if (write(2, full, sizeof(full) - 1) < 0)
				abort();
			abort();
		}
		t->p = (uintptr_t)newp;
		t->depth = backtrace(t->stack, TRACK_FRAMES);
		live++;
	}
	pthread_mutex_unlock(&track_mu);
	in_hook = false;
}

/* The descriptor fresh memory names, held open by the tool: above what a fixture
 * scrape opens, below the usual limit of 1024. */
#define STRAY_FD 999

/* Fill each int of a fresh block with STRAY_FD while tracking (the bytes of a size
 * that is not a multiple of an int are left as they are). */
static void hook_fresh(void *p, size_t n)
{
	if (!atomic_load_explicit(&tracking, memory_order_relaxed) || in_hook)
		return;
	const int fd = STRAY_FD;
	for (size_t off = 0; off + sizeof(fd) <= n; off += sizeof(fd))
		memcpy((char *)p + off, &fd, sizeof(fd));
}

#include "alloc_hooks.h"

static long live_blocks(void)
{
	pthread_mutex_lock(&track_mu);
	long n = live;
	pthread_mutex_unlock(&track_mu);
	return n;
}

/* Print up to max of the live blocks with the stacks that allocated them. */
static void print_live(const char *phase, long n, int max)
{
	int shown = 0;
	pthread_mutex_lock(&track_mu);
	atomic_store(&tracking, false);
	for (size_t i = 0; i < TRACK_SLOTS && shown < max; i++) {
		struct tracked *t = &table[i];
		if (t->p <= TOMBSTONE)
			continue;
		printf("%s: N=%ld:   leaked block %#lx, allocated at:\n", phase, n,
		       (unsigned long)t->p);
		fflush(stdout);
		backtrace_symbols_fd(t->stack, t->depth, 1);
		shown++;
	}
	pthread_mutex_unlock(&track_mu);
}

/* --- the scrape --------------------------------------------------------------------- */

enum { CHILD_OK = 0, CHILD_NOT_REACHED = 10, CHILD_BAD_BODY = 11, CHILD_NO_RECOVERY = 12,
       CHILD_LEAK = 13, CHILD_SETUP = 14, CHILD_STRAY_CLOSE = 15 };

/* Whether body[0..len) is well-formed as far as a client can tell without parsing it:
 * gzip starts with its magic; text is lines ending in \n without NUL (none at all for a
 * view with no families), and OpenMetrics ends in "# EOF". */
static bool body_ok(enum expo_format fmt, bool gzip, const char *body, size_t len)
{
	if (gzip)
		return len >= 18 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b;
	if (len == 0)
		return fmt == EXPO_TEXT;
	if (body[len - 1] != '\n' || memchr(body, '\0', len))
		return false;
	return fmt != EXPO_OPENMETRICS || (len >= 6 && !memcmp(body + len - 6, "# EOF\n", 6));
}

/* Read stream st to its end into a static area (the tool must not allocate itself),
 * then close it; *body and *len get what was read. Returns 0 or the stream's -errno. */
static int drain(struct scrape_stream *st, const char **body, size_t *len)
{
	static char all[8 << 20];
	size_t got = 0;
	int r;
	*len = 0;
	do {
		r = scrape_stream_read(st, all + *len, sizeof(all) - *len, &got);
		*len += got;
	} while (r == 0 && got && *len < sizeof(all));
	scrape_stream_close(st);
	*body = all;
	return r == 0 && *len == sizeof(all) ? -E2BIG : r;
}

/* One scrape: every view, format and encoding in turn. With strict, every request
 * must succeed; otherwise a request may fail, but what it serves must be well-formed.
 * Returns 0, or CHILD_BAD_BODY / CHILD_NO_RECOVERY with a line printed. */
static int scrape_all(const char *phase, long n, struct scraper *s, bool strict)
{
	for (int v = 0; v < VIEW_COUNT; v++)
		for (int f = 0; f < 2; f++)
			for (int g = 0; g < 2; g++) {
				struct snapshot *snap;
				struct scrape_stream *stream;
				const char *body;
				size_t len;
				int r = scraper_open_view(s, (enum metric_view)v, (enum expo_format)f,
							  g, &snap, &body, &len, &stream);
				if (r == 0 && stream)
					r = drain(stream, &body, &len);
				if (r < 0 && !strict)
					continue;
				if (r < 0) {
					printf("%s: N=%ld: the scrape after the failure failed "
					       "(view %d, format %d, gzip %d): %s\n",
					       phase, n, v, f, g, strerror(-r));
					return CHILD_NO_RECOVERY;
				}
				bool ok = body_ok((enum expo_format)f, g, body, len);
				if (snap)
					scraper_put_view(s, snap);
				if (!ok) {
					printf("%s: N=%ld: malformed body (view %d, format %d, gzip %d, "
					       "%zu bytes)\n", phase, n, v, f, g, len);
					return CHILD_BAD_BODY;
				}
			}
	return 0;
}

/* Live blocks once the deadline pool's detached workers (which free their pool as the
 * last one leaves) have had up to two seconds to finish. */
static long settled_live_blocks(void)
{
	long left = live_blocks();
	for (int i = 0; i < 200 && left > 0; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 10L * 1000 * 1000 }, NULL);
		left = live_blocks();
	}
	return left;
}

/* A fresh agent whose first scrape fails allocation n (0: none fails), then a scrape
 * that must work, then fini and (with check_leaks) the leak check. Returns a CHILD_*
 * status. */
static int cycle(const char *phase, long n, const struct plumb_config *cfg, bool check_leaks)
{
	struct agent a;
	struct scraper s;
	int st = CHILD_SETUP;
	atomic_store(&tracking, true);
	fail_at = n;
	atomic_store(&seq, 0);
	atomic_store(&failed_one, false);
	atomic_store(&armed, startup);
	int r = agent_init(&a, cfg);
	if (r < 0) {
		atomic_store(&armed, false);
		if (r != -ENOMEM || !startup || !atomic_load(&failed_one))
			goto out_tracking;
		st = 0; /* plumb stops with an error here: only a leak would be wrong */
		goto out_check;
	}
	scraper_init(&s, &a);
	if (streamed)
		s.stream_series = 0;
	atomic_store(&armed, true);
	st = scrape_all(phase, n, &s, false);
	atomic_store(&armed, false);
	if (inject && atomic_load(&failed_one)) {
		if (!strcmp(inject, "crash"))
			raise(SIGSEGV);
		if (!strcmp(inject, "close")) {
			int *volatile fds = malloc(2 * sizeof(*fds));
			if (fds)
				close(fds[0]); /* never set: the bug the check is for */
			free(fds);
		} else {
			void *volatile lost = malloc(16);
			(void)lost;
		}
	}
	if (st == 0 && n > 0 && !atomic_load(&failed_one))
		st = CHILD_NOT_REACHED;
	if (st == 0)
		st = scrape_all(phase, n, &s, true);
	scraper_fini(&s);
	agent_fini(&a);
out_check:
	if (fcntl(STRAY_FD, F_GETFD) < 0 && st == 0) {
		printf("%s: N=%ld: descriptor %d, which plumb never opened, was closed: something "
		       "closed a descriptor it read from memory it had not set\n", phase, n, STRAY_FD);
		st = CHILD_STRAY_CLOSE;
	}
	long left = settled_live_blocks();
	if (left > 0 && st == 0 && check_leaks) {
		printf("%s: N=%ld: %ld blocks leaked\n", phase, n, left);
		print_live(phase, n, 5);
		st = CHILD_LEAK;
	}
out_tracking:
	atomic_store(&tracking, false);
	return st;
}

/* --- the driver --------------------------------------------------------------------- */

struct opts {
	long from, max;
	struct tool_args t;
};

/* Parse the command line into o. Returns 0 or -EINVAL (usage printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .from = 1, .max = 1000000 };
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		char *end;
		if (!strcmp(argv[i], "--startup") || !strcmp(argv[i], "--stream")) {
			*(!strcmp(argv[i], "--startup") ? &startup : &streamed) = true;
			i--; /* takes no value */
			continue;
		}
		if (!strcmp(argv[i], "--inject")) {
			inject = argv[i + 1];
			if (strcmp(inject, "leak") && strcmp(inject, "crash") && strcmp(inject, "close"))
				goto out_usage;
			continue;
		}
		long *dst = !strcmp(argv[i], "--from") ? &o->from : !strcmp(argv[i], "--max") ? &o->max
											: NULL;
		if (!dst)
			break;
		*dst = strtol(argv[i + 1], &end, 10);
		if (*end || *dst < 1)
			goto out_usage;
	}
	if (tool_args_rest(argc, argv, i, &o->t) < 0)
		goto out_usage;
	return 0;
out_usage:
	fprintf(stderr, "usage: alloc_torture [--from N] [--max N] [--startup] [--stream] [--inject leak|crash|close] "
			"PHASE [plumb flags...]\n");
	return -EINVAL;
}

/* Run cycle(n) in a child. Returns its CHILD_* status, or -signal when it crashed. */
static int run_child(const char *phase, long n, const struct plumb_config *cfg)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return CHILD_SETUP;
	if (pid == 0) {
		int st = cycle(phase, n, cfg, true);
		fflush(stdout);
		_exit(st);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return CHILD_SETUP;
	if (WIFSIGNALED(ws))
		return -WTERMSIG(ws);
	return WEXITSTATUS(ws);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exit status: see the top of the file. */
int main(int argc, char **argv)
{
	struct opts o;
	struct plumb_config *cfg = NULL;
	long crashes = 0, bad = 0, stuck = 0, leaks = 0, strays = 0, n;
	int status = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	/* with TZ unset, glibc's tzset() frees and strdups its copy of the zone name on
	 * every call (localtime), which would show as a block allocated during the cycle and
	 * kept; naming the default zone explicitly keeps that copy stable */
	setenv("TZ", ":/etc/localtime", 0);
	/* and load the zone now: plog's timestamps would do it on the first log line, which
	 * a clean cycle may never write but a failing child will */
	time_t epoch = 0;
	struct tm tm;
	localtime_r(&epoch, &tm);
	gmtime_r(&epoch, &tm);
	void *prime[1];
	backtrace(prime, 1); /* loads libgcc's unwinder now, not inside the hooks */
	table = calloc(TRACK_SLOTS, sizeof(*table));
	atomic_store(&armed, true);
	fail_at = 1;
	void *probe = malloc(1);
	atomic_store(&armed, false);
	if (probe || !table) {
		fprintf(stderr, "alloc_torture: malloc is not interposed (a sanitizer build?); "
				"cannot fail allocations\n");
		free(probe);
		goto out;
	}
	/* the descriptor that fresh memory names (hook_fresh), held for every cycle to check */
	int canary = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (canary < 0 || dup3(canary, STRAY_FD, O_CLOEXEC) != STRAY_FD) {
		fprintf(stderr, "alloc_torture: cannot hold descriptor %d: %s\n", STRAY_FD,
			strerror(errno));
		goto out;
	}
	close(canary);
	if (cfg_parse(o.t.nflags, o.t.flags, &cfg) != 0)
		goto out;
	if (log_setup(cfg_str(cfg, "log.level"), cfg_str(cfg, "log.format")) < 0)
		goto out_cfg;
	/* one clean cycle in this process, so that libc's lazy, kept-forever state (time
	 * zone, locale, the unwinder) exists before any child starts tracking */
	if (cycle(o.t.phase, 0, cfg, false) != CHILD_OK) {
		fprintf(stderr, "%s: a scrape without failures did not work\n", o.t.phase);
		goto out_cfg;
	}
	printf("%s: %ld blocks kept by libc after a clean cycle (not counted as leaks)\n",
	       o.t.phase, settled_live_blocks());
	if (getenv("ALLOC_TORTURE_SHOW_KEPT"))
		print_live(o.t.phase, 0, 20);
	memset(table, 0, TRACK_SLOTS * sizeof(*table));
	live = 0;
	double t0 = now();
	for (n = o.from; n <= o.max; n++) {
		int st = run_child(o.t.phase, n, cfg);
		if (st == CHILD_NOT_REACHED)
			break;
		if (st < 0) {
			printf("%s: N=%ld: CRASH (signal %d)\n", o.t.phase, n, -st);
			crashes++;
		} else if (st == CHILD_BAD_BODY) {
			bad++;
		} else if (st == CHILD_NO_RECOVERY) {
			stuck++;
		} else if (st == CHILD_LEAK) {
			leaks++;
		} else if (st == CHILD_STRAY_CLOSE) {
			strays++;
		} else if (st != CHILD_OK) {
			printf("%s: N=%ld: setup failed (status %d)\n", o.t.phase, n, st);
			goto out_cfg;
		}
		if (n % 500 == 0)
			printf("%s: ... N=%ld, %.0f s\n", o.t.phase, n, now() - t0);
	}
	long found = crashes + bad + stuck + leaks + strays;
	printf("%s: %ld allocations %s (8 requests), each failed in turn in "
	       "%.1f s: %ld crashes, %ld malformed bodies, %ld failed recoveries, %ld leaks, "
	       "%ld stray closes\n",
	       o.t.phase, n - 1,
	       n > o.max ? "(stopped at --max)" : startup ? "in start-up and a cold scrape" : "in a cold scrape",
	       now() - t0, crashes, bad, stuck, leaks, strays);
	status = found ? 1 : 0;
out_cfg:
	cfg_free(cfg);
out:
	free(table);
	return status;
}

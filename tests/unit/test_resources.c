/*
 * test_resources: the declarations and the descriptor plan of core/resources.h, and
 * the one sort of lib/sort.h the plan uses.
 *
 * - res_split: small claims get all they want, large ones share the rest equally, and
 *   the grants never exceed what is there;
 * - res_plan under a real RLIMIT_NOFILE of 256 (set in this process, hard and soft)
 *   with the claims plumb's parts make at their defaults: HTTP's connections, the
 *   container collector's "as many as possible", cpu and netclass: the grants add up
 *   to no more than the limit less the reserve, cpu and netclass get everything, the
 *   two large claims split the rest;
 * - res_plan raises a soft limit below the hard one;
 * - agent_declare on plumb's real collectors: the roots and the collectors' own paths
 *   are declared (textfile's folder, the cgroup mounts, the rootfs for the broker's
 *   statfs), a path declared twice keeps one entry with both flags, and the
 *   collectors' grants reach them before init (cpu's held files shrink with the limit);
 * - sort_heap orders hostile inputs (all equal, reversed, odd sizes) and every element
 *   size; sort_memo_sort gives sort_heap's order over lists repeated, permuted,
 *   changed, shortened and lengthened, and serves a repeated list from its memo in
 *   n - 1 comparisons.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/resources.h"
#include "lib/sort.h"
#include "t.h"

static void split_fair(void)
{
	struct res_claim c[4] = {
		{ "small", 10, 0 }, { "big", 100000, 0 }, { "mid", 50, 0 }, { "huge", 1u << 20, 0 },
	};
	res_split(1000, c, 4);
	CHECK_INT(c[0].granted, 10);
	CHECK_INT(c[2].granted, 50);
	/* 940 left for the two large ones, equally */
	CHECK_INT(c[1].granted, 470);
	CHECK_INT(c[3].granted, 470);

	/* everything fits: everyone gets what they asked */
	res_split(1u << 21, c, 4);
	CHECK_INT(c[1].granted, 100000);
	CHECK_INT(c[3].granted, 1u << 20);

	/* nothing to give */
	res_split(0, c, 4);
	for (int i = 0; i < 4; i++)
		CHECK_INT(c[i].granted, 0);
}

/* Sum of the grants of r's claims. */
static uint64_t granted_sum(const struct resources *r)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < r->nclaims; i++)
		sum += r->claims[i].granted;
	return sum;
}

static void plan_under_low_limit(void)
{
	struct rlimit old, low = { 256, 256 };
	static struct resources r;
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &old), 0);
	/* lower the hard limit in a child-free way we can undo: as root only */
	if (setrlimit(RLIMIT_NOFILE, &low) < 0) {
		fprintf(stderr, "plan_under_low_limit: cannot set the limit: %s\n", strerror(errno));
		CHECK(0);
		return;
	}
	res_init(&r);
	int http = res_claim(&r, "http", 2048);
	int ctr = res_claim(&r, "container", RES_AS_MANY);
	int cpu = res_claim(&r, "cpu", 24);
	int net = res_claim(&r, "netclass", 40);
	for (int i = 0; i < 5; i++)
		res_small(&r);
	CHECK_INT(res_plan(&r), 0);
	CHECK_INT(r.limit, 256);
	CHECK_INT(r.reserve, RES_RESERVE + 5 * RES_SMALL);
	CHECK(granted_sum(&r) <= r.limit - r.reserve);
	CHECK_INT(res_granted(&r, cpu), 24);
	CHECK_INT(res_granted(&r, net), 40);
	uint64_t rest = r.limit - r.reserve - 24 - 40;
	CHECK_INT(res_granted(&r, http), rest / 2);
	CHECK_INT(res_granted(&r, ctr), rest - rest / 2);
	CHECK_INT(res_granted(&r, -1), 0);
	CHECK_INT(res_granted(&r, 99), 0);
	/* the hard limit only goes down for a process that is not root: restore it */
	setrlimit(RLIMIT_NOFILE, &old);
}

static void plan_raises_soft_limit(void)
{
	struct rlimit old, rl;
	static struct resources r;
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &old), 0);
	if (old.rlim_max < 2048) {
		fprintf(stderr, "plan_raises_soft_limit: hard limit too low to test, skipped\n");
		return;
	}
	rl = (struct rlimit){ 512, old.rlim_max };
	CHECK_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
	res_init(&r);
	CHECK_INT(res_plan(&r), 0);
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
	CHECK_INT(rl.rlim_cur, old.rlim_max);
	setrlimit(RLIMIT_NOFILE, &old);
}

/* Index of path in r's declarations, or -1; its flags in *flags. */
static int find_path(const struct resources *r, const char *path, unsigned *flags)
{
	for (size_t i = 0; i < r->npaths; i++)
		if (strcmp(res_path_at(r, i, flags), path) == 0)
			return (int)i;
	return -1;
}

static void paths_declared(void)
{
	static struct resources r;
	unsigned fl = 0;
	res_init(&r);
	CHECK_INT(res_path(&r, "/a", "b", RES_READ), 0);
	CHECK_INT(res_path(&r, "/a/b", NULL, RES_BROKER_OPEN), 0);
	CHECK_INT(res_path(&r, NULL, NULL, RES_WRITE), 0); /* ignored */
	CHECK_INT(res_path(&r, "", "", RES_WRITE), 0);
	CHECK_INT(r.npaths, 1);
	CHECK_INT(find_path(&r, "/a/b", &fl), 0);
	CHECK_INT(fl, RES_BROKER_OPEN);
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	int r2 = 0;
	for (int i = 0; r2 == 0 && i < RES_MAX_PATHS + 2; i++) {
		big[0] = (char)('A' + i % 26);
		big[1] = (char)('A' + i / 26);
		r2 = res_path(&r, big, NULL, RES_READ);
	}
	CHECK_INT(r2, -E2BIG);
}

static void collectors_declare(void)
{
	char *argv[] = { "plumb", "--path.rootfs=/tmp/plumb-rootfs",
			 "--collector.textfile.directory=/var/lib/plumb/text*/x",
			 "--path.sysfs=/sys", NULL };
	struct plumb_config *cfg;
	static struct resources r;
	struct agent a;
	unsigned fl = 0;
	CHECK_INT(cfg_parse(4, argv, &cfg), 0);
	res_init(&r);
	CHECK_INT(agent_declare(&a, cfg, &r), 0);
	CHECK(find_path(&r, "/proc", &fl) >= 0);
	CHECK(find_path(&r, "/sys/fs/cgroup", &fl) >= 0);
	CHECK(find_path(&r, "/sys/fs/cgroup/memory", &fl) >= 0);
	CHECK(find_path(&r, "/tmp/plumb-rootfs/var/log", &fl) >= 0);
	CHECK(find_path(&r, "/var/lib/plumb/", &fl) >= 0);
	CHECK_INT(fl, RES_READ | RES_BROKER_OPEN);
	CHECK(find_path(&r, "/tmp/plumb-rootfs", &fl) >= 0);
	CHECK(fl & RES_BROKER_STATFS);
	/* cpu, cpufreq, diskstats, hwmon, netclass, thermal_zone, watchdog, zfs and
	 * container claim; the rest are small */
	CHECK_INT(r.nclaims, 9);
	CHECK(r.nsmall > 10);
	agent_fini(&a);
	cfg_free(cfg);
}

static int cmp_int(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

struct wide {
	char key[13];
	int n;
};

static int cmp_wide(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return strcmp(((const struct wide *)a)->key, ((const struct wide *)b)->key);
}

static void sort_orders(void)
{
	int v[101];
	for (int i = 0; i < 101; i++)
		v[i] = 100 - i; /* reversed */
	sort_heap(v, 101, sizeof(*v), cmp_int, NULL);
	for (int i = 0; i < 101; i++)
		CHECK_INT(v[i], i);
	for (int i = 0; i < 101; i++)
		v[i] = 7;
	sort_heap(v, 101, sizeof(*v), cmp_int, NULL);
	CHECK_INT(v[0], 7);
	sort_heap(v, 0, sizeof(*v), cmp_int, NULL); /* nothing to do, no crash */
	struct wide w[5] = { { "delta", 0 }, { "alpha", 1 }, { "echo", 2 }, { "charlie", 3 },
			     { "bravo", 4 } };
	sort_heap(w, 5, sizeof(*w), cmp_wide, NULL);
	CHECK_STR(w[0].key, "alpha");
	CHECK_STR(w[1].key, "bravo");
	CHECK_STR(w[4].key, "echo");
	CHECK_INT(w[4].n, 2);
	uint64_t q[3] = { 3, 1, 2 };
	sort_heap(q, 3, sizeof(*q), cmp_u64, NULL);
	CHECK_INT(q[0], 1);
	CHECK_INT(q[2], 3);
}

static unsigned long compared;

/* cmp_int that counts its calls in compared. */
static int cmp_counted(const void *a, const void *b, void *ctx)
{
	compared++;
	return cmp_int(a, b, ctx);
}

/* cmp_wide that counts its calls in compared. */
static int cmp_wide_counted(const void *a, const void *b, void *ctx)
{
	compared++;
	return cmp_wide(a, b, ctx);
}

/* Every length across the insertion and heap paths, with sorted prefixes of every
 * length ahead of the disorder: the result is sorted and holds the same values; input
 * already in order costs n - 1 comparisons. */
static void sort_every_shape(void)
{
	int v[40], count[16];
	unsigned seed = 1;
	for (int n = 0; n <= 40; n++)
		for (int pre = 0; pre <= n; pre += 3) {
			memset(count, 0, sizeof(count));
			for (int i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				v[i] = i < pre ? i / 4 : (int)((seed >> 16) % 16);
				count[v[i]]++;
			}
			sort_heap(v, (size_t)n, sizeof(*v), cmp_int, NULL);
			for (int i = 0; i < n; i++) {
				CHECK(i == 0 || v[i - 1] <= v[i]);
				count[v[i]]--;
			}
			for (int k = 0; k < 16; k++)
				CHECK_INT(count[k], 0);
			compared = 0;
			sort_heap(v, (size_t)n, sizeof(*v), cmp_counted, NULL);
			CHECK(compared == (unsigned long)(n > 1 ? n - 1 : 0));
		}
}

/* Rounds of lists of distinct values: the same list again (served from the memo, n - 1
 * comparisons), the same values given in another order, one value changed, one
 * dropped, one added, and lists with equal values (never served from a memo). Every
 * round's result is what sort_heap gives. */
static void sort_memo_matches_sort_heap(void)
{
	struct sort_memo m = { 0 };
	struct wide w[64] = { 0 }, ref[64];
	unsigned seed = 7;
	int n = 40;
	for (int i = 0; i < n; i++)
		snprintf(w[i].key, sizeof(w[i].key), "k%05u", (seed = seed * 1103515245u + 12345u) >> 16);
	for (int round = 0; round < 400; round++) {
		int kind = round % 6;
		struct wide given[64];
		seed = seed * 1103515245u + 12345u;
		int at = (int)((seed >> 16) % (unsigned)n);
		if (kind == 1) { /* the same values, given in another order */
			for (int i = n - 1; i > 0; i--) {
				seed = seed * 1103515245u + 12345u;
				int j = (int)((seed >> 16) % (unsigned)(i + 1));
				struct wide t = w[i];
				w[i] = w[j];
				w[j] = t;
			}
		} else if (kind == 2) { /* one changed */
			snprintf(w[at].key, sizeof(w[at].key), "c%05d", round);
		} else if (kind == 3 && n > 2) { /* one dropped */
			w[at] = w[--n];
		} else if (kind == 4 && n < 64) { /* one added */
			snprintf(w[n++].key, sizeof(w[0].key), "a%05d", round);
		} else if (kind == 5) { /* two equal: sorted, not served */
			w[at] = w[(at + 1) % n];
		}
		for (int i = 0; i < n; i++)
			w[i].n = i;
		memcpy(given, w, sizeof(w));
		memcpy(ref, w, sizeof(w));
		sort_heap(ref, (size_t)n, sizeof(*ref), cmp_wide, NULL);
		compared = 0;
		bool served = sort_memo_sort(&m, given, (size_t)n, sizeof(*given), cmp_wide_counted, NULL);
		for (int i = 0; i < n; i++)
			CHECK_STR(given[i].key, ref[i].key);
		if (kind == 0 && round > 0 && (round - 1) % 6 != 5) {
			CHECK(served); /* the list of the round before, again */
			CHECK(compared == (unsigned long)(n - 1));
		}
		if (kind == 5)
			CHECK(!served);
		if (kind == 5) /* no equal keys from here on */
			snprintf(w[at].key, sizeof(w[at].key), "e%05d", round);
	}
	/* a list given once more serves with its elements' other fields in place */
	struct wide a[3] = { { "b", 1 }, { "a", 2 }, { "c", 3 } };
	struct wide b[3] = { { "b", 4 }, { "a", 5 }, { "c", 6 } };
	CHECK(!sort_memo_sort(&m, a, 3, sizeof(*a), cmp_wide, NULL));
	CHECK(sort_memo_sort(&m, b, 3, sizeof(*b), cmp_wide, NULL));
	CHECK_INT(b[0].n, 5);
	CHECK_INT(b[2].n, 6);
	CHECK(!sort_memo_sort(&m, b, 1, sizeof(*b), cmp_wide, NULL)); /* nothing to sort */
	sort_memo_fini(&m);
	sort_memo_fini(&m); /* twice: a zeroed memo is accepted */
}

int main(void)
{
	RUN(split_fair);
	RUN(paths_declared);
	RUN(collectors_declare);
	RUN(sort_orders);
	RUN(sort_every_shape);
	RUN(sort_memo_matches_sort_heap);
	RUN(plan_raises_soft_limit);
	RUN(plan_under_low_limit);
	return T_DONE("test_resources");
}

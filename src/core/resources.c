/*
 * resources: the declarations table and the descriptor plan (see resources.h).
 */
#include "core/resources.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/sort.h"

void res_init(struct resources *r)
{
	r->used = 0;
	r->npaths = 0;
	r->nclaims = 0;
	r->nsmall = 0;
	r->limit = 0;
	r->reserve = 0;
}

int res_path(struct resources *r, const char *root, const char *rel, unsigned flags)
{
	char path[PATH_MAX];
	int e;
	if (!rel || !*rel)
		rel = NULL;
	if (!root || !*root) {
		if (!rel)
			return 0;
		root = rel;
		rel = NULL;
	}
	if (rel)
		e = path_join(path, sizeof(path), root, rel);
	else
		e = snprintf(path, sizeof(path), "%s", root) >= (int)sizeof(path) ? -ENAMETOOLONG : 0;
	if (e < 0)
		return e;
	for (size_t i = 0; i < r->npaths; i++) {
		if (strcmp(r->room + r->path_off[i], path) == 0) {
			r->path_flags[i] |= flags;
			return 0;
		}
	}
	size_t len = strlen(path) + 1;
	if (r->npaths >= RES_MAX_PATHS || len > sizeof(r->room) - r->used)
		return -E2BIG;
	memcpy(r->room + r->used, path, len);
	r->path_off[r->npaths] = (uint32_t)r->used;
	r->path_flags[r->npaths] = flags;
	r->npaths++;
	r->used += len;
	return 0;
}

int res_claim(struct resources *r, const char *who, uint64_t want)
{
	if (r->nclaims >= RES_MAX_CLAIMS)
		return -E2BIG;
	r->claims[r->nclaims] = (struct res_claim){ .who = who, .want = want };
	return (int)r->nclaims++;
}

void res_small(struct resources *r)
{
	r->nsmall++;
}

uint64_t res_granted(const struct resources *r, int id)
{
	return id >= 0 && (size_t)id < r->nclaims ? r->claims[id].granted : 0;
}

/* sort_heap order of claim indices: by want, smallest first. */
static int by_want(const void *a, const void *b, void *ctx)
{
	const struct res_claim *c = ctx;
	uint64_t x = c[*(const uint32_t *)a].want, y = c[*(const uint32_t *)b].want;
	return (x > y) - (x < y);
}

void res_split(uint64_t avail, struct res_claim *claims, size_t n)
{
	uint32_t order[RES_MAX_CLAIMS];
	if (n > RES_MAX_CLAIMS)
		n = RES_MAX_CLAIMS;
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	sort_heap(order, n, sizeof(*order), by_want, claims);
	/* Water-filling: the smallest claim takes its want or an equal share of what is
	 * left, whichever is less; what it leaves goes to the larger ones after it. */
	for (size_t k = 0; k < n; k++) {
		struct res_claim *c = &claims[order[k]];
		uint64_t share = avail / (n - k);
		c->granted = c->want < share ? c->want : share;
		avail -= c->granted;
	}
}

int res_plan(struct resources *r)
{
	struct rlimit rl;
	char got[24], want[24];
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = { rl.rlim_max, rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	/* an unlimited limit is still bounded by the kernel's nr_open; 2^20 is its default */
	r->limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20) ? (1u << 20)
									      : rl.rlim_cur;
	r->reserve = RES_RESERVE + RES_SMALL * r->nsmall;
	/* On a tiny limit keep a quarter for the claims rather than nothing. */
	if (r->reserve > r->limit - r->limit / 4)
		r->reserve = r->limit - r->limit / 4;
	res_split(r->limit - r->reserve, r->claims, r->nclaims);
	for (size_t i = 0; i < r->nclaims; i++) {
		const struct res_claim *c = &r->claims[i];
		if (c->granted >= c->want || c->want >= RES_AS_MANY)
			continue;
		snprintf(got, sizeof(got), "%llu", (unsigned long long)c->granted);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)c->want);
		plog(LOG_INFO, "the open-file limit gives a part fewer descriptors than it asked for",
		     "part", c->who, "granted", got, "wanted", want, PLOG_END);
	}
	return 0;
}

/*
 * cpulist: sorted listing of sysfs CPU directories and CPU range lists. See cpulist.h.
 */
#include "lib/cpulist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sort.h"
#include "lib/strparse.h"

int cpulist_init(struct cpulist *cl, const char *sysfs)
{
	memset(cl, 0, sizeof(*cl));
	cl->ds.fd = -1;
	return dirscan_init(&cl->ds, sysfs, "devices/system/cpu");
}

/* Whether name matches the glob cpu[0-9]*. */
static bool is_cpu_name(const char *name)
{
	return strncmp(name, "cpu", 3) == 0 && name[3] >= '0' && name[3] <= '9';
}

/* Make room for one more name. Returns 0, -E2BIG past the limit, or -ENOMEM. */
static int grow(struct cpulist *cl)
{
	size_t max = cl->max ? cl->max : 65536;
	if (cl->n < cl->cap)
		return 0;
	if (cl->cap >= max)
		return -E2BIG;
	size_t cap = cl->cap ? cl->cap * 2 : 64;
	if (cap > max)
		cap = max;
	void *p = realloc(cl->names, cap * sizeof(*cl->names));
	if (!p)
		return -ENOMEM;
	cl->names = p;
	cl->cap = cap;
	return 0;
}

/* Order of CPU names: byte-wise. */
static int by_name(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	return strcmp(a, b);
}

int cpulist_scan(struct cpulist *cl)
{
	const char *name;
	unsigned char type;
	int r;
	cl->n = 0;
	r = dirscan_rewind(&cl->ds);
	if (r < 0)
		return r;
	while ((r = dirscan_next(&cl->ds, &name, &type)) > 0) {
		if (!is_cpu_name(name) || strlen(name) >= CPULIST_NAME_MAX)
			continue;
		r = grow(cl);
		if (r < 0)
			return r;
		memcpy(cl->names[cl->n++], name, strlen(name) + 1);
	}
	if (r < 0)
		return r;
	/* names in a directory are unique, so strictly ascending as the memo needs */
	sort_memo_sort(&cl->memo, cl->names, cl->n, sizeof(*cl->names), by_name, NULL);
	return 0;
}

void cpulist_fini(struct cpulist *cl)
{
	dirscan_fini(&cl->ds);
	sort_memo_fini(&cl->memo);
	free(cl->names);
	cl->names = NULL;
	cl->n = cl->cap = 0;
}

/* Parse one decimal CPU number of a range list. Returns 0 or -EINVAL. */
static int cpu_number(struct span s, uint64_t *v)
{
	if (s.len == 0 || s.len > 5)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
	if (span_u64(s, v) < 0 || *v > 65535)
		return -EINVAL;
	return 0;
}

/* Add one item ("7" or "3-5") to out. Returns 0, -EINVAL or -E2BIG. */
static int range_item(struct span item, uint16_t *out, size_t cap, size_t *n)
{
	struct span lo = item, hi;
	uint64_t a, b;
	const char *dash = memchr(item.p, '-', item.len);
	if (!dash) {
		if (cpu_number(item, &a) < 0)
			return -EINVAL;
		b = a;
	} else {
		lo = (struct span){ item.p, (size_t)(dash - item.p) };
		hi = (struct span){ dash + 1, item.len - lo.len - 1 };
		if (memchr(hi.p, '-', hi.len) || cpu_number(lo, &a) < 0 || cpu_number(hi, &b) < 0)
			return -EINVAL;
	}
	for (uint64_t i = a; i <= b; i++) {
		if (*n >= cap)
			return -E2BIG;
		out[(*n)++] = (uint16_t)i;
	}
	return 0;
}

int cpu_range_parse(const char *buf, size_t len, uint16_t *out, size_t cap, size_t *n)
{
	struct span s = { buf, len }, item;
	*n = 0;
	if (s.len && s.p[s.len - 1] == '\n')
		s.len--;
	if (s.len == 0)
		return 0;
	while (span_field(&s, ',', &item)) {
		if (item.len == 0)
			continue;
		int r = range_item(item, out, cap, n);
		if (r < 0)
			return r;
	}
	return 0;
}
